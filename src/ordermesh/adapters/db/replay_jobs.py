"""Replay jobs in SQL: one row per job, its progress and result written as it runs."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa

from ordermesh.adapters.db.order_repository import new_id
from ordermesh.adapters.db.tables import replay_jobs
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.services.ports import ReplayJob


class SqlReplayJobRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, parameters: Mapping[str, JsonValue], requested_by: str, at: datetime) -> str:
        job_id = new_id("rpl")
        self._connection.execute(
            replay_jobs.insert().values(
                id=job_id,
                status="queued",
                parameters=dict(parameters),
                done=0,
                total=0,
                requested_by=requested_by,
                created_at=at,
            )
        )
        return job_id

    def get(self, job_id: str) -> ReplayJob | None:
        row = self._connection.execute(
            sa.select(replay_jobs).where(replay_jobs.c.id == job_id)
        ).one_or_none()
        if row is None:
            return None
        return ReplayJob(
            id=row.id,
            status=row.status,
            parameters=row.parameters,
            done=row.done,
            total=row.total,
            result=row.result,
            error=row.error,
            requested_by=row.requested_by,
            created_at=row.created_at,
            finished_at=row.finished_at,
        )

    def progress(self, job_id: str, done: int, total: int) -> None:
        self._connection.execute(
            replay_jobs.update()
            .where(replay_jobs.c.id == job_id)
            .values(status="running", done=done, total=total)
        )

    def finish(
        self,
        job_id: str,
        at: datetime,
        result: Mapping[str, JsonValue] | None,
        error: str | None,
    ) -> None:
        self._connection.execute(
            replay_jobs.update()
            .where(replay_jobs.c.id == job_id)
            .values(
                status="failed" if error is not None else "done",
                result=None if result is None else dict(result),
                error=error,
                finished_at=at,
            )
        )
