"""What CSV files from partners mean to the services, and the CSV files we write to them.

Each reader raises ``FileRejected`` naming the line and column; a service refusing a record
(an unknown request, a shipment the request cannot take) is reported at the record's line.
Every service call runs in the file's transaction (``tx.uow``).
"""

from __future__ import annotations

import csv
import io

from ordermesh.adapters.formats.flat_files import (
    FulfillmentCancellation,
    NodeFileKind,
    RequestAction,
    node_file_kind,
    parse_inventory_deltas,
    parse_shipment_confirmations,
    render_fulfillment_cancellations,
    render_fulfillment_requests,
)
from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.orders_csv import parse_orders_csv
from ordermesh.domain.errors import InvalidInput, OrdermeshError, Problem
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.domain.network import Network
from ordermesh.services.fulfillment import (
    accept,
    confirm_shipment,
    get_request,
    get_request_view,
)
from ordermesh.services.inventory import adjust, apply_snapshots
from ordermesh.services.network import current_network
from ordermesh.services.orders import PlaceOrder, get_order, place_order
from ordermesh.services.partner_ports import (
    Accepted,
    FileRejected,
    FileTransaction,
    InboxFile,
    OutboundFile,
    Partner,
)
from ordermesh.services.ports import Clock, Routing, StoredEvent

REQUEST_KIND = "fulfillment_requests.csv"
CANCELLATION_KIND = "fulfillment_cancellations.csv"


def actor_of(partner: Partner) -> str:
    return f"file:{partner.key}"


def _order_first_lines(data: bytes) -> dict[str, int]:
    """The line of each order's first row (the file parsed already, so it decodes)."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    header = [cell.strip().lower() for cell in rows[0]]
    column = header.index("order_id")
    first: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if len(row) > column:
            first.setdefault(row[column].strip(), line)
    return first


def apply_channel_orders(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, *, routing: Routing
) -> Accepted:
    """Orders CSV (docs/formats/orders.md): every order placed, idempotent on the channel
    and the file's ``order_id`` (the external id)."""
    kind = "orders.csv"
    network = current_network(tx.uow).network
    try:
        orders = parse_orders_csv(file.data, network, file.name)
    except InvalidInput as error:
        raise FileRejected(kind, error.problems) from error
    first_line = _order_first_lines(file.data)
    wrong = [
        Problem(
            f"line {first_line[order.id]}, column channel",
            f"{order.channel!r} in the inbox of channel {partner.id!r}",
        )
        for order in orders
        if order.channel != partner.id
    ]
    if wrong:
        raise FileRejected(kind, wrong)
    created = 0
    for order in orders:
        command = PlaceOrder(
            channel=order.channel,
            ship_to=order.ship_to,
            service_level=order.service_level,
            lines=order.lines,
            external_id=order.id,
            customer_tier=order.customer_tier,
            tags=tuple(sorted(order.tags)),
            placed_at=order.placed_at,
        )
        try:
            _, new = place_order(tx.uow, command, clock, actor=actor_of(partner), routing=routing)
        except OrdermeshError as error:
            raise FileRejected(
                kind, [Problem(f"line {first_line[order.id]}, order {order.id}", str(error))]
            ) from error
        created += new
    return Accepted(
        kind, f"{len(orders)} order(s): {created} placed, {len(orders) - created} already placed"
    )


def apply_node_file(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, *, routing: Routing
) -> Accepted:
    try:
        kind = node_file_kind(file.data, file.name)
    except InvalidInput as error:
        raise FileRejected("node.csv", error.problems) from error
    if kind is NodeFileKind.SHIPMENTS:
        return _shipments(tx, partner, file, clock, routing)
    if kind is NodeFileKind.DELTAS:
        return _deltas(tx, partner, file, clock, routing)
    return _snapshot(tx, partner, file, clock, routing)


def confirm_at_node(
    tx: FileTransaction,
    partner: Partner,
    request_id: str,
    shipped: dict[tuple[str, str], int],
    tracking_number: str | None,
    carrier: str | None,
    clock: Clock,
    *,
    routing: Routing,
) -> None:
    """Confirm a shipment a node reported in a file; a released request is accepted first
    (a node that ships it has accepted it). ``OrdermeshError`` when refused."""
    request = get_request(tx.uow, request_id)
    if request.node_id != partner.id:
        raise InvalidInput(
            "shipment",
            [Problem("request_id", f"{request_id} is a request of node {request.node_id}")],
        )
    actor = actor_of(partner)
    if request.status is RequestStatus.RELEASED:
        accept(tx.uow, request_id, clock, actor=actor)
    confirm_shipment(
        tx.uow,
        request_id,
        clock,
        actor=actor,
        shipped=shipped,
        tracking_number=tracking_number,
        carrier=carrier,
        routing=routing,
    )


