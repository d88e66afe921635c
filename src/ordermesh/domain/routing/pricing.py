"""What a node's share of an order costs: its parcels, each priced through ``cost``.

A node packs every unit it ships into one parcel, except that each unit of a ship-alone
SKU travels in a parcel of its own. Each parcel takes the cheapest service that arrives by
the promise date (or, when the rule set allows lateness, the cheapest once the late
penalty is added), and carries the rule set's per-parcel penalties.

Prices are memoised per decision: the search asks for the same node contents many times.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from ordermesh.domain.cost import (
    actual_weight_lb,
    billable_weight_lb,
    cheapest_qualifying,
    co2e_grams,
    handling_cost,
)
from ordermesh.domain.model import Calendar, Node, ServiceLevel, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.promise import add_working_days, working_days_between
from ordermesh.domain.routing import terms
from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.plan import Penalties
from ordermesh.domain.routing.rules import PromiseMode, RuleSet

PICKUP_SERVICE = "pickup"


@dataclass(frozen=True, slots=True)
class NodeFacts:
    """A candidate node as the search sees it for this order."""

    index: int  # position among the candidates, which are sorted by node id
    node: Node
    miles: float
    zone: int
    ship_date: date
    pickup_date: date  # the carrier's first working day on or after the ship date
    # Carrier working days between pickup and the promise date: services with at most
    # this many transit days arrive in time (negative: the promise has already passed).
    allowed_transit_days: int
    remaining_capacity: int | None  # parcels the node can still ship today
    capacity_share: float
    stock: Mapping[str, int]  # usable units per SKU of the order
    is_pickup: bool = False

    @property
    def tie_key(self) -> tuple[int, str]:
        return (self.node.priority, self.node.id)


@dataclass(frozen=True, slots=True)
class ServiceChoice:
    service_id: str
    shipping: float
    transit_days: int
    arrives: date
    late_days: int


@dataclass(frozen=True, slots=True)
class ParcelCost:
    contents: tuple[tuple[int, Sku, int], ...]  # (demand index, SKU, units)
    ship_alone: bool
    service: ServiceChoice
    zone: int
    billable_lb: int
    units: int
    shipping: float
    handling: float
    penalties: Penalties  # without the split penalty, which belongs to the whole plan
    co2e_g: float

    @property
    def delivered(self) -> float:
        return self.shipping + self.handling

    @property
    def objective(self) -> float:
        return self.shipping + self.handling + self.penalties.total


@dataclass(frozen=True, slots=True)
class NodeCost:
    parcels: tuple[ParcelCost, ...]
    objective: float
    delivered: float

    @property
    def parcel_count(self) -> int:
        return len(self.parcels)


@dataclass
class Pricer:
    network: Network
    rule_set: RuleSet
    demands: tuple[Demand, ...]
    deadline: date
    carrier_calendar: Calendar
    # (node id, SKU) -> price per unit taken, from the inventory-aware policy; empty for
    # the myopic router. Per unit, so it adds to the search's per-unit bounds exactly.
    opportunity: Mapping[tuple[str, str], float] = field(default_factory=dict)
    _services: dict[tuple[int, int], ServiceChoice | None] = field(default_factory=dict)
    _rated: dict[tuple[int, int, int], tuple[str, float, int] | None] = field(default_factory=dict)
    _arrivals: dict[tuple[date, int], date] = field(default_factory=dict)
    _nodes: dict[tuple[int, tuple[int, ...]], NodeCost | None] = field(default_factory=dict)
    _alone: dict[tuple[int, str], ParcelCost | None] = field(default_factory=dict)
    _rate_floors: dict[tuple[int, int], tuple[float, float]] = field(default_factory=dict)

    def rate_floor(self, zone: int, allowed_transit_days: int) -> tuple[float, float]:
        """The lowest base rate (with its late penalty) and the lowest rate per pound among
        the services a parcel may take to ``zone`` with that many days left; infinite when
        none may. What every node of that zone and those days shares in its cost floor."""
        key = (zone, allowed_transit_days)
        floor = self._rate_floors.get(key)
        if floor is None:
            constraints = self.rule_set.constraints
            base = per_lb = math.inf
            for service in self.network.services.values():
                rate = service.rates.get(zone)
                transit = service.transit_days.get(zone)
                if rate is None or transit is None:
                    continue
                late = max(0, transit - allowed_transit_days)
                if late and constraints.promise is PromiseMode.REQUIRED:
                    continue
                base = min(base, rate.base + terms.late(constraints, late))
                per_lb = min(per_lb, rate.per_lb)
            floor = self._rate_floors[key] = (base, per_lb)
        return floor

    def service(self, facts: NodeFacts, billable_lb: int) -> ServiceChoice | None:
        key = (facts.index, billable_lb)
        if key not in self._services:
            self._services[key] = self._choose_service(facts, billable_lb)
        return self._services[key]

    def can_meet_promise(self, facts: NodeFacts) -> bool:
        """Transit days depend on zone and service only, so one pound tells for any parcel."""
        return self.service(facts, 1) is not None

    def _choose_service(self, facts: NodeFacts, billable_lb: int) -> ServiceChoice | None:
        constraints = self.rule_set.constraints
        if facts.is_pickup:
            late = 0
            if facts.ship_date > self.deadline:
                late = working_days_between(facts.node.calendar, self.deadline, facts.ship_date)
            if late and constraints.promise is PromiseMode.REQUIRED:
                return None
            return ServiceChoice(PICKUP_SERVICE, 0.0, 0, facts.ship_date, late)
        # The choice depends on the zone, the days left and the weight only: nodes that
        # share them share it.
        key = (facts.zone, facts.allowed_transit_days, billable_lb)
        if key not in self._rated:
            self._rated[key] = self._rate(facts.zone, facts.allowed_transit_days, billable_lb)
        rated = self._rated[key]
        if rated is None:
            return None
        service_id, shipping, transit = rated
        return self._choice(facts, service_id, shipping, transit)

    def _rate(
        self, zone: int, allowed_transit_days: int, billable_lb: int
    ) -> tuple[str, float, int] | None:
        """The service a parcel takes: (id, shipping, transit days), or None."""
        constraints = self.rule_set.constraints
        services = self.network.services.values()
        if constraints.promise is PromiseMode.REQUIRED:
            level = ServiceLevel("promise", allowed_transit_days)
            best = cheapest_qualifying(services, zone, billable_lb, 0.0, level)
            if best is None:
                return None
            return best.service_id, best.shipping, best.transit_days
        chosen: tuple[float, int, str, float] | None = None
        for service in services:
            priced = cheapest_qualifying([service], zone, billable_lb, 0.0, None)
            if priced is None:
                continue
            late = max(0, priced.transit_days - allowed_transit_days)
            rank = (
                priced.shipping + terms.late(constraints, late),
                priced.transit_days,
                priced.service_id,
                priced.shipping,
            )
            if chosen is None or rank < chosen:
                chosen = rank
        if chosen is None:
            return None
        _, transit, service_id, shipping = chosen
        return service_id, shipping, transit

    def _choice(
        self, facts: NodeFacts, service_id: str, shipping: float, transit: int
    ) -> ServiceChoice:
        key = (facts.pickup_date, transit)
        arrives = self._arrivals.get(key)
        if arrives is None:
            arrives = self._arrivals[key] = add_working_days(
                self.carrier_calendar, facts.pickup_date, transit
            )
        return ServiceChoice(
            service_id=service_id,
            shipping=shipping,
            transit_days=transit,
            arrives=arrives,
            late_days=max(0, transit - facts.allowed_transit_days),
        )

    def parcel(
        self, facts: NodeFacts, contents: tuple[tuple[int, Sku, int], ...], ship_alone: bool
    ) -> ParcelCost | None:
        units = [(sku, quantity) for _, sku, quantity in contents]
        billable = billable_weight_lb(units)
        service = self.service(facts, billable)
        if service is None:
            return None
        unit_count = sum(quantity for _, quantity in units)
        co2e = 0.0
        if not facts.is_pickup:
            co2e = co2e_grams(actual_weight_lb(units), facts.miles, 1, self.network.co2e)
        objective = self.rule_set.objective
        penalties = Penalties(
            store=terms.store(objective, facts),
            co2e=terms.co2e(objective, co2e),
            capacity=terms.capacity(objective, facts),
            late=terms.late(self.rule_set.constraints, service.late_days),
            opportunity=self.opportunity_of(facts, units) if self.opportunity else 0.0,
        )
        return ParcelCost(
            contents=contents,
            ship_alone=ship_alone,
            service=service,
            zone=facts.zone,
            billable_lb=billable,
            units=unit_count,
            shipping=service.shipping,
            handling=handling_cost(facts.node.handling, unit_count),
            penalties=penalties,
            co2e_g=co2e,
        )

    def opportunity_of(self, facts: NodeFacts, units: Sequence[tuple[Sku, int]]) -> float:
        prices = self.opportunity
        node_id = facts.node.id
        return sum(prices.get((node_id, sku.id), 0.0) * quantity for sku, quantity in units)

    def node_cost(self, facts: NodeFacts, counts: tuple[int, ...]) -> NodeCost | None:
        """The parcels of ``counts[i]`` units of demand i at the node; None when the node
        cannot ship them (no service meets the promise, or too few parcels left today)."""
        key = (facts.index, counts)
        if key not in self._nodes:
            self._nodes[key] = self._price_node(facts, counts)
        return self._nodes[key]

    def _price_node(self, facts: NodeFacts, counts: tuple[int, ...]) -> NodeCost | None:
        packed: list[tuple[int, Sku, int]] = []
        alone: list[tuple[int, Sku]] = []
        separate = self.rule_set.constraints.ship_alone and not facts.is_pickup
        for index, count in enumerate(counts):
            if not count:
                continue
            for sku, per_unit in self.demands[index].kit:
                if separate and sku.ship_alone:
                    alone.extend((index, sku) for _ in range(count * per_unit))
                else:
                    packed.append((index, sku, count * per_unit))
        parcel_count = (1 if packed else 0) + len(alone)
        if facts.remaining_capacity is not None and parcel_count > facts.remaining_capacity:
            return None
        parcels: list[ParcelCost] = []
        if packed:
            main = self.parcel(facts, tuple(packed), ship_alone=False)
            if main is None:
                return None
            parcels.append(main)
        for index, sku in alone:
            single = self.alone_parcel(facts, sku)
            if single is None:
                return None
            parcels.append(
                ParcelCost(
                    contents=((index, sku, 1),),
                    ship_alone=True,
                    service=single.service,
                    zone=single.zone,
                    billable_lb=single.billable_lb,
                    units=1,
                    shipping=single.shipping,
                    handling=single.handling,
                    penalties=single.penalties,
                    co2e_g=single.co2e_g,
                )
            )
        return NodeCost(
            parcels=tuple(parcels),
            objective=sum(p.objective for p in parcels),
            delivered=sum(p.delivered for p in parcels),
        )

    def alone_parcel(self, facts: NodeFacts, sku: Sku) -> ParcelCost | None:
        key = (facts.index, sku.id)
        if key not in self._alone:
            self._alone[key] = self.parcel(facts, ((-1, sku, 1),), ship_alone=True)
        return self._alone[key]
