"""X12 interchanges from and to partners (docs/partners.md).

In: a buyer (channel) sends 850s; a node sends 846 (snapshot), 945 and 856 (shipments).
Every interchange is answered with a 997 in the partner's outbox: accepted when the file
was applied, rejected (AK5/AK9 R) when it was not; a buyer also gets an 855 per purchase
order (accepted, backordered and rejected lines). Out: a 940 per fulfillment request
released to an X12 node, an 856 per shipment of an order from an X12 channel.

Control numbers come from ``x12_control_numbers`` in the transaction that records the
document; outbound documents take their date from the event, so a document written again
after a crash is the same document.

Every X12 document goes out through ``write_document`` (the tests check each one against
the 4010 dictionary). Ids too long for the fields that carry them (W0502, BSN02, BAK08) are
replaced by short per-partner references (``R00001``, ``partner_references``) and mapped
back when a 945 or 856 names them. Each set written is recorded in ``x12_documents``; a
partner's 997 records its verdict there, and a rejection raises
``partner.document_rejected``. A test interchange (ISA15 ``T``) is answered as a test.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from ordermesh.adapters.formats.x12 import (
    AckCode,
    AckItem,
    Address,
    ErrorLevel,
    FunctionalAcknowledgment,
    Interchange,
    InterchangeErrorCode,
    InventoryAdvice,
    LineAck,
    LineStatus,
    PartyId,
    PurchaseOrder,
    PurchaseOrderAck,
    Received,
    Segment,
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
from ordermesh.adapters.formats.x12.conformance import fits
from ordermesh.adapters.formats.x12.envelope import FUNCTIONAL_IDS
from ordermesh.adapters.formats.x12.fitting import fit, scrub
from ordermesh.adapters.formats.x12.receive import answer_usage
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.adapters.partners.csv_files import actor_of, confirm_at_node
from ordermesh.adapters.partners.x12_echo import echoable, reply_separators, unechoable
from ordermesh.domain.errors import OrdermeshError, Problem
from ordermesh.domain.events import Event, EventType
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.domain.network import Network
from ordermesh.domain.order import OrderLine, Recipient, ShipTo
from ordermesh.services.fulfillment import get_request
from ordermesh.services.inventory import apply_snapshots
from ordermesh.services.network import current_network
from ordermesh.services.orders import MAX_QUANTITY, OrderView, PlaceOrder, get_order, place_order
from ordermesh.services.partner_files import AppliedBefore, ApplyFailed
from ordermesh.services.partner_ports import (
    Accepted,
    AckStatus,
    FileRejected,
    FileTransaction,
    InboxFile,
    OutboundFile,
    Partner,
    PartnerLedger,
    Role,
)
from ordermesh.services.ports import Clock, FulfillmentRequest, Routing, StoredEvent

log = logging.getLogger(__name__)

# 997s acknowledge what ordermesh sent: 855s and 856s to a buyer, 940s to a node.
CHANNEL_SETS = frozenset({"850", "997"})
NODE_SETS = frozenset({"846", "945", "856", "997"})


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


def write_document(interchange: Interchange, separators: Separators) -> str:
    """The one writer of every X12 document ordermesh sends: free text scrubbed of the
    separators, then written."""
    return write_interchange(scrub(interchange, separators), separators)


@dataclass(frozen=True, slots=True)
class _Outgoing:
    """A set to send, with the short reference it carries and the id that stands behind."""

    set: TransactionSet
    reference: str | None = None
    subject: str | None = None


def _render(
    tx: FileTransaction,
    partner: Partner,
    outgoing: Sequence[_Outgoing],
    at: datetime,
    name: str,
    kind: str,
    usage: str = "P",
) -> OutboundFile:
    """One interchange of the sets, recorded set by set in the document ledger."""
    ours, theirs, separators = _ours(partner)
    assert partner.connector.outbox is not None, "the network document requires it"
    numbers = LedgerControlNumbers(tx.ledger, control_pair(partner), at)
    interchange = build_interchange(
        [item.set for item in outgoing],
        sender=ours,
        receiver=theirs,
        at=at,
        numbers=numbers,
        usage=usage,
    )
    file = OutboundFile(
        partner.connector.outbox, name, write_document(interchange, separators), kind
    )
    # build_interchange groups the sets by functional id, in order of first appearance.
    by_group: dict[str, list[_Outgoing]] = {}
    for item in outgoing:
        by_group.setdefault(FUNCTIONAL_IDS[item.set.id], []).append(item)
    for group in interchange.groups:
        for ts, item in zip(group.sets, by_group[group.functional_id], strict=True):
            tx.ledger.record_document(
                partner.key,
                f"{file.folder}/{file.name}",
                ts.id,
                group.control,
                ts.control or "",
                item.reference,
                item.subject,
                at,
            )
    return file


def _internal_id(tx: FileTransaction, partner: Partner, reference: str, kind: str) -> str:
    """The internal id a partner's reference stands for; the value itself when it is not
    one of ours (an id sent in full by an older document)."""
    found = tx.ledger.resolve_reference(partner.key, reference)
    return found[1] if found is not None and found[0] == kind else reference


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
    subjects: list[str | None] = []  # the order id behind each 855's BAK08
    kinds: list[str] = []
    for document in received.documents:
        where = f"set {document.set_id} {document.set_control}"
        value = document.document
        kinds.append(document.set_id)
        try:
            if isinstance(value, PurchaseOrder):
                ack, order_id = _purchase_order(tx, partner, value, clock, now, routing)
                acks.append(ack)
                subjects.append(order_id)
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
                    _internal_id(tx, partner, value.depositor_order, "request"),
                    advice_shipped(value),
                    tracking[0] if tracking else None,
                    value.carrier,
                    clock,
                    routing=routing,
                )
            elif isinstance(value, ShipNotice):
                _node_ship_notice(tx, partner, value, clock, routing)
            elif isinstance(value, FunctionalAcknowledgment):
                _partner_acknowledgment(tx, partner, value, file.name, now)
        except (OrdermeshError, _Refused) as error:
            problem = Problem(where, str(error))
            context = _Context(received, (_set_error(received, document.set_control, str(error)),))
            raise FileRejected("x12 " + document.set_id, [problem], context) from error
    assert partner.connector.outbox is not None, "the network document requires it"
    answer = _acknowledgment(tx, partner, received, (), now)
    if answer is not None:
        replies.append(OutboundFile(partner.connector.outbox, f"997-{digest}.x12", answer, "997"))
    if acks:
        outgoing = [
            _Outgoing(generate_855(po_ack), po_ack.seller_order, subject)
            for po_ack, subject in zip(acks, subjects, strict=True)
        ]
        usage = answer_usage(received.interchange)
        replies.append(_render(tx, partner, outgoing, now, f"855-{digest}.x12", "855", usage))
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
    return write_document(interchange, separators)


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


def ship_to_of(po: PurchaseOrder) -> ShipTo:
    """The order's ship-to from an 850's N1*ST loop: located by its postal code (N403),
    the recipient from the rest of the loop."""
    address = po.ship_to
    if address is None or not address.postal_code:
        raise _Refused("the purchase order has no ship-to postal code (N1*ST loop, N403)")
    try:
        location = geocode(address.postal_code, address.country or "US")
    except UnknownPostalCode as error:
        raise _Refused(f"ship-to N403: {error}") from error
    return ShipTo(location, recipient=recipient_of(address))


def recipient_of(address: Address) -> Recipient | None:
    """The recipient of an N1*ST loop: N102 the name, N201 the company (an additional name
    line is a company or an attention line far more often than a person), N301/N302 the
    street, N401 city, N402 region, PER TE/EM phone and email."""
    street = (*address.street, None, None)
    recipient = Recipient(
        name=address.name or None,
        company=address.additional_name,
        address1=street[0],
        address2=street[1],
        city=address.city,
        region=address.state,
        phone=address.phone,
        email=address.email,
    )
    return None if recipient.is_empty else recipient


def _purchase_order(
    tx: FileTransaction,
    partner: Partner,
    po: PurchaseOrder,
    clock: Clock,
    now: datetime,
    routing: Routing,
) -> tuple[PurchaseOrderAck, str | None]:
    """Place the order of an 850, without the lines that cannot be sold (unknown SKU,
    quantity out of range, repeated line number): the 855 rejects those. Also the id of
    the order placed (None when every line was refused)."""
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
            ship_to=ship_to_of(po),
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
    seller_order = None if view is None else tx.ledger.reference(partner.key, "order", view.id, now)
    ack = PurchaseOrderAck(
        po_number=fit("BAK", 3, po.po_number) or po.po_number,
        po_date=po.po_date,
        items=tuple(ordered),
        ack_type=ack_type,
        seller_order=seller_order,
        ack_date=now.date(),
    )
    return ack, None if view is None else view.id


def _node_ship_notice(
    tx: FileTransaction, partner: Partner, notice: ShipNotice, clock: Clock, routing: Routing
) -> None:
    """An 856 from a node: each order level's PRF01 names the fulfillment request (the
    940's W0502, a short reference)."""
    shipped = notice_shipped(notice)
    for order in notice.orders:
        lines = {(item.line_number or "", item.sku() or ""): item.shipped for item in order.items}
        mine = {key: units for key, units in shipped.items() if key in lines}
        confirm_at_node(
            tx,
            partner,
            _internal_id(tx, partner, order.purchase_order, "request"),
            mine,
            notice.tracking[0] if notice.tracking else None,
            notice.carrier,
            clock,
            routing=routing,
        )


