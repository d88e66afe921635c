"""A whole B2B flow over partner folders, on SQLite and PostgreSQL: a buyer's 850 in, 997
and 855 back, the order routed to a 3PL that speaks X12, a 940 to it, its 945 back, the
order shipped and its stock gone, and an 856 to the buyer. Every document is read back
with the X12 layer's own parser."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from typer.testing import CliRunner

from ordermesh.adapters.db import tables
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.adapters.formats.x12 import (
    AckCode,
    Address,
    ElementNote,
    FunctionalAcknowledgment,
    PartyId,
    ProductId,
    PurchaseOrder,
    PurchaseOrderAck,
    PurchaseOrderLine,
    Received,
    SegmentNote,
    Separators,
    SequentialControlNumbers,
    SetResponse,
    ShipNotice,
    ShipNoticeItem,
    ShipNoticeOrder,
    ShippedLine,
    ShippingAdvice,
    ShippingOrder,
    build_interchange,
    generate_850,
    generate_856,
    generate_945,
    generate_997,
    receive,
    write_interchange,
)
from ordermesh.adapters.partners import SqlPartnerPorts, partner_ports
from ordermesh.domain.events import EventType
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.lifecycle import OrderStatus, RequestStatus
from ordermesh.entrypoints.cli import app as cli
from ordermesh.services import fulfillment, inventory, network, orders
from ordermesh.services.partner_files import poll_inboxes_once, write_outbound_once
from ordermesh.services.partner_ports import AckStatus
from ordermesh.services.ports import Clock, UnitOfWork

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
WEDNESDAY = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
BUYER = PartyId("ZZ", "BUYERCO")
THREEPL = PartyId("ZZ", "EAST3PL")
US = PartyId("ZZ", "ORDERMESH")


class SteppingClock:
    def __init__(self) -> None:
        self._now = WEDNESDAY

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


@dataclass
class App:
    uow: Callable[[], UnitOfWork]
    clock: Clock
    partners: SqlPartnerPorts


def x12_connector(root: Path, name: str, partner: PartyId) -> dict[str, Any]:
    return {
        "type": "x12",
        "inbox": str(root / name / "inbox"),
        "outbox": str(root / name / "outbox"),
        "partner_id": partner.id,
        "our_id": US.id,
    }


@pytest.fixture
def app(engine: sa.Engine, tmp_path: Path) -> App:
    raw = yaml.safe_load(NETWORK.read_text())
    raw["nodes"].append(
        {
            "id": "3PL-EAST",
            "name": "East 3PL",
            "type": "3pl",
            "location": {"postal_code": "07001", "country": "US"},
            "timezone": "America/New_York",
            "connector": x12_connector(tmp_path, "3pl", THREEPL),
        }
    )
    raw["channels"].append(
        {
            "id": "b2b",
            "service_level": "standard",
            "connector": x12_connector(tmp_path, "buyer", BUYER),
        }
    )
    document, _ = validate_network_document(raw)
    clock = SteppingClock()
    application = App(lambda: SqlUnitOfWork(engine), clock, partner_ports(engine))
    network.load_network(application.uow(), document, checksum(document), clock)
    inventory.apply_snapshots(
        application.uow(),
        {"3PL-EAST": [SnapshotLine("MUG-BLUE", 10), SnapshotLine("COASTER", 10)]},
        "counter",
        clock,
    )
    return application


def interchange(sets: list[Any], sender: PartyId, control: int) -> bytes:
    built = build_interchange(
        sets,
        sender=sender,
        receiver=US,
        at=datetime(2026, 6, 10, 9, 30),
        numbers=SequentialControlNumbers(interchange=control - 1, group=control - 1),
    )
    return write_interchange(built, Separators(), line_breaks=True).encode()


def purchase_order(po_number: str = "PO-4471") -> PurchaseOrder:
    return PurchaseOrder(
        po_number=po_number,
        po_date=date(2026, 6, 10),
        parties=(
            Address(
                "ST",
                "Buyer Co Chicago",
                street=("1 Main St",),
                city="Chicago",
                state="IL",
                postal_code="60610",
                country="US",
            ),
        ),
        lines=(
            PurchaseOrderLine("1", 3, product_ids=(ProductId("VP", "MUG-BLUE"),)),
            PurchaseOrderLine("2", 4, product_ids=(ProductId("VP", "COASTER"),)),
            PurchaseOrderLine("3", 1, product_ids=(ProductId("VP", "NO-SUCH-SKU"),)),
            PurchaseOrderLine("4", 2, product_ids=(ProductId("VP", "PILLOW"),)),
        ),
    )


def outbox(root: Path, name: str, prefix: str) -> list[Path]:
    folder = root / name / "outbox"
    return sorted(folder.glob(f"{prefix}-*.x12")) if folder.exists() else []


def only_document(path: Path, set_id: str) -> tuple[Received, Any]:
    received = receive(path.read_bytes(), path.name, sets={set_id})
    assert received.accepted, received.errors
    [document] = received.documents
    return received, document.document


def database(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    names = ["orders", "fulfillment_requests", "inventory_positions", "outbox_events"]
    with engine.connect() as connection:
        return {
            name: sorted(
                tuple(str(v) for v in row)
                for row in connection.execute(sa.select(tables.metadata.tables[name]))
            )
            for name in names
        }


def test_850_to_856(app: App, engine: sa.Engine, tmp_path: Path) -> None:
    # 850 in -> 997 and 855 out, the order routed to the 3PL.
    (tmp_path / "buyer" / "inbox").mkdir(parents=True)
    (tmp_path / "buyer" / "inbox" / "po-4471.x12").write_bytes(
        interchange([generate_850(purchase_order())], BUYER, 101)
    )
    assert poll_inboxes_once(app) == 1
    assert (tmp_path / "buyer" / "inbox" / "processed" / "po-4471.x12").exists()

    [ack_file] = outbox(tmp_path, "buyer", "997")
    received, ack = only_document(ack_file, "997")
    assert isinstance(ack, FunctionalAcknowledgment)
    assert (ack.functional_id, ack.group_control, ack.status) == ("PO", 101, AckCode.ACCEPTED)
    assert received.interchange is not None
    assert received.interchange.sender == US and received.interchange.receiver == BUYER

    [po_ack_file] = outbox(tmp_path, "buyer", "855")
    _, po_ack = only_document(po_ack_file, "855")
    assert isinstance(po_ack, PurchaseOrderAck)
    assert po_ack.po_number == "PO-4471" and po_ack.ack_type == "AC"
    statuses = {
        item.line_number: [(a.status, a.quantity) for a in item.acks] for item in po_ack.items
    }
    assert statuses == {
        "1": [("IA", 3)],
        "2": [("IA", 4)],
        "3": [("IR", 1)],
        "4": [("IB", 2)],
    }

    [order] = orders.list_orders(app.uow(), channel="b2b").items
    assert order.external_id == "PO-4471"
    assert order.status is OrderStatus.PARTIALLY_BACKORDERED
    [request] = order.shipments
    assert request.node_id == "3PL-EAST" and request.status is RequestStatus.RELEASED

    # -> 940 in the 3PL's outbox.
    assert write_outbound_once(app) == 1
    [order_file] = outbox(tmp_path, "3pl", "940")
    received, shipping_order = only_document(order_file, "940")
    assert isinstance(shipping_order, ShippingOrder)
    assert received.interchange is not None and received.interchange.receiver == THREEPL
    # W0502 is a short reference (W0502 holds 22 characters), standing for the request.
    assert shipping_order.depositor_order != request.id
    assert len(shipping_order.depositor_order) <= 22
    with app.partners.transaction() as tx:
        resolved = tx.ledger.resolve_reference("node:3PL-EAST", shipping_order.depositor_order)
    assert resolved == ("request", request.id)
    assert shipping_order.purchase_order == "PO-4471"
    assert [
        (line.line_id, line.quantity, line.product_ids[0].value) for line in shipping_order.lines
    ] == [("1", 3, "MUG-BLUE"), ("2", 4, "COASTER")]

    # 945 answering the 940 -> order shipped, stock gone, 997 to the 3PL.
    advice = ShippingAdvice(
        depositor_order=shipping_order.depositor_order,
        ship_date=date(2026, 6, 11),
        purchase_order=shipping_order.purchase_order,
        carrier="UPSN",
        lines=tuple(
            ShippedLine(
                line_number=line.line_number,
                ordered=line.quantity,
                shipped=line.quantity,
                product_ids=line.product_ids,
                line_id=line.line_id,
                tracking=("1Z999AA10123456784",),
            )
            for line in shipping_order.lines
        ),
    )
    (tmp_path / "3pl" / "inbox").mkdir(parents=True)
    (tmp_path / "3pl" / "inbox" / "945-1.x12").write_bytes(
        interchange([generate_945(advice)], THREEPL, 7)
    )
    assert poll_inboxes_once(app) == 1
    shipped = fulfillment.get_request(app.uow(), request.id)
    assert shipped.status is RequestStatus.SHIPPED
    assert shipped.tracking_number == "1Z999AA10123456784" and shipped.carrier == "UPSN"
    with SqlUnitOfWork(engine) as uow:
        on_hand = {p.sku: p.on_hand for p in uow.inventory.positions(node_id="3PL-EAST")}
    assert on_hand == {"MUG-BLUE": 7, "COASTER": 6}
    [node_ack_file] = outbox(tmp_path, "3pl", "997")
    _, node_ack = only_document(node_ack_file, "997")
    assert (node_ack.functional_id, node_ack.group_control, node_ack.status) == (
        "SW",
        7,
        AckCode.ACCEPTED,
    )

    # -> 856 to the buyer.
    assert write_outbound_once(app) == 1
    [notice_file] = outbox(tmp_path, "buyer", "856")
    _, notice = only_document(notice_file, "856")
    assert isinstance(notice, ShipNotice)
    assert notice.tracking == ("1Z999AA10123456784",)
    [po_level] = notice.orders
    assert po_level.purchase_order == "PO-4471"
    assert [(i.line_number, i.sku(), i.shipped) for i in po_level.items] == [
        ("1", "MUG-BLUE", 3),
        ("2", "COASTER", 4),
    ]
    assert orders.reconcile(app.uow()) == []
    assert notice.time is not None  # BSN04
    assert 2 <= len(notice.shipment_id) <= 30

    # The buyer's 997 for the 855 and the 856, the 3PL's for the 940: each recorded on the
    # document it acknowledges.
    (tmp_path / "buyer" / "inbox" / "997-855.x12").write_bytes(
        acknowledging(po_ack_file, BUYER, 201)
    )
    (tmp_path / "buyer" / "inbox" / "997-856.x12").write_bytes(
        acknowledging(notice_file, BUYER, 202)
    )
    (tmp_path / "3pl" / "inbox" / "997-940.x12").write_bytes(acknowledging(order_file, THREEPL, 8))
    assert poll_inboxes_once(app) == 3
    assert outbox(tmp_path, "buyer", "997") == [ack_file]  # a 997 is not acknowledged
    with app.partners.transaction() as tx:
        documents = tx.ledger.documents()
    assert {(d.partner, d.set_id, d.ack_status) for d in documents} == {
        ("channel:b2b", "855", AckStatus.ACCEPTED),
        ("channel:b2b", "856", AckStatus.ACCEPTED),
        ("node:3PL-EAST", "940", AckStatus.ACCEPTED),
    }

    # The same 945 dropped again is refused, not applied again.
    before = database(engine)
    (tmp_path / "3pl" / "inbox" / "945-1.x12").write_bytes(
        interchange([generate_945(advice)], THREEPL, 7)
    )
    assert poll_inboxes_once(app) == 1
    assert database(engine) == before
    report = tmp_path / "3pl" / "inbox" / "rejected" / "945-1.x12.error.txt"
    assert "already applied on" in report.read_text()


def acknowledging(
    path: Path, sender: PartyId, control: int, status: AckCode = AckCode.ACCEPTED
) -> bytes:
    """The partner's 997 for every set of the document at ``path``."""
    received = receive(path.read_bytes(), path.name)
    assert received.interchange is not None
    acks = []
    for group in received.interchange.groups:
        sets = tuple(
            SetResponse(
                ts.id,
                ts.control or "",
                status,
                () if status is AckCode.ACCEPTED else ("5",),
                ()
                if status is AckCode.ACCEPTED
                else (SegmentNote("W05", 2, "8", None, (ElementNote(2, "5", None, "TOOLONG"),)),),
            )
            for ts in group.sets
        )
        accepted = len(sets) if status is AckCode.ACCEPTED else 0
        acks.append(
            FunctionalAcknowledgment(
                group.functional_id, group.control, status, len(sets), len(sets), accepted, sets
            )
        )
    return interchange([generate_997(ack) for ack in acks], sender, control)


