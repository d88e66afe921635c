"""Webhook subscribers and dead letters (admin only); the CLI's ``ordermesh webhooks`` and
``ordermesh events`` do the same. Deliveries are signed (docs/events.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response, status
from pydantic import BaseModel, Field

from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import Request as RequestModel
from ordermesh.services import events_delivery
from ordermesh.services.events_delivery import DeadLetter, Subscriber

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])


class SubscriberIn(RequestModel):
    url: str = Field(min_length=1, max_length=2000, description="where events are POSTed")
    secret: str = Field(min_length=8, max_length=500, description="signs each delivery")
    event_types: list[str] = Field(
        default_factory=list, max_length=100, description="types or prefixes (order.*); [] all"
    )


class SubscriberOut(BaseModel):
    id: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class DeadLetterOut(BaseModel):
    id: int
    subscriber_id: str
    event_id: str
    attempts: int
    last_error: str | None
    created_at: datetime
    replayed_at: datetime | None


class ReplayOut(BaseModel):
    replayed: list[int]


def _store(request: Request) -> tuple[Application, SqlDeliveryStore]:
    application: Application = request.app.state.application
    return application, SqlDeliveryStore(application.engine)


def _subscriber_out(subscriber: Subscriber) -> SubscriberOut:
    return SubscriberOut(
        id=subscriber.id,
        url=subscriber.url,
        event_types=list(subscriber.event_types),
        active=subscriber.active,
        created_at=subscriber.created_at,
    )


def _dead_letter_out(letter: DeadLetter) -> DeadLetterOut:
    return DeadLetterOut(
        id=letter.id,
        subscriber_id=letter.subscriber_id,
        event_id=letter.event_id,
        attempts=letter.attempts,
        last_error=letter.last_error,
        created_at=letter.created_at,
        replayed_at=letter.replayed_at,
    )


@router.post(
    "/subscribers",
    response_model=SubscriberOut,
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a URL to events committed from now on",
)
def add_subscriber(request: Request, caller: CallerDep, body: SubscriberIn) -> SubscriberOut:
    caller.allow()
    application, store = _store(request)
    subscriber = events_delivery.add_subscriber(
        store, body.url, body.secret, body.event_types, application.clock
    )
    return _subscriber_out(subscriber)


@router.get("/subscribers", response_model=list[SubscriberOut], summary="Every subscriber")
def list_subscribers(request: Request, caller: CallerDep) -> list[SubscriberOut]:
    caller.allow()
    _, store = _store(request)
    return [_subscriber_out(s) for s in store.subscribers()]


@router.delete(
    "/subscribers/{subscriber_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Stop delivering to a subscriber",
)
def remove_subscriber(
    request: Request,
    caller: CallerDep,
    subscriber_id: Annotated[str, Path(min_length=1, max_length=100)],
) -> Response:
    caller.allow()
    application, store = _store(request)
    events_delivery.remove_subscriber(store, subscriber_id, application.clock)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/dead-letters",
    response_model=list[DeadLetterOut],
    summary="Deliveries that ran out of attempts",
)
def list_dead_letters(
    request: Request,
    caller: CallerDep,
    include_replayed: Annotated[bool, Query()] = False,
) -> list[DeadLetterOut]:
    caller.allow()
    _, store = _store(request)
    return [_dead_letter_out(d) for d in store.dead_letters(include_replayed)]


@router.post(
    "/dead-letters/{dead_letter_id}/replay",
    response_model=ReplayOut,
    summary="Deliver a dead letter again, with fresh attempts",
)
def replay_dead_letter(
    request: Request,
    caller: CallerDep,
    dead_letter_id: Annotated[int, Path(ge=1, le=2**62)],
) -> ReplayOut:
    caller.allow()
    application, store = _store(request)
    events_delivery.replay_dead_letter(store, dead_letter_id, application.clock)
    return ReplayOut(replayed=[dead_letter_id])
