"""Parcel cost the way carriers bill it: zone by distance, billable weight, rate card.

These functions are the contract shared by routing and the benchmark: both price a
shipment through here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from math import ceil

from ordermesh.domain.model import (
    Co2eFactors,
    Handling,
    ServiceLevel,
    ShippingService,
    Sku,
    Zone,
)

DIM_DIVISOR_IN3_PER_LB = 139.0
GRAMS_PER_LB = 453.59237
KM_PER_MILE = 1.609344


def zone_for(miles: float, zones: Sequence[Zone]) -> int:
    """The first band whose ``max_miles`` is at least the distance; the open band last."""
    for band in zones:
        if band.max_miles is None or miles <= band.max_miles:
            return band.zone
    raise ValueError(f"no zone covers {miles:.1f} miles: the last band must be open-ended")


def billable_weight_lb(units: Iterable[tuple[Sku, int]]) -> int:
    """ceil(max(actual weight, dimensional weight)), at least one pound."""
    actual = 0.0
    volume = 0.0
    for sku, quantity in units:
        actual += sku.weight_lb * quantity
        volume += sku.volume_in3 * quantity
    dimensional = volume / DIM_DIVISOR_IN3_PER_LB
    # Round before ceil so 2.0000000001 from float sums is not billed as 3 lb.
    return max(1, ceil(round(max(actual, dimensional), 9)))


def actual_weight_lb(units: Iterable[tuple[Sku, int]]) -> float:
    return sum(sku.weight_lb * quantity for sku, quantity in units)


def shipping_cost(service: ShippingService, zone: int, billable_lb: int) -> float:
    rate = service.rates[zone]
    return rate.base + rate.per_lb * (billable_lb - 1)


def handling_cost(handling: Handling, units: int) -> float:
    return handling.per_shipment + handling.per_unit * units


def qualifies(service: ShippingService, zone: int, level: ServiceLevel) -> bool:
    """A service meets a service level when its transit days for the zone are within it."""
    days = service.transit_days.get(zone)
    return days is not None and days <= level.max_transit_days


@dataclass(frozen=True, slots=True)
class ShipmentCost:
    service_id: str
    zone: int
    billable_lb: int
    shipping: float
    handling: float
    transit_days: int

    @property
    def total(self) -> float:
        return self.shipping + self.handling


def cheapest_qualifying(
    services: Iterable[ShippingService],
    zone: int,
    billable_lb: int,
    handling: float,
    level: ServiceLevel | None,
) -> ShipmentCost | None:
    """The cheapest service for this zone and weight that meets ``level`` (any if None).

    Ties go to the faster service, then the service id, so the choice is deterministic.
    """
    best: ShipmentCost | None = None
    for service in sorted(services, key=lambda s: s.id):
        if zone not in service.rates or zone not in service.transit_days:
            continue
        if level is not None and not qualifies(service, zone, level):
            continue
        candidate = ShipmentCost(
            service_id=service.id,
            zone=zone,
            billable_lb=billable_lb,
            shipping=shipping_cost(service, zone, billable_lb),
            handling=handling,
            transit_days=service.transit_days[zone],
        )
        if best is None or (candidate.total, candidate.transit_days) < (
            best.total,
            best.transit_days,
        ):
            best = candidate
    return best


def co2e_grams(actual_lb: float, miles: float, parcels: int, factors: Co2eFactors) -> float:
    """GLEC-style: tonne-km over the road distance times an intensity, plus last mile.

    Road distance is the great-circle distance times a circuity factor, as GLEC asks for
    the actual distance travelled rather than the straight line.
    """
    tonnes = actual_lb * GRAMS_PER_LB / 1_000_000
    road_km = miles * KM_PER_MILE * factors.road_circuity
    return tonnes * road_km * factors.g_per_tonne_km + parcels * factors.last_mile_g_per_parcel
