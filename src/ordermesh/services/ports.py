"""What the services need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol, Self

from ordermesh.domain.availability import Position
from ordermesh.domain.inventory import PositionChange
from ordermesh.domain.network import Network


@dataclass(frozen=True, slots=True)
class NetworkVersion:
    version: int
    loaded_at: datetime
    network: Network
    checksum: str


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    at: datetime
    actor: str
    change: PositionChange


class Clock(Protocol):
    def now(self) -> datetime: ...


class NetworkRepository(Protocol):
    def add(self, document: Mapping[str, Any], checksum: str, at: datetime) -> int:
        """Store a validated network document as the next version; return its number."""
        ...

    def current(self) -> NetworkVersion | None: ...


class InventoryRepository(Protocol):
    def positions(
        self, node_id: str | None = None, skus: Collection[str] | None = None
    ) -> list[Position]:
        """Held positions, filtered by node and/or SKUs; positions never written are absent."""
        ...

    def apply(self, change: PositionChange, actor: str, at: datetime) -> None:
        """Set on_hand and safety_stock as the change says and append it to the journal."""
        ...

    def try_reserve(
        self, node_id: str, sku: str, quantity: int, buffer: int, reference: str, at: datetime
    ) -> bool:
        """Reserve ``quantity`` in one conditional statement, only where
        on_hand - reserved - safety_stock - buffer >= quantity. False when refused."""
        ...

    def release(self, reference: str, at: datetime) -> int:
        """Release every open reservation under ``reference``; return units released."""
        ...

    def journal(self, node_id: str | None = None, limit: int = 100) -> Sequence[JournalEntry]: ...


class UnitOfWork(Protocol):
    """One transaction: everything done through it commits together or not at all."""

    network: NetworkRepository
    inventory: InventoryRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
