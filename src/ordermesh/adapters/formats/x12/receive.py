"""Receiving an interchange whole: the envelope, every transaction set mapped by its ST01,
every error collected; and the 997 that answers it."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final, TypeAlias

from ordermesh.adapters.formats.x12.conformance import fits
from ordermesh.adapters.formats.x12.envelope import (
    FUNCTIONAL_IDS,
    ControlNumberAllocator,
    FunctionalGroup,
    Interchange,
    ParsedInterchange,
    Separators,
    TransactionSet,
    X12Version,
    build_interchange,
    parse_interchange,
)
from ordermesh.adapters.formats.x12.errors import (
    ErrorLevel,
    InvalidX12,
    SetErrorCode,
    X12Error,
)
from ordermesh.adapters.formats.x12.x846 import InventoryAdvice, parse_846
from ordermesh.adapters.formats.x12.x850 import PurchaseOrder, parse_850
from ordermesh.adapters.formats.x12.x855 import PurchaseOrderAck, parse_855
from ordermesh.adapters.formats.x12.x856 import ShipNotice, parse_856
from ordermesh.adapters.formats.x12.x940 import ShippingOrder, parse_940
from ordermesh.adapters.formats.x12.x945 import ShippingAdvice, parse_945
from ordermesh.adapters.formats.x12.x997 import (
    AckCode,
    ElementNote,
    FunctionalAcknowledgment,
    SegmentNote,
    SetResponse,
    generate_997,
    parse_997,
)

__all__ = [
    "Document",
    "Received",
    "ReceivedDocument",
    "acknowledge",
    "answer_usage",
    "functional_acknowledgments",
    "receive",
]

Document: TypeAlias = (
    PurchaseOrder
    | PurchaseOrderAck
    | ShipNotice
    | InventoryAdvice
    | ShippingOrder
    | ShippingAdvice
    | FunctionalAcknowledgment
)

PARSERS: Final[dict[str, Callable[[TransactionSet, str], Document]]] = {
    "850": parse_850,
    "855": parse_855,
    "856": parse_856,
    "846": parse_846,
    "940": parse_940,
    "945": parse_945,
    "997": parse_997,
}


@dataclass(frozen=True, slots=True)
class ReceivedDocument:
    functional_id: str  # GS01
    group_control: int  # GS06
    set_id: str  # ST01
    set_control: str  # ST02
    document: Document


@dataclass(frozen=True, slots=True)
class Received:
    """A received interchange: the documents of the sets that mapped cleanly, and every
    envelope and mapping error (a set with errors yields no document)."""

    source: str
    parsed: ParsedInterchange
    documents: tuple[ReceivedDocument, ...]
    errors: tuple[X12Error, ...]

    @property
    def interchange(self) -> Interchange | None:
        return self.parsed.interchange

    @property
    def separators(self) -> Separators | None:
        return self.parsed.separators

    @property
    def accepted(self) -> bool:
        return not self.errors and self.interchange is not None

    def raise_for_errors(self) -> None:
        if not self.accepted:
            raise InvalidX12(self.source, self.errors)


def receive(
    data: bytes | str, source: str = "x12", *, sets: Collection[str] | None = None
) -> Received:
    """Read an interchange and map each transaction set; never raises on bad input.
    ``sets`` limits the set ids accepted (e.g. {"850"} from a buyer); others are rejected
    as not supported (AK502 1)."""
    parsed = parse_interchange(data)
    errors = list(parsed.errors)
    documents: list[ReceivedDocument] = []
    if parsed.interchange is not None:
        for group in parsed.interchange.groups:
            for ts in group.sets:
                parser = PARSERS.get(ts.id)
                if parser is None or (sets is not None and ts.id not in sets):
                    errors.append(
                        X12Error(
                            ts.origin or 0,
                            "ST",
                            1,
                            SetErrorCode.NOT_SUPPORTED,
                            f"transaction set {ts.id} is not supported here",
                            ErrorLevel.SET,
                            1,
                            ts.id,
                        )
                    )
                    continue
                try:
                    document = parser(ts, f"{source}: {ts.id} {ts.control}")
                except InvalidX12 as error:
                    errors.extend(error.errors)
                    continue
                if not any(_in_set(e, ts) for e in parsed.errors):
                    documents.append(
                        ReceivedDocument(
                            group.functional_id, group.control, ts.id, ts.control or "", document
                        )
                    )
    return Received(source, parsed, tuple(documents), tuple(errors))


def _within(position: int, start: int | None, end: int | None) -> bool:
    return start is not None and end is not None and start <= position <= end


def _in_set(error: X12Error, ts: TransactionSet) -> bool:
    return error.level in (ErrorLevel.SET, ErrorLevel.SEGMENT, ErrorLevel.ELEMENT) and _within(
        error.segment_position, ts.origin, ts.end
    )


def _segment_notes(errors: Iterable[X12Error]) -> tuple[SegmentNote, ...]:
    notes: dict[tuple[int, str], SegmentNote] = {}
    for error in errors:
        key = (error.set_position or 0, error.segment_id)
        note = notes.get(key) or SegmentNote(error.segment_id, key[0])
        if error.level == ErrorLevel.SEGMENT:
            note = replace(note, code=error.code)
        else:
            element = ElementNote(error.element_position or 0, error.code, None, error.bad_value)
            note = replace(note, elements=(*note.elements, element))
            if note.code is None:
                note = replace(note, code="8")
        notes[key] = note
    return tuple(notes.values())


def _group_ack(
    group: FunctionalGroup, errors: tuple[X12Error, ...], all_or_nothing: bool
) -> FunctionalAcknowledgment:
    interchange_failed = any(e.level == ErrorLevel.INTERCHANGE for e in errors)
    group_errors = [
        e
        for e in errors
        if e.level == ErrorLevel.GROUP and _within(e.segment_position, group.origin, group.end)
    ]
    reject_all = interchange_failed or bool(group_errors) or (all_or_nothing and bool(errors))
    responses: list[SetResponse] = []
    for ts in group.sets:
        mine = [e for e in errors if _in_set(e, ts)]
        codes = [e.code for e in mine if e.level == ErrorLevel.SET]
        if any(e.level in (ErrorLevel.SEGMENT, ErrorLevel.ELEMENT) for e in mine):
            codes.append(SetErrorCode.SEGMENTS_IN_ERROR)
        segment_errors = [e for e in mine if e.level in (ErrorLevel.SEGMENT, ErrorLevel.ELEMENT)]
        status = AckCode.REJECTED if mine or reject_all else AckCode.ACCEPTED
        responses.append(
            SetResponse(
                ts.id,
                ts.control or "",
                status,
                tuple(dict.fromkeys(codes)),
                _segment_notes(segment_errors),
            )
        )
    accepted = sum(1 for r in responses if r.status == AckCode.ACCEPTED)
    if reject_all or accepted == 0:
        status = AckCode.REJECTED
    elif accepted == len(responses):
        status = AckCode.ACCEPTED
    else:
        status = AckCode.PARTIALLY_ACCEPTED
    return FunctionalAcknowledgment(
        functional_id=_functional_id(group),
        group_control=group.control,
        status=status,
        included=len(group.sets),
        received=len(group.sets),
        accepted=accepted,
        sets=tuple(responses),
        codes=tuple(dict.fromkeys(e.code for e in group_errors)),
    )


def _functional_id(group: FunctionalGroup) -> str:
    """AK101: the group's GS01, or, when that cannot be echoed (missing, mangled), the
    functional id of the sets it holds."""
    if fits("AK1", 1, group.functional_id):
        return group.functional_id
    for ts in group.sets:
        if ts.id in FUNCTIONAL_IDS:
            return FUNCTIONAL_IDS[ts.id]
    return group.functional_id


def functional_acknowledgments(
    received: Received, *, all_or_nothing: bool = True
) -> list[FunctionalAcknowledgment]:
    """One 997 per functional group received (997 groups are not acknowledged). With
    ``all_or_nothing`` (ordermesh applies a file whole or not at all) any error anywhere
    rejects every set; otherwise only the sets and groups in error are."""
    if received.interchange is None:
        return []
    return [
        _group_ack(group, received.errors, all_or_nothing)
        for group in received.interchange.groups
        if group.functional_id != "FA"
    ]


def acknowledge(
    received: Received,
    *,
    numbers: ControlNumberAllocator,
    at: datetime,
    separators: Separators | None = None,
    version: X12Version = "4010",
    all_or_nothing: bool = True,
) -> Interchange | None:
    """The 997 interchange answering ``received``, addressed back to its sender; None when
    there is nothing to answer (the ISA was unreadable, or only 997s were received).
    Write it with ``write_interchange(ack, separators or received.separators)``."""
    interchange = received.interchange
    acks = functional_acknowledgments(received, all_or_nothing=all_or_nothing)
    if interchange is None or not acks:
        return None
    forbidden = (separators or ack_separators(received, version)).chars()
    # A group whose functional id cannot be named (AK101 is mandatory) gets no 997.
    acks = [
        ack
        for ack in acks
        if fits("AK1", 1, ack.functional_id) and not set(ack.functional_id) & set(forbidden)
    ]
    if not acks:
        return None
    built = build_interchange(
        [generate_997(ack, forbidden=forbidden) for ack in acks],
        sender=interchange.receiver,
        receiver=interchange.sender,
        at=at,
        numbers=numbers,
        version=version,
        usage=answer_usage(interchange),
    )
    first = interchange.groups[0]

    def address(gs_value: str, isa_value: str) -> str:
        """GS02/GS03 of the answer: the received group's, else the ISA's, whichever can be
        written (2 to 15 characters, none of the separators)."""
        for value in (gs_value, isa_value.strip()):
            if fits("GS", 2, value) and not set(value) & set(forbidden):
                return value
        return "UNKNOWN"

    sender = address(first.receiver, interchange.receiver.id)
    receiver = address(first.sender, interchange.sender.id)
    groups = tuple(replace(group, sender=sender, receiver=receiver) for group in built.groups)
    return replace(built, groups=groups)


def answer_usage(interchange: Interchange) -> str:
    """ISA15 of an answer: a test interchange (T) is answered as a test, anything else as
    production."""
    return "T" if interchange.usage.strip() == "T" else "P"


def ack_separators(received: Received, version: X12Version = "4010") -> Separators:
    """The received interchange's separators, fit for writing the answer in ``version``."""
    found = received.separators or Separators()
    return replace(found, repetition=None) if version == "4010" else found
