"""Intake exceptions: nothing a channel sends is lost.

An order that cannot be placed as sent (an unknown or missing SKU, an address that cannot
be placed on the map, no line to ship, another currency...) is kept here with its raw
payload and the reasons, and an ``intake.exception`` event is written in the same
transaction. Someone then fixes the cause (loads a network with the SKU, say) and retries
it, which reads the stored payload again against the current network, or dismisses it
with a reason (``domain/intake.py`` draws the states).

A later delivery of the same channel order (same channel, source and external id) while
an exception is open updates that exception rather than keeping a second one, so the
retry always reads the newest payload.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace

from ordermesh.domain.errors import InvalidInput, Problem, UnknownIntakeException
from ordermesh.domain.events import Event, EventType
from ordermesh.domain.intake import IntakeStatus, check_open
from ordermesh.domain.network import Network
from ordermesh.services import orders as order_service
from ordermesh.services.allocation import current_network
from ordermesh.services.intake_ports import IntakeException, IntakeFilter, NewIntakeException
from ordermesh.services.orders import Page, PlaceOrder
from ordermesh.services.ports import DEFAULT_ROUTING, Clock, Routing, UnitOfWork

log = logging.getLogger("ordermesh.intake")

MAX_PAGE = 200

# Reads a kept payload again into an order, against the network of now; raises
# InvalidInput with the reasons when it still cannot be placed.
Intake = Callable[[IntakeException, Network], PlaceOrder]


def payload_text(body: bytes | str) -> str:
    """The raw payload as stored: text, whatever bytes came in."""
    return body if isinstance(body, str) else body.decode("utf-8", errors="replace")


def keep(
    uow: UnitOfWork,
    exception: NewIntakeException,
    clock: Clock,
) -> IntakeException:
    """Store an order that could not be placed, or refresh the open exception of the same
    channel order; the first keeping emits ``intake.exception``."""
    with uow:
        now = clock.now()
        existing = (
            uow.intake_exceptions.find_open(
                exception.channel, exception.source, exception.external_id
            )
            if exception.external_id is not None
            else None
        )
        if existing is not None:
            kept = replace(
                existing,
                topic=exception.topic,
                payload=exception.payload,
                reasons=exception.reasons,
                attempts=existing.attempts + 1,
                updated_at=now,
            )
            uow.intake_exceptions.save(kept)
        else:
            kept = uow.intake_exceptions.add(exception, now)
            uow.events.add([_event(kept)], now)
        uow.commit()
    log.warning(
        "intake exception %s kept: channel=%s source=%s topic=%s external_id=%s reasons=%s",
        kept.id,
        kept.channel,
        kept.source,
        kept.topic,
        kept.external_id,
        "; ".join(str(reason) for reason in kept.reasons),
    )
    return kept


def _event(exception: IntakeException) -> Event:
    return Event(
        EventType.INTAKE_EXCEPTION,
        None,
        {
            "intake_exception_id": exception.id,
            "channel": exception.channel,
            "source": exception.source,
            "topic": exception.topic,
            "external_id": exception.external_id,
            "reasons": [{"field": p.where, "message": p.message} for p in exception.reasons],
        },
    )


def get_exception(uow: UnitOfWork, exception_id: str) -> IntakeException:
    with uow:
        found = uow.intake_exceptions.get(exception_id)
    if found is None:
        raise UnknownIntakeException(exception_id)
    return found


def list_exceptions(
    uow: UnitOfWork,
    *,
    status: IntakeStatus | None = None,
    channel: str | None = None,
    cursor: str | None = None,
    limit: int = 50,
) -> Page[IntakeException]:
    """Exceptions newest first; pass ``next_cursor`` back for the next page."""
    order_service.check_limit(limit, MAX_PAGE)
    after = None if cursor is None else order_service.decode_cursor(cursor)
    with uow:
        found = uow.intake_exceptions.page(IntakeFilter(status, channel), after, limit + 1)
    next_cursor = None
    if len(found) > limit:
        last = found[limit - 1]
        next_cursor = order_service.encode_cursor(last.created_at, last.id)
    return Page(tuple(found[:limit]), next_cursor)


def dismiss(
    uow: UnitOfWork, exception_id: str, reason: str, clock: Clock, *, actor: str
) -> IntakeException:
    """Close an open exception without an order, saying why."""
    return _close(uow, exception_id, IntakeStatus.DISMISSED, reason, clock, actor)


def retry(
    uow: Callable[[], UnitOfWork],
    exception_id: str,
    intake: Intake,
    clock: Clock,
    *,
    actor: str,
    routing: Routing = DEFAULT_ROUTING,
) -> IntakeException:
    """Read the stored payload again and place the order: resolved with the order on
    success, still open with the new reasons otherwise. Placing is idempotent on the
    channel's order id, so a retry that placed the order and failed to record it finds
    the same order the next time."""
    with uow() as unit:
        found = unit.intake_exceptions.get(exception_id)
        if found is None:
            raise UnknownIntakeException(exception_id)
        check_open(exception_id, found.status, IntakeStatus.RESOLVED)
        network = current_network(unit)
    try:
        command = intake(found, network)
        view, _ = order_service.place_order(uow(), command, clock, actor=actor, routing=routing)
    except InvalidInput as error:
        return _still_open(uow(), exception_id, error.problems, clock)
    return _resolve(uow(), exception_id, view.id, clock, actor, "placed on retry")


def resolve_open(
    uow: UnitOfWork,
    channel: str,
    source: str,
    external_id: str,
    order_id: str,
    clock: Clock,
    *,
    actor: str,
) -> None:
    """Resolve the open exception of a channel order that a later delivery placed."""
    with uow:
        found = uow.intake_exceptions.find_open(channel, source, external_id)
    if found is not None:
        _resolve(uow, found.id, order_id, clock, actor, "placed by a later delivery")


def _locked(uow: UnitOfWork, exception_id: str) -> IntakeException:
    found = uow.intake_exceptions.get(exception_id, lock=True)
    if found is None:
        raise UnknownIntakeException(exception_id)
    return found


def _still_open(
    uow: UnitOfWork, exception_id: str, reasons: Sequence[Problem], clock: Clock
) -> IntakeException:
    with uow:
        found = _locked(uow, exception_id)
        check_open(exception_id, found.status, IntakeStatus.RESOLVED)
        kept = replace(
            found, reasons=tuple(reasons), attempts=found.attempts + 1, updated_at=clock.now()
        )
        uow.intake_exceptions.save(kept)
        uow.commit()
    log.info(
        "intake exception %s retried, still open: %s", exception_id, "; ".join(map(str, reasons))
    )
    return kept


def _resolve(
    uow: UnitOfWork, exception_id: str, order_id: str, clock: Clock, actor: str, how: str
) -> IntakeException:
    return _close(uow, exception_id, IntakeStatus.RESOLVED, how, clock, actor, order_id)


def _close(
    uow: UnitOfWork,
    exception_id: str,
    status: IntakeStatus,
    resolution: str,
    clock: Clock,
    actor: str,
    order_id: str | None = None,
) -> IntakeException:
    """Resolve (with the order it became) or dismiss an open exception; resolving one
    already resolved with the same order is a repeat and changes nothing."""
    with uow:
        found = _locked(uow, exception_id)
        if found.status is status is IntakeStatus.RESOLVED and found.order_id == order_id:
            return found
        check_open(exception_id, found.status, status)
        now = clock.now()
        closed = replace(
            found,
            status=status,
            order_id=order_id,
            resolution=resolution,
            resolved_at=now,
            resolved_by=actor,
            updated_at=now,
        )
        uow.intake_exceptions.save(closed)
        uow.commit()
    log.info(
        "intake exception %s %s by %s: %s (order %s)",
        exception_id,
        status,
        actor,
        resolution,
        order_id,
    )
    return closed
