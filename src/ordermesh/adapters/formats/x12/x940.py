"""940 Warehouse Shipping Order (4010), a fulfillment request to a 3PL: W05, N1 loops,
G62 dates, W66 carrier, then per line LX, W01 and N9*LI (our line id), W76 totals.

W0501 order status (N original; F cancel: the same W0502 and lines, do not ship; R change:
the same W0502 with the lines as they now stand, replacing the earlier 940), W0502
depositor order number (the fulfillment request id), W0503 purchase order number; G62 10
requested ship date, 02 delivery requested; W6601 payment (PP prepaid), W6602
transportation method (U private parcel), W6605 routing (the shipping service), W6610 SCAC;
W0101 quantity, W0102 unit, W0104/W0105, W0106/W0107 product ids; W7601 total quantity.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Final

from ordermesh.adapters.formats.x12.common import (
    LINE_ID,
    WAREHOUSE_SKU_QUALIFIERS,
    Address,
    PartyBuilder,
    ProductId,
    SetReader,
    n1_loop,
    product_elements,
    sku_of,
    x12_date,
)
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import ElementErrorCode, SegmentErrorCode
from ordermesh.services.ports import FulfillmentRequest

__all__ = [
    "CANCEL",
    "CHANGE",
    "ORIGINAL",
    "ShippingOrder",
    "ShippingOrderLine",
    "generate_940",
    "parse_940",
    "shipping_order_from_request",
]

SEGMENTS: Final = frozenset(
    [
        "W05",
        "N1",
        "N2",
        "N3",
        "N4",
        "PER",
        "N9",
        "G62",
        "NTE",
        "W66",
        "LX",
        "W01",
        "G69",
        "N9",
        "W20",
        "AMT",
        "LM",
        "LQ",
        "W76",
    ]
)
ORIGINAL: Final = "N"  # W0501, element 473
CANCEL: Final = "F"
CHANGE: Final = "R"
REQUESTED_SHIP: Final = "10"
DELIVERY_REQUESTED: Final = "02"


@dataclass(frozen=True, slots=True)
class ShippingOrderLine:
    line_number: int  # LX01
    quantity: int  # W0101
    product_ids: tuple[ProductId, ...]  # W0104/W0105, W0106/W0107
    unit: str = "EA"  # W0102
    line_id: str | None = None  # N9*LI: our order line id

    def sku(self, preference: Sequence[str] = WAREHOUSE_SKU_QUALIFIERS) -> str | None:
        return sku_of(self.product_ids, preference)


@dataclass(frozen=True, slots=True)
class ShippingOrder:
    depositor_order: str  # W0502: the fulfillment request id
    lines: tuple[ShippingOrderLine, ...]
    purchase_order: str | None = None  # W0503
    status: str = ORIGINAL  # W0501
    parties: tuple[Address, ...] = ()
    requested_ship: date | None = None  # G62*10
    requested_delivery: date | None = None  # G62*02
    payment: str = "PP"  # W6601
    transport: str = "U"  # W6602
    routing: str | None = None  # W6605: the shipping service
    carrier: str | None = None  # W6610 SCAC


def parse_940(ts: TransactionSet, source: str = "940") -> ShippingOrder:
    reader = SetReader(ts, "940", SEGMENTS)
    w05: int | None = None
    w66: int | None = None
    parties = PartyBuilder()
    dates: dict[str, date] = {}
    lines: list[ShippingOrderLine] = []
    line_number: int | None = None
    for index, segment in reader:
        if line_number is None and parties.take(reader, index, segment):
            continue
        parties.close()
        sid = segment.id
        if sid == "W05":
            w05 = index
        elif sid == "N1" and line_number is None:
            parties.start(reader, index)
        elif sid == "G62" and line_number is None:
            qualifier = reader.required(index, 1)
            day = reader.date(index, 2, required=True)
            if day is not None:
                dates[qualifier] = day
        elif sid == "W66":
            w66 = index
        elif sid == "LX":
            line_number = reader.integer(index, 1, required=True) or len(lines) + 1
        elif sid == "W01":
            if line_number is None:
                reader.segment_error(index, SegmentErrorCode.UNEXPECTED_SEGMENT, "W01 before LX")
                continue
            quantity = reader.quantity(index, 1, required=True)
            unit = reader.required(index, 2)
            ids = reader.products(index, 4)
            if not ids:
                reader.element_error(
                    index, 5, ElementErrorCode.MANDATORY_MISSING, "W0105 product id is required"
                )
            if quantity is not None:
                lines.append(ShippingOrderLine(line_number, quantity, ids, unit))
        elif (
            sid == "N9"
            and segment.element(1) == LINE_ID
            and lines
            and lines[-1].line_number == line_number
        ):
            last = lines[-1]
            lines[-1] = ShippingOrderLine(
                last.line_number,
                last.quantity,
                last.product_ids,
                last.unit,
                reader.required(index, 2),
            )
    parties.close()
    if w05 is None:
        reader.missing_segment("W05")
        reader.done(source)
        raise AssertionError("unreachable")
    status = reader.required(w05, 1)
    depositor_order = reader.required(w05, 2)
    purchase_order = reader.text(w05, 3)
    payment, transport, routing, carrier = "PP", "U", None, None
    if w66 is not None:
        payment = reader.required(w66, 1)
        transport = reader.required(w66, 2)
        routing = reader.text(w66, 5)
        carrier = reader.text(w66, 10)
    if not lines:
        reader.missing_segment("W01", "the shipping order has no W01 line")
    reader.done(source)
    return ShippingOrder(
        depositor_order=depositor_order,
        lines=tuple(lines),
        purchase_order=purchase_order,
        status=status,
        parties=parties.result(),
        requested_ship=dates.get(REQUESTED_SHIP),
        requested_delivery=dates.get(DELIVERY_REQUESTED),
        payment=payment,
        transport=transport,
        routing=routing,
        carrier=carrier,
    )


def generate_940(order: ShippingOrder) -> TransactionSet:
    segments = [Segment.of("W05", order.status, order.depositor_order, order.purchase_order)]
    for address in order.parties:
        segments += n1_loop(address)
    if order.requested_ship is not None:
        segments.append(Segment.of("G62", REQUESTED_SHIP, x12_date(order.requested_ship)))
    if order.requested_delivery is not None:
        segments.append(Segment.of("G62", DELIVERY_REQUESTED, x12_date(order.requested_delivery)))
    segments.append(
        Segment.of(
            "W66",
            order.payment,
            order.transport,
            None,
            None,
            order.routing,
            None,
            None,
            None,
            None,
            order.carrier,
        )
    )
    for line in order.lines:
        segments.append(Segment.of("LX", str(line.line_number)))
        segments.append(
            Segment.of(
                "W01", str(line.quantity), line.unit, None, *product_elements(line.product_ids)
            )
        )
        if line.line_id is not None:
            segments.append(Segment.of("N9", LINE_ID, line.line_id))
    segments.append(Segment.of("W76", str(sum(line.quantity for line in order.lines))))
    return TransactionSet("940", tuple(segments))


def shipping_order_from_request(
    request: FulfillmentRequest,
    ship_to: Address,
    *,
    purchase_order: str | None = None,
    carrier: str | None = None,
    sku_qualifier: str = "SK",
) -> ShippingOrder:
    """The 940 of a fulfillment request: W0502 = request id, one line per request line
    still wanted (N9*LI = its order line id), ship date as planned, routing = the service."""
    lines = tuple(
        ShippingOrderLine(
            line_number=number,
            quantity=line.wanted,
            product_ids=(ProductId(sku_qualifier, line.sku),),
            line_id=line.line_id,
        )
        for number, line in enumerate((line for line in request.lines if line.wanted > 0), start=1)
    )
    return ShippingOrder(
        depositor_order=request.id,
        lines=lines,
        purchase_order=purchase_order,
        parties=(ship_to,),
        requested_ship=request.ship_date,
        requested_delivery=request.promise_date,
        routing=request.service_id,
        carrier=carrier or request.carrier,
    )
