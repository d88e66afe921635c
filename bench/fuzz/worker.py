"""Files through the partner file worker, on a real SQLite database: each one dropped into
a partner's inbox, then one poll and one outbound pass, as ``ordermesh worker`` runs them.

Per file: the worker must not raise, the file must leave the inbox (to ``processed/`` or
``rejected/``), a rejected file must leave every business table as it was (no partial
write), and a rejection must be a refusal, not the safety net catching an exception (a
report saying "could not be applied": a crash the worker survived).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from bench.fuzz.mutations import Chooser, Grammar, mutate, pick
from bench.fuzz.targets import (
    CSV,
    DATA,
    DELTAS_CSV,
    NETWORK_FILE,
    ORDERS_CSV,
    SHIPMENTS_CSV,
    X12_PIPE,
    X12_STAR,
)
from ordermesh.adapters.db import tables
from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import upgrade
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.adapters.partners import SqlPartnerPorts, partner_ports
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.services import inventory, network
from ordermesh.services.partner_files import poll_inboxes_once, write_outbound_once
from ordermesh.services.ports import Clock, UnitOfWork

BUSINESS_TABLES = (
    "orders",
    "order_lines",
    "fulfillment_requests",
    "fulfillment_request_lines",
    "reservations",
    "inventory_positions",
    "inventory_journal",
    "backorders",
    "outbox_events",
    "transitions",
)
SAFETY_NET = "could not be applied:"


def business_state(engine: sa.Engine) -> dict[str, list[tuple[str, ...]]]:
    """Every row of every business table (not the file ledger, its counters or the
    network), to compare before and after a file."""
    with engine.connect() as connection:
        return {
            name: sorted(
                tuple(str(value) for value in row)
                for row in connection.execute(sa.select(tables.metadata.tables[name]))
            )
            for name in BUSINESS_TABLES
        }


class SteppingClock:
    """A second later at every reading, from a Wednesday afternoon."""

    def __init__(self, start: datetime = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


@dataclass
class App:
    """What the partner file services need of the application (``PartnerApplication``)."""

    uow: Callable[[], UnitOfWork]
    clock: Clock
    partners: SqlPartnerPorts


def _x12_seed(name: str) -> bytes:
    # The sample files' SKUs are those of a bigger catalogue: these are the small network's.
    data = (DATA / "x12" / name).read_bytes()
    for theirs, ours in ((b"SKU-1001", b"MUG-BLUE"), (b"SKU-1002", b"COASTER")):
        data = data.replace(theirs, ours)
    return data.replace(b"SKU-1003", b"PILLOW")


@dataclass(frozen=True, slots=True)
class Inbox:
    """A partner's inbox and the valid files it takes."""

    folder: str
    suffix: str
    seeds: tuple[tuple[bytes, Grammar], ...]


def inboxes() -> tuple[Inbox, ...]:
    snapshot = b"node,sku,on_hand,safety_stock\nDC-RENO,MUG-BLUE,40,1\nDC-RENO,COASTER,50,\n"
    return (
        Inbox(
            "buyer",
            ".x12",
            (
                (_x12_seed("850_purchase_order.edi"), X12_STAR),
                (_x12_seed("850_pipe_newline.edi"), X12_PIPE),
            ),
        ),
        Inbox(
            "3pl",
            ".x12",
            (
                (_x12_seed("846_inventory_advice.edi"), X12_STAR),
                (_x12_seed("846_envelope_5010.edi"), X12_STAR),
                (_x12_seed("945_short_ship.edi"), X12_STAR),
                (_x12_seed("856_from_3pl.edi"), X12_STAR),
            ),
        ),
        Inbox("web", ".csv", ((ORDERS_CSV, CSV),)),
        Inbox("reno", ".csv", ((SHIPMENTS_CSV, CSV), (DELTAS_CSV, CSV), (snapshot, CSV))),
    )


