"""Shopify's ``orders/create`` webhook payload -> ``PlaceOrder``.

Only the fields ordermesh needs are read; everything else Shopify sends is ignored:

- ``id`` -> ``external_id`` (idempotency across webhook retries);
- ``line_items[]``: ``sku`` (must name a SKU or bundle), ``quantity``, ``price``; items
  with ``requires_shipping: false`` (gift cards, services) are skipped;
- ``shipping_address``: ``latitude``/``longitude`` when Shopify filled them in, else
  ``zip`` + ``country_code`` geocoded offline;
- ``shipping_lines[]``: ``title``/``code`` -> service level (services.shopify);
- ``tags`` (comma-separated) and ``created_at`` (the time the order was placed).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from ordermesh.adapters.formats.validation_messages import problems_from_pydantic
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.model import Channel, Location
from ordermesh.domain.network import Network
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services.orders import PlaceOrder
from ordermesh.services.shopify import service_level_for

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
    title: str | None = None


class ShopifyAddress(_Loose):
    zip: str | None = None
    country_code: str | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    province_code: str | None = None


class ShopifyShippingLine(_Loose):
    title: str | None = None
    code: str | None = None


class ShopifyOrder(_Loose):
    id: ShopifyId
    created_at: datetime | None = None
    line_items: list[ShopifyLineItem] = Field(min_length=1)
    shipping_address: ShopifyAddress | None = None
    shipping_lines: list[ShopifyShippingLine] = Field(default_factory=list)
    tags: str = ""


def parse_payload(body: bytes) -> ShopifyOrder:
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


def shopify_order_id(order: ShopifyOrder) -> str:
    return order.id


def to_place_order(order: ShopifyOrder, channel: Channel, network: Network) -> PlaceOrder:
    problems: list[Problem] = []
    lines: list[OrderLine] = []
    for index, item in enumerate(order.line_items):
        if not item.requires_shipping:
            continue
        if not item.sku:
            problems.append(Problem(f"line_items[{index}].sku", "a shipped item needs a SKU"))
            continue
        line_id = item.id if item.id is not None else str(index + 1)
        lines.append(OrderLine(line_id, item.sku, item.quantity, item.price))
    if not lines and not problems:
        problems.append(Problem("line_items", "no item requires shipping"))
    ship_to: ShipTo | None = None
    address = order.shipping_address
    if address is None:
        problems.append(Problem("shipping_address", "required"))
    elif address.latitude is not None and address.longitude is not None:
        location = Location(
            address.latitude,
            address.longitude,
            address.zip,
            address.country_code,
            address.province_code,
        )
        ship_to = ShipTo(location)
    elif address.zip and address.country_code:
        try:
            ship_to = ShipTo(geocode(address.zip, address.country_code))
        except UnknownPostalCode as error:
            problems.append(Problem("shipping_address.zip", str(error)))
    else:
        problems.append(
            Problem("shipping_address", "needs zip and country_code, or latitude and longitude")
        )
    if problems or ship_to is None:
        raise InvalidInput(SOURCE, problems)
    service_level = service_level_for(
        ((line.title, line.code) for line in order.shipping_lines),
        channel.service_level,
        network.service_levels,
    )
    tags = tuple(tag.strip() for tag in order.tags.split(",") if tag.strip())
    return PlaceOrder(
        channel=channel.id,
        ship_to=ship_to,
        service_level=service_level,
        lines=tuple(lines),
        external_id=shopify_order_id(order),
        tags=tags,
        placed_at=order.created_at,
    )
