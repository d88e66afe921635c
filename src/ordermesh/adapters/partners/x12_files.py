"""X12 interchanges from and to partners (docs/partners.md).

In: a buyer (channel) sends 850s; a node sends 846 (snapshot), 945 and 856 (shipments).
Every interchange is answered with a 997 in the partner's outbox: accepted when the file
was applied, rejected (AK5/AK9 R) when it was not; a buyer also gets an 855 per purchase
order (accepted, backordered and rejected lines). Out: a 940 per fulfillment request
released to an X12 node, an 856 per shipment of an order from an X12 channel.

Control numbers come from ``x12_control_numbers`` in the transaction that records the
document; outbound documents take their date from the event, so a document written again
after a crash is the same document.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ordermesh.adapters.formats.x12 import (
    AckItem,
    Address,
    ErrorLevel,
    Interchange,
    InterchangeErrorCode,
    InventoryAdvice,
    LineAck,
    LineStatus,
    PartyId,
    PurchaseOrder,
    PurchaseOrderAck,
    Received,
    Separators,
    SetErrorCode,
    ShipNotice,
    ShippingAdvice,
    TransactionSet,
    X12Error,
    ack_from_order,
    acknowledge,
    advice_shipped,
    build_interchange,
    generate_855,
    generate_856,
    generate_940,
    notice_shipped,
    order_lines,
    receive,
    ship_notice_from_request,
    shipping_order_from_request,
    snapshot_lines,
    write_interchange,
    x940,
)
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.adapters.partners.csv_files import actor_of, confirm_at_node
from ordermesh.adapters.partners.x12_echo import echoable, reply_separators, unechoable
from ordermesh.domain.errors import OrdermeshError, Problem
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.domain.network import Network
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services.fulfillment import get_request
from ordermesh.services.inventory import apply_snapshots
from ordermesh.services.network import current_network
from ordermesh.services.orders import MAX_QUANTITY, OrderView, PlaceOrder, get_order, place_order
from ordermesh.services.partner_files import AppliedBefore, ApplyFailed
from ordermesh.services.partner_ports import (
    Accepted,
    FileRejected,
    FileTransaction,
    InboxFile,
    OutboundFile,
    Partner,
    PartnerLedger,
    Role,
)
from ordermesh.services.ports import Clock, Routing, StoredEvent

log = logging.getLogger(__name__)

CHANNEL_SETS = frozenset({"850"})
NODE_SETS = frozenset({"846", "945", "856"})


@dataclass
class LedgerControlNumbers:
    """A ``ControlNumberAllocator`` over the ledger's per-partner counters."""

    ledger: PartnerLedger
    pair: str
    at: datetime

    def next_interchange(self) -> int:
        return self.ledger.next_control_number(f"{self.pair} ISA", self.at)

    def next_group(self) -> int:
        return self.ledger.next_control_number(f"{self.pair} GS", self.at)

    def next_set(self) -> int:
        return self.ledger.next_control_number(f"{self.pair} ST", self.at) % 10_000 or 1


def control_pair(partner: Partner) -> str:
    return f"{partner.connector.our_id} {partner.connector.partner_id}"


@dataclass(frozen=True, slots=True)
class _Context:
    """What a rejection's 997 needs: the interchange as received and the errors found."""

    received: Received
    errors: tuple[X12Error, ...]


def _ours(partner: Partner) -> tuple[PartyId, PartyId, Separators]:
    connector = partner.connector
    return PartyId.ours(connector), PartyId.theirs(connector), Separators.from_connector(connector)


def _render(
    tx: FileTransaction, partner: Partner, sets: Sequence[TransactionSet], at: datetime
) -> str:
    ours, theirs, separators = _ours(partner)
    numbers = LedgerControlNumbers(tx.ledger, control_pair(partner), at)
    interchange = build_interchange(sets, sender=ours, receiver=theirs, at=at, numbers=numbers)
    return write_interchange(interchange, separators)


def _address_errors(received: Received, partner: Partner) -> list[X12Error]:
    interchange = received.interchange
    if interchange is None:
        return []
    errors = []
    for element, party, expected in (
        (6, interchange.sender, partner.connector.partner_id),
        (8, interchange.receiver, partner.connector.our_id),
    ):
        if party.id.strip() != expected:
            errors.append(
                X12Error(
                    1,
                    "ISA",
                    element,
                    InterchangeErrorCode.INVALID_CONTENT,
                    f"{party.id.strip()!r} is not {expected!r} of {partner.key}",
                    ErrorLevel.INTERCHANGE,
                    bad_value=party.id,
                )
            )
    return errors


