"""The X12 4010 element dictionary of every segment ordermesh writes, as data.

One row per element position: the data element reference number, its usage in the segment
(M mandatory, O optional, X conditional: required or forbidden by a syntax note), its type
(AN string, ID code, N0/N2 implied-decimal numbers, R decimal, DT date, TM time) and its
minimum and maximum length, as the ASC X12 4010 standard defines them. ``codes`` lists, for
an ID element whose value ordermesh chooses, the codes of the standard's list that it uses;
``None`` on an ID element means its value comes from an external or very large code list
(units of measure, states, countries, SCACs, product id qualifiers) or is echoed from the
partner's own document, and only its form is checked.

``validate`` (``conformance.py``) checks documents against this table; docs/formats/x12.md
lists it for people. A segment ordermesh starts writing must be added here first, or every
document that holds it fails the conformance test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

__all__ = ["SEGMENTS", "Element", "ElementType", "Usage", "element", "max_length"]

Usage = Literal["M", "O", "X"]
ElementType = Literal["AN", "ID", "N0", "N2", "R", "DT", "TM"]


@dataclass(frozen=True, slots=True)
class Element:
    reference: str  # data element reference number, e.g. "353"
    usage: Usage
    type: ElementType
    min: int
    max: int
    codes: frozenset[str] | None = None


def _e(
    reference: str,
    usage: Usage,
    type_: ElementType,
    min_: int,
    max_: int,
    codes: str | None = None,
) -> Element:
    return Element(
        reference, usage, type_, min_, max_, None if codes is None else frozenset(codes.split())
    )


# Code lists (the part ordermesh writes of each 4010 list).
_PURPOSE = "00 01 05 06 07"  # 353: original, cancellation, replace, confirmation, duplicate
_FUNCTIONAL_IDS = "PO PR SH IB OW SW FA"  # 479
_SET_IDS = "850 855 856 846 940 945 997"  # 143
_ID_QUALIFIERS = "01 02 08 09 12 14 20 27 28 29 30 33 ZZ"  # I05
_DATE_QUALIFIERS = "002 010 011 017 067 068"  # 374
_SEGMENT_ERRORS = "1 2 3 4 5 6 7 8"  # 720
_ELEMENT_ERRORS = "1 2 3 4 5 6 7 8 9 10"  # 723
_SET_ERRORS = "1 2 3 4 5 6 7 8 9 10 11 12 13 15 16 17 18 19 23 24 25 26 27"  # 718
_GROUP_ERRORS = "1 2 3 4 5 6 10 11 12 13 14 15 16 17 18 19 23 24 25 26"  # 716
_INTERCHANGE_NOTES = " ".join(f"{n:03d}" for n in range(32))  # I18: 000-031


def _product_pairs(first: int, count: int) -> dict[int, Element]:
    """Qualifier (235) / id (234) pairs from position ``first`` on."""
    pairs: dict[int, Element] = {}
    for n in range(count):
        pairs[first + 2 * n] = _e("235", "X", "ID", 2, 2)
        pairs[first + 2 * n + 1] = _e("234", "X", "AN", 1, 48)
    return pairs


def _segment(*elements: Element, extra: dict[int, Element] | None = None) -> dict[int, Element]:
    positions = dict(enumerate(elements, start=1))
    positions.update(extra or {})
    return positions


# Segment id -> element position -> definition. A position missing from a segment is one
# ordermesh never writes: a value there is reported, as a new field must be added here first.
SEGMENTS: Final[dict[str, dict[int, Element]]] = {
    # -- envelope -------------------------------------------------------------------------
    "ISA": _segment(
        _e("I01", "M", "ID", 2, 2, "00 01 02 03 04 05 06"),
        _e("I02", "M", "AN", 10, 10),
        _e("I03", "M", "ID", 2, 2, "00 01"),
        _e("I04", "M", "AN", 10, 10),
        _e("I05", "M", "ID", 2, 2, _ID_QUALIFIERS),
        _e("I06", "M", "AN", 15, 15),
        _e("I05", "M", "ID", 2, 2, _ID_QUALIFIERS),
        _e("I07", "M", "AN", 15, 15),
        _e("I08", "M", "DT", 6, 6),
        _e("I09", "M", "TM", 4, 4),
        _e("I10", "M", "ID", 1, 1, "U"),
        _e("I11", "M", "ID", 5, 5, "00401"),
        _e("I12", "M", "N0", 9, 9),
        _e("I13", "M", "ID", 1, 1, "0 1"),
        _e("I14", "M", "ID", 1, 1, "P T"),
        _e("I15", "M", "AN", 1, 1),
    ),
    "TA1": _segment(
        _e("I12", "M", "N0", 9, 9),
        _e("I08", "M", "DT", 6, 6),
        _e("I09", "M", "TM", 4, 4),
        _e("I17", "M", "ID", 1, 1, "A E R"),
        _e("I18", "M", "ID", 3, 3, _INTERCHANGE_NOTES),
    ),
    "IEA": _segment(_e("I16", "M", "N0", 1, 5), _e("I12", "M", "N0", 9, 9)),
    "GS": _segment(
        _e("479", "M", "ID", 2, 2, _FUNCTIONAL_IDS),
        _e("142", "M", "AN", 2, 15),
        _e("124", "M", "AN", 2, 15),
        _e("373", "M", "DT", 8, 8),
        _e("337", "M", "TM", 4, 8),
        _e("28", "M", "N0", 1, 9),
        _e("455", "M", "ID", 1, 2, "X T"),
        _e("480", "M", "AN", 1, 12),
    ),
    "GE": _segment(_e("97", "M", "N0", 1, 6), _e("28", "M", "N0", 1, 9)),
    "ST": _segment(_e("143", "M", "ID", 3, 3, _SET_IDS), _e("329", "M", "AN", 4, 9)),
    "SE": _segment(_e("96", "M", "N0", 1, 10), _e("329", "M", "AN", 4, 9)),
    # -- 997 ------------------------------------------------------------------------------
    # AK101 and AK201 echo the received GS01/ST01: any code of the standard's lists.
    "AK1": _segment(_e("479", "M", "ID", 2, 2), _e("28", "M", "N0", 1, 9)),
    "AK2": _segment(_e("143", "M", "ID", 3, 3), _e("329", "M", "AN", 4, 9)),
    "AK3": _segment(
        _e("721", "M", "ID", 2, 3),
        _e("719", "M", "N0", 1, 6),
        _e("447", "O", "AN", 1, 6),
        _e("720", "O", "ID", 1, 3, _SEGMENT_ERRORS),
    ),
    # AK401 is the composite C030; ordermesh writes its first component (722) alone.
    "AK4": _segment(
        _e("722", "M", "N0", 1, 2),
        _e("725", "O", "N0", 1, 4),
        _e("723", "M", "ID", 1, 3, _ELEMENT_ERRORS),
        _e("724", "O", "AN", 1, 99),
    ),
    "AK5": _segment(
        _e("717", "M", "ID", 1, 1, "A E M R W X"),
        *(_e("718", "O", "ID", 1, 3, _SET_ERRORS) for _ in range(5)),
    ),
    "AK9": _segment(
        _e("715", "M", "ID", 1, 1, "A E M P R W X"),
        _e("97", "M", "N0", 1, 6),
        _e("123", "M", "N0", 1, 6),
        _e("2", "M", "N0", 1, 6),
        *(_e("716", "O", "ID", 1, 3, _GROUP_ERRORS) for _ in range(5)),
    ),
    # -- shared -----------------------------------------------------------------------------
    "N1": _segment(
        _e("98", "M", "ID", 2, 3, "ST SF WH BT BY SE SU VN DE"),
        _e("93", "X", "AN", 1, 60),
        _e("66", "X", "ID", 1, 2),
        _e("67", "X", "AN", 2, 80),
    ),
    "N2": _segment(_e("93", "M", "AN", 1, 60), _e("93", "O", "AN", 1, 60)),
    "N3": _segment(_e("166", "M", "AN", 1, 55), _e("166", "O", "AN", 1, 55)),
    "N4": _segment(
        _e("19", "O", "AN", 2, 30),
        _e("156", "O", "ID", 2, 2),
        _e("116", "O", "ID", 3, 15),
        _e("26", "O", "ID", 2, 3),
    ),
    "PER": _segment(
        _e("366", "M", "ID", 2, 2, "IC BD DC"),
        _e("93", "O", "AN", 1, 60),
        _e("365", "X", "ID", 2, 2, "TE EM FX"),
        _e("364", "X", "AN", 1, 80),
        _e("365", "X", "ID", 2, 2, "TE EM FX"),
        _e("364", "X", "AN", 1, 80),
    ),
    # REF01 and N901 echo the partner's qualifiers too (a list of ~1,500 codes).
    "REF": _segment(
        _e("128", "M", "ID", 2, 3), _e("127", "X", "AN", 1, 30), _e("352", "X", "AN", 1, 80)
    ),
    "N9": _segment(
        _e("128", "M", "ID", 2, 3), _e("127", "X", "AN", 1, 30), _e("369", "X", "AN", 1, 45)
    ),
    "DTM": _segment(_e("374", "M", "ID", 3, 3, _DATE_QUALIFIERS), _e("373", "X", "DT", 8, 8)),
    "CTT": _segment(_e("354", "M", "N0", 1, 6), _e("347", "O", "R", 1, 10)),
    "LIN": _segment(_e("350", "O", "AN", 1, 20), extra=_product_pairs(2, 15)),
    # -- 850 / 855 --------------------------------------------------------------------------
    "BEG": _segment(
        _e("353", "M", "ID", 2, 2, _PURPOSE),
        _e("92", "M", "ID", 2, 2, "SA DS KN NE RO"),
        _e("324", "M", "AN", 1, 22),
        _e("328", "O", "AN", 1, 30),
        _e("373", "M", "DT", 8, 8),
    ),
    "PO1": _segment(
        _e("350", "O", "AN", 1, 20),
        _e("330", "X", "R", 1, 15),
        _e("355", "X", "ID", 2, 2),
        _e("212", "X", "R", 1, 17),
        _e("639", "O", "ID", 2, 2),
        extra=_product_pairs(6, 10),
    ),
    "BAK": _segment(
        _e("353", "M", "ID", 2, 2, _PURPOSE),
        _e("587", "M", "ID", 2, 2, "AC AD AE AH AK AP AT NA RD RF RJ RN RO RV ZZ"),
        _e("324", "M", "AN", 1, 22),
        _e("373", "M", "DT", 8, 8),
        _e("328", "O", "AN", 1, 30),
        _e("326", "O", "AN", 1, 45),
        _e("367", "O", "AN", 1, 30),
        _e("127", "O", "AN", 1, 30),
        _e("373", "O", "DT", 8, 8),
    ),
    "ACK": _segment(
        _e("668", "M", "ID", 2, 2, "IA IB IC ID IE IF IH IP IQ IR IS IW"),
        _e("380", "X", "R", 1, 15),
        _e("355", "X", "ID", 2, 2),
        _e("374", "O", "ID", 3, 3, _DATE_QUALIFIERS),
        _e("373", "X", "DT", 8, 8),
    ),
    # -- 856 --------------------------------------------------------------------------------
    "BSN": _segment(
        _e("353", "M", "ID", 2, 2, _PURPOSE),
        _e("396", "M", "AN", 2, 30),
        _e("373", "M", "DT", 8, 8),
        _e("337", "M", "TM", 4, 8),
        _e("1005", "O", "ID", 4, 4, "0001 0002 0004"),
    ),
    "HL": _segment(
        _e("628", "M", "AN", 1, 12),
        _e("734", "O", "AN", 1, 12),
        _e("735", "M", "ID", 1, 2, "S O P T I"),
        _e("736", "O", "ID", 1, 1, "0 1"),
    ),
    "TD5": _segment(
        _e("133", "O", "ID", 1, 2, "A B O"),
        _e("66", "X", "ID", 1, 2, "2"),
        _e("67", "X", "AN", 2, 80),
        _e("91", "X", "ID", 1, 2),
    ),
    "PRF": _segment(_e("324", "M", "AN", 1, 22)),
    "SN1": _segment(
        _e("350", "O", "AN", 1, 20),
        _e("382", "M", "R", 1, 10),
        _e("355", "M", "ID", 2, 2),
        _e("646", "O", "R", 1, 15),
        _e("330", "O", "R", 1, 15),
        _e("355", "X", "ID", 2, 2),
    ),
    # -- 846 --------------------------------------------------------------------------------
    "BIA": _segment(
        _e("353", "M", "ID", 2, 2, _PURPOSE),
        _e("755", "M", "ID", 2, 2, "DD MB MM SI"),
        _e("127", "M", "AN", 1, 30),
        _e("373", "M", "DT", 8, 8),
        _e("337", "X", "TM", 4, 8),
    ),
    "QTY": _segment(
        _e("673", "M", "ID", 2, 2, "17 33 02 19 26 29 37 63 QH"),
        _e("380", "X", "R", 1, 15),
        _e("355", "X", "ID", 2, 2),
    ),
    # -- 940 --------------------------------------------------------------------------------
    "W05": _segment(
        _e("473", "M", "ID", 1, 1, "C F N R"),
        _e("285", "M", "AN", 1, 22),
        _e("324", "O", "AN", 1, 22),
    ),
    "G62": _segment(_e("432", "X", "ID", 2, 2, "02 10 11 37 38 53 54"), _e("373", "X", "DT", 8, 8)),
    "W66": _segment(
        _e("146", "M", "ID", 2, 2, "CC PP TP PC DF"),
        _e("91", "M", "ID", 1, 2),
        extra={5: _e("387", "O", "AN", 1, 35), 10: _e("140", "O", "ID", 2, 4)},
    ),
    "LX": _segment(_e("554", "M", "N0", 1, 6)),
    "W01": _segment(
        _e("330", "M", "R", 1, 15),
        _e("355", "M", "ID", 2, 2),
        _e("438", "X", "AN", 12, 12),
        extra=_product_pairs(4, 2),
    ),
    "W76": _segment(_e("347", "M", "R", 1, 10)),
    # -- 945 --------------------------------------------------------------------------------
    "W06": _segment(
        _e("514", "M", "ID", 1, 1, "F N X"),
        _e("285", "O", "AN", 1, 22),
        _e("373", "O", "DT", 8, 8),
        _e("145", "O", "AN", 1, 30),
        _e("531", "O", "AN", 1, 12),
        _e("324", "O", "AN", 1, 22),
    ),
    "W27": _segment(
        _e("91", "M", "ID", 1, 2),
        _e("140", "O", "ID", 2, 4),
        _e("387", "O", "AN", 1, 35),
        _e("146", "O", "ID", 2, 2, "CC PP TP PC DF"),
    ),
    "MAN": _segment(_e("88", "M", "ID", 1, 2, "CP GM SM"), _e("87", "M", "AN", 1, 48)),
    "W12": _segment(
        _e("368", "M", "ID", 2, 2, "CC CP SS"),
        _e("380", "O", "R", 1, 15),
        _e("382", "O", "R", 1, 10),
        _e("380", "O", "R", 1, 15),
        _e("355", "X", "ID", 2, 2),
        _e("438", "X", "AN", 12, 12),
        extra=_product_pairs(7, 1),
    ),
    "W03": _segment(_e("382", "M", "R", 1, 10)),
}


def element(segment_id: str, position: int) -> Element | None:
    """The definition of element ``position`` (1-based) of a segment, None when unknown."""
    return SEGMENTS.get(segment_id, {}).get(position)


def max_length(segment_id: str, position: int) -> int:
    """The maximum length of an element; ``KeyError`` for an element not in the table,
    so a writer cannot clip to a length nobody checked."""
    found = element(segment_id, position)
    if found is None:
        raise KeyError(f"{segment_id}{position:02d} is not in the X12 dictionary")
    return found.max
