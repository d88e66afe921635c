"""Properties of the search on small random networks, checked against brute force."""

from __future__ import annotations

from collections import Counter
from itertools import combinations_with_replacement, product

import pytest
from builders import (
    ATLANTA,
    BOSTON,
    CHICAGO,
    COLUMBUS,
    FRIDAY_EVENING,
    GROUND,
    MANHATTAN,
    NEWARK,
    PHILADELPHIA,
    RENO,
    TWO_DAY,
    WEDNESDAY_MORNING,
    bundle,
    line,
    network,
    node,
    order,
    sku,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordermesh.domain.model import Handling, Location, NodeType
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.routing import (
    Constraints,
    Decision,
    Goal,
    Objective,
    PromiseMode,
    RuleSet,
    SearchOptions,
    route,
)
from ordermesh.domain.routing.constraints import breaches
from ordermesh.domain.routing.problem import Assignment, Podium, Problem, Score
from ordermesh.domain.routing.relaxation import cost_floor, uses_dimensional_weight
from ordermesh.domain.routing.search import prepare, problem_for

PLACES = (NEWARK, PHILADELPHIA, BOSTON, COLUMBUS, CHICAGO, ATLANTA, RENO)
CUSTOMERS = (MANHATTAN, CHICAGO, Location(34.05, -118.24, None, "US"))


Instance = tuple[Network, Order, dict[tuple[str, str], int], dict[str, int], RuleSet]


@st.composite
def instances(
    draw: st.DrawFn,
    nodes_between: tuple[int, int] = (2, 5),
    lines_up_to: int = 4,
    places: tuple[Location, ...] = PLACES,
    alike: bool = False,
) -> Instance:
    """2-4 lines (one may be a bundle), 2-5 nodes, stock that is sometimes short, nodes
    with little capacity left, orders late in the day, and random rule sets. Fewer places
    than nodes give many nodes with the same costs, the case dominance is for."""
    line_count = draw(st.integers(2, lines_up_to))
    skus = [
        sku(
            f"S{i}",
            weight_lb=draw(st.sampled_from([0.3, 1.0, 2.5, 6.0, 11.0])),
            dims_in=draw(st.sampled_from([(4.0, 4.0, 4.0), (12.0, 10.0, 8.0), (20.0, 16.0, 12.0)])),
            ship_alone=draw(st.booleans()) and draw(st.booleans()),
            price=draw(st.sampled_from([8.0, 40.0])),
        )
        for i in range(line_count)
    ]
    kits = [bundle("KIT", ("S0", 1), ("S1", draw(st.integers(1, 2))), price=55.0)]
    node_count = draw(st.integers(*nodes_between))
    nodes = [
        node(
            f"N{i}",
            draw(st.sampled_from(places)),
            NodeType.WAREHOUSE if alike else draw(st.sampled_from(list(NodeType))),
            handling=Handling(1.5, 0.4)
            if alike
            else Handling(draw(st.sampled_from([0.0, 1.5])), draw(st.sampled_from([0.0, 0.4]))),
            priority=draw(st.sampled_from([10, 100])),
            shipments_per_day=None if alike else draw(st.sampled_from([None, None, 2, 3])),
        )
        for i in range(node_count)
    ]
    capacity_used = {n.id: draw(st.integers(0, 2)) for n in nodes if n.shipments_per_day}
    stock = {
        (n.id, s.id): draw(st.integers(0, 2)) for n in nodes for s in skus if draw(st.booleans())
    }
    items = [s.id for s in skus]
    if draw(st.booleans()):
        items[-1] = "KIT"
    the_order = order(
        *(
            line(item, draw(st.integers(1, 2 if node_count <= 5 else 1)), f"L{i}")
            for i, item in enumerate(items)
        ),
        to=draw(st.sampled_from(CUSTOMERS)),
        service_level=draw(st.sampled_from(["standard", "standard", "expedited"])),
        placed_at=draw(st.sampled_from([WEDNESDAY_MORNING, FRIDAY_EVENING])),
    )
    late = draw(st.booleans())
    rule_set = RuleSet(
        id="random",
        constraints=Constraints(
            max_shipments=draw(st.sampled_from([None, 1, 2, 3])),
            keep_bundles_together=draw(st.booleans()),
            promise=PromiseMode.LATE_ALLOWED if late else PromiseMode.REQUIRED,
            late_penalty_per_day=3.0 if late else 0.0,
        ),
        objective=Objective(
            goal=draw(st.sampled_from([Goal.MIN_COST, Goal.MAX_MARGIN])),
            split_penalty=draw(st.sampled_from([0.0, 2.0])),
            store_penalty=draw(st.sampled_from([0.0, 1.0])),
            co2e_price_per_kg=draw(st.sampled_from([0.0, 0.5])),
            capacity_penalty=draw(st.sampled_from([0.0, 4.0])),
        ),
    )
    net = network(nodes, skus, kits, services=(GROUND, TWO_DAY))
    return net, the_order, stock, capacity_used, rule_set


def _distributions(quantity: int, places: int) -> list[tuple[int, ...]]:
    """Every way to spread ``quantity`` units over ``places`` nodes, leaving some out."""
    found = set()
    for size in range(quantity + 1):
        for chosen in combinations_with_replacement(range(places), size):
            counts = Counter(chosen)
            found.add(tuple(counts.get(place, 0) for place in range(places)))
    return sorted(found)


def _brute_force_podium(problem: Problem) -> tuple[Score, Score | None]:
    """The best plan and the best plan on a different set of nodes, by trying them all."""
    places = len(problem.candidates)
    podium = Podium()
    per_demand = [_distributions(demand.quantity, places) for demand in problem.demands]
    for choice in product(*per_demand):
        assignment: Assignment = tuple(
            (place, tuple(spread[place] for spread in choice))
            for place in range(places)
            if any(spread[place] for spread in choice)
        )
        scored = problem.scored(assignment)
        if scored is not None:
            podium.offer(scored)
    assert podium.best is not None, "backordering everything is always feasible"
    runner_up = podium.runner_up.score if podium.runner_up else None
    return podium.best.score, runner_up


def _brute_force(problem: Problem) -> Score:
    return _brute_force_podium(problem)[0]


def _unreduced(instance: Instance) -> Problem:
    net, the_order, stock, used, rule_set = instance
    gathering = prepare(the_order, net, stock, used, rule_set)
    problem, _ = problem_for(
        gathering.context.demands,
        gathering.candidates,
        gathering.context,
        gathering.promise,
        reduce=False,
    )
    return problem


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instances())
def test_the_exact_search_matches_brute_force_enumeration(
    instance: Instance,
) -> None:
    net, the_order, stock, used, rule_set = instance
    decision = route(the_order, net, stock, used, rule_set)
    expected = _brute_force(_unreduced(instance))
    chosen = decision.explanation.chosen
    assert decision.explanation.search.exact
    assert (chosen.backordered_units, chosen.objective) == (
        expected.backordered_units,
        expected.objective,
    )
    assert len(decision.shipments) == expected.parcels
    assert chosen.node_ids == expected.node_ids


