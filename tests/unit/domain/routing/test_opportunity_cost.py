"""The inventory-aware router: opportunity costs steer a unit away from where it is scarce,
and show as their own term, never in the delivered cost."""

from __future__ import annotations

from datetime import timedelta

import pytest
from builders import (
    BOSTON,
    LOS_ANGELES,
    MANHATTAN,
    NEWARK,
    PHILADELPHIA,
    RENO,
    WEDNESDAY_MORNING,
    line,
    network,
    node,
    order,
    sku,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from ordermesh.domain.forecast import PRIOR_UNITS, forecast_from_history, region_of
from ordermesh.domain.routing import route
from ordermesh.domain.routing.opportunity import (
    TransportationProblem,
    confident_demand,
    opportunity_costs,
    poisson_floor,
    transportation_problem,
)

MUG = sku("MUG")
TEE = sku("TEE", weight_lb=2.0)


def two_nodes() -> tuple[object, dict[tuple[str, str], int]]:
    net = network([node("NEWARK", NEWARK), node("RENO", RENO)], [MUG, TEE])
    return net, {("NEWARK", "MUG"): 2, ("RENO", "MUG"): 2}


def test_without_opportunity_costs_the_cheapest_node_ships() -> None:
    net, held = two_nodes()
    decision = route(order(line("MUG")), net, held, {})  # type: ignore[arg-type]
    assert [s.node_id for s in decision.shipments] == ["NEWARK"]
    assert decision.shipments[0].penalties.opportunity == 0.0


def test_a_scarcity_cost_at_the_cheap_node_sends_the_unit_from_the_other() -> None:
    net, held = two_nodes()
    plain = route(order(line("MUG")), net, held, {})  # type: ignore[arg-type]
    priced = route(
        order(line("MUG")),
        net,  # type: ignore[arg-type]
        held,
        {},
        opportunity_cost={("NEWARK", "MUG"): 50.0},
    )
    assert [s.node_id for s in priced.shipments] == ["RENO"]
    # Delivered cost stays the contract: the opportunity cost is a separate term.
    assert priced.total_cost == pytest.approx(priced.shipments[0].cost)
    assert priced.shipments[0].penalties.opportunity == 0.0
    assert priced.total_cost > plain.total_cost


def test_an_opportunity_cost_below_the_saving_changes_nothing_but_shows() -> None:
    net, held = two_nodes()
    priced = route(
        order(line("MUG", 2)),
        net,  # type: ignore[arg-type]
        held,
        {},
        opportunity_cost={("NEWARK", "MUG"): 0.01},
    )
    assert [s.node_id for s in priced.shipments] == ["NEWARK"]
    assert priced.shipments[0].penalties.opportunity == pytest.approx(0.02)
    assert priced.objective == pytest.approx(priced.total_cost + 0.02)


@settings(max_examples=60, deadline=None)
@given(
    newark=st.floats(0.0, 20.0),
    philly=st.floats(0.0, 20.0),
    reno=st.floats(0.0, 20.0),
    units=st.integers(1, 3),
)
def test_the_search_with_opportunity_costs_equals_enumerating_single_and_split_plans(
    newark: float, philly: float, reno: float, units: int
) -> None:
    """Dominance and the bounds must account for the prices: compare against pricing
    every one-node plan by hand (each node holds everything, so one node is optimal)."""
    nodes = [node("NEWARK", NEWARK), node("PHILLY", PHILADELPHIA), node("RENO", RENO)]
    net = network(nodes, [MUG, TEE])
    held = {(n.id, s): 5 for n in nodes for s in ("MUG", "TEE")}
    prices = {("NEWARK", "MUG"): newark, ("PHILLY", "MUG"): philly, ("RENO", "MUG"): reno}
    the_order = order(line("MUG", units), line("TEE"))
    decision = route(the_order, net, held, {}, opportunity_cost=prices)
    best = min(
        route(the_order, net, {k: v for k, v in held.items() if k[0] == n.id}, {},
              opportunity_cost=prices).objective
        for n in nodes
    )  # fmt: skip
    assert decision.objective == pytest.approx(best)


def test_prices_are_relative_to_the_cheapest_node_of_each_sku() -> None:
    problem = TransportationProblem(
        sources=(("A", "MUG"), ("B", "MUG"), ("A", "TEE")),
        supply=(1.0, 1.0, 1.0),
        sinks=(("R", "MUG"),),
        demand=(3.0,),
        arc_source=(0, 1),
        arc_sink=(0, 0),
        arc_cost=(1.0, 5.0),
    )
    # Short everywhere: both duals carry the unserved cost; only their difference counts.
    assert opportunity_costs(problem, [999.0, 995.0, 0.0]) == {("A", "MUG"): 4.0}


def test_regions_are_zip_prefixes_or_grid_cells() -> None:
    assert region_of(MANHATTAN) == "zip2:10"
    assert region_of(LOS_ANGELES) == "zip2:90"
    assert region_of(type(MANHATTAN)(51.5, -0.1, None, "GB")) == "cell:25:-1"


def test_a_thinly_sold_skus_regional_mix_leans_on_the_network_mix() -> None:
    net = network([node("NEWARK", NEWARK)], [MUG, TEE])
    history = [
        order(line("MUG", 3), to=MANHATTAN, order_id="H1", placed_at=WEDNESDAY_MORNING),
        order(line("TEE"), to=BOSTON, order_id="H2",
              placed_at=WEDNESDAY_MORNING + timedelta(days=2)),
    ]  # fmt: skip
    forecast = forecast_from_history(history, net)
    # Four units over two days; Manhattan's region bought three of them (0.75 of the
    # network's units). The TEE was only ever bought in Boston, once: that says little,
    # so most of its rate follows the network's mix, and Manhattan expects TEEs too.
    prior = PRIOR_UNITS
    assert forecast.rate_per_day[("zip2:10", "MUG")] == pytest.approx(
        1.5 * (3 + prior * 0.75) / (3 + prior)
    )
    assert forecast.rate_per_day[("zip2:02", "TEE")] == pytest.approx(
        0.5 * (1 + prior * 0.25) / (1 + prior)
    )
    assert forecast.expected(2.0)[("zip2:10", "TEE")] == pytest.approx(
        2 * 0.5 * (prior * 0.75) / (1 + prior)
    )


def test_a_well_sold_skus_regional_mix_follows_its_own_history() -> None:
    """Mugs go to Manhattan, tees to Boston, two hundred of each: each SKU's forecast
    follows where it sold, not the network's half-and-half."""
    net = network([node("NEWARK", NEWARK)], [MUG, TEE])
    history = [
        order(line("MUG", 200), to=MANHATTAN, order_id="H1", placed_at=WEDNESDAY_MORNING),
        order(line("TEE", 200), to=BOSTON, order_id="H2",
              placed_at=WEDNESDAY_MORNING + timedelta(days=1)),
    ]  # fmt: skip
    rates = forecast_from_history(history, net).rate_per_day
    mug_in_manhattan = rates[("zip2:10", "MUG")] / (
        rates[("zip2:10", "MUG")] + rates[("zip2:02", "MUG")]
    )
    assert mug_in_manhattan > 0.9
    assert rates[("zip2:02", "TEE")] > 9 * rates[("zip2:10", "TEE")]
    assert sum(rate for (_, sku), rate in rates.items() if sku == "MUG") == pytest.approx(200)


def test_the_transportation_problem_links_each_region_to_its_stocked_nodes() -> None:
    net = network([node("NEWARK", NEWARK), node("RENO", RENO)], [MUG, TEE])
    history = [order(line("MUG"), to=MANHATTAN, order_id="H1")]
    forecast = forecast_from_history(history, net)
    problem = transportation_problem(net, {("NEWARK", "MUG"): 2, ("RENO", "MUG"): 1}, forecast, 1)
    assert problem.sources == (("NEWARK", "MUG"), ("RENO", "MUG"))
    assert problem.sinks == (("zip2:10", "MUG"),)
    costs = dict(zip(problem.arc_source, problem.arc_cost, strict=True))
    assert costs[0] < costs[1]  # Newark is nearer Manhattan than Reno


def test_only_the_demand_sure_to_come_counts_as_firm() -> None:
    """P(a Poisson count of mean 1.3 is 0) = 27%: at 95% confidence not one unit is sure;
    of a mean of 30, 21 are (P(count >= 21) = 95.9%, P(count >= 22) = 93.7%)."""
    assert poisson_floor(1.3, 0.95) == 0
    assert poisson_floor(30.0, 0.95) == 21
    assert poisson_floor(10.0, 0.99) == 3
    assert poisson_floor(0.0, 0.99) == 0
    assert 900 < poisson_floor(1_000.0, 0.99) < 1_000  # the normal approximation


def test_the_sure_units_of_a_sku_are_spread_over_its_regions_as_its_mean_is() -> None:
    firm = confident_demand({("R1", "MUG"): 20.0, ("R2", "MUG"): 10.0, ("R1", "TEE"): 1.3}, 0.95)
    assert firm == pytest.approx({("R1", "MUG"): 14.0, ("R2", "MUG"): 7.0})


def test_a_transportation_problem_with_a_confidence_marks_each_sinks_firm_demand() -> None:
    net = network([node("NEWARK", NEWARK)], [MUG, TEE])
    history = [
        order(line("MUG", 30), line("TEE"), to=MANHATTAN, order_id="H1",
              placed_at=WEDNESDAY_MORNING),
        order(line("MUG"), to=MANHATTAN, order_id="H2",
              placed_at=WEDNESDAY_MORNING + timedelta(days=1)),
    ]  # fmt: skip
    forecast = forecast_from_history(history, net)
    held = {("NEWARK", "MUG"): 5, ("NEWARK", "TEE"): 5}
    problem = transportation_problem(net, held, forecast, 1.0, confidence=0.95)
    assert problem.sinks == (("zip2:10", "MUG"), ("zip2:10", "TEE"))
    assert problem.demand == pytest.approx((31.0, 1.0))
    assert problem.firm == pytest.approx((22.0, 0.0))  # P(count >= 22 | mean 31) >= 95%
    everything = transportation_problem(net, held, forecast, 1.0)
    assert everything.firm_demand() == everything.demand


def test_the_transportation_problem_can_be_kept_to_the_skus_of_a_window() -> None:
    net = network([node("NEWARK", NEWARK)], [MUG, TEE])
    history = [order(line("MUG"), line("TEE"), to=MANHATTAN, order_id="H1")]
    forecast = forecast_from_history(history, net)
    held = {("NEWARK", "MUG"): 1, ("NEWARK", "TEE"): 1}
    problem = transportation_problem(net, held, forecast, 1.0, skus={"TEE"})
    assert problem.sinks == (("zip2:10", "TEE"),)
    assert problem.sources == (("NEWARK", "TEE"),)
