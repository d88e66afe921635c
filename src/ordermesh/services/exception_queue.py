"""One queue of what needs a person: units waiting for stock, requests nodes rejected,
event deliveries that ran out of attempts, X12 documents a partner's 997 rejected, and
positions holding more reserved than on hand. Each item says what happens next on its own
(backorders and rejections re-route by themselves) or what a person can do (replay a dead
letter). Intake exceptions are listed by ``intake_exceptions.list_exceptions``, which a
channel may see too. The console's Exceptions page reads this."""

from __future__ import annotations

from dataclasses import dataclass

from ordermesh.domain.availability import Position
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.services.events_delivery import DeadLetter, DeliveryStore
from ordermesh.services.network import current_network
from ordermesh.services.partner_files import partner_documents
from ordermesh.services.partner_ports import AckStatus, DocumentEntry, PartnerPorts
from ordermesh.services.ports import BackorderEntry, FulfillmentRequest, UnitOfWork

LIMIT = 200


@dataclass(frozen=True, slots=True)
class ExceptionQueue:
    backorders: tuple[BackorderEntry, ...]  # by priority, then age: the order they fill in
    rejections: tuple[FulfillmentRequest, ...]  # newest first
    dead_letters: tuple[DeadLetter, ...]
    rejected_documents: tuple[DocumentEntry, ...] = ()  # newest first
    over_reserved: tuple[Position, ...] = ()  # by node, then SKU

    @property
    def count(self) -> int:
        return (
            len(self.backorders)
            + len(self.rejections)
            + len(self.dead_letters)
            + len(self.rejected_documents)
            + len(self.over_reserved)
        )


def exception_queue(
    uow: UnitOfWork, deliveries: DeliveryStore, partners: PartnerPorts
) -> ExceptionQueue:
    network = current_network(uow).network
    with uow:
        waiting = uow.orders.waiting_for(network.skus)
        rejected = uow.orders.requests_at(network.nodes, [RequestStatus.REJECTED])
        over = [p for p in uow.inventory.positions() if p.reserved > p.on_hand]
    documents = [d for d in partner_documents(partners) if d.ack_status is AckStatus.REJECTED]
    return ExceptionQueue(
        backorders=tuple(waiting[:LIMIT]),
        rejections=tuple(sorted(rejected, key=lambda r: r.updated_at, reverse=True)[:LIMIT]),
        dead_letters=tuple(deliveries.dead_letters()[:LIMIT]),
        rejected_documents=tuple(reversed(documents))[:LIMIT],
        over_reserved=tuple(sorted(over, key=lambda p: (p.node_id, p.sku))[:LIMIT]),
    )
