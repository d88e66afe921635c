"""Backorders: units waiting for stock, re-routed when stock appears.

Whenever a change raises what a node can sell (a snapshot or adjustment that adds units
or lowers safety stock, a cancellation that frees reservations), the waiting backorders
of those SKUs are routed again in the same transaction, by priority and then age, so a
unit that arrives goes to the order that has waited longest among the most urgent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import datetime

from ordermesh.domain.inventory import PositionChange
from ordermesh.domain.network import Network
from ordermesh.services.allocation import (
    Key,
    Session,
    allocate,
    emit_inventory_change,
    refresh_status,
)
from ordermesh.services.over_reservation import reroute_over_reserved
from ordermesh.services.ports import UnitOfWork
from ordermesh.services.routing import Searches


def after_inventory_change(
    uow: UnitOfWork,
    network: Network,
    changes: Sequence[PositionChange],
    actor: str,
    now: datetime,
    *,
    searches: Searches,
) -> list[str]:
    """Record ``inventory.changed`` for every change made, take the excess off positions
    left holding fewer units than they reserved (``over_reservation``) and re-route the
    backorders of the SKUs that became more available; write the events. Call it as the
    last step of the inventory unit of work, just before its commit. Returns the orders
    re-routed."""
    session = Session(uow, network, now, actor, searches=searches)
    for change in changes:
        if not change.is_noop:
            emit_inventory_change(session, change)
    # Units the shelf no longer holds are routed again first, so that a receipt elsewhere
    # in the same change can already serve them.
    rerouted = reroute_over_reserved(session, changes)
    rose = {
        change.sku
        for change in changes
        if change.on_hand_delta > 0 or change.safety_stock_after < change.safety_stock_before
    }
    for order_id in reroute_waiting(session, rose):
        if order_id not in rerouted:
            rerouted.append(order_id)
    session.flush()
    return rerouted


def reroute_waiting(session: Session, skus: Collection[str]) -> list[str]:
    """Route again the backorders waiting for ``skus``, most urgent and oldest first."""
    if not skus:
        return []
    uow = session.uow
    order_ids: list[str] = []
    for backorder in uow.orders.waiting_for(skus):
        if backorder.order_id not in order_ids:
            order_ids.append(backorder.order_id)
    rerouted = []
    for order_id in order_ids:
        order = uow.orders.get(order_id, lock=True)
        if order is None or not order.status.is_open:
            continue
        # Every unit the order waits for goes into one decision, so a rule set that wants
        # the order shipped complete (or in few parcels) still sees all of it.
        waiting = uow.orders.backorders_of([order_id])
        if not waiting or not _any_stock(session, {b.sku for b in waiting}):
            continue
        needs: defaultdict[Key, int] = defaultdict(int)
        for backorder in waiting:
            needs[(backorder.line_id, backorder.sku)] += backorder.quantity
        order = allocate(session, order, needs, waiting=waiting, reason="stock arrived")
        refresh_status(session, order, "stock arrived for a backorder")
        rerouted.append(order_id)
    return rerouted


def _any_stock(session: Session, skus: Collection[str]) -> bool:
    """Whether any enabled node could sell one of ``skus``: routing is skipped otherwise,
    so a receipt does not route every waiting order in vain."""
    enabled = {node.id for node in session.network.enabled_nodes()}
    return any(
        p.on_hand - p.reserved - p.safety_stock > 0
        for p in session.uow.inventory.positions(skus=skus)
        if p.node_id in enabled
    )
