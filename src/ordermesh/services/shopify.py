"""Shopify orders: a store's ``orders/create`` webhook becomes an ordermesh order.

Shopify signs each delivery with ``X-Shopify-Hmac-Sha256`` = base64(HMAC-SHA256(the
store's webhook secret, the raw body)); the channel's connector holds that secret. Shopify
delivers at least once: a webhook id seen before is answered with the order it created and
changes nothing, and the Shopify order id is the order's ``external_id``, so a repeat under
a new webhook id is also the same order.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from ordermesh.domain.errors import NotFound
from ordermesh.domain.model import Channel, ConnectorType
from ordermesh.domain.network import Network
from ordermesh.services import orders as order_service
from ordermesh.services.orders import OrderView, PlaceOrder
from ordermesh.services.ports import DEFAULT_ROUTING, Clock, Routing, UnitOfWork

HMAC_HEADER = "X-Shopify-Hmac-Sha256"
WEBHOOK_ID_HEADER = "X-Shopify-Webhook-Id"

# Shipping line title or code (lower case) -> service level, first match wins.
SERVICE_LEVEL_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("next_day", ("overnight", "next day", "next-day", "nextday", "1-day", "one day")),
    ("expedited", ("express", "expedited", "2-day", "two day", "priority")),
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
    shipping_lines: Iterable[tuple[str | None, str | None]], default: str, known: Iterable[str]
) -> str:
    """The service level the shipping lines (title, code) ask for, when the network has
    it; else the channel's default."""
    available = set(known)
    for title, code in shipping_lines:
        text = f"{title or ''} {code or ''}".lower()
        for level, words in SERVICE_LEVEL_WORDS:
            if any(word in text for word in words) and level in available:
                return level
    return default


def receive_order(
    uow: Callable[[], UnitOfWork],
    ledger: ShopifyWebhookLedger,
    channel_id: str,
    webhook_id: str | None,
    shopify_order_id: str,
    command: Callable[[], PlaceOrder],
    clock: Clock,
    *,
    routing: Routing = DEFAULT_ROUTING,
) -> tuple[OrderView, bool]:
    """Place the order of an authenticated webhook; (the order, whether it was created).

    ``command`` maps the payload (it may raise InvalidInput): it is only called for a
    webhook not seen before, so a replay is answered without re-reading the payload."""
    if webhook_id:
        seen = ledger.shopify_order_for(channel_id, webhook_id)
        if seen is not None:
            return order_service.get_order(uow(), seen), False
    view, created = order_service.place_order(
        uow(), command(), clock, actor=f"shopify:{channel_id}", routing=routing
    )
    if webhook_id:
        ledger.remember_shopify_webhook(
            channel_id, webhook_id, shopify_order_id, view.id, clock.now()
        )
    return view, created
