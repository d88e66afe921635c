"""855 Purchase Order Acknowledgment (4010), to the B2B buyer: BAK, then per line PO1 and
one ACK per status (IA accepted, IB backordered, IR rejected) with its quantity, CTT.

BAK01 purpose, BAK02 acknowledgment type (AD: with detail, no change; AC: with detail and
change; RJ: rejected), BAK03 PO number, BAK04 PO date, BAK08 seller's order number, BAK09
acknowledgment date. ACK01 status, ACK02 quantity, ACK03 unit, ACK04 "068" + ACK05 the
current schedule ship date.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Final

from ordermesh.adapters.formats.x12.common import (
    ProductId,
    SetReader,
    x12_date,
)
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import SegmentErrorCode
from ordermesh.adapters.formats.x12.x850 import PurchaseOrder, po1_segment, read_po1
from ordermesh.services.orders import OrderView

__all__ = [
    "AckItem",
    "LineAck",
    "LineStatus",
    "PurchaseOrderAck",
    "ack_from_order",
    "generate_855",
    "parse_855",
]

SEGMENTS: Final = frozenset(
    [
        "BAK",
        "CUR",
        "REF",
        "PER",
        "TAX",
        "FOB",
        "CTP",
        "PAM",
        "CSH",
        "SAC",
        "ITD",
        "DIS",
        "DTM",
        "LDT",
        "ID4",
        "PID",
        "PWK",
        "MEA",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "MAN",
        "TXI",
        "CTB",
        "N9",
        "MSG",
        "N1",
        "N2",
        "N3",
        "N4",
        "PO1",
        "LIN",
        "SI",
        "PO3",
        "CTP",
        "PO4",
        "ACK",
        "SCH",
        "CTT",
        "AMT",
    ]
)
SCHEDULED_SHIP: Final = "068"


class LineStatus(StrEnum):
    """ACK01 line item status codes ordermesh writes (others are read as they are)."""

    ACCEPTED = "IA"
    BACKORDERED = "IB"
    REJECTED = "IR"


@dataclass(frozen=True, slots=True)
class LineAck:
    status: str  # ACK01, a LineStatus value
    quantity: int  # ACK02
    unit: str = "EA"  # ACK03
    ship_date: date | None = None  # ACK04 "068" / ACK05


@dataclass(frozen=True, slots=True)
class AckItem:
    line_number: str  # PO101 of the purchase order
    quantity: int  # PO102 as ordered
    acks: tuple[LineAck, ...]
    unit: str = "EA"
    unit_price: Decimal | None = None
    product_ids: tuple[ProductId, ...] = ()


@dataclass(frozen=True, slots=True)
class PurchaseOrderAck:
    po_number: str  # BAK03
    po_date: date  # BAK04
    items: tuple[AckItem, ...]
    ack_type: str = "AD"  # BAK02
    purpose: str = "00"  # BAK01
    seller_order: str | None = None  # BAK08
    ack_date: date | None = None  # BAK09


def parse_855(ts: TransactionSet, source: str = "855") -> PurchaseOrderAck:
    reader = SetReader(ts, "855", SEGMENTS)
    bak: int | None = None
    items: list[AckItem] = []
    acks: list[LineAck] = []
    for index, segment in reader:
        if segment.id == "BAK":
            bak = index
        elif segment.id == "PO1":
            line = read_po1(reader, index)
            if line is not None:
                items.append(
                    AckItem(
                        line.line_number,
                        line.quantity,
                        (),
                        line.unit,
                        line.unit_price,
                        line.product_ids,
                    )
                )
                acks = []
        elif segment.id == "ACK":
            if not items:
                reader.segment_error(
                    index, SegmentErrorCode.UNEXPECTED_SEGMENT, "ACK before any PO1"
                )
                continue
            status = reader.required(index, 1)
            quantity = reader.quantity(index, 2)
            unit = reader.text(index, 3) or "EA"
            ship = reader.date(index, 5) if segment.element(4) == SCHEDULED_SHIP else None
            acks.append(
                LineAck(
                    status, quantity if quantity is not None else items[-1].quantity, unit, ship
                )
            )
            last = items[-1]
            items[-1] = AckItem(
                last.line_number,
                last.quantity,
                tuple(acks),
                last.unit,
                last.unit_price,
                last.product_ids,
            )
    if bak is None:
        reader.missing_segment("BAK")
        reader.done(source)
        raise AssertionError("unreachable")
    purpose = reader.required(bak, 1)
    ack_type = reader.required(bak, 2)
    po_number = reader.required(bak, 3)
    po_date = reader.date(bak, 4, required=True)
    seller_order = reader.text(bak, 8)
    ack_date = reader.date(bak, 9)
    reader.done(source)
    assert po_date is not None
    return PurchaseOrderAck(
        po_number, po_date, tuple(items), ack_type, purpose, seller_order, ack_date
    )


def generate_855(ack: PurchaseOrderAck) -> TransactionSet:
    segments = [
        Segment.of(
            "BAK",
            ack.purpose,
            ack.ack_type,
            ack.po_number,
            x12_date(ack.po_date),
            None,
            None,
            None,
            ack.seller_order,
            None if ack.ack_date is None else x12_date(ack.ack_date),
        )
    ]
    for item in ack.items:
        segments.append(
            po1_segment(
                item.line_number, item.quantity, item.unit, item.unit_price, item.product_ids
            )
        )
        for line in item.acks:
            segments.append(
                Segment.of(
                    "ACK",
                    line.status,
                    str(line.quantity),
                    line.unit,
                    None if line.ship_date is None else SCHEDULED_SHIP,
                    None if line.ship_date is None else x12_date(line.ship_date),
                )
            )
    segments.append(Segment.of("CTT", str(len(ack.items)), str(sum(i.quantity for i in ack.items))))
    return TransactionSet("855", tuple(segments))


def ack_from_order(
    view: OrderView,
    *,
    po_date: date,
    ack_date: date | None = None,
    purchase_order: PurchaseOrder | None = None,
) -> PurchaseOrderAck:
    """The acknowledgment of an order placed from an 850: per line, units cancelled are
    rejected (IR), units waiting for stock backordered (IB), the rest accepted (IA, with the
    order's promised date as ship date). A bundle line with units waiting is backordered
    whole (its waiting units are counted in component SKUs). With ``purchase_order`` its
    line numbers, units and product ids are echoed."""
    waiting: defaultdict[str, int] = defaultdict(int)
    bundles_waiting: set[str] = set()
    for entry in view.backordered:
        if entry.bundle_id is None:
            waiting[entry.line_id] += entry.quantity
        else:
            bundles_waiting.add(entry.line_id)
    original = {line.line_number: line for line in purchase_order.lines} if purchase_order else {}
    items: list[AckItem] = []
    for line in view.lines:
        active = line.quantity - line.cancelled_quantity
        backordered = (
            active if line.line_id in bundles_waiting else min(active, waiting[line.line_id])
        )
        accepted = active - backordered
        po_line = original.get(line.line_id)
        unit = po_line.unit if po_line else "EA"
        acks = []
        if accepted:
            acks.append(LineAck(LineStatus.ACCEPTED, accepted, unit, view.promised_by))
        if backordered:
            acks.append(LineAck(LineStatus.BACKORDERED, backordered, unit))
        if line.cancelled_quantity:
            acks.append(LineAck(LineStatus.REJECTED, line.cancelled_quantity, unit))
        price = Decimal(str(line.unit_price)) if line.unit_price is not None else None
        items.append(
            AckItem(
                line_number=line.line_id,
                quantity=po_line.quantity if po_line else line.quantity,
                acks=tuple(acks),
                unit=unit,
                unit_price=po_line.unit_price if po_line else price,
                product_ids=po_line.product_ids if po_line else (ProductId("VP", line.item),),
            )
        )
    statuses = {ack.status for item in items for ack in item.acks}
    if statuses == {LineStatus.REJECTED}:
        ack_type = "RJ"
    elif statuses <= {LineStatus.ACCEPTED}:
        ack_type = "AD"
    else:
        ack_type = "AC"
    return PurchaseOrderAck(
        po_number=purchase_order.po_number if purchase_order else (view.external_id or view.id),
        po_date=po_date,
        items=tuple(items),
        ack_type=ack_type,
        seller_order=view.id,
        ack_date=ack_date,
    )
