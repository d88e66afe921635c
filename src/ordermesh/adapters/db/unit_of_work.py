"""The SQL unit of work: one connection, one transaction at a time, per ``with`` block."""

from __future__ import annotations

from types import TracebackType
from typing import Self

import sqlalchemy as sa

from ordermesh.adapters.db.order_repository import (
    SqlApiKeyRepository,
    SqlEventOutbox,
    SqlOrderRepository,
    SqlReservationLedger,
)
from ordermesh.adapters.db.repositories import SqlInventoryRepository, SqlNetworkRepository
from ordermesh.domain.errors import ConcurrentUpdate
from ordermesh.services.ports import (
    ApiKeyRepository,
    EventOutbox,
    InventoryRepository,
    NetworkRepository,
    OrderRepository,
    ReservationLedger,
)

# PostgreSQL aborts one of two transactions that wait on each other (deadlock_detected) or
# that a serializable snapshot cannot order (serialization_failure): both succeed when run
# again, so they surface as ``ConcurrentUpdate``, which the services retry.
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})


class SqlUnitOfWork:
    """``with SqlUnitOfWork(engine) as uow: ...; uow.commit()``.

    The transaction begins with the first statement (SQLAlchemy's autobegin), so on SQLite
    the write lock taken by BEGIN IMMEDIATE is held only from the first query to the commit,
    not while the caller prepares its work. After ``commit`` or ``rollback`` the next
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

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in use; nest a new one instead")
        self._connection = self._engine.connect()
        self.network = SqlNetworkRepository(self._connection)
        self.inventory = SqlInventoryRepository(self._connection)
        self.orders = SqlOrderRepository(self._connection)
        self.reservations = SqlReservationLedger(self._connection)
        self.events = SqlEventOutbox(self._connection)
        self.api_keys = SqlApiKeyRepository(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.rollback()
        finally:
            connection.close()
        if isinstance(exc, sa.exc.DBAPIError) and _sqlstate(exc) in _RETRYABLE_SQLSTATES:
            raise ConcurrentUpdate(str(exc.orig)) from exc

    def commit(self) -> None:
        self._active().commit()

    def rollback(self) -> None:
        self._active().rollback()

    def _active(self) -> sa.Connection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        return self._connection


def _sqlstate(error: sa.exc.DBAPIError) -> str | None:
    code = getattr(error.orig, "sqlstate", None)
    return code if isinstance(code, str) else None
