"""Delivering outbox events: webhook subscribers, signatures, retry policy, dead letters.

The relay itself (claiming, NATS, HTTP) is an adapter (``ordermesh.adapters.events``); this
module holds what does not depend on how: the signature scheme subscribers verify, the
backoff schedule, which events a subscriber wants, and the use cases the CLI and the API
share (manage subscribers, list and replay dead letters) over the ``DeliveryStore`` port.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from urllib.parse import urlsplit

from ordermesh.domain.errors import InvalidInput, NotFound, Problem
from ordermesh.domain.model import ConnectorType
from ordermesh.domain.network import Network
from ordermesh.services.ports import Clock

SIGNATURE_HEADER = "X-Ordermesh-Signature"
MIN_SECRET_LENGTH = 8
DEFAULT_TOLERANCE_S = 300
_RNG = random.Random()


class UnknownSubscriber(NotFound):
    def __init__(self, subscriber_id: str) -> None:
        self.subscriber_id = subscriber_id
        super().__init__(f"unknown webhook subscriber {subscriber_id!r}")


class UnknownDeadLetter(NotFound):
    def __init__(self, dead_letter_id: int) -> None:
        self.dead_letter_id = dead_letter_id
        super().__init__(f"unknown or already replayed dead letter {dead_letter_id}")


@dataclass(frozen=True, slots=True)
class Subscriber:
    id: str
    url: str
    secret: str
    event_types: tuple[str, ...]  # "order.placed", or a prefix "order.*"; empty: all
    active: bool
    created_at: datetime
    # A partner's webhook connector: ("node", node id) or ("channel", channel id); only
    # that partner's events go to it. None: a subscriber added by hand, every event.
    scope_kind: str | None = None
    scope_id: str | None = None

    def wants(self, event_type: str) -> bool:
        return event_matches(self.event_types, event_type)

    def wants_event(self, event_type: str, node_id: str | None, channel: str | None) -> bool:
        """``node_id``: the event's ``data.node_id``; ``channel``: its order's channel."""
        if not self.wants(event_type):
            return False
        if self.scope_kind == SCOPE_NODE:
            return node_id is not None and node_id == self.scope_id
        if self.scope_kind == SCOPE_CHANNEL:
            return channel is not None and channel == self.scope_id
        return True


@dataclass(frozen=True, slots=True)
class DeadLetter:
    id: int
    delivery_id: int
    subscriber_id: str
    event_id: str
    attempts: int
    last_error: str | None
    created_at: datetime
    replayed_at: datetime | None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Attempt n (1-based) that fails waits ``base * 2**(n-1)``, capped, times a random
    factor in [1 - jitter, 1 + jitter]; the ``max_attempts``-th failure is a dead letter."""

    max_attempts: int = 8
    base_delay_s: float = 1.0
    max_delay_s: float = 300.0
    jitter: float = 0.2

    def delay_s(self, attempts: int, rng: random.Random | None = None) -> float:
        exponent = min(max(attempts - 1, 0), 62)
        delay = min(self.max_delay_s, self.base_delay_s * (2.0**exponent))
        factor = (rng or _RNG).uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return max(0.0, delay * factor)


SCOPE_NODE = "node"
SCOPE_CHANNEL = "channel"
SCOPE_EVENT_TYPES = {
    # a node: the requests released to it and its inventory
    SCOPE_NODE: ("fulfillment.*", "inventory.changed"),
    # a channel: its orders and their requests
    SCOPE_CHANNEL: ("order.*", "fulfillment.*"),
}


@dataclass(frozen=True, slots=True)
class PartnerHook:
    """The subscriber a partner's ``webhook`` connector stands for."""

    scope_kind: str
    scope_id: str
    url: str
    secret: str

    @property
    def subscriber_id(self) -> str:
        # Keyed by the partner, so a new url or secret updates the same subscriber (its
        # cursor and pending deliveries carry on) instead of starting another.
        return f"whs_{self.scope_kind}_{self.scope_id}"

    @property
    def event_types(self) -> tuple[str, ...]:
        return SCOPE_EVENT_TYPES[self.scope_kind]


