"""SQL implementations of the order ports: orders, fulfillment requests, backorders,
transitions, the reservation ledger of shipments, the event outbox and API keys.

Like ``repositories``, these never commit: the unit of work owns the transaction. Ids are
made here (``ord_``/``ful_``/``key_`` + a random UUID), so the domain and the services never
touch randomness.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.keyset import older_than
from ordermesh.adapters.db.tables import (
    api_keys,
    backorders,
    fulfillment_request_lines,
    fulfillment_requests,
    inventory_journal,
    inventory_positions,
    order_lines,
    orders,
    outbox_events,
    reservations,
    transitions,
)
from ordermesh.domain.errors import DuplicateOrder
from ordermesh.domain.events import Event
from ordermesh.domain.inventory import ChangeKind, PositionChange
from ordermesh.domain.lifecycle import EntityKind, OrderStatus, RequestStatus, Transition
from ordermesh.domain.model import Location
from ordermesh.domain.order import RECIPIENT_FIELDS, Recipient, ShipTo, recipient_fields
from ordermesh.services.ports import (
    ApiKey,
    BackorderEntry,
    FulfillmentRequest,
    NewOrder,
    NewRequest,
    OpenReservation,
    OrderFilter,
    OrderLineState,
    OrderState,
    RequestLine,
    StoredEvent,
    TransitionEntry,
)

# Any constant will do: it names the one advisory lock that orders outbox writers.
_OUTBOX_LOCK = 7_246_601


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def ship_to_json(ship_to: ShipTo) -> dict[str, Any]:
    location = ship_to.location
    recipient = ship_to.recipient
    return {
        "lat": location.lat,
        "lon": location.lon,
        "postal_code": location.postal_code,
        "country": location.country,
        "state": location.state,
        "pickup_node": ship_to.pickup_node,
        # Absent on orders stored before recipients were kept, null once redacted.
        "recipient": (
            None if recipient is None or recipient.is_empty else recipient_fields(recipient)
        ),
    }


def ship_to_from_json(data: Mapping[str, Any]) -> ShipTo:
    recipient = data.get("recipient")
    return ShipTo(
        location=Location(
            lat=data["lat"],
            lon=data["lon"],
            postal_code=data.get("postal_code"),
            country=data.get("country"),
            state=data.get("state"),
        ),
        pickup_node=data.get("pickup_node"),
        recipient=(
            None
            if not recipient
            else Recipient(**{name: recipient.get(name) for name in RECIPIENT_FIELDS})
        ),
    )


class SqlOrderRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    # -- orders ---------------------------------------------------------------------------

    def add(self, order: NewOrder, at: datetime) -> str:
        order_id = new_id("ord")
        try:
            self._connection.execute(
                orders.insert().values(
                    id=order_id,
                    channel=order.channel,
                    external_id=order.external_id,
                    idempotency_key=order.idempotency_key,
                    customer_tier=order.customer_tier,
                    ship_to=ship_to_json(order.ship_to),
                    service_level=order.service_level,
                    tags=list(order.tags),
                    status=str(OrderStatus.RECEIVED),
                    on_hold=order.on_hold,
                    priority=order.priority,
                    placed_at=order.placed_at,
                    promised_by=None,
                    rule_set_id=None,
                    rule_set_version=None,
                    explanation=None,
                    created_at=at,
                    updated_at=at,
                    currency=order.currency,
                    notes=list(order.notes) if order.notes else None,
                    request_fingerprint=order.fingerprint,
                )
            )
        except sa.exc.IntegrityError as error:
            # The only constraints an insert of a fresh uuid id can break are the two keys.
            # On PostgreSQL the transaction is now aborted: the caller must roll back.
            key = order.idempotency_key or order.external_id or order_id
            raise DuplicateOrder(order.channel, key) from error
        self._connection.execute(
            order_lines.insert(),
            [
                {
                    "order_id": order_id,
                    "line_id": line.line_id,
                    "position": position,
                    "item": line.item,
                    "quantity": line.quantity,
                    "unit_price": line.unit_price,
                    "cancelled_quantity": 0,
                    "excluded_nodes": [],
                }
                for position, line in enumerate(order.lines)
            ],
        )
        return order_id

    def find_by_key(
        self, channel: str, idempotency_key: str | None, external_id: str | None
    ) -> str | None:
        o = orders.c
        conditions = []
        if idempotency_key is not None:
            conditions.append(o.idempotency_key == idempotency_key)
        if external_id is not None:
            conditions.append(o.external_id == external_id)
        if not conditions:
            return None
        found: str | None = self._connection.execute(
            sa.select(o.id).where(o.channel == channel, sa.or_(*conditions)).limit(1)
        ).scalar_one_or_none()
        return found

    def key_fingerprint(self, channel: str, idempotency_key: str) -> tuple[str, str | None] | None:
        o = orders.c
        row = self._connection.execute(
            sa.select(o.id, o.request_fingerprint).where(
                o.channel == channel, o.idempotency_key == idempotency_key
            )
        ).one_or_none()
        return None if row is None else (row.id, row.request_fingerprint)

    def get(self, order_id: str, *, lock: bool = False) -> OrderState | None:
        query = sa.select(orders).where(orders.c.id == order_id)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).one_or_none()
        if row is None:
            return None
        return self._states([row])[0]

    def get_many(self, order_ids: Collection[str]) -> list[OrderState]:
        if not order_ids:
            return []
        query = sa.select(orders).where(orders.c.id.in_(sorted(set(order_ids))))
        return self._states(self._connection.execute(query).all())

    def save(self, order: OrderState, at: datetime) -> None:
        self._connection.execute(
            orders.update()
            .where(orders.c.id == order.id)
            .values(
                ship_to=ship_to_json(order.ship_to),
                redacted_at=order.redacted_at,
                status=str(order.status),
                on_hold=order.on_hold,
                promised_by=order.promised_by,
                rule_set_id=order.rule_set_id,
                rule_set_version=order.rule_set_version,
                explanation=None if order.explanation is None else dict(order.explanation),
                updated_at=at,
            )
        )
        if not order.lines:
            return
        line = order_lines.c
        # Every line in one executemany rather than a statement each.
        self._connection.execute(
            order_lines.update()
            .where(line.order_id == sa.bindparam("b_order_id"))
            .where(line.line_id == sa.bindparam("b_line_id"))
            .values(
                cancelled_quantity=sa.bindparam("b_cancelled"),
                excluded_nodes=sa.bindparam("b_excluded", type_=line.excluded_nodes.type),
            ),
            [
                {
                    "b_order_id": order.id,
                    "b_line_id": state.line_id,
                    "b_cancelled": state.cancelled_quantity,
                    "b_excluded": sorted(state.excluded_nodes),
                }
                for state in order.lines
            ],
        )

    def page(
        self, where: OrderFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[OrderState]:
        o = orders.c
        query = sa.select(orders).order_by(o.created_at.desc(), o.id.desc()).limit(limit)
        if where.status is not None:
            query = query.where(o.status == str(where.status))
        if where.channel is not None:
            query = query.where(o.channel == where.channel)
        if where.created_from is not None:
            query = query.where(o.created_at >= where.created_from)
        if where.created_to is not None:
            query = query.where(o.created_at < where.created_to)
        if where.external_id is not None:
            query = query.where(o.external_id == where.external_id)
        if where.sku is not None:
            line = order_lines.c
            query = query.where(sa.exists().where(line.order_id == o.id, line.item == where.sku))
        if where.node is not None:
            request = fulfillment_requests.c
            query = query.where(
                sa.exists().where(request.order_id == o.id, request.node_id == where.node)
            )
        if after is not None:
            query = query.where(older_than(o.created_at, o.id, after))
        return self._states(self._connection.execute(query).all())

    def _states(self, rows: Sequence[sa.Row[Any]]) -> list[OrderState]:
        if not rows:
            return []
        ids = [row.id for row in rows]
        lines: defaultdict[str, list[OrderLineState]] = defaultdict(list)
        line = order_lines.c
        for line_row in self._connection.execute(
            sa.select(order_lines)
            .where(line.order_id.in_(ids))
            .order_by(line.order_id, line.position)
        ):
            lines[line_row.order_id].append(
                OrderLineState(
                    line_id=line_row.line_id,
                    item=line_row.item,
                    quantity=line_row.quantity,
                    unit_price=line_row.unit_price,
                    cancelled_quantity=line_row.cancelled_quantity,
                    excluded_nodes=frozenset(line_row.excluded_nodes),
                )
            )
        return [
            OrderState(
                id=row.id,
                channel=row.channel,
                external_id=row.external_id,
                idempotency_key=row.idempotency_key,
                customer_tier=row.customer_tier,
                ship_to=ship_to_from_json(row.ship_to),
                service_level=row.service_level,
                tags=tuple(row.tags),
                status=OrderStatus(row.status),
                on_hold=bool(row.on_hold),
                priority=row.priority,
                placed_at=row.placed_at,
                promised_by=row.promised_by,
                rule_set_id=row.rule_set_id,
                rule_set_version=row.rule_set_version,
                explanation=row.explanation,
                created_at=row.created_at,
                updated_at=row.updated_at,
                lines=tuple(lines[row.id]),
                currency=row.currency,
                notes=tuple(row.notes or ()),
                redacted_at=row.redacted_at,
            )
            for row in rows
        ]

    # -- fulfillment requests -----------------------------------------------------------

    def add_request(self, request: NewRequest, at: datetime) -> str:
        request_id = new_id("ful")
        self._connection.execute(
            fulfillment_requests.insert().values(
                id=request_id,
                order_id=request.order_id,
                node_id=request.node_id,
                service_id=request.service_id,
                status=str(request.status),
                costs=dict(request.costs),
                ship_date=request.ship_date,
                promise_date=request.promise_date,
                tracking_number=None,
                carrier=None,
                reject_reason=None,
                created_at=at,
                updated_at=at,
            )
        )
        self._connection.execute(
            fulfillment_request_lines.insert(),
            [
                {
                    "request_id": request_id,
                    "line_id": line.line_id,
                    "sku": line.sku,
                    "bundle_id": line.bundle_id,
                    "quantity": line.quantity,
                    "cancelled_quantity": line.cancelled_quantity,
                    "shipped_quantity": line.shipped_quantity,
                }
                for line in request.lines
            ],
        )
        return request_id

    def get_request(self, request_id: str) -> FulfillmentRequest | None:
        found = self._requests(
            sa.select(fulfillment_requests).where(fulfillment_requests.c.id == request_id)
        )
        return found[0] if found else None

    def save_request(self, request: FulfillmentRequest, at: datetime) -> None:
        self._connection.execute(
            fulfillment_requests.update()
            .where(fulfillment_requests.c.id == request.id)
            .values(
                status=str(request.status),
                tracking_number=request.tracking_number,
                carrier=request.carrier,
                reject_reason=request.reject_reason,
                updated_at=at,
            )
        )
        line = fulfillment_request_lines.c
        for state in request.lines:
            self._connection.execute(
                fulfillment_request_lines.update()
                .where(
                    line.request_id == request.id,
                    line.line_id == state.line_id,
                    line.sku == state.sku,
                )
                .values(
                    cancelled_quantity=state.cancelled_quantity,
                    shipped_quantity=state.shipped_quantity,
                )
            )

    def requests_of(self, order_ids: Collection[str]) -> list[FulfillmentRequest]:
        if not order_ids:
            return []
        r = fulfillment_requests.c
        return self._requests(
            sa.select(fulfillment_requests)
            .where(r.order_id.in_(sorted(set(order_ids))))
            .order_by(r.created_at, r.id)
        )

    def requests_at(
        self,
        node_ids: Collection[str],
        statuses: Collection[RequestStatus],
        after: tuple[datetime, str] | None = None,
        limit: int | None = None,
    ) -> list[FulfillmentRequest]:
        if not node_ids or not statuses:
            return []
        r = fulfillment_requests.c
        query = (
            sa.select(fulfillment_requests)
            .where(
                r.node_id.in_(sorted(set(node_ids))),
                r.status.in_(sorted(str(s) for s in statuses)),
            )
            .order_by(r.created_at, r.id)
        )
        if after is not None:
            created, request_id = after
            query = query.where(
                sa.or_(r.created_at > created, sa.and_(r.created_at == created, r.id > request_id))
            )
        if limit is not None:
            query = query.limit(limit)
        return self._requests(query)

    def _requests(self, query: sa.Select[Any]) -> list[FulfillmentRequest]:
        rows = self._connection.execute(query).all()
        if not rows:
            return []
        line = fulfillment_request_lines.c
        lines: defaultdict[str, list[RequestLine]] = defaultdict(list)
        for line_row in self._connection.execute(
            sa.select(fulfillment_request_lines)
            .where(line.request_id.in_([row.id for row in rows]))
            .order_by(line.request_id, line.line_id, line.sku)
        ):
            lines[line_row.request_id].append(
                RequestLine(
                    line_id=line_row.line_id,
                    sku=line_row.sku,
                    bundle_id=line_row.bundle_id,
                    quantity=line_row.quantity,
                    cancelled_quantity=line_row.cancelled_quantity,
                    shipped_quantity=line_row.shipped_quantity,
                )
            )
        return [
            FulfillmentRequest(
                id=row.id,
                order_id=row.order_id,
                node_id=row.node_id,
                service_id=row.service_id,
                status=RequestStatus(row.status),
                costs=row.costs,
                ship_date=row.ship_date,
                promise_date=row.promise_date,
                tracking_number=row.tracking_number,
                carrier=row.carrier,
                reject_reason=row.reject_reason,
                created_at=row.created_at,
                updated_at=row.updated_at,
                lines=tuple(lines[row.id]),
            )
            for row in rows
        ]

    def shipments_on(self, ship_dates: Mapping[str, date]) -> dict[str, int]:
        if not ship_dates:
            return {}
        r = fulfillment_requests.c
        rows = self._connection.execute(
            sa.select(r.node_id, r.ship_date, sa.func.count())
            .where(
                r.node_id.in_(sorted(ship_dates)),
                r.ship_date.in_(sorted(set(ship_dates.values()))),
                r.status.not_in([str(RequestStatus.CANCELLED), str(RequestStatus.REJECTED)]),
            )
            .group_by(r.node_id, r.ship_date)
        ).all()
        return {node_id: count for node_id, day, count in rows if ship_dates.get(node_id) == day}

    # -- backorders -----------------------------------------------------------------------

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
    ) -> int:
        result = self._connection.execute(
            backorders.insert().values(
                order_id=order_id,
                line_id=line_id,
                sku=sku,
                bundle_id=bundle_id,
                quantity=quantity,
                reason=reason,
                priority=priority,
                created_at=at,
            )
        )
        primary_key = result.inserted_primary_key
        if primary_key is None:
            raise RuntimeError("the database returned no id for the new backorder")
        backorder_id: int = primary_key[0]
        return backorder_id

    def set_backorder_quantity(self, backorder_id: int, quantity: int) -> None:
        if quantity <= 0:
            self._connection.execute(backorders.delete().where(backorders.c.id == backorder_id))
        else:
            self._connection.execute(
                backorders.update().where(backorders.c.id == backorder_id).values(quantity=quantity)
            )

    def backorders_of(self, order_ids: Collection[str]) -> list[BackorderEntry]:
        if not order_ids:
            return []
        b = backorders.c
        return self._backorders(
            sa.select(backorders)
            .where(b.order_id.in_(sorted(set(order_ids))))
            .order_by(b.created_at, b.id)
        )

    def waiting_for(self, skus: Collection[str]) -> list[BackorderEntry]:
        if not skus:
            return []
        b = backorders.c
        return self._backorders(
            sa.select(backorders)
            .where(b.sku.in_(sorted(set(skus))))
            .order_by(b.priority, b.created_at, b.id)
        )

    def _backorders(self, query: sa.Select[Any]) -> list[BackorderEntry]:
        return [
            BackorderEntry(
                id=row.id,
                order_id=row.order_id,
                line_id=row.line_id,
                sku=row.sku,
                bundle_id=row.bundle_id,
                quantity=row.quantity,
                reason=row.reason,
                priority=row.priority,
                created_at=row.created_at,
            )
            for row in self._connection.execute(query)
        ]

    # -- transitions ----------------------------------------------------------------------

    def add_transition(
        self, transition: Transition, order_id: str, actor: str, reason: str, at: datetime
    ) -> None:
        self.add_transitions([(transition, order_id, reason)], actor, at)

    def add_transitions(
        self, entries: Sequence[tuple[Transition, str, str]], actor: str, at: datetime
    ) -> None:
        if not entries:
            return
        # One executemany (no RETURNING): sqlite3 runs it row by row in order, psycopg as
        # one pipeline of INSERTs in order, so ids still follow the order the transitions
        # were recorded in, without a round trip per row.
        self._connection.execute(
            transitions.insert(),
            [
                {
                    "entity_kind": str(transition.entity),
                    "entity_id": transition.entity_id,
                    "order_id": order_id,
                    "from_status": transition.from_status,
                    "to_status": transition.to_status,
                    "actor": actor,
                    "reason": reason,
                    "at": at,
                }
                for transition, order_id, reason in entries
            ],
        )

    def transitions(self, order_id: str) -> list[TransitionEntry]:
        t = transitions.c
        return [
            TransitionEntry(
                id=row.id,
                transition=Transition(
                    entity=EntityKind(row.entity_kind),
                    entity_id=row.entity_id,
                    from_status=row.from_status,
                    to_status=row.to_status,
                ),
                order_id=row.order_id,
                actor=row.actor,
                reason=row.reason,
                at=row.at,
            )
            for row in self._connection.execute(
                sa.select(transitions).where(t.order_id == order_id).order_by(t.id)
            )
        ]


class SqlReservationLedger:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def lock_positions(self, skus: Collection[str]) -> None:
        if not skus or self._connection.dialect.name == "sqlite":
            return
        p = inventory_positions.c
        # Sorted, as every reservation of the order services is, so lockers never wait on
        # each other in a cycle.
        self._connection.execute(
            sa.select(p.node_id, p.sku)
            .where(p.sku.in_(sorted(set(skus))))
            .order_by(p.node_id, p.sku)
            .with_for_update()
        ).all()

    def _open(self, reference: str) -> Sequence[Any]:
        r = reservations.c
        return self._connection.execute(
            sa.select(r.id, r.node_id, r.sku, r.quantity)
            .where(r.reference == reference, r.status == "open")
            .order_by(r.id)
        ).all()

    def _close(
        self, row: sa.Row[Any], reference: str, keep: int, status: str, at: datetime
    ) -> None:
        """Close ``row`` with ``status``; ``keep`` units (if any) stay open in a new row, so
        each row's history stays true."""
        r = reservations.c
        self._connection.execute(
            reservations.update()
            .where(r.id == row.id)
            .values(quantity=row.quantity - keep, status=status, released_at=at)
        )
        if keep > 0:
            self._connection.execute(
                reservations.insert().values(
                    reference=reference,
                    node_id=row.node_id,
                    sku=row.sku,
                    quantity=keep,
                    status="open",
                    created_at=at,
                )
            )

    def release_units(self, reference: str, units: int, at: datetime) -> int:
        left = units
        per_position: defaultdict[tuple[str, str], int] = defaultdict(int)
        for row in self._open(reference):
            if left <= 0:
                break
            take = min(left, row.quantity)
            self._close(row, reference, row.quantity - take, "released", at)
            per_position[(row.node_id, row.sku)] += take
            left -= take
        p = inventory_positions.c
        for (node_id, sku), released in sorted(per_position.items()):
            self._connection.execute(
                inventory_positions.update()
                .where(p.node_id == node_id, p.sku == sku)
                .values(reserved=p.reserved - released, updated_at=at)
            )
        return units - left

    def consume(
        self, reference: str, shipped: int, actor: str, at: datetime
    ) -> PositionChange | None:
        rows = self._open(reference)
        held = sum(row.quantity for row in rows)
        if shipped > held:
            raise ValueError(f"{reference}: {shipped} shipped but only {held} reserved")
        if not rows:
            return None
        left = shipped
        r = reservations.c
        for row in rows:
            take = min(left, row.quantity)
            left -= take
            if take == 0:
                self._close(row, reference, 0, "released", at)
                continue
            # The shipped part is consumed; a part not shipped is released as its own row.
            self._connection.execute(
                reservations.update()
                .where(r.id == row.id)
                .values(quantity=take, status="consumed", released_at=at)
            )
            if take < row.quantity:
                self._connection.execute(
                    reservations.insert().values(
                        reference=reference,
                        node_id=row.node_id,
                        sku=row.sku,
                        quantity=row.quantity - take,
                        status="released",
                        created_at=at,
                        released_at=at,
                    )
                )
        node_id, sku = rows[0].node_id, rows[0].sku
        p = inventory_positions.c
        before = self._connection.execute(
            sa.select(p.on_hand, p.safety_stock)
            .where(p.node_id == node_id, p.sku == sku)
            .with_for_update()
        ).one()
        # The units left the building whatever the count said; a count below them was
        # wrong, and on_hand stops at zero rather than breaking its constraint.
        on_hand_after = max(0, before.on_hand - shipped)
        self._connection.execute(
            inventory_positions.update()
            .where(p.node_id == node_id, p.sku == sku)
            .values(on_hand=on_hand_after, reserved=p.reserved - held, updated_at=at)
        )
        if shipped == 0:
            return None
        change = PositionChange(
            node_id=node_id,
            sku=sku,
            kind=ChangeKind.ADJUSTMENT,
            on_hand_before=before.on_hand,
            on_hand_after=on_hand_after,
            safety_stock_before=before.safety_stock,
            safety_stock_after=before.safety_stock,
            reason="shipment",
        )
        self._connection.execute(
            inventory_journal.insert().values(
                at=at,
                actor=actor,
                node_id=node_id,
                sku=sku,
                kind=str(change.kind),
                on_hand_before=change.on_hand_before,
                on_hand_after=change.on_hand_after,
                safety_stock_before=change.safety_stock_before,
                safety_stock_after=change.safety_stock_after,
                reason=change.reason,
            )
        )
        return change

    def open_reservations(self) -> list[OpenReservation]:
        r = reservations.c
        return [
            OpenReservation(row.reference, row.node_id, row.sku, row.quantity)
            for row in self._connection.execute(
                sa.select(r.reference, r.node_id, r.sku, r.quantity)
                .where(r.status == "open")
                .order_by(r.id)
            )
        ]


