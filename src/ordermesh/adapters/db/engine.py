"""Engines for the two supported databases: SQLite (one file, one host) and PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url

# Long enough that a writer queued behind a burst of reservations waits rather than fails;
# a lock held this long means something is stuck, and then failing is the right answer.
SQLITE_BUSY_TIMEOUT_MS = 30_000

# The execution option a read-only unit of work sets on its connection: its transactions
# then take no write lock on SQLite and are READ ONLY on PostgreSQL.
READ_ONLY = "ordermesh_read_only"


def is_read_only(connection: sa.Connection) -> bool:
    return bool(connection.get_execution_options().get(READ_ONLY, False))


def normalize_url(url: str | URL) -> URL:
    """Pin PostgreSQL to psycopg 3, the only PostgreSQL driver ordermesh installs.

    A bare ``postgresql://`` would make SQLAlchemy look for psycopg2.
    """
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine(url: str | URL, **kwargs: Any) -> sa.Engine:
    """An engine for ``url``; extra keyword arguments go to ``sqlalchemy.create_engine``."""
    parsed = normalize_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(parsed, **kwargs)
    # pool_pre_ping stays, deliberately. It costs one round trip per checkout, measured at
    # 30-120 us wall and 15-40 us of client CPU on a local socket, against 15-20 ms of
    # server CPU per order: 1-2 % at most. Without it, a connection broken while pooled
    # (a PostgreSQL restart or failover, a proxy's idle timeout) is found only when a
    # request uses it, and that request fails; ``pool_recycle`` would cover idle timeouts
    # but not restarts. Not worth a failed order after every database restart.
    engine = sa.create_engine(parsed, pool_pre_ping=True, **kwargs)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        # The first statement of the transaction, so it applies to the whole of it; a write
        # in it then fails at once instead of committing from a path meant only to read.
        if is_read_only(connection):
            connection.exec_driver_sql("SET TRANSACTION READ ONLY")

    return engine


def _sqlite_engine(url: URL, **kwargs: Any) -> sa.Engine:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take BEGIN away from the sqlite3 module, which would issue a deferred BEGIN only
        # before DML; the "begin" hook below issues BEGIN IMMEDIATE instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first, so that switching to WAL waits for a concurrent connection
            # instead of failing with "database is locked".
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: sa.Connection) -> None:
        read_only = is_read_only(connection)
        # query_only makes a write in a read-only transaction fail at once rather than try
        # to upgrade its lock; it belongs to the connection, so it is switched only when the
        # kind of transaction changes, not on every BEGIN.
        info = connection.connection.info
        if info.get(READ_ONLY, False) != read_only:
            connection.exec_driver_sql(f"PRAGMA query_only={int(read_only)}")
            info[READ_ONLY] = read_only
        if read_only:
            # Deferred: in WAL mode a reader takes no write lock and reads the last committed
            # snapshot, so it never queues behind the writer routing an order.
            connection.exec_driver_sql("BEGIN")
        else:
            # A deferred transaction that reads and then writes must upgrade its lock, and
            # SQLite fails such an upgrade at once with SQLITE_BUSY (busy_timeout does not
            # apply) when another writer got there first. Taking the write lock at BEGIN
            # makes concurrent writers queue on busy_timeout instead.
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine
