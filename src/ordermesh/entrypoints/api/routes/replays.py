"""Replays of stored orders under a draft rule set (admin), run in the background."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request, status
from pydantic import BaseModel, Field

from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.entrypoints import rule_drafts
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.services import replays
from ordermesh.services.ports import ReplayJob

router = APIRouter(prefix="/v1/replays", tags=["replays"])


class ReplayIn(BaseModel):
    draft: dict[str, Any] = Field(
        description='a rule-set document: `{"rule_sets": [...]}` as in the network document'
    )
    since: datetime | None = Field(None, description="start of the period (with a time zone)")
    until: datetime | None = Field(None, description="end of the period, exclusive")
    days: int = Field(7, ge=1, le=366, description="the last N days, when `since` is absent")


class ReplayOut(BaseModel):
    id: str
    status: str = Field(description="queued, running, done or failed")
    done: int
    total: int
    parameters: dict[str, Any]
    result: dict[str, Any] | None = Field(
        None, description="`orders`, `live` and `draft` KPIs, `changed_orders`, `changed[]`"
    )
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def replay_out(job: ReplayJob) -> ReplayOut:
    return ReplayOut(
        id=job.id,
        status=job.status,
        done=job.done,
        total=job.total,
        parameters=dict(job.parameters),
        result=None if job.result is None else dict(job.result),
        error=job.error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


@router.post(
    "",
    response_model=ReplayOut,
    status_code=status.HTTP_202_ACCEPTED,
    summary="Replay the stored orders of a period under a draft rule set, beside the live rules",
)
def post_replay(request: Request, caller: CallerDep, body: ReplayIn) -> ReplayOut:
    caller.allow()
    application: Application = request.app.state.application
    for name, value in (("since", body.since), ("until", body.until)):
        if value is not None and value.utcoffset() is None:
            raise InvalidInput("replay", [Problem(name, "must carry a time zone")])
    since = body.since or application.clock.now() - timedelta(days=body.days)
    job_id = rule_drafts.start_replay(application, body.draft, since, body.until, caller.actor)
    return replay_out(replays.get_job(application.read_uow(), job_id))


@router.get("/{replay_id}", response_model=ReplayOut, summary="A replay's progress and result")
def get_replay(request: Request, caller: CallerDep, replay_id: str) -> ReplayOut:
    caller.allow()
    application: Application = request.app.state.application
    return replay_out(replays.get_job(application.read_uow(), replay_id))
