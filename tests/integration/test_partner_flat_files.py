"""The flat file formats of docs/formats/flat-files.md: each one round-trips, and every
malformed input is refused whole with its line and column."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ordermesh.adapters.formats.flat_files import (
    FULFILLMENT_REQUEST_COLUMNS,
    InventoryDelta,
    NodeFileKind,
    ShipmentConfirmation,
    node_file_kind,
    parse_fulfillment_requests,
    parse_inventory_deltas,
    parse_shipment_confirmations,
    render_fulfillment_requests,
    render_inventory_deltas,
    render_shipment_confirmations,
)
from ordermesh.adapters.formats.network_document import load_network_file
from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.domain.model import Location
from ordermesh.domain.network import Network
from ordermesh.domain.order import RECIPIENT_FIELDS, Recipient, ShipTo
from ordermesh.services.ports import FulfillmentRequest, RequestLine
from ordermesh.services.request_view import RequestView

NETWORK_FILE = Path(__file__).parent.parent / "data" / "network_small.yaml"
AT = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network_file(NETWORK_FILE.read_bytes(), str(NETWORK_FILE))[1]


def problems_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [str(problem) for problem in error.value.problems]


def test_fulfillment_requests_round_trip(network: Network) -> None:
    request = FulfillmentRequest(
        id="ful_1",
        order_id="ord_1",
        node_id="DC-RENO",
        service_id="ground",
        status=RequestStatus.RELEASED,
        costs={},
        ship_date=date(2026, 6, 10),
        promise_date=date(2026, 6, 13),
        tracking_number=None,
        carrier=None,
        reject_reason=None,
        created_at=AT,
        updated_at=AT,
        lines=(
            RequestLine("1", "MUG-BLUE", None, 2),
            RequestLine("2", "COASTER", "MUG-PAIR", 4, cancelled_quantity=1),
            RequestLine("3", "PILLOW", None, 1, cancelled_quantity=1),
        ),
    )
    view = RequestView(
        request,
        channel="web",
        external_id="A1",
        ship_to=ShipTo(
            Location(41.9107, -87.634, "60610", "US", "IL"),
            recipient=Recipient(
                name="Ada Lovelace",
                address1="1600 N Clark St, Apt 3",
                city="Chicago",
                region="IL",
                phone="+1 312 555 0100",
            ),
        ),
    )
    text = render_fulfillment_requests([view], network)
    assert text.splitlines()[0] == ",".join(FULFILLMENT_REQUEST_COLUMNS)
    rows = parse_fulfillment_requests(text.encode())
    # A line wholly cancelled is not sent; a partly cancelled one asks for what is left.
    assert [(r.line_id, r.sku, r.bundle_id, r.quantity) for r in rows] == [
        ("1", "MUG-BLUE", "", 2),
        ("2", "COASTER", "MUG-PAIR", 3),
    ]
    assert rows[0].external_id == "A1" and rows[0].ship_date == date(2026, 6, 10)
    assert (rows[0].lat, rows[0].lon, rows[0].postal_code) == (41.9107, -87.634, "60610")
    assert rows[1].recipient == {
        "name": "Ada Lovelace",
        "company": "",
        "address1": "1600 N Clark St, Apt 3",
        "address2": "",
        "city": "Chicago",
        "region": "IL",
        "phone": "+1 312 555 0100",
        "email": "",
    }


def test_a_request_file_without_the_recipient_columns_still_reads() -> None:
    header = ",".join(c for c in FULFILLMENT_REQUEST_COLUMNS if c not in RECIPIENT_FIELDS)
    row = "new,r,o,,web,DC-RENO,ground,,2026-06-10,2026-06-13,1,MUG-BLUE,,2,60610,US,1,2,"
    [parsed] = parse_fulfillment_requests(f"{header}\n{row}\n".encode())
    assert parsed.quantity == 2 and set(parsed.recipient.values()) == {""}


def test_shipment_confirmations_round_trip() -> None:
    confirmations = [
        ShipmentConfirmation("ful_1", 2, {("1", "MUG-BLUE"): 2, ("2", "COASTER"): 0}, "1Z9", "UPS"),
        ShipmentConfirmation("ful_2", 4, {("1", "PILLOW"): 1}),
    ]
    text = render_shipment_confirmations(confirmations)
    assert parse_shipment_confirmations(text.encode()) == confirmations
    assert node_file_kind(text.encode(), "x") is NodeFileKind.SHIPMENTS


def test_inventory_deltas_round_trip(network: Network) -> None:
    deltas = [
        InventoryDelta(2, "DC-RENO", "MUG-BLUE", 5, AdjustmentReason.RECEIPT, "PO 7"),
        InventoryDelta(3, "DC-OHIO", "PILLOW", -2, AdjustmentReason.DAMAGE),
    ]
    text = render_inventory_deltas(deltas)
    assert parse_inventory_deltas(text.encode(), network) == deltas
    assert node_file_kind(text.encode(), "x") is NodeFileKind.DELTAS
    assert node_file_kind(b"node,sku,on_hand\n", "x") is NodeFileKind.SNAPSHOT


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "line 1: the file is empty"),
        (b"request_id,line_id,sku,shipped\n", "line 2: the file has a header but no rows"),
        (b"request_id,line_id,sku,shipped,extra\n", "line 1, column 5: unknown column 'extra'"),
        (b"request_id,line_id,sku,shipped,sku\n", "line 1, column 5: duplicate column 'sku'"),
        (b"request_id,line_id,sku,shipped\nr,1,A\n", "line 2: has 3 fields, the header has 4"),
        (b"request_id,line_id,sku,shipped\n,1,A,1\n", "line 2, column request_id: is empty"),
        (b"request_id,line_id,sku,shipped\nr,1,A,1.5\n", "line 2, column shipped"),
        (b"request_id,line_id,sku,shipped\nr,1,A,-2\n", "line 2, column shipped: must be >= 0"),
        (
            b"request_id,line_id,sku,shipped,tracking_number\nr,1,A,1,T1\nr,2,B,1,T2\n",
            "line 3, column tracking_number: 'T2' differs from 'T1' on line 2",
        ),
        (b"request_id,line_id,sku,shipped\nr,1,A,1\n\xff\n", "line 3: is not valid"),
    ],
)
def test_malformed_shipment_confirmations(content: bytes, expected: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_shipment_confirmations(content)
    assert any(expected in problem for problem in problems_of(error))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"node,sku,delta\n", "line 1: missing column 'reason'"),
        (b"node,sku,delta,reason\n", "line 2: the file has a header but no rows"),
        (b"node,sku,delta,reason\nNOPE,MUG-BLUE,1,receipt\n", "line 2, column node: unknown"),
        (b"node,sku,delta,reason\nDC-RENO,NOPE,1,receipt\n", "line 2, column sku: unknown"),
        (b"node,sku,delta,reason\nDC-RENO,MUG-PAIR,1,receipt\n", "line 2, column sku: 'MUG-PAIR'"),
        (b"node,sku,delta,reason\nDC-RENO,MUG-BLUE,1.5,receipt\n", "line 2, column delta: must"),
        (b"node,sku,delta,reason\nDC-RENO,MUG-BLUE,0,receipt\n", "line 2, column delta: must not"),
        (b"node,sku,delta,reason\nDC-RENO,MUG-BLUE,1,found\n", "line 2, column reason"),
        (b"node,sku,delta,reason\nDC-RENO,MUG-BLUE,1\n", "line 2: has 3 fields"),
    ],
)
def test_malformed_inventory_deltas(network: Network, content: bytes, expected: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_inventory_deltas(content, network)
    assert any(expected in problem for problem in problems_of(error))


def test_a_delta_file_in_a_node_inbox_names_only_that_node(network: Network) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_inventory_deltas(
            b"node,sku,delta,reason\nDC-OHIO,MUG-BLUE,1,receipt\n", network, node_id="DC-RENO"
        )
    assert problems_of(error) == ["line 2, column node: 'DC-OHIO' in the inbox of node 'DC-RENO'"]


def test_malformed_fulfillment_requests() -> None:
    header = ",".join(FULFILLMENT_REQUEST_COLUMNS).encode()
    with pytest.raises(InvalidInput) as error:
        parse_fulfillment_requests(header.replace(b",quantity", b"") + b"\n")
    assert problems_of(error) == ["line 1: missing column 'quantity'"]
    row = b"new,r,o,,web,DC-RENO,ground,,2026-06-10,2026-06-13,1,MUG-BLUE,,0,60610,US,1,2,"
    row += b"," * len(RECIPIENT_FIELDS) + b"\n"
    with pytest.raises(InvalidInput) as error:
        parse_fulfillment_requests(header + b"\n" + row)
    assert problems_of(error) == ["line 2, column quantity: must be >= 1, not 0"]
