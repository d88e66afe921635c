"""850 Purchase Order (4010), from a B2B buyer: BEG, REF, DTM, N1/N2/N3/N4 loops, PO1 lines
(with PID descriptions ignored), CTT.

Read: BEG01 purpose, BEG02 order type, BEG03 PO number, BEG05 PO date; REF01/02; DTM 010
(requested ship) and 002 (delivery requested); N1 loops; PO101 line number, PO102 quantity,
PO103 unit, PO104 unit price, PO106.. product id pairs; CTT01 is written, not trusted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Final

from ordermesh.adapters.formats.x12.common import (
    BUYER_SKU_QUALIFIERS,
    Address,
    PartyBuilder,
    ProductId,
    Reference,
    SetReader,
    n1_loop,
    party,
    product_elements,
    sku_of,
    x12_date,
    x12_decimal,
)
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import ElementErrorCode
from ordermesh.domain.order import OrderLine

__all__ = ["PurchaseOrder", "PurchaseOrderLine", "generate_850", "order_lines", "parse_850"]

# Segments of the 4010 850 that may appear; those not mapped are skipped.
SEGMENTS: Final = frozenset(
    [
        "BEG",
        "CUR",
        "REF",
        "PER",
        "TAX",
        "FOB",
        "CTP",
        "PAM",
        "CSH",
        "TC2",
        "SAC",
        "ITD",
        "DIS",
        "INC",
        "DTM",
        "LDT",
        "LIN",
        "SI",
        "PID",
        "MEA",
        "PWK",
        "PKG",
        "TD1",
        "TD5",
        "TD3",
        "TD4",
        "MAN",
        "PCT",
        "CTB",
        "TXI",
        "AMT",
        "N9",
        "MSG",
        "N1",
        "N2",
        "N3",
        "N4",
        "NX2",
        "FOB",
        "SPI",
        "ADV",
        "PO1",
        "PO3",
        "PO4",
        "REF",
        "SCH",
        "CTT",
    ]
)
REQUESTED_SHIP: Final = "010"
DELIVERY_REQUESTED: Final = "002"


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    line_number: str  # PO101
    quantity: int  # PO102
    unit: str = "EA"  # PO103
    unit_price: Decimal | None = None  # PO104
    product_ids: tuple[ProductId, ...] = ()  # PO106/PO107, PO108/PO109...

    def sku(self, preference: Sequence[str] = BUYER_SKU_QUALIFIERS) -> str | None:
        return sku_of(self.product_ids, preference)


@dataclass(frozen=True, slots=True)
class PurchaseOrder:
    po_number: str  # BEG03
    po_date: date  # BEG05
    lines: tuple[PurchaseOrderLine, ...]
    purpose: str = "00"  # BEG01: 00 original
    order_type: str = "SA"  # BEG02: SA stand-alone order
    references: tuple[Reference, ...] = ()
    requested_ship: date | None = None  # DTM*010
    requested_delivery: date | None = None  # DTM*002
    parties: tuple[Address, ...] = ()

    @property
    def ship_to(self) -> Address | None:
        return party(self.parties, "ST")


def parse_850(ts: TransactionSet, source: str = "850") -> PurchaseOrder:
    reader = SetReader(ts, "850", SEGMENTS)
    beg: int | None = None
    references: list[Reference] = []
    dates: dict[str, date] = {}
    parties = PartyBuilder()
    lines: list[PurchaseOrderLine] = []
    detail = False
    for index, segment in reader:
        if parties.take(reader, index, segment):
            continue
        parties.close()
        sid = segment.id
        if sid == "BEG":
            beg = index
        elif sid == "REF" and not detail:
            reference = reader.reference(index)
            if reference is not None:
                references.append(reference)
        elif sid == "DTM" and not detail:
            qualifier = reader.required(index, 1)
            day = reader.date(index, 2, required=True)
            if day is not None and qualifier in (REQUESTED_SHIP, DELIVERY_REQUESTED):
                dates[qualifier] = day
        elif sid == "N1" and not detail:
            parties.start(reader, index)
        elif sid == "PO1":
            detail = True
            line = read_po1(reader, index)
            if line is not None:
                lines.append(line)
    parties.close()
    if beg is None:
        reader.missing_segment("BEG")
    if not lines:
        reader.missing_segment("PO1", "the purchase order has no PO1 line")
    po_number = reader.required(beg, 3) if beg is not None else ""
    if beg is not None:
        reader.well_formed(beg, 3)  # BEG03 goes back in BAK03 and PRF01 (1 to 22)
    po_date = reader.date(beg, 5, required=True) if beg is not None else None
    purpose = reader.required(beg, 1) if beg is not None else ""
    order_type = reader.required(beg, 2) if beg is not None else ""
    reader.done(source)
    assert po_date is not None
    return PurchaseOrder(
        po_number=po_number,
        po_date=po_date,
        lines=tuple(lines),
        purpose=purpose,
        order_type=order_type,
        references=tuple(references),
        requested_ship=dates.get(REQUESTED_SHIP),
        requested_delivery=dates.get(DELIVERY_REQUESTED),
        parties=parties.result(),
    )


def read_po1(reader: SetReader, index: int) -> PurchaseOrderLine | None:
    # The 855 echoes PO101, PO103 and the product ids: each must be writable as it came.
    echoable = reader.well_formed(index, 1) & reader.well_formed(index, 3)
    line_number = reader.text(index, 1)
    quantity = reader.quantity(index, 2, required=True)
    unit = reader.required(index, 3)
    price = reader.decimal(index, 4)
    ids = reader.products(index, 6)
    if not ids and not reader.ts.segments[index].element(7):
        reader.element_error(
            index, 7, ElementErrorCode.MANDATORY_MISSING, "PO107 product id is required"
        )
    if quantity is not None and quantity <= 0:
        reader.element_error(
            index,
            2,
            ElementErrorCode.INVALID_CHARACTER,
            f"PO102 quantity {quantity} is not positive",
            reader.ts.segments[index].element(2),
        )
        return None
    if quantity is None or not ids or not echoable:
        return None
    return PurchaseOrderLine(
        line_number=line_number or str(len(reader.ts.segments)),
        quantity=quantity,
        unit=unit,
        unit_price=price,
        product_ids=ids,
    )


def generate_850(po: PurchaseOrder) -> TransactionSet:
    segments = [
        Segment.of("BEG", po.purpose, po.order_type, po.po_number, None, x12_date(po.po_date))
    ]
    segments += [Segment.of("REF", ref.qualifier, ref.value) for ref in po.references]
    if po.requested_ship is not None:
        segments.append(Segment.of("DTM", REQUESTED_SHIP, x12_date(po.requested_ship)))
    if po.requested_delivery is not None:
        segments.append(Segment.of("DTM", DELIVERY_REQUESTED, x12_date(po.requested_delivery)))
    for address in po.parties:
        segments += n1_loop(address)
    for line in po.lines:
        segments.append(
            po1_segment(
                line.line_number, line.quantity, line.unit, line.unit_price, line.product_ids
            )
        )
    segments.append(
        Segment.of("CTT", str(len(po.lines)), str(sum(line.quantity for line in po.lines)))
    )
    return TransactionSet("850", tuple(segments))


def po1_segment(
    line_number: str,
    quantity: int,
    unit: str,
    unit_price: Decimal | None,
    product_ids: Sequence[ProductId],
) -> Segment:
    return Segment.of(
        "PO1",
        line_number,
        str(quantity),
        unit,
        None if unit_price is None else x12_decimal(unit_price),
        None,
        *product_elements(product_ids),
    )


def order_lines(
    po: PurchaseOrder, preference: Sequence[str] = BUYER_SKU_QUALIFIERS
) -> tuple[OrderLine, ...]:
    """The order lines of a ``PlaceOrder``: line id = PO101, item = the SKU, price as float."""
    return tuple(
        OrderLine(
            line_id=line.line_number,
            item=line.sku(preference) or "",
            quantity=line.quantity,
            unit_price=None if line.unit_price is None else float(line.unit_price),
        )
        for line in po.lines
    )
