"""What the services need from the outside world, as Protocols the adapters implement."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from ordermesh.domain.availability import Position
from ordermesh.domain.events import Event
from ordermesh.domain.inventory import PositionChange
from ordermesh.domain.lifecycle import OrderStatus, RequestStatus, Transition
from ordermesh.domain.network import Network
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.domain.routing.problem import Problem
from ordermesh.domain.routing.search import SearchOptions, Strategy, default_strategy
from ordermesh.services.intake_ports import IntakeExceptionRepository
from ordermesh.services.opportunity_ports import OpportunityRepository


@dataclass(frozen=True, slots=True)
class NetworkVersion:
    version: int
    loaded_at: datetime
    network: Network
    checksum: str


@dataclass(frozen=True, slots=True)
class JournalEntry:
    id: int
    at: datetime
    actor: str
    change: PositionChange


class Clock(Protocol):
    def now(self) -> datetime: ...


def _never_slow(problem: Problem, options: SearchOptions) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class Routing:
    """How the services search for an order's plan: ``strategy`` (docs/routing.md,
    "Strategies"), and ``slow``, true for the problems on which that strategy runs a solve
    of seconds rather than milliseconds (a MIP under a time limit). The services run such
    a solve with no transaction open (``services.routing``). The default is the domain's
    own search, which is never slow; ``adapters.solver.highs_routing`` adds HiGHS."""

    strategy: Strategy = default_strategy
    slow: Callable[[Problem, SearchOptions], bool] = _never_slow
    # Price units with the latest stored opportunity costs (``services.opportunity``) when
    # they were computed at most this many seconds ago; None: never (myopic routing).
    opportunity_max_age_s: float | None = None


DEFAULT_ROUTING = Routing()


class NetworkRepository(Protocol):
    def add(self, document: Mapping[str, Any], checksum: str, at: datetime) -> int:
        """Store a validated network document as the next version; return its number."""
        ...

    def current(self) -> NetworkVersion | None: ...

    def current_document(self) -> Mapping[str, Any] | None:
        """The document the current version was loaded from, as stored."""
        ...


class InventoryRepository(Protocol):
    def positions(
        self, node_id: str | None = None, skus: Collection[str] | None = None
    ) -> list[Position]:
        """Held positions, filtered by node and/or SKUs; positions never written are absent."""
        ...

    def apply(self, change: PositionChange, actor: str, at: datetime) -> None:
        """Set on_hand and safety_stock as the change says and append it to the journal."""
        ...

    def try_reserve(
        self, node_id: str, sku: str, quantity: int, buffer: int, reference: str, at: datetime
    ) -> bool:
        """Reserve ``quantity`` in one conditional statement, only where
        on_hand - reserved - safety_stock - buffer >= quantity. False when refused."""
        ...

    def release(self, reference: str, at: datetime) -> int:
        """Release every open reservation under ``reference``; return units released."""
        ...

    def journal(
        self, node_id: str | None = None, limit: int = 100, sku: str | None = None
    ) -> Sequence[JournalEntry]:
        """Newest first, of one node and/or one SKU when given."""
        ...


@dataclass(frozen=True, slots=True)
class OrderLineState:
    """A stored order line. Quantities are in the line's own units (bundles for a bundle
    line); ``excluded_nodes`` rejected or short-picked it and are skipped when re-routing."""

    line_id: str
    item: str
    quantity: int
    unit_price: float | None
    cancelled_quantity: int = 0
    excluded_nodes: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class OrderState:
    id: str
    channel: str
    external_id: str | None
    idempotency_key: str | None
    customer_tier: str | None
    ship_to: ShipTo
    service_level: str
    tags: tuple[str, ...]
    status: OrderStatus
    on_hold: bool
    priority: int  # of its backorders: lower is served first, then the oldest
    placed_at: datetime
    promised_by: date | None
    rule_set_id: str | None
    rule_set_version: int | None
    explanation: Mapping[str, JsonValue] | None  # of the latest routing decision
    created_at: datetime
    updated_at: datetime
    lines: tuple[OrderLineState, ...]
    currency: str | None = None  # of the unit prices; None on orders stored before it
    notes: tuple[str, ...] = ()  # what the channel sent that the order does not carry
    redacted_at: datetime | None = None  # when ``ship_to.recipient`` was erased


@dataclass(frozen=True, slots=True)
class NewOrder:
    channel: str
    external_id: str | None
    idempotency_key: str | None
    customer_tier: str | None
    ship_to: ShipTo
    service_level: str
    tags: tuple[str, ...]
    on_hold: bool
    priority: int
    placed_at: datetime
    lines: tuple[OrderLine, ...]
    currency: str | None = None
    notes: tuple[str, ...] = ()
    # Of the request that placed it under an idempotency key (domain/idempotency.py).
    fingerprint: str | None = None


@dataclass(frozen=True, slots=True)
class RequestLine:
    """Units of one SKU of one order line in a fulfillment request."""

    line_id: str
    sku: str
    bundle_id: str | None
    quantity: int
    cancelled_quantity: int = 0
    shipped_quantity: int = 0

    @property
    def wanted(self) -> int:
        """Units the node is still expected to ship (or shipped)."""
        return self.quantity - self.cancelled_quantity


@dataclass(frozen=True, slots=True)
class FulfillmentRequest:
    id: str
    order_id: str
    node_id: str
    service_id: str
    status: RequestStatus
    costs: Mapping[str, JsonValue]  # the parcel's cost breakdown, as routing priced it
    ship_date: date
    promise_date: date
    tracking_number: str | None
    carrier: str | None
    reject_reason: str | None
    created_at: datetime
    updated_at: datetime
    lines: tuple[RequestLine, ...]

    @property
    def units(self) -> int:
        return sum(line.wanted for line in self.lines)


@dataclass(frozen=True, slots=True)
class NewRequest:
    order_id: str
    node_id: str
    service_id: str
    status: RequestStatus
    costs: Mapping[str, JsonValue]
    ship_date: date
    promise_date: date
    lines: tuple[RequestLine, ...]


@dataclass(frozen=True, slots=True)
class BackorderEntry:
    """Units of one SKU of one order line waiting for stock (SKU units, bundles expanded)."""

    id: int
    order_id: str
    line_id: str
    sku: str
    bundle_id: str | None
    quantity: int
    reason: str
    priority: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class TransitionEntry:
    id: int
    transition: Transition
    order_id: str
    actor: str
    reason: str
    at: datetime


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """An outbox row: ``id`` orders every event, ``sequence`` the events of one order."""

    id: int
    event_id: str
    type: str
    order_id: str | None
    sequence: int | None
    occurred_at: datetime
    data: Mapping[str, JsonValue] = field(default_factory=dict)

    def to_json_dict(self) -> dict[str, JsonValue]:
        """The stable envelope of docs/events.md."""
        return {
            "id": self.id,
            "event_id": self.event_id,
            "type": self.type,
            "occurred_at": self.occurred_at.isoformat(),
            "order_id": self.order_id,
            "sequence": self.sequence,
            "data": dict(self.data),
        }


@dataclass(frozen=True, slots=True)
class OpenReservation:
    reference: str
    node_id: str
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    key_hash: str
    role: str  # "admin", "channel:<id>" or "node:<id>"
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None  # recorded at most once a minute (LAST_USE_EVERY)


@dataclass(frozen=True, slots=True)
class OrderFilter:
    status: OrderStatus | None = None
    channel: str | None = None
    created_from: datetime | None = None  # inclusive
    created_to: datetime | None = None  # exclusive
    node: str | None = None  # orders with a fulfillment request at this node
    sku: str | None = None  # orders with a line of this SKU or bundle
    external_id: str | None = None  # the channel's own order id


class OrderRepository(Protocol):
    """Orders, their fulfillment requests, backorders and transitions. Ids are made here."""

    def add(self, order: NewOrder, at: datetime) -> str:
        """Store a received order; ``DuplicateOrder`` when its key is already taken."""
        ...

    def find_by_key(
        self, channel: str, idempotency_key: str | None, external_id: str | None
    ) -> str | None: ...

    def key_fingerprint(self, channel: str, idempotency_key: str) -> tuple[str, str | None] | None:
        """The order the channel placed under this key and its request's fingerprint."""
        ...

    def get(self, order_id: str, *, lock: bool = False) -> OrderState | None:
        """``lock`` holds the order row until the transaction ends, so that two changes to
        one order (say a cancel and a shipment) run one after the other."""
        ...

    def get_many(self, order_ids: Collection[str]) -> list[OrderState]:
        """The orders of these ids that exist, in no particular order."""
        ...

    def save(self, order: OrderState, at: datetime) -> None:
        """Write the mutable fields of the order (its ship-to, recipient included) and its
        lines."""
        ...

    def page(
        self, where: OrderFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[OrderState]:
        """Newest first by (created_at, id), strictly after the cursor ``after``."""
        ...

    def add_request(self, request: NewRequest, at: datetime) -> str: ...

    def get_request(self, request_id: str) -> FulfillmentRequest | None: ...

    def save_request(self, request: FulfillmentRequest, at: datetime) -> None:
        """Write status, tracking, reject reason and the lines' cancelled and shipped units."""
        ...

    def requests_of(self, order_ids: Collection[str]) -> list[FulfillmentRequest]: ...

    def requests_at(
        self,
        node_ids: Collection[str],
        statuses: Collection[RequestStatus],
        after: tuple[datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[FulfillmentRequest]:
        """Oldest first by (created_at, id), strictly after ``after``."""
        ...

    def shipments_on(self, ship_dates: Mapping[str, date]) -> dict[str, int]:
        """Per node, the requests not cancelled or rejected that ship on the given date."""
        ...

    def add_backorder(
        self,
        order_id: str,
        line_id: str,
        sku: str,
        bundle_id: str | None,
        quantity: int,
        reason: str,
        priority: int,
        at: datetime,
    ) -> int: ...

    def set_backorder_quantity(self, backorder_id: int, quantity: int) -> None:
        """Units still waiting; zero removes the backorder."""
        ...

    def backorders_of(self, order_ids: Collection[str]) -> list[BackorderEntry]: ...

    def waiting_for(self, skus: Collection[str]) -> list[BackorderEntry]:
        """Backorders of these SKUs by priority, then age."""
        ...

    def add_transition(
        self, transition: Transition, order_id: str, actor: str, reason: str, at: datetime
    ) -> None: ...

    def add_transitions(
        self, entries: Sequence[tuple[Transition, str, str]], actor: str, at: datetime
    ) -> None:
        """Write (transition, order id, reason) entries in one statement, ids in the order
        given."""
        ...

    def transitions(self, order_id: str) -> list[TransitionEntry]:
        """Every transition of the order and its requests, oldest first."""
        ...


class ReservationLedger(Protocol):
    """Reservations held by fulfillment request lines, beyond reserving (which the
    inventory repository's ``try_reserve`` does)."""

    def lock_positions(self, skus: Collection[str]) -> None:
        """Hold every position of these SKUs until the transaction ends (no-op where the
        database already runs one writer at a time)."""
        ...

    def release_units(self, reference: str, units: int, at: datetime) -> int:
        """Release ``units`` of the open reservation(s) under ``reference``; returns the
        units released (fewer when fewer were open)."""
        ...

    def consume(
        self, reference: str, shipped: int, actor: str, at: datetime
    ) -> PositionChange | None:
        """Settle the reservation of a shipment: ``shipped`` units leave the node (on_hand
        and reserved drop, journalled), every other unit held under ``reference`` is
        released. Returns the on-hand change, None when nothing shipped."""
        ...

    def open_reservations(self) -> list[OpenReservation]: ...


class EventOutbox(Protocol):
    def add(
        self, events: Sequence[Event], at: datetime, *, new_orders: Collection[str] = ()
    ) -> list[StoredEvent]:
        """Append events in order, numbering each order's events on from its last one.
        ``new_orders``: orders created in this unit of work, which have no events yet, so
        their numbering starts at 1 without looking."""
        ...

    def after(self, event_id: int, limit: int) -> list[StoredEvent]: ...

    def of_order(self, order_id: str) -> list[StoredEvent]:
        """Every event of the order, in order."""
        ...

    def rewrite(self, event_id: int, data: Mapping[str, JsonValue]) -> None:
        """Replace the data of a stored event: only to erase personal data (redaction);
        an event otherwise never changes once written."""
        ...


class ApiKeyRepository(Protocol):
    def add(self, key_hash: str, role: str, label: str, at: datetime) -> ApiKey: ...

    def find_active_by_hash(self, key_hash: str) -> ApiKey | None: ...

    def revoke(self, key_id: str, at: datetime) -> bool: ...

    def all(self) -> list[ApiKey]: ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def record_use(self, key_id: str, at: datetime, unless_since: datetime) -> bool:
        """Set ``last_used_at`` to ``at`` unless it is already ``unless_since`` or later
        (so concurrent requests and processes write it at most once per interval)."""
        ...


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    """A browser signed in to the console with an API key; the cookie holds a random token
    whose SHA-256 is ``token_hash``. It acts with the role of its key, and ends at sign-out,
    at ``expires_at``, or when its key is revoked."""

    token_hash: str
    key_id: str
    role: str
    csrf_token: str
    created_at: datetime
    expires_at: datetime


class ConsoleSessionRepository(Protocol):
    def add(
        self, token_hash: str, key_id: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None: ...

    def active(self, token_hash: str, at: datetime) -> ConsoleSession | None:
        """The session if it is not ended, not expired and its key not revoked."""
        ...

    def end(self, token_hash: str, at: datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class OrderCounts:
    """Orders created in a period, counted by what became of them."""

    orders_by_status: Mapping[str, int]
    requests_by_status: Mapping[str, int]  # the fulfillment requests of those orders
    split_orders: int  # orders shipped (or shipping) from more than one request
    backordered_units: int  # units of those orders still waiting for stock
    units_ordered: int
    units_cancelled: int

    @property
    def orders(self) -> int:
        return sum(self.orders_by_status.values())


class OrderStatistics(Protocol):
    def counts(self, since: datetime | None, channel: str | None = None) -> OrderCounts:
        """Orders created at or after ``since`` (all when None), of one channel or all."""
        ...

    def per_day(self, since: datetime, channel: str | None = None) -> dict[date, int]:
        """Orders created at or after ``since`` per UTC day; days without one are absent."""
        ...


@dataclass(frozen=True, slots=True)
class ReplayJob:
    """A replay of stored orders under a draft, run in the background (services.replays)."""

    id: str
    status: str  # queued, running, done, failed
    parameters: Mapping[str, JsonValue]
    done: int  # orders replayed so far, over both runs
    total: int
    result: Mapping[str, JsonValue] | None
    error: str | None
    requested_by: str
    created_at: datetime
    finished_at: datetime | None


class ReplayJobRepository(Protocol):
    def add(self, parameters: Mapping[str, JsonValue], requested_by: str, at: datetime) -> str: ...

    def get(self, job_id: str) -> ReplayJob | None: ...

    def progress(self, job_id: str, done: int, total: int) -> None: ...

    def finish(
        self,
        job_id: str,
        at: datetime,
        result: Mapping[str, JsonValue] | None,
        error: str | None,
    ) -> None: ...


class UnitOfWork(Protocol):
    """One transaction: everything done through it commits together or not at all."""

    network: NetworkRepository
    inventory: InventoryRepository
    orders: OrderRepository
    reservations: ReservationLedger
    events: EventOutbox
    api_keys: ApiKeyRepository
    console_sessions: ConsoleSessionRepository
    statistics: OrderStatistics
    replays: ReplayJobRepository
    intake_exceptions: IntakeExceptionRepository
    opportunity: OpportunityRepository

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""
        ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
