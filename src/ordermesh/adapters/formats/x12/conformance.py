"""Checks documents against the 4010 element dictionary (``dictionary.py``): every
mandatory element present, each value within its type, its minimum and maximum length,
and, for an ID element with a code list, one of its codes; no value where the dictionary
defines no element; no segment the dictionary does not know.

A check, not a parser: ``validate(ts)`` looks at one transaction set (its body, and the ST
and SE it will be written with), ``validate_interchange`` at everything an interchange
writes, ``validate_text`` at a written document (what the tests run over every X12
document ordermesh writes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from ordermesh.adapters.formats.x12.dictionary import SEGMENTS, Element
from ordermesh.adapters.formats.x12.envelope import (
    Interchange,
    Segment,
    Separators,
    TransactionSet,
    envelope_segments,
    parse_interchange,
    split_segments,
)

__all__ = [
    "Nonconformity",
    "fits",
    "form_error",
    "validate",
    "validate_interchange",
    "validate_segment",
    "validate_text",
]

_NUMBER = re.compile(r"-?\d+")
_DECIMAL = re.compile(r"-?(\d+\.?\d*|\.\d+)")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Codes are letters and digits; postal codes (an ID element too) add spaces, "-" and ".".
_CODE = re.compile(r"[A-Za-z0-9]([A-Za-z0-9 .\-]*[A-Za-z0-9])?")


@dataclass(frozen=True, slots=True)
class Nonconformity:
    """One way a written segment breaks the dictionary: ``where`` names the set, the
    segment and its position, ``element`` the element (``BSN04``)."""

    where: str
    element: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.element}: {self.message}"


def _length(value: str, type_: str) -> int:
    if type_ in ("N0", "N2", "R"):
        return sum(char.isdigit() for char in value)
    return len(value)


def _form(value: str, definition: Element) -> str | None:
    """Why ``value`` is not of the element's type, or None."""
    type_ = definition.type
    if _CONTROL.search(value):
        return "holds a control character"
    if type_ in ("N0", "N2") and not _NUMBER.fullmatch(value):
        return f"{value!r} is not a whole number ({type_})"
    if type_ == "R" and not _DECIMAL.fullmatch(value):
        return f"{value!r} is not a decimal number (R)"
    if type_ == "DT":
        layout = "%y%m%d" if definition.max == 6 else "%Y%m%d"
        if not value.isdigit() or not _parses(value, layout):
            return f"{value!r} is not a date ({'YYMMDD' if definition.max == 6 else 'CCYYMMDD'})"
    if type_ == "TM":
        if not value.isdigit() or len(value) not in (4, 6, 7, 8):
            return f"{value!r} is not a time (HHMM[SS[D[D]]])"
        layout = "%H%M%S" if len(value) >= 6 else "%H%M"
        if not _parses(value[:6], layout):
            return f"{value!r} is not a time of day"
    if type_ == "ID" and not _CODE.fullmatch(value):
        return f"{value!r} is not a code (letters and digits)"
    if type_ == "ID" and definition.codes is not None and value not in definition.codes:
        return f"{value!r} is not one of the codes {sorted(definition.codes)}"
    return None


def _parses(value: str, layout: str) -> bool:
    try:
        datetime.strptime(value, layout)
    except ValueError:
        return False
    return True


def validate_segment(segment: Segment, where: str = "") -> list[Nonconformity]:
    """The problems of one segment against its dictionary entry."""
    at = where or segment.id
    definitions = SEGMENTS.get(segment.id)
    if definitions is None:
        return [Nonconformity(at, segment.id, "segment not in the X12 4010 dictionary")]
    problems: list[Nonconformity] = []
    for position in sorted(set(definitions) | set(range(1, len(segment.elements) + 1))):
        name = f"{segment.id}{position:02d}"
        value = segment.element(position)
        definition = definitions.get(position)
        if definition is None:
            if value:
                problems.append(Nonconformity(at, name, "no such element in the dictionary"))
            continue
        if not value:
            if definition.usage == "M":
                problems.append(Nonconformity(at, name, "mandatory element missing"))
            continue
        wrong = _problem(value, definition)
        if wrong is not None:
            problems.append(Nonconformity(at, name, wrong))
    return problems


def _problem(value: str, definition: Element) -> str | None:
    wrong = _form(value, definition)
    if wrong is not None:
        return wrong
    length = _length(value, definition.type)
    if length < definition.min:
        return f"{value!r} is shorter than {definition.min}"
    if length > definition.max:
        return f"{value!r} is {length} long, over the maximum {definition.max}"
    return None


def form_error(segment_id: str, position: int, value: str) -> tuple[str, str] | None:
    """(AK403 code, message) when a received value is not of its element's type or length
    (code lists are not checked: a partner may use any code of the standard's list); None
    when it is, or the dictionary does not define the element."""
    definition = SEGMENTS.get(segment_id, {}).get(position)
    if definition is None or not value:
        return None
    wrong = _form(value, replace(definition, codes=None))
    if wrong is not None:
        return "6", wrong
    length = _length(value, definition.type)
    if length < definition.min:
        return "4", f"{value!r} is shorter than {definition.min}"
    if length > definition.max:
        return "5", f"{value!r} is {length} long, over the maximum {definition.max}"
    return None


def fits(segment_id: str, position: int, value: str) -> bool:
    """Whether a non-empty ``value`` is a valid element ``position`` of the segment."""
    definition = SEGMENTS.get(segment_id, {}).get(position)
    return definition is not None and bool(value) and _problem(value, definition) is None


def validate(transaction_set: TransactionSet) -> list[Nonconformity]:
    """Every problem of a transaction set, with ST and SE as they will be written (a set
    without a control number yet is checked with a placeholder)."""
    control = transaction_set.control or "0001"
    body = transaction_set.segments
    segments = (
        Segment.of("ST", transaction_set.id, control),
        *body,
        Segment.of("SE", str(len(body) + 2), control),
    )
    problems: list[Nonconformity] = []
    for position, segment in enumerate(segments, start=1):
        where = f"{transaction_set.id} {control} segment {position} ({segment.id})"
        problems += validate_segment(segment, where)
    return problems


def validate_interchange(interchange: Interchange, separators: Separators) -> list[Nonconformity]:
    """Every problem of an interchange as ``write_interchange`` writes it."""
    problems: list[Nonconformity] = []
    for position, segment in enumerate(envelope_segments(interchange, separators), start=1):
        problems += validate_segment(segment, f"interchange segment {position} ({segment.id})")
    return problems


def validate_text(text: str) -> list[Nonconformity]:
    """Every problem of a written interchange: it must read back without an envelope
    error, and each of its segments must conform."""
    parsed = parse_interchange(text)
    problems = [
        Nonconformity(f"segment {error.segment_position}", error.segment_id, error.message)
        for error in parsed.errors
    ]
    segments, _ = split_segments(text)
    for position, segment in enumerate(segments, start=1):
        problems += validate_segment(segment, f"segment {position} ({segment.id})")
    return problems
