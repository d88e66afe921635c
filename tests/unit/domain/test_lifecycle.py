"""The order and fulfillment-request state machines."""

from __future__ import annotations

import itertools

import pytest

from ordermesh.domain.errors import Conflict, IllegalTransition
from ordermesh.domain.lifecycle import (
    ORDER_TRANSITIONS,
    REQUEST_TRANSITIONS,
    EntityKind,
    HoldState,
    OrderStatus,
    RejectReason,
    RequestStatus,
    UnitCounts,
    derive_order_status,
    hold_transition,
    order_transition,
    redaction_transition,
    request_transition,
)


def test_every_status_has_a_row_in_its_table() -> None:
    assert set(ORDER_TRANSITIONS) == set(OrderStatus)
    assert set(REQUEST_TRANSITIONS) == set(RequestStatus)


@pytest.mark.parametrize(
    "path",
    [
        ["created", "released", "accepted", "shipped", "delivered"],
        ["created", "released", "rejected"],
        ["created", "released", "accepted", "rejected"],
        ["created", "cancelled"],
        ["created", "released", "accepted", "cancelled"],
    ],
)
def test_a_request_walks_its_lifecycle(path: list[str]) -> None:
    for current, target in itertools.pairwise(path):
        transition = request_transition("ful_1", RequestStatus(current), RequestStatus(target))
        assert (transition.from_status, transition.to_status) == (current, target)
        assert transition.entity is EntityKind.FULFILLMENT_REQUEST


@pytest.mark.parametrize(
    ("current", "target"),
    [
        ("created", "accepted"),  # never released to the node
        ("released", "shipped"),  # shipped without accepting
        ("shipped", "cancelled"),  # too late to cancel
        ("delivered", "shipped"),
        ("rejected", "released"),
        ("cancelled", "released"),
    ],
)
def test_a_request_refuses_to_skip_or_undo_a_step(current: str, target: str) -> None:
    with pytest.raises(IllegalTransition) as refused:
        request_transition("ful_1", RequestStatus(current), RequestStatus(target))
    error = refused.value
    assert isinstance(error, Conflict)
    assert (error.entity, error.entity_id, error.from_status, error.to_status) == (
        "fulfillment_request",
        "ful_1",
        current,
        target,
    )


def test_an_order_ends_fulfilled_or_cancelled_and_stays_there() -> None:
    order_transition("ord_1", OrderStatus.RECEIVED, OrderStatus.BACKORDERED)
    order_transition("ord_1", OrderStatus.BACKORDERED, OrderStatus.ROUTED)
    order_transition("ord_1", OrderStatus.ROUTED, OrderStatus.FULFILLED)
    for final in (OrderStatus.FULFILLED, OrderStatus.CANCELLED):
        for target in OrderStatus:
            with pytest.raises(IllegalTransition):
                order_transition("ord_1", final, target)
    with pytest.raises(IllegalTransition):
        order_transition("ord_1", OrderStatus.RECEIVED, OrderStatus.FULFILLED)


def test_holding_a_held_order_or_releasing_an_active_one_is_refused() -> None:
    held = hold_transition("ord_1", OrderStatus.ROUTED, False, HoldState.ON_HOLD)
    assert (held.from_status, held.to_status) == ("active", "on_hold")
    with pytest.raises(IllegalTransition):
        hold_transition("ord_1", OrderStatus.ROUTED, True, HoldState.ON_HOLD)
    with pytest.raises(IllegalTransition):
        hold_transition("ord_1", OrderStatus.ROUTED, False, HoldState.ACTIVE)
    with pytest.raises(IllegalTransition, match="fulfilled"):
        hold_transition("ord_1", OrderStatus.FULFILLED, False, HoldState.ON_HOLD)


@pytest.mark.parametrize("status", [OrderStatus.FULFILLED, OrderStatus.CANCELLED])
def test_a_closed_order_is_redacted_once(status: OrderStatus) -> None:
    done = redaction_transition("ord_1", status, redacted=False)
    assert (done.entity, done.from_status, done.to_status) == (
        EntityKind.ORDER_RECIPIENT,
        "kept",
        "redacted",
    )
    with pytest.raises(IllegalTransition, match="redacted to redacted"):
        redaction_transition("ord_1", status, redacted=True)


@pytest.mark.parametrize("status", [s for s in OrderStatus if s.is_open])
def test_an_open_order_keeps_its_recipient(status: OrderStatus) -> None:
    with pytest.raises(IllegalTransition, match="only a fulfilled or cancelled order"):
        redaction_transition("ord_1", status, redacted=False)


@pytest.mark.parametrize(
    ("counts", "status"),
    [
        (UnitCounts(ordered=4, cancelled=0, open=4, shipped=0, backordered=0), "routed"),
        (
            UnitCounts(ordered=4, cancelled=0, open=1, shipped=1, backordered=2),
            "partially_backordered",
        ),
        (UnitCounts(ordered=4, cancelled=1, open=0, shipped=0, backordered=3), "backordered"),
        (UnitCounts(ordered=4, cancelled=1, open=0, shipped=3, backordered=0), "fulfilled"),
        (UnitCounts(ordered=4, cancelled=4, open=0, shipped=0, backordered=0), "cancelled"),
    ],
)
def test_an_orders_status_follows_where_its_units_are(counts: UnitCounts, status: str) -> None:
    assert derive_order_status(counts) == status


def test_only_missing_or_damaged_stock_lowers_a_nodes_count() -> None:
    assert {reason for reason in RejectReason if reason.stock_missing} == {
        RejectReason.STOCK_NOT_FOUND,
        RejectReason.DAMAGED,
    }
