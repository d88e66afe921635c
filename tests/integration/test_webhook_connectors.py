"""A node's or channel's ``webhook`` connector is a webhook subscriber scoped to that partner,
on SQLite and PostgreSQL: a node gets its own requests' and inventory's events, a channel its
own orders' events, each signed with the connector's secret; a new url or secret updates the
subscriber without losing a pending delivery, and a connector removed deactivates it."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.delivery_tables import webhook_deliveries
from ordermesh.adapters.db.tables import orders as orders_table
from ordermesh.adapters.db.tables import outbox_events
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.events.local import Received, WebhookReceiver
from ordermesh.adapters.events.relay import Relay, RelaySettings
from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.adapters.formats.network_document import (
    checksum,
    network_from_document,
    validate_network_document,
)
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services import events_delivery, inventory, network, orders
from ordermesh.services.events_delivery import RetryPolicy, verify_signature

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
NODE_SECRET = "reno-signing-secret"
CHANNEL_SECRET = "web-signing-secret"
CLOCK = SystemClock()
NODE_TYPES = ("fulfillment.", "inventory.changed")
CHANNEL_TYPES = ("order.", "fulfillment.")


def document(
    node_hook: dict[str, str] | None, channel_hook: dict[str, str] | None
) -> dict[str, Any]:
    raw = yaml.safe_load(NETWORK.read_text())
    for node in raw["nodes"]:
        if node["id"] == "DC-RENO" and node_hook is not None:
            node["connector"] = {"type": "webhook", **node_hook}
    for channel in raw["channels"]:
        if channel["id"] == "web" and channel_hook is not None:
            channel["connector"] = {"type": "webhook", **channel_hook}
    validated, _ = validate_network_document(raw)
    return validated


def load(engine: sa.Engine, doc: dict[str, Any]) -> None:
    network.load_network(SqlUnitOfWork(engine), doc, checksum(doc), CLOCK)


def relay_pass(engine: sa.Engine, settings: RelaySettings | None = None) -> None:
    async def go() -> None:
        relay = Relay(engine, settings or RelaySettings(), CLOCK, rng=random.Random(3))
        try:
            await relay.drain()
        finally:
            await relay.close()

    asyncio.run(go())


def stock_and_orders(engine: sa.Engine) -> None:
    inventory.apply_snapshots(
        SqlUnitOfWork(engine),
        {
            "DC-RENO": [SnapshotLine("MUG-BLUE", 10), SnapshotLine("COASTER", 20)],
            "DC-OHIO": [SnapshotLine("PILLOW", 10), SnapshotLine("MUG-BLUE", 5)],
        },
        "counter",
        CLOCK,
    )
    chicago = ShipTo(Location(41.9107, -87.6340, "60610", "US", "IL"))
    for channel, sku in (("web", "MUG-BLUE"), ("web", "PILLOW"), ("amazon", "COASTER")):
        for _ in range(2):
            orders.place_order(
                SqlUnitOfWork(engine),
                orders.PlaceOrder(
                    channel=channel,
                    ship_to=chicago,
                    service_level="standard",
                    lines=(OrderLine("1", sku, 1),),
                ),
                CLOCK,
                actor="test",
            )


def outbox(engine: sa.Engine, after: int = 0) -> list[Any]:
    with engine.connect() as connection:
        return list(
            connection.execute(
                sa.select(outbox_events, orders_table.c.channel)
                .outerjoin(orders_table, orders_table.c.id == outbox_events.c.order_id)
                .where(outbox_events.c.id > after)
                .order_by(outbox_events.c.id)
            )
        )


def last_id(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.select(sa.func.max(outbox_events.c.id))).scalar() or 0)


def ids(received: list[Received]) -> list[str]:
    return sorted(r.json()["event_id"] for r in received)


def signed_with(secret: str, received: list[Received]) -> bool:
    now = int(time.time())
    return all(
        verify_signature(secret, r.body, r.headers["X-Ordermesh-Signature"], now) for r in received
    )


def test_node_and_channel_webhooks_get_only_their_own_events(engine: sa.Engine) -> None:
    with WebhookReceiver() as node_hook, WebhookReceiver() as channel_hook:
        load(
            engine,
            document(
                {"url": node_hook.url, "secret": NODE_SECRET},
                {"url": channel_hook.url, "secret": CHANNEL_SECRET},
            ),
        )
        relay_pass(engine)  # sees the network: two subscribers, from the events after now
        start = last_id(engine)
        stock_and_orders(engine)
        relay_pass(engine)
        node_got, channel_got = node_hook.accepted(), channel_hook.accepted()

    events = outbox(engine, start)
    for_node = [
        e.event_id
        for e in events
        if e.type.startswith(NODE_TYPES) and e.payload.get("node_id") == "DC-RENO"
    ]
    for_channel = [
        e.event_id for e in events if e.type.startswith(CHANNEL_TYPES) and e.channel == "web"
    ]
    assert for_node and for_channel
    # other partners' events exist, and go to neither
    assert any(e.payload.get("node_id") == "DC-OHIO" for e in events)
    assert any(e.channel == "amazon" for e in events)
    assert ids(node_got) == sorted(for_node)
    assert ids(channel_got) == sorted(for_channel)
    assert {r.json()["type"].split(".")[0] for r in node_got} == {"fulfillment", "inventory"}
    assert signed_with(NODE_SECRET, node_got) and not signed_with(CHANNEL_SECRET, node_got)
    assert signed_with(CHANNEL_SECRET, channel_got)
    assert not signed_with(NODE_SECRET, channel_got)

    subscribers = events_delivery_subscribers(engine)
    assert subscribers == {
        "whs_node_DC-RENO": ("node", "DC-RENO", True),
        "whs_channel_web": ("channel", "web", True),
    }


def events_delivery_subscribers(
    engine: sa.Engine,
) -> dict[str, tuple[str | None, str | None, bool]]:
    return {
        s.id: (s.scope_kind, s.scope_id, s.active) for s in SqlDeliveryStore(engine).subscribers()
    }


def test_a_new_url_or_secret_keeps_pending_deliveries_and_removal_deactivates(
    engine: sa.Engine,
) -> None:
    slow = RelaySettings(retry=RetryPolicy(max_attempts=50, base_delay_s=3600))
    with (
        WebhookReceiver(lambda _r: 503) as down,
        WebhookReceiver() as moved,
        WebhookReceiver() as channel_hook,
    ):
        load(engine, document({"url": down.url, "secret": NODE_SECRET}, None))
        relay_pass(engine, slow)
        start = last_id(engine)
        stock_and_orders(engine)
        relay_pass(engine, slow)  # every attempt fails: pending, retried in an hour
        with engine.connect() as connection:
            pending = connection.execute(
                sa.select(sa.func.count()).where(
                    webhook_deliveries.c.subscriber_id == "whs_node_DC-RENO",
                    webhook_deliveries.c.status == "pending",
                )
            ).scalar_one()
        assert pending > 0 and not down.accepted()

        # The node moves its endpoint and rotates its secret; the channel gets a webhook.
        load(
            engine,
            document(
                {"url": moved.url, "secret": "rotated-secret"},
                {"url": channel_hook.url, "secret": CHANNEL_SECRET},
            ),
        )
        with engine.begin() as connection:  # an hour later: the retries are due
            connection.execute(
                webhook_deliveries.update().values(
                    next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
                )
            )
        relay_pass(engine, slow)
        got = moved.accepted()
        for_node = [
            e.event_id
            for e in outbox(engine, start)
            if e.type.startswith(NODE_TYPES) and e.payload.get("node_id") == "DC-RENO"
        ]
        assert ids(got) == sorted(for_node)  # none lost across the change
        assert signed_with("rotated-secret", got) and not signed_with(NODE_SECRET, got)

        # Both connectors removed: the subscribers are deactivated, nothing more is sent.
        load(engine, document(None, None))
        relay_pass(engine, slow)
        stock_and_orders(engine)
        relay_pass(engine, slow)
        assert ids(moved.accepted()) == ids(got)
        assert not channel_hook.accepted()
    assert events_delivery_subscribers(engine) == {
        "whs_node_DC-RENO": ("node", "DC-RENO", False),
        "whs_channel_web": ("channel", "web", False),
    }


def test_a_partner_hook_is_keyed_by_its_partner() -> None:
    raw = yaml.safe_load(NETWORK.read_text())
    raw["nodes"][0]["connector"] = {"type": "webhook", "url": "https://x.test/h", "secret": "a" * 8}
    validated, _ = validate_network_document(raw)
    hooks = events_delivery.partner_hooks(network_from_document(validated))
    assert [(h.subscriber_id, h.event_types) for h in hooks] == [
        ("whs_node_DC-RENO", ("fulfillment.*", "inventory.changed"))
    ]


@pytest.mark.parametrize(
    ("kind", "node_id", "channel", "event_type", "wanted"),
    [
        ("node", "DC-RENO", None, "inventory.changed", True),
        ("node", "DC-OHIO", None, "inventory.changed", False),
        ("node", "DC-RENO", "web", "order.received", False),
        ("channel", None, "web", "order.received", True),
        ("channel", "DC-RENO", "web", "fulfillment.shipped", True),
        ("channel", "DC-RENO", "amazon", "fulfillment.shipped", False),
        ("channel", "DC-RENO", None, "inventory.changed", False),
    ],
)
def test_scope(
    kind: str, node_id: str | None, channel: str | None, event_type: str, wanted: bool
) -> None:
    scope_id = "DC-RENO" if kind == "node" else "web"
    subscriber = events_delivery.Subscriber(
        id="s",
        url="https://x.test",
        secret="x" * 8,
        event_types=events_delivery.SCOPE_EVENT_TYPES[kind],
        active=True,
        created_at=datetime.now(UTC),
        scope_kind=kind,
        scope_id=scope_id,
    )
    assert subscriber.wants_event(event_type, node_id, channel) is wanted
