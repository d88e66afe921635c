"""Dominance: set aside candidates that cannot appear in the best plan or the runner-up.

Node D dominates node C when, for *any* set of units, shipping them from D costs no more
than from C in every term of the objective and D wins the tie-breaks: its handling, the
rate of every service usable at C, the late penalty, miles (when CO2e is priced), store
and capacity penalties are all no higher; it holds at least as much of every SKU the order
needs (up to what the order needs); it has at least as much capacity left; and its
(priority, id) comes first.

A plan uses at most ``L`` nodes (1 under ship complete, else the fewest of max shipments
and units ordered). If C has more than ``L`` dominators, any plan using C leaves at least
two of them unused, and swapping C for either gives plans that rank strictly better on
different node sets. So neither the best plan nor the runner-up ever needs C, and the
search can leave it out: in a network of 200 nodes where most sit in a handful of zones
with the same rate card, this leaves a few dozen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from math import inf, isinf

from ordermesh.domain.model import NodeType
from ordermesh.domain.network import Network
from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.pricing import NodeFacts
from ordermesh.domain.routing.rules import PromiseMode, RuleSet


@dataclass(frozen=True, slots=True)
class Reduction:
    kept: tuple[NodeFacts, ...]  # re-indexed, still in node id order
    dominated: Mapping[str, tuple[str, ...]]  # node id -> the dominators that ruled it out


@dataclass(frozen=True, slots=True)
class _Profile:
    facts: NodeFacts
    costs: tuple[float, ...]  # every objective term that must be no higher in a dominator
    stock: tuple[int, ...]  # capped at the order's need, must be no lower
    capacity: int  # capped likewise
    rank: tuple[int, float, tuple[int, str]]


def max_nodes_per_plan(
    demands: Sequence[Demand], ship_complete: bool, max_parcels: int | None
) -> int:
    if ship_complete:
        return 1
    units = sum(demand.quantity for demand in demands)
    return units if max_parcels is None else min(units, max_parcels)


def reduce_candidates(
    candidates: Sequence[NodeFacts],
    demands: Sequence[Demand],
    network: Network,
    rule_set: RuleSet,
    max_nodes: int,
    opportunity: Mapping[tuple[str, str], float] | None = None,
) -> Reduction:
    if any(facts.is_pickup for facts in candidates):
        return Reduction(tuple(candidates), {})
    profiles = sorted(
        (_profile(facts, demands, network, rule_set, opportunity) for facts in candidates),
        key=lambda profile: profile.rank,
    )
    # Most nodes share a handful of cost profiles (a zone, a rate card, a handling
    # contract): compare those once, then only stock, capacity and tie-break per node.
    groups: dict[tuple[float, ...], int] = {}
    for profile in profiles:
        groups.setdefault(profile.costs, len(groups))
    vectors = list(groups)
    # Compared lazily, once per pair of groups actually met: most pairs never are, and
    # comparing every pair up front was a third of a 50-node decision's time.
    cheaper: dict[tuple[int, int], bool] = {}

    def no_higher(better: int, worse: int) -> bool:
        known = cheaper.get((better, worse))
        if known is None:
            known = cheaper[(better, worse)] = _no_higher(vectors[better], vectors[worse])
        return known

    group_of = [groups[profile.costs] for profile in profiles]
    needed = max_nodes + 1
    dominated: dict[str, tuple[str, ...]] = {}
    for position, profile in enumerate(profiles):
        # Dominators rank no later: their costs sum no higher and they win the tie-break.
        group = group_of[position]
        found = []
        for earlier_position in range(position):
            earlier = profiles[earlier_position]
            # The stock and tie-break test is cheaper, and fails more often: it goes first.
            if _holds_more(earlier, profile) and no_higher(group_of[earlier_position], group):
                found.append(earlier.facts.node.id)
                if len(found) == needed:
                    dominated[profile.facts.node.id] = tuple(found)
                    break
    kept = [facts for facts in candidates if facts.node.id not in dominated]
    return Reduction(
        kept=tuple(replace(facts, index=index) for index, facts in enumerate(kept)),
        dominated=dominated,
    )


def _profile(
    facts: NodeFacts,
    demands: Sequence[Demand],
    network: Network,
    rule_set: RuleSet,
    opportunity: Mapping[tuple[str, str], float] | None,
) -> _Profile:
    node = facts.node
    objective = rule_set.objective
    constraints = rule_set.constraints
    costs: list[float] = [node.handling.per_shipment, node.handling.per_unit]
    for service in sorted(network.services.values(), key=lambda s: s.id):
        rate = service.rates.get(facts.zone)
        transit = service.transit_days.get(facts.zone)
        usable = rate is not None and transit is not None
        if usable and constraints.promise is PromiseMode.REQUIRED:
            usable = transit is not None and transit <= facts.allowed_transit_days
        if rate is None or transit is None or not usable:
            costs.extend((inf, inf, inf))
            continue
        late = max(0, transit - facts.allowed_transit_days)
        costs.extend((rate.base, rate.per_lb, late * constraints.late_penalty_per_day))
    if objective.co2e_price_per_kg > 0:
        costs.append(facts.miles)
    if objective.store_penalty > 0:
        costs.append(1.0 if node.type is NodeType.STORE else 0.0)
    if objective.capacity_penalty > 0:
        costs.append(facts.capacity_share)
    need: dict[str, int] = {}
    for demand in demands:
        for sku, per_unit in demand.kit:
            need[sku.id] = need.get(sku.id, 0) + demand.quantity * per_unit
    if opportunity:
        # Shadow prices differ per node and SKU: a dominator must take every unit as cheaply.
        costs.extend(opportunity.get((node.id, sku), 0.0) for sku in sorted(need))
    most_parcels = sum(demand.quantity * demand.sku_units for demand in demands) + 1
    capacity = facts.remaining_capacity
    return _Profile(
        facts=facts,
        costs=tuple(costs),
        stock=tuple(min(facts.stock.get(sku, 0), units) for sku, units in sorted(need.items())),
        capacity=most_parcels if capacity is None else min(capacity, most_parcels),
        rank=(
            sum(1 for cost in costs if isinf(cost)),
            sum(cost for cost in costs if not isinf(cost)),
            facts.tie_key,
        ),
    )


def _no_higher(better: tuple[float, ...], worse: tuple[float, ...]) -> bool:
    return all(b <= w for b, w in zip(better, worse, strict=True))


def _holds_more(better: _Profile, worse: _Profile) -> bool:
    return (
        better.facts.tie_key < worse.facts.tie_key
        and better.capacity >= worse.capacity
        and all(b >= w for b, w in zip(better.stock, worse.stock, strict=True))
    )
