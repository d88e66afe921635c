"""The seeded order-stream generator."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import pytest

from ordermesh.scenario.network_generator import generate_network
from ordermesh.scenario.orders import ORDER_COLUMNS, generate_orders, zipf_weights


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return generate_network(5, warehouses=3, three_pls=0, stores=4, dropship=0, skus=200)


def test_the_same_seed_gives_the_same_orders(document: dict[str, Any]) -> None:
    assert generate_orders(document, 11, orders=200) == generate_orders(document, 11, orders=200)


def test_another_seed_gives_other_orders(document: dict[str, Any]) -> None:
    assert generate_orders(document, 11, orders=200) != generate_orders(document, 12, orders=200)


def test_rows_carry_exactly_the_orders_csv_columns(document: dict[str, Any]) -> None:
    rows = generate_orders(document, 1, orders=20)
    assert all(tuple(row) == ORDER_COLUMNS for row in rows)


def test_orders_are_mostly_one_to_three_lines_of_single_units(document: dict[str, Any]) -> None:
    rows = generate_orders(document, 3, orders=2000)
    lines = Counter(row["order_id"] for row in rows)
    assert len(lines) == 2000
    assert sum(1 for n in lines.values() if n <= 3) / len(lines) > 0.85
    assert sum(1 for row in rows if row["quantity"] == "1") / len(rows) > 0.8


def test_popular_skus_are_ordered_far_more_often_than_the_tail(document: dict[str, Any]) -> None:
    rows = generate_orders(document, 4, orders=3000, zipf_exponent=1.1, bundle_share=0.0)
    counts = Counter(row["sku"] for row in rows)
    catalogue = [sku["id"] for sku in document["skus"]]
    head = sum(counts[sku] for sku in catalogue[:20])
    tail = sum(counts[sku] for sku in catalogue[-20:])
    assert head > 10 * tail


def test_zipf_weights_sum_to_one_and_fall_with_rank() -> None:
    weights = zipf_weights(50, 1.4)
    assert sum(weights) == pytest.approx(1.0)
    assert all(a > b for a, b in itertools.pairwise(weights))


def test_orders_are_spread_over_the_days_in_created_at_order(document: dict[str, Any]) -> None:
    start = datetime.fromisoformat("2026-03-02T00:00:00+00:00")
    rows = generate_orders(document, 6, orders=500, days=4, start=start)
    moments = [datetime.fromisoformat(row["created_at"]) for row in rows]
    assert moments == sorted(moments)
    assert min(moments) >= start and max(moments) < start + timedelta(days=4)
    assert len({m.date() for m in moments}) == 4
    assert all(m.utcoffset() is not None for m in moments)


def test_channels_and_service_levels_are_mixed_mostly_standard(document: dict[str, Any]) -> None:
    rows = generate_orders(document, 7, orders=1000)
    first = {row["order_id"]: row for row in rows}.values()
    levels = Counter(row["service_level"] for row in first)
    assert levels["standard"] / 1000 > 0.7 and len(levels) >= 2
    assert len({row["channel"] for row in first}) >= 3
    assert all(row["postal_code"].isdigit() and len(row["postal_code"]) == 5 for row in first)


def test_rows_of_one_order_share_the_order_fields(document: dict[str, Any]) -> None:
    rows = generate_orders(document, 8, orders=300)
    by_order: dict[str, set[tuple[str, ...]]] = {}
    for row in rows:
        key = (row["created_at"], row["channel"], row["postal_code"], row["service_level"])
        by_order.setdefault(row["order_id"], set()).add(key)
    assert all(len(keys) == 1 for keys in by_order.values())
