"""Which reservations give up their units when a position holds fewer units than it has
reserved (a count or an adjustment found less on the shelf than orders were promised).

The newest requests lose their units first, so the orders that have waited longest keep
theirs; requests the node has accepted come last of all, because the node has committed
to them and may already be packing them. Decided here, in pure code; the service takes the
units off the requests, tells their nodes and routes the units again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class HeldUnits:
    """Units of one SKU a fulfillment request line holds reserved at the position."""

    request_id: str
    line_id: str
    units: int
    created_at: datetime  # of the request
    accepted: bool  # the node has accepted the request


@dataclass(frozen=True, slots=True)
class UnitCut:
    """Take ``units`` off the reservation of one request line."""

    request_id: str
    line_id: str
    units: int


def plan_over_reservation(on_hand: int, held: Iterable[HeldUnits]) -> list[UnitCut]:
    """The cuts that bring what ``held`` reserves down to ``on_hand`` (no cuts when it
    already fits): requests not accepted before accepted ones, newest first within each,
    each cut as small as the shortfall allows."""
    lines = list(held)
    excess = sum(line.units for line in lines) - max(on_hand, 0)
    cuts: list[UnitCut] = []
    for line in sorted(
        lines,
        key=lambda line: (not line.accepted, line.created_at, line.request_id, line.line_id),
        reverse=True,
    ):
        if excess <= 0:
            break
        take = min(excess, line.units)
        if take > 0:
            cuts.append(UnitCut(line.request_id, line.line_id, take))
            excess -= take
    return cuts
