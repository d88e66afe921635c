from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordermesh.domain.availability import Position
from ordermesh.domain.errors import InvalidInventory
from ordermesh.domain.inventory import (
    AdjustmentReason,
    ChangeKind,
    SnapshotLine,
    plan_adjustment,
    plan_snapshot,
)


def test_a_snapshot_replaces_on_hand_and_reports_the_discrepancy() -> None:
    held = {"MUG": Position("DC", "MUG", on_hand=10, reserved=4, safety_stock=1)}
    [change] = plan_snapshot("DC", held, [SnapshotLine("MUG", 7)])
    assert change.kind is ChangeKind.SNAPSHOT
    assert (change.on_hand_before, change.on_hand_after, change.on_hand_delta) == (10, 7, -3)
    assert change.safety_stock_after == 1  # not given: kept


def test_a_snapshot_that_agrees_with_what_is_held_changes_nothing() -> None:
    held = {"MUG": Position("DC", "MUG", on_hand=10)}
    [change] = plan_snapshot("DC", held, [SnapshotLine("MUG", 10)])
    assert change.is_noop


def test_a_snapshot_can_set_safety_stock() -> None:
    [change] = plan_snapshot("DC", {}, [SnapshotLine("PAN", 3, safety_stock=2)])
    assert (change.on_hand_before, change.on_hand_after, change.safety_stock_after) == (0, 3, 2)
    assert not change.is_noop


def test_an_adjustment_adds_to_on_hand_with_its_reason() -> None:
    change = plan_adjustment(Position("DC", "MUG", on_hand=5), 12, AdjustmentReason.RECEIPT)
    assert change.on_hand_after == 17
    assert change.reason == "receipt"


def test_an_adjustment_may_not_take_on_hand_below_zero() -> None:
    with pytest.raises(InvalidInventory, match="below zero"):
        plan_adjustment(Position("DC", "MUG", on_hand=2), -3, AdjustmentReason.DAMAGE)


def test_an_adjustment_down_to_exactly_zero_is_allowed() -> None:
    change = plan_adjustment(Position("DC", "MUG", on_hand=3), -3, AdjustmentReason.SHRINK)
    assert change.on_hand_after == 0


snapshot_lines = st.lists(
    st.builds(
        SnapshotLine,
        sku=st.sampled_from(["A", "B", "C", "D"]),
        on_hand=st.integers(0, 100),
        safety_stock=st.one_of(st.none(), st.integers(0, 10)),
    ),
    unique_by=lambda line: line.sku,
)


@given(
    held_on_hand=st.dictionaries(st.sampled_from(["A", "B", "C"]), st.integers(0, 100)),
    lines=snapshot_lines,
)
def test_the_same_snapshot_applied_twice_changes_nothing_the_second_time(
    held_on_hand: dict[str, int], lines: list[SnapshotLine]
) -> None:
    held = {sku: Position("DC", sku, on_hand=q) for sku, q in held_on_hand.items()}
    first = plan_snapshot("DC", held, lines)
    after = dict(held)
    for change in first:
        after[change.sku] = Position(
            "DC", change.sku, change.on_hand_after, 0, change.safety_stock_after
        )
    second = plan_snapshot("DC", after, lines)
    assert all(change.is_noop for change in second)
