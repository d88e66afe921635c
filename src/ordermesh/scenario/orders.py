"""A seeded generator of order streams, as rows of the orders CSV (docs/formats/orders.md).

Everything random comes from one ``random.Random(seed)`` and the clock is never read, so the
same seed and arguments give the same orders on every machine. Customers live at real US ZIP
codes drawn from the pool the network generator uses, biased toward the big metros (ZIP
density roughly tracks population); SKU popularity follows a Zipf law over catalogue order,
which the network generator puts best sellers first in.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Final, TypedDict

from ordermesh.scenario.network_generator import Site, _zip_pool

__all__ = [
    "ORDER_COLUMNS",
    "OrderRow",
    "generate_orders",
    "zipf_weights",
]

ORDER_COLUMNS: Final = (
    "order_id",
    "created_at",
    "channel",
    "customer_tier",
    "postal_code",
    "country",
    "service_level",
    "sku",
    "quantity",
    "unit_price",
    "tags",
)

DEFAULT_START: Final = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday

# Shares observed in the field for a direct-to-consumer brand: most orders are one item.
_LINES_PER_ORDER: Final = ((1, 0.55), (2, 0.25), (3, 0.12), (4, 0.05), (5, 0.03))
_UNITS_PER_LINE: Final = ((1, 0.86), (2, 0.10), (3, 0.04))
_CHANNEL_MIX: Final = {"web": 0.6, "amazon": 0.2, "shopify": 0.12, "b2b": 0.08}
_SERVICE_MIX: Final = {"standard": 0.85, "expedited": 0.12, "next_day": 0.03}
_TIER_MIX: Final = (("regular", 0.82), ("member", 0.15), ("vip", 0.03))
# Orders arrive mostly in the evening (US time); weights per UTC hour.
_HOUR_WEIGHTS: Final = (
    6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 2, 3, 4, 5, 5, 5, 5, 5, 5, 6, 7, 7, 7,
)  # fmt: skip


class OrderRow(TypedDict):
    """One line of one order, as the orders CSV carries it (every field a string)."""

    order_id: str
    created_at: str
    channel: str
    customer_tier: str
    postal_code: str
    country: str
    service_level: str
    sku: str
    quantity: str
    unit_price: str
    tags: str


def zipf_weights(count: int, exponent: float) -> list[float]:
    """Demand share of each rank (0 = best seller), proportional to 1 / (rank + 1)^s."""
    raw = [1.0 / (rank + 1) ** exponent for rank in range(count)]
    total = sum(raw)
    return [weight / total for weight in raw]


def _draw(
    rng: random.Random, table: Sequence[tuple[int, float]] | Sequence[tuple[str, float]]
) -> Any:
    values = [value for value, _ in table]
    weights = [weight for _, weight in table]
    return rng.choices(values, weights=weights)[0]


def _mix(wanted: Mapping[str, float], available: Sequence[str]) -> list[tuple[str, float]]:
    """The wanted mix restricted to what the network declares; even shares if none match."""
    mix = [(key, share) for key, share in wanted.items() if key in available]
    return mix or [(key, 1.0) for key in sorted(available)]


def _customer_site(rng: random.Random, metro_share: float) -> Site:
    metro, rest = _zip_pool()
    return rng.choice(metro if rng.random() < metro_share else rest)


def generate_orders(
    document: Mapping[str, Any],
    seed: int,
    *,
    orders: int = 1000,
    days: int = 7,
    start: datetime = DEFAULT_START,
    zipf_exponent: float = 1.1,
    metro_share: float = 0.8,
    bundle_share: float = 0.02,
    skus: Sequence[str] | None = None,
) -> list[OrderRow]:
    """``orders`` orders spread over ``days`` days from ``start``, in created_at order.

    ``document`` is a network document (docs/formats/network.md); its channels, service
    levels, SKUs and bundles are what the orders name. ``skus`` overrides the catalogue
    (in popularity order). A ``bundle_share`` of the lines order a bundle instead of a SKU.
    """
    if orders < 0 or days < 1:
        raise ValueError("orders must be >= 0 and days >= 1")
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    rng = random.Random(seed)
    catalogue = list(skus) if skus is not None else [str(s["id"]) for s in document["skus"]]
    if not catalogue:
        raise ValueError("the network has no SKUs to order")
    bundles = [str(b["id"]) for b in document.get("bundles", [])]
    cumulative = list(itertools.accumulate(zipf_weights(len(catalogue), zipf_exponent)))
    channels = _mix(_CHANNEL_MIX, [str(c["id"]) for c in document["channels"]])
    levels = _mix(_SERVICE_MIX, [str(level) for level in document["service_levels"]])

    seconds = days * 24 * 3600
    hour_table = [(hour, float(weight)) for hour, weight in enumerate(_HOUR_WEIGHTS)]
    moments: list[datetime] = []
    for _ in range(orders):
        day = rng.randrange(days)
        hour = _draw(rng, hour_table)
        offset = day * 86400 + hour * 3600 + rng.randrange(3600)
        moments.append(start + timedelta(seconds=min(offset, seconds - 1)))
    moments.sort()

    width = max(6, len(str(orders)))
    rows: list[OrderRow] = []
    for number, moment in enumerate(moments, start=1):
        order_id = f"O{number:0{width}d}"
        site = _customer_site(rng, metro_share)
        channel = _draw(rng, channels)
        level = _draw(rng, levels)
        tier = _draw(rng, _TIER_MIX)
        tags = "gift" if rng.random() < 0.05 else ""
        line_count = min(_draw(rng, _LINES_PER_ORDER), len(catalogue))
        chosen: list[str] = []
        while len(chosen) < line_count:
            if bundles and rng.random() < bundle_share:
                item = rng.choice(bundles)
            else:
                rank = bisect.bisect_left(cumulative, rng.random() * cumulative[-1])
                item = catalogue[min(rank, len(catalogue) - 1)]
            if item not in chosen:
                chosen.append(item)
        for item in chosen:
            rows.append(
                OrderRow(
                    order_id=order_id,
                    created_at=moment.isoformat(),
                    channel=channel,
                    customer_tier=tier,
                    postal_code=site.postal_code,
                    country="US",
                    service_level=level,
                    sku=item,
                    quantity=str(_draw(rng, _UNITS_PER_LINE)),
                    unit_price="",
                    tags=tags,
                )
            )
    return rows
