"""The search problem of one order, and the one function that scores a plan.

A plan is an assignment: for each node used, how many units of each demand it ships.
Every strategy (exact, heuristic, a future solver) proposes assignments and lets
``Problem.score`` judge them, so they all optimise exactly the same thing.

Plans are ranked by, in order: fewer backordered units (a router ships what it can), the
objective (delivered cost plus penalties, less contribution under the margin goal), fewer
parcels, lower node priorities, then node ids: a total order, so the choice is
deterministic.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.pricing import NodeCost, NodeFacts, Pricer

Counts = tuple[int, ...]  # units per demand, aligned with Problem.demands
Assignment = tuple[tuple[int, Counts], ...]  # (candidate index, counts), by index, non-empty

# Objectives are sums of floats; rounding keeps float noise from deciding a tie that the
# tie-breaks should decide.
OBJECTIVE_DECIMALS = 6


@dataclass(frozen=True, slots=True)
class Score:
    backordered_units: int
    objective: float
    parcels: int
    priorities: tuple[int, ...]
    node_ids: tuple[str, ...]

    @property
    def key(self) -> tuple[int, float, int, tuple[int, ...], tuple[str, ...]]:
        return (
            self.backordered_units,
            self.objective,
            self.parcels,
            self.priorities,
            self.node_ids,
        )


@dataclass(frozen=True, slots=True)
class Scored:
    assignment: Assignment
    score: Score

    @property
    def node_set(self) -> frozenset[int]:
        return frozenset(index for index, _ in self.assignment)


@dataclass
class Problem:
    demands: tuple[Demand, ...]
    candidates: tuple[NodeFacts, ...]  # sorted by node id; NodeFacts.index is the position
    pricer: Pricer
    max_parcels: int | None
    ship_complete: bool
    split_penalty: float
    margin: bool  # maximise margin: subtract the contribution of the units shipped

    @property
    def empty_counts(self) -> Counts:
        return (0,) * len(self.demands)

    @property
    def separates_ship_alone(self) -> bool:
        """Ship-alone SKUs travel in parcels of their own: the rule set says so and the
        order is not picked up (pickup is the order's, so every candidate agrees)."""
        return self.pricer.rule_set.constraints.ship_alone and not any(
            facts.is_pickup for facts in self.candidates
        )

    @property
    def has_alone_parcels(self) -> bool:
        """Whether some unit of the order travels in a parcel of its own."""
        return self.separates_ship_alone and any(
            sku.ship_alone for demand in self.demands for sku, _ in demand.kit
        )

    def units_fit(self, facts: NodeFacts, counts: Counts) -> bool:
        needed: dict[str, int] = {}
        for demand, count in zip(self.demands, counts, strict=True):
            if not count:
                continue
            for sku, per_unit in demand.kit:
                needed[sku.id] = needed.get(sku.id, 0) + count * per_unit
        stock = facts.stock
        return all(stock.get(sku, 0) >= units for sku, units in needed.items())

    def node_cost(self, index: int, counts: Counts) -> NodeCost | None:
        return self.pricer.node_cost(self.candidates[index], counts)

    def plan_objective(self, costs: Iterable[NodeCost], placed: Counts) -> tuple[float, int]:
        """Objective and parcel count of a plan from its node costs (in candidate order)."""
        objective = 0.0
        parcels = 0
        for cost in costs:
            objective += cost.objective
            parcels += cost.parcel_count
        if parcels > 1:
            objective += self.split_penalty * (parcels - 1)
        if self.margin:
            for demand, units in zip(self.demands, placed, strict=True):
                objective -= demand.contribution * units
        return objective, parcels

    def score(self, assignment: Assignment) -> Score | None:
        """The rank of a plan, or None when it breaks a hard rule: more units than a
        node holds, more parcels than allowed or than a node can ship today, or ship
        complete not honoured."""
        placed = [0] * len(self.demands)
        costs: list[NodeCost] = []
        for index, counts in assignment:
            facts = self.candidates[index]
            if not self.units_fit(facts, counts):
                return None
            cost = self.node_cost(index, counts)
            if cost is None:
                return None
            costs.append(cost)
            for position, count in enumerate(counts):
                placed[position] += count
        backordered = 0
        for demand, units in zip(self.demands, placed, strict=True):
            if units > demand.quantity:
                return None
            backordered += (demand.quantity - units) * demand.sku_units
        if self.ship_complete and assignment and (len(assignment) > 1 or backordered):
            return None
        objective, parcels = self.plan_objective(costs, tuple(placed))
        if self.max_parcels is not None and parcels > self.max_parcels:
            return None
        used = [self.candidates[index] for index, _ in assignment]
        return Score(
            backordered_units=backordered,
            objective=round(objective, OBJECTIVE_DECIMALS),
            parcels=parcels,
            priorities=tuple(sorted(facts.node.priority for facts in used)),
            node_ids=tuple(sorted(facts.node.id for facts in used)),
        )

    def scored(self, assignment: Assignment) -> Scored | None:
        score = self.score(assignment)
        return None if score is None else Scored(assignment, score)


@dataclass
class Podium:
    """The best plan and the best plan on a different set of nodes (the runner-up)."""

    best: Scored | None = None
    runner_up: Scored | None = None

    def offer(self, candidate: Scored) -> None:
        best = self.best
        if best is None or candidate.score.key < best.score.key:
            if best is not None and best.node_set != candidate.node_set:
                self.runner_up = best
            self.best = candidate
        elif candidate.node_set != best.node_set and (
            self.runner_up is None or candidate.score.key < self.runner_up.score.key
        ):
            self.runner_up = candidate


@dataclass
class SearchResult:
    """What a strategy found; ``exact`` says the best plan is proven optimal."""

    podium: Podium
    strategy: str
    exact: bool
    expansions: int  # search nodes expanded or plans tried: a measure of effort
    # The runner-up is proven too (the best plan on a different set of nodes).
    runner_up_exact: bool = False
