"""Partner files through the inboxes and outboxes, on SQLite and PostgreSQL: CSV orders in,
fulfillment requests out, shipment confirmations and inventory files in; exactly once,
whole or not at all, and a connector change that loses nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml
from bench.fuzz.worker import App, SteppingClock, business_state

from ordermesh.adapters.db.partner_tables import partner_cursors
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.flat_files import parse_fulfillment_requests
from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.adapters.partners import partner_ports
from ordermesh.adapters.partners.files import FileSystemTransport
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.lifecycle import OrderStatus, RequestStatus
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services import fulfillment, inventory, network, orders
from ordermesh.services.orders import OrderView
from ordermesh.services.partner_files import poll_inboxes_once, write_outbound_once
from ordermesh.services.partner_ports import Outcome

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"

ORDERS = """\
order_id,created_at,channel,customer_tier,postal_code,country,service_level,sku,quantity,unit_price,tags
A1,2026-06-10T12:00:00+00:00,web,vip,60610,US,standard,MUG-BLUE,2,15.50,gift
A1,2026-06-10T12:00:00+00:00,web,vip,60610,US,standard,COASTER,4,,gift
A2,2026-06-10T12:05:00+00:00,web,,11201,US,standard,PILLOW,1,,
"""

# Refused by the served area, as an order from any channel is.
SOUTH_POLE = """\
order_id,created_at,channel,lat,lon,service_level,sku,quantity
P1,2026-06-10T12:00:00+00:00,web,-90,0,standard,MUG-BLUE,1
"""


def folders(root: Path, name: str) -> dict[str, str]:
    return {"inbox": str(root / name / "inbox"), "outbox": str(root / name / "outbox")}


def network_document(root: Path, reno_outbox: str = "reno") -> dict[str, Any]:
    raw = yaml.safe_load(NETWORK.read_text())
    for channel in raw["channels"]:
        if channel["id"] == "web":
            channel["connector"] = {"type": "csv", **folders(root, "web")}
    for node in raw["nodes"]:
        if node["id"] == "DC-RENO":
            node["connector"] = {
                "type": "csv",
                "inbox": str(root / "reno" / "inbox"),
                "outbox": str(root / reno_outbox / "outbox"),
            }
    document, _ = validate_network_document(raw)
    return document


class Partners:
    def __init__(self, engine: sa.Engine, root: Path) -> None:
        self.engine = engine
        self.root = root
        self.clock = SteppingClock()
        self.app = App(lambda: SqlUnitOfWork(engine), self.clock, partner_ports(engine))
        self.load(network_document(root))
        inventory.apply_snapshots(
            self.app.uow(),
            {
                "DC-RENO": [
                    SnapshotLine("MUG-BLUE", 10),
                    SnapshotLine("COASTER", 20),
                    SnapshotLine("PILLOW", 5),
                ]
            },
            "counter",
            self.clock,
        )

    def load(self, document: dict[str, Any]) -> None:
        network.load_network(self.app.uow(), document, checksum(document), self.clock)

    def drop(self, folder: str, name: str, content: str | bytes) -> Path:
        path = self.root / folder / "inbox" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return path

    def poll(self) -> int:
        return poll_inboxes_once(self.app)

    def write(self) -> int:
        return write_outbound_once(self.app)

    def orders(self) -> list[OrderView]:
        return list(orders.list_orders(self.app.uow(), limit=200).items)

    def on_hand(self, node_id: str, sku: str) -> int:
        with SqlUnitOfWork(self.engine) as uow:
            positions = uow.inventory.positions(node_id=node_id, skus=[sku])
        return positions[0].on_hand if positions else 0

    def state(self) -> dict[str, list[tuple[str, ...]]]:
        """Every business table (the file ledger aside), to show a file changed nothing."""
        return business_state(self.engine)


@pytest.fixture
def partners(engine: sa.Engine, tmp_path: Path) -> Partners:
    return Partners(engine, tmp_path)


def place_at_reno(partners: Partners) -> OrderView:
    view, _ = orders.place_order(
        partners.app.uow(),
        orders.PlaceOrder(
            channel="amazon",
            ship_to=_chicago(),
            service_level="standard",
            lines=(OrderLine("1", "MUG-BLUE", 2), OrderLine("2", "COASTER", 3)),
        ),
        partners.clock,
        actor="test",
    )
    return view


def _chicago() -> ShipTo:
    return ShipTo(Location(41.9107, -87.6340, "60610", "US", "IL"))


# -- orders in --------------------------------------------------------------------------------


def test_orders_csv_places_every_order_once_and_a_redrop_is_refused(partners: Partners) -> None:
    partners.drop("web", "orders-1.csv", ORDERS)
    assert partners.poll() == 1
    placed = {view.external_id: view for view in partners.orders()}
    assert set(placed) == {"A1", "A2"}
    assert [(line.item, line.quantity) for line in placed["A1"].lines] == [
        ("MUG-BLUE", 2),
        ("COASTER", 4),
    ]
    assert placed["A1"].status is OrderStatus.ROUTED
    assert (partners.root / "web" / "inbox" / "processed" / "orders-1.csv").exists()
    assert not (partners.root / "web" / "inbox" / "orders-1.csv").exists()

    before = partners.state()
    partners.drop("web", "orders-1.csv", ORDERS)
    assert partners.poll() == 1
    assert partners.state() == before
    report = partners.root / "web" / "inbox" / "rejected" / "orders-1.csv.error.txt"
    assert "already applied on 2026-06-10" in report.read_text()
    with partners.app.partners.transaction() as tx:
        outcomes = [entry.outcome for entry in tx.ledger.entries("channel:web")]
    assert outcomes == [Outcome.APPLIED, Outcome.DUPLICATE]

    # The same orders under another name are a new file, and placing is idempotent.
    partners.drop("web", "orders-2.csv", ORDERS)
    assert partners.poll() == 1
    assert partners.state()["orders"] == before["orders"]


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (ORDERS.replace("PILLOW", "PILLOWS"), "line 4, column sku: unknown SKU or bundle"),
        (ORDERS.replace(",2,15.50", ",two,15.50"), "line 2, column quantity"),
        (
            ORDERS.replace(
                "A2,2026-06-10T12:05:00+00:00,web", "A2,2026-06-10T12:05:00+00:00,amazon"
            ),
            "line 4, column channel: 'amazon' in the inbox of channel 'web'",
        ),
        (ORDERS.replace("PILLOW,1", "PILLOW,20000"), "line 4, order A2"),
        (ORDERS.replace("order_id,", "order,"), "line 1"),
        (b"\xff\xfe", "line 1: is not valid UTF-8"),
        (SOUTH_POLE, "ship_to.lat: (-90, 0) is in no served zone"),
    ],
)
def test_a_bad_orders_file_changes_nothing(
    partners: Partners, content: str | bytes, where: str
) -> None:
    before = partners.state()
    partners.drop("web", "bad.csv", content)
    assert partners.poll() == 1
    assert partners.state() == before
    rejected = partners.root / "web" / "inbox" / "rejected"
    assert (rejected / "bad.csv").exists()
    assert where in (rejected / "bad.csv.error.txt").read_text()
    # Rejected, not applied: the same file may be dropped again once it can be applied.
    partners.drop("web", "bad.csv", content)
    assert partners.poll() == 1
    assert (rejected / "bad.csv.2").exists()


def test_a_crash_before_the_move_is_finished_by_the_next_poll(
    partners: Partners, monkeypatch: pytest.MonkeyPatch
) -> None:
    partners.drop("web", "orders.csv", ORDERS)
    original = FileSystemTransport.settle

    def crash(*args: Any, **kwargs: Any) -> None:
        raise OSError("disk gone")

    monkeypatch.setattr(FileSystemTransport, "settle", crash)
    # The worker logs it and goes on; the file stays in the inbox, applied but unsettled.
    assert partners.poll() == 0
    assert (partners.root / "web" / "inbox" / "orders.csv").exists()
    monkeypatch.setattr(FileSystemTransport, "settle", original)
    assert partners.poll() == 1
    assert (partners.root / "web" / "inbox" / "processed" / "orders.csv").exists()
    assert len(partners.orders()) == 2
    with partners.app.partners.transaction() as tx:
        entries = tx.ledger.entries("channel:web")
    assert [entry.outcome for entry in entries] == [Outcome.APPLIED]
    assert entries[0].settled_at is not None


# -- fulfillment requests out, shipments in ---------------------------------------------------


def test_fulfillment_requests_go_out_once_and_shipments_come_back(partners: Partners) -> None:
    view = place_at_reno(partners)
    request = view.shipments[0]
    assert request.node_id == "DC-RENO" and request.status is RequestStatus.RELEASED
    assert partners.write() == 1
    outbox = partners.root / "reno" / "outbox"
    [written] = sorted(outbox.iterdir())
    rows = parse_fulfillment_requests(written.read_bytes())
    assert [(r.request_id, r.order_id, r.line_id, r.sku, r.quantity) for r in rows] == [
        (request.id, view.id, "1", "MUG-BLUE", 2),
        (request.id, view.id, "2", "COASTER", 3),
    ]
    assert rows[0].postal_code == "60610" and rows[0].channel == "amazon"
    assert partners.write() == 0

    # A crash before the cursor moved writes the same file again, under the same name.
    content = written.read_bytes()
    with partners.engine.begin() as connection:
        connection.execute(partner_cursors.update().values(event_id=0))
    assert partners.write() == 1
    assert sorted(outbox.iterdir()) == [written] and written.read_bytes() == content

    before = partners.state()
    partners.drop(
        "reno",
        "ship-bad.csv",
        f"request_id,line_id,sku,shipped,tracking_number,carrier\n"
        f"{request.id},1,MUG-BLUE,2,1Z1,UPS\n{request.id},2,COASTER,9,1Z1,UPS\n",
    )
    assert partners.poll() == 1
    assert partners.state() == before
    report = (partners.root / "reno" / "inbox" / "rejected" / "ship-bad.csv.error.txt").read_text()
    assert "line 2, column request_id" in report and "must be 0 to 3" in report

    partners.drop(
        "reno",
        "ship.csv",
        f"request_id,line_id,sku,shipped,tracking_number,carrier\n"
        f"{request.id},1,MUG-BLUE,2,1Z1,UPS\n{request.id},2,COASTER,2,1Z1,UPS\n",
    )
    assert partners.poll() == 1
    shipped = fulfillment.get_request(partners.app.uow(), request.id)
    assert shipped.status is RequestStatus.SHIPPED
    assert shipped.tracking_number == "1Z1" and shipped.carrier == "UPS"
    assert [line.shipped_quantity for line in shipped.lines] == [2, 2]
    assert partners.on_hand("DC-RENO", "MUG-BLUE") == 8
    # The short-picked coaster is taken off the count (20 - 2 shipped - 1 missing).
    assert partners.on_hand("DC-RENO", "COASTER") == 17
    assert orders.reconcile(partners.app.uow()) == []


@pytest.mark.parametrize(
    ("content", "where"),
    [
        ("request_id,line_id,sku,shipped\nful_nope,1,MUG-BLUE,1\n", "line 2, column request_id"),
        ("request_id,line_id,sku,shipped\n{r},1,MUG-BLUE,x\n", "line 2, column shipped"),
        ("request_id,line_id,sku,shipped\n{r},1,MUG-BLUE,-1\n", "line 2, column shipped"),
        ("request_id,line_id,sku\n{r},1,MUG-BLUE\n", "line 1: missing column 'shipped'"),
        ("request_id,line_id,sku,shipped\n{r},9,MUG-BLUE,1\n", "not a line of this"),
        (
            "request_id,line_id,sku,shipped,carrier\n{r},1,MUG-BLUE,1,UPS\n{r},2,COASTER,1,DHL\n",
            "line 3, column carrier",
        ),
        ("request_id,line_id,sku,shipped\n{r},1,MUG-BLUE,1\n{r},1,MUG-BLUE,1\n", "line 3"),
        ("node,sku,delta,reason\nDC-RENO,MUG-BLUE,0,receipt\n", "line 2, column delta"),
        ("node,sku,delta,reason\nDC-RENO,MUG-BLUE,5,gift\n", "line 2, column reason"),
        ("node,sku,delta,reason\nDC-OHIO,MUG-BLUE,5,receipt\n", "line 2, column node"),
        ("node,sku,delta,reason\nDC-RENO,MUG-PAIR,5,receipt\n", "line 2, column sku"),
        ("node,sku,delta,reason\nDC-RENO,MUG-BLUE,-50,shrink\n", "line 2, column delta"),
        ("node,sku,on_hand\nDC-RENO,MUG-BLUE,-1\n", "line 2, column on_hand"),
        ("node,sku,on_hand\nDC-OHIO,MUG-BLUE,1\n", "'DC-OHIO' in the inbox of node 'DC-RENO'"),
        ("sku,count\nMUG-BLUE,1\n", "line 1: not a shipment confirmation"),
    ],
)
def test_a_bad_node_file_changes_nothing(partners: Partners, content: str, where: str) -> None:
    view = place_at_reno(partners)
    before = partners.state()
    partners.drop("reno", "in.csv", content.format(r=view.shipments[0].id))
    assert partners.poll() == 1
    assert partners.state() == before
    rejected = partners.root / "reno" / "inbox" / "rejected"
    assert where in (rejected / "in.csv.error.txt").read_text()


def test_inventory_deltas_and_snapshots_from_a_node(partners: Partners) -> None:
    partners.drop(
        "reno",
        "1-deltas.csv",
        "node,sku,delta,reason,note\nDC-RENO,MUG-BLUE,5,receipt,PO 7\nDC-RENO,PILLOW,-2,damage,\n",
    )
    partners.drop("reno", "2-count.csv", "node,sku,on_hand\nDC-RENO,COASTER,7\n")
    assert partners.poll() == 2
    assert partners.on_hand("DC-RENO", "MUG-BLUE") == 15
    assert partners.on_hand("DC-RENO", "PILLOW") == 3
    assert partners.on_hand("DC-RENO", "COASTER") == 7
    processed = partners.root / "reno" / "inbox" / "processed"
    assert sorted(path.name for path in processed.iterdir()) == ["1-deltas.csv", "2-count.csv"]


# -- connector change -------------------------------------------------------------------------


def test_a_new_connector_applies_to_later_events_and_loses_nothing(partners: Partners) -> None:
    first = place_at_reno(partners)
    assert partners.write() == 1
    old_outbox = partners.root / "reno" / "outbox"
    assert len(list(old_outbox.iterdir())) == 1

    partners.load(network_document(partners.root, reno_outbox="reno-v2"))
    second = place_at_reno(partners)
    assert partners.write() == 1
    new_outbox = partners.root / "reno-v2" / "outbox"
    assert len(list(old_outbox.iterdir())) == 1  # the old request stays where it was
    [new_file] = list(new_outbox.iterdir())
    assert parse_fulfillment_requests(new_file.read_bytes())[0].request_id == (
        second.shipments[0].id
    )
    # The request written before the change is still open and can be confirmed.
    old = fulfillment.get_request(partners.app.uow(), first.shipments[0].id)
    assert old.status is RequestStatus.RELEASED
    partners.drop(
        "reno",
        "ship.csv",
        f"request_id,line_id,sku,shipped\n{old.id},1,MUG-BLUE,2\n{old.id},2,COASTER,3\n",
    )
    assert partners.poll() == 1
    assert fulfillment.get_request(partners.app.uow(), old.id).status is RequestStatus.SHIPPED


def test_nothing_to_do_without_file_connectors(engine: sa.Engine, tmp_path: Path) -> None:
    clock = SteppingClock()
    app = App(lambda: SqlUnitOfWork(engine), clock, partner_ports(engine))
    raw = yaml.safe_load(NETWORK.read_text())
    document, _ = validate_network_document(copy.deepcopy(raw))
    network.load_network(app.uow(), document, checksum(document), clock)
    assert poll_inboxes_once(app) == 0
    assert write_outbound_once(app) == 0
