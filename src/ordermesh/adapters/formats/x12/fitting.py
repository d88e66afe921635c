"""Making values fit the element dictionary before they are written.

``fit`` clips free text to an element's maximum length and drops what is shorter than its
minimum; ``scrub`` replaces, in every AN (free text) element of an interchange, the
interchange's own separators and control characters with a space, so that a name or a
street line holding ``*`` or a line break is written, not refused. Codes, numbers, dates
and references are left alone: one that does not fit is a bug the conformance test shows.
"""

from __future__ import annotations

import re
from dataclasses import replace

from ordermesh.adapters.formats.x12.dictionary import element, max_length
from ordermesh.adapters.formats.x12.envelope import (
    Interchange,
    Segment,
    Separators,
    TransactionSet,
)

__all__ = ["fit", "scrub"]

# A run of control characters (line breaks, tabs) and the spaces around it: one space.
_CONTROL = re.compile(r" *[\x00-\x1f\x7f]+ *")


def fit(segment_id: str, position: int, value: str | None) -> str | None:
    """``value`` stripped and clipped to the element's maximum length; None when nothing
    (or less than the element's minimum length) is left."""
    if value is None:
        return None
    text = _CONTROL.sub(" ", value).strip()[: max_length(segment_id, position)].rstrip()
    definition = element(segment_id, position)
    if not text or (definition is not None and len(text) < definition.min):
        return None
    return text


def _scrub_segment(segment: Segment, pattern: re.Pattern[str]) -> Segment:
    values = list(segment.elements)
    changed = False
    for index, value in enumerate(values):
        definition = element(segment.id, index + 1)
        if definition is None or definition.type != "AN" or not pattern.search(value):
            continue
        values[index] = pattern.sub(" ", value).strip() or "."
        changed = True
    return Segment(segment.id, tuple(values)) if changed else segment


def scrub(interchange: Interchange, separators: Separators) -> Interchange:
    """The interchange with separators and control characters blanked out of free text."""
    pattern = re.compile(" *[" + re.escape(separators.chars()) + r"\x00-\x1f\x7f]+ *")

    def body(ts: TransactionSet) -> TransactionSet:
        return replace(ts, segments=tuple(_scrub_segment(s, pattern) for s in ts.segments))

    groups = tuple(
        replace(group, sets=tuple(body(ts) for ts in group.sets)) for group in interchange.groups
    )
    return replace(interchange, groups=groups)
