"""Order files: CSV with one row per order line (docs/formats/orders.md).

The rows of one order share its order fields (created_at, channel, customer, ship-to,
service level, tags). A file is checked whole before anything is routed: every problem is
reported with its line and column, and a file with any problem yields no orders.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final

from ordermesh.adapters.formats.csv_table import data_rows, header_problems, read_rows, whole_number
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.model import Location
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order, OrderLine, ShipTo

__all__ = ["COLUMNS", "REQUIRED", "parse_orders_csv", "render_orders_csv"]

REQUIRED: Final = ("order_id", "created_at", "channel", "service_level", "sku", "quantity")
OPTIONAL: Final = ("customer_tier", "postal_code", "country", "lat", "lon", "unit_price", "tags")
COLUMNS: Final = (
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
# Fields of the order rather than of the line: every row of an order must agree on them.
ORDER_FIELDS: Final = (
    "created_at",
    "channel",
    "customer_tier",
    "postal_code",
    "country",
    "lat",
    "lon",
    "service_level",
    "tags",
)


@dataclass
class _Draft:
    first_line: int
    fields: dict[str, str]
    placed_at: datetime | None
    location: Location | None
    lines: list[OrderLine] = field(default_factory=list)


def _check_header(header: list[str], source: str) -> None:
    problems = header_problems(header, REQUIRED, OPTIONAL)
    if "postal_code" not in header and not ("lat" in header and "lon" in header):
        problems.append(Problem("line 1", "missing column 'postal_code' (or 'lat' and 'lon')"))
    if problems:
        raise InvalidInput(source, problems)


def _timestamp(text: str, where: str, problems: list[Problem]) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        problems.append(Problem(where, f"not an ISO 8601 timestamp: {text!r}"))
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        problems.append(
            Problem(where, f"needs a UTC offset, e.g. 2026-03-02T18:30:00+00:00: {text!r}")
        )
        return None
    return moment


def _price(text: str, where: str, problems: list[Problem]) -> float | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(where, f"must be a number, not {text!r}"))
        return None
    if not math.isfinite(value) or value < 0:
        problems.append(Problem(where, f"must be a number >= 0, not {text!r}"))
        return None
    return value


def _coordinate(text: str, where: str, limit: float, problems: list[Problem]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        problems.append(Problem(where, f"must be a number, not {text!r}"))
        return None
    if not -limit <= value <= limit:
        problems.append(Problem(where, f"must be within +-{limit:g}, not {value:g}"))
        return None
    return value


def _location(fields: Mapping[str, str], line: int, problems: list[Problem]) -> Location | None:
    postal_code = fields.get("postal_code", "")
    lat_text, lon_text = fields.get("lat", ""), fields.get("lon", "")
    if lat_text or lon_text:
        lat = _coordinate(lat_text, f"line {line}, column lat", 90.0, problems)
        lon = _coordinate(lon_text, f"line {line}, column lon", 180.0, problems)
        if lat is None or lon is None:
            return None
        return Location(lat=lat, lon=lon, postal_code=postal_code or None)
    if not postal_code:
        problems.append(Problem(f"line {line}, column postal_code", "is empty (give lat and lon)"))
        return None
    country = fields.get("country", "") or "US"
    try:
        return geocode(postal_code, country)
    except UnknownPostalCode as error:
        problems.append(Problem(f"line {line}, column postal_code", str(error)))
        return None


def parse_orders_csv(data: bytes, network: Network, source: str = "orders.csv") -> list[Order]:
    """The orders of the file, in the order of their first row, or ``InvalidInput``
    listing every problem by line and column."""
    rows = read_rows(data, source)
    header = rows[0]
    _check_header(header, source)
    if not any(any(cell.strip() for cell in row) for row in rows[1:]):
        raise InvalidInput(source, [Problem("line 2", "the file has a header but no rows")])

    problems: list[Problem] = []
    drafts: dict[str, _Draft] = {}
    for line, fields in data_rows(rows, problems):

        def where(name: str, at: int = line) -> str:
            return f"line {at}, column {name}"

        order_id = fields["order_id"]
        if not order_id:
            problems.append(Problem(where("order_id"), "is empty"))
            continue
        sku = fields["sku"]
        if not network.is_sellable(sku):
            problems.append(Problem(where("sku"), f"unknown SKU or bundle {sku!r}"))
        quantity = whole_number(fields["quantity"], where("quantity"), problems, 1)
        unit_price = _price(fields.get("unit_price", ""), where("unit_price"), problems)

        draft = drafts.get(order_id)
        if draft is None:
            if fields["channel"] not in network.channels:
                problems.append(Problem(where("channel"), f"unknown channel {fields['channel']!r}"))
            if fields["service_level"] not in network.service_levels:
                problems.append(
                    Problem(
                        where("service_level"),
                        f"unknown service level {fields['service_level']!r}",
                    )
                )
            draft = _Draft(
                first_line=line,
                fields={name: fields.get(name, "") for name in ORDER_FIELDS},
                placed_at=_timestamp(fields["created_at"], where("created_at"), problems),
                location=_location(fields, line, problems),
            )
            drafts[order_id] = draft
        else:
            for name in ORDER_FIELDS:
                if fields.get(name, "") != draft.fields[name]:
                    problems.append(
                        Problem(
                            where(name),
                            f"{fields.get(name, '')!r} differs from {draft.fields[name]!r} on "
                            f"line {draft.first_line}, the first row of order {order_id!r}",
                        )
                    )
        if quantity is not None and network.is_sellable(sku):
            draft.lines.append(
                OrderLine(
                    line_id=str(len(draft.lines) + 1),
                    item=sku,
                    quantity=quantity,
                    unit_price=unit_price,
                )
            )
    if problems:
        raise InvalidInput(source, problems)

    orders: list[Order] = []
    for order_id, draft in drafts.items():
        # Every problem that leaves these unset was reported above.
        assert draft.placed_at is not None and draft.location is not None
        tags = frozenset(tag.strip() for tag in draft.fields["tags"].split(";") if tag.strip())
        orders.append(
            Order(
                id=order_id,
                channel=draft.fields["channel"],
                customer_tier=draft.fields["customer_tier"] or None,
                ship_to=ShipTo(location=draft.location),
                service_level=draft.fields["service_level"],
                lines=tuple(draft.lines),
                tags=tags,
                placed_at=draft.placed_at,
            )
        )
    return orders


def render_orders_csv(rows: Iterable[Mapping[str, object]]) -> str:
    """The rows (e.g. from ``ordermesh.scenario.orders``) as an orders CSV, ``\\n`` endings."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n", extrasaction="raise")
    writer.writeheader()
    for row in rows:
        writer.writerow({name: str(row.get(name, "")) for name in COLUMNS})
    return buffer.getvalue()