@PROPERTY
@given(instances(nodes_between=(6, 9), lines_up_to=2, places=(NEWARK, COLUMBUS), alike=True))
def test_setting_dominated_nodes_aside_never_loses_the_optimum(instance: Instance) -> None:
    net, the_order, stock, used, rule_set = instance
    decision = route(the_order, net, stock, used, rule_set)
    expected = _brute_force(_unreduced(instance))
    chosen = decision.explanation.chosen
    assert (chosen.backordered_units, chosen.objective, chosen.node_ids) == (
        expected.backordered_units,
        expected.objective,
        expected.node_ids,
    )


@PROPERTY
@given(instances())
def test_a_plan_never_takes_more_than_a_node_has_available_to_sell(
    instance: Instance,
) -> None:
    net, the_order, stock, used, rule_set = instance
    decision = route(the_order, net, stock, used, rule_set)
    taken: Counter[tuple[str, str]] = Counter()
    for shipment in decision.shipments:
        for shipped in shipment.lines:
            taken[(shipment.node_id, shipped.sku)] += shipped.quantity
    for position, units in taken.items():
        assert units <= stock.get(position, 0)


@PROPERTY
@given(instances())
def test_every_unit_is_shipped_or_backordered_and_shipments_respect_the_cap(
    instance: Instance,
) -> None:
    net, the_order, stock, used, rule_set = instance
    decision = route(the_order, net, stock, used, rule_set)
    assert _accounted(decision, net) == _ordered(the_order, net)
    limit = rule_set.constraints.max_shipments
    assert limit is None or len(decision.shipments) <= limit
    assert decision.explanation.chosen.plan.shipments == decision.shipments


