"""The X12 envelope: ISA/IEA interchange, GS/GE functional group, ST/SE transaction set.

Reading takes the separators from the fixed-width ISA segment (the element separator is its
4th character, the component separator ISA16, the segment terminator the character after
ISA16), tolerates line breaks after terminators, and checks every control number and count.
Problems are collected, not raised one by one: ``parse_interchange`` returns them with the
best-effort interchange, so a 997 can still be written for a broken one.

Writing takes control numbers from the caller (``ControlNumberAllocator``) and the date and
time as arguments: nothing here reads a clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Final, Literal, Protocol

from ordermesh.adapters.formats.x12.errors import (
    ErrorLevel,
    GroupErrorCode,
    InterchangeErrorCode,
    InvalidX12,
    SegmentErrorCode,
    SetErrorCode,
    X12Error,
)
from ordermesh.domain.model import Connector

__all__ = [
    "FUNCTIONAL_IDS",
    "ControlNumberAllocator",
    "FunctionalGroup",
    "Interchange",
    "ParsedInterchange",
    "PartyId",
    "Segment",
    "Separators",
    "SequentialControlNumbers",
    "TransactionSet",
    "X12Version",
    "build_interchange",
    "envelope_segments",
    "parse_interchange",
    "read_interchange",
    "split_segments",
    "write_interchange",
]

X12Version = Literal["4010", "5010"]
_ISA_VERSION: Final = {"4010": "00401", "5010": "00501"}
_GS_VERSION: Final = {"4010": "004010", "5010": "005010"}

# GS01 functional identifier code of each transaction set ordermesh reads or writes.
FUNCTIONAL_IDS: Final = {
    "850": "PO",
    "855": "PR",
    "856": "SH",
    "846": "IB",
    "940": "OW",
    "945": "SW",
    "997": "FA",
}

_ISA_LENGTH: Final = 106  # "ISA" + 16 fixed-width elements with separators + terminator
# Index in the ISA text of each element separator of a fixed-width ISA.
_ISA_SEPARATOR_AT: Final = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
_SEGMENT_ID: Final = re.compile(r"[A-Z][A-Z0-9]{1,2}")


@dataclass(frozen=True, slots=True)
class Separators:
    """The delimiters of an interchange. ``repetition`` is ISA11 in 5010 (None in 4010,
    where ISA11 is the standards identifier "U")."""

    element: str = "*"
    component: str = ">"
    segment: str = "~"
    repetition: str | None = None

    def __post_init__(self) -> None:
        chars = [self.element, self.component, self.segment]
        if self.repetition is not None:
            chars.append(self.repetition)
        for char in chars:
            if len(char) != 1 or char.isalnum() or char == " ":
                raise ValueError(
                    f"an X12 separator must be one non-alphanumeric character: {char!r}"
                )
        if len(set(chars)) != len(chars):
            raise ValueError(f"X12 separators must differ from each other: {chars!r}")

    @classmethod
    def from_connector(cls, connector: Connector) -> Separators:
        return cls(
            element=connector.element_separator,
            component=connector.component_separator,
            segment=connector.segment_terminator,
        )

    def chars(self) -> str:
        return self.element + self.component + self.segment + (self.repetition or "")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: ``elements[0]`` is element 01."""

    id: str
    elements: tuple[str, ...] = ()

    def element(self, position: int) -> str:
        """Element ``position`` (1-based), "" when absent."""
        if 1 <= position <= len(self.elements):
            return self.elements[position - 1]
        return ""

    @classmethod
    def of(cls, segment_id: str, *elements: str | None) -> Segment:
        """A segment from its elements, None written as empty, trailing empties dropped."""
        values = ["" if value is None else value for value in elements]
        while values and values[-1] == "":
            values.pop()
        return cls(segment_id, tuple(values))