def partner_hooks(network: Network) -> list[PartnerHook]:
    """The webhook subscribers a network version's connectors call for (disabled nodes
    included: their requests' cancellations still concern them)."""
    partners = [(SCOPE_NODE, node.id, node.connector) for node in network.nodes.values()]
    partners += [(SCOPE_CHANNEL, c.id, c.connector) for c in network.channels.values()]
    hooks = [
        PartnerHook(kind, partner_id, connector.url, connector.secret)
        for kind, partner_id, connector in partners
        if connector.type is ConnectorType.WEBHOOK and connector.url and connector.secret
    ]
    return sorted(hooks, key=lambda hook: hook.subscriber_id)


def event_matches(patterns: Sequence[str], event_type: str) -> bool:
    if not patterns:
        return True
    for pattern in patterns:
        if pattern in ("*", event_type):
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


# -- signatures -----------------------------------------------------------------------------


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value: ``t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>``."""
    message = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(
    secret: str, body: bytes, header: str, now: int, tolerance_s: int = DEFAULT_TOLERANCE_S
) -> bool:
    """What a subscriber does: recompute, compare in constant time, refuse stale stamps."""
    fields: dict[str, list[str]] = {}
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        fields.setdefault(key, []).append(value)
    try:
        timestamp = int(fields["t"][0])
    except (KeyError, ValueError):
        return False
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body).rsplit("v1=", 1)[1]
    return any(hmac.compare_digest(expected, given) for given in fields.get("v1", []))


# -- the port and the use cases -------------------------------------------------------------


class DeliveryStore(Protocol):
    def add_subscriber(
        self, url: str, secret: str, event_types: Sequence[str], at: datetime
    ) -> Subscriber: ...

    def subscribers(self) -> list[Subscriber]: ...

    def remove_subscriber(self, subscriber_id: str, at: datetime) -> bool:
        """Deactivate it (its delivery history stays); False when unknown."""
        ...

    def dead_letters(self, include_replayed: bool = False) -> list[DeadLetter]: ...

    def replay(self, dead_letter_ids: Sequence[int] | None, at: datetime) -> list[int]:
        """Put these dead letters (None: every one not yet replayed) back in line for
        immediate delivery with fresh attempts; returns the ids replayed."""
        ...


def check_subscriber(url: str, secret: str, event_types: Sequence[str]) -> None:
    problems: list[Problem] = []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        problems.append(Problem("url", "must be an http or https URL"))
    if len(secret) < MIN_SECRET_LENGTH:
        problems.append(Problem("secret", f"must be at least {MIN_SECRET_LENGTH} characters"))
    for index, pattern in enumerate(event_types):
        if not pattern or any(c.isspace() for c in pattern):
            problems.append(Problem(f"event_types[{index}]", "must be a non-empty event type"))
    if problems:
        raise InvalidInput("subscriber", problems)


def add_subscriber(
    store: DeliveryStore, url: str, secret: str, event_types: Sequence[str], clock: Clock
) -> Subscriber:
    check_subscriber(url, secret, event_types)
    return store.add_subscriber(url, secret, tuple(event_types), clock.now())


def remove_subscriber(store: DeliveryStore, subscriber_id: str, clock: Clock) -> None:
    if not store.remove_subscriber(subscriber_id, clock.now()):
        raise UnknownSubscriber(subscriber_id)


def replay_dead_letter(store: DeliveryStore, dead_letter_id: int, clock: Clock) -> None:
    if not store.replay([dead_letter_id], clock.now()):
        raise UnknownDeadLetter(dead_letter_id)


def replay_all(store: DeliveryStore, clock: Clock) -> list[int]:
    return store.replay(None, clock.now())