def _sku_units(item: str, quantity: int, net: Network) -> Counter[str]:
    bundle_ = net.bundles.get(item)
    if bundle_ is None:
        return Counter({item: quantity})
    return Counter({c.sku: quantity * c.quantity for c in bundle_.components})


def _ordered(the_order: Order, net: Network) -> Counter[tuple[str, str]]:
    units: Counter[tuple[str, str]] = Counter()
    for ordered in the_order.lines:
        for item, quantity in _sku_units(ordered.item, ordered.quantity, net).items():
            units[(ordered.line_id, item)] += quantity
    return units


def _accounted(decision: Decision, net: Network) -> Counter[tuple[str, str]]:
    units: Counter[tuple[str, str]] = Counter()
    for shipment in decision.shipments:
        for shipped in shipment.lines:
            units[(shipped.line_id, shipped.sku)] += shipped.quantity
    for backorder in decision.backordered:
        for item, quantity in _sku_units(backorder.item, backorder.quantity, net).items():
            units[(backorder.line_id, item)] += quantity
    return units


@PROPERTY
@given(instances())
def test_ship_complete_ships_everything_from_one_node_or_nothing(
    instance: Instance,
) -> None:
    net, the_order, stock, used, _ = instance
    complete = RuleSet(id="complete", constraints=Constraints(ship_complete=True))
    decision = route(the_order, net, stock, used, complete)
    nodes = {shipment.node_id for shipment in decision.shipments}
    assert len(nodes) <= 1
    assert not (decision.shipments and decision.backordered)


@PROPERTY
@given(instances(), st.booleans())
def test_every_plan_honours_every_constraint_of_its_rule_set(
    instance: Instance, heuristic_only: bool
) -> None:
    net, the_order, stock, used, rule_set = instance
    # Local search alone, as for large orders, must keep to the rules just the same.
    options = SearchOptions(exact_max_demands=0) if heuristic_only else None
    decision = route(the_order, net, stock, used, rule_set, options=options)
    context = prepare(the_order, net, stock, used, rule_set).context
    assert breaches(decision.plan, context) == ()
    assert _accounted(decision, net) == _ordered(the_order, net)


@PROPERTY
@given(instances(), st.data())
def test_the_linear_floor_never_exceeds_what_a_node_charges(
    instance: Instance, data: st.DataObject
) -> None:
    problem = _unreduced(instance)
    by_volume = uses_dimensional_weight(problem.demands)
    for facts in problem.candidates:
        floor = cost_floor(facts, problem.pricer, by_volume)
        counts = tuple(data.draw(st.integers(0, d.quantity)) for d in problem.demands)
        cost = problem.node_cost(facts.index, counts)
        if cost is None or not any(counts):
            continue
        packed = [parcel for parcel in cost.parcels if not parcel.ship_alone]
        alone = sum(parcel.objective for parcel in cost.parcels if parcel.ship_alone)
        if packed:
            assert packed[0].objective >= floor.fixed + floor.packed_floor(counts) - 1e-9
        assert alone == pytest.approx(sum(floor.alone[i] * c for i, c in enumerate(counts)))


@PROPERTY
@given(instances())
def test_on_request_the_runner_up_is_proven_too(instance: Instance) -> None:
    net, the_order, stock, used, rule_set = instance
    options = SearchOptions(exact_runner_up=True, explain_constraints=False)
    explanation = route(the_order, net, stock, used, rule_set, options=options).explanation
    best, runner_up = _brute_force_podium(_unreduced(instance))
    assert explanation.search.runner_up_proven
    assert explanation.chosen.node_ids == best.node_ids
    rejected = explanation.best_rejected
    if runner_up is None:
        assert rejected is None
    else:
        assert rejected is not None
        summary = rejected.summary
        assert (summary.backordered_units, summary.objective) == (
            runner_up.backordered_units,
            runner_up.objective,
        )
        assert summary.node_ids == runner_up.node_ids