@dataclass(frozen=True, slots=True)
class TransactionSet:
    """ST ... SE. ``segments`` are those between ST and SE (the body); ``control`` is ST02,
    None until ``build_interchange`` allocates it. ``origin`` is the interchange position of
    the ST segment of a set that was read (not part of equality)."""

    id: str
    segments: tuple[Segment, ...]
    control: str | None = None
    implementation: str | None = None  # ST03, 5010 only
    origin: int | None = field(default=None, compare=False, repr=False)
    end: int | None = field(default=None, compare=False, repr=False)

    def position(self, index: int) -> tuple[int, int]:
        """(interchange position, set position) of ``segments[index]``."""
        return (self.origin or 1) + index + 1, index + 2


@dataclass(frozen=True, slots=True)
class FunctionalGroup:
    functional_id: str  # GS01, e.g. "PO"
    sender: str  # GS02 application sender's code
    receiver: str  # GS03 application receiver's code
    at: datetime  # GS04 CCYYMMDD, GS05 HHMM (HHMMSS when seconds are set)
    control: int  # GS06, also GE02
    sets: tuple[TransactionSet, ...]
    version: str = "004010"  # GS08
    agency: str = "X"  # GS07
    origin: int | None = field(default=None, compare=False, repr=False)
    end: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class PartyId:
    """An interchange address: ISA05/ISA06 (sender) or ISA07/ISA08 (receiver)."""

    qualifier: str
    id: str

    @classmethod
    def ours(cls, connector: Connector) -> PartyId:
        if not connector.our_id:
            raise ValueError("the connector has no our_id (ISA06) for X12")
        return cls(connector.id_qualifier, connector.our_id)

    @classmethod
    def theirs(cls, connector: Connector) -> PartyId:
        if not connector.partner_id:
            raise ValueError("the connector has no partner_id (ISA08) for X12")
        return cls(connector.id_qualifier, connector.partner_id)


