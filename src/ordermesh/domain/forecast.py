"""Expected demand by region and SKU, counted from an order history.

The inventory-aware router needs to know where the next orders for each SKU will come
from, not who will place them: a region is a 3-digit US ZIP prefix (the USPS sectional
centre, so a few dozen miles across) or, without a US postal code, a one-degree lat/lon
cell. Each region keeps the mean location of its customers, which is where the shadow-price
LP delivers to. Pure: the caller hands in the history, and a rate per day comes out.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from ordermesh.domain.model import Location
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order

SECONDS_PER_DAY = 86_400.0
# A history shorter than this still spreads over at least this much time, so a burst of a
# few orders is not read as a daily rate of thousands.
MIN_SPAN_DAYS = 1.0


REGION_ZIP_DIGITS = 2
CELL_DEGREES = 2.0
# Regions with less than this share of units are left out of the forecast, which keeps
# the shadow-price LP small; their units are spread over the rest.
MIN_REGION_SHARE = 0.002
# Shrinkage: a SKU's own spread over regions weighs as much as this many units of the
# network-wide mix. A SKU seen a few times says little about where its next orders come
# from (its mix is then mostly the network's); one seen hundreds of times, a lot.
PRIOR_UNITS = 25.0


def region_of(location: Location) -> str:
    """The 2-digit ZIP prefix of a US postal code, else a two-degree grid cell."""
    code = (location.postal_code or "").strip()
    digits = REGION_ZIP_DIGITS
    if (location.country or "US").upper() == "US" and len(code) >= 3 and code[:3].isdigit():
        return f"zip{digits}:{code[:digits]}"
    lat = math.floor(location.lat / CELL_DEGREES)
    lon = math.floor(location.lon / CELL_DEGREES)
    return f"cell:{lat}:{lon}"


@dataclass(frozen=True, slots=True)
class Region:
    id: str
    location: Location  # the mean location of the history's customers in the region


@dataclass(frozen=True, slots=True)
class Forecast:
    """Units per day expected per (region id, SKU), and where each region is."""

    regions: Mapping[str, Region]
    rate_per_day: Mapping[tuple[str, str], float]

    def expected(self, days: float) -> dict[tuple[str, str], float]:
        """Units expected per (region, SKU) over the next ``days``."""
        return {key: rate * days for key, rate in self.rate_per_day.items() if rate > 0}

    @property
    def empty(self) -> bool:
        return not self.rate_per_day


def forecast_from_history(
    orders: Iterable[Order],
    network: Network,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Forecast:
    """Average units per day per (region, SKU) over the history from ``start`` to ``end``
    (default: the first and last order's time): the SKU's rate times its share in the
    region, its own regional mix shrunk toward the network-wide mix (``PRIOR_UNITS``)
    where its data is thin. Bundles count as their components, since stock is held per
    component."""
    units: dict[str, float] = {}
    region_units: dict[str, float] = {}
    sku_region_units: dict[tuple[str, str], float] = {}
    sums: dict[str, tuple[float, float, int]] = {}
    first: datetime | None = None
    last: datetime | None = None
    for order in orders:
        location = order.ship_to.location
        region = region_of(location)
        lat, lon, count = sums.get(region, (0.0, 0.0, 0))
        sums[region] = (lat + location.lat, lon + location.lon, count + 1)
        first = order.placed_at if first is None or order.placed_at < first else first
        last = order.placed_at if last is None or order.placed_at > last else last
        for line in order.lines:
            for sku, per_unit in _components(network, line.item):
                count = per_unit * line.quantity
                units[sku] = units.get(sku, 0.0) + count
                region_units[region] = region_units.get(region, 0.0) + count
                key = (region, sku)
                sku_region_units[key] = sku_region_units.get(key, 0.0) + count
    if first is None or last is None:
        return Forecast({}, {})
    span = ((end or last) - (start or first)).total_seconds() / SECONDS_PER_DAY
    days = max(MIN_SPAN_DAYS, span)
    total = sum(region_units.values())
    kept = {r: u for r, u in region_units.items() if u / total >= MIN_REGION_SHARE}
    kept_total = sum(kept.values())
    regions = {
        region: Region(region, Location(lat / count, lon / count))
        for region, (lat, lon, count) in sums.items()
        if region in kept
    }
    seen_in_kept: dict[str, float] = {}
    for (region, sku), sold in sku_region_units.items():
        if region in kept:
            seen_in_kept[sku] = seen_in_kept.get(sku, 0.0) + sold
    rates = {
        (region, sku): sku_units
        / days
        * (sku_region_units.get((region, sku), 0.0) + PRIOR_UNITS * region_total / kept_total)
        / (seen_in_kept.get(sku, 0.0) + PRIOR_UNITS)
        for sku, sku_units in units.items()
        for region, region_total in kept.items()
    }
    return Forecast(regions, rates)


def _components(network: Network, item: str) -> tuple[tuple[str, int], ...]:
    bundle = network.bundles.get(item)
    if bundle is None:
        return ((item, 1),)
    return tuple((component.sku, component.quantity) for component in bundle.components)
