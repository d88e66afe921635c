"""The stock a replay of a period's orders may route (domain.inventory.stock_for_replay)."""

from __future__ import annotations

from ordermesh.domain.availability import Position
from ordermesh.domain.inventory import stock_for_replay


def test_units_the_periods_orders_shipped_are_theirs_to_route_again() -> None:
    stock = stock_for_replay([Position("DC", "MUG", on_hand=7)], {}, {("DC", "MUG"): 3})
    assert stock == {("DC", "MUG"): 10}


def test_units_the_periods_own_open_requests_hold_are_free_for_the_replay() -> None:
    position = Position("DC", "MUG", on_hand=10, reserved=4)
    assert stock_for_replay([position], {("DC", "MUG"): 4}, {}) == {("DC", "MUG"): 10}


def test_units_older_orders_hold_are_not_routed_again() -> None:
    position = Position("DC", "MUG", on_hand=10, reserved=6)
    assert stock_for_replay([position], {("DC", "MUG"): 4}, {}) == {("DC", "MUG"): 8}


def test_safety_stock_is_never_routed_and_stock_never_goes_below_zero() -> None:
    positions = [
        Position("DC", "MUG", on_hand=10, safety_stock=3),
        Position("ST", "MUG", on_hand=1, reserved=5, safety_stock=2),
    ]
    assert stock_for_replay(positions, {}, {}) == {("DC", "MUG"): 7, ("ST", "MUG"): 0}
