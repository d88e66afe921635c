"""Inventory changes decided in pure code: snapshots, adjustments and their journal."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from ordermesh.domain.availability import Position
from ordermesh.domain.errors import InvalidInventory, Problem


class AdjustmentReason(StrEnum):
    """Why on_hand moved outside a count: the codes an adjustment must carry."""

    RECEIPT = "receipt"
    RETURN = "return"
    DAMAGE = "damage"
    SHRINK = "shrink"
    CYCLE_COUNT = "cycle_count"
    CORRECTION = "correction"
    TRANSFER_IN = "transfer_in"
    TRANSFER_OUT = "transfer_out"


class ChangeKind(StrEnum):
    SNAPSHOT = "snapshot"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"


@dataclass(frozen=True, slots=True)
class SnapshotLine:
    sku: str
    on_hand: int
    safety_stock: int | None = None  # None: keep what is held


@dataclass(frozen=True, slots=True)
class PositionChange:
    """One line of the inventory journal: what changed at a position, from what to what."""

    node_id: str
    sku: str
    kind: ChangeKind
    on_hand_before: int
    on_hand_after: int
    safety_stock_before: int
    safety_stock_after: int
    reason: str

    @property
    def on_hand_delta(self) -> int:
        return self.on_hand_after - self.on_hand_before

    @property
    def is_noop(self) -> bool:
        return (
            self.on_hand_before == self.on_hand_after
            and self.safety_stock_before == self.safety_stock_after
        )


def plan_snapshot(
    node_id: str,
    held: Mapping[str, Position],
    lines: Iterable[SnapshotLine],
    reason: str = "snapshot",
) -> list[PositionChange]:
    """Replace on_hand for every SKU listed; a SKU not listed is left as it is.

    Returns every line as a change, with the discrepancy against what was held, including
    lines that change nothing (a count that agrees is worth recording too); the caller
    writes only those that are not no-ops.
    """
    changes = []
    for line in lines:
        before = held.get(line.sku, Position(node_id, line.sku))
        safety_after = before.safety_stock if line.safety_stock is None else line.safety_stock
        changes.append(
            PositionChange(
                node_id=node_id,
                sku=line.sku,
                kind=ChangeKind.SNAPSHOT,
                on_hand_before=before.on_hand,
                on_hand_after=line.on_hand,
                safety_stock_before=before.safety_stock,
                safety_stock_after=safety_after,
                reason=reason,
            )
        )
    return changes


def plan_adjustment(held: Position, delta: int, reason: AdjustmentReason) -> PositionChange:
    """Add ``delta`` to on_hand (negative for shrink, damage, transfers out).

    Taking away more than is on hand is refused rather than clamped: it means the count
    or the feed is wrong, and silently zeroing would hide that.
    """
    after = held.on_hand + delta
    if after < 0:
        raise InvalidInventory(
            "adjustment",
            [
                Problem(
                    f"{held.node_id}/{held.sku}",
                    f"delta {delta} would take on_hand {held.on_hand} below zero",
                )
            ],
        )
    return PositionChange(
        node_id=held.node_id,
        sku=held.sku,
        kind=ChangeKind.ADJUSTMENT,
        on_hand_before=held.on_hand,
        on_hand_after=after,
        safety_stock_before=held.safety_stock,
        safety_stock_after=held.safety_stock,
        reason=str(reason),
    )


def stock_for_replay(
    positions: Iterable[Position],
    held: Mapping[tuple[str, str], int],
    shipped: Mapping[tuple[str, str], int],
) -> dict[tuple[str, str], int]:
    """What a replay of a period's orders may route, per (node, SKU): on hand now, plus the
    units those orders already shipped, less safety stock, less the reservations of orders
    outside the period (all reserved units but the ``held`` ones of the period's own open
    requests). Stock received during the period counts as there from its start."""
    stock: dict[tuple[str, str], int] = {}
    for p in positions:
        key = (p.node_id, p.sku)
        others = max(0, p.reserved - held.get(key, 0))
        stock[key] = max(0, p.on_hand + shipped.get(key, 0) - p.safety_stock - others)
    return stock
