"""What the intake-exception service needs from storage: the record of an order a channel
sent that could not be placed, and its repository (``adapters/db/intake_repository``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ordermesh.domain.errors import Problem
from ordermesh.domain.intake import IntakeStatus


@dataclass(frozen=True, slots=True)
class NewIntakeException:
    channel: str
    source: str  # an ``IntakeSource``: who reads ``payload`` again on a retry
    topic: str | None  # what the delivery asked for (Shopify: ``orders/create``...)
    external_id: str | None  # the channel's order id, when the payload had one
    payload: str  # the raw body as received (UTF-8; undecodable bytes replaced)
    reasons: tuple[Problem, ...]


@dataclass(frozen=True, slots=True)
class IntakeException:
    id: str
    channel: str
    source: str
    topic: str | None
    external_id: str | None
    payload: str
    reasons: tuple[Problem, ...]
    status: IntakeStatus
    attempts: int  # intakes tried: the first, then one per retry
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None  # when it was resolved or dismissed
    resolved_by: str | None
    resolution: str  # the dismissal's reason, or how it was resolved
    order_id: str | None  # the order it became


@dataclass(frozen=True, slots=True)
class IntakeFilter:
    status: IntakeStatus | None = None
    channel: str | None = None


class IntakeExceptionRepository(Protocol):
    def add(self, exception: NewIntakeException, at: datetime) -> IntakeException: ...

    def get(self, exception_id: str, *, lock: bool = False) -> IntakeException | None: ...

    def find_open(self, channel: str, source: str, external_id: str) -> IntakeException | None:
        """The open exception of this channel order, if one is kept."""
        ...

    def save(self, exception: IntakeException) -> None:
        """Write everything but the id, channel, source and creation time."""
        ...

    def of_order(self, order_id: str) -> list[IntakeException]:
        """The exceptions that became this order (resolved by a retry)."""
        ...

    def page(
        self, where: IntakeFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[IntakeException]:
        """Newest first by (created_at, id), strictly after the cursor ``after``."""
        ...
