"""The shadow-price LP, solved by HiGHS, on instances small enough to check by hand."""

from __future__ import annotations

import pytest

from ordermesh.adapters.solver.shadow_prices import supply_prices
from ordermesh.domain.routing.opportunity import TransportationProblem, opportunity_costs


def test_a_unit_a_nearby_customer_needs_is_worth_what_it_saves_them() -> None:
    """Region R expects 2 units; node A (cost 1) holds 1, node B (cost 5) holds 5. The LP
    ships A's unit and one of B's; one more unit at A would save 5 - 1 = 4, one more at B
    nothing, so taking A's unit now costs the future 4."""
    problem = TransportationProblem(
        sources=(("A", "MUG"), ("B", "MUG")),
        supply=(1.0, 5.0),
        sinks=(("R", "MUG"),),
        demand=(2.0,),
        arc_source=(0, 1),
        arc_sink=(0, 0),
        arc_cost=(1.0, 5.0),
    )
    prices = supply_prices(problem)
    assert prices == pytest.approx([4.0, 0.0])
    assert opportunity_costs(problem, prices) == pytest.approx({("A", "MUG"): 4.0})


def test_stock_nobody_nearby_expects_is_free() -> None:
    problem = TransportationProblem(
        sources=(("A", "MUG"), ("B", "MUG")),
        supply=(3.0, 3.0),
        sinks=(("R", "MUG"),),
        demand=(2.0,),
        arc_source=(0, 1),
        arc_sink=(0, 0),
        arc_cost=(1.0, 5.0),
    )
    assert opportunity_costs(problem, supply_prices(problem)) == {}


def test_two_regions_competing_for_one_node() -> None:
    """R1 is near A only (A 1, B 9); R2 is near both (A 2, B 3). A holds 1 unit, B plenty.
    The LP keeps A's unit for R1. One more unit at A would save R2 3 - 2 = 1; one fewer
    would cost R1 9 - 1 = 8. A dual is any value between the two (the LP's cost is kinked
    at A's supply), and B's plenty is free."""
    problem = TransportationProblem(
        sources=(("A", "MUG"), ("B", "MUG")),
        supply=(1.0, 10.0),
        sinks=(("R1", "MUG"), ("R2", "MUG")),
        demand=(1.0, 1.0),
        arc_source=(0, 1, 0, 1),
        arc_sink=(0, 0, 1, 1),
        arc_cost=(1.0, 9.0, 2.0, 3.0),
    )
    prices = supply_prices(problem)
    assert 1.0 - 1e-9 <= prices[0] <= 8.0 + 1e-9
    assert prices[1] == pytest.approx(0.0)


def test_an_empty_problem_has_no_prices() -> None:
    assert supply_prices(TransportationProblem((), (), (), (), (), (), ())) == []
