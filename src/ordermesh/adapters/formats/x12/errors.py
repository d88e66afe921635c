"""X12 errors as data: each one says which segment and element is wrong, and carries the
code the 997 functional acknowledgment reports for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from ordermesh.domain.errors import InvalidInput, Problem


class ErrorLevel(StrEnum):
    """Where an error sits, which decides how the 997 reports it."""

    INTERCHANGE = "interchange"  # ISA/IEA: every group of the interchange is rejected (AK9)
    GROUP = "group"  # GS/GE: the group is rejected, ``code`` is an AK905 code
    SET = "set"  # ST/SE: the set is rejected, ``code`` is an AK502 code
    SEGMENT = "segment"  # a segment of a set: AK3 with ``code`` as AK304
    ELEMENT = "element"  # an element of a segment of a set: AK3 + AK4 with ``code`` as AK403


class InterchangeErrorCode(StrEnum):
    """TA105 interchange note codes (the 997 has no interchange level: see docs)."""

    CONTROL_NUMBER_MISMATCH = "001"
    INVALID_DATE = "014"
    INVALID_TIME = "015"
    INVALID_VERSION = "017"
    INVALID_CONTROL_NUMBER = "018"
    INVALID_GROUP_COUNT = "021"
    INVALID_CONTROL_STRUCTURE = "022"
    PREMATURE_END = "023"
    INVALID_CONTENT = "024"
    INVALID_ELEMENT_SEPARATOR = "026"
    INVALID_COMPONENT_SEPARATOR = "027"


class GroupErrorCode(StrEnum):
    """AK905 functional group syntax error codes."""

    NOT_SUPPORTED = "1"
    VERSION_NOT_SUPPORTED = "2"
    TRAILER_MISSING = "3"
    CONTROL_NUMBER_MISMATCH = "4"
    SET_COUNT_MISMATCH = "5"
    CONTROL_NUMBER_SYNTAX = "6"


class SetErrorCode(StrEnum):
    """AK502 transaction set syntax error codes."""

    NOT_SUPPORTED = "1"
    TRAILER_MISSING = "2"
    CONTROL_NUMBER_MISMATCH = "3"
    SEGMENT_COUNT_MISMATCH = "4"
    SEGMENTS_IN_ERROR = "5"
    INVALID_SET_ID = "6"
    INVALID_CONTROL_NUMBER = "7"


class SegmentErrorCode(StrEnum):
    """AK304 segment syntax error codes."""

    UNRECOGNIZED_SEGMENT = "1"
    UNEXPECTED_SEGMENT = "2"
    MANDATORY_SEGMENT_MISSING = "3"
    LOOP_OVER_MAXIMUM = "4"
    SEGMENT_OVER_MAXIMUM = "5"
    NOT_IN_SET = "6"
    OUT_OF_SEQUENCE = "7"
    HAS_ELEMENT_ERRORS = "8"


class ElementErrorCode(StrEnum):
    """AK403 data element syntax error codes."""

    MANDATORY_MISSING = "1"
    CONDITIONAL_MISSING = "2"
    TOO_MANY_ELEMENTS = "3"
    TOO_SHORT = "4"
    TOO_LONG = "5"
    INVALID_CHARACTER = "6"
    INVALID_CODE = "7"
    INVALID_DATE = "8"
    INVALID_TIME = "9"
    EXCLUSION_VIOLATED = "10"


@dataclass(frozen=True, slots=True)
class X12Error:
    """One problem in a received interchange.

    ``segment_position`` counts segments from the start of the interchange (ISA is 1);
    ``set_position`` counts them within the transaction set (ST is 1), as AK302 does, and is
    None outside a set. ``element_position`` is 1-based (None: the whole segment).
    """

    segment_position: int
    segment_id: str
    element_position: int | None
    code: str
    message: str
    level: ErrorLevel = ErrorLevel.ELEMENT
    set_position: int | None = None
    bad_value: str | None = None

    @property
    def where(self) -> str:
        where = f"segment {self.segment_position}"
        if self.segment_id:
            where += f" ({self.segment_id})"
        if self.element_position is not None:
            where += f", element {self.element_position:02d}"
        return where

    def problem(self) -> Problem:
        return Problem(self.where, self.message)

    def __str__(self) -> str:
        return str(self.problem())


class InvalidX12(InvalidInput):
    """An X12 interchange or transaction set that cannot be accepted; ``errors`` lists every
    problem found (not only the first), ``problems`` the same as plain ``Problem``s."""

    def __init__(self, source: str, errors: Sequence[X12Error]) -> None:
        self.errors = tuple(errors)
        super().__init__(source, [error.problem() for error in self.errors])
