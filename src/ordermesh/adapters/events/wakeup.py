"""Waking the relay when events commit: LISTEN/NOTIFY on PostgreSQL, polling on SQLite.

On PostgreSQL a trigger on ``outbox_events`` (migration 0003) runs ``pg_notify`` in the
writing transaction, which PostgreSQL delivers only when that transaction commits, so a
woken relay always finds the new rows. The wait still times out after the poll interval:
retries fall due without any commit, and a lost connection must not stall delivery.
"""

from __future__ import annotations

import asyncio
import logging

import psycopg
import sqlalchemy as sa

from ordermesh.adapters.db.delivery_tables import OUTBOX_CHANNEL

log = logging.getLogger(__name__)


class Wakeup:
    def __init__(self, engine: sa.Engine) -> None:
        self._url: str | None = None
        if engine.dialect.name == "postgresql":
            self._url = engine.url.set(drivername="postgresql").render_as_string(
                hide_password=False
            )
        self._connection: psycopg.AsyncConnection[object] | None = None

    @property
    def listening(self) -> bool:
        return self._connection is not None

    async def _listen(self) -> psycopg.AsyncConnection[object] | None:
        if self._url is None:
            return None
        if self._connection is None or self._connection.closed:
            try:
                connection: psycopg.AsyncConnection[object] = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True
                )
                await connection.execute(f"LISTEN {OUTBOX_CHANNEL}")
            except psycopg.Error as error:
                log.warning("LISTEN failed, polling instead: %r", error)
                return None
            self._connection = connection
        return self._connection

    async def wait(self, timeout_s: float) -> bool:
        """Until an outbox commit is announced (True) or ``timeout_s`` passes (False)."""
        connection = await self._listen()
        if connection is None:
            await asyncio.sleep(timeout_s)
            return False
        try:
            async for _ in connection.notifies(timeout=timeout_s, stop_after=1):
                return True
        except psycopg.Error as error:
            log.warning("lost the LISTEN connection: %r", error)
            await self.close()
        return False

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None and not connection.closed:
            await connection.close()