def _set_error(received: Received, set_control: str, message: str) -> X12Error:
    """A business refusal of a well-formed set, as a set-level error for the 997."""
    origin = 0
    if received.interchange is not None:
        for group in received.interchange.groups:
            for ts in group.sets:
                if ts.control == set_control:
                    origin = ts.origin or 0
    return X12Error(origin, "ST", None, SetErrorCode.SEGMENTS_IN_ERROR, message, ErrorLevel.SET, 1)


def apply_interchange(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, *, routing: Routing
) -> Accepted:
    allowed = CHANNEL_SETS if partner.role is Role.CHANNEL else NODE_SETS
    received = receive(file.data, file.name, sets=allowed)
    errors = (*received.errors, *_address_errors(received, partner))
    if not errors:
        network = current_network(tx.uow).network
        errors = unechoable(received, reply_separators(network, partner.connector))
    if errors or received.interchange is None:
        raise FileRejected("x12", [error.problem() for error in errors], _Context(received, errors))
    now = clock.now()
    digest = hashlib.sha256(file.data).hexdigest()[:16]
    replies: list[OutboundFile] = []
    acks: list[PurchaseOrderAck] = []
    kinds: list[str] = []
    for document in received.documents:
        where = f"set {document.set_id} {document.set_control}"
        value = document.document
        kinds.append(document.set_id)
        try:
            if isinstance(value, PurchaseOrder):
                acks.append(_purchase_order(tx, partner, value, clock, now, routing))
            elif isinstance(value, InventoryAdvice):
                lines = snapshot_lines(value)
                apply_snapshots(
                    tx.uow, {partner.id: lines}, actor_of(partner), clock, routing=routing
                )
            elif isinstance(value, ShippingAdvice):
                tracking = value.tracking_numbers
                confirm_at_node(
                    tx,
                    partner,
                    value.depositor_order,
                    advice_shipped(value),
                    tracking[0] if tracking else None,
                    value.carrier,
                    clock,
                    routing=routing,
                )
            elif isinstance(value, ShipNotice):
                _node_ship_notice(tx, partner, value, clock, routing)
        except (OrdermeshError, _Refused) as error:
            problem = Problem(where, str(error))
            context = _Context(received, (_set_error(received, document.set_control, str(error)),))
            raise FileRejected("x12 " + document.set_id, [problem], context) from error
    assert partner.connector.outbox is not None, "the network document requires it"
    ack = _acknowledgment(tx, partner, received, (), now)
    if ack is not None:
        replies.append(OutboundFile(partner.connector.outbox, f"997-{digest}.x12", ack, "997"))
    if acks:
        content = _render(tx, partner, [generate_855(a) for a in acks], now)
        replies.append(OutboundFile(partner.connector.outbox, f"855-{digest}.x12", content, "855"))
    kind = "x12 " + ",".join(dict.fromkeys(kinds))
    return Accepted(kind, f"{len(received.documents)} transaction set(s) applied", tuple(replies))


class _Refused(Exception):
    pass


def _acknowledgment(
    tx: FileTransaction,
    partner: Partner,
    received: Received,
    extra: Sequence[X12Error],
    at: datetime,
) -> str | None:
    separators = Separators.from_connector(partner.connector)
    # A bad value is echoed (AK404) only when it can be: AK404 is optional, a value
    # holding our separator or a line break would break the 997 that reports it.
    errors = [
        e
        if e.bad_value is None or echoable(e.bad_value, separators.chars())
        else replace(e, bad_value=None)
        for e in (*received.errors, *extra)
    ]
    received = replace(received, errors=tuple(errors))
    numbers = LedgerControlNumbers(tx.ledger, control_pair(partner), at)
    interchange = acknowledge(received, numbers=numbers, at=at, separators=separators)
    if interchange is None:
        return None
    # Addressed as the connector says, whatever the (possibly wrong) ISA we answer said.
    ours, theirs, _ = _ours(partner)
    interchange = replace(interchange, sender=ours, receiver=theirs)
    return write_interchange(interchange, separators)


def rejection_replies(
    tx: FileTransaction, partner: Partner, file: InboxFile, error: FileRejected, clock: Clock
) -> list[OutboundFile]:
    """A 997 rejecting the interchange; a TA1 when no 997 can be written (a control
    number it must echo holds a separator); none when not even the ISA could be read."""
    if partner.connector.outbox is None:
        return []
    if isinstance(error.context, AppliedBefore):
        return _interchange_rejection(tx, partner, file, clock, DUPLICATE_INTERCHANGE)
    if isinstance(error.context, _Context):
        received, extra = error.context.received, error.context.errors
    else:
        received = receive(file.data, file.name)
        extra = (_not_applied(error),) if isinstance(error.context, ApplyFailed) else ()
    errors = tuple(e for e in extra if e not in received.errors)
    try:
        ack = _acknowledgment(tx, partner, received, errors, clock.now())
    except ValueError:
        log.warning("no 997 can answer %s of %s: a TA1 rejects it", file.name, partner.key)
        return _interchange_rejection(tx, partner, file, clock, INVALID_CONTENT)
    if ack is None:
        return []
    digest = hashlib.sha256(file.data).hexdigest()[:16]
    return [OutboundFile(partner.connector.outbox, f"997-{digest}.x12", ack, "997")]


