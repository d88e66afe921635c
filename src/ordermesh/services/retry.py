"""Retrying a unit of work that lost a race with a concurrent writer, or that handed back
slow work to run once its transaction is over."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from ordermesh.domain.errors import ConcurrentUpdate, StaleInventory

T = TypeVar("T")

ATTEMPTS = 8


class Deferred(Exception):
    """Raised inside a unit of work by slow work that needs nothing its transaction holds
    (a solver's run on what the transaction read): ``retrying`` runs ``work`` after the
    unit of work has rolled back, then runs the unit of work again. Whoever raises it
    bounds how often, since it spends no attempt."""

    def __init__(self, work: Callable[[], None]) -> None:
        super().__init__("work deferred until the unit of work has rolled back")
        self.work = work


def retrying(work: Callable[[bool], T], attempts: int = ATTEMPTS) -> T:
    """Run ``work(lock_positions)`` again, each time as a whole new transaction that
    re-reads everything, while it loses races: a position moved under a compare-and-set,
    a reservation was refused, or the database broke a deadlock. The final attempt is told
    to lock the positions it reads, so it cannot lose again. A ``Deferred`` is run between
    two runs of ``work``, with no transaction open."""
    attempt = 0
    while True:
        last = attempt == attempts - 1
        try:
            return work(last)
        except Deferred as deferred:
            # Leaving its ``with`` block rolled the unit of work back: no lock is held now.
            deferred.work()
        except (StaleInventory, ConcurrentUpdate):
            if last:
                raise
            attempt += 1
