"""Rule sets: which nodes may fulfil an order, under which constraints, to which objective.

A network declares an ordered list of rule sets; the first whose ``match`` accepts an order
routes it. Every field has the default of the built-in rule set, so a rule set only names
what it changes. The document shape is in docs/routing.md; ``rule_document`` parses it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from ordermesh.domain.model import NodeType
from ordermesh.domain.order import Order


class PromiseMode(StrEnum):
    REQUIRED = "required"  # a node that cannot deliver by the promise date is not used
    LATE_ALLOWED = "late_allowed"  # it may be used, at a penalty per working day late


class Goal(StrEnum):
    MIN_COST = "min_cost"  # delivered cost plus penalties
    MAX_MARGIN = "max_margin"  # price - unit cost - delivered cost - penalties


@dataclass(frozen=True, slots=True)
class Match:
    """Which orders a rule set routes. An empty set accepts anything; ``tags`` accepts an
    order carrying at least one of them."""

    channels: frozenset[str] = frozenset()
    customer_tiers: frozenset[str] = frozenset()
    service_levels: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()

    def accepts(self, order: Order) -> bool:
        return (
            (not self.channels or order.channel in self.channels)
            and (
                not self.customer_tiers
                or (order.customer_tier is not None and order.customer_tier in self.customer_tiers)
            )
            and (not self.service_levels or order.service_level in self.service_levels)
            and (not self.tags or not self.tags.isdisjoint(order.tags))
        )


class WindowState(StrEnum):
    LIVE = "live"  # the window contains the moment asked about
    SCHEDULED = "scheduled"  # it opens later
    ENDED = "ended"  # it closed before


@dataclass(frozen=True, slots=True)
class ActiveWindow:
    """When a rule set routes (promotions, peak periods): from ``start`` included to
    ``until`` excluded, both aware and in the network's time zone; None is unbounded."""

    start: datetime | None = None
    until: datetime | None = None

    def state(self, at: datetime) -> WindowState:
        if self.start is not None and at < self.start:
            return WindowState.SCHEDULED
        if self.until is not None and at >= self.until:
            return WindowState.ENDED
        return WindowState.LIVE

    def contains(self, at: datetime) -> bool:
        return self.state(at) is WindowState.LIVE


@dataclass(frozen=True, slots=True)
class FilterSettings:
    """Settings of the node filters (see ``filters.FILTERS``); empty or None is off.

    Filters that guard correctness (enabled, capability, capacity, hazmat, stock) are
    always on and have no setting, except the stock threshold ``min_ats``.
    """

    node_types_in: frozenset[NodeType] = frozenset()
    node_types_out: frozenset[NodeType] = frozenset()
    countries_in: frozenset[str] = frozenset()
    countries_out: frozenset[str] = frozenset()
    states_in: frozenset[str] = frozenset()
    states_out: frozenset[str] = frozenset()
    max_distance_miles: float | None = None
    open_today: bool = False
    # A (node, SKU) position with fewer units available to sell than this counts as empty:
    # stores with one or two units on the shelf reject many of the orders sent to them.
    min_ats: int = 1
    exclude_stores_for_channels: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Constraints:
    ship_complete: bool = False  # one node ships every unit, or the whole order waits
    max_shipments: int | None = None  # parcels per order, ship-alone parcels included
    keep_bundles_together: bool = False  # one node ships every component of a bundle unit
    ship_alone: bool = True  # honour Sku.ship_alone: such a unit is a parcel of its own
    promise: PromiseMode = PromiseMode.REQUIRED
    late_penalty_per_day: float = 0.0  # per parcel and carrier working day late


@dataclass(frozen=True, slots=True)
class Objective:
    """What a plan costs. Every weight is in the network's currency."""

    goal: Goal = Goal.MIN_COST
    split_penalty: float = 0.0  # per parcel beyond the first
    store_penalty: float = 0.0  # per parcel shipped from a store
    co2e_price_per_kg: float = 0.0
    # Per parcel, times the node's used share of its daily capacity (0 to 1): spreads work
    # away from nodes that are filling up before they reject orders.
    capacity_penalty: float = 0.0


@dataclass(frozen=True, slots=True)
class RuleSet:
    id: str
    version: int = 1
    match: Match = Match()
    filters: FilterSettings = FilterSettings()
    constraints: Constraints = Constraints()
    objective: Objective = Objective()
    description: str = ""
    active: ActiveWindow = ActiveWindow()


# Applies when a network declares no rule set (or none matches): the cheapest delivered
# plan that meets the promise, nothing else.
DEFAULT_RULE_SET = RuleSet(
    id="default",
    version=1,
    description="minimise delivered cost, meet the promise",
)


def select_rule_set(rule_sets: Iterable[RuleSet], order: Order) -> RuleSet:
    """The first rule set whose match accepts the order and whose window contains the time
    it was placed; the built-in default otherwise."""
    for rule_set in rule_sets:
        if rule_set.match.accepts(order) and rule_set.active.contains(order.placed_at):
            return rule_set
    return DEFAULT_RULE_SET


def rule_set_schedule(
    rule_sets: Iterable[RuleSet], at: datetime
) -> list[tuple[RuleSet, WindowState]]:
    """Each rule set, in order, with whether its window is live at ``at``, opens later or
    has closed. ``at`` is aware: the caller's clock, never read here."""
    return [(rule_set, rule_set.active.state(at)) for rule_set in rule_sets]