def _shipments(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, routing: Routing
) -> Accepted:
    kind = "shipments.csv"
    try:
        confirmations = parse_shipment_confirmations(file.data, file.name)
    except InvalidInput as error:
        raise FileRejected(kind, error.problems) from error
    for confirmation in confirmations:
        try:
            confirm_at_node(
                tx,
                partner,
                confirmation.request_id,
                dict(confirmation.shipped),
                confirmation.tracking_number,
                confirmation.carrier,
                clock,
                routing=routing,
            )
        except OrdermeshError as error:
            raise FileRejected(
                kind,
                [Problem(f"line {confirmation.first_line}, column request_id", _reason(error))],
            ) from error
    return Accepted(kind, f"{len(confirmations)} shipment(s) confirmed")


def _deltas(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, routing: Routing
) -> Accepted:
    kind = "inventory_deltas.csv"
    network = current_network(tx.uow).network
    try:
        deltas = parse_inventory_deltas(file.data, network, file.name, node_id=partner.id)
    except InvalidInput as error:
        raise FileRejected(kind, error.problems) from error
    for delta in deltas:
        try:
            adjust(
                tx.uow,
                delta.node_id,
                delta.sku,
                delta.delta,
                delta.reason,
                actor_of(partner),
                clock,
                routing=routing,
            )
        except OrdermeshError as error:
            raise FileRejected(
                kind, [Problem(f"line {delta.line}, column delta", _reason(error))]
            ) from error
    return Accepted(kind, f"{len(deltas)} adjustment(s)")


def _snapshot(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, routing: Routing
) -> Accepted:
    kind = "inventory_snapshot.csv"
    network = current_network(tx.uow).network
    try:
        snapshots = parse_inventory_csv(file.data, network, file.name)
    except InvalidInput as error:
        raise FileRejected(kind, error.problems) from error
    others = sorted(node for node in snapshots if node != partner.id)
    if others:
        raise FileRejected(
            kind,
            [
                Problem("column node", f"{node!r} in the inbox of node {partner.id!r}")
                for node in others
            ],
        )
    try:
        report = apply_snapshots(tx.uow, snapshots, actor_of(partner), clock, routing=routing)
    except OrdermeshError as error:
        raise FileRejected(kind, [Problem("", _reason(error))]) from error
    return Accepted(
        kind, f"{report.lines} position(s) counted, {len(report.discrepancies)} changed"
    )


def _reason(error: OrdermeshError) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(str(problem) for problem in error.problems)
    return str(error)


def fulfillment_request_csv(
    tx: FileTransaction,
    partner: Partner,
    event: StoredEvent,
    network: Network,
    action: RequestAction = RequestAction.NEW,
) -> OutboundFile | None:
    """The request a ``fulfillment.released`` event names, as a CSV for its node (or, with
    ``replace``, the request a ``fulfillment.changed`` event names, as it now stands); None
    when the request is no longer with the node (cancelled or rejected since)."""
    view = get_request_view(tx.uow, str(event.data["request_id"]))
    request = view.request
    if request.status not in (RequestStatus.RELEASED, RequestStatus.ACCEPTED):
        return None
    assert partner.connector.outbox is not None, "the network document requires it"
    return OutboundFile(
        folder=partner.connector.outbox,
        name=f"fulfillment-{event.id:010d}-{request.id}.csv",
        content=render_fulfillment_requests([view], network, action),
        kind=REQUEST_KIND,
    )


def fulfillment_cancellation_csv(
    tx: FileTransaction, partner: Partner, event: StoredEvent
) -> OutboundFile:
    """The cancellation of a request already written to the node, for a
    ``fulfillment.cancelled`` event (docs/formats/flat-files.md)."""
    request = get_request(tx.uow, str(event.data["request_id"]))
    order = get_order(tx.uow, request.order_id)
    cancellation = FulfillmentCancellation(
        request_id=request.id,
        order_id=order.id,
        external_id=order.external_id or "",
        node_id=request.node_id,
        reason=str(event.data.get("reason") or ""),
        cancelled_at=event.occurred_at,
    )
    assert partner.connector.outbox is not None, "the network document requires it"
    return OutboundFile(
        folder=partner.connector.outbox,
        name=f"cancellation-{event.id:010d}-{request.id}.csv",
        content=render_fulfillment_cancellations([cancellation]),
        kind=CANCELLATION_KIND,
    )