def ship_to_address(ship_to: ShipTo, fallback_name: str) -> Address:
    """The N1*ST loop of an order's ship-to: the recipient's name (else its company, else
    ``fallback_name``), the company as N2 when both are known, the street, city, region,
    postal code and country, phone and email; ``n1_loop`` cuts each to its 4010 length."""
    recipient = ship_to.recipient or Recipient()
    location = ship_to.location
    return Address(
        entity="ST",
        name=recipient.name or recipient.company or fallback_name,
        additional_name=recipient.company if recipient.name else None,
        street=tuple(line for line in (recipient.address1, recipient.address2) if line),
        city=recipient.city,
        state=recipient.region or location.state,
        postal_code=location.postal_code,
        country=location.country,
        phone=recipient.phone,
        email=recipient.email,
    )


def _external_id(order: OrderView, partner: Partner) -> str | None:
    """The order's external id when the partner's documents can carry it: an order from
    another channel (a CSV, the API) may hold a character that is an X12 separator."""
    separators = Separators.from_connector(partner.connector).chars()
    external = order.external_id
    return external if external is not None and echoable(external, separators) else None


def _ship_to_address(order: OrderView, partner: Partner) -> Address:
    return ship_to_address(order.ship_to, _external_id(order, partner) or order.id)


def _scac(carrier: str | None) -> str | None:
    """W6610 holds a Standard Carrier Alpha Code (2-4 letters): a carrier named otherwise
    is left out (W6605 names the service)."""
    if carrier is None or not carrier.isalnum() or not carrier.isupper():
        return None
    return carrier if fits("W66", 10, carrier) else None


