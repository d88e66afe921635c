"""856 Ship Notice/Manifest (4010), read from a 3PL and written to a B2B buyer: BSN, then
an HL hierarchy shipment (S) > order (O) > item (I) (pack and tare levels are read through),
CTT.

BSN01 purpose, BSN02 shipment id, BSN03 date, BSN04 time, BSN05 structure (0004: S, O, I).
Shipment level: TD5 (TD503 SCAC, TD504 transportation method), REF*CN (or 2I) tracking
numbers, DTM*011 ship date, N1 loops. Order level: PRF01 purchase order, REF references.
Item level: LIN01 line number, LIN02.. product ids, SN102 units shipped, SN103 unit, SN105
quantity ordered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Final

from ordermesh.adapters.formats.x12.common import (
    BUYER_SKU_QUALIFIERS,
    Address,
    PartyBuilder,
    ProductId,
    Reference,
    SetReader,
    n1_loop,
    product_elements,
    sku_of,
    x12_date,
    x12_time,
)
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import ElementErrorCode, SegmentErrorCode
from ordermesh.services.ports import FulfillmentRequest

__all__ = [
    "ShipNotice",
    "ShipNoticeItem",
    "ShipNoticeOrder",
    "generate_856",
    "notice_shipped",
    "parse_856",
    "ship_notice_from_request",
]

SEGMENTS: Final = frozenset(
    [
        "BSN",
        "DTM",
        "HL",
        "LIN",
        "SN1",
        "SLN",
        "PRF",
        "PO4",
        "PID",
        "MEA",
        "PWK",
        "PKG",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "REF",
        "PER",
        "MAN",
        "DTM",
        "FOB",
        "N1",
        "N2",
        "N3",
        "N4",
        "SAC",
        "CUR",
        "ITD",
        "TXI",
        "CLD",
        "MAN",
        "SOC",
        "PAL",
        "LH1",
        "LH2",
        "LH3",
        "LFH",
        "LEP",
        "LH4",
        "LHT",
        "LHR",
        "CTT",
    ]
)
SHIPPED: Final = "011"
TRACKING: Final = ("CN", "2I")


@dataclass(frozen=True, slots=True)
class ShipNoticeItem:
    product_ids: tuple[ProductId, ...]  # LIN02/LIN03...
    shipped: int  # SN102
    unit: str = "EA"  # SN103
    ordered: int | None = None  # SN105
    line_number: str | None = None  # LIN01: the order line id

    def sku(self, preference: Sequence[str] = BUYER_SKU_QUALIFIERS) -> str | None:
        return sku_of(self.product_ids, preference)


@dataclass(frozen=True, slots=True)
class ShipNoticeOrder:
    purchase_order: str  # PRF01
    items: tuple[ShipNoticeItem, ...]
    references: tuple[Reference, ...] = ()  # REF at order level


@dataclass(frozen=True, slots=True)
class ShipNotice:
    shipment_id: str  # BSN02
    date: date  # BSN03
    orders: tuple[ShipNoticeOrder, ...]
    time: time | None = None  # BSN04
    purpose: str = "00"  # BSN01
    structure: str = "0004"  # BSN05
    shipped_date: dt.date | None = None  # DTM*011
    carrier: str | None = None  # TD503 SCAC
    transport: str | None = None  # TD504
    tracking: tuple[str, ...] = ()  # REF*CN
    parties: tuple[Address, ...] = ()


@dataclass
class _Order:
    hl: str
    purchase_order: str = ""
    references: list[Reference] | None = None
    items: list[ShipNoticeItem] | None = None


def parse_856(ts: TransactionSet, source: str = "856") -> ShipNotice:
    reader = SetReader(ts, "856", SEGMENTS)
    bsn: int | None = None
    td5: int | None = None
    shipped_date: date | None = None
    tracking: list[str] = []
    parties = PartyBuilder()
    levels: dict[str, tuple[str, str | None]] = {}  # HL01 -> (level code, parent)
    orders: dict[str, _Order] = {}
    level: str | None = None
    current: _Order | None = None
    item_ids: tuple[ProductId, ...] | None = None
    item_line: str | None = None
    seen_shipment = False
    for index, segment in reader:
        if level == "S" and parties.take(reader, index, segment):
            continue
        parties.close()
        sid = segment.id
        if sid == "BSN":
            bsn = index
        elif sid == "HL":
            hl_id = reader.required(index, 1)
            parent = reader.text(index, 2)
            code = reader.required(index, 3)
            if parent is not None and parent not in levels:
                reader.element_error(
                    index,
                    2,
                    ElementErrorCode.INVALID_CODE,
                    f"HL02 parent {parent!r} is not an earlier HL",
                    parent,
                )
            levels[hl_id] = (code, parent)
            level, item_ids, item_line = code, None, None
            if code == "S":
                seen_shipment = True
            elif code == "O":
                current = orders.setdefault(hl_id, _Order(hl_id, "", [], []))
            elif code == "I":
                current = _ancestor_order(hl_id, levels, orders)
        elif level == "S":
            if sid == "TD5":
                td5 = index
            elif sid == "REF":
                reference = reader.reference(index)
                if reference is not None and reference.qualifier in TRACKING:
                    tracking.append(reference.value)
            elif sid == "DTM":
                qualifier = reader.required(index, 1)
                day = reader.date(index, 2, required=True)
                if qualifier == SHIPPED:
                    shipped_date = day
            elif sid == "N1":
                parties.start(reader, index)
        elif level == "O" and current is not None:
            if sid == "PRF":
                current.purchase_order = reader.required(index, 1)
            elif sid == "REF":
                reference = reader.reference(index)
                if reference is not None and current.references is not None:
                    current.references.append(reference)
        elif level == "I":
            if sid == "LIN":
                item_line = reader.text(index, 1)
                item_ids = reader.products(index, 2)
                if not item_ids:
                    reader.element_error(
                        index, 3, ElementErrorCode.MANDATORY_MISSING, "LIN03 product id is required"
                    )
            elif sid == "SN1":
                shipped = reader.quantity(index, 2, required=True)
                unit = reader.required(index, 3)
                ordered = reader.quantity(index, 5)
                if current is None:
                    reader.segment_error(
                        index, SegmentErrorCode.UNEXPECTED_SEGMENT, "item without an order level"
                    )
                elif item_ids is None:
                    reader.segment_error(
                        index, SegmentErrorCode.UNEXPECTED_SEGMENT, "SN1 without LIN"
                    )
                elif shipped is not None and item_ids and current.items is not None:
                    current.items.append(
                        ShipNoticeItem(item_ids, shipped, unit, ordered, item_line)
                    )
    parties.close()
    if bsn is None:
        reader.missing_segment("BSN")
        reader.done(source)
        raise AssertionError("unreachable")
    if not seen_shipment:
        reader.missing_segment("HL", "the ship notice has no shipment (S) level")
    for order in orders.values():
        if not order.purchase_order:
            reader.missing_segment("PRF", f"order level HL {order.hl} has no PRF")
    purpose = reader.required(bsn, 1)
    shipment_id = reader.required(bsn, 2)
    day = reader.date(bsn, 3, required=True)
    clock = reader.time(bsn, 4)
    structure = reader.text(bsn, 5) or "0004"
    carrier = transport = None
    if td5 is not None:
        carrier = reader.text(td5, 3)
        transport = reader.text(td5, 4)
    reader.done(source)
    assert day is not None
    return ShipNotice(
        shipment_id=shipment_id,
        date=day,
        orders=tuple(
            ShipNoticeOrder(o.purchase_order, tuple(o.items or ()), tuple(o.references or ()))
            for o in orders.values()
        ),
        time=clock,
        purpose=purpose,
        structure=structure,
        shipped_date=shipped_date,
        carrier=carrier,
        transport=transport,
        tracking=tuple(tracking),
        parties=parties.result(),
    )


def _ancestor_order(
    hl_id: str, levels: dict[str, tuple[str, str | None]], orders: dict[str, _Order]
) -> _Order | None:
    seen: set[str] = set()
    node: str | None = hl_id
    while node is not None and node not in seen:
        seen.add(node)
        if node in orders:
            return orders[node]
        node = levels.get(node, ("", None))[1]
    return None


def generate_856(notice: ShipNotice) -> TransactionSet:
    segments = [
        Segment.of(
            "BSN",
            notice.purpose,
            notice.shipment_id,
            x12_date(notice.date),
            # BSN04 is mandatory; a notice read without one is written back at midnight.
            x12_time(notice.time or time(0)),
            notice.structure,
        )
    ]
    counter = 1
    segments.append(Segment.of("HL", "1", None, "S"))
    if notice.carrier or notice.transport:
        # TD502 "2" (SCAC) qualifies TD503: written only with a carrier.
        qualifier = "2" if notice.carrier else None
        segments.append(Segment.of("TD5", "B", qualifier, notice.carrier, notice.transport))
    segments += [Segment.of("REF", "CN", number) for number in notice.tracking]
    if notice.shipped_date is not None:
        segments.append(Segment.of("DTM", SHIPPED, x12_date(notice.shipped_date)))
    for address in notice.parties:
        segments += n1_loop(address)
    for order in notice.orders:
        counter += 1
        order_hl = counter
        segments.append(Segment.of("HL", str(order_hl), "1", "O"))
        segments.append(Segment.of("PRF", order.purchase_order))
        segments += [Segment.of("REF", ref.qualifier, ref.value) for ref in order.references]
        for item in order.items:
            counter += 1
            segments.append(Segment.of("HL", str(counter), str(order_hl), "I"))
            segments.append(
                Segment.of("LIN", item.line_number, *product_elements(item.product_ids))
            )
            segments.append(
                Segment.of(
                    "SN1",
                    None,
                    str(item.shipped),
                    item.unit,
                    None,
                    None if item.ordered is None else str(item.ordered),
                    None if item.ordered is None else item.unit,
                )
            )
    segments.append(Segment.of("CTT", str(counter)))
    return TransactionSet("856", tuple(segments))


def ship_notice_from_request(
    request: FulfillmentRequest,
    *,
    shipment_id: str,
    purchase_order: str,
    notice_date: date,
    notice_time: time,
    parties: Sequence[Address] = (),
    sku_qualifier: str = "VP",
) -> ShipNotice:
    """The 856 to the buyer for a shipped fulfillment request, created at ``notice_date``
    and ``notice_time`` (BSN03, BSN04): one order level (PRF01 = the buyer's PO), one item
    per request line (LIN01 = order line id), units shipped and ordered, carrier and
    tracking number as confirmed."""
    items = tuple(
        ShipNoticeItem(
            product_ids=(ProductId(sku_qualifier, line.sku),),
            shipped=line.shipped_quantity,
            ordered=line.wanted,
            line_number=line.line_id,
        )
        for line in request.lines
        if line.wanted > 0
    )
    return ShipNotice(
        shipment_id=shipment_id,
        date=notice_date,
        time=notice_time,
        orders=(ShipNoticeOrder(purchase_order, items),),
        shipped_date=notice_date,
        carrier=request.carrier,
        tracking=(request.tracking_number,) if request.tracking_number else (),
        parties=tuple(parties),
    )


def notice_shipped(
    notice: ShipNotice, preference: Sequence[str] = BUYER_SKU_QUALIFIERS
) -> dict[tuple[str, str], int]:
    """Units shipped per (LIN01 line id, SKU) over every order of the notice."""
    shipped: dict[tuple[str, str], int] = {}
    for order in notice.orders:
        for item in order.items:
            key = (item.line_number or "", item.sku(preference) or "")
            shipped[key] = shipped.get(key, 0) + item.shipped
    return shipped
