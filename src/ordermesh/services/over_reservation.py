"""Positions that hold fewer units on hand than they have reserved, put right at once.

A snapshot or an adjustment may find fewer units on the shelf than orders were promised.
In the same transaction, the excess is taken off the requests holding it, newest first
and accepted ones last (``domain.over_reservation``); each request's node is told
(``fulfillment.changed``, or ``fulfillment.cancelled`` when nothing is left) and the units
are routed again, to another node or to a backorder, so the position is never left
over-reserved for the next reservation to trip on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from ordermesh.domain.inventory import PositionChange
from ordermesh.domain.lifecycle import OPEN_REQUEST_STATUSES, RequestStatus
from ordermesh.domain.over_reservation import HeldUnits, plan_over_reservation
from ordermesh.services.allocation import (
    Key,
    Session,
    allocate,
    refresh_status,
    take_request_units,
)
from ordermesh.services.ports import FulfillmentRequest


def reroute_over_reserved(session: Session, changes: Sequence[PositionChange]) -> list[str]:
    """Within the caller's unit of work, after ``changes`` were written: for every position
    they lowered that now reserves more than it holds, take the excess off its requests and
    route it again. Returns the orders whose requests lost units, oldest first."""
    uow = session.uow
    lowered = {(c.node_id, c.sku) for c in changes if c.on_hand_delta < 0}
    if not lowered:
        return []
    # One read for every position a (possibly large) snapshot lowered.
    over = sorted(
        (p.node_id, p.sku, p.on_hand, p.reserved)
        for p in uow.inventory.positions(skus=sorted({sku for _, sku in lowered}))
        if (p.node_id, p.sku) in lowered and p.reserved > p.on_hand
    )
    cuts: defaultdict[str, dict[Key, int]] = defaultdict(dict)
    orders_of: dict[str, str] = {}
    reasons: defaultdict[str, list[str]] = defaultdict(list)
    created: dict[str, tuple[datetime, str]] = {}
    for node_id, sku, on_hand, reserved in over:
        requests = uow.orders.requests_at([node_id], OPEN_REQUEST_STATUSES)
        plan = plan_over_reservation(on_hand, _held_units(requests, sku))
        why = f"{node_id} holds {on_hand} {sku}, {reserved} were reserved"
        by_id = {request.id: request for request in requests}
        for cut in plan:
            cuts[cut.request_id][(cut.line_id, sku)] = cut.units
            orders_of[cut.request_id] = by_id[cut.request_id].order_id
            created[cut.request_id] = (by_id[cut.request_id].created_at, cut.request_id)
            reasons[cut.request_id].append(why)
    by_order: defaultdict[str, list[str]] = defaultdict(list)
    for request_id, order_id in sorted(orders_of.items(), key=lambda item: created[item[0]]):
        by_order[order_id].append(request_id)
    # Orders are routed again by the age of their requests, oldest first: what stock is
    # left elsewhere goes to the orders that have waited longest.
    for order_id in by_order:
        order = uow.orders.get(order_id, lock=True)
        assert order is not None, "orders are never deleted"
        needs: defaultdict[Key, int] = defaultdict(int)
        why = "; ".join(sorted({r for rid in by_order[order_id] for r in reasons[rid]}))
        # Read after the lock: what a concurrent change to the order left is what is cut.
        for request in uow.orders.requests_of([order_id]):
            if request.id not in by_order[order_id] or not request.status.holds_stock:
                continue
            reason = "; ".join(reasons[request.id])
            before = {(line.line_id, line.sku): line.wanted for line in request.lines}
            after = take_request_units(session, request, cuts[request.id], reason)
            for line in after.lines:
                key = (line.line_id, line.sku)
                if before[key] > line.wanted:
                    needs[key] += before[key] - line.wanted
        order = allocate(session, order, needs, reason=why)
        refresh_status(session, order, why)
    return list(by_order)


def _held_units(requests: Sequence[FulfillmentRequest], sku: str) -> list[HeldUnits]:
    return [
        HeldUnits(
            request_id=request.id,
            line_id=line.line_id,
            units=line.wanted - line.shipped_quantity,
            created_at=request.created_at,
            accepted=request.status is RequestStatus.ACCEPTED,
        )
        for request in requests
        for line in request.lines
        if line.sku == sku and line.wanted > line.shipped_quantity
    ]
