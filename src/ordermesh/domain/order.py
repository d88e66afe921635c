"""An order as the router sees it: who bought what, where it goes, and how fast.

Plain frozen values built by the edges (API, CSV, EDI) after they have parsed and checked
their input; routing only reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from ordermesh.domain.errors import Problem
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


# The longest value kept per recipient field: room for any real label (X12 allows 60 for
# a name, 55 for a street line; e-mail addresses stop at 254), and a bound a column holds.
RECIPIENT_MAX_LENGTHS: Mapping[str, int] = {
    "name": 100,
    "company": 100,
    "address1": 100,
    "address2": 100,
    "city": 60,
    "region": 10,
    "phone": 30,
    "email": 254,
}

RECIPIENT_FIELDS: tuple[str, ...] = tuple(RECIPIENT_MAX_LENGTHS)


def recipient_fields(recipient: Recipient | None) -> dict[str, str | None]:
    """Each recipient field by name, every one None when there is no recipient."""
    return {
        name: None if recipient is None else getattr(recipient, name) for name in RECIPIENT_FIELDS
    }


def recipient_problems(recipient: Recipient, where: str = "ship_to") -> list[Problem]:
    """Every field too long or holding a line break or other control character (a label,
    a CSV row or an EDI segment cannot carry one), and an e-mail address not shaped
    ``local@domain.tld``."""
    problems: list[Problem] = []
    for name, limit in RECIPIENT_MAX_LENGTHS.items():
        value: str | None = getattr(recipient, name)
        if value is None:
            continue
        path = f"{where}.{name}" if where else name
        if len(value) > limit:
            problems.append(Problem(path, f"at most {limit} characters, not {len(value)}"))
        if any(ord(char) < 32 or ord(char) == 127 for char in value):
            problems.append(Problem(path, "must not hold line breaks or control characters"))
    email = recipient.email
    if email is not None and not _looks_like_email(email):
        path = f"{where}.email" if where else "email"
        problems.append(Problem(path, f"{email!r} is not an e-mail address"))
    return problems


def _looks_like_email(value: str) -> bool:
    local, _, domain = value.partition("@")
    return bool(local) and "." in domain and "@" not in domain and value.split() == [value]


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
