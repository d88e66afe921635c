"""Shopify's order webhook payloads (``orders/create``, ``orders/updated``,
``orders/cancelled``: one order document) -> ``PlaceOrder`` or a new ``ShipTo``.

Only the fields ordermesh needs are read; everything else Shopify sends is ignored:

- ``id`` -> ``external_id`` (idempotency across webhook retries); ``test`` (a test order,
  acknowledged and never placed); ``currency`` (the shop's, of every price);
- ``line_items[]``: ``sku``, ``quantity``, ``price``. A SKU is matched to the network's
  SKUs and bundles exactly, else ignoring case and spaces when that names exactly one; a
  line without a SKU by its ``title`` against SKU and bundle names, the same way. Gift
  cards (``gift_card: true``) and lines with ``requires_shipping: false`` are skipped and
  listed in the order's ``notes``;
- ``shipping_address``: ``latitude``/``longitude`` when Shopify filled them in, else
  ``zip`` + ``country_code`` geocoded offline (US ZIP codes only); name, company, address
  lines, city, ``province_code``, phone and the order's ``email`` (or ``contact_email``)
  become the ``Recipient``. No shipping address is a local pickup when the order's
  ``location_id``, or a shipping line's ``code`` or ``title`` (Shopify puts the pickup
  location's name there), is one of the channel's ``connector.locations``;
- ``shipping_lines[]``: ``title``/``code`` -> service level (services.shopify);
- ``tags`` (comma-separated) and ``created_at`` (the time the order was placed).

What cannot be mapped raises ``InvalidInput`` with every reason at once; the Shopify
service keeps the delivery as an intake exception rather than losing it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ordermesh.adapters.formats.validation_messages import problems_from_pydantic
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.model import Channel, ConnectorType, Location
from ordermesh.domain.network import Network
from ordermesh.domain.order import OrderLine, Recipient, ShipTo
from ordermesh.services.intake_ports import IntakeException
from ordermesh.services.orders import PlaceOrder
from ordermesh.services.shopify import (
    ORDERS_CREATE,
    DeliverySummary,
    ShopifyReader,
    service_level_for,
)

SOURCE = "shopify order"


def _id_text(value: Any) -> Any:
    """Shopify ids are integers (64-bit); a string id is accepted as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


ShopifyId = Annotated[str, BeforeValidator(_id_text), Field(min_length=1, max_length=100)]


class _Loose(BaseModel):
    model_config = ConfigDict(extra="ignore")


class ShopifyLineItem(_Loose):
    id: ShopifyId | None = None
    sku: str | None = None
    quantity: int = Field(ge=1)
    price: float | None = Field(default=None, ge=0)
    requires_shipping: bool = True
    gift_card: bool = False
    title: str | None = None
    name: str | None = None


class ShopifyAddress(_Loose):
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    zip: str | None = None
    country_code: str | None = None
    province_code: str | None = None
    phone: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class ShopifyShippingLine(_Loose):
    title: str | None = None
    code: str | None = None


class ShopifyOrder(_Loose):
    id: ShopifyId
    created_at: datetime | None = None
    line_items: list[ShopifyLineItem] = Field(min_length=1)
    shipping_address: ShopifyAddress | None = None
    shipping_lines: list[ShopifyShippingLine] = Field(default_factory=list)
    tags: str | None = ""
    test: bool | None = False
    currency: Annotated[str, Field(min_length=3, max_length=3)] | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    location_id: ShopifyId | None = None


def parse_payload(body: bytes | str) -> ShopifyOrder:
    try:
        document: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput(SOURCE, [Problem("body", f"not JSON: {error}")]) from None
    if not isinstance(document, dict):
        raise InvalidInput(SOURCE, [Problem("body", "must be a JSON object")])
    try:
        return ShopifyOrder.model_validate(document)
    except ValidationError as error:
        raise InvalidInput(SOURCE, problems_from_pydantic(error)) from None


def summary(body: bytes) -> DeliverySummary:
    """What the dispatch needs before mapping: never raises, whatever the body holds."""
    try:
        document: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return DeliverySummary(None, False, None)
    if not isinstance(document, dict):
        return DeliverySummary(None, False, None)
    order_id = _id_text(document.get("id"))
    reason = document.get("cancel_reason")
    return DeliverySummary(
        order_id if isinstance(order_id, str) and 0 < len(order_id) <= 100 else None,
        document.get("test") is True,
        reason if isinstance(reason, str) else None,
    )