@dataclass
class WorkerOutcome:
    folder: str
    name: str
    data: bytes
    settled_as: str  # "processed", "rejected", or "inbox" (stuck)
    partial_write: bool = False
    crash: str | None = None  # what went wrong, when something did

    @property
    def applied(self) -> bool:
        return self.settled_as == "processed"


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@dataclass
class WorkerHarness:
    """A migrated SQLite database holding the small network with four file partners: the
    X12 buyer ``b2b`` (inbox ``buyer``), the CSV channel ``web``, the CSV node ``DC-RENO``
    (``reno``) and the X12 3PL ``DC-OHIO`` (``3pl``), and stock at both nodes."""

    root: Path
    engine: sa.Engine = field(init=False)
    app: App = field(init=False)
    dropped: int = 0

    def __post_init__(self) -> None:
        url = f"sqlite:///{self.root / 'db' / 'fuzz.sqlite3'}"
        upgrade(url)
        self.engine = create_engine(url)
        clock = SteppingClock()
        engine = self.engine
        self.app = App(lambda: SqlUnitOfWork(engine), clock, partner_ports(engine))
        document = self._network()
        network.load_network(self.app.uow(), document, checksum(document), clock)
        stock = [SnapshotLine("MUG-BLUE", 500), SnapshotLine("COASTER", 500)]
        stock.append(SnapshotLine("PILLOW", 500))
        inventory.apply_snapshots(
            self.app.uow(), {"DC-RENO": stock, "DC-OHIO": stock}, "fuzz", clock
        )

    def _folders(self, name: str) -> dict[str, str]:
        return {"inbox": str(self.root / name / "inbox"), "outbox": str(self.root / name / "out")}

    def _network(self) -> dict[str, Any]:
        raw = yaml.safe_load(NETWORK_FILE.read_text())
        x12 = {"type": "x12", "our_id": "ORDERMESH"}
        for channel in raw["channels"]:
            if channel["id"] == "web":
                channel["connector"] = {"type": "csv", **self._folders("web")}
        raw["channels"].append(
            {
                "id": "b2b",
                "service_level": "standard",
                "connector": {**x12, "partner_id": "BUYERCO", **self._folders("buyer")},
            }
        )
        for node in raw["nodes"]:
            if node["id"] == "DC-RENO":
                node["connector"] = {"type": "csv", **self._folders("reno")}
            if node["id"] == "DC-OHIO":
                node["connector"] = {**x12, "partner_id": "ACME3PL", **self._folders("3pl")}
        document, _ = validate_network_document(raw)
        return document

    def state(self) -> dict[str, list[tuple[str, ...]]]:
        return business_state(self.engine)

    def generate(self, chooser: Chooser) -> tuple[Inbox, bytes]:
        inbox = pick(chooser, inboxes())
        seed, grammar = pick(chooser, inbox.seeds)
        return inbox, mutate(seed, chooser, grammar)

    def drop(self, inbox: Inbox, data: bytes) -> WorkerOutcome:
        """Drop ``data`` into the inbox, run the worker's poll and outbound pass once."""
        self.dropped += 1
        name = f"fuzz-{self.dropped:07d}{inbox.suffix}"
        folder = self.root / inbox.folder / "inbox"
        folder.mkdir(parents=True, exist_ok=True)
        before = self.state()
        (folder / name).write_bytes(data)
        errors = _Errors()
        logger = logging.getLogger("ordermesh")
        logger.addHandler(errors)
        outcome = WorkerOutcome(inbox.folder, name, data, "inbox")
        try:
            poll_inboxes_once(self.app)
            write_outbound_once(self.app)
        except Exception as error:  # the worker's loop would have died here
            outcome.crash = f"the worker raised {type(error).__name__}: {error}"
        finally:
            logger.removeHandler(errors)
        for settled in ("processed", "rejected"):
            if (folder / settled / name).exists():
                outcome.settled_as = settled
        if outcome.settled_as == "rejected":
            outcome.partial_write = self.state() != before
            report = (folder / "rejected" / f"{name}.error.txt").read_text()
            if SAFETY_NET in report and outcome.crash is None:
                outcome.crash = report.split(SAFETY_NET, 1)[1].strip().splitlines()[0]
        elif outcome.settled_as == "inbox" and outcome.crash is None:
            outcome.crash = "the file stayed in the inbox"
        if errors.records and outcome.crash is None:
            outcome.crash = errors.records[0].getMessage()
        return outcome

    def close(self) -> None:
        self.engine.dispose()
