"""997 Functional Acknowledgment (4010): AK1 group, then per set AK2, AK3 (segment in
error) with AK4 (element in error), AK5 set response; AK9 group response.

AK101 functional id, AK102 group control number; AK201 set id, AK202 set control number;
AK301 segment id, AK302 its position in the set (ST is 1), AK303 loop id, AK304 segment
error code; AK401 element position, AK402 element reference number, AK403 element error
code, AK404 copy of the bad element; AK501 A / E / R, AK502.. set error codes; AK901 A / E
/ P / R, AK902 sets included, AK903 received, AK904 accepted, AK905.. group error codes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from ordermesh.adapters.formats.x12.common import SetReader, first_component
from ordermesh.adapters.formats.x12.conformance import fits
from ordermesh.adapters.formats.x12.envelope import Segment, TransactionSet
from ordermesh.adapters.formats.x12.errors import ElementErrorCode, SegmentErrorCode

__all__ = [
    "AckCode",
    "ElementNote",
    "FunctionalAcknowledgment",
    "SegmentNote",
    "SetResponse",
    "generate_997",
    "parse_997",
]

SEGMENTS: Final = frozenset(["AK1", "AK2", "AK3", "AK4", "AK5", "AK9"])


class AckCode(StrEnum):
    ACCEPTED = "A"
    ACCEPTED_WITH_ERRORS = "E"
    PARTIALLY_ACCEPTED = "P"  # AK9 only: some sets were rejected
    REJECTED = "R"


@dataclass(frozen=True, slots=True)
class ElementNote:
    position: int  # AK401
    code: str  # AK403, an ElementErrorCode value
    reference: str | None = None  # AK402 data element reference number
    bad_value: str | None = None  # AK404


@dataclass(frozen=True, slots=True)
class SegmentNote:
    segment_id: str  # AK301
    position: int  # AK302, ST is 1
    code: str | None = None  # AK304, a SegmentErrorCode value
    loop_id: str | None = None  # AK303
    elements: tuple[ElementNote, ...] = ()


@dataclass(frozen=True, slots=True)
class SetResponse:
    set_id: str  # AK201
    control: str  # AK202
    status: AckCode  # AK501
    codes: tuple[str, ...] = ()  # AK502..AK506, SetErrorCode values
    segments: tuple[SegmentNote, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionalAcknowledgment:
    functional_id: str  # AK101
    group_control: int  # AK102
    status: AckCode  # AK901
    included: int  # AK902
    received: int  # AK903
    accepted: int  # AK904
    sets: tuple[SetResponse, ...] = ()
    codes: tuple[str, ...] = ()  # AK905..AK909, GroupErrorCode values


def _echo(segment_id: str, position: int, value: str | None, forbidden: str) -> str | None:
    """A value copied from the input, when it can be written as this element: without the
    interchange's separators and within the element's type and length; else None."""
    if not value or any(char in forbidden for char in value):
        return None
    return value if fits(segment_id, position, value) else None


def generate_997(ack: FunctionalAcknowledgment, *, forbidden: str = "") -> TransactionSet:
    """The 997 set. Values echoed from the acknowledged input that could not be written
    validly (a copy of a bad element holding a separator, a segment id that is not one, a
    set control number of the wrong length...) are left out, as the standard asks: an AK404
    is dropped, an AK3 or AK4 that cannot locate its error, or an AK2 loop that cannot name
    its set, is omitted (AK9 still counts and rejects the set). ``forbidden``: the
    separators the 997 will be written with."""
    segments = [Segment.of("AK1", ack.functional_id, str(ack.group_control))]
    for response in ack.sets:
        set_id = _echo("AK2", 1, response.set_id, forbidden)
        control = _echo("AK2", 2, response.control, forbidden)
        if set_id is None or control is None:
            continue
        segments.append(Segment.of("AK2", set_id, control))
        for note in response.segments:
            segment_id = _echo("AK3", 1, note.segment_id, forbidden)
            if segment_id is None or not fits("AK3", 2, str(note.position)):
                continue
            loop_id = _echo("AK3", 3, note.loop_id, forbidden)
            segments.append(Segment.of("AK3", segment_id, str(note.position), loop_id, note.code))
            for element in note.elements:
                if not fits("AK4", 1, str(element.position)):
                    continue
                bad = None if element.bad_value is None else element.bad_value[:99]
                segments.append(
                    Segment.of(
                        "AK4",
                        str(element.position),
                        _echo("AK4", 2, element.reference, forbidden),
                        element.code,
                        _echo("AK4", 4, bad, forbidden),
                    )
                )
        segments.append(Segment.of("AK5", response.status, *response.codes[:5]))
    segments.append(
        Segment.of(
            "AK9",
            ack.status,
            str(ack.included),
            str(ack.received),
            str(ack.accepted),
            *ack.codes[:5],
        )
    )
    return TransactionSet("997", tuple(segments))


def _status(reader: SetReader, index: int) -> AckCode:
    value = reader.required(index, 1)
    try:
        return AckCode(value)
    except ValueError:
        reader.element_error(
            index, 1, ElementErrorCode.INVALID_CODE, f"{value!r} is not A, E, P or R", value
        )
        return AckCode.REJECTED


def parse_997(ts: TransactionSet, source: str = "997") -> FunctionalAcknowledgment:
    reader = SetReader(ts, "997", SEGMENTS)
    ak1: int | None = None
    ak9: int | None = None
    sets: list[SetResponse] = []
    open_set: SetResponse | None = None
    notes: list[SegmentNote] = []
    for index, segment in reader:
        sid = segment.id
        if sid == "AK1":
            ak1 = index
        elif sid == "AK2":
            open_set = SetResponse(
                reader.required(index, 1), reader.required(index, 2), AckCode.ACCEPTED
            )
            notes = []
        elif sid == "AK3" and open_set is not None:
            notes.append(
                SegmentNote(
                    reader.required(index, 1),
                    reader.integer(index, 2, required=True) or 0,
                    reader.text(index, 4),
                    reader.text(index, 3),
                )
            )
        elif sid == "AK4" and notes:
            position = first_component(segment.element(1))
            if not position.isdigit() or len(position) > 4:  # AK401's C030 element: N0 1/4
                reader.element_error(
                    index,
                    1,
                    ElementErrorCode.INVALID_CHARACTER,
                    f"AK401 {segment.element(1)!r} is not an element position",
                    segment.element(1),
                )
                position = "0"
            element = ElementNote(
                int(position or 0),
                reader.required(index, 3),
                reader.text(index, 2),
                reader.text(index, 4),
            )
            notes[-1] = replace(notes[-1], elements=(*notes[-1].elements, element))
        elif sid == "AK5" and open_set is not None:
            codes = tuple(value for value in segment.elements[1:] if value)
            sets.append(
                replace(open_set, status=_status(reader, index), codes=codes, segments=tuple(notes))
            )
            open_set = None
        elif sid == "AK9":
            ak9 = index
        else:
            reader.segment_error(index, SegmentErrorCode.UNEXPECTED_SEGMENT, f"{sid} out of place")
    if ak1 is None:
        reader.missing_segment("AK1")
    if ak9 is None:
        reader.missing_segment("AK9")
    if ak1 is None or ak9 is None:
        reader.done(source)
        raise AssertionError("unreachable")
    functional_id = reader.required(ak1, 1)
    group_control = reader.integer(ak1, 2, required=True) or 0
    status = _status(reader, ak9)
    included = reader.integer(ak9, 2, required=True) or 0
    received = reader.integer(ak9, 3, required=True) or 0
    accepted = reader.integer(ak9, 4, required=True) or 0
    codes = tuple(value for value in ts.segments[ak9].elements[4:] if value)
    reader.done(source)
    return FunctionalAcknowledgment(
        functional_id, group_control, status, included, received, accepted, tuple(sets), codes
    )
