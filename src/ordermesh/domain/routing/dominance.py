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

from ordermesh.domain.model import ShippingService
from ordermesh.domain.network import Network
from ordermesh.domain.routing import terms as objective_terms
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
    services = sorted(network.services.values(), key=lambda s: s.id)
    rates: dict[tuple[int, int], tuple[float, ...]] = {}
    units: dict[str, int] = {}
    for demand in demands:
        for sku, per_unit in demand.kit:
            units[sku.id] = units.get(sku.id, 0) + demand.quantity * per_unit
    need = sorted(units.items())  # units of each SKU the order needs, by SKU id
    most_parcels = sum(demand.quantity * demand.sku_units for demand in demands) + 1
    profiles = sorted(
        (
            _profile(facts, need, most_parcels, services, rates, rule_set, opportunity)
            for facts in candidates
        ),
        key=lambda profile: profile.rank,
    )
    # Each test a dominator must pass, as a bit set over the profiles (bit = position in
    # rank order) for each node: the nodes no dearer on one cost term, holding as much of
    # one SKU, with as much capacity, winning the tie-break. A node's dominators are the
    # intersection, which a few big-integer ANDs give where comparing pairs took a third
    # of a 50-node decision's time. Dominators rank strictly earlier, so the first
    # ``needed`` bits are the dominators the pairwise scan in rank order found.
    if not profiles:
        return Reduction((), {})
    masks = [(1 << position) - 1 for position in range(len(profiles))]  # earlier in rank order
    _intersect(masks, _ties([profile.facts.tie_key for profile in profiles]))
    _intersect(masks, _at_most([-profile.capacity for profile in profiles]))
    for term in range(len(profiles[0].stock)):
        _intersect(masks, _at_most([-profile.stock[term] for profile in profiles]))
    for term in range(len(profiles[0].costs)):
        _intersect(masks, _at_most([profile.costs[term] for profile in profiles]))
    needed = max_nodes + 1
    dominated: dict[str, tuple[str, ...]] = {}
    for position, profile in enumerate(profiles):
        found = masks[position]
        if found.bit_count() < needed:
            continue
        first: list[str] = []
        while len(first) < needed:
            lowest = found & -found
            first.append(profiles[lowest.bit_length() - 1].facts.node.id)
            found ^= lowest
        dominated[profile.facts.node.id] = tuple(first)
    kept = [facts for facts in candidates if facts.node.id not in dominated]
    return Reduction(
        kept=tuple(replace(facts, index=index) for index, facts in enumerate(kept)),
        dominated=dominated,
    )


def _service_terms(
    services: Sequence[ShippingService], facts: NodeFacts, rule_set: RuleSet
) -> tuple[float, ...]:
    """Base rate, rate per pound and late penalty of every service, in service id order
    (infinite when the service is not usable): they depend on zone and days left only."""
    constraints = rule_set.constraints
    costs: list[float] = []
    for service in services:
        rate = service.rates.get(facts.zone)
        transit = service.transit_days.get(facts.zone)
        usable = rate is not None and transit is not None
        if usable and constraints.promise is PromiseMode.REQUIRED:
            usable = transit is not None and transit <= facts.allowed_transit_days
        if rate is None or transit is None or not usable:
            costs.extend((inf, inf, inf))
            continue
        late = max(0, transit - facts.allowed_transit_days)
        costs.extend((rate.base, rate.per_lb, objective_terms.late(constraints, late)))
    return tuple(costs)


def _profile(
    facts: NodeFacts,
    need: Sequence[tuple[str, int]],
    most_parcels: int,
    services: Sequence[ShippingService],
    rates: dict[tuple[int, int], tuple[float, ...]],
    rule_set: RuleSet,
    opportunity: Mapping[tuple[str, str], float] | None,
) -> _Profile:
    node = facts.node
    objective = rule_set.objective
    costs: list[float] = [node.handling.per_shipment, node.handling.per_unit]
    key = (facts.zone, facts.allowed_transit_days)
    terms = rates.get(key)
    if terms is None:
        terms = rates[key] = _service_terms(services, facts, rule_set)
    costs.extend(terms)
    costs.extend(objective_terms.node_features(objective, facts))
    if opportunity:
        # Shadow prices differ per node and SKU: a dominator must take every unit as cheaply.
        costs.extend(opportunity.get((node.id, sku), 0.0) for sku, _ in need)
    capacity = facts.remaining_capacity
    return _Profile(
        facts=facts,
        costs=tuple(costs),
        stock=tuple(min(facts.stock.get(sku, 0), units) for sku, units in need),
        capacity=most_parcels if capacity is None else min(capacity, most_parcels),
        rank=(
            sum(1 for cost in costs if isinf(cost)),
            sum(cost for cost in costs if not isinf(cost)),
            facts.tie_key,
        ),
    )


def _at_most(values: Sequence[float]) -> list[int]:
    """Per position, the bit set of the positions whose value is no higher."""
    order = sorted(range(len(values)), key=values.__getitem__)
    sets = [0] * len(values)
    reached = 0
    start = 0
    while start < len(order):
        end = start
        value = values[order[start]]
        while end < len(order) and values[order[end]] == value:
            reached |= 1 << order[end]
            end += 1
        for position in order[start:end]:
            sets[position] = reached
        start = end
    return sets


def _ties(keys: Sequence[tuple[int, str]]) -> list[int]:
    """Per position, the bit set of the positions whose (priority, id) comes first."""
    sets = [0] * len(keys)
    reached = 0
    for position in sorted(range(len(keys)), key=keys.__getitem__):
        sets[position] = reached
        reached |= 1 << position
    return sets


def _intersect(masks: list[int], sets: Sequence[int]) -> None:
    for position, bits in enumerate(sets):
        masks[position] &= bits
