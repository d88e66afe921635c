"""Pieces shared by the transaction set mappings: parties (the N1 loop), product ids,
references, and a reader that collects element and segment errors with their positions."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Final

from ordermesh.adapters.formats.x12.conformance import form_error
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import (
    ElementErrorCode,
    ErrorLevel,
    InvalidX12,
    SegmentErrorCode,
    X12Error,
)
from ordermesh.adapters.formats.x12.fitting import fit

__all__ = [
    "BUYER_SKU_QUALIFIERS",
    "WAREHOUSE_SKU_QUALIFIERS",
    "Address",
    "ProductId",
    "Reference",
    "sku_of",
]

# Which product id is "the SKU", most preferred first. In a PO from a buyer our part number
# is the vendor's (VP); with a warehouse it is the stock keeping unit (SK) or vendor item (VN).
BUYER_SKU_QUALIFIERS: Final = ("VP", "VN", "SK", "IN", "BP", "UP", "UK", "EN", "MG")
# N9 qualifier under which the 940 carries our order line id and the 945 echoes it back.
LINE_ID: Final = "LI"
WAREHOUSE_SKU_QUALIFIERS: Final = ("SK", "VN", "VP", "IN", "BP", "UP", "UK", "EN", "MG")


@dataclass(frozen=True, slots=True)
class ProductId:
    """A product/service id and its qualifier (data element 235), e.g. ("VP", "SKU-1")."""

    qualifier: str
    value: str


@dataclass(frozen=True, slots=True)
class Reference:
    """A REF (or N9) reference: qualifier (data element 128) and value."""

    qualifier: str
    value: str


@dataclass(frozen=True, slots=True)
class Address:
    """An N1 loop: N1 entity code (ST ship-to, SF ship-from, WH warehouse, BT bill-to...),
    name and id, N2 additional name (a company, an attention line), N3 street lines, N4
    city, state, postal code and country, PER contact name, phone (TE) and email (EM)."""

    entity: str
    name: str = ""
    id_qualifier: str | None = None  # N103, e.g. "92" assigned by buyer
    identifier: str | None = None  # N104
    street: tuple[str, ...] = ()
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    country: str | None = None
    additional_name: str | None = None  # N201
    contact: str | None = None  # PER02
    phone: str | None = None  # PER TE
    email: str | None = None  # PER EM


def sku_of(
    ids: Iterable[ProductId], preference: Sequence[str] = BUYER_SKU_QUALIFIERS
) -> str | None:
    """The SKU among product ids: the first by ``preference``, else the first given."""
    ids = tuple(ids)
    for qualifier in preference:
        for product in ids:
            if product.qualifier == qualifier:
                return product.value
    return ids[0].value if ids else None


def first_component(value: str) -> str:
    """The first component of a composite element (the set does not know the separator,
    but a component of a code is alphanumeric)."""
    match = re.match(r"[A-Za-z0-9]*", value)
    return match.group(0) if match else ""


def x12_date(value: date) -> str:
    return value.strftime("%Y%m%d")


def x12_time(value: time) -> str:
    return value.strftime("%H%M%S" if value.second else "%H%M")


def x12_decimal(value: Decimal) -> str:
    """A decimal (R type) without exponent or needless zeros: 12.50 -> "12.5"."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("", "-0") else "0"


def product_elements(ids: Sequence[ProductId]) -> list[str]:
    out: list[str] = []
    for product in ids:
        out += [product.qualifier, product.value]
    return out


def n1_loop(address: Address) -> list[Segment]:
    """N1, N2, N3 (two street lines each), N4 and PER, each value cut to its 4010 length."""
    identifier = fit("N1", 4, address.identifier)
    segments = [
        Segment.of(
            "N1",
            address.entity,
            fit("N1", 2, address.name),
            address.id_qualifier if identifier else None,
            identifier,
        )
    ]
    if fit("N2", 1, address.additional_name):
        segments.append(Segment.of("N2", fit("N2", 1, address.additional_name)))
    street = [line for line in (fit("N3", 1, s) for s in address.street) if line]
    while street:
        segments.append(Segment.of("N3", *street[:2]))
        street = street[2:]
    city = fit("N4", 1, address.city)
    state = address.state if address.state and len(address.state) == 2 else None
    postal = fit("N4", 3, address.postal_code)
    country = fit("N4", 4, address.country)
    if city or state or postal or country:
        segments.append(Segment.of("N4", city, state, postal, country))
    contacts: list[str | None] = []
    if fit("PER", 4, address.phone):
        contacts += ["TE", fit("PER", 4, address.phone)]
    if fit("PER", 4, address.email):
        contacts += ["EM", fit("PER", 4, address.email)]
    contact = fit("PER", 2, address.contact)
    if contacts or contact:
        segments.append(Segment.of("PER", "IC", contact, *contacts))
    return segments


