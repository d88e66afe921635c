"""Many OS processes placing orders for scarce stock at once, on both databases: no unit
is sold twice, no order is stored twice, none is lost."""

from __future__ import annotations

import traceback
from collections import Counter
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from racing import race

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.tables import orders as orders_table
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services import inventory, network, orders
from ordermesh.services.orders import PlaceOrder

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
WORKERS = 6
ORDERS_EACH = 6
SHARED_KEYS = 3  # every worker also submits these, racing each other
STOCK = {"DC-OHIO": 7, "DC-RENO": 5}
TIMEOUT_S = 120  # bounds the barrier wait
CHICAGO = ShipTo(Location(41.9107, -87.6340, "60610", "US", "IL"))


def _command(key: str, quantity: int) -> PlaceOrder:
    return PlaceOrder(
        channel="web",
        ship_to=CHICAGO,
        service_level="standard",
        lines=(OrderLine("1", "MUG-BLUE", quantity),),
        idempotency_key=key,
    )


def _place_orders(url: str, worker: int, barrier: Barrier, results: Any) -> None:
    """Runs in a spawned process: its own orders, then the shared ones, as fast as it can."""
    placed: list[tuple[str, str, bool]] = []  # key, order id, created
    error: str | None = None
    engine = create_engine(url)
    try:
        barrier.wait(timeout=TIMEOUT_S)
        keys = [f"w{worker}-{n}" for n in range(ORDERS_EACH)]
        keys[worker % ORDERS_EACH : worker % ORDERS_EACH] = [
            f"shared-{n}" for n in range(SHARED_KEYS)
        ]
        for number, key in enumerate(keys):
            view, created = orders.place_order(
                SqlUnitOfWork(engine),
                _command(key, 1 + number % 2),
                SystemClock(),
                actor=f"worker-{worker}",
            )
            placed.append((key, view.id, created))
    except BaseException:
        error = traceback.format_exc()
    finally:
        engine.dispose()
    results.put((worker, placed, error))


def test_racing_processes_never_oversell_and_never_store_an_order_twice(
    engine: sa.Engine, database_url: str
) -> None:
    clock = SystemClock()
    document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
    network.load_network(SqlUnitOfWork(engine), document, checksum(document), clock)
    inventory.apply_snapshots(
        SqlUnitOfWork(engine),
        {node: [SnapshotLine("MUG-BLUE", units)] for node, units in STOCK.items()},
        "counter",
        clock,
    )

    outcomes = race(_place_orders, [(database_url, w) for w in range(WORKERS)])

    assert {worker: error for worker, _, error in outcomes if error is not None} == {}
    placed = [entry for _, entries, _ in outcomes for entry in entries]
    ids_by_key: dict[str, set[str]] = {}
    for key, order_id, _ in placed:
        ids_by_key.setdefault(key, set()).add(order_id)
    # Each key names one order, whoever submitted it, and exactly one submission made it.
    assert all(len(ids) == 1 for ids in ids_by_key.values())
    created = Counter(key for key, _, was_created in placed if was_created)
    assert created == Counter(set(ids_by_key))
    with engine.connect() as connection:
        stored = connection.execute(sa.select(sa.func.count()).select_from(orders_table)).scalar()
    assert stored == len(ids_by_key) == WORKERS * ORDERS_EACH + SHARED_KEYS

    shipped_units = 0
    for ids in ids_by_key.values():
        view = orders.get_order(SqlUnitOfWork(engine), next(iter(ids)))
        in_requests = sum(r.units for r in view.shipments if r.status.holds_stock)
        waiting = sum(b.quantity for b in view.backordered)
        assert in_requests + waiting == view.lines[0].quantity
        shipped_units += in_requests
    with SqlUnitOfWork(engine) as uow:
        positions = uow.inventory.positions(skus=["MUG-BLUE"])
    # Scarce stock sold out exactly, and not one unit beyond.
    assert {p.node_id: p.reserved for p in positions} == STOCK
    assert shipped_units == sum(STOCK.values())
    assert orders.reconcile(SqlUnitOfWork(engine)) == []
