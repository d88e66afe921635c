"""Settling an order on one node without a search, when a bound proves no split can win.

Most orders are settled this way: one node holds everything the network can ship of the
order, and a second parcel costs more than the best single node saves. The bound: a plan
that fills the same units from two or more nodes pays, for each node it uses, at least
that node's fixed parcel floor (``relaxation``), for each unit at least the lowest
per-unit floor of any candidate, and the split penalty at least once. When the best
single-node plan costs less than that, it is the optimum, and any other single-node plan
under the bound is proven to be the runner-up. Plans that fill fewer units rank below it
whatever they cost, since a router ships what it can.

The bound needs every node used to pay its fixed parcel, which holds when every unit
packs into the node's parcel; an order with ship-alone units is left to the search.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordermesh.domain.routing.problem import Counts, Podium, Problem
from ordermesh.domain.routing.relaxation import CostFloor, cost_floor, uses_dimensional_weight

# Objectives are compared after rounding to 6 decimals: stay clear of a rounded tie.
_MARGIN = 1e-6


@dataclass(frozen=True, slots=True)
class OneNodeBound:
    """The single-node plans that fill every unit the network can, and whether the bound
    proves the best of them, and the runner-up, optimal."""

    podium: Podium
    plans_tried: int
    best_proven: bool
    runner_up_proven: bool


def _holdings(problem: Problem) -> tuple[Counts, list[list[int]]]:
    """Units of each demand the candidates hold between them (up to the quantity ordered),
    and the candidates holding any."""
    placeable = []
    holders = []
    for demand in problem.demands:
        held = 0
        holding = []
        for facts in problem.candidates:
            stock = facts.stock
            units = min(stock.get(sku.id, 0) // per_unit for sku, per_unit in demand.kit)
            if units > 0:
                held += units
                holding.append(facts.index)
        placeable.append(min(demand.quantity, held))
        holders.append(holding)
    return tuple(placeable), holders


def one_node_bound(problem: Problem) -> OneNodeBound:
    """Price every node that can ship all placeable units alone, and bound the rest."""
    placeable, holders = _holdings(problem)
    podium = Podium()
    tried = 0
    if any(placeable):
        for facts in problem.candidates:
            if problem.units_fit(facts, placeable):
                tried += 1
                scored = problem.scored(((facts.index, placeable),))
                if scored is not None:
                    podium.offer(scored)
    best = podium.best
    if best is None or best.score.parcels != 1 or not _packs(problem):
        return OneNodeBound(podium, tried, False, False)
    floor = _split_floor(problem, placeable, holders)
    runner_up = podium.runner_up
    return OneNodeBound(
        podium,
        tried,
        best_proven=best.score.objective < floor - _MARGIN,
        runner_up_proven=runner_up is not None and runner_up.score.objective < floor - _MARGIN,
    )


def _packs(problem: Problem) -> bool:
    """Whether every unit packs into its node's parcel (no ship-alone parcels), and the
    split penalty, which the bound counts once, cannot lower an objective."""
    separate = problem.pricer.rule_set.constraints.ship_alone and not any(
        facts.is_pickup for facts in problem.candidates
    )
    alone = separate and any(sku.ship_alone for demand in problem.demands for sku, _ in demand.kit)
    return problem.split_penalty >= 0 and not alone


def _split_floor(problem: Problem, placeable: Counts, holders: list[list[int]]) -> float:
    """The least objective of any plan placing ``placeable`` from two or more nodes: only
    nodes holding some of the order can be among them."""
    by_volume = uses_dimensional_weight(problem.demands)
    floors: dict[int, CostFloor] = {}
    for index in sorted({index for holding in holders for index in holding}):
        floors[index] = cost_floor(problem.candidates[index], problem.pricer, by_volume)
    fixed = sorted(floor.fixed for floor in floors.values())
    if len(fixed) < 2:
        return float("inf")
    bound = fixed[0] + fixed[1] + problem.split_penalty
    for position, units in enumerate(placeable):
        if not units:
            continue
        bound += units * min(floors[index].packed[position] for index in holders[position])
        if problem.margin:
            bound -= units * problem.demands[position].contribution
    return bound