def ordered_and_sent_to_the_3pl(app: App, tmp_path: Path) -> Path:
    """An 850 applied and its request's 940 written: the 940's file."""
    (tmp_path / "buyer" / "inbox").mkdir(parents=True)
    (tmp_path / "buyer" / "inbox" / "po.x12").write_bytes(
        interchange([generate_850(purchase_order())], BUYER, 101)
    )
    assert poll_inboxes_once(app) == 1
    assert write_outbound_once(app) == 1
    [order_file] = outbox(tmp_path, "3pl", "940")
    return order_file


def test_a_rejecting_997_is_recorded_and_raises_an_event(
    app: App, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    order_file = ordered_and_sent_to_the_3pl(app, tmp_path)
    (tmp_path / "3pl" / "inbox").mkdir(parents=True)
    (tmp_path / "3pl" / "inbox" / "997.x12").write_bytes(
        acknowledging(order_file, THREEPL, 9, AckCode.REJECTED)
    )
    assert poll_inboxes_once(app) == 1
    assert (tmp_path / "3pl" / "inbox" / "processed" / "997.x12").exists()

    with app.partners.transaction() as tx:
        [document] = tx.ledger.documents("node:3PL-EAST")
    assert document.set_id == "940" and document.ack_status is AckStatus.REJECTED
    assert "segment W05 at 2 code 8, element 02 code 5 ('TOOLONG')" in document.ack_errors
    assert document.file.endswith(order_file.name)
    [event] = [
        e
        for e in orders.list_events(app.uow(), 0, 500)
        if e.type == EventType.PARTNER_DOCUMENT_REJECTED
    ]
    assert event.data["partner"] == "node:3PL-EAST" and event.data["set_id"] == "940"
    assert event.data["reference"] == document.reference
    assert event.data["subject"] == document.subject

    # Visible per document from the command line.
    monkeypatch.setenv("ORDERMESH_DATABASE_URL", database_url)
    result = CliRunner().invoke(cli, ["partners", "documents", "node:3PL-EAST", "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert (row["set_id"], row["acknowledgment"], row["reference"]) == (
        "940",
        "rejected",
        document.reference,
    )
    assert "TOOLONG" in row["errors"]


def test_a_3pl_856_naming_the_940_reference_ships_the_request(app: App, tmp_path: Path) -> None:
    order_file = ordered_and_sent_to_the_3pl(app, tmp_path)
    _, shipping_order = only_document(order_file, "940")
    notice = ShipNotice(
        shipment_id="3PL-SHP-1",
        date=date(2026, 6, 11),
        time=time(8, 15),
        carrier="UPSN",
        tracking=("1Z999AA10123456784",),
        orders=(
            ShipNoticeOrder(
                shipping_order.depositor_order,  # PRF01: the reference W0502 gave
                tuple(
                    ShipNoticeItem(line.product_ids, line.quantity, line_number=line.line_id)
                    for line in shipping_order.lines
                ),
            ),
        ),
    )
    (tmp_path / "3pl" / "inbox").mkdir(parents=True)
    (tmp_path / "3pl" / "inbox" / "856.x12").write_bytes(
        interchange([generate_856(notice)], THREEPL, 12)
    )
    assert poll_inboxes_once(app) == 1
    assert (tmp_path / "3pl" / "inbox" / "processed" / "856.x12").exists()
    [order] = orders.list_orders(app.uow(), channel="b2b").items
    [request] = order.shipments
    shipped = fulfillment.get_request(app.uow(), request.id)
    assert shipped.status is RequestStatus.SHIPPED
    assert shipped.tracking_number == "1Z999AA10123456784"


def test_a_test_interchange_is_answered_as_a_test(app: App, tmp_path: Path) -> None:
    test_850 = interchange([generate_850(purchase_order())], BUYER, 101).decode()
    # ISA15 is the 16th element: "P" -> "T".
    isa, rest = test_850.split("~", 1)
    fields = isa.split("*")
    fields[15] = "T"
    (tmp_path / "buyer" / "inbox").mkdir(parents=True)
    (tmp_path / "buyer" / "inbox" / "po.x12").write_text("*".join(fields) + "~" + rest)
    assert poll_inboxes_once(app) == 1
    for prefix in ("997", "855"):
        [answer] = outbox(tmp_path, "buyer", prefix)
        received, _ = only_document(answer, prefix)
        assert received.interchange is not None and received.interchange.usage == "T"


def test_malformed_x12_gets_a_rejecting_997_and_changes_nothing(
    app: App, engine: sa.Engine, tmp_path: Path
) -> None:
    good = interchange([generate_850(purchase_order())], BUYER, 55).decode()
    # A wrong segment count in SE: the 850's set is rejected (AK5 R), the group too (AK9 R).
    broken = good.replace("SE*", "SE*9", 1)
    before = database(engine)
    (tmp_path / "buyer" / "inbox").mkdir(parents=True)
    (tmp_path / "buyer" / "inbox" / "bad.x12").write_text(broken)
    assert poll_inboxes_once(app) == 1
    assert database(engine) == before
    report = (tmp_path / "buyer" / "inbox" / "rejected" / "bad.x12.error.txt").read_text()
    assert "(SE)" in report
    [ack_file] = outbox(tmp_path, "buyer", "997")
    _, ack = only_document(ack_file, "997")
    assert ack.status is AckCode.REJECTED and ack.group_control == 55
    assert [s.status for s in ack.sets] == [AckCode.REJECTED]
    assert outbox(tmp_path, "buyer", "855") == []


def test_a_945_for_an_unknown_request_is_rejected_whole(
    app: App, engine: sa.Engine, tmp_path: Path
) -> None:
    advice = ShippingAdvice(
        depositor_order="ful_unknown",
        ship_date=date(2026, 6, 11),
        lines=(ShippedLine(1, 1, 1, (ProductId("SK", "MUG-BLUE"),), line_id="1"),),
    )
    before = database(engine)
    (tmp_path / "3pl" / "inbox").mkdir(parents=True)
    (tmp_path / "3pl" / "inbox" / "945.x12").write_bytes(
        interchange([generate_945(advice)], THREEPL, 3)
    )
    assert poll_inboxes_once(app) == 1
    assert database(engine) == before
    report = (tmp_path / "3pl" / "inbox" / "rejected" / "945.x12.error.txt").read_text()
    assert "set 945 0001" in report and "ful_unknown" in report
    [ack_file] = outbox(tmp_path, "3pl", "997")
    _, ack = only_document(ack_file, "997")
    assert ack.status is AckCode.REJECTED
