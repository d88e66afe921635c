"""The event stream, read from the outbox in order (docs/events.md): admin only."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import EventOut, EventPage
from ordermesh.services import orders as order_service

router = APIRouter(prefix="/v1", tags=["events"])


@router.get("/events", response_model=EventPage, summary="Events with an id above `after`")
def list_events(
    request: Request,
    caller: CallerDep,
    after: Annotated[int, Query(ge=0, le=2**62, description="the last id read")] = 0,
    limit: Annotated[int, Query(ge=1, le=order_service.MAX_EVENTS_PAGE)] = 100,
) -> EventPage:
    caller.allow()
    application: Application = request.app.state.application
    events = order_service.list_events(application.read_uow(), after, limit)
    return EventPage(
        items=[
            EventOut(
                id=e.id,
                event_id=e.event_id,
                type=e.type,
                order_id=e.order_id,
                sequence=e.sequence,
                occurred_at=e.occurred_at,
                data=dict(e.data),
            )
            for e in events
        ],
        last_id=events[-1].id if events else after,
    )
