"""Settling an order on one node without a search, when a bound proves no split can win.

Most orders are settled this way: one node holds everything the network can ship of the
order, and a second parcel costs more than the best single node saves. The bound: a plan
that fills the same units from two or more nodes pays, for each node it uses, at least
that node's fixed parcel floor (``relaxation``), for each unit at least the lowest
per-unit floor of any candidate, and the split penalty at least once. When the best
single-node plan costs less than that, it is the optimum, and any other single-node plan
under the bound is proven to be the runner-up. Plans that fill fewer units rank below it
whatever they cost, since a router ships what it can.

An order no candidate holds any of is settled too: waiting is the only plan it has.

The bound needs every node used to pay its fixed parcel, which holds when every unit
packs into the node's parcel; an order with ship-alone units is left to the search.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
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
    """Price the nodes that can ship all placeable units alone, cheapest floor first, as
    far as the best and the runner-up need; and bound every plan of two or more nodes."""
    nothing = OneNodeBound(Podium(), 0, False, False)
    if not _packs(problem):
        return nothing
    placeable, holders = _holdings(problem)
    # A node shipping every placeable unit holds some of the first demand it can place.
    first = next((position for position, units in enumerate(placeable) if units), None)
    if first is None:
        # No candidate holds any of it: waiting for stock is the only plan there is.
        podium = Podium()
        waiting = problem.scored(())
        if waiting is None:
            return nothing
        podium.offer(waiting)
        return OneNodeBound(podium, 1, best_proven=True, runner_up_proven=True)
    candidates = problem.candidates
    whole = [i for i in holders[first] if problem.units_fit(candidates[i], placeable)]
    if not whole:
        return nothing
    by_volume = uses_dimensional_weight(problem.demands)
    floors = {
        index: cost_floor(candidates[index], problem.pricer, by_volume)
        for index in sorted({index for holding in holders for index in holding})
    }
    # The units placed, and so the contribution subtracted under the margin goal, are the
    # same in every plan compared here: leave it out of both sides.
    contribution = _contribution(problem, placeable)

    def least(index: int) -> float:
        floor = floors[index]
        return floor.fixed + floor.packed_floor(placeable) - contribution

    podium = Podium()
    tried = 0
    for index in sorted(whole, key=lambda i: (least(i), i)):
        runner_up = podium.runner_up
        if runner_up is not None and least(index) > runner_up.score.objective + _MARGIN:
            break  # this node and every later one rank below both
        tried += 1
        scored = problem.scored(((index, placeable),))
        if scored is not None:
            podium.offer(scored)
    best = podium.best
    if best is None or best.score.parcels != 1:
        return OneNodeBound(podium, tried, False, False)
    split = _split_floor(floors, placeable, holders) + problem.split_penalty - contribution
    runner_up = podium.runner_up
    return OneNodeBound(
        podium,
        tried,
        best_proven=best.score.objective < split - _MARGIN,
        runner_up_proven=runner_up is not None and runner_up.score.objective < split - _MARGIN,
    )


def _contribution(problem: Problem, placeable: Counts) -> float:
    if not problem.margin:
        return 0.0
    return sum(
        units * demand.contribution
        for units, demand in zip(placeable, problem.demands, strict=True)
    )


def _packs(problem: Problem) -> bool:
    """Whether every unit packs into its node's parcel (no ship-alone parcels), and the
    split penalty, which the bound counts once, cannot lower an objective."""
    return problem.split_penalty >= 0 and not problem.has_alone_parcels


def _split_floor(
    floors: Mapping[int, CostFloor], placeable: Counts, holders: list[list[int]]
) -> float:
    """The least cost of any plan placing ``placeable`` from two or more nodes (the split
    penalty aside): only nodes holding some of the order can be among them."""
    fixed = sorted(floor.fixed for floor in floors.values())
    if len(fixed) < 2:
        return math.inf
    bound = fixed[0] + fixed[1]
    for position, units in enumerate(placeable):
        if units:
            bound += units * min(floors[index].packed[position] for index in holders[position])
    return bound