class SqlEventOutbox:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self, events: Sequence[Event], at: datetime, *, new_orders: Collection[str] = ()
    ) -> list[StoredEvent]:
        if not events:
            return []
        if self._connection.dialect.name == "postgresql":
            # Ids come from a sequence when the row is inserted, but become visible when the
            # transaction commits: without this lock, a reader paging with ``after=`` could
            # see id 7 before id 6 commits and never see 6. Held from here to the commit,
            # which the services make the last step, so outbox writers commit in id order.
            self._connection.execute(sa.select(sa.func.pg_advisory_xact_lock(_OUTBOX_LOCK)))
        e = outbox_events.c
        # An order created in this transaction has no events yet: its id is new.
        next_sequence: dict[str, int] = dict.fromkeys(new_orders, 1)
        rows: list[dict[str, Any]] = []
        for event in events:
            sequence: int | None = None
            if event.order_id is not None:
                if event.order_id not in next_sequence:
                    last = self._connection.execute(
                        sa.select(sa.func.max(e.order_sequence)).where(e.order_id == event.order_id)
                    ).scalar_one_or_none()
                    next_sequence[event.order_id] = (last or 0) + 1
                sequence = next_sequence[event.order_id]
                next_sequence[event.order_id] = sequence + 1
            rows.append(
                {
                    "event_id": str(uuid.uuid4()),
                    "type": str(event.type),
                    "order_id": event.order_id,
                    "order_sequence": sequence,
                    "payload": dict(event.data),
                    "created_at": at,
                }
            )
        # One statement for the lot (a snapshot of thousands of positions writes thousands
        # of events), ids in the order of ``events``. Each returned id is paired with its
        # row by the row's unique event_id. On PostgreSQL, ``sort_by_parameter_order``
        # makes SQLAlchemy insert the rows sorted by their position, so the sequence
        # hands out ids in that order. SQLite can honour that flag only by inserting the
        # rows one statement each; without it SQLAlchemy sends one multi-row INSERT, whose
        # rows SQLite inserts (and numbers) in the order written, under the write lock
        # BEGIN IMMEDIATE took, so the ids follow the order of ``events`` there too.
        in_order = self._connection.dialect.name != "sqlite"
        returned = self._connection.execute(
            outbox_events.insert().returning(e.event_id, e.id, sort_by_parameter_order=in_order),
            rows,
        ).all()
        id_of: dict[str, int] = {row.event_id: row.id for row in returned}
        return [
            StoredEvent(
                id=id_of[row["event_id"]],
                event_id=row["event_id"],
                type=row["type"],
                order_id=row["order_id"],
                sequence=row["order_sequence"],
                occurred_at=at,
                data=row["payload"],
            )
            for row in rows
        ]

    def after(self, event_id: int, limit: int) -> list[StoredEvent]:
        e = outbox_events.c
        return self._stored(
            sa.select(outbox_events).where(e.id > event_id).order_by(e.id).limit(limit)
        )

    def of_order(self, order_id: str) -> list[StoredEvent]:
        e = outbox_events.c
        return self._stored(sa.select(outbox_events).where(e.order_id == order_id).order_by(e.id))

    def rewrite(self, event_id: int, data: Mapping[str, Any]) -> None:
        self._connection.execute(
            outbox_events.update().where(outbox_events.c.id == event_id).values(payload=dict(data))
        )

    def _stored(self, query: sa.Select[Any]) -> list[StoredEvent]:
        return [
            StoredEvent(
                id=row.id,
                event_id=row.event_id,
                type=row.type,
                order_id=row.order_id,
                sequence=row.order_sequence,
                occurred_at=row.created_at,
                data=row.payload,
            )
            for row in self._connection.execute(query)
        ]


class SqlApiKeyRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, key_hash: str, role: str, label: str, at: datetime) -> ApiKey:
        key = ApiKey(
            id=new_id("key"),
            key_hash=key_hash,
            role=role,
            label=label,
            created_at=at,
            revoked_at=None,
        )
        self._connection.execute(
            api_keys.insert().values(
                id=key.id, key_hash=key_hash, role=role, label=label, created_at=at
            )
        )
        return key

    def find_active_by_hash(self, key_hash: str) -> ApiKey | None:
        k = api_keys.c
        row = self._connection.execute(
            sa.select(api_keys).where(k.key_hash == key_hash, k.revoked_at.is_(None))
        ).one_or_none()
        return None if row is None else _api_key(row)

    def revoke(self, key_id: str, at: datetime) -> bool:
        k = api_keys.c
        result = self._connection.execute(
            api_keys.update().where(k.id == key_id, k.revoked_at.is_(None)).values(revoked_at=at)
        )
        return result.rowcount == 1

    def all(self) -> list[ApiKey]:
        return [
            _api_key(row)
            for row in self._connection.execute(
                sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
            )
        ]

    def get(self, key_id: str) -> ApiKey | None:
        row = self._connection.execute(
            sa.select(api_keys).where(api_keys.c.id == key_id)
        ).one_or_none()
        return None if row is None else _api_key(row)

    def record_use(self, key_id: str, at: datetime, unless_since: datetime) -> bool:
        k = api_keys.c
        result = self._connection.execute(
            api_keys.update()
            .where(k.id == key_id, sa.or_(k.last_used_at.is_(None), k.last_used_at < unless_since))
            .values(last_used_at=at)
        )
        return result.rowcount == 1


def _api_key(row: sa.Row[Any]) -> ApiKey:
    return ApiKey(
        id=row.id,
        key_hash=row.key_hash,
        role=row.role,
        label=row.label,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