@dataclass(frozen=True, slots=True)
class Interchange:
    sender: PartyId
    receiver: PartyId
    at: datetime  # ISA09 YYMMDD, ISA10 HHMM
    control: int  # ISA13, also IEA02
    groups: tuple[FunctionalGroup, ...]
    version: str = "00401"  # ISA12
    ack_requested: bool = False  # ISA14
    usage: str = "P"  # ISA15: P production, T test
    authorization_qualifier: str = "00"  # ISA01
    authorization: str = ""  # ISA02
    security_qualifier: str = "00"  # ISA03
    security: str = ""  # ISA04
    # TA1 interchange acknowledgments, written between the ISA and the first GS.
    acknowledgments: tuple[Segment, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedInterchange:
    """What ``parse_interchange`` found: the interchange as far as it could be read (None
    when not even the ISA could), its separators, and every error."""

    interchange: Interchange | None
    separators: Separators | None
    errors: tuple[X12Error, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


class ControlNumberAllocator(Protocol):
    """Hands out the next control numbers for one partner; the caller persists them."""

    def next_interchange(self) -> int: ...

    def next_group(self) -> int: ...

    def next_set(self) -> int: ...


@dataclass
class SequentialControlNumbers:
    """An in-memory allocator counting up from the given last values (tests, tools)."""

    interchange: int = 0
    group: int = 0
    set: int = 0

    def next_interchange(self) -> int:
        self.interchange = self.interchange % 999_999_999 + 1
        return self.interchange

    def next_group(self) -> int:
        self.group = self.group % 999_999_999 + 1
        return self.group

    def next_set(self) -> int:
        self.set = self.set % 999_999_999 + 1
        return self.set


# -- reading ---------------------------------------------------------------------------------


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        text = data
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
    return text.lstrip("\ufeff \t\r\n")


def _separators(text: str) -> tuple[Separators | None, list[X12Error]]:
    """Separators from the ISA; a non-fixed-width ISA is read as well as possible."""
    errors: list[X12Error] = []

    def fail(code: InterchangeErrorCode, message: str) -> X12Error:
        return X12Error(1, "ISA", None, code, message, ErrorLevel.INTERCHANGE)

    if not text.startswith("ISA") or len(text) < 4:
        return None, [fail(InterchangeErrorCode.INVALID_CONTENT, "does not start with ISA")]
    element = text[3]
    if element.isalnum() or element.isspace():
        return None, [
            fail(InterchangeErrorCode.INVALID_ELEMENT_SEPARATOR, f"invalid separator {element!r}")
        ]
    fixed = len(text) >= _ISA_LENGTH and all(text[i] == element for i in _ISA_SEPARATOR_AT)
    if fixed:
        component, terminator, isa11 = text[104], text[105], text[82]
    else:
        errors.append(
            fail(
                InterchangeErrorCode.INVALID_CONTENT,
                "ISA is not fixed-width (106 characters with 15-character ids); read as delimited",
            )
        )
        found = _delimited_isa(text, element)
        if found is None:
            errors.append(fail(InterchangeErrorCode.PREMATURE_END, "the ISA segment is truncated"))
            return None, errors
        component, terminator, isa11 = found
    repetition = isa11 if not isa11.isalnum() and isa11 != " " else None
    try:
        separators = Separators(element, component, terminator, repetition)
    except ValueError:
        try:
            separators = Separators(element, component, terminator)
        except ValueError as error:
            return None, [
                *errors,
                fail(InterchangeErrorCode.INVALID_COMPONENT_SEPARATOR, str(error)),
            ]
    return separators, errors


def _delimited_isa(text: str, element: str) -> tuple[str, str, str] | None:
    """(component, terminator, ISA11) of an ISA whose fields are not padded: the ISA is
    what comes before the first GS; its 16th element separator is followed by ISA16 and the
    terminator, or, when elements are missing, the terminator is what ends it."""
    gs = text.find("GS" + element)
    isa = text[:gs] if gs > 0 else text
    elements = isa.split(element)
    isa11 = (elements[11][:1] or "U") if len(elements) > 11 else "U"
    if len(elements) > 16 and len(elements[16]) >= 2:
        return elements[16][0], elements[16][1], isa11
    if gs <= 0:
        return None
    before = text[:gs].rstrip("\r\n")
    if before and not before[-1].isalnum() and before[-1] not in (element, " "):
        terminator = before[-1]
    else:
        terminator = text[gs - 1]
        if terminator.isalnum() or terminator == element:
            return None
    component = ">" if terminator != ">" else ":"
    return component, terminator, isa11


def split_segments(data: bytes | str) -> tuple[list[Segment], Separators | None]:
    """The raw segments of an interchange as written (ISA elements with their padding),
    and its separators; no segments when the ISA cannot be read."""
    text = _decode(data)
    separators, _ = _separators(text)
    return ([], None) if separators is None else (_split(text, separators), separators)


def _split(text: str, separators: Separators) -> list[Segment]:
    segments: list[Segment] = []
    for raw in text.split(separators.segment):
        chunk = raw.strip("\r\n") if separators.segment not in "\r\n" else raw.strip("\r")
        if not chunk.strip():
            continue
        parts = chunk.split(separators.element)
        segments.append(Segment(parts[0].strip(), tuple(parts[1:])))
    return segments


def _yymmdd_hhmm(day: str, clock: str) -> datetime | None:
    """ISA09/ISA10; the two-digit year is read as 20YY."""
    if len(day) != 6 or not day.isdigit() or len(clock) != 4 or not clock.isdigit():
        return None
    try:
        return datetime.strptime("20" + day + clock, "%Y%m%d%H%M")
    except ValueError:
        return None


def _gs_datetime(day: str, clock: str) -> datetime | None:
    formats = {4: "%H%M", 6: "%H%M%S"}
    fmt = formats.get(len(clock))
    if fmt is None and len(clock) in (7, 8):
        clock, fmt = clock[:6], "%H%M%S"
    if fmt is None or len(day) != 8 or not day.isdigit():
        return None
    try:
        return datetime.strptime(day + clock, "%Y%m%d" + fmt)
    except ValueError:
        return None


def _as_int(value: str) -> int | None:
    value = value.strip()
    # ASCII digits only ("²".isdigit() holds, int() refuses it), and no more than any
    # control number or count holds (int() refuses over 4,300 digits).
    digits = value.isascii() and value.isdigit() and len(value) <= 18
    return int(value) if digits else None


@dataclass
class _OpenSet:
    st: Segment
    origin: int
    body: list[Segment]


@dataclass
class _OpenGroup:
    gs: Segment
    origin: int
    sets: list[TransactionSet]
    declared_sets: int = 0


class _Reader:
    def __init__(self, segments: list[Segment]) -> None:
        self.segments = segments
        self.errors: list[X12Error] = []

    def error(
        self,
        position: int,
        segment_id: str,
        element: int | None,
        code: str,
        message: str,
        level: ErrorLevel,
        set_position: int | None = None,
        bad: str | None = None,
    ) -> None:
        self.errors.append(
            X12Error(position, segment_id, element, code, message, level, set_position, bad)
        )

    def read(self) -> Interchange | None:
        isa = self.segments[0]
        header = self._isa(isa)
        groups: list[FunctionalGroup] = []
        group: _OpenGroup | None = None
        open_set: _OpenSet | None = None
        iea: tuple[int, Segment] | None = None
        acknowledgments: list[Segment] = []
        for position, segment in enumerate(self.segments[1:], start=2):
            sid = segment.id
            if sid == "TA1" and group is None and not groups and iea is None:
                acknowledgments.append(segment)
                continue
            if iea is not None:
                self.error(
                    position,
                    sid,
                    None,
                    InterchangeErrorCode.INVALID_CONTENT,
                    "segment after IEA",
                    ErrorLevel.INTERCHANGE,
                )
                continue
            if open_set is not None and sid not in ("SE", "ST", "GE", "GS", "IEA"):
                open_set.body.append(segment)
                continue
            if sid in ("ST", "GE", "GS", "IEA") and open_set is not None and group is not None:
                self.error(
                    position,
                    sid,
                    None,
                    SetErrorCode.TRAILER_MISSING,
                    f"transaction set {open_set.st.element(2)!r} has no SE before this",
                    ErrorLevel.SET,
                    None,
                )
                # Attribute the error to the unterminated set: give it the set's origin.
                self.errors[-1] = replace(
                    self.errors[-1],
                    segment_position=open_set.origin,
                    segment_id="ST",
                    set_position=1,
                )
                group.sets.append(self._set(open_set, None, position - 1))
                open_set = None
            if sid == "GS":
                if group is not None:
                    self._unterminated_group(group, groups, position)
                group = _OpenGroup(segment, position, [])
                self._gs(segment, position)
            elif sid == "ST":
                if group is None:
                    self.error(
                        position,
                        sid,
                        None,
                        InterchangeErrorCode.INVALID_CONTROL_STRUCTURE,
                        "transaction set outside a functional group",
                        ErrorLevel.INTERCHANGE,
                    )
                    group = _OpenGroup(Segment("GS"), position, [])
                open_set = _OpenSet(segment, position, [])
            elif sid == "SE":
                if open_set is None or group is None:
                    self.error(
                        position,
                        sid,
                        None,
                        InterchangeErrorCode.INVALID_CONTROL_STRUCTURE,
                        "SE without ST",
                        ErrorLevel.INTERCHANGE,
                    )
                    continue
                group.sets.append(self._set(open_set, segment, position))
                open_set = None
            elif sid == "GE":
                if group is None:
                    self.error(
                        position,
                        sid,
                        None,
                        InterchangeErrorCode.INVALID_CONTROL_STRUCTURE,
                        "GE without GS",
                        ErrorLevel.INTERCHANGE,
                    )
                    continue
                groups.append(self._group(group, segment, position))
                group = None
            elif sid == "IEA":
                if group is not None:
                    self._unterminated_group(group, groups, position)
                    group = None
                iea = (position, segment)
            else:
                self.error(
                    position,
                    sid,
                    None,
                    InterchangeErrorCode.INVALID_CONTROL_STRUCTURE,
                    f"segment {sid} outside a transaction set",
                    ErrorLevel.INTERCHANGE,
                )
        end = len(self.segments)
        if open_set is not None and group is not None:
            self.error(
                open_set.origin,
                "ST",
                None,
                SetErrorCode.TRAILER_MISSING,
                "transaction set has no SE",
                ErrorLevel.SET,
                1,
            )
            group.sets.append(self._set(open_set, None, end))
        if group is not None:
            self._unterminated_group(group, groups, end + 1)
        if iea is None:
            self.error(
                end,
                self.segments[-1].id,
                None,
                InterchangeErrorCode.PREMATURE_END,
                "the interchange has no IEA trailer",
                ErrorLevel.INTERCHANGE,
            )
        else:
            self._iea(iea[1], iea[0], isa, len(groups))
        if header is None:
            return None
        return replace(header, groups=tuple(groups), acknowledgments=tuple(acknowledgments))

    # ISA / IEA

    def _isa(self, isa: Segment) -> Interchange | None:
        def bad(element: int, code: str, message: str) -> None:
            self.error(
                1, "ISA", element, code, message, ErrorLevel.INTERCHANGE, bad=isa.element(element)
            )

        if len(isa.elements) < 16:
            bad(
                len(isa.elements) + 1,
                InterchangeErrorCode.PREMATURE_END,
                f"ISA has {len(isa.elements)} elements, 16 are required",
            )
        at = _yymmdd_hhmm(isa.element(9), isa.element(10))
        if at is None:
            if _yymmdd_hhmm(isa.element(9), "0000") is None:
                bad(9, InterchangeErrorCode.INVALID_DATE, "ISA09 is not a YYMMDD date")
            else:
                bad(10, InterchangeErrorCode.INVALID_TIME, "ISA10 is not an HHMM time")
            at = datetime(2000, 1, 1)
        control = _as_int(isa.element(13))
        if control is None or len(isa.element(13)) != 9:
            bad(
                13,
                InterchangeErrorCode.INVALID_CONTROL_NUMBER,
                "ISA13 is not a 9-digit control number",
            )
        version = isa.element(12)
        if not (version.startswith("004") or version.startswith("005")):
            bad(
                12,
                InterchangeErrorCode.INVALID_VERSION,
                f"ISA12 version {version!r} is not 004xx or 005xx",
            )
        return Interchange(
            sender=PartyId(isa.element(5).strip(), isa.element(6).strip()),
            receiver=PartyId(isa.element(7).strip(), isa.element(8).strip()),
            at=at,
            control=control or 0,
            groups=(),
            version=version,
            ack_requested=isa.element(14) == "1",
            usage=isa.element(15),
            authorization_qualifier=isa.element(1),
            authorization=isa.element(2).rstrip(),
            security_qualifier=isa.element(3),
            security=isa.element(4).rstrip(),
        )

    def _iea(self, iea: Segment, position: int, isa: Segment, groups: int) -> None:
        declared = _as_int(iea.element(1))
        if declared != groups:
            self.error(
                position,
                "IEA",
                1,
                InterchangeErrorCode.INVALID_GROUP_COUNT,
                f"IEA01 says {iea.element(1)!r} functional groups, the interchange has {groups}",
                ErrorLevel.INTERCHANGE,
                bad=iea.element(1),
            )
        if iea.element(2).strip() != isa.element(13).strip():
            self.error(
                position,
                "IEA",
                2,
                InterchangeErrorCode.CONTROL_NUMBER_MISMATCH,
                f"IEA02 {iea.element(2)!r} does not match ISA13 {isa.element(13)!r}",
                ErrorLevel.INTERCHANGE,
                bad=iea.element(2),
            )

    # GS / GE

    def _gs(self, gs: Segment, position: int) -> None:
        for element in range(1, 9):
            if not gs.element(element).strip():
                self.error(
                    position,
                    "GS",
                    element,
                    GroupErrorCode.NOT_SUPPORTED,
                    f"GS{element:02d} is missing",
                    ErrorLevel.GROUP,
                )
        if gs.element(6) and _as_int(gs.element(6)) is None:
            self.error(
                position,
                "GS",
                6,
                GroupErrorCode.CONTROL_NUMBER_SYNTAX,
                "GS06 is not a number",
                ErrorLevel.GROUP,
                bad=gs.element(6),
            )
        if gs.element(4) and _gs_datetime(gs.element(4), gs.element(5) or "0000") is None:
            self.error(
                position,
                "GS",
                4,
                GroupErrorCode.NOT_SUPPORTED,
                "GS04/GS05 is not a CCYYMMDD date and HHMM time",
                ErrorLevel.GROUP,
            )
        version = gs.element(8)
        if version and not (version.startswith("004") or version.startswith("005")):
            self.error(
                position,
                "GS",
                8,
                GroupErrorCode.VERSION_NOT_SUPPORTED,
                f"GS08 version {version!r} is not supported",
                ErrorLevel.GROUP,
            )

    def _group(self, group: _OpenGroup, ge: Segment | None, position: int) -> FunctionalGroup:
        gs = group.gs
        if ge is not None:
            declared = _as_int(ge.element(1))
            if declared != len(group.sets):
                self.error(
                    position,
                    "GE",
                    1,
                    GroupErrorCode.SET_COUNT_MISMATCH,
                    f"GE01 says {ge.element(1)!r} transaction sets, the group has "
                    f"{len(group.sets)}",
                    ErrorLevel.GROUP,
                    bad=ge.element(1),
                )
            if ge.element(2).strip() != gs.element(6).strip():
                self.error(
                    position,
                    "GE",
                    2,
                    GroupErrorCode.CONTROL_NUMBER_MISMATCH,
                    f"GE02 {ge.element(2)!r} does not match GS06 {gs.element(6)!r}",
                    ErrorLevel.GROUP,
                    bad=ge.element(2),
                )
        at = _gs_datetime(gs.element(4), gs.element(5) or "0000") or datetime(2000, 1, 1)
        return FunctionalGroup(
            functional_id=gs.element(1),
            sender=gs.element(2),
            receiver=gs.element(3),
            at=at,
            control=_as_int(gs.element(6)) or 0,
            sets=tuple(group.sets),
            version=gs.element(8),
            agency=gs.element(7),
            origin=group.origin,
            end=position,
        )

    def _unterminated_group(
        self, group: _OpenGroup, groups: list[FunctionalGroup], position: int
    ) -> None:
        self.error(
            group.origin,
            "GS",
            None,
            GroupErrorCode.TRAILER_MISSING,
            "functional group has no GE trailer",
            ErrorLevel.GROUP,
        )
        groups.append(self._group(group, None, position - 1))

    # ST / SE

    def _set(self, open_set: _OpenSet, se: Segment | None, position: int) -> TransactionSet:
        st = open_set.st
        set_id, control = st.element(1), st.element(2)
        if len(set_id) != 3 or not set_id.isdigit():
            self.error(
                open_set.origin,
                "ST",
                1,
                SetErrorCode.INVALID_SET_ID,
                f"ST01 {set_id!r} is not a transaction set identifier",
                ErrorLevel.SET,
                1,
                set_id,
            )
        if not 4 <= len(control) <= 9:
            self.error(
                open_set.origin,
                "ST",
                2,
                SetErrorCode.INVALID_CONTROL_NUMBER,
                f"ST02 {control!r} is not a 4 to 9 character control number",
                ErrorLevel.SET,
                1,
                control,
            )
        if se is not None:
            count = len(open_set.body) + 2
            set_position = count
            if _as_int(se.element(1)) != count:
                self.error(
                    position,
                    "SE",
                    1,
                    SetErrorCode.SEGMENT_COUNT_MISMATCH,
                    f"SE01 says {se.element(1)!r} segments, the set has {count}",
                    ErrorLevel.SET,
                    set_position,
                    se.element(1),
                )
            if se.element(2) != control:
                self.error(
                    position,
                    "SE",
                    2,
                    SetErrorCode.CONTROL_NUMBER_MISMATCH,
                    f"SE02 {se.element(2)!r} does not match ST02 {control!r}",
                    ErrorLevel.SET,
                    set_position,
                    se.element(2),
                )
        for index, segment in enumerate(open_set.body):
            if not _SEGMENT_ID.fullmatch(segment.id):
                self.error(
                    open_set.origin + index + 1,
                    segment.id,
                    None,
                    SegmentErrorCode.UNRECOGNIZED_SEGMENT,
                    f"{segment.id!r} is not a segment identifier",
                    ErrorLevel.SEGMENT,
                    index + 2,
                )
        return TransactionSet(
            id=set_id,
            segments=tuple(open_set.body),
            control=control,
            implementation=st.element(3) or None,
            origin=open_set.origin,
            end=position,
        )


def parse_interchange(data: bytes | str) -> ParsedInterchange:
    """Read an interchange, collecting every envelope error; never raises on bad input."""
    text = _decode(data)
    separators, errors = _separators(text)
    if separators is None:
        return ParsedInterchange(None, None, tuple(errors))
    segments = _split(text, separators)
    reader = _Reader(segments)
    reader.errors.extend(errors)
    interchange = reader.read()
    return ParsedInterchange(interchange, separators, tuple(reader.errors))


def read_interchange(data: bytes | str, source: str = "x12") -> Interchange:
    """The interchange, or ``InvalidX12`` listing every envelope error."""
    parsed = parse_interchange(data)
    if parsed.errors or parsed.interchange is None:
        raise InvalidX12(source, parsed.errors)
    return parsed.interchange


# -- writing ---------------------------------------------------------------------------------


def _check(value: str, separators: Separators, where: str) -> str:
    for char in separators.chars():
        if char in value:
            raise ValueError(f"{where}: {value!r} contains the separator {char!r}")
    if "\r" in value or "\n" in value:
        raise ValueError(f"{where}: {value!r} contains a line break")
    return value


def _fixed(value: str, width: int, where: str) -> str:
    if len(value) > width:
        raise ValueError(f"{where}: {value!r} is longer than {width} characters")
    return value.ljust(width)


def _control(value: int, where: str) -> int:
    if not 0 < value <= 999_999_999:
        raise ValueError(f"{where}: control number {value} is not between 1 and 999999999")
    return value


def envelope_segments(interchange: Interchange, separators: Separators) -> Iterator[Segment]:
    """Every segment ``write_interchange`` writes, in order, ISA to IEA."""
    version = interchange.version
    isa11 = _repetition(separators) if version >= "00501" else "U"
    at = interchange.at
    yield Segment(
        "ISA",
        (
            _fixed(interchange.authorization_qualifier, 2, "ISA01"),
            _fixed(interchange.authorization, 10, "ISA02"),
            _fixed(interchange.security_qualifier, 2, "ISA03"),
            _fixed(interchange.security, 10, "ISA04"),
            _fixed(interchange.sender.qualifier, 2, "ISA05"),
            _fixed(interchange.sender.id, 15, "ISA06"),
            _fixed(interchange.receiver.qualifier, 2, "ISA07"),
            _fixed(interchange.receiver.id, 15, "ISA08"),
            at.strftime("%y%m%d"),
            at.strftime("%H%M"),
            isa11,
            _fixed(version, 5, "ISA12"),
            f"{_control(interchange.control, 'ISA13'):09d}",
            "1" if interchange.ack_requested else "0",
            _fixed(interchange.usage, 1, "ISA15"),
            separators.component,
        ),
    )
    yield from interchange.acknowledgments
    for group in interchange.groups:
        gs_time = group.at.strftime("%H%M%S" if group.at.second else "%H%M")
        control = str(_control(group.control, "GS06"))
        yield Segment.of(
            "GS",
            group.functional_id,
            group.sender,
            group.receiver,
            group.at.strftime("%Y%m%d"),
            gs_time,
            control,
            group.agency,
            group.version,
        )
        for transaction in group.sets:
            if transaction.control is None:
                raise ValueError(f"transaction set {transaction.id} has no control number")
            yield Segment.of("ST", transaction.id, transaction.control, transaction.implementation)
            yield from transaction.segments
            yield Segment.of("SE", str(len(transaction.segments) + 2), transaction.control)
        yield Segment.of("GE", str(len(group.sets)), control)
    yield Segment.of("IEA", str(len(interchange.groups)), f"{interchange.control:09d}")


def _repetition(separators: Separators) -> str:
    if separators.repetition is not None:
        return separators.repetition
    return next(c for c in "^{`!" if c not in separators.chars())


def write_interchange(
    interchange: Interchange, separators: Separators, *, line_breaks: bool = False
) -> str:
    """The interchange as X12 text; ``line_breaks`` puts a newline after each terminator.
    ``ValueError`` when a value contains a separator or does not fit its ISA field."""
    out: list[str] = []
    suffix = "\n" if line_breaks and separators.segment != "\n" else ""
    for segment in envelope_segments(interchange, separators):
        if segment.id != "ISA":
            for index, value in enumerate(segment.elements, start=1):
                _check(value, separators, f"{segment.id}{index:02d}")
        else:
            for index, value in enumerate(segment.elements[:15], start=1):
                if index != 11:  # ISA11 is the repetition separator in 5010
                    _check(value, separators, f"ISA{index:02d}")
        out.append(separators.element.join((segment.id, *segment.elements)))
        out.append(separators.segment + suffix)
    return "".join(out)


def build_interchange(
    sets: Iterable[TransactionSet],
    *,
    sender: PartyId,
    receiver: PartyId,
    at: datetime,
    numbers: ControlNumberAllocator,
    version: X12Version = "4010",
    usage: str = "P",
    ack_requested: bool = False,
) -> Interchange:
    """Wrap transaction sets in one interchange: one GS group per functional id (in order
    of first appearance), control numbers from ``numbers`` for the interchange, each group
    and each set whose ``control`` is None."""
    by_group: dict[str, list[TransactionSet]] = {}
    for transaction in sets:
        functional_id = FUNCTIONAL_IDS.get(transaction.id)
        if functional_id is None:
            raise ValueError(f"transaction set {transaction.id} has no known functional id")
        if transaction.control is None:
            transaction = replace(transaction, control=f"{numbers.next_set():04d}")
        by_group.setdefault(functional_id, []).append(transaction)
    interchange_control = numbers.next_interchange()
    groups = tuple(
        FunctionalGroup(
            functional_id=functional_id,
            sender=sender.id,
            receiver=receiver.id,
            at=at.replace(second=0, microsecond=0, tzinfo=None),
            control=numbers.next_group(),
            sets=tuple(members),
            version=_GS_VERSION[version],
        )
        for functional_id, members in by_group.items()
    )
    return Interchange(
        sender=sender,
        receiver=receiver,
        at=at.replace(second=0, microsecond=0, tzinfo=None),
        control=interchange_control,
        groups=groups,
        version=_ISA_VERSION[version],
        ack_requested=ack_requested,
        usage=usage,
    )
