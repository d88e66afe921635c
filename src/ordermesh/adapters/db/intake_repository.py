"""The SQL intake-exception repository. Like the others, it never commits: the unit of
work owns the transaction. Ids are made here (``ixc_`` + a random UUID)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ordermesh.adapters.db.intake_tables import intake_exceptions
from ordermesh.adapters.db.keyset import older_than
from ordermesh.adapters.db.order_repository import new_id
from ordermesh.domain.errors import Problem
from ordermesh.domain.intake import IntakeStatus
from ordermesh.services.intake_ports import IntakeException, IntakeFilter, NewIntakeException


def _reasons_json(reasons: Sequence[Problem]) -> list[dict[str, str]]:
    return [{"field": p.where, "message": p.message} for p in reasons]


def _reasons(data: Any) -> tuple[Problem, ...]:
    return tuple(Problem(str(r.get("field", "")), str(r.get("message", ""))) for r in data)


def _exception(row: sa.Row[Any]) -> IntakeException:
    return IntakeException(
        id=row.id,
        channel=row.channel,
        source=row.source,
        topic=row.topic,
        external_id=row.external_id,
        payload=row.payload,
        reasons=_reasons(row.reasons),
        status=IntakeStatus(row.status),
        attempts=row.attempts,
        created_at=row.created_at,
        updated_at=row.updated_at,
        resolved_at=row.resolved_at,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
        order_id=row.order_id,
    )


class SqlIntakeExceptionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, exception: NewIntakeException, at: datetime) -> IntakeException:
        stored = IntakeException(
            id=new_id("ixc"),
            channel=exception.channel,
            source=exception.source,
            topic=exception.topic,
            external_id=exception.external_id,
            payload=exception.payload,
            reasons=exception.reasons,
            status=IntakeStatus.OPEN,
            attempts=1,
            created_at=at,
            updated_at=at,
            resolved_at=None,
            resolved_by=None,
            resolution="",
            order_id=None,
        )
        self._connection.execute(
            intake_exceptions.insert().values(
                id=stored.id,
                channel=stored.channel,
                source=stored.source,
                created_at=stored.created_at,
                **self._mutable(stored),
            )
        )
        return stored

    def get(self, exception_id: str, *, lock: bool = False) -> IntakeException | None:
        query = sa.select(intake_exceptions).where(intake_exceptions.c.id == exception_id)
        if lock:
            query = query.with_for_update()
        row = self._connection.execute(query).one_or_none()
        return None if row is None else _exception(row)

    def find_open(self, channel: str, source: str, external_id: str) -> IntakeException | None:
        c = intake_exceptions.c
        row = self._connection.execute(
            sa.select(intake_exceptions)
            .where(
                c.channel == channel,
                c.source == source,
                c.external_id == external_id,
                c.status == str(IntakeStatus.OPEN),
            )
            .order_by(c.created_at, c.id)
            .limit(1)
        ).one_or_none()
        return None if row is None else _exception(row)

    def save(self, exception: IntakeException) -> None:
        self._connection.execute(
            intake_exceptions.update()
            .where(intake_exceptions.c.id == exception.id)
            .values(**self._mutable(exception))
        )

    def of_order(self, order_id: str) -> list[IntakeException]:
        c = intake_exceptions.c
        rows = self._connection.execute(
            sa.select(intake_exceptions).where(c.order_id == order_id).order_by(c.created_at, c.id)
        ).all()
        return [_exception(row) for row in rows]

    def page(
        self, where: IntakeFilter, after: tuple[datetime, str] | None, limit: int
    ) -> list[IntakeException]:
        c = intake_exceptions.c
        query = sa.select(intake_exceptions).order_by(c.created_at.desc(), c.id.desc()).limit(limit)
        if where.status is not None:
            query = query.where(c.status == str(where.status))
        if where.channel is not None:
            query = query.where(c.channel == where.channel)
        if after is not None:
            query = query.where(older_than(c.created_at, c.id, after))
        return [_exception(row) for row in self._connection.execute(query).all()]

    @staticmethod
    def _mutable(exception: IntakeException) -> dict[str, Any]:
        return {
            "topic": exception.topic,
            "external_id": exception.external_id,
            "payload": exception.payload,
            "reasons": _reasons_json(exception.reasons),
            "status": str(exception.status),
            "attempts": exception.attempts,
            "updated_at": exception.updated_at,
            "resolved_at": exception.resolved_at,
            "resolved_by": exception.resolved_by,
            "resolution": exception.resolution,
            "order_id": exception.order_id,
        }
