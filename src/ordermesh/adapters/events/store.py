"""The SQL side of event delivery: subscribers, dead letters, and what the relay needs
(leases on per-destination cursors, fan-out of events to webhook deliveries, results).

Every method is its own short transaction. A lease is a ``relay_cursors`` row: claiming it
reads the row ``FOR UPDATE SKIP LOCKED`` on PostgreSQL (SQLite's ``BEGIN IMMEDIATE``
serialises claims anyway), takes it when free or expired and bumps ``lease_token``; every
later write of the holder is fenced by that token, so a worker whose lease expired and was
taken over cannot move the cursor or record results any more.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.delivery_tables import (
    relay_cursors,
    shopify_webhooks,
    webhook_dead_letters,
    webhook_deliveries,
    webhook_subscribers,
)
from ordermesh.adapters.db.insert_or_ignore import insert_or_ignore
from ordermesh.adapters.db.repositories import SqlNetworkRepository
from ordermesh.adapters.db.tables import network_versions, orders, outbox_events
from ordermesh.services.events_delivery import DeadLetter, PartnerHook, Subscriber
from ordermesh.services.ports import NetworkVersion


@dataclass(frozen=True, slots=True)
class Lease:
    name: str
    owner: str
    token: int
    position: int


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    id: int
    event_id: str
    type: str
    order_id: str | None
    body: bytes  # the envelope of docs/events.md, as JSON
    node_id: str | None = None  # ``data.node_id``, when the event has one


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    id: int
    event: OutboxEvent
    attempts: int
    next_attempt_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    delivery_id: int
    ok: bool
    at: datetime
    error: str | None = None
    retry_at: datetime | None = None  # failed: try again then; None with ok False: dead


class LeaseLost(Exception):
    """Another worker holds the lease now: drop what this one was doing."""


def envelope(row: Any) -> bytes:
    occurred_at: datetime = row.created_at
    document = {
        "id": row.id,
        "event_id": row.event_id,
        "type": row.type,
        "occurred_at": occurred_at.isoformat(),
        "order_id": row.order_id,
        "sequence": row.order_sequence,
        "data": row.payload,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def _event(row: Any) -> OutboxEvent:
    payload = row.payload
    node_id = payload.get("node_id") if isinstance(payload, dict) else None
    return OutboxEvent(
        row.id,
        row.event_id,
        row.type,
        row.order_id,
        envelope(row),
        node_id if isinstance(node_id, str) else None,
    )


class SqlDeliveryStore:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    # -- subscribers and dead letters (the DeliveryStore port) ------------------------------

    def add_subscriber(
        self, url: str, secret: str, event_types: Sequence[str], at: datetime
    ) -> Subscriber:
        subscriber = Subscriber(
            id=f"whs_{uuid.uuid4().hex}",
            url=url,
            secret=secret,
            event_types=tuple(event_types),
            active=True,
            created_at=at,
        )
        with self._engine.begin() as connection:
            self._insert_subscriber(connection, subscriber, at)
        return subscriber

    def _insert_subscriber(
        self, connection: sa.Connection, subscriber: Subscriber, at: datetime
    ) -> None:
        connection.execute(
            webhook_subscribers.insert().values(
                id=subscriber.id,
                url=subscriber.url,
                secret=subscriber.secret,
                event_types=list(subscriber.event_types),
                active=True,
                created_at=at,
                updated_at=at,
                scope_kind=subscriber.scope_kind,
                scope_id=subscriber.scope_id,
            )
        )
        # A new subscriber gets the events committed from now on, not the history.
        connection.execute(
            relay_cursors.insert().values(
                name=f"webhook:{subscriber.id}",
                position=self._last_event_id(connection),
                lease_owner=None,
                lease_token=0,
                lease_until=None,
                updated_at=at,
            )
        )

    @staticmethod
    def _last_event_id(connection: sa.Connection) -> int:
        last = connection.execute(sa.select(sa.func.max(outbox_events.c.id))).scalar()
        return int(last or 0)

    # -- subscribers from partners' webhook connectors ---------------------------------------

    def network_version(self) -> int | None:
        with self._engine.connect() as connection:
            version = connection.execute(
                sa.select(sa.func.max(network_versions.c.version))
            ).scalar()
        return None if version is None else int(version)

    def current_network(self) -> NetworkVersion | None:
        with self._engine.connect() as connection:
            return SqlNetworkRepository(connection).current()

    def sync_partner_hooks(self, hooks: Sequence[PartnerHook], at: datetime) -> None:
        """Make the partner-scoped subscribers those of ``hooks``, in one transaction: a
        new hook is a new subscriber (from the events committed now on), a changed url or
        secret updates it in place (its cursor and pending deliveries carry on, sent to the
        new url with the new secret), a hook gone deactivates it (its deliveries stay, and
        go out again if the connector comes back), a hook back reactivates it from now on."""
        s = webhook_subscribers.c
        wanted = {hook.subscriber_id: hook for hook in hooks}
        with self._engine.begin() as connection:
            rows = {
                row.id: row
                for row in connection.execute(
                    sa.select(webhook_subscribers)
                    .where(s.scope_kind.is_not(None))
                    .with_for_update()
                )
            }
            for subscriber_id, row in rows.items():
                if subscriber_id not in wanted and row.active:
                    connection.execute(
                        webhook_subscribers.update()
                        .where(s.id == subscriber_id)
                        .values(active=False, updated_at=at)
                    )
            for subscriber_id, hook in wanted.items():
                existing = rows.get(subscriber_id)
                if existing is None:
                    subscriber = Subscriber(
                        id=subscriber_id,
                        url=hook.url,
                        secret=hook.secret,
                        event_types=hook.event_types,
                        active=True,
                        created_at=at,
                        scope_kind=hook.scope_kind,
                        scope_id=hook.scope_id,
                    )
                    self._insert_subscriber(connection, subscriber, at)
                    continue
                same = (
                    existing.active
                    and existing.url == hook.url
                    and existing.secret == hook.secret
                    and tuple(existing.event_types) == hook.event_types
                )
                if same:
                    continue
                connection.execute(
                    webhook_subscribers.update()
                    .where(s.id == subscriber_id)
                    .values(
                        url=hook.url,
                        secret=hook.secret,
                        event_types=list(hook.event_types),
                        active=True,
                        updated_at=at,
                    )
                )
                if not existing.active:
                    # Back after a gap: from the events committed now on, as when new; the
                    # token bump fences out a worker still holding the old lease.
                    c = relay_cursors.c
                    connection.execute(
                        relay_cursors.update()
                        .where(c.name == f"webhook:{subscriber_id}")
                        .values(
                            position=self._last_event_id(connection),
                            lease_token=c.lease_token + 1,
                            lease_owner=None,
                            lease_until=None,
                            updated_at=at,
                        )
                    )

    def subscribers(self, *, active_only: bool = False) -> list[Subscriber]:
        query = sa.select(webhook_subscribers).order_by(webhook_subscribers.c.created_at)
        if active_only:
            query = query.where(webhook_subscribers.c.active.is_(True))
        with self._engine.connect() as connection:
            return [
                Subscriber(
                    id=row.id,
                    url=row.url,
                    secret=row.secret,
                    event_types=tuple(row.event_types),
                    active=row.active,
                    created_at=row.created_at,
                    scope_kind=row.scope_kind,
                    scope_id=row.scope_id,
                )
                for row in connection.execute(query)
            ]

    def remove_subscriber(self, subscriber_id: str, at: datetime) -> bool:
        s = webhook_subscribers.c
        with self._engine.begin() as connection:
            result = connection.execute(
                webhook_subscribers.update()
                .where(s.id == subscriber_id, s.active.is_(True))
                .values(active=False, updated_at=at)
            )
        return result.rowcount == 1

    def dead_letters(self, include_replayed: bool = False) -> list[DeadLetter]:
        d = webhook_dead_letters.c
        query = sa.select(webhook_dead_letters).order_by(d.id)
        if not include_replayed:
            query = query.where(d.replayed_at.is_(None))
        with self._engine.connect() as connection:
            return [
                DeadLetter(
                    id=row.id,
                    delivery_id=row.delivery_id,
                    subscriber_id=row.subscriber_id,
                    event_id=row.event_id,
                    attempts=row.attempts,
                    last_error=row.last_error,
                    created_at=row.created_at,
                    replayed_at=row.replayed_at,
                )
                for row in connection.execute(query)
            ]

    def replay(self, dead_letter_ids: Sequence[int] | None, at: datetime) -> list[int]:
        d = webhook_dead_letters.c
        with self._engine.begin() as connection:
            query = sa.select(d.id, d.delivery_id).where(d.replayed_at.is_(None))
            if dead_letter_ids is not None:
                query = query.where(d.id.in_(list(dead_letter_ids)))
            rows = connection.execute(query.with_for_update()).all()
            if not rows:
                return []
            connection.execute(
                webhook_dead_letters.update()
                .where(d.id.in_([row.id for row in rows]))
                .values(replayed_at=at)
            )
            connection.execute(
                webhook_deliveries.update()
                .where(
                    webhook_deliveries.c.id.in_([row.delivery_id for row in rows]),
                    webhook_deliveries.c.status == "dead",
                )
                .values(status="pending", attempts=0, next_attempt_at=at)
            )
        return [row.id for row in rows]

    # -- leases -----------------------------------------------------------------------------

    def claim(self, name: str, owner: str, now: datetime, ttl_s: float) -> Lease | None:
        """Take or renew the lease on ``name`` for ``ttl_s``; None while another holds it."""
        c = relay_cursors.c
        until = now + timedelta(seconds=ttl_s)
        with self._engine.begin() as connection:
            row = connection.execute(
                sa.select(relay_cursors).where(c.name == name).with_for_update(skip_locked=True)
            ).one_or_none()
            if row is None:
                exists = connection.execute(
                    sa.select(sa.func.count()).select_from(relay_cursors).where(c.name == name)
                ).scalar_one()
                if exists:
                    return None  # locked by a concurrent claim right now
                claimed = insert_or_ignore(
                    connection,
                    relay_cursors,
                    {
                        "name": name,
                        "position": 0,
                        "lease_owner": owner,
                        "lease_token": 1,
                        "lease_until": until,
                        "updated_at": now,
                    },
                    keys=("name",),
                )
                if not claimed:
                    return None  # a concurrent worker created and took it first
                return Lease(name, owner, 1, 0)
            held = row.lease_owner is not None and row.lease_until is not None
            if held and row.lease_owner != owner and row.lease_until > now:
                return None
            token = row.lease_token if row.lease_owner == owner else row.lease_token + 1
            connection.execute(
                relay_cursors.update()
                .where(c.name == name)
                .values(lease_owner=owner, lease_token=token, lease_until=until, updated_at=now)
            )
            return Lease(name, owner, token, row.position)

    def release(self, lease: Lease, now: datetime) -> None:
        c = relay_cursors.c
        with self._engine.begin() as connection:
            connection.execute(
                relay_cursors.update()
                .where(c.name == lease.name, c.lease_token == lease.token)
                .values(lease_owner=None, lease_until=None, updated_at=now)
            )

    def _fence(self, connection: sa.Connection, lease: Lease, position: int, now: datetime) -> None:
        c = relay_cursors.c
        result = connection.execute(
            relay_cursors.update()
            .where(c.name == lease.name, c.lease_token == lease.token, c.lease_owner == lease.owner)
            .values(position=position, updated_at=now)
        )
        if result.rowcount != 1:
            raise LeaseLost(lease.name)

    def advance(self, lease: Lease, position: int, now: datetime) -> Lease:
        with self._engine.begin() as connection:
            self._fence(connection, lease, position, now)
        return Lease(lease.name, lease.owner, lease.token, position)

    def set_position(self, name: str, position: int, now: datetime) -> None:
        """Move a cursor by hand (operations, tests): the next pass re-delivers from there."""
        with self._engine.begin() as connection:
            connection.execute(
                relay_cursors.update()
                .where(relay_cursors.c.name == name)
                .values(position=position, updated_at=now)
            )

    # -- the outbox -------------------------------------------------------------------------

    def events_after(self, position: int, limit: int) -> list[OutboxEvent]:
        e = outbox_events.c
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(outbox_events).where(e.id > position).order_by(e.id).limit(limit)
            )
            return [_event(row) for row in rows]

    def last_event_id(self) -> int:
        with self._engine.connect() as connection:
            last = connection.execute(sa.select(sa.func.max(outbox_events.c.id))).scalar()
        return int(last or 0)

    # -- webhooks ---------------------------------------------------------------------------

    def fan_out(
        self, lease: Lease, subscriber: Subscriber, limit: int, now: datetime
    ) -> tuple[Lease, int]:
        """Turn the subscriber's next outbox events into pending deliveries, and move its
        cursor past them, in one transaction. Returns the lease and events read."""
        events = self.events_after(lease.position, limit)
        if not events:
            return lease, 0
        channels: dict[str, str] = {}
        if subscriber.scope_kind is not None:
            order_ids = sorted({e.order_id for e in events if e.order_id is not None})
            if order_ids:
                with self._engine.connect() as connection:
                    channels = {
                        row.id: row.channel
                        for row in connection.execute(
                            sa.select(orders.c.id, orders.c.channel).where(
                                orders.c.id.in_(order_ids)
                            )
                        )
                    }
        rows = [
            {
                "subscriber_id": subscriber.id,
                "outbox_id": event.id,
                "event_id": event.event_id,
                "order_id": event.order_id,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event in events
            if subscriber.wants_event(
                event.type,
                event.node_id,
                channels.get(event.order_id) if event.order_id is not None else None,
            )
        ]
        position = events[-1].id
        with self._engine.begin() as connection:
            self._fence(connection, lease, position, now)
            if rows:
                connection.execute(webhook_deliveries.insert(), rows)
        return Lease(lease.name, lease.owner, lease.token, position), len(events)

    def pending(self, subscriber_id: str, limit: int) -> tuple[list[PendingDelivery], set[str]]:
        """The subscriber's first undelivered events in outbox order, and the orders held
        back by a dead letter (their later events wait until it is replayed)."""
        w = webhook_deliveries.c
        e = outbox_events.c
        with self._engine.connect() as connection:
            rows = connection.execute(
                sa.select(
                    w.id.label("delivery_id"),
                    w.attempts,
                    w.next_attempt_at,
                    outbox_events,
                )
                .join(outbox_events, e.id == w.outbox_id)
                .where(w.subscriber_id == subscriber_id, w.status == "pending")
                .order_by(w.outbox_id)
                .limit(limit)
            ).all()
            orders = {row.order_id for row in rows if row.order_id is not None}
            blocked: set[str] = set()
            if orders:
                blocked = set(
                    connection.execute(
                        sa.select(w.order_id)
                        .where(
                            w.subscriber_id == subscriber_id,
                            w.status == "dead",
                            w.order_id.in_(sorted(orders)),
                        )
                        .distinct()
                    ).scalars()
                )
        return [
            PendingDelivery(row.delivery_id, _event(row), row.attempts, row.next_attempt_at)
            for row in rows
        ], blocked

    def record(
        self, lease: Lease, subscriber_id: str, results: Iterable[DeliveryResult], now: datetime
    ) -> None:
        """Write attempt results, fenced by the lease; failures past the last attempt
        become dead letters."""
        w = webhook_deliveries.c
        results = list(results)
        if not results:
            return
        with self._engine.begin() as connection:
            self._fence(connection, lease, lease.position, now)
            delivered = [r.delivery_id for r in results if r.ok]
            if delivered:
                connection.execute(
                    webhook_deliveries.update()
                    .where(w.id.in_(delivered))
                    .values(
                        status="delivered",
                        attempts=w.attempts + 1,
                        delivered_at=now,
                        last_attempt_at=now,
                    )
                )
            for result in results:
                if result.ok:
                    continue
                dead = result.retry_at is None
                connection.execute(
                    webhook_deliveries.update()
                    .where(w.id == result.delivery_id)
                    .values(
                        status="dead" if dead else "pending",
                        attempts=w.attempts + 1,
                        last_error=result.error,
                        last_attempt_at=result.at,
                        next_attempt_at=result.retry_at or result.at,
                    )
                )
                if dead:
                    row = connection.execute(
                        sa.select(w.event_id, w.attempts).where(w.id == result.delivery_id)
                    ).one()
                    connection.execute(
                        webhook_dead_letters.insert().values(
                            delivery_id=result.delivery_id,
                            subscriber_id=subscriber_id,
                            event_id=row.event_id,
                            attempts=row.attempts,
                            last_error=result.error,
                            created_at=now,
                        )
                    )

    def delivery_counts(self, subscriber_id: str | None = None) -> dict[str, int]:
        w = webhook_deliveries.c
        query = sa.select(w.status, sa.func.count()).group_by(w.status)
        if subscriber_id is not None:
            query = query.where(w.subscriber_id == subscriber_id)
        with self._engine.connect() as connection:
            return {status: int(count) for status, count in connection.execute(query).all()}

    # -- Shopify ----------------------------------------------------------------------------

    def shopify_order_for(self, channel_id: str, webhook_id: str) -> str | None:
        s = shopify_webhooks.c
        with self._engine.connect() as connection:
            order_id: str | None = connection.execute(
                sa.select(s.order_id).where(s.channel_id == channel_id, s.webhook_id == webhook_id)
            ).scalar_one_or_none()
        return order_id

    def remember_shopify_webhook(
        self, channel_id: str, webhook_id: str, shopify_order_id: str, order_id: str, at: datetime
    ) -> None:
        # A concurrent delivery of the same webhook may have recorded it first: either wins.
        with self._engine.begin() as connection:
            insert_or_ignore(
                connection,
                shopify_webhooks,
                {
                    "channel_id": channel_id,
                    "webhook_id": webhook_id,
                    "shopify_order_id": shopify_order_id,
                    "order_id": order_id,
                    "received_at": at,
                },
                keys=("channel_id", "webhook_id"),
            )
