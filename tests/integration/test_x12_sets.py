"""The transaction set mappings: realistic inbound documents parse to plain values, every
set round-trips, and the outbound sets are built from ordermesh's order and request views."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from ordermesh.adapters.formats import x12
from ordermesh.adapters.formats.x12 import (
    Address,
    ProductId,
    Separators,
    SequentialControlNumbers,
    TransactionSet,
)
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.lifecycle import OrderStatus, RequestStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services.orders import OrderView
from ordermesh.services.ports import (
    BackorderEntry,
    FulfillmentRequest,
    OrderLineState,
    RequestLine,
)

DATA = Path(__file__).parent.parent / "data" / "x12"
AT = datetime(2024, 3, 6, 17, 0)
STORE = Address(
    "ST",
    "Buyer Co Store 1142",
    "92",
    "1142",
    ("2450 Market Street", "Suite 110"),
    "Reno",
    "NV",
    "89502",
    "US",
)


def only_set(name: str) -> TransactionSet:
    interchange = x12.read_interchange((DATA / name).read_bytes(), name)
    ((transaction,),) = [group.sets for group in interchange.groups]
    return transaction


def through_interchange(
    transaction: TransactionSet, separators: Separators = Separators()
) -> TransactionSet:
    """Envelope, write, read back: the set as a partner would receive it."""
    interchange = x12.build_interchange(
        [transaction],
        sender=x12.PartyId("ZZ", "ORDERMESH"),
        receiver=x12.PartyId("ZZ", "PARTNER"),
        at=AT,
        numbers=SequentialControlNumbers(),
    )
    back = x12.read_interchange(x12.write_interchange(interchange, separators))
    return back.groups[0].sets[0]


# -- inbound examples -------------------------------------------------------------------------


def test_850_with_several_lines_and_a_ship_to_loop() -> None:
    po = x12.parse_850(only_set("850_purchase_order.edi"))
    assert po.po_number == "PO-4500012345"
    assert po.po_date == date(2024, 3, 1)
    assert po.requested_ship == date(2024, 3, 5)
    assert po.requested_delivery == date(2024, 3, 11)
    assert po.ship_to == STORE
    assert [p.entity for p in po.parties] == ["BT", "ST"]
    assert [
        (line.line_number, line.sku(), line.quantity, line.unit_price) for line in po.lines
    ] == [
        ("1", "SKU-1001", 12, Decimal("24.99")),
        ("2", "SKU-1002", 6, Decimal("9.5")),
        ("3", "SKU-1003", 30, Decimal("3.25")),
    ]
    assert po.lines[2].sku(("BP",)) == "B-88299"
    assert x12.order_lines(po) == (
        OrderLine("1", "SKU-1001", 12, 24.99),
        OrderLine("2", "SKU-1002", 6, 9.5),
        OrderLine("3", "SKU-1003", 30, 3.25),
    )


def test_846_maps_to_snapshot_lines() -> None:
    advice = x12.parse_846(only_set("846_inventory_advice.edi"))
    assert advice.reference == "INV-20240302"
    assert advice.time == time(6, 0)
    assert advice.parties[0].identifier == "RNO1"
    assert x12.snapshot_lines(advice) == [
        SnapshotLine("SKU-1001", 140),  # on hand (17) wins over available (33)
        SnapshotLine("SKU-1002", 0),
        SnapshotLine("SKU-1003", 75),
    ]


def test_945_with_a_short_ship() -> None:
    advice = x12.parse_945(only_set("945_short_ship.edi"))
    assert advice.depositor_order == "FR-000123"
    assert advice.ship_date == date(2024, 3, 6)
    assert advice.carrier == "UPSN"
    assert advice.tracking_numbers == ("1Z999AA10123456784",)
    assert [(line.ordered, line.shipped, line.status) for line in advice.lines] == [
        (12, 12, "CC"),
        (6, 4, "CP"),
    ]
    assert x12.advice_shipped(advice) == {("1", "SKU-1001"): 12, ("2", "SKU-1002"): 4}


def test_856_from_a_3pl() -> None:
    notice = x12.parse_856(only_set("856_from_3pl.edi"))
    assert notice.shipment_id == "SHP-55012"
    assert notice.carrier == "UPSN"
    assert notice.tracking == ("1Z999AA10123456784",)
    assert notice.shipped_date == date(2024, 3, 6)
    (order,) = notice.orders
    assert order.purchase_order == "FR-000123"
    assert [(i.line_number, i.sku(), i.shipped, i.ordered) for i in order.items] == [
        ("1", "SKU-1001", 12, 12),
        ("2", "SKU-1002", 4, 6),
    ]
    assert x12.notice_shipped(notice) == {("1", "SKU-1001"): 12, ("2", "SKU-1002"): 4}


def test_a_5010_envelope_carries_a_4010_mapping() -> None:
    advice = x12.parse_846(only_set("846_envelope_5010.edi"))
    assert x12.snapshot_lines(advice) == [SnapshotLine("SKU-1001", 138)]


# -- round trips: parse -> generate -> parse ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "parse", "generate"),
    [
        ("850_purchase_order.edi", x12.parse_850, x12.generate_850),
        ("850_pipe_newline.edi", x12.parse_850, x12.generate_850),
        ("846_inventory_advice.edi", x12.parse_846, x12.generate_846),
        ("846_envelope_5010.edi", x12.parse_846, x12.generate_846),
        ("945_short_ship.edi", x12.parse_945, x12.generate_945),
        ("856_from_3pl.edi", x12.parse_856, x12.generate_856),
    ],
)
def test_examples_round_trip(name: str, parse: object, generate: object) -> None:
    assert callable(parse) and callable(generate)
    first = parse(only_set(name))
    again = parse(through_interchange(generate(first), Separators("|", ":", "\n")))
    assert again == first


# -- round trips: generate -> parse -------------------------------------------------------------

PO = x12.PurchaseOrder(
    po_number="PO-1",
    po_date=date(2024, 5, 1),
    lines=(
        x12.PurchaseOrderLine("10", 3, "EA", Decimal("1.05"), (ProductId("VP", "A-1"),)),
        x12.PurchaseOrderLine(
            "20", 1, "CA", None, (ProductId("BP", "77"), ProductId("UP", "0123"))
        ),
    ),
    references=(x12.Reference("DP", "12"),),
    requested_ship=date(2024, 5, 3),
    parties=(STORE,),
)
ACK = x12.PurchaseOrderAck(
    po_number="PO-1",
    po_date=date(2024, 5, 1),
    items=(
        x12.AckItem(
            "10",
            3,
            (x12.LineAck("IA", 2, "EA", date(2024, 5, 3)), x12.LineAck("IB", 1)),
            "EA",
            Decimal("1.05"),
            (ProductId("VP", "A-1"),),
        ),
        x12.AckItem("20", 1, (x12.LineAck("IR", 1, "CA"),), "CA", None, (ProductId("VP", "B-2"),)),
    ),
    ack_type="AC",
    seller_order="ORD-9",
    ack_date=date(2024, 5, 1),
)
NOTICE = x12.ShipNotice(
    shipment_id="SH-1",
    date=date(2024, 5, 4),
    time=time(13, 45, 10),
    orders=(
        x12.ShipNoticeOrder(
            "PO-1",
            (x12.ShipNoticeItem((ProductId("VP", "A-1"),), 2, "EA", 3, "10"),),
            (x12.Reference("VN", "ORD-9"),),
        ),
        x12.ShipNoticeOrder("PO-2", (x12.ShipNoticeItem((ProductId("VP", "C-3"),), 5),)),
    ),
    shipped_date=date(2024, 5, 4),
    carrier="FDEG",
    transport="U",
    tracking=("7712", "7713"),
    parties=(STORE, Address("SF", "Reno DC")),
)
ADVICE_846 = x12.InventoryAdvice(
    reference="INV-1",
    date=date(2024, 5, 1),
    items=(
        x12.InventoryItem(
            (ProductId("SK", "A-1"),),
            (x12.InventoryQuantity("17", 10), x12.InventoryQuantity("33", -2, "CA")),
        ),
    ),
    parties=(Address("WH", "Reno DC", "92", "RNO1"),),
)
ORDER_940 = x12.ShippingOrder(
    depositor_order="FR-1",
    lines=(
        x12.ShippingOrderLine(1, 2, (ProductId("SK", "A-1"),), "EA", "10"),
        x12.ShippingOrderLine(2, 1, (ProductId("SK", "C-3"), ProductId("UP", "0123")), "CA"),
    ),
    purchase_order="PO-1",
    parties=(STORE,),
    requested_ship=date(2024, 5, 2),
    requested_delivery=date(2024, 5, 6),
    routing="ground",
    carrier="UPSN",
)
ADVICE_945 = x12.ShippingAdvice(
    depositor_order="FR-1",
    ship_date=date(2024, 5, 2),
    lines=(
        x12.ShippedLine(1, 2, 1, (ProductId("SK", "A-1"),), "EA", "CP", "10", ("1Z1", "1Z2")),
        x12.ShippedLine(2, 1, 1, (ProductId("SK", "C-3"),)),
    ),
    shipment_id="S-1",
    purchase_order="PO-1",
    parties=(STORE,),
    carrier="UPSN",
    routing="UPS Ground",
    payment="PP",
)
FA = x12.FunctionalAcknowledgment(
    functional_id="PO",
    group_control=101,
    status=x12.AckCode.PARTIALLY_ACCEPTED,
    included=2,
    received=2,
    accepted=1,
    sets=(
        x12.SetResponse("850", "0001", x12.AckCode.ACCEPTED),
        x12.SetResponse(
            "850",
            "0002",
            x12.AckCode.REJECTED,
            ("5",),
            (
                x12.SegmentNote("ZZZ", 4, "1"),
                x12.SegmentNote("BEG", 2, "8", None, (x12.ElementNote(3, "1", "324"),)),
            ),
        ),
    ),
)


@pytest.mark.parametrize(
    ("value", "parse", "generate"),
    [
        (PO, x12.parse_850, x12.generate_850),
        (ACK, x12.parse_855, x12.generate_855),
        (NOTICE, x12.parse_856, x12.generate_856),
        (ADVICE_846, x12.parse_846, x12.generate_846),
        (ORDER_940, x12.parse_940, x12.generate_940),
        (ADVICE_945, x12.parse_945, x12.generate_945),
        (FA, x12.parse_997, x12.generate_997),
    ],
    ids=["850", "855", "856", "846", "940", "945", "997"],
)
def test_every_set_round_trips(value: object, parse: object, generate: object) -> None:
    assert callable(parse) and callable(generate)
    assert parse(through_interchange(generate(value))) == value
    # and parse -> generate -> parse
    once = parse(through_interchange(generate(value), Separators("|", ":", "\n")))
    assert parse(through_interchange(generate(once))) == once


def test_generated_855_segments() -> None:
    transaction = x12.generate_855(ACK)
    ids = [s.id for s in transaction.segments]
    assert ids == ["BAK", "PO1", "ACK", "ACK", "PO1", "ACK", "CTT"]
    assert transaction.segments[2] == x12.Segment("ACK", ("IA", "2", "EA", "068", "20240503"))


def test_a_set_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ValueError, match="not a 855"):
        x12.parse_855(x12.generate_850(PO))


def test_a_mapping_error_lists_every_problem() -> None:
    transaction = TransactionSet(
        "850",
        (
            x12.Segment.of("BEG", "00", "SA", "", "", "2024"),
            x12.Segment.of("PO1", "1", "", "EA", "abc"),
        ),
        "0001",
        origin=3,
    )
    with pytest.raises(x12.InvalidX12) as caught:
        x12.parse_850(transaction)
    assert [p.where for p in caught.value.problems] == [
        "segment 5 (PO1), element 02",
        "segment 5 (PO1), element 04",
        "segment 5 (PO1), element 07",
        "segment 6 (PO1)",
        "segment 4 (BEG), element 03",
        "segment 4 (BEG), element 05",
    ]


# -- outbound from ordermesh views --------------------------------------------------------------


def request(**changes: Any) -> FulfillmentRequest:
    base = FulfillmentRequest(
        id="FR-000123",
        order_id="ORD-9",
        node_id="acme-reno",
        service_id="ground",
        status=RequestStatus.RELEASED,
        costs={},
        ship_date=date(2024, 3, 5),
        promise_date=date(2024, 3, 8),
        tracking_number=None,
        carrier=None,
        reject_reason=None,
        created_at=AT,
        updated_at=AT,
        lines=(
            RequestLine("1", "SKU-1001", None, 12),
            RequestLine("2", "SKU-1002", None, 6),
            RequestLine("3", "SKU-1003", None, 4, cancelled_quantity=4),
        ),
    )
    return replace(base, **changes)


def test_940_from_a_fulfillment_request() -> None:
    order = x12.shipping_order_from_request(request(), STORE, purchase_order="PO-4500012345")
    assert order.depositor_order == "FR-000123"
    assert [
        (line.line_number, line.line_id, line.sku(), line.quantity) for line in order.lines
    ] == [
        (1, "1", "SKU-1001", 12),
        (2, "2", "SKU-1002", 6),
    ]
    transaction = x12.generate_940(order)
    assert transaction.segments[0] == x12.Segment("W05", ("N", "FR-000123", "PO-4500012345"))
    assert x12.Segment("W66", ("PP", "U", "", "", "ground")) in transaction.segments
    assert transaction.segments[-1] == x12.Segment("W76", ("18",))
    assert x12.parse_940(through_interchange(transaction)) == order


def test_945_back_gives_the_confirm_shipment_arguments() -> None:
    order = x12.shipping_order_from_request(request(), STORE)
    advice = x12.ShippingAdvice(
        depositor_order=order.depositor_order,
        ship_date=date(2024, 3, 6),
        lines=tuple(
            x12.ShippedLine(
                line.line_number,
                line.quantity,
                min(line.quantity, 4),
                line.product_ids,
                line_id=line.line_id,
                tracking=("1Z9",),
            )
            for line in order.lines
        ),
        carrier="UPSN",
    )
    back = x12.parse_945(through_interchange(x12.generate_945(advice)))
    assert x12.advice_shipped(back) == {("1", "SKU-1001"): 4, ("2", "SKU-1002"): 4}
    assert back.tracking_numbers == ("1Z9",)


def test_856_to_the_buyer_from_a_shipped_request() -> None:
    shipped = request(
        status=RequestStatus.SHIPPED,
        tracking_number="1Z999AA10123456784",
        carrier="UPSN",
        lines=(
            RequestLine("1", "SKU-1001", None, 12, shipped_quantity=12),
            RequestLine("2", "SKU-1002", None, 6, shipped_quantity=4),
        ),
    )
    notice = x12.ship_notice_from_request(
        shipped,
        shipment_id="SHP-1",
        purchase_order="PO-4500012345",
        notice_date=date(2024, 3, 6),
        notice_time=time(14, 30),
        parties=(STORE,),
    )
    transaction = x12.generate_856(notice)
    ids = [s.id for s in transaction.segments]
    assert ids == [
        "BSN",
        "HL",
        "TD5",
        "REF",
        "DTM",
        "N1",
        "N3",
        "N4",
        "HL",
        "PRF",
        "HL",
        "LIN",
        "SN1",
        "HL",
        "LIN",
        "SN1",
        "CTT",
    ]
    assert transaction.segments[-1] == x12.Segment("CTT", ("4",))
    back = x12.parse_856(through_interchange(transaction))
    assert back == notice
    assert x12.notice_shipped(back) == {("1", "SKU-1001"): 12, ("2", "SKU-1002"): 4}


def view(
    lines: tuple[OrderLineState, ...], backordered: tuple[BackorderEntry, ...] = ()
) -> OrderView:
    return OrderView(
        id="ORD-9",
        channel="b2b",
        external_id="PO-4500012345",
        idempotency_key=None,
        customer_tier=None,
        ship_to=ShipTo(Location(39.5, -119.8, "89502", "US", "NV")),
        service_level="ground",
        tags=(),
        status=OrderStatus.PARTIALLY_BACKORDERED,
        on_hold=False,
        placed_at=AT,
        promised_by=date(2024, 3, 8),
        rule_set_id=None,
        rule_set_version=None,
        lines=lines,
        shipments=(),
        backordered=backordered,
        explanation=None,
        created_at=AT,
        updated_at=AT,
    )


def test_855_accepted_backordered_and_rejected_lines() -> None:
    po = x12.parse_850(only_set("850_purchase_order.edi"))
    order = view(
        (
            OrderLineState("1", "SKU-1001", 12, 24.99),
            OrderLineState("2", "SKU-1002", 6, 9.5),
            OrderLineState("3", "SKU-1003", 30, 3.25, cancelled_quantity=30),
        ),
        (BackorderEntry(1, "ORD-9", "2", "SKU-1002", None, 2, "no stock", 100, AT),),
    )
    ack = x12.ack_from_order(
        order, po_date=po.po_date, ack_date=date(2024, 3, 1), purchase_order=po
    )
    assert ack.ack_type == "AC"
    assert ack.po_number == "PO-4500012345"
    assert ack.seller_order == "ORD-9"
    assert [[(a.status, a.quantity) for a in item.acks] for item in ack.items] == [
        [("IA", 12)],
        [("IA", 4), ("IB", 2)],
        [("IR", 30)],
    ]
    assert ack.items[0].acks[0].ship_date == date(2024, 3, 8)
    assert ack.items[1].product_ids == po.lines[1].product_ids
    assert x12.parse_855(through_interchange(x12.generate_855(ack))) == ack


def test_855_all_accepted_and_all_rejected() -> None:
    accepted = x12.ack_from_order(
        view((OrderLineState("1", "A", 2, None),)), po_date=date(2024, 3, 1)
    )
    assert accepted.ack_type == "AD"
    assert accepted.items[0].product_ids == (ProductId("VP", "A"),)
    rejected = x12.ack_from_order(
        view((OrderLineState("1", "A", 2, None, cancelled_quantity=2),)), po_date=date(2024, 3, 1)
    )
    assert rejected.ack_type == "RJ"
