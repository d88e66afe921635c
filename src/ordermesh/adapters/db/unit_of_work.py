"""The SQL unit of work: one connection, one transaction at a time, per ``with`` block."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa

from ordermesh.adapters.db.console_sessions import SqlConsoleSessionRepository
from ordermesh.adapters.db.engine import READ_ONLY
from ordermesh.adapters.db.intake_repository import SqlIntakeExceptionRepository
from ordermesh.adapters.db.opportunity_repository import SqlOpportunityRepository
from ordermesh.adapters.db.order_repository import (
    SqlApiKeyRepository,
    SqlEventOutbox,
    SqlOrderRepository,
    SqlReservationLedger,
)
from ordermesh.adapters.db.order_statistics import SqlOrderStatistics
from ordermesh.adapters.db.replay_jobs import SqlReplayJobRepository
from ordermesh.adapters.db.repositories import SqlInventoryRepository, SqlNetworkRepository
from ordermesh.domain.errors import ConcurrentUpdate
from ordermesh.services.intake_ports import IntakeExceptionRepository
from ordermesh.services.opportunity_ports import OpportunityRepository
from ordermesh.services.ports import (
    ApiKeyRepository,
    ConsoleSessionRepository,
    EventOutbox,
    InventoryRepository,
    NetworkRepository,
    OrderRepository,
    OrderStatistics,
    ReplayJobRepository,
    ReservationLedger,
    UnitOfWork,
)

# PostgreSQL aborts one of two transactions that wait on each other (deadlock_detected) or
# that a serializable snapshot cannot order (serialization_failure): both succeed when run
# again, so they surface as ``ConcurrentUpdate``, which the services retry.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


class SqlUnitOfWork:
    """``with SqlUnitOfWork(engine) as uow: ...; uow.commit()``.

    The transaction begins with the first statement (SQLAlchemy's autobegin), so on SQLite
    the write lock taken by BEGIN IMMEDIATE is held only from the first query to the commit,
    not while the caller prepares its work. With ``read_only=True`` its transactions take no
    write lock on SQLite (a deferred BEGIN: WAL readers never wait for the writer) and are
    READ ONLY on PostgreSQL; any write in them fails. After ``commit`` or ``rollback`` the next
    statement begins a new transaction. Leaving the block rolls back whatever was not
    committed, exception or not, and returns the connection to the pool.
    """

    # Declared as the ports, not the SQL classes: a Protocol's attributes are mutable and
    # so invariant, and the SQL types here would make this class not a UnitOfWork.
    network: NetworkRepository
    inventory: InventoryRepository
    orders: OrderRepository
    reservations: ReservationLedger
    events: EventOutbox
    api_keys: ApiKeyRepository
    console_sessions: ConsoleSessionRepository
    statistics: OrderStatistics
    replays: ReplayJobRepository
    intake_exceptions: IntakeExceptionRepository
    opportunity: OpportunityRepository

    def __init__(self, engine: sa.Engine, *, read_only: bool = False) -> None:
        self._engine = engine
        self._read_only = read_only
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in use; nest a new one instead")
        self._connection = self._engine.connect()
        if self._read_only:
            self._connection.execution_options(**{READ_ONLY: True})
        bind_repositories(self, self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            close_transaction(connection, exc)

    def commit(self) -> None:
        self._active().commit()

    def rollback(self) -> None:
        self._active().rollback()

    def _active(self) -> sa.Connection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._connection


def bind_repositories(uow: UnitOfWork, connection: sa.Connection) -> None:
    """Give a unit of work every repository, on one connection: the one place that lists
    them, for each kind of unit of work."""
    uow.network = SqlNetworkRepository(connection)
    uow.inventory = SqlInventoryRepository(connection)
    uow.orders = SqlOrderRepository(connection)
    uow.reservations = SqlReservationLedger(connection)
    uow.events = SqlEventOutbox(connection)
    uow.api_keys = SqlApiKeyRepository(connection)
    uow.console_sessions = SqlConsoleSessionRepository(connection)
    uow.statistics = SqlOrderStatistics(connection)
    uow.replays = SqlReplayJobRepository(connection)
    uow.intake_exceptions = SqlIntakeExceptionRepository(connection)
    uow.opportunity = SqlOpportunityRepository(connection)


def close_transaction(connection: sa.Connection, error: BaseException | None) -> None:
    """Roll back whatever was not committed and return the connection to the pool; a
    deadlock or serialisation failure the database broke becomes ``ConcurrentUpdate``, which
    the services answer by running the whole unit of work again."""
    try:
        connection.rollback()
    finally:
        connection.close()
    if lost_a_race(error):
        raise ConcurrentUpdate(str(error)) from error


def lost_a_race(error: BaseException | None) -> bool:
    """Whether the database aborted the transaction to break a deadlock or a serialisation
    failure: nothing is wrong with the work, it only has to run again."""
    if not isinstance(error, sa.exc.DBAPIError):
        return False
    return getattr(error.orig, "sqlstate", None) in _RETRYABLE_SQLSTATES
