"""``route``: the cheapest plan for one order that honours its rule set, and why.

Load, then decide: the caller gathers the network, the stock available to sell and the
shipments each node has made today, and this pure function decides. The steps:

1. expand the order into demands (bundles into components, or whole kits);
2. screen every node through the filters, then drop the nodes that cannot meet the
   promise; the rest are candidates;
3. set aside dominated candidates (``dominance``), which never changes the result;
4. search: a single node under ship complete; otherwise local search finds good plans
   quickly, and for ordinary orders an exact branch and bound, seeded with them, proves
   the best one (falling back to local search if it exhausts its budget). A ``Strategy``
   is any function from a ``Problem`` to a ``SearchResult``, and ``Problem.score`` is
   the one ranking all of them use, so a solver (HiGHS) can be plugged in alongside;
5. turn the best plan into parcels and backorders, and explain the decision.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.errors import Problem as InputProblem
from ordermesh.domain.model import Calendar
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.promise import DEFAULT_CARRIER_CALENDAR
from ordermesh.domain.routing.branch_and_bound import branch_and_bound
from ordermesh.domain.routing.candidates import Gathering, Promise, gather
from ordermesh.domain.routing.constraints import breaches
from ordermesh.domain.routing.context import RoutingContext
from ordermesh.domain.routing.decision import Decision
from ordermesh.domain.routing.demand import Demand, expand_order
from ordermesh.domain.routing.dominance import max_nodes_per_plan, reduce_candidates
from ordermesh.domain.routing.explain import (
    Explanation,
    LostBy,
    NodeStatus,
    NodeVerdict,
    PlanSummary,
    RejectedPlan,
    SearchSummary,
    why_it_lost,
)
from ordermesh.domain.routing.local_search import improve, seed
from ordermesh.domain.routing.one_node_bound import one_node_bound
from ordermesh.domain.routing.pricing import NodeFacts, Pricer
from ordermesh.domain.routing.problem import Podium, Problem, Scored, SearchResult
from ordermesh.domain.routing.rules import DEFAULT_RULE_SET, Goal, RuleSet
from ordermesh.domain.routing.shipments import summarise


@dataclass(frozen=True, slots=True)
class SearchOptions:
    # Orders beyond these sizes go to local search alone: exact search grows with them.
    exact_max_demands: int = 12
    exact_max_units: int = 60
    # Branch-and-bound nodes to expand before settling for the best plan seen.
    expansion_budget: int = 100_000
    # Prune against the runner-up rather than the best plan, so the explanation's
    # runner-up is proven too; the search then grows by about half on large orders.
    exact_runner_up: bool = False
    local_search_rounds: int = 200
    seed_rounds: int = 3  # local moves before branch and bound, which is exact anyway
    # Search again without ship complete, max shipments and bundle kits, to tell in the
    # explanation what those constraints cost. Doubles the work when they are set.
    explain_constraints: bool = True


Strategy = Callable[[Problem, SearchOptions], SearchResult]


def single_node(problem: Problem, options: SearchOptions) -> SearchResult:
    """Ship complete: every node that can ship the whole order alone, or nothing."""
    podium = Podium()
    everything = tuple(demand.quantity for demand in problem.demands)
    for plan in [(), *(((facts.index, everything),) for facts in problem.candidates)]:
        scored = problem.scored(plan)
        if scored is not None:
            podium.offer(scored)
    return SearchResult(podium, "single_node", True, len(problem.candidates) + 1)


def default_strategy(problem: Problem, options: SearchOptions) -> SearchResult:
    if problem.ship_complete:
        return single_node(problem, options)
    podium, tried = seed(problem)
    units = sum(demand.quantity for demand in problem.demands)
    if len(problem.demands) > options.exact_max_demands or units > options.exact_max_units:
        return improve(problem, podium, options.local_search_rounds, tried)
    # A few local moves give branch and bound a good incumbent to prune against.
    heuristic = improve(problem, podium, options.seed_rounds, tried)
    # The heuristic's plans are the incumbents branch and bound has to beat.
    seeds = [plan for plan in (podium.best, podium.runner_up) if plan is not None]
    result = branch_and_bound(problem, seeds, options.expansion_budget, options.exact_runner_up)
    result.expansions += heuristic.expansions
    if result.exact:
        return result
    # Out of budget: polish the best plan branch and bound found with local moves.
    polished = improve(problem, result.podium, options.local_search_rounds)
    polished.strategy = "branch_and_bound+local_search"
    polished.expansions += result.expansions
    return polished


def solve(
    demands: tuple[Demand, ...],
    candidates: Sequence[NodeFacts],
    context: RoutingContext,
    promise: Promise,
    options: SearchOptions,
    strategy: Strategy,
) -> tuple[Problem, SearchResult, Mapping[str, tuple[str, ...]]]:
    """The best plan: settled on one node when the bound proves no split can beat it
    (most orders), else by ``strategy`` over the candidates left after dominance.
    Returns the problem the plans index into, the result, and the dominated nodes."""
    problem, _ = problem_for(demands, candidates, context, promise, reduce=False)
    if not problem.ship_complete:
        settled = one_node_bound(problem)
        if settled.best_proven and (settled.runner_up_proven or not options.exact_runner_up):
            result = SearchResult(
                settled.podium,
                "one_node_bound",
                True,
                settled.plans_tried,
                runner_up_exact=settled.runner_up_proven,
            )
            return problem, result, {}
    problem, dominated = problem_for(demands, candidates, context, promise)
    return problem, strategy(problem, options), dominated


def route(
    order: Order,
    network: Network,
    stock: Mapping[tuple[str, str], int],
    capacity_used: Mapping[str, int],
    rule_set: RuleSet = DEFAULT_RULE_SET,
    placed_at: datetime | None = None,
    *,
    carrier_calendar: Calendar | None = None,
    options: SearchOptions | None = None,
    strategy: Strategy = default_strategy,
    opportunity_cost: Mapping[tuple[str, str], float] | None = None,
) -> Decision:
    """Decide which nodes ship which units of ``order``.

    ``stock`` is available to sell per (node id, SKU), net of reservations and safety
    stock (the channel buffer is applied here); ``capacity_used`` is the shipments each
    node has already made today; ``placed_at`` defaults to the order's own time.
    ``opportunity_cost`` prices each unit taken from a node per (node id, SKU), on top of
    the objective (the inventory-aware policy's shadow prices); it shows in each parcel's
    ``penalties.opportunity``, never in its delivered cost.
    """
    options = options or SearchOptions()
    gathering = prepare(
        order,
        network,
        stock,
        capacity_used,
        rule_set,
        placed_at,
        carrier_calendar,
        opportunity_cost=opportunity_cost,
    )
    context = gathering.context
    promise = gathering.promise
    candidates = gathering.candidates
    problem, result, dominated = solve(
        context.demands, candidates, context, promise, options, strategy
    )
    best = result.podium.best
    assert best is not None, "backordering everything is always a feasible plan"
    chosen = _summary(problem, best, context, promise, candidates)
    rejected = _best_rejected(
        problem, result, chosen, context, promise, candidates, options, strategy
    )
    explanation = Explanation(
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        goal=str(rule_set.objective.goal),
        promised_by=promise.date,
        promise_source=promise.source,
        search=SearchSummary(
            strategy=result.strategy,
            exact=result.exact,
            expansions=result.expansions,
            candidates=len(candidates),
            searched=len(problem.candidates),
            runner_up_proven=result.runner_up_exact
            or (result.exact and (options.exact_runner_up or result.strategy == "single_node")),
        ),
        nodes=_verdicts(gathering, dominated, chosen),
        chosen=chosen,
        best_rejected=rejected,
    )
    plan = chosen.plan
    return Decision(
        order_id=order.id,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        shipments=plan.shipments,
        backordered=plan.backordered,
        total_cost=plan.delivered_cost,
        penalties=plan.penalties,
        objective=chosen.objective,
        margin=_contribution(problem, best) - plan.delivered_cost,
        promised_by=promise.date,
        explanation=explanation,
    )


def prepare(
    order: Order,
    network: Network,
    stock: Mapping[tuple[str, str], int],
    capacity_used: Mapping[str, int],
    rule_set: RuleSet = DEFAULT_RULE_SET,
    placed_at: datetime | None = None,
    carrier_calendar: Calendar | None = None,
    *,
    opportunity_cost: Mapping[tuple[str, str], float] | None = None,
) -> Gathering:
    """Check the order, expand it, screen every node and gather the candidates."""
    _check(order, network, placed_at)
    demands = expand_order(order, network, rule_set.constraints.keep_bundles_together)
    context = RoutingContext.build(
        order=order,
        network=network,
        rule_set=rule_set,
        placed_at=placed_at or order.placed_at,
        demands=demands,
        stock=stock,
        capacity_used=capacity_used,
        carrier_calendar=carrier_calendar or DEFAULT_CARRIER_CALENDAR,
        opportunity_cost=opportunity_cost,
    )
    return gather(context)


def _check(order: Order, network: Network, placed_at: datetime | None) -> None:
    """Refuse an order the router cannot read, listing every problem at once."""
    problems: list[InputProblem] = []
    if not order.lines:
        problems.append(InputProblem("lines", "an order needs at least one line"))
    seen: set[str] = set()
    for index, line in enumerate(order.lines):
        where = f"lines[{index}]"
        if line.line_id in seen:
            problems.append(InputProblem(f"{where}.line_id", f"duplicate line id {line.line_id!r}"))
        seen.add(line.line_id)
        if not network.is_sellable(line.item):
            problems.append(InputProblem(f"{where}.item", f"unknown SKU or bundle {line.item!r}"))
        if line.quantity < 1:
            problems.append(InputProblem(f"{where}.quantity", "must be >= 1"))
    if order.channel not in network.channels:
        problems.append(InputProblem("channel", f"unknown channel {order.channel!r}"))
    if order.service_level not in network.service_levels:
        problems.append(
            InputProblem("service_level", f"unknown service level {order.service_level!r}")
        )
    pickup = order.ship_to.pickup_node
    if pickup is not None and pickup not in network.nodes:
        problems.append(InputProblem("ship_to.pickup_node", f"unknown node {pickup!r}"))
    moment = placed_at or order.placed_at
    if moment.tzinfo is None or moment.utcoffset() is None:
        problems.append(InputProblem("placed_at", "must be timezone-aware"))
    if problems:
        raise InvalidInput(f"order {order.id}", problems)


def problem_for(
    demands: tuple[Demand, ...],
    candidates: Sequence[NodeFacts],
    context: RoutingContext,
    promise: Promise,
    reduce: bool = True,
) -> tuple[Problem, Mapping[str, tuple[str, ...]]]:
    """The search problem over ``candidates``, after dominance unless ``reduce`` is off;
    also returns the dominated nodes and their dominators."""
    rule_set = context.rule_set
    constraints = rule_set.constraints
    kept = tuple(candidates)
    dominated: Mapping[str, tuple[str, ...]] = {}
    if reduce:
        reduction = reduce_candidates(
            candidates,
            demands,
            context.network,
            rule_set,
            max_nodes_per_plan(demands, constraints.ship_complete, constraints.max_shipments),
            context.opportunity_cost,
        )
        kept, dominated = reduction.kept, reduction.dominated
    problem = Problem(
        demands=demands,
        candidates=kept,
        pricer=Pricer(
            network=context.network,
            rule_set=rule_set,
            demands=demands,
            deadline=promise.date,
            carrier_calendar=context.carrier_calendar,
            opportunity=context.opportunity_cost,
        ),
        max_parcels=constraints.max_shipments,
        ship_complete=constraints.ship_complete,
        split_penalty=rule_set.objective.split_penalty,
        margin=rule_set.objective.goal is Goal.MAX_MARGIN,
    )
    return problem, dominated


def _summary(
    problem: Problem,
    scored: Scored,
    context: RoutingContext,
    promise: Promise,
    candidates: Sequence[NodeFacts],
) -> PlanSummary:
    waiting = problem.ship_complete and not scored.assignment
    return summarise(problem, scored, context, promise.date, candidates, waiting)


def _contribution(problem: Problem, scored: Scored) -> float:
    total = 0.0
    for _, counts in scored.assignment:
        for demand, count in zip(problem.demands, counts, strict=True):
            total += demand.contribution * count
    return total


def _best_rejected(
    problem: Problem,
    result: SearchResult,
    chosen: PlanSummary,
    context: RoutingContext,
    promise: Promise,
    candidates: Sequence[NodeFacts],
    options: SearchOptions,
    strategy: Strategy,
) -> RejectedPlan | None:
    """A cheaper plan the rule set's constraints forbid, if there is one; else the
    runner-up: the best feasible plan on a different set of nodes."""
    best = result.podium.best
    assert best is not None
    constraints = context.rule_set.constraints
    binding = (
        constraints.ship_complete
        or constraints.max_shipments is not None
        or constraints.keep_bundles_together
    )
    if options.explain_constraints and binding:
        free = replace(
            context.rule_set,
            constraints=replace(
                constraints, ship_complete=False, max_shipments=None, keep_bundles_together=False
            ),
        )
        demands = expand_order(context.order, context.network, keep_bundles_together=False)
        relaxed, found_by, _ = solve(
            demands, candidates, replace(context, rule_set=free), promise, options, strategy
        )
        found = found_by.podium.best
        if found is not None and found.score.key[:2] < best.score.key[:2]:
            summary = _summary(relaxed, found, context, promise, candidates)
            broken = breaches(summary.plan, context)
            if broken:
                difference = summary.objective - chosen.objective
                named = "; ".join(f"{name}: {how}" for name, how in broken)
                return RejectedPlan(
                    summary=summary,
                    lost_by=LostBy.CONSTRAINT,
                    objective_difference=difference,
                    reason=f"ranks better by {-difference:.2f} but breaks {named}",
                    breaches=broken,
                )
    runner_up = result.podium.runner_up
    if runner_up is None:
        return None
    summary = _summary(problem, runner_up, context, promise, candidates)
    lost_by, reason = why_it_lost(chosen, summary)
    return RejectedPlan(
        summary=summary,
        lost_by=lost_by,
        objective_difference=summary.objective - chosen.objective,
        reason=reason,
    )


def _verdicts(
    gathering: Gathering,
    dominated: Mapping[str, tuple[str, ...]],
    chosen: PlanSummary,
) -> tuple[NodeVerdict, ...]:
    by_id = {facts.node.id: facts for facts in gathering.passed}
    used = set(chosen.node_ids)
    verdicts = []
    for node_id, screening in sorted(gathering.screenings.items()):
        miles = gathering.context.distances[node_id]
        facts = by_id.get(node_id)
        if facts is None:
            verdicts.append(
                NodeVerdict(
                    node_id,
                    NodeStatus.REMOVED,
                    miles,
                    removed_by=screening.removed_by,
                    reason=screening.reason,
                )
            )
            continue
        removed = gathering.missed.get(node_id)
        status = NodeStatus.CHOSEN if node_id in used else NodeStatus.CANDIDATE
        verdicts.append(
            NodeVerdict(
                node_id,
                NodeStatus.REMOVED if removed else status,
                miles,
                removed_by="promise" if removed else None,
                reason=removed,
                zone=facts.zone,
                ship_date=facts.ship_date,
                dominated_by=dominated.get(node_id, ()),
            )
        )
    return tuple(verdicts)
