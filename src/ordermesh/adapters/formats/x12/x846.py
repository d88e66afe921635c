"""846 Inventory Inquiry/Advice (4010), from a node or 3PL: BIA, REF, DTM, N1 loops, then
per item LIN (product ids) and QTY (qualifier, quantity, unit).

BIA01 purpose, BIA02 report type, BIA03 reference, BIA04 date, BIA05 time. QTY01 17
(quantity on hand) gives the snapshot's on-hand figure, else 33 (available for sale).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Final

from ordermesh.adapters.formats.x12.common import (
    WAREHOUSE_SKU_QUALIFIERS,
    Address,
    PartyBuilder,
    ProductId,
    Reference,
    SetReader,
    first_component,
    n1_loop,
    product_elements,
    sku_of,
    x12_date,
    x12_time,
)
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import ElementErrorCode, SegmentErrorCode
from ordermesh.domain.inventory import SnapshotLine

__all__ = [
    "InventoryAdvice",
    "InventoryItem",
    "InventoryQuantity",
    "generate_846",
    "parse_846",
    "snapshot_lines",
]

SEGMENTS: Final = frozenset(
    [
        "BIA",
        "CUR",
        "REF",
        "PER",
        "MEA",
        "DTM",
        "N1",
        "N2",
        "N3",
        "N4",
        "LIN",
        "SI",
        "PID",
        "SAC",
        "AMT",
        "MEA",
        "PWK",
        "PKG",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "MAN",
        "CTP",
        "QTY",
        "SCH",
        "LDT",
        "LM",
        "LQ",
        "DTM",
        "N9",
        "MSG",
        "LS",
        "LE",
        "CTT",
    ]
)
ON_HAND: Final = "17"
AVAILABLE: Final = "33"


@dataclass(frozen=True, slots=True)
class InventoryQuantity:
    qualifier: str  # QTY01: 17 on hand, 33 available for sale...
    quantity: int  # QTY02
    unit: str = "EA"  # QTY03


@dataclass(frozen=True, slots=True)
class InventoryItem:
    product_ids: tuple[ProductId, ...]  # LIN02/LIN03...
    quantities: tuple[InventoryQuantity, ...]
    line_number: str | None = None  # LIN01

    def sku(self, preference: Sequence[str] = WAREHOUSE_SKU_QUALIFIERS) -> str | None:
        return sku_of(self.product_ids, preference)

    def quantity(self, *qualifiers: str) -> int | None:
        for qualifier in qualifiers:
            for quantity in self.quantities:
                if quantity.qualifier == qualifier:
                    return quantity.quantity
        return None


@dataclass(frozen=True, slots=True)
class InventoryAdvice:
    reference: str  # BIA03
    date: date  # BIA04
    items: tuple[InventoryItem, ...]
    time: time | None = None  # BIA05
    purpose: str = "00"  # BIA01
    report_type: str = "DD"  # BIA02
    references: tuple[Reference, ...] = ()
    parties: tuple[Address, ...] = ()


def parse_846(ts: TransactionSet, source: str = "846") -> InventoryAdvice:
    reader = SetReader(ts, "846", SEGMENTS)
    bia: int | None = None
    references: list[Reference] = []
    parties = PartyBuilder()
    items: list[InventoryItem] = []
    detail = False
    for index, segment in reader:
        if not detail and parties.take(reader, index, segment):
            continue
        parties.close()
        sid = segment.id
        if sid == "BIA":
            bia = index
        elif sid == "REF" and not detail:
            ref = reader.reference(index)
            if ref is not None:
                references.append(ref)
        elif sid == "N1" and not detail:
            parties.start(reader, index)
        elif sid == "LIN":
            detail = True
            ids = reader.products(index, 2)
            if not ids:
                reader.element_error(
                    index, 3, ElementErrorCode.MANDATORY_MISSING, "LIN03 product id is required"
                )
            items.append(InventoryItem(ids, (), reader.text(index, 1)))
        elif sid == "QTY" and detail:
            if not items:
                continue
            qualifier = reader.required(index, 1)
            quantity = reader.quantity(index, 2, required=True)
            unit = first_component(segment.element(3)) or "EA"
            if quantity is not None:
                last = items[-1]
                items[-1] = InventoryItem(
                    last.product_ids,
                    (*last.quantities, InventoryQuantity(qualifier, quantity, unit)),
                    last.line_number,
                )
        elif sid == "QTY":
            reader.segment_error(index, SegmentErrorCode.UNEXPECTED_SEGMENT, "QTY before any LIN")
    parties.close()
    if bia is None:
        reader.missing_segment("BIA")
        reader.done(source)
        raise AssertionError("unreachable")
    purpose = reader.required(bia, 1)
    report_type = reader.required(bia, 2)
    reference = reader.required(bia, 3)
    day = reader.date(bia, 4, required=True)
    clock = reader.time(bia, 5)
    reader.done(source)
    assert day is not None
    return InventoryAdvice(
        reference=reference,
        date=day,
        items=tuple(items),
        time=clock,
        purpose=purpose,
        report_type=report_type,
        references=tuple(references),
        parties=parties.result(),
    )


def generate_846(advice: InventoryAdvice) -> TransactionSet:
    segments = [
        Segment.of(
            "BIA",
            advice.purpose,
            advice.report_type,
            advice.reference,
            x12_date(advice.date),
            None if advice.time is None else x12_time(advice.time),
        )
    ]
    segments += [Segment.of("REF", ref.qualifier, ref.value) for ref in advice.references]
    for address in advice.parties:
        segments += n1_loop(address)
    for item in advice.items:
        segments.append(Segment.of("LIN", item.line_number, *product_elements(item.product_ids)))
        segments += [
            Segment.of("QTY", q.qualifier, str(q.quantity), q.unit) for q in item.quantities
        ]
    segments.append(Segment.of("CTT", str(len(advice.items))))
    return TransactionSet("846", tuple(segments))


def snapshot_lines(
    advice: InventoryAdvice, preference: Sequence[str] = WAREHOUSE_SKU_QUALIFIERS
) -> list[SnapshotLine]:
    """Snapshot lines (SKU, on hand) for every item with a QTY 17 (or else 33) figure."""
    lines: list[SnapshotLine] = []
    for item in advice.items:
        sku = item.sku(preference)
        on_hand = item.quantity(ON_HAND, AVAILABLE)
        if sku is not None and on_hand is not None:
            lines.append(SnapshotLine(sku=sku, on_hand=on_hand))
    return lines
