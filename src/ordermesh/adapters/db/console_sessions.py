"""Console sessions in SQL: a row per sign-in, keyed by the SHA-256 of the cookie's token."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ordermesh.adapters.db.tables import api_keys, console_sessions
from ordermesh.services.ports import ConsoleSession


class SqlConsoleSessionRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(
        self, token_hash: str, key_id: str, csrf_token: str, at: datetime, expires_at: datetime
    ) -> None:
        self._connection.execute(
            console_sessions.insert().values(
                token_hash=token_hash,
                key_id=key_id,
                csrf_token=csrf_token,
                created_at=at,
                expires_at=expires_at,
            )
        )

    def active(self, token_hash: str, at: datetime) -> ConsoleSession | None:
        s, k = console_sessions.c, api_keys.c
        row = self._connection.execute(
            sa.select(s.token_hash, s.key_id, k.role, s.csrf_token, s.created_at, s.expires_at)
            .join(api_keys, k.id == s.key_id)
            .where(
                s.token_hash == token_hash,
                s.ended_at.is_(None),
                s.expires_at > at,
                k.revoked_at.is_(None),
            )
        ).one_or_none()
        if row is None:
            return None
        return ConsoleSession(
            token_hash=row.token_hash,
            key_id=row.key_id,
            role=row.role,
            csrf_token=row.csrf_token,
            created_at=row.created_at,
            expires_at=row.expires_at,
        )

    def end(self, token_hash: str, at: datetime) -> None:
        s = console_sessions.c
        self._connection.execute(
            console_sessions.update()
            .where(s.token_hash == token_hash, s.ended_at.is_(None))
            .values(ended_at=at)
        )
