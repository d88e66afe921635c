"""What an X12 reply can echo back. X12 has no escape character: a value holding a
separator of the document it is written in, or a control character such as a line break,
cannot be written in an element. ordermesh echoes much of what it reads (the 997 the
envelope, the 855 the PO number, line numbers and product ids, the 940 and 856 the PO
number), so an inbound file holding such a value is refused before anything is applied,
and the refusal itself echoes none of it (docs/partners.md)."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Iterator

from ordermesh.adapters.formats.x12 import (
    ElementErrorCode,
    ErrorLevel,
    InterchangeErrorCode,
    Received,
    Separators,
    SetErrorCode,
    TransactionSet,
    X12Error,
)
from ordermesh.domain.model import Connector, ConnectorType
from ordermesh.domain.network import Network


def echoable(value: str, separators: str) -> bool:
    """Whether ``value`` can be written back in an X12 element: X12 has no escape, so a
    value holding a separator or a control character (a line break) cannot."""
    return not any(char in separators or unicodedata.category(char) == "Cc" for char in value)


def reply_separators(network: Network, connector: Connector) -> str:
    """Every separator a value kept from a file that came through ``connector`` may meet on
    its way out: those of the partner's replies (997, 855, 856) and of every other X12
    partner's documents (an 850's PO number travels in the 940 to a 3PL)."""
    connectors = [connector]
    connectors += [node.connector for node in network.nodes.values()]
    connectors += [channel.connector for channel in network.channels.values()]
    return "".join(
        sorted(
            {
                Separators.from_connector(other).chars()
                for other in connectors
                if other.type is ConnectorType.X12
            }
        )
    )


def _kept_values(value: object) -> Iterator[str]:
    """Every text a parsed document holds: what ordermesh may echo back later."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _kept_values(getattr(value, field.name))
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _kept_values(item)


_UNECHOABLE = "{value!r} holds a separator or a control character, which no reply can echo"


def unechoable(received: Received, separators: str) -> tuple[X12Error, ...]:
    """An error for each value ordermesh would have to echo and cannot (a separator of its
    own documents, a line break): in the envelope every 997 echoes, an interchange error
    (answered by a TA1); in a mapped set, an invalid character (AK403 6) at the element
    holding it. No error carries the bad value: the 997 could not echo it either."""
    if received.interchange is None:
        return ()
    sets = {ts.control: ts for group in received.interchange.groups for ts in group.sets}
    errors: list[X12Error] = []
    for group in received.interchange.groups:
        # What every 997 echoes (AK101, its GS02/GS03 swapped, AK202): when it cannot, no
        # 997 can answer the interchange, and the rejection is a TA1.
        echoed = [
            (group.origin, "GS", 1, group.functional_id),
            (group.origin, "GS", 2, group.sender),
            (group.origin, "GS", 3, group.receiver),
        ]
        echoed += [(ts.origin, "ST", 2, ts.control or "") for ts in group.sets]
        for position, segment_id, element, value in echoed:
            if not echoable(value, separators):
                errors.append(
                    X12Error(
                        position or 0,
                        segment_id,
                        element,
                        InterchangeErrorCode.INVALID_CONTENT,
                        _UNECHOABLE.format(value=value),
                        ErrorLevel.INTERCHANGE,
                    )
                )
    for document in received.documents:
        ts = sets.get(document.set_control)
        for value in dict.fromkeys(_kept_values(document.document)):
            if echoable(value, separators):
                continue
            errors.append(_invalid_character(ts, value, document.set_id))
    return tuple(errors)


def _invalid_character(ts: TransactionSet | None, value: str, set_id: str) -> X12Error:
    message = _UNECHOABLE.format(value=value)
    if ts is not None:
        for index, segment in enumerate(ts.segments):
            for position, element in enumerate(segment.elements, start=1):
                if value and value in element:
                    at, in_set = ts.position(index)
                    return X12Error(
                        at,
                        segment.id,
                        position,
                        ElementErrorCode.INVALID_CHARACTER,
                        message,
                        ErrorLevel.ELEMENT,
                        in_set,
                    )
    origin = ts.origin or 0 if ts is not None else 0
    return X12Error(
        origin,
        "ST",
        None,
        SetErrorCode.SEGMENTS_IN_ERROR,
        f"set {set_id}: {message}",
        ErrorLevel.SET,
        1,
    )