def _not_applied(error: FileRejected) -> X12Error:
    """A file that could not be applied for a reason of ours: every group is rejected."""
    return X12Error(
        1,
        "ISA",
        None,
        InterchangeErrorCode.INVALID_CONTENT,
        "; ".join(str(problem) for problem in error.problems),
        ErrorLevel.INTERCHANGE,
    )


def _ship_to(po: PurchaseOrder) -> ShipTo:
    address = po.ship_to
    if address is None or not address.postal_code:
        raise _Refused("the purchase order has no ship-to postal code (N1*ST loop, N403)")
    try:
        location = geocode(address.postal_code, address.country or "US")
    except UnknownPostalCode as error:
        raise _Refused(f"ship-to N403: {error}") from error
    return ShipTo(location)


def _purchase_order(
    tx: FileTransaction,
    partner: Partner,
    po: PurchaseOrder,
    clock: Clock,
    now: datetime,
    routing: Routing,
) -> PurchaseOrderAck:
    """Place the order of an 850, without the lines that cannot be sold (unknown SKU,
    quantity out of range, repeated line number): the 855 rejects those."""
    network = current_network(tx.uow).network
    channel = network.channel(partner.id)
    valid: list[OrderLine] = []
    refused: set[str] = set()
    seen: set[str] = set()
    for line in order_lines(po):
        if (
            not network.is_sellable(line.item)
            or not 1 <= line.quantity <= MAX_QUANTITY
            or line.line_id in seen
        ):
            refused.add(line.line_id)
        else:
            valid.append(line)
        seen.add(line.line_id)
    view: OrderView | None = None
    if valid:
        command = PlaceOrder(
            channel=partner.id,
            ship_to=_ship_to(po),
            service_level=channel.service_level,
            lines=tuple(valid),
            external_id=po.po_number,
        )
        view, _ = place_order(tx.uow, command, clock, actor=actor_of(partner), routing=routing)
    items: dict[str, AckItem] = {}
    if view is not None:
        ack = ack_from_order(view, po_date=po.po_date, ack_date=now.date(), purchase_order=po)
        items = {item.line_number: item for item in ack.items}
    for po_line in po.lines:
        number = po_line.line_number
        if number in refused and number not in items:
            items[number] = AckItem(
                line_number=number,
                quantity=po_line.quantity,
                acks=(LineAck(LineStatus.REJECTED, po_line.quantity, po_line.unit),),
                unit=po_line.unit,
                unit_price=po_line.unit_price,
                product_ids=po_line.product_ids,
            )
    ordered = [items[p.line_number] for p in po.lines if p.line_number in items]
    statuses = {a.status for item in ordered for a in item.acks}
    if statuses == {LineStatus.REJECTED}:
        ack_type = "RJ"
    elif statuses <= {LineStatus.ACCEPTED}:
        ack_type = "AD"
    else:
        ack_type = "AC"
    return PurchaseOrderAck(
        po_number=po.po_number,
        po_date=po.po_date,
        items=tuple(ordered),
        ack_type=ack_type,
        seller_order=None if view is None else view.id,
        ack_date=now.date(),
    )


def _node_ship_notice(
    tx: FileTransaction, partner: Partner, notice: ShipNotice, clock: Clock, routing: Routing
) -> None:
    """An 856 from a node: each order level's PRF01 names the fulfillment request (the
    940's W0502)."""
    shipped = notice_shipped(notice)
    for order in notice.orders:
        lines = {(item.line_number or "", item.sku() or ""): item.shipped for item in order.items}
        mine = {key: units for key, units in shipped.items() if key in lines}
        confirm_at_node(
            tx,
            partner,
            order.purchase_order,
            mine,
            notice.tracking[0] if notice.tracking else None,
            notice.carrier,
            clock,
            routing=routing,
        )


def _external_id(order: OrderView, partner: Partner) -> str | None:
    """The order's external id when the partner's documents can carry it: an order from
    another channel (a CSV, the API) may hold a character that is an X12 separator."""
    separators = Separators.from_connector(partner.connector).chars()
    external = order.external_id
    return external if external is not None and echoable(external, separators) else None


def _ship_to_address(order: OrderView, partner: Partner) -> Address:
    location = order.ship_to.location
    return Address(
        entity="ST",
        name=_external_id(order, partner) or order.id,
        state=location.state,
        postal_code=location.postal_code,
        country=location.country,
    )


