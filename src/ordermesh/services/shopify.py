"""Shopify orders: a store's order webhooks become ordermesh orders, cancellations and
address changes, and nothing a store sends is lost.

Shopify signs each delivery with ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(the
store's webhook secret, the raw body)); the channel's connector holds that secret. Once
the signature holds, every delivery is answered 2xx (Shopify retries anything else for
hours, then drops it), and is dispatched on ``X-Shopify-Topic``:

- ``orders/create`` (or no topic) places the order. One that cannot be placed as sent
  (unknown SKU, no address ordermesh can place on the map, another currency without a
  rate...) is kept as an intake exception (``services.intake_exceptions``);
- ``orders/cancelled`` cancels the order with that Shopify id (or dismisses its kept
  delivery); one that can no longer be cancelled (units shipped) is kept;
- ``orders/updated`` moves the order to its new address while none of its requests has
  been released; a change that comes too late, or cannot be mapped, is kept. An update of
  an order ordermesh kept as an exception is tried again as a placement;
- anything else is acknowledged and ignored, with a log line; so is ``"test": true``.

Shopify delivers at least once: a webhook id seen before is answered with the order it
created and changes nothing, and the Shopify order id is the order's ``external_id``, so
a repeat under a new webhook id is also the same order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from ordermesh.domain.errors import IllegalTransition, InvalidInput, NotFound, Problem
from ordermesh.domain.intake import IntakeSource
from ordermesh.domain.lifecycle import OrderStatus, RequestStatus
from ordermesh.domain.model import Channel, ConnectorType
from ordermesh.domain.network import Network
from ordermesh.domain.order import ShipTo
from ordermesh.services import intake_exceptions as intake
from ordermesh.services import orders as order_service
from ordermesh.services.intake_ports import IntakeException, NewIntakeException
from ordermesh.services.orders import OrderView, PlaceOrder
from ordermesh.services.ports import DEFAULT_ROUTING, Clock, Routing, UnitOfWork

log = logging.getLogger("ordermesh.shopify")

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"
TOPIC_HEADER = "X-Shopify-Topic"

ORDERS_CREATE = "orders/create"
ORDERS_UPDATED = "orders/updated"
ORDERS_CANCELLED = "orders/cancelled"

# Shipping line title or code (lower case) -> service level, first match wins; a
# channel's own ``connector.service_levels`` are tried before these.
SERVICE_LEVEL_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("next_day", ("overnight", "next day", "next-day", "nextday", "1-day", "one day")),
    ("expedited", ("express", "expedited", "2-day", "two day", "priority")),
    ("standard", ("standard", "economy", "ground")),
)


class NotAShopifyChannel(NotFound):
    def __init__(self, channel_id: str) -> None:
        self.channel_id = channel_id
        super().__init__(f"channel {channel_id!r} has no shopify connector")


class ShopifyWebhookLedger(Protocol):
    def shopify_order_for(self, channel_id: str, webhook_id: str) -> str | None: ...

    def remember_shopify_webhook(
        self, channel_id: str, webhook_id: str, shopify_order_id: str, order_id: str, at: datetime
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliverySummary:
    """What a delivery says about itself, read leniently before any mapping."""

    order_id: str | None  # Shopify's order id, when the body has a usable one
    test: bool
    cancel_reason: str | None


@dataclass(frozen=True, slots=True)
class ShopifyReader:
    """The payload mapping (``adapters.formats.shopify``): ``place_command`` and
    ``new_destination`` raise InvalidInput with every reason the body cannot be used."""

    summary: Callable[[bytes], DeliverySummary]
    place_command: Callable[[bytes, Channel, Network], PlaceOrder]
    new_destination: Callable[[bytes, Channel, Network], ShipTo]


class Outcome(StrEnum):
    PLACED = "placed"
    REPEAT = "repeat"  # the order a delivery seen before created
    CANCELLED = "cancelled"
    ADDRESS_CHANGED = "address_changed"
    UNCHANGED = "unchanged"
    KEPT = "kept"  # stored as an intake exception
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    outcome: Outcome
    message: str
    order: OrderView | None = None
    exception: IntakeException | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """An authenticated delivery to a Shopify channel."""

    channel: Channel
    network: Network
    topic: str | None
    webhook_id: str | None
    body: bytes


def shopify_channel(network: Network, channel_id: str) -> tuple[Channel, str]:
    """The channel and its webhook secret; NotFound unless it is a Shopify channel."""
    channel = network.channels.get(channel_id)
    if (
        channel is None
        or channel.connector.type is not ConnectorType.SHOPIFY
        or not channel.connector.secret
    ):
        raise NotAShopifyChannel(channel_id)
    return channel, channel.connector.secret


def expected_hmac(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def verify_hmac(secret: str, body: bytes, header: str | None) -> bool:
    if not header:
        return False
    return hmac.compare_digest(expected_hmac(secret, body).encode(), header.strip().encode())


def service_level_for(
    shipping_lines: Iterable[tuple[str | None, str | None]],
    default: str,
    known: Iterable[str],
    configured: Sequence[tuple[str, str]] = (),
) -> str:
    """The service level the shipping lines (title, code) ask for, when the network has
    it: the channel's ``configured`` words first, then the defaults, each a
    case-insensitive substring of the title or code; else the channel's default."""
    available = set(known)
    lines = [f"{title or ''} {code or ''}".casefold() for title, code in shipping_lines]
    for words, level in configured:
        if level in available and any(words.casefold() in text for text in lines):
            return level
    for text in lines:
        for level, defaults in SERVICE_LEVEL_WORDS:
            if level in available and any(word in text for word in defaults):
                return level
    return default


