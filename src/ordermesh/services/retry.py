"""Retrying a unit of work that lost a race with a concurrent writer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ordermesh.domain.errors import ConcurrentUpdate, StaleInventory

T = TypeVar("T")

ATTEMPTS = 20


def retry_when_stale(work: Callable[[], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work`` again (re-reading everything) when a concurrent writer got there first:
    a position moved under a compare-and-set, or the database broke a deadlock.

    Each attempt is a whole new transaction, so it plans from fresh positions.
    """
    for _ in range(attempts - 1):
        try:
            return work()
        except (StaleInventory, ConcurrentUpdate):
            continue
    return work()
