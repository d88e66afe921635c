"""An order as the router sees it: who bought what, where it goes, and how fast.

Plain frozen values built by the edges (API, CSV, EDI) after they have parsed and checked
their input; routing only reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from ordermesh.domain.model import Location


@dataclass(frozen=True, slots=True)
class OrderLine:
    """``item`` is a SKU or a bundle id; a bundle ships as its component SKUs."""

    line_id: str
    item: str
    quantity: int
    unit_price: float | None = None  # None: the catalogue price of the SKU or bundle


@dataclass(frozen=True, slots=True)
class Recipient:
    """Who receives the parcel and the street address a carrier label needs. Personal data:
    routing never reads it (postal code and country live in ``ShipTo.location``), and a
    redacted order keeps none of it. Every field is optional: a channel sends what it has."""

    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    region: str | None = None  # state or province code
    phone: str | None = None
    email: str | None = None

    @property
    def is_empty(self) -> bool:
        return not any(
            (
                self.name,
                self.company,
                self.address1,
                self.address2,
                self.city,
                self.region,
                self.phone,
                self.email,
            )
        )


@dataclass(frozen=True, slots=True)
class ShipTo:
    """Where the parcel goes, or, with ``pickup_node``, where the customer collects it;
    ``recipient`` is who and the street address, when the channel sent them."""

    location: Location
    pickup_node: str | None = None
    recipient: Recipient | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Order:
    id: str
    channel: str
    customer_tier: str | None = None
    ship_to: ShipTo
    service_level: str
    lines: tuple[OrderLine, ...]
    tags: frozenset[str] = frozenset()
    placed_at: datetime  # timezone-aware
    # The date the channel showed the customer at checkout, when it did; otherwise the
    # router derives the promise from the service level (see docs/routing.md).
    promised_by: date | None = None

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)
