"""The read path: read-only units of work take no write lock on SQLite (a WAL reader reads
the last committed snapshot while a writer routes an order) and refuse to write on both
databases."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from test_order_statements import CHICAGO, NETWORK, WEDNESDAY, SteppingClock

from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.order import OrderLine
from ordermesh.services import inventory, network, orders
from ordermesh.services.orders import OrderView, PlaceOrder

# Far below SQLite's busy_timeout (30 s): a read queued behind the write lock would miss it.
READ_WITHIN_S = 5.0


@pytest.fixture
def placed(engine: sa.Engine) -> Iterator[tuple[sa.Engine, OrderView]]:
    clock = SteppingClock()
    document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
    network.load_network(SqlUnitOfWork(engine), document, checksum(document), clock)
    stock = {"DC-OHIO": [SnapshotLine("MUG-BLUE", 50)]}
    inventory.apply_snapshots(SqlUnitOfWork(engine), stock, "counter", clock)
    command = PlaceOrder(
        channel="web",
        ship_to=CHICAGO,
        service_level="standard",
        lines=(OrderLine("1", "MUG-BLUE", 1),),
        idempotency_key="read-path",
    )
    view, _ = orders.place_order(SqlUnitOfWork(engine), command, clock, actor="channel:web")
    yield engine, view


def test_a_get_on_sqlite_completes_while_another_connection_holds_the_write_lock(
    placed: tuple[sa.Engine, OrderView],
) -> None:
    engine, view = placed
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL readers never wait for writers; the write lock is SQLite's")
    with SqlUnitOfWork(engine) as writer, ThreadPoolExecutor(1) as pool:
        # BEGIN IMMEDIATE and an insert, not committed: the write lock is held until the end.
        writer.api_keys.add("f" * 64, "admin", "held", WEDNESDAY)
        read = pool.submit(orders.get_order, SqlUnitOfWork(engine, read_only=True), view.id)
        assert read.result(timeout=READ_WITHIN_S) == view

        def key_lookup() -> object:
            with SqlUnitOfWork(engine, read_only=True) as uow:
                return uow.api_keys.find_active_by_hash("f" * 64)

        # The uncommitted key is not seen: the reader has the last committed snapshot.
        assert pool.submit(key_lookup).result(timeout=READ_WITHIN_S) is None


def test_a_read_only_unit_of_work_refuses_to_write(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine, read_only=True) as uow, pytest.raises(sa.exc.DBAPIError):
        uow.api_keys.add("a" * 64, "admin", "refused", WEDNESDAY)
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.api_keys.all() == []


def test_a_connection_that_served_a_read_writes_again_in_a_write_unit_of_work(
    database_url: str,
) -> None:
    # One pooled connection, so the write below reuses the one the read switched.
    single = create_engine(database_url, pool_size=1, max_overflow=0)
    try:
        with SqlUnitOfWork(single, read_only=True) as uow:
            assert uow.api_keys.all() == []
        with SqlUnitOfWork(single) as uow:
            uow.api_keys.add("b" * 64, "admin", "written", WEDNESDAY)
            uow.commit()
        with SqlUnitOfWork(single, read_only=True) as uow:
            assert [key.label for key in uow.api_keys.all()] == ["written"]
    finally:
        single.dispose()