def _shipping_order(
    tx: FileTransaction,
    partner: Partner,
    request: FulfillmentRequest,
    order: OrderView,
    network: Network,
    at: datetime,
) -> tuple[x940.ShippingOrder, str]:
    """The 940 of a request, W0502 its short reference (also returned)."""
    service = network.services.get(request.service_id)
    reference = tx.ledger.reference(partner.key, "request", request.id, at)
    shipping_order = shipping_order_from_request(
        request,
        _ship_to_address(order, partner),
        purchase_order=fit("W05", 3, _external_id(order, partner)),
        carrier=(service.carrier or None) if service is not None else None,
    )
    shipping_order = replace(
        shipping_order,
        depositor_order=reference,
        routing=fit("W66", 5, shipping_order.routing),
        carrier=_scac(shipping_order.carrier),
    )
    return shipping_order, reference


def warehouse_shipping_order(
    tx: FileTransaction,
    partner: Partner,
    event: StoredEvent,
    network: Network,
    clock: Clock,
    *,
    status: str = x940.ORIGINAL,
) -> OutboundFile | None:
    """The 940 of the request a ``fulfillment.released`` event names; None when the
    request is no longer with the node. ``status`` ``R`` (change): the 940 of the request
    a ``fulfillment.changed`` event names, its lines as they now stand."""
    request = get_request(tx.uow, str(event.data["request_id"]))
    if request.status not in (RequestStatus.RELEASED, RequestStatus.ACCEPTED):
        return None
    order = get_order(tx.uow, request.order_id)
    at = event.occurred_at
    shipping_order, reference = _shipping_order(tx, partner, request, order, network, at)
    shipping_order = replace(shipping_order, status=status)
    outgoing = [_Outgoing(generate_940(shipping_order), reference, request.id)]
    name = f"{_940_PREFIX[status]}{event.id:010d}-{request.id}.x12"
    return _render(tx, partner, outgoing, at, name, "940")


# A 940's file name by its W0501: the handler tells documents of a request apart by it.
_940_PREFIX = {x940.ORIGINAL: "940-", x940.CHANGE: "940-change-", x940.CANCEL: "940-cancel-"}


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
    at = event.occurred_at
    reference = tx.ledger.reference(partner.key, "shipment", request.id, at)
    purchase_order = fit("PRF", 1, _external_id(order, partner)) or tx.ledger.reference(
        partner.key, "order", order.id, at
    )
    notice = ship_notice_from_request(
        request,
        shipment_id=reference,
        purchase_order=purchase_order,
        notice_date=at.date(),
        notice_time=at.time(),
        parties=(_ship_to_address(order, partner),),
    )
    outgoing = [_Outgoing(generate_856(notice), reference, request.id)]
    return _render(tx, partner, outgoing, at, f"856-{event.id:010d}-{request.id}.x12", "856")


