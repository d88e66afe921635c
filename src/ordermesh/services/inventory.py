"""Use cases on inventory: snapshots, adjustments, reservations and availability."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ordermesh.domain.availability import Availability, Position, item_availability
from ordermesh.domain.errors import (
    InsufficientStock,
    InvalidInventory,
    NetworkNotLoaded,
    Problem,
    UnknownNode,
    UnknownSku,
)
from ordermesh.domain.inventory import (
    AdjustmentReason,
    PositionChange,
    SnapshotLine,
    plan_adjustment,
    plan_snapshot,
)
from ordermesh.domain.network import Network
from ordermesh.services.backorders import after_inventory_change
from ordermesh.services.ports import DEFAULT_ROUTING, Clock, JournalEntry, Routing, UnitOfWork
from ordermesh.services.retry import retrying
from ordermesh.services.routing import Searches


@dataclass(frozen=True, slots=True)
class SnapshotReport:
    """What a snapshot did: every line counted, and where the count disagreed."""

    nodes: tuple[str, ...]
    lines: int
    changes: tuple[PositionChange, ...]

    @property
    def discrepancies(self) -> tuple[PositionChange, ...]:
        return tuple(c for c in self.changes if c.on_hand_delta != 0)


def _network(uow: UnitOfWork) -> Network:
    current = uow.network.current()
    if current is None:
        raise NetworkNotLoaded()
    return current.network


def _check_stockable(network: Network, node_id: str, skus: Sequence[str]) -> None:
    problems = []
    if node_id not in network.nodes:
        problems.append(Problem(f"node {node_id}", "unknown node"))
    for sku in skus:
        if sku not in network.skus:
            problems.append(Problem(f"sku {sku}", "unknown SKU (bundles hold no stock)"))
    if problems:
        raise InvalidInventory("inventory", problems)


def apply_snapshots(
    uow: UnitOfWork,
    snapshots: Mapping[str, Sequence[SnapshotLine]],
    actor: str,
    clock: Clock,
    on_node: Callable[[str], None] | None = None,
    *,
    routing: Routing = DEFAULT_ROUTING,
) -> SnapshotReport:
    """Replace on_hand for every (node, SKU) listed, all nodes in one transaction.

    ``on_node`` is told as each node is done, for progress bars."""
    searches = Searches(routing)
    return retrying(
        lambda lock: _apply_snapshots(uow, snapshots, actor, clock, on_node, lock, searches)
    )


def _apply_snapshots(
    uow: UnitOfWork,
    snapshots: Mapping[str, Sequence[SnapshotLine]],
    actor: str,
    clock: Clock,
    on_node: Callable[[str], None] | None,
    lock: bool,
    searches: Searches,
) -> SnapshotReport:
    changes: list[PositionChange] = []
    with uow:
        network = _network(uow)
        for node_id, lines in snapshots.items():
            _check_stockable(network, node_id, [line.sku for line in lines])
        if lock:  # the last attempt after lost races: hold the positions, lose no more
            uow.reservations.lock_positions(
                {li.sku for lines in snapshots.values() for li in lines}
            )
        now = clock.now()
        for node_id, lines in snapshots.items():
            held = {
                p.sku: p
                for p in uow.inventory.positions(node_id=node_id, skus=[li.sku for li in lines])
            }
            for change in plan_snapshot(node_id, held, lines):
                if not change.is_noop:
                    uow.inventory.apply(change, actor, now)
                changes.append(change)
            if on_node is not None:
                on_node(node_id)
        # In the same transaction: units that arrive go to waiting orders before anyone
        # else can sell them, and never to two of them.
        after_inventory_change(uow, network, changes, actor, now, searches=searches)
        uow.commit()
    return SnapshotReport(
        nodes=tuple(snapshots),
        lines=sum(len(lines) for lines in snapshots.values()),
        changes=tuple(changes),
    )


def holds_inventory(uow: UnitOfWork) -> bool:
    """Whether any inventory change was ever recorded."""
    with uow:
        return bool(uow.inventory.journal(limit=1))


def adjust(
    uow: UnitOfWork,
    node_id: str,
    sku: str,
    delta: int,
    reason: AdjustmentReason,
    actor: str,
    clock: Clock,
    *,
    routing: Routing = DEFAULT_ROUTING,
) -> PositionChange:
    searches = Searches(routing)
    return retrying(
        lambda lock: _adjust(uow, node_id, sku, delta, reason, actor, clock, lock, searches)
    )


def _adjust(
    uow: UnitOfWork,
    node_id: str,
    sku: str,
    delta: int,
    reason: AdjustmentReason,
    actor: str,
    clock: Clock,
    lock: bool,
    searches: Searches,
) -> PositionChange:
    with uow:
        network = _network(uow)
        _check_stockable(network, node_id, [sku])
        if lock:  # the last attempt after lost races: hold the position, lose no more
            uow.reservations.lock_positions([sku])
        held = uow.inventory.positions(node_id=node_id, skus=[sku])
        change = plan_adjustment(held[0] if held else Position(node_id, sku), delta, reason)
        now = clock.now()
        uow.inventory.apply(change, actor, now)
        after_inventory_change(uow, network, [change], actor, now, searches=searches)
        uow.commit()
    return change


def reserve(
    uow: UnitOfWork,
    node_id: str,
    sku: str,
    quantity: int,
    reference: str,
    clock: Clock,
    channel_id: str | None = None,
) -> None:
    """Reserve units at a node; refused whole (``InsufficientStock``) when ATS is short."""
    if quantity <= 0:
        raise InvalidInventory("reservation", [Problem("quantity", "must be >= 1")])
    with uow:
        network = _network(uow)
        node = network.node(node_id)
        network.sku(sku)
        buffer = 0
        if channel_id is not None:
            buffer = network.channel(channel_id).buffer.units(node.type, sku)
        if not uow.inventory.try_reserve(node_id, sku, quantity, buffer, reference, clock.now()):
            held = uow.inventory.positions(node_id=node_id, skus=[sku])
            available = (
                max(0, held[0].on_hand - held[0].reserved - held[0].safety_stock - buffer)
                if held
                else 0
            )
            raise InsufficientStock(node_id, sku, quantity, available)
        uow.commit()


def release(uow: UnitOfWork, reference: str, clock: Clock) -> int:
    with uow:
        units = uow.inventory.release(reference, clock.now())
        uow.commit()
    return units


def availability(
    uow: UnitOfWork, item: str, channel_id: str | None = None, node_id: str | None = None
) -> Availability:
    """ATS of a SKU or bundle per node and over the network, optionally for one channel."""
    with uow:
        network = _network(uow)
        if not network.is_sellable(item):
            raise UnknownSku(item)
        if node_id is not None and node_id not in network.nodes:
            raise UnknownNode(node_id)
        channel = None if channel_id is None else network.channel(channel_id)
        bundle = network.bundles.get(item)
        skus = [c.sku for c in bundle.components] if bundle else [item]
        positions = uow.inventory.positions(node_id=node_id, skus=skus)
    nodes = network.nodes if node_id is None else {node_id: network.nodes[node_id]}
    return item_availability(item, positions, nodes, network.bundles, channel)


def journal(uow: UnitOfWork, sku: str, limit: int = 200) -> list[JournalEntry]:
    """The movements of one SKU at every node, newest first: who changed what, and why."""
    with uow:
        return list(uow.inventory.journal(sku=sku, limit=limit))