class SetReader:
    """Walks the body of one transaction set, collecting errors with their positions."""

    def __init__(self, ts: TransactionSet, expected_id: str, known: Iterable[str]) -> None:
        self.ts = ts
        self.known = frozenset(known)
        self.errors: list[X12Error] = []
        if ts.id != expected_id:
            raise ValueError(f"a {ts.id} transaction set is not a {expected_id}")

    def __iter__(self) -> Iterator[tuple[int, Segment]]:
        """(index, segment) of every segment the set may hold; others are reported."""
        for index, segment in enumerate(self.ts.segments):
            if segment.id not in self.known:
                self.segment_error(
                    index,
                    SegmentErrorCode.UNRECOGNIZED_SEGMENT,
                    f"{segment.id} is not a segment of the {self.ts.id} transaction set",
                )
                continue
            yield index, segment

    # errors

    def segment_error(self, index: int, code: str, message: str) -> None:
        position, set_position = self.ts.position(index)
        segment_id = self.ts.segments[index].id if index < len(self.ts.segments) else "SE"
        self.errors.append(
            X12Error(position, segment_id, None, code, message, ErrorLevel.SEGMENT, set_position)
        )

    def missing_segment(self, segment_id: str, message: str = "") -> None:
        """A mandatory segment is absent: reported at the SE position, as AK3 code 3."""
        index = len(self.ts.segments)
        position, set_position = self.ts.position(index)
        self.errors.append(
            X12Error(
                position,
                segment_id,
                None,
                SegmentErrorCode.MANDATORY_SEGMENT_MISSING,
                message or f"mandatory segment {segment_id} is missing",
                ErrorLevel.SEGMENT,
                set_position,
            )
        )

    def element_error(
        self, index: int, element: int, code: str, message: str, bad: str | None = None
    ) -> None:
        position, set_position = self.ts.position(index)
        segment_id = self.ts.segments[index].id
        self.errors.append(
            X12Error(
                position, segment_id, element, code, message, ErrorLevel.ELEMENT, set_position, bad
            )
        )

    # elements

    def _name(self, index: int, element: int) -> str:
        return f"{self.ts.segments[index].id}{element:02d}"

    def text(self, index: int, element: int, *, required: bool = False) -> str | None:
        value = self.ts.segments[index].element(element)
        if value == "":
            if required:
                self.element_error(
                    index,
                    element,
                    ElementErrorCode.MANDATORY_MISSING,
                    f"{self._name(index, element)} is mandatory",
                )
            return None
        return value

    def required(self, index: int, element: int) -> str:
        return self.text(index, element, required=True) or ""

    def decimal(self, index: int, element: int, *, required: bool = False) -> Decimal | None:
        value = self.text(index, element, required=required)
        if value is None:
            return None
        try:
            number = Decimal(value)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or "e" in value.lower():
            self.element_error(
                index,
                element,
                ElementErrorCode.INVALID_CHARACTER,
                f"{self._name(index, element)} {value!r} is not a number",
                value,
            )
            return None
        return number

    def quantity(self, index: int, element: int, *, required: bool = False) -> int | None:
        """A whole quantity (R type written as 10 or 10.0)."""
        number = self.decimal(index, element, required=required)
        if number is None:
            return None
        if number != number.to_integral_value():
            value = self.ts.segments[index].element(element)
            self.element_error(
                index,
                element,
                ElementErrorCode.INVALID_CHARACTER,
                f"{self._name(index, element)} {value!r} is not a whole quantity",
                value,
            )
            return None
        return int(number)

    def integer(self, index: int, element: int, *, required: bool = False) -> int | None:
        value = self.text(index, element, required=required)
        if value is None:
            return None
        # ASCII digits only ("²".isdigit() holds, int() refuses it), and no more than an
        # X12 numeric element holds (int() refuses over 4,300 digits).
        if not (value.isascii() and value.isdigit() and len(value) <= 18):
            self.element_error(
                index,
                element,
                ElementErrorCode.INVALID_CHARACTER,
                f"{self._name(index, element)} {value!r} is not a whole number",
                value,
            )
            return None
        return int(value)

    def date(self, index: int, element: int, *, required: bool = False) -> date | None:
        value = self.text(index, element, required=required)
        if value is None:
            return None
        try:
            if len(value) != 8 or not value.isdigit():
                raise ValueError
            return datetime.strptime(value, "%Y%m%d").date()
        except ValueError:
            self.element_error(
                index,
                element,
                ElementErrorCode.INVALID_DATE,
                f"{self._name(index, element)} {value!r} is not a CCYYMMDD date",
                value,
            )
            return None

    def time(self, index: int, element: int, *, required: bool = False) -> time | None:
        value = self.text(index, element, required=required)
        if value is None:
            return None
        try:
            if len(value) not in (4, 6) or not value.isdigit():
                raise ValueError
            return datetime.strptime(value, "%H%M%S" if len(value) == 6 else "%H%M").time()
        except ValueError:
            self.element_error(
                index,
                element,
                ElementErrorCode.INVALID_TIME,
                f"{self._name(index, element)} {value!r} is not an HHMM time",
                value,
            )
            return None

    def well_formed(self, index: int, element: int) -> bool:
        """Whether a value ordermesh will echo back is of its element's 4010 type and
        length; an element error (AK403 4, 5 or 6) when it is not."""
        segment = self.ts.segments[index]
        value = segment.element(element)
        found = form_error(segment.id, element, value)
        if found is None:
            return True
        code, message = found
        self.element_error(index, element, code, f"{self._name(index, element)} {message}", value)
        return False

    def products(self, index: int, first: int) -> tuple[ProductId, ...]:
        """Qualifier/id pairs from element ``first`` on (PO106/PO107, LIN02/LIN03...)."""
        segment = self.ts.segments[index]
        ids: list[ProductId] = []
        element = first
        while element <= len(segment.elements):
            qualifier, value = segment.element(element), segment.element(element + 1)
            if qualifier and not value:
                self.element_error(
                    index,
                    element + 1,
                    ElementErrorCode.CONDITIONAL_MISSING,
                    f"{self._name(index, element + 1)} is required with its qualifier",
                )
            elif value and not qualifier:
                self.element_error(
                    index,
                    element,
                    ElementErrorCode.CONDITIONAL_MISSING,
                    f"{self._name(index, element)} qualifier is required with its id",
                )
            elif qualifier and self.well_formed(index, element) & self.well_formed(
                index, element + 1
            ):
                ids.append(ProductId(qualifier, value))
            element += 2
        return tuple(ids)

    def reference(self, index: int) -> Reference | None:
        qualifier = self.required(index, 1)
        value = self.text(index, 2)
        if value is None:
            value = self.text(index, 3)  # REF03 description when REF02 is absent
        if value is None:
            self.element_error(
                index,
                2,
                ElementErrorCode.CONDITIONAL_MISSING,
                f"{self._name(index, 2)} is required",
            )
            return None
        return Reference(qualifier, value) if qualifier else None

    def done(self, source: str) -> None:
        if self.errors:
            raise InvalidX12(source, self.errors)


