"""SQL implementations of the repository ports, bound to one open connection.

The repositories never commit or roll back: the unit of work that hands them their
connection owns the transaction.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.insert_or_ignore import insert_or_ignore
from ordermesh.adapters.db.tables import (
    inventory_journal,
    inventory_positions,
    network_versions,
    reservations,
)
from ordermesh.adapters.formats.network_document import network_from_document
from ordermesh.domain.availability import Position
from ordermesh.domain.errors import StaleInventory
from ordermesh.domain.inventory import ChangeKind, PositionChange
from ordermesh.domain.network import Network
from ordermesh.services.ports import JournalEntry, NetworkVersion


class SqlNetworkRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, document: Mapping[str, Any], checksum: str, at: datetime) -> int:
        result = self._connection.execute(
            network_versions.insert().values(
                loaded_at=at, checksum=checksum, document=dict(document)
            )
        )
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database returned no version number for the new network")
        version: int = primary_key[0]
        return version

    def current(self) -> NetworkVersion | None:
        v = network_versions.c
        row = self._connection.execute(
            sa.select(v.version, v.loaded_at, v.checksum).order_by(v.version.desc()).limit(1)
        ).one_or_none()
        if row is None:
            return None
        network = _PARSED.get(row.checksum)
        if network is None:
            # Parsing (validation, geocoding, holidays) costs milliseconds; a stored version
            # never changes, so each process parses it once.
            document = self._connection.execute(
                sa.select(v.document).where(v.version == row.version)
            ).scalar_one()
            network = network_from_document(document)
            _PARSED.put(row.checksum, network)
        return NetworkVersion(
            version=row.version, loaded_at=row.loaded_at, network=network, checksum=row.checksum
        )

    def current_document(self) -> Mapping[str, Any] | None:
        v = network_versions.c
        document: Mapping[str, Any] | None = self._connection.execute(
            sa.select(v.document).order_by(v.version.desc()).limit(1)
        ).scalar_one_or_none()
        return document


class _ParsedNetworks:
    """Networks parsed from stored documents, by checksum; shared by the threads of a process."""

    def __init__(self, size: int = 4) -> None:
        self._size = size
        self._networks: OrderedDict[str, Network] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, checksum: str) -> Network | None:
        with self._lock:
            network = self._networks.get(checksum)
            if network is not None:
                self._networks.move_to_end(checksum)
            return network

    def put(self, checksum: str, network: Network) -> None:
        with self._lock:
            self._networks[checksum] = network
            while len(self._networks) > self._size:
                self._networks.popitem(last=False)


_PARSED = _ParsedNetworks()


class SqlInventoryRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def positions(
        self, node_id: str | None = None, skus: Collection[str] | None = None
    ) -> list[Position]:
        p = inventory_positions.c
        query = sa.select(p.node_id, p.sku, p.on_hand, p.reserved, p.safety_stock).order_by(
            p.node_id, p.sku
        )
        if node_id is not None:
            query = query.where(p.node_id == node_id)
        if skus is not None:
            if not skus:
                return []
            query = query.where(p.sku.in_(sorted(set(skus))))
        return [
            Position(
                node_id=row.node_id,
                sku=row.sku,
                on_hand=row.on_hand,
                reserved=row.reserved,
                safety_stock=row.safety_stock,
            )
            for row in self._connection.execute(query)
        ]

    def apply(self, change: PositionChange, actor: str, at: datetime) -> None:
        p = inventory_positions.c
        # Compare-and-set on the values the change was planned from: a concurrent writer
        # that moved on_hand since we read it makes this match no row, and the change is
        # refused instead of silently overwriting theirs (a lost update). ``reserved`` is
        # left alone, since reservations move it, never counts or adjustments.
        if change.on_hand_before == 0 and change.safety_stock_before == 0:
            # Possibly a position never written: insert it, or find it already there.
            written = insert_or_ignore(
                self._connection,
                inventory_positions,
                {
                    "node_id": change.node_id,
                    "sku": change.sku,
                    "on_hand": change.on_hand_after,
                    "safety_stock": change.safety_stock_after,
                    "updated_at": at,
                },
                keys=("node_id", "sku"),
            )
        else:
            written = False
        if not written:
            updated = self._connection.execute(
                inventory_positions.update()
                .where(
                    p.node_id == change.node_id,
                    p.sku == change.sku,
                    p.on_hand == change.on_hand_before,
                    p.safety_stock == change.safety_stock_before,
                )
                .values(
                    on_hand=change.on_hand_after,
                    safety_stock=change.safety_stock_after,
                    updated_at=at,
                )
            )
            if updated.rowcount != 1:
                raise StaleInventory(change.node_id, change.sku)
        self._connection.execute(
            inventory_journal.insert().values(
                at=at,
                actor=actor,
                node_id=change.node_id,
                sku=change.sku,
                kind=str(change.kind),
                on_hand_before=change.on_hand_before,
                on_hand_after=change.on_hand_after,
                safety_stock_before=change.safety_stock_before,
                safety_stock_after=change.safety_stock_after,
                reason=change.reason,
            )
        )

    def try_reserve(
        self, node_id: str, sku: str, quantity: int, buffer: int, reference: str, at: datetime
    ) -> bool:
        if quantity < 1:
            raise ValueError(f"a reservation needs a positive quantity, not {quantity}")
        if buffer < 0:
            raise ValueError(f"a channel buffer cannot be negative, not {buffer}")
        p = inventory_positions.c
        # The check and the increment are one statement so that no other writer can slip
        # between them: PostgreSQL re-evaluates the WHERE on the row it waited for, and
        # SQLite runs one writer at a time. A read-then-write here would oversell.
        result = self._connection.execute(
            inventory_positions.update()
            .where(
                p.node_id == node_id,
                p.sku == sku,
                p.on_hand - p.reserved - p.safety_stock - buffer >= quantity,
            )
            .values(reserved=p.reserved + quantity, updated_at=at)
        )
        if result.rowcount != 1:
            return False
        self._connection.execute(
            reservations.insert().values(
                reference=reference,
                node_id=node_id,
                sku=sku,
                quantity=quantity,
                status="open",
                created_at=at,
            )
        )
        return True

    def release(self, reference: str, at: datetime) -> int:
        r = reservations.c
        # Flipping the status first, and returning what was flipped, makes a second release
        # of the same reference (even a concurrent one) find nothing open and give back
        # nothing, instead of returning the units twice.
        released = self._connection.execute(
            reservations.update()
            .where(r.reference == reference, r.status == "open")
            .values(status="released", released_at=at)
            .returning(r.node_id, r.sku, r.quantity)
        ).all()
        per_position: defaultdict[tuple[str, str], int] = defaultdict(int)
        for row in released:
            per_position[(row.node_id, row.sku)] += row.quantity
        p = inventory_positions.c
        # Sorted so that concurrent releases lock positions in the same order.
        for (node_id, sku), units in sorted(per_position.items()):
            self._connection.execute(
                inventory_positions.update()
                .where(p.node_id == node_id, p.sku == sku)
                .values(reserved=p.reserved - units, updated_at=at)
            )
        return sum(per_position.values())

    def journal(
        self, node_id: str | None = None, limit: int = 100, sku: str | None = None
    ) -> Sequence[JournalEntry]:
        j = inventory_journal.c
        # By id, not by ``at``: ids follow insertion order even when clocks tie or step back.
        query = sa.select(inventory_journal).order_by(j.id.desc()).limit(limit)
        if node_id is not None:
            query = query.where(j.node_id == node_id)
        if sku is not None:
            query = query.where(j.sku == sku)
        return [
            JournalEntry(
                id=row.id,
                at=row.at,
                actor=row.actor,
                change=PositionChange(
                    node_id=row.node_id,
                    sku=row.sku,
                    kind=ChangeKind(row.kind),
                    on_hand_before=row.on_hand_before,
                    on_hand_after=row.on_hand_after,
                    safety_stock_before=row.safety_stock_before,
                    safety_stock_after=row.safety_stock_after,
                    reason=row.reason,
                ),
            )
            for row in self._connection.execute(query)
        ]
