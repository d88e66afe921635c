"""What live opportunity costs need from storage: a version of the shadow prices and its
repository (``adapters/db/opportunity_repository``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ordermesh.domain.order import Order
from ordermesh.domain.routing.explain import JsonValue


@dataclass(frozen=True, slots=True)
class OpportunityVersion:
    """One refresh of the opportunity costs: when, over what, and how many positions it
    priced (the prices themselves are read per SKU, for the order being routed)."""

    version: int
    computed_at: datetime
    horizon_days: float  # the expected demand the LP planned for
    history_days: float  # the order history the forecast was counted from
    history_orders: int
    priced_positions: int  # (node, SKU) positions with a price above zero

    def to_json_dict(self) -> dict[str, JsonValue]:
        """What a decision's explanation says of the prices it used."""
        return {
            "version": self.version,
            "computed_at": self.computed_at.isoformat(),
            "horizon_days": self.horizon_days,
        }


class OpportunityRepository(Protocol):
    def add(
        self,
        computed_at: datetime,
        horizon_days: float,
        history_days: float,
        history_orders: int,
        prices: Mapping[tuple[str, str], float],
    ) -> OpportunityVersion:
        """Store the prices per (node, SKU) as the next version; return it."""
        ...

    def latest(self) -> OpportunityVersion | None: ...

    def history(self, since: datetime) -> list[Order]:
        """The orders created since ``since``, each line at the quantity ordered: what a
        forecast counts (where, when, what), without the rest of the order's row."""
        ...

    def latest_prices(
        self, skus: Collection[str]
    ) -> tuple[OpportunityVersion | None, dict[tuple[str, str], float]]:
        """The latest version and its prices of these SKUs, in one read (routing makes it
        for every order)."""
        ...

    def prices(self, version: int, skus: Collection[str]) -> dict[tuple[str, str], float]:
        """The version's prices of these SKUs per (node, SKU); positions without a price
        cost nothing extra."""
        ...