def warehouse_shipping_cancellation(
    tx: FileTransaction, partner: Partner, event: StoredEvent, network: Network, clock: Clock
) -> OutboundFile:
    """For a ``fulfillment.cancelled`` event of a request whose 940 was written: the same
    940 with W0501 ``F`` (cancel), the request's lines as they were sent."""
    request = get_request(tx.uow, str(event.data["request_id"]))
    order = get_order(tx.uow, request.order_id)
    as_sent = replace(
        request,
        lines=tuple(replace(line, cancelled_quantity=0) for line in request.lines),
    )
    at = event.occurred_at
    shipping_order, reference = _shipping_order(tx, partner, as_sent, order, network, at)
    cancel = replace(shipping_order, status=x940.CANCEL)
    outgoing = [_Outgoing(generate_940(cancel), reference, request.id)]
    name = f"{_940_PREFIX[x940.CANCEL]}{event.id:010d}-{request.id}.x12"
    return _render(tx, partner, outgoing, at, name, "940")


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
    ta1 = Segment.of(
        "TA1",
        f"{original.control:09d}",
        original.at.strftime("%y%m%d"),
        original.at.strftime("%H%M"),
        "R",
        note,
    )
    content = write_document(
        Interchange(
            sender=ours,
            receiver=theirs,
            at=at,
            control=control,
            groups=(),
            usage=answer_usage(original),
            acknowledgments=(ta1,),
        ),
        separators,
    )
    digest = hashlib.sha256(file.data).hexdigest()[:16]
    name = f"TA1-{digest}-{control:09d}.x12"
    return [OutboundFile(partner.connector.outbox, name, content, "TA1")]


_ACK_STATUS = {
    AckCode.ACCEPTED: AckStatus.ACCEPTED,
    AckCode.ACCEPTED_WITH_ERRORS: AckStatus.ACCEPTED_WITH_ERRORS,
}


def _verdicts(ack: FunctionalAcknowledgment) -> list[tuple[str | None, AckStatus, str]]:
    """(set control or None for the whole group, status, errors) per verdict of a 997:
    one per AK2 loop, else the AK9 for every set of the group. A group partially accepted
    without AK2 detail cannot say which sets failed: each is recorded as rejected."""
    if not ack.sets:
        summary = "; ".join(f"AK9 {ack.status} code {code}" for code in ack.codes)
        return [(None, _ACK_STATUS.get(ack.status, AckStatus.REJECTED), summary)]
    verdicts: list[tuple[str | None, AckStatus, str]] = []
    for response in ack.sets:
        errors = [f"AK5 {response.status} code {code}" for code in response.codes]
        for note in response.segments:
            text = f"segment {note.segment_id} at {note.position}"
            if note.code:
                text += f" code {note.code}"
            for element in note.elements:
                text += f", element {element.position:02d} code {element.code}"
                if element.bad_value:
                    text += f" ({element.bad_value!r})"
            errors.append(text)
        status = _ACK_STATUS.get(response.status, AckStatus.REJECTED)
        verdicts.append((response.control, status, "; ".join(errors)))
    return verdicts


def _partner_acknowledgment(
    tx: FileTransaction,
    partner: Partner,
    ack: FunctionalAcknowledgment,
    source: str,
    at: datetime,
) -> None:
    """Record a partner's 997 on the documents it acknowledges; ``partner.document_rejected``
    for each one it rejects. A 997 naming none of our documents changes nothing."""
    events: list[Event] = []
    for control, status, errors in _verdicts(ack):
        documents = tx.ledger.acknowledge_document(
            partner.key, ack.group_control, control, status, errors, at
        )
        if status is not AckStatus.REJECTED:
            continue
        events += [
            Event(
                EventType.PARTNER_DOCUMENT_REJECTED,
                None,
                {
                    "partner": partner.key,
                    "file": document.file,
                    "set_id": document.set_id,
                    "group_control": document.group_control,
                    "set_control": document.set_control,
                    "reference": document.reference,
                    "subject": document.subject,
                    "errors": errors,
                    "acknowledgment": source,
                },
            )
            for document in documents
        ]
    if events:
        with tx.uow as uow:
            uow.events.add(events, at)
            uow.commit()
