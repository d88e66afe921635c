"""The batch MIP with the expected demand after its window (a fluid transportation problem
sharing the stock), and the LP cost the batch policy compares plans with, with HiGHS."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from ordermesh.adapters.solver.batch import solve_batch
from ordermesh.adapters.solver.shadow_prices import transport_cost
from ordermesh.domain.routing.opportunity import TransportationProblem

# The routing unit tests' builders, shared rather than copied.
sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "domain" / "routing"))
from builders import MANHATTAN, NEWARK, PHILADELPHIA, line, network, node, order, sku

MUG = sku("MUG")
NET = network([node("NEWARK", NEWARK), node("PHILLY", PHILADELPHIA)], [MUG])
ONE_EACH = {("NEWARK", "MUG"): 1, ("PHILLY", "MUG"): 1}
WINDOW = [order(line("MUG"), to=MANHATTAN, order_id="O-1")]


def expected(demand: float, firm: float, newark: float, philly: float) -> TransportationProblem:
    """One region expecting ``demand`` mugs (``firm`` of them sure to come), served from
    Newark at ``newark`` and from Philadelphia at ``philly`` a unit."""
    return TransportationProblem(
        sources=(("NEWARK", "MUG"), ("PHILLY", "MUG")),
        supply=(1.0, 1.0),
        sinks=(("R", "MUG"),),
        demand=(demand,),
        arc_source=(0, 1),
        arc_sink=(0, 0),
        arc_cost=(newark, philly),
        firm=(firm,),
        soft_unserved_cost=0.0,
    )


def given(future: TransportationProblem | None) -> dict[tuple[str, str], int]:
    allocation = solve_batch(
        NET, ONE_EACH, WINDOW, capacity_used={}, forced={}, k=10, mip_nodes=10_000, future=future
    )
    assert allocation is not None
    return dict(allocation.per_order[0])


def test_without_expected_demand_the_window_takes_the_cheapest_unit() -> None:
    assert given(None) == {("NEWARK", "MUG"): 1}


def test_the_window_leaves_the_unit_an_expected_order_needs_more() -> None:
    """The region is served for 2 from Newark and 40 from Philadelphia; Manhattan pays
    a little more from Philadelphia than from Newark, so Newark's unit is kept for it."""
    assert given(expected(1.0, 1.0, newark=2.0, philly=40.0)) == {("PHILLY", "MUG"): 1}


def test_soft_expected_demand_at_no_cost_changes_nothing() -> None:
    assert given(expected(1.0, 0.0, newark=2.0, philly=40.0)) == {("NEWARK", "MUG"): 1}


def test_a_present_order_is_left_short_only_for_firm_demand_served_for_less() -> None:
    """Two mugs are sure to be wanted where each costs 2 to serve; the window's order
    would pay more than that, and every unit will be sold either way."""
    future = expected(2.0, 2.0, newark=2.0, philly=2.0)
    assert given(future) == {}
    soft = expected(2.0, 0.0, newark=2.0, philly=2.0)
    assert sum(given(soft).values()) == 1


def test_the_lp_cost_charges_firm_and_soft_unserved_units_their_own_price() -> None:
    """Three expected mugs, two of them firm, against one unit at Newark (cost 2): the
    unit serves one, then one firm unit is unserved (1,000) and one soft (30)."""
    problem = TransportationProblem(
        sources=(("NEWARK", "MUG"),),
        supply=(1.0,),
        sinks=(("R", "MUG"),),
        demand=(3.0,),
        arc_source=(0,),
        arc_sink=(0,),
        arc_cost=(2.0,),
        firm=(2.0,),
        soft_unserved_cost=30.0,
    )
    assert transport_cost(problem) == pytest.approx(2.0 + 1_000.0 + 30.0)


def test_the_lp_cost_of_no_expected_demand_is_zero() -> None:
    assert transport_cost(TransportationProblem((), (), (), (), (), (), ())) == 0.0


def test_with_a_fill_floor_the_present_order_gets_its_unit_whatever_the_forecast() -> None:
    """The fill rule: the same sure, cheaper expected demand as above may choose which
    node's mug the present order takes, never whether it gets one."""
    allocation = solve_batch(
        NET,
        ONE_EACH,
        WINDOW,
        capacity_used={},
        forced={},
        k=10,
        mip_nodes=10_000,
        future=expected(2.0, 2.0, newark=2.0, philly=2.0),
        fill_floor=[1],
    )
    assert allocation is not None
    assert sum(allocation.per_order[0].values()) == 1