def shopify_order_id(order: ShopifyOrder) -> str:
    return order.id


# -- SKUs -------------------------------------------------------------------------------------


def _folded(text: str) -> str:
    """Case and every space ignored: ``" mug-blue "`` and ``"MUG - BLUE"`` agree."""
    return "".join(text.split()).casefold()


@dataclass(frozen=True, slots=True)
class _Catalogue:
    ids: frozenset[str]
    by_folded_id: Mapping[str, tuple[str, ...]]
    by_folded_name: Mapping[str, tuple[str, ...]]

    @classmethod
    def of(cls, network: Network) -> _Catalogue:
        ids: defaultdict[str, list[str]] = defaultdict(list)
        names: defaultdict[str, list[str]] = defaultdict(list)
        items: Iterable[tuple[str, str]] = [
            *((s.id, s.name) for s in network.skus.values()),
            *((b.id, b.name) for b in network.bundles.values()),
        ]
        for item_id, name in items:
            ids[_folded(item_id)].append(item_id)
            if name.strip():
                names[_folded(name)].append(item_id)
        return cls(
            frozenset(network.skus) | frozenset(network.bundles),
            {k: tuple(v) for k, v in ids.items()},
            {k: tuple(v) for k, v in names.items()},
        )

    def item(self, index: int, line: ShopifyLineItem) -> tuple[str | None, Problem | None]:
        """The SKU or bundle a line names, or why it names none."""
        where = f"line_items[{index}].sku"
        sku = (line.sku or "").strip()
        if sku in self.ids:
            return sku, None
        text = sku or (line.title or line.name or "").strip()
        found = (self.by_folded_id if sku else self.by_folded_name).get(_folded(text), ())
        if len(found) == 1:
            return found[0], None
        if found:
            listed = ", ".join(sorted(found))
            return None, Problem(where, f"{text!r} matches several SKUs or bundles: {listed}")
        if sku:
            return None, Problem(where, f"unknown SKU or bundle {sku!r}")
        return None, Problem(where, f"no SKU, and the title {text!r} names no SKU or bundle")


# -- mapping ----------------------------------------------------------------------------------


def _lines(
    order: ShopifyOrder, network: Network, rate: float | None, problems: list[Problem]
) -> tuple[list[OrderLine], list[str]]:
    catalogue = _Catalogue.of(network)
    lines: list[OrderLine] = []
    notes: list[str] = []
    for index, item in enumerate(order.line_items):
        line_id = item.id if item.id is not None else str(index + 1)
        skipped = "gift card" if item.gift_card else None
        if skipped is None and not item.requires_shipping:
            skipped = "requires no shipping"
        if skipped is not None:
            label = item.title or item.name or item.sku or "item"
            notes.append(f"skipped line {line_id} ({label!r} x{item.quantity}): {skipped}")
            continue
        found, problem = catalogue.item(index, item)
        if problem is not None:
            problems.append(problem)
        if found is None:
            continue
        price = item.price
        if price is not None and rate is not None:
            price = round(price * rate, 2)
        lines.append(OrderLine(line_id, found, item.quantity, price))
    if not lines and not problems:
        problems.append(
            Problem("line_items", "no line to ship: every item is a gift card or needs no shipping")
        )
    return lines, notes


def _recipient(order: ShopifyOrder, address: ShopifyAddress) -> Recipient:
    full_name = " ".join(p for p in (address.first_name, address.last_name) if p)
    return Recipient(
        name=address.name or full_name or None,
        company=address.company,
        address1=address.address1,
        address2=address.address2,
        city=address.city,
        region=address.province_code,
        phone=address.phone or order.phone,
        email=order.email or order.contact_email,
    )


def _pickup_node(order: ShopifyOrder, channel: Channel) -> tuple[str | None, str | None]:
    """(the pickup node, the location the order named) of an order without an address."""
    settings = channel.connector.shopify
    if order.location_id is not None:
        return settings.pickup_node(order.location_id), order.location_id
    by_name = {_folded(key): node for key, node in settings.locations}
    for line in order.shipping_lines:
        for text in (line.code, line.title):
            if text and _folded(text) in by_name:
                return by_name[_folded(text)], text
    return None, None


