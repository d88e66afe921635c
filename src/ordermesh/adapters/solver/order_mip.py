"""One order as a HiGHS MIP: the ``Strategy`` for large (B2B) orders beyond exact search.

Branch and bound proves the optimum of ordinary orders (up to 12 demands and 60 units); a
larger order goes to local search alone. ``highs_strategy`` gives such an order an exact
solve too, under a time limit: the order's ``Problem`` as the parcel model of
``routing_mip`` (the batch policy's and the hindsight optimum's), priced exactly as
``Pricer`` prices a node:

- X[n,d] integer units of demand d at candidate n, at its per-unit terms: handling per
  unit, CO2e by weight, opportunity price, ship-alone parcels (priced whole by the
  pricer, each one a parcel), less the contribution under the margin goal;
- per candidate n and service s it may use (or the pickup), one possible packed parcel
  (``Builder.parcel``): base rate, rate per billable pound, handling per parcel, the
  store, capacity, CO2e last-mile and late penalties and the split penalty; a node packs
  into at most one of them, and the units of demand d at n are spread over them;
- units per SKU within a node's stock, parcels within its capacity left and
  ``max_shipments``; each unit left unfilled costs more than any plan, so the solve fills
  all it can first, as the ranking does.

Whatever HiGHS returns is scored by ``Problem.score`` and offered beside the local search
plans, so the result is never worse than local search; when HiGHS finds no integer
solution within its work budget (or fails), local search's result stands. The budget is
counted in branch-and-bound nodes, never in seconds (``work.py``): the time limit setting
is converted to nodes, so a busy machine gets the same plan as a quiet one, only later.
The result is not marked exact: the MIP proves the objective (to a 1e-4 gap), not the
tie-breaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ordermesh.adapters.solver.routing_mip import Builder, ParcelItem
from ordermesh.adapters.solver.work import Work
from ordermesh.domain.routing import terms as objective_terms
from ordermesh.domain.routing.local_search import improve, seed
from ordermesh.domain.routing.pricing import NodeFacts
from ordermesh.domain.routing.problem import Assignment, Problem, SearchResult
from ordermesh.domain.routing.rules import PromiseMode
from ordermesh.domain.routing.search import (
    SearchOptions,
    Strategy,
    default_strategy,
    single_node,
)

DEFAULT_TIME_LIMIT_S = 2.0
_UNFILLED = 1_000.0  # per SKU unit left unfilled: more than any plan costs


@dataclass(frozen=True, slots=True)
class _Option:
    """A way a node's packed parcel may travel: shipping base and rate per pound, and the
    late penalty it incurs."""

    base: float
    per_lb: float
    late: float


def _options(problem: Problem, facts: NodeFacts) -> list[_Option]:
    pricer = problem.pricer
    constraints = pricer.rule_set.constraints
    if facts.is_pickup:
        choice = pricer.service(facts, 1)
        if choice is None:
            return []
        return [_Option(0.0, 0.0, objective_terms.late(constraints, choice.late_days))]
    options = []
    for service in pricer.network.services.values():
        rate = service.rates.get(facts.zone)
        transit = service.transit_days.get(facts.zone)
        if rate is None or transit is None:
            continue
        late_days = max(0, transit - facts.allowed_transit_days)
        if late_days and constraints.promise is PromiseMode.REQUIRED:
            continue
        options.append(
            _Option(rate.base, rate.per_lb, objective_terms.late(constraints, late_days))
        )
    # Keep only the options no other one beats on every rate.
    return [
        option
        for option in options
        if not any(
            (other.base, other.per_lb, other.late) < (option.base, option.per_lb, option.late)
            and other.base <= option.base
            and other.per_lb <= option.per_lb
            and other.late <= option.late
            for other in options
        )
    ]


def solve_problem(problem: Problem, work: Work) -> Assignment | None:
    """The MIP's plan for ``problem``, or None when HiGHS has none within ``work``."""
    pricer = problem.pricer
    rule_set = pricer.rule_set
    objective = rule_set.objective
    co2e = pricer.network.co2e
    separate = rule_set.constraints.ship_alone
    demands = problem.demands
    b = Builder()
    unit_cols: dict[tuple[int, int], int] = {}  # (candidate, demand) -> X
    demand_terms: list[list[tuple[int, float]]] = [[] for _ in demands]
    parcel_terms: list[tuple[int, float]] = []
    for facts in problem.candidates:
        node = facts.node
        alone_here = separate and not facts.is_pickup
        per_parcel = (
            node.handling.per_shipment
            + objective_terms.per_parcel(objective, facts, co2e)
            + problem.split_penalty
        )
        per_lb_co2e = objective_terms.co2e_per_lb(objective, facts, co2e)
        node_parcels: list[tuple[int, float]] = []
        sku_terms: dict[str, list[tuple[int, float]]] = {}
        packed: list[tuple[int, int, float, float]] = []  # (demand, X, weight, volume)
        for d, demand in enumerate(demands):
            most = min(
                [demand.quantity]
                + [facts.stock.get(sku.id, 0) // per_unit for sku, per_unit in demand.kit]
            )
            if most <= 0:
                continue
            cost = 0.0
            alone_parcels = 0
            weight = volume = 0.0
            for sku, per_unit in demand.kit:
                if alone_here and sku.ship_alone:
                    single = pricer.alone_parcel(facts, sku)
                    if single is None:
                        cost = math.inf
                        break
                    cost += per_unit * (single.objective + problem.split_penalty)
                    alone_parcels += per_unit
                    continue
                price = pricer.opportunity.get((node.id, sku.id), 0.0)
                cost += per_unit * (node.handling.per_unit + price)
                cost += per_unit * sku.weight_lb * per_lb_co2e
                weight += per_unit * sku.weight_lb
                volume += per_unit * sku.volume_in3
            if math.isinf(cost):
                continue
            if problem.margin:
                cost -= demand.contribution
            x = b.col(cost, float(most))
            unit_cols[(facts.index, d)] = x
            demand_terms[d].append((x, 1.0))
            for sku, per_unit in demand.kit:
                sku_terms.setdefault(sku.id, []).append((x, float(per_unit)))
            if alone_parcels:
                node_parcels.append((x, float(alone_parcels)))
            if (
                weight
                or volume
                or any(not (alone_here and sku.ship_alone) for sku, _ in demand.kit)
            ):
                packed.append((d, x, weight, volume))
        if packed:
            weight = sum(b.upper[x] * w for _, x, w, _ in packed)
            volume = sum(b.upper[x] * v for _, x, _, v in packed)
            max_lb = float(math.ceil(max(weight, volume / 139.0, 1.0)) + 1)
            spread: dict[int, list[tuple[int, float]]] = {x: [(x, -1.0)] for _, x, _, _ in packed}
            ys: list[tuple[int, float]] = []
            for option in _options(problem, facts):
                items = [ParcelItem(0.0, b.upper[x], w, v) for _, x, w, v in packed]
                y, _, xs = b.parcel(
                    option.base - option.per_lb + per_parcel + option.late,
                    option.per_lb,
                    max_lb,
                    items,
                )
                ys.append((y, 1.0))
                for (_, x, _, _), part in zip(packed, xs, strict=True):
                    spread[x].append((part, 1.0))
            for terms in spread.values():
                b.row(terms, 0.0, 0.0)  # X[n,d] = its units in the node's packed parcel
            if ys:
                b.row(ys, 0.0, 1.0)  # one packed parcel per node
            node_parcels.extend(ys)
        for sku_id, terms in sku_terms.items():
            b.row(terms, -math.inf, float(facts.stock.get(sku_id, 0)))
        if facts.remaining_capacity is not None and node_parcels:
            b.row(node_parcels, -math.inf, float(facts.remaining_capacity))
        parcel_terms.extend(node_parcels)
    # The same price for every SKU unit left unfilled, above anything shipping one earns,
    # so the solve backorders as few units as it can and then ranks by the objective.
    unfilled = _UNFILLED
    if problem.margin:
        unfilled += sum(max(0.0, d.contribution) * d.quantity for d in demands)
    for d, demand in enumerate(demands):
        u = b.col(demand.sku_units * unfilled, float(demand.quantity), integer=False)
        b.row([*demand_terms[d], (u, 1.0)], float(demand.quantity), float(demand.quantity))
    if problem.max_parcels is not None and parcel_terms:
        b.row(parcel_terms, -math.inf, float(problem.max_parcels))
    run = b.solve(work)
    if not run.feasible:
        return None
    plan: dict[int, list[int]] = {}
    for (index, d), x in unit_cols.items():
        units = round(run.values[x])
        if units > 0:
            plan.setdefault(index, [0] * len(demands))[d] = units
    return tuple((index, tuple(counts)) for index, counts in sorted(plan.items()))


def mip_search(problem: Problem, options: SearchOptions, work: Work) -> SearchResult:
    """Local search, then the MIP, each plan judged by ``Problem.score``."""
    if problem.ship_complete:
        return single_node(problem, options)
    podium, tried = seed(problem)
    result = improve(problem, podium, options.local_search_rounds, tried)
    try:
        assignment = solve_problem(problem, work)
    except Exception:  # the solver is optional: local search stands
        assignment = None
    scored = None if assignment is None else problem.scored(assignment)
    if scored is None:
        return result
    before = result.podium.best
    result.podium.offer(scored)
    if result.podium.best is scored and (before is None or scored.score.key < before.score.key):
        result.strategy = "local_search+highs"
    result.expansions += 1
    return result


def solves(problem: Problem, options: SearchOptions) -> bool:
    """Whether ``highs_strategy`` runs the MIP on ``problem``: an order beyond the
    exact-search limits, not shipped complete. Any other goes to the default strategy."""
    units = sum(demand.quantity for demand in problem.demands)
    small = len(problem.demands) <= options.exact_max_demands and units <= options.exact_max_units
    return not (problem.ship_complete or small)


def highs_strategy(time_limit: float = DEFAULT_TIME_LIMIT_S) -> Strategy:
    """The default strategy for orders within the exact-search limits (branch and bound),
    and local search plus a HiGHS solve beyond them, within the work ``time_limit``
    nominal seconds stand for (``Work.for_seconds``)."""
    work = Work.for_seconds(time_limit)

    def strategy(problem: Problem, options: SearchOptions) -> SearchResult:
        if solves(problem, options):
            return mip_search(problem, options, work)
        return default_strategy(problem, options)

    return strategy
