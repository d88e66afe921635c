"""The per-order HiGHS strategy: exact on small orders, never worse than local search."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from ordermesh.adapters.solver.order_mip import highs_strategy, mip_search, solve_problem
from ordermesh.adapters.solver.work import Work
from ordermesh.domain.model import Handling, NodeType
from ordermesh.domain.routing import DEFAULT_RULE_SET, SearchOptions, route
from ordermesh.domain.routing.local_search import local_search
from ordermesh.domain.routing.search import default_strategy, prepare, problem_for

# The routing unit tests' builders and random instances, shared rather than copied.
sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "domain" / "routing"))
from builders import (
    ATLANTA,
    BOSTON,
    CHICAGO,
    COLUMBUS,
    GROUND,
    MANHATTAN,
    NEWARK,
    PHILADELPHIA,
    TWO_DAY,
    WEDNESDAY_MORNING,
    line,
    network,
    node,
    order,
    sku,
)
from test_search_properties import Instance, _unreduced, instances

EVERYTHING_TO_THE_SOLVER = SearchOptions(exact_max_demands=0, exact_max_units=0)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_the_solver_equals_branch_and_bound_on_small_orders(instance: Instance) -> None:
    problem = _unreduced(instance)
    exact = default_strategy(problem, SearchOptions()).podium.best
    assignment = solve_problem(problem, Work(mip_nodes=10_000))
    assert exact is not None and assignment is not None
    solved = problem.score(assignment)
    assert solved is not None
    assert solved.key[:2] == exact.score.key[:2]


def test_route_takes_the_solver_strategy_beyond_the_exact_limits() -> None:
    net, the_order, stock, used, rule_set = _big_order()
    decision = route(
        the_order,
        net,
        stock,
        used,
        rule_set,
        options=EVERYTHING_TO_THE_SOLVER,
        strategy=highs_strategy(time_limit=10.0),
    )
    assert decision.explanation.search.strategy in {"local_search", "local_search+highs"}
    assert not decision.explanation.search.exact


def test_on_a_30_line_order_the_solver_is_never_worse_than_local_search() -> None:
    net, the_order, stock, used, rule_set = _big_order()
    gathering = prepare(the_order, net, stock, used, rule_set)
    problem, _ = problem_for(
        gathering.context.demands, gathering.candidates, gathering.context, gathering.promise
    )
    heuristic = local_search(problem).podium.best
    solved = mip_search(problem, SearchOptions(), Work(mip_nodes=10_000)).podium.best
    assert heuristic is not None and solved is not None
    assert solved.score.key <= heuristic.score.key
    assert solved.score.backordered_units == heuristic.score.backordered_units


def test_a_solver_stopped_at_its_first_node_leaves_local_search_standing() -> None:
    net, the_order, stock, used, rule_set = _big_order()
    gathering = prepare(the_order, net, stock, used, rule_set)
    problem, _ = problem_for(
        gathering.context.demands, gathering.candidates, gathering.context, gathering.promise
    )
    heuristic = local_search(problem).podium.best
    solved = mip_search(problem, SearchOptions(), Work(mip_nodes=1)).podium.best
    assert heuristic is not None and solved is not None
    assert solved.score.key <= heuristic.score.key


def _big_order() -> Instance:
    """30 lines of 1-3 units over 8 nodes holding uneven stock: a B2B order."""
    places = (NEWARK, PHILADELPHIA, BOSTON, COLUMBUS, CHICAGO, ATLANTA)
    skus = [
        sku(
            f"S{i}",
            weight_lb=(0.3, 1.0, 2.5, 6.0)[i % 4],
            dims_in=((4.0, 4.0, 4.0), (12.0, 10.0, 8.0))[i % 2],
            ship_alone=i % 11 == 5,
        )
        for i in range(30)
    ]
    nodes = [
        node(
            f"N{n}",
            places[n % len(places)],
            NodeType.STORE if n % 3 else NodeType.WAREHOUSE,
            handling=Handling(1.5, 0.4 if n % 2 else 0.2),
            priority=10 * n,
        )
        for n in range(8)
    ]
    stock = {
        (f"N{n}", f"S{i}"): (n + i) % 4 for n in range(8) for i in range(30) if (n * 7 + i) % 3
    }
    the_order = order(
        *(line(f"S{i}", 1 + i % 3, f"L{i}") for i in range(30)),
        to=MANHATTAN,
        placed_at=WEDNESDAY_MORNING,
    )
    net = network(nodes, skus, (), services=(GROUND, TWO_DAY))
    return net, the_order, stock, {}, DEFAULT_RULE_SET
