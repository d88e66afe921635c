"""Retrying a unit of work that lost a race with a concurrent writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ordermesh.domain.errors import ConcurrentUpdate, StaleInventory

T = TypeVar("T")

ATTEMPTS = 8


def retrying(work: Callable[[bool], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work(lock_positions)`` again, each time as a whole new transaction that
    re-reads everything, while it loses races: a position moved under a compare-and-set,
    a reservation was refused, or the database broke a deadlock. The final attempt is told
    to lock the positions it reads, so it cannot lose again."""
    for attempt in range(attempts):
        last = attempt == attempts - 1
        try:
            return work(last)
        except (StaleInventory, ConcurrentUpdate):
            if last:
                raise
    raise AssertionError("unreachable")
