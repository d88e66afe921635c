"""The replay loop's incremental stock and capacity views decide exactly as the plain loop
they replaced: same decisions, byte for byte, and the same KPIs."""

from __future__ import annotations

import json
from datetime import date

import pytest
from bench.scenarios import Cell, Scenario, build

from ordermesh.services.simulation import (
    BatchPolicy,
    CapacityUsed,
    KpiTally,
    Policy,
    Routed,
    StockLevels,
    decision_json,
    make_policy,
    percentile,
    replay,
)

# Tight capacity and too little stock: nodes fill up and run out as the replay goes on.
CELL = Cell(10, 0.1, 1_000, 1.1, 0.8, True)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return build(CELL, 3, orders=150, days=2)


def plain_replay(scenario: Scenario, policy: Policy) -> list[Routed]:
    """The loop as it was: a plain dict of stock, ship dates worked out afresh for every
    order, every decision kept."""
    remaining = dict(scenario.stock)
    used: dict[tuple[str, date], int] = {}
    results = []
    for order in sorted(scenario.orders, key=lambda o: o.placed_at):
        capacity = CapacityUsed(scenario.network, used, order.placed_at)
        decision = policy(order, remaining, capacity)
        for shipment in decision.shipments:
            for line in shipment.lines:
                key = (shipment.node_id, line.sku)
                remaining[key] = remaining.get(key, 0) - line.quantity
            day = (shipment.node_id, shipment.ship_date)
            used[day] = used.get(day, 0) + 1
        results.append(Routed(order, decision, 0.0))
    return results


def lines(results: list[Routed]) -> list[str]:
    """DECISIONS.jsonl as ordermesh simulate writes it, less the latency."""
    written = []
    for routed in results:
        decision = decision_json(routed)
        del decision["latency_ms"]
        written.append(json.dumps(decision, separators=(",", ":")))
    return written


def streamed(scenario: Scenario, name: str) -> list[Routed]:
    results: list[Routed] = []
    policy = make_policy(name, scenario.network)
    replay(scenario.network, scenario.stock, scenario.orders, policy, results.append)
    return results


@pytest.mark.parametrize("name", ["nearest", "priority", "ordermesh"])
def test_the_streamed_replay_writes_the_decisions_the_plain_loop_wrote(
    scenario: Scenario, name: str
) -> None:
    policy = make_policy(name, scenario.network)
    assert not isinstance(policy, BatchPolicy)
    before = plain_replay(scenario, policy)
    after = streamed(scenario, name)
    assert any(r.decision.backordered for r in before)  # stock did run out
    assert lines(after) == lines(before)


def test_kpis_added_up_as_decisions_come_are_those_of_the_whole_list(scenario: Scenario) -> None:
    results = streamed(scenario, "nearest")
    tally = KpiTally()
    for routed in results:
        tally.add(routed)
    figures = tally.kpis()
    shipments = [s for r in results for s in r.decision.shipments]
    assert figures.orders == len(results)
    assert figures.units_shipped == sum(s.units for s in shipments)
    assert figures.units == figures.units_shipped + sum(
        b.quantity for r in results for b in r.decision.backordered
    )
    assert figures.shipments == len(shipments)
    assert figures.split_orders == sum(len(r.decision.shipments) > 1 for r in results)
    assert figures.shipping == sum(r.decision.shipping for r in results)
    assert figures.co2e_g == sum(s.co2e_g for s in shipments)
    assert figures.on_time_shipments == sum(s.meets_promise for s in shipments)
    latencies = [r.latency_s * 1000 for r in results]
    assert figures.latency_p99_ms == percentile(latencies, 0.99)


def test_a_node_leaves_a_sku_s_holders_when_its_last_unit_is_taken_and_returns_with_more() -> None:
    stock = StockLevels({("DC-RENO", "MUG"): 2, ("DC-NJ", "MUG"): 0, ("DC-NJ", "TEA"): 1})
    assert stock.holders == {"MUG": {"DC-RENO"}, "TEA": {"DC-NJ"}}
    stock.take("DC-RENO", "MUG", 1)
    assert stock.holders["MUG"] == {"DC-RENO"} and stock[("DC-RENO", "MUG")] == 1
    stock.take("DC-RENO", "MUG", 1)
    assert stock.holders["MUG"] == set()
    stock.take("DC-NJ", "MUG", -3)  # given back
    assert stock.holders["MUG"] == {"DC-NJ"} and stock[("DC-NJ", "MUG")] == 3