class PartyBuilder:
    """Accumulates one N1 loop (N1, N2, N3, N4) while a mapping walks a set."""

    def __init__(self) -> None:
        self.parties: list[Address] = []
        self._open: dict[str, object] | None = None

    def start(self, reader: SetReader, index: int) -> None:
        self.close()
        self._open = {
            "entity": reader.required(index, 1),
            "name": reader.text(index, 2) or "",
            "id_qualifier": reader.text(index, 3),
            "identifier": reader.text(index, 4),
            "street": [],
        }

    def take(self, reader: SetReader, index: int, segment: Segment) -> bool:
        """Consume N2/N3/N4/PER of the open loop; False when ``segment`` is not one."""
        if self._open is None or segment.id not in ("N2", "N3", "N4", "PER"):
            return False
        if segment.id == "N2":
            self._open.setdefault("additional_name", reader.required(index, 1))
        elif segment.id == "PER":
            self._open.setdefault("contact", reader.text(index, 2))
            for qualifier_at in (3, 5, 7):
                qualifier, number = segment.element(qualifier_at), segment.element(qualifier_at + 1)
                key = {"TE": "phone", "EM": "email"}.get(qualifier)
                if key is not None and number:
                    self._open.setdefault(key, number)
        elif segment.id == "N3":
            street = self._open["street"]
            assert isinstance(street, list)
            street.append(reader.required(index, 1))
            if segment.element(2):
                street.append(segment.element(2))
        elif segment.id == "N4":
            self._open["city"] = reader.text(index, 1)
            self._open["state"] = reader.text(index, 2)
            self._open["postal_code"] = reader.text(index, 3)
            self._open["country"] = reader.text(index, 4)
        return True

    def close(self) -> None:
        if self._open is not None:
            data = self._open
            street = data.pop("street")
            assert isinstance(street, list)
            self.parties.append(
                Address(
                    entity=str(data["entity"]),
                    name=str(data["name"]),
                    id_qualifier=_opt(data.get("id_qualifier")),
                    identifier=_opt(data.get("identifier")),
                    street=tuple(str(s) for s in street),
                    city=_opt(data.get("city")),
                    state=_opt(data.get("state")),
                    postal_code=_opt(data.get("postal_code")),
                    country=_opt(data.get("country")),
                    additional_name=_opt(data.get("additional_name")),
                    contact=_opt(data.get("contact")),
                    phone=_opt(data.get("phone")),
                    email=_opt(data.get("email")),
                )
            )
            self._open = None

    @property
    def is_open(self) -> bool:
        return self._open is not None

    def result(self) -> tuple[Address, ...]:
        self.close()
        return tuple(self.parties)


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def party(parties: Iterable[Address], entity: str) -> Address | None:
    for address in parties:
        if address.entity == entity:
            return address
    return None