def warehouse_shipping_order(
    tx: FileTransaction, partner: Partner, event: StoredEvent, network: Network, clock: Clock
) -> OutboundFile | None:
    """The 940 of the request a ``fulfillment.released`` event names; None when the
    request is no longer with the node."""
    request = get_request(tx.uow, str(event.data["request_id"]))
    if request.status not in (RequestStatus.RELEASED, RequestStatus.ACCEPTED):
        return None
    order = get_order(tx.uow, request.order_id)
    service = network.services.get(request.service_id)
    shipping_order = shipping_order_from_request(
        request,
        _ship_to_address(order, partner),
        purchase_order=_external_id(order, partner),
        carrier=(service.carrier or None) if service is not None else None,
    )
    assert partner.connector.outbox is not None, "the network document requires it"
    content = _render(tx, partner, [generate_940(shipping_order)], event.occurred_at)
    return OutboundFile(
        partner.connector.outbox, f"940-{event.id:010d}-{request.id}.x12", content, "940"
    )


def ship_notice(
    tx: FileTransaction,
    partner: Partner,
    event: StoredEvent,
    order: OrderView,
    network: Network,
    clock: Clock,
) -> OutboundFile:
    """The 856 to the buyer for a ``fulfillment.shipped`` event of its order."""
    request = get_request(tx.uow, str(event.data["request_id"]))
    notice = ship_notice_from_request(
        request,
        shipment_id=request.id,
        purchase_order=_external_id(order, partner) or order.id,
        notice_date=event.occurred_at.date(),
        parties=(_ship_to_address(order, partner),),
    )
    assert partner.connector.outbox is not None, "the network document requires it"
    content = _render(tx, partner, [generate_856(notice)], event.occurred_at)
    return OutboundFile(
        partner.connector.outbox, f"856-{event.id:010d}-{request.id}.x12", content, "856"
    )


def warehouse_shipping_cancellation(
    tx: FileTransaction, partner: Partner, event: StoredEvent, network: Network, clock: Clock
) -> OutboundFile:
    """For a ``fulfillment.cancelled`` event of a request whose 940 was written: the same
    940 with W0501 ``F`` (cancel), the request's lines as they were sent."""
    request = get_request(tx.uow, str(event.data["request_id"]))
    order = get_order(tx.uow, request.order_id)
    service = network.services.get(request.service_id)
    as_sent = replace(
        request,
        lines=tuple(replace(line, cancelled_quantity=0) for line in request.lines),
    )
    shipping_order = shipping_order_from_request(
        as_sent,
        _ship_to_address(order, partner),
        purchase_order=_external_id(order, partner),
        carrier=(service.carrier or None) if service is not None else None,
    )
    cancel = replace(shipping_order, status=x940.CANCEL)
    assert partner.connector.outbox is not None, "the network document requires it"
    content = _render(tx, partner, [generate_940(cancel)], event.occurred_at)
    return OutboundFile(
        partner.connector.outbox, f"940-cancel-{event.id:010d}-{request.id}.x12", content, "940"
    )


DUPLICATE_INTERCHANGE = "025"  # TA105: duplicate interchange control number
INVALID_CONTENT = "024"  # TA105: invalid interchange content


def _interchange_rejection(
    tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock, note: str
) -> list[OutboundFile]:
    """A TA1 rejecting the interchange with note code ``note`` (TA105). For a file applied
    before, dropped again (025): no second 997 (the first one, sent for the first copy,
    acknowledged these groups), so the partner's translator sees why nothing came of it.
    For a file no 997 can answer (024). None when its ISA cannot be read."""
    received = receive(file.data, file.name)
    original = received.parsed.interchange
    if original is None or partner.connector.outbox is None:
        return []
    at = clock.now()
    ours, theirs, separators = _ours(partner)
    control = LedgerControlNumbers(tx.ledger, control_pair(partner), at).next_interchange()
    envelope = write_interchange(
        Interchange(sender=ours, receiver=theirs, at=at, control=control, groups=()),
        separators,
    )
    ta1 = separators.element.join(
        (
            "TA1",
            f"{original.control:09d}",
            original.at.strftime("%y%m%d"),
            original.at.strftime("%H%M"),
            "R",
            note,
        )
    )
    trailer = envelope.rindex(separators.segment + "IEA" + separators.element) + 1
    content = envelope[:trailer] + ta1 + separators.segment + envelope[trailer:]
    digest = hashlib.sha256(file.data).hexdigest()[:16]
    name = f"TA1-{digest}-{control:09d}.x12"
    return [OutboundFile(partner.connector.outbox, name, content, "TA1")]