def destination(order: ShopifyOrder, channel: Channel) -> ShipTo:
    """Where the order goes: its shipping address, or the node of its pickup location."""
    problems: list[Problem] = []
    ship_to = _destination(order, channel, problems)
    if ship_to is None:
        raise InvalidInput(SOURCE, problems)
    return ship_to


def _destination(order: ShopifyOrder, channel: Channel, problems: list[Problem]) -> ShipTo | None:
    address = order.shipping_address
    if address is None:
        node, location = _pickup_node(order, channel)
        if node is not None:
            # The order service puts the pickup node's own location in.
            return ShipTo(Location(0.0, 0.0), node)
        if location is not None:
            problems.append(
                Problem(
                    "location_id",
                    f"pickup location {location!r} maps to no node: add it to the channel's"
                    " connector.locations",
                )
            )
        else:
            problems.append(
                Problem("shipping_address", "no shipping address and no pickup location")
            )
        return None
    recipient = _recipient(order, address)
    if address.latitude is not None and address.longitude is not None:
        given = Location(
            address.latitude,
            address.longitude,
            address.zip,
            address.country_code,
            address.province_code,
        )
        return ShipTo(given, recipient=recipient)
    if address.zip and address.country_code:
        try:
            return ShipTo(geocode(address.zip, address.country_code), recipient=recipient)
        except UnknownPostalCode as error:
            problems.append(Problem("shipping_address.zip", str(error)))
            return None
    problems.append(
        Problem("shipping_address", "needs zip and country_code, or latitude and longitude")
    )
    return None


def to_place_order(order: ShopifyOrder, channel: Channel, network: Network) -> PlaceOrder:
    problems: list[Problem] = []
    rate: float | None = None
    notes: list[str] = []
    currency = order.currency.upper() if order.currency else network.currency
    if currency != network.currency:
        rate = channel.connector.shopify.rate(currency)
        if rate is None:
            problems.append(
                Problem(
                    "currency",
                    f"the store sells in {currency} and the network prices in"
                    f" {network.currency}: set the channel's connector.currency_rates.{currency}",
                )
            )
        else:
            notes.append(f"prices converted from {currency} at {rate:g} {network.currency}")
    lines, skipped = _lines(order, network, rate, problems)
    notes.extend(skipped)
    ship_to = _destination(order, channel, problems)
    if problems or ship_to is None:
        raise InvalidInput(SOURCE, problems)
    service_level = service_level_for(
        ((line.title, line.code) for line in order.shipping_lines),
        channel.service_level,
        network.service_levels,
        channel.connector.shopify.service_levels,
    )
    tags = tuple(tag.strip() for tag in (order.tags or "").split(",") if tag.strip())
    return PlaceOrder(
        channel=channel.id,
        ship_to=ship_to,
        service_level=service_level,
        lines=tuple(lines),
        external_id=shopify_order_id(order),
        tags=tags,
        placed_at=order.created_at,
        currency=network.currency,
        notes=tuple(notes),
    )


# -- the ports the Shopify service uses ----------------------------------------------------------


def place_command(body: bytes | str, channel: Channel, network: Network) -> PlaceOrder:
    return to_place_order(parse_payload(body), channel, network)


def new_destination(body: bytes | str, channel: Channel, network: Network) -> ShipTo:
    return destination(parse_payload(body), channel)


def intake_again(exception: IntakeException, network: Network) -> PlaceOrder:
    """A kept Shopify delivery read again against ``network`` (intake-exception retry)."""
    channel = network.channels.get(exception.channel)
    if channel is None or channel.connector.type is not ConnectorType.SHOPIFY:
        raise InvalidInput(
            SOURCE, [Problem("channel", f"{exception.channel!r} is no longer a Shopify channel")]
        )
    if exception.topic not in (None, ORDERS_CREATE):
        raise InvalidInput(
            SOURCE,
            [
                Problem(
                    "topic",
                    f"a {exception.topic} delivery places no order: apply the change to the"
                    " order by hand, then dismiss this exception",
                )
            ],
        )
    return place_command(exception.payload, channel, network)


READER = ShopifyReader(summary, place_command, new_destination)
