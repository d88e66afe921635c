"""One queue of what needs a person: units waiting for stock, requests nodes rejected, and
event deliveries that ran out of attempts. Each item says what happens next on its own
(backorders and rejections re-route by themselves) or what a person can do (replay a
dead letter). The console's Exceptions page reads this."""

from __future__ import annotations

from dataclasses import dataclass

from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.services.events_delivery import DeadLetter, DeliveryStore
from ordermesh.services.network import current_network
from ordermesh.services.ports import BackorderEntry, FulfillmentRequest, UnitOfWork

LIMIT = 200


@dataclass(frozen=True, slots=True)
class ExceptionQueue:
    backorders: tuple[BackorderEntry, ...]  # by priority, then age: the order they fill in
    rejections: tuple[FulfillmentRequest, ...]  # newest first
    dead_letters: tuple[DeadLetter, ...]

    @property
    def count(self) -> int:
        return len(self.backorders) + len(self.rejections) + len(self.dead_letters)


def exception_queue(uow: UnitOfWork, deliveries: DeliveryStore) -> ExceptionQueue:
    network = current_network(uow).network
    with uow:
        waiting = uow.orders.waiting_for(network.skus)
        rejected = uow.orders.requests_at(network.nodes, [RequestStatus.REJECTED])
    return ExceptionQueue(
        backorders=tuple(waiting[:LIMIT]),
        rejections=tuple(sorted(rejected, key=lambda r: r.updated_at, reverse=True)[:LIMIT]),
        dead_letters=tuple(deliveries.dead_letters()[:LIMIT]),
    )