class _Handling:
    """One delivery's dispatch: the ports it needs, bound once."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        ledger: ShopifyWebhookLedger,
        reader: ShopifyReader,
        delivery: Delivery,
        clock: Clock,
        routing: Routing,
    ) -> None:
        self.uow = uow
        self.ledger = ledger
        self.reader = reader
        self.delivery = delivery
        self.clock = clock
        self.routing = routing
        self.channel = delivery.channel
        self.actor = f"shopify:{delivery.channel.id}"
        self.summary = reader.summary(delivery.body)

    def dispatch(self) -> DeliveryResult:
        topic = self.delivery.topic
        if self.summary.test:
            return DeliveryResult(Outcome.IGNORED, "a test order: acknowledged, not placed")
        if topic in (None, "", ORDERS_CREATE):
            return self.place()
        if topic == ORDERS_CANCELLED:
            return self.cancel()
        if topic == ORDERS_UPDATED:
            return self.update()
        return DeliveryResult(Outcome.IGNORED, f"topic {topic!r} is not one ordermesh handles")

    def keep(self, topic: str, reasons: Sequence[Problem]) -> DeliveryResult:
        kept = intake.keep(
            self.uow(),
            NewIntakeException(
                channel=self.channel.id,
                source=IntakeSource.SHOPIFY,
                topic=topic,
                external_id=self.summary.order_id,
                payload=intake.payload_text(self.delivery.body),
                reasons=tuple(reasons),
            ),
            self.clock,
        )
        return DeliveryResult(
            Outcome.KEPT, f"kept as intake exception {kept.id} for review", exception=kept
        )

    def place(self) -> DeliveryResult:
        webhook_id = self.delivery.webhook_id
        if webhook_id:
            seen = self.ledger.shopify_order_for(self.channel.id, webhook_id)
            if seen is not None:
                view = order_service.get_order(self.uow(), seen)
                return DeliveryResult(Outcome.REPEAT, "a delivery seen before", order=view)
        try:
            command = self.reader.place_command(
                self.delivery.body, self.channel, self.delivery.network
            )
            view, created = order_service.place_order(
                self.uow(), command, self.clock, actor=self.actor, routing=self.routing
            )
        except InvalidInput as error:
            return self.keep(ORDERS_CREATE, error.problems)
        external_id = view.external_id
        if webhook_id and external_id is not None:
            self.ledger.remember_shopify_webhook(
                self.channel.id, webhook_id, external_id, view.id, self.clock.now()
            )
        if external_id is not None:
            intake.resolve_open(
                self.uow(),
                self.channel.id,
                IntakeSource.SHOPIFY,
                external_id,
                view.id,
                self.clock,
                actor=self.actor,
            )
        if created:
            return DeliveryResult(Outcome.PLACED, "placed", order=view)
        return DeliveryResult(Outcome.REPEAT, "the order placed before", order=view)

    def order_id(self) -> str | None:
        external_id = self.summary.order_id
        if external_id is None:
            return None
        with self.uow() as uow:
            return uow.orders.find_by_key(self.channel.id, None, external_id)

    def open_exception(self) -> IntakeException | None:
        external_id = self.summary.order_id
        if external_id is None:
            return None
        with self.uow() as uow:
            return uow.intake_exceptions.find_open(
                self.channel.id, IntakeSource.SHOPIFY, external_id
            )

    def cancel(self) -> DeliveryResult:
        order_id = self.order_id()
        if order_id is None:
            kept = self.open_exception()
            if kept is None:
                return DeliveryResult(Outcome.IGNORED, "no order with this Shopify id")
            dismissed = intake.dismiss(
                self.uow(), kept.id, "cancelled in Shopify", self.clock, actor=self.actor
            )
            return DeliveryResult(
                Outcome.CANCELLED, f"intake exception {kept.id} dismissed", exception=dismissed
            )
        reason = f"cancelled in Shopify ({self.summary.cancel_reason or 'no reason given'})"
        try:
            view = order_service.cancel_order(
                self.uow(),
                order_id,
                self.clock,
                actor=self.actor,
                reason=reason,
                routing=self.routing,
            )
        except IllegalTransition as error:
            view = order_service.get_order(self.uow(), order_id)
            if view.status is OrderStatus.CANCELLED:
                return DeliveryResult(Outcome.UNCHANGED, "already cancelled", order=view)
            return self.keep(ORDERS_CANCELLED, [Problem("order", str(error))])
        return DeliveryResult(Outcome.CANCELLED, reason, order=view)

    def update(self) -> DeliveryResult:
        order_id = self.order_id()
        if order_id is None:
            if self.open_exception() is not None:
                return self.place()
            return DeliveryResult(
                Outcome.IGNORED, "no order with this Shopify id (an update places none)"
            )
        try:
            ship_to = self.reader.new_destination(
                self.delivery.body, self.channel, self.delivery.network
            )
        except InvalidInput as error:
            return self.keep(ORDERS_UPDATED, error.problems)
        view = order_service.get_order(self.uow(), order_id)
        if same_place(view.ship_to, ship_to):
            return DeliveryResult(Outcome.UNCHANGED, "the address is unchanged", order=view)
        released = sorted({r.node_id for r in view.shipments if r.status not in _NOT_YET_AT_A_NODE})
        if released:
            # A node may be picking it already: a person decides (docs/partners.md).
            return self.keep(
                ORDERS_UPDATED,
                [
                    Problem(
                        "shipping_address",
                        f"changed in Shopify after release to {', '.join(released)}",
                    )
                ],
            )
        try:
            view = order_service.change_address(
                self.uow(), order_id, ship_to, self.clock, actor=self.actor, routing=self.routing
            )
        except IllegalTransition as error:
            return self.keep(
                ORDERS_UPDATED,
                [Problem("shipping_address", f"changed in Shopify, but {error}")],
            )
        except InvalidInput as error:
            return self.keep(ORDERS_UPDATED, error.problems)
        return DeliveryResult(Outcome.ADDRESS_CHANGED, "moved to the new address", order=view)


# Requests in these states were never sent to a node (or were withdrawn): the order may move.
_NOT_YET_AT_A_NODE = frozenset({RequestStatus.CREATED, RequestStatus.CANCELLED})


def same_place(current: ShipTo, new: ShipTo) -> bool:
    """Whether an update leaves the order where it goes (the recipient aside)."""
    if current.pickup_node is not None or new.pickup_node is not None:
        return current.pickup_node == new.pickup_node
    a, b = current.location, new.location
    return (
        (a.postal_code, a.country) == (b.postal_code, b.country)
        and abs(a.lat - b.lat) < 1e-6
        and abs(a.lon - b.lon) < 1e-6
    )


def receive(
    uow: Callable[[], UnitOfWork],
    ledger: ShopifyWebhookLedger,
    reader: ShopifyReader,
    delivery: Delivery,
    clock: Clock,
    *,
    routing: Routing = DEFAULT_ROUTING,
) -> DeliveryResult:
    """Apply one authenticated delivery; never refuses one (see the module docstring)."""
    handling = _Handling(uow, ledger, reader, delivery, clock, routing)
    result = handling.dispatch()
    log.info(
        "shopify delivery channel=%s topic=%s webhook_id=%s shopify_order=%s: %s (%s)",
        delivery.channel.id,
        delivery.topic,
        delivery.webhook_id,
        handling.summary.order_id,
        result.outcome,
        result.message,
    )
    return result
