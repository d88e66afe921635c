"""945 Warehouse Shipping Advice (4010), a 3PL's shipment confirmation: W06, N1 loops, W27
carrier, then per line LX, MAN (tracking), W12 (ordered vs shipped) and N9*LI (our line
id), W03 totals.

W0601 reporting code (F full detail), W0602 depositor order number (the fulfillment request
id), W0603 ship date, W0604 shipment id, W0606 purchase order; W2701 transportation method,
W2702 SCAC, W2703 routing, W2704 payment; MAN01 CP (carrier-assigned package id) + MAN02 the
tracking number; W1201 status (CC complete, CP partial), W1202 ordered, W1203 shipped, W1204
difference, W1205 unit, W1207/W1208 product id; W0301 units shipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
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

__all__ = ["ShippedLine", "ShippingAdvice", "advice_shipped", "generate_945", "parse_945"]

SEGMENTS: Final = frozenset(
    [
        "W06",
        "N1",
        "N2",
        "N3",
        "N4",
        "PER",
        "N9",
        "G62",
        "NTE",
        "W27",
        "W10",
        "LX",
        "MAN",
        "PAL",
        "N9",
        "W12",
        "G69",
        "W20",
        "W03",
        "AMT",
    ]
)
PACKAGE_ID: Final = "CP"
COMPLETE: Final = "CC"
PARTIAL: Final = "CP"


@dataclass(frozen=True, slots=True)
class ShippedLine:
    line_number: int  # LX01
    ordered: int  # W1202
    shipped: int  # W1203
    product_ids: tuple[ProductId, ...]  # W1207/W1208
    unit: str = "EA"  # W1205
    status: str = COMPLETE  # W1201
    line_id: str | None = None  # N9*LI
    tracking: tuple[str, ...] = ()  # MAN*CP

    def sku(self, preference: Sequence[str] = WAREHOUSE_SKU_QUALIFIERS) -> str | None:
        return sku_of(self.product_ids, preference)


@dataclass(frozen=True, slots=True)
class ShippingAdvice:
    depositor_order: str  # W0602: the fulfillment request id
    ship_date: date  # W0603
    lines: tuple[ShippedLine, ...]
    shipment_id: str | None = None  # W0604
    purchase_order: str | None = None  # W0606
    reporting: str = "F"  # W0601
    parties: tuple[Address, ...] = ()
    transport: str = "U"  # W2701: U private parcel service
    carrier: str | None = None  # W2702 SCAC
    routing: str | None = None  # W2703
    payment: str | None = None  # W2704

    @property
    def tracking_numbers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for line in self.lines:
            for number in line.tracking:
                seen.setdefault(number)
        return tuple(seen)


def parse_945(ts: TransactionSet, source: str = "945") -> ShippingAdvice:
    reader = SetReader(ts, "945", SEGMENTS)
    w06: int | None = None
    w27: int | None = None
    parties = PartyBuilder()
    lines: list[ShippedLine] = []
    line_number: int | None = None
    tracking: list[str] = []
    for index, segment in reader:
        if line_number is None and parties.take(reader, index, segment):
            continue
        parties.close()
        sid = segment.id
        if sid == "W06":
            w06 = index
        elif sid == "N1" and line_number is None:
            parties.start(reader, index)
        elif sid == "W27":
            w27 = index
        elif sid == "LX":
            line_number = reader.integer(index, 1, required=True) or len(lines) + 1
            tracking = []
        elif sid == "MAN" and line_number is not None:
            qualifier = reader.required(index, 1)
            number = reader.required(index, 2)
            if qualifier == PACKAGE_ID and number:
                tracking.append(number)
        elif sid == "W12":
            if line_number is None:
                reader.segment_error(index, SegmentErrorCode.UNEXPECTED_SEGMENT, "W12 before LX")
                continue
            status = reader.required(index, 1)
            ordered = reader.quantity(index, 2, required=True)
            shipped = reader.quantity(index, 3, required=True)
            unit = reader.text(index, 5) or "EA"
            ids = reader.products(index, 7)
            if not ids:
                reader.element_error(
                    index, 8, ElementErrorCode.MANDATORY_MISSING, "W1208 product id is required"
                )
            if ordered is not None and shipped is not None:
                lines.append(
                    ShippedLine(
                        line_number, ordered, shipped, ids, unit, status, None, tuple(tracking)
                    )
                )
        elif (
            sid == "N9"
            and segment.element(1) == LINE_ID
            and lines
            and lines[-1].line_number == line_number
        ):
            lines[-1] = replace(lines[-1], line_id=reader.required(index, 2))
    parties.close()
    if w06 is None:
        reader.missing_segment("W06")
        reader.done(source)
        raise AssertionError("unreachable")
    reporting = reader.required(w06, 1)
    depositor_order = reader.required(w06, 2)
    ship_date = reader.date(w06, 3, required=True)
    shipment_id = reader.text(w06, 4)
    purchase_order = reader.text(w06, 6)
    transport = "U"
    carrier = routing = payment = None
    if w27 is not None:
        transport = reader.required(w27, 1)
        carrier = reader.text(w27, 2)
        routing = reader.text(w27, 3)
        payment = reader.text(w27, 4)
    if not lines:
        reader.missing_segment("W12", "the shipping advice has no W12 line")
    reader.done(source)
    assert ship_date is not None
    return ShippingAdvice(
        depositor_order=depositor_order,
        ship_date=ship_date,
        lines=tuple(lines),
        shipment_id=shipment_id,
        purchase_order=purchase_order,
        reporting=reporting,
        parties=parties.result(),
        transport=transport,
        carrier=carrier,
        routing=routing,
        payment=payment,
    )


def generate_945(advice: ShippingAdvice) -> TransactionSet:
    segments = [
        Segment.of(
            "W06",
            advice.reporting,
            advice.depositor_order,
            x12_date(advice.ship_date),
            advice.shipment_id,
            None,
            advice.purchase_order,
        )
    ]
    for address in advice.parties:
        segments += n1_loop(address)
    segments.append(
        Segment.of("W27", advice.transport, advice.carrier, advice.routing, advice.payment)
    )
    for line in advice.lines:
        segments.append(Segment.of("LX", str(line.line_number)))
        segments += [Segment.of("MAN", PACKAGE_ID, number) for number in line.tracking]
        segments.append(
            Segment.of(
                "W12",
                line.status,
                str(line.ordered),
                str(line.shipped),
                str(line.ordered - line.shipped),
                line.unit,
                None,
                *product_elements(line.product_ids),
            )
        )
        if line.line_id is not None:
            segments.append(Segment.of("N9", LINE_ID, line.line_id))
    segments.append(Segment.of("W03", str(sum(line.shipped for line in advice.lines))))
    return TransactionSet("945", tuple(segments))


def advice_shipped(
    advice: ShippingAdvice, preference: Sequence[str] = WAREHOUSE_SKU_QUALIFIERS
) -> dict[tuple[str, str], int]:
    """Units shipped per (order line id, SKU), the ``shipped`` of ``confirm_shipment``: the
    line id is N9*LI, else LX01 as text."""
    shipped: dict[tuple[str, str], int] = {}
    for line in advice.lines:
        key = (line.line_id or str(line.line_number), line.sku(preference) or "")
        shipped[key] = shipped.get(key, 0) + line.shipped
    return shipped
