"""The pure helpers of the HTTP load benchmark (bench/load_report.py, bench/load.py)."""

from __future__ import annotations

import math
import random

import pytest
from bench.load import SCARCE_STOCK, make_scarce, with_repeats
from bench.load_report import (
    Latency,
    Reply,
    extra_copies,
    granted_once,
    idempotency,
    ledger_mismatches,
    over_reserved,
    oversold_units,
    percentile,
    status_counts,
)

from ordermesh.domain.inventory import SnapshotLine


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # unsorted input
    assert percentile([7.0], 99) == 7.0
    # p99 of 10 samples is the largest: nearest rank never interpolates below it
    assert percentile([float(v) for v in range(10)], 99) == 9.0
    assert math.isnan(percentile([], 50))


@pytest.mark.parametrize("q", [0, -1, 101])
def test_percentile_refuses_out_of_range(q: float) -> None:
    with pytest.raises(ValueError):
        percentile([1.0], q)


def test_latency_in_milliseconds() -> None:
    latency = Latency.of_seconds([0.001, 0.002, 0.003, 0.100])
    assert latency.count == 4
    assert latency.p50 == pytest.approx(2.0)
    assert latency.p99 == pytest.approx(100.0)
    assert latency.max == pytest.approx(100.0)
    empty = Latency.of_seconds([])
    assert empty.count == 0 and math.isnan(empty.p99)


def test_oversold_units_counts_only_the_excess_per_position() -> None:
    sellable = {("A", "X"): 2, ("B", "X"): 1, ("A", "Y"): -3}
    granted = [("A", "X", 1), ("A", "X", 1), ("B", "X", 2), ("A", "Y", 1), ("C", "Z", 1)]
    # A/X exactly sold out; B/X one over; A/Y had nothing to sell (negative counts as 0);
    # C/Z was never stocked.
    assert oversold_units(sellable, granted) == {("B", "X"): 1, ("A", "Y"): 1, ("C", "Z"): 1}
    assert oversold_units(sellable, []) == {}


def test_over_reserved_respects_safety_stock() -> None:
    positions = [
        ("A", "X", 5, 4, 1),  # 4 reserved of 5 - 1: fine
        ("A", "Y", 5, 5, 1),  # one over
        ("B", "X", 0, 0, 3),  # nothing on hand, nothing reserved: fine
        ("B", "Y", 1, 2, 3),  # on hand below safety stock: both reserved units are over
    ]
    assert over_reserved(positions) == {("A", "Y"): 1, ("B", "Y"): 2}


def test_ledger_mismatches_both_ways() -> None:
    reserved = {("A", "X"): 2, ("A", "Y"): 0, ("B", "X"): 1}
    held = {("A", "X"): 2, ("B", "X"): 3, ("C", "Z"): 1}
    assert ledger_mismatches(reserved, held) == {("B", "X"): (1, 3), ("C", "Z"): (0, 1)}


def test_extra_copies_ignores_missing_keys_and_other_channels() -> None:
    rows = [
        ("web", "1"),
        ("web", "1"),
        ("web", "1"),
        ("amazon", "1"),
        ("web", None),
        ("web", None),
        ("web", "2"),
    ]
    assert extra_copies(rows) == 2


def test_idempotency_accounting() -> None:
    replies = [
        Reply("web/1", 201, "O1", 0.01),
        Reply("web/1", 200, "O1", 0.01),  # a proper repeat
        Reply("web/2", 201, "O2", 0.01),
        Reply("web/2", 201, "O3", 0.01),  # created twice, under two ids
        Reply("web/3", 201, "O4", 0.01),
        Reply("web/3", 0, None, 30.0),  # a timeout names no order
        Reply("web/4", 201, "O5", 0.01),
    ]
    check = idempotency(replies)
    assert check.keys_repeated == 3
    assert check.created_twice == 1
    assert check.answered_differently == 1
    assert status_counts(replies) == {0: 1, 200: 1, 201: 5}


def test_granted_units_count_once_per_order() -> None:
    units = (("A", "X", 1), ("B", "Y", 2))
    replies = [
        Reply("web/1", 201, "O1", 0.01, units),
        Reply("web/1", 200, "O1", 0.01, units),  # the repeat reports the same shipments
        Reply("web/2", 422, None, 0.01),
        Reply("web/3", 201, "O2", 0.01, (("A", "X", 1),)),
    ]
    assert granted_once(replies) == [("A", "X", 1), ("B", "Y", 2), ("A", "X", 1)]


def test_make_scarce_keeps_a_few_units_at_a_few_nodes() -> None:
    snapshots = {
        node: [SnapshotLine("S", 50, 5), SnapshotLine("T", 40, 2)]
        for node in ("N1", "N2", "N3", "N4", "N5")
    }
    scarce = make_scarce(snapshots, ["S"], random.Random(3))
    s_lines = sorted(
        (line.on_hand, line.safety_stock)
        for lines in scarce.values()
        for line in lines
        if line.sku == "S"
    )
    assert s_lines == sorted([*SCARCE_STOCK, (0, 0), (0, 0)])
    # other SKUs untouched, and the input is not modified
    assert all(SnapshotLine("T", 40, 2) in lines for lines in scarce.values())
    assert all(SnapshotLine("S", 50, 5) in lines for lines in snapshots.values())


def test_make_scarce_with_fewer_holders_than_the_plan() -> None:
    snapshots = {"N1": [SnapshotLine("S", 9, 0)]}
    assert make_scarce(snapshots, ["S"], random.Random(1)) == {
        "N1": [SnapshotLine("S", *SCARCE_STOCK[0])]
    }


def test_with_repeats_sends_a_share_twice() -> None:
    orders = list(range(1000))
    slots = with_repeats(orders, 0.1, random.Random(5))
    assert [slot[0] for slot in slots] == orders
    twice = sum(1 for slot in slots if len(slot) == 2)
    assert 60 < twice < 140
    assert all(slot[0] == slot[-1] for slot in slots)
