"""A real ``ordermesh serve`` subprocess on a free 127.0.0.1 port, for HTTP end-to-end tests.

One server per test module and database (SQLite and the embedded PostgreSQL): starting
uvicorn costs about a second, so tests in a module share it and keep to their own data
(fresh order ids, their own SKUs or nodes). Import the fixtures into a test module::

    from api_server import ApiServer, api_database_url, api_server  # noqa: F401

The server is started against a migrated database holding the small test network and an
API key per role of the access matrix, waits until ``/readyz`` answers 200, and is
terminated (then killed, if need be) after the module.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import make_url

from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import upgrade
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.bootstrap import bootstrap
from ordermesh.config import Settings
from ordermesh.entrypoints.api.api_keys import create_key
from ordermesh.services import network as network_service

DATA = Path(__file__).parent.parent / "data"
NETWORK = DATA / "network_small.yaml"

# A ship-to with every field a label needs: what the recipient tests place and look for.
FULL_ADDRESS = {
    "postal_code": "60610",
    "country": "US",
    "name": "Ada Lovelace",
    "company": "Analytical Engines Ltd",
    "address1": "1600 N Clark St",
    "address2": "Apt 3",
    "city": "Chicago",
    "region": "IL",
    "phone": "+1 312 555 0100",
    "email": "ada@example.com",
}

# The roles of the access matrix: a key for each, plus no key and a key nobody issued.
ROLES = ("admin", "channel:web", "channel:amazon", "node:DC-RENO", "node:DC-OHIO")
# Generous: on a loaded machine importing the app alone can take tens of seconds.
STARTUP_TIMEOUT_S = float(os.environ.get("ORDERMESH_TEST_STARTUP_TIMEOUT_S", "120"))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(
    scope="module",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def api_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A fresh, migrated database for one test module, once per supported database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'ordermesh.sqlite3'}"
        upgrade(url)
        yield url
        return
    server_url: str = request.getfixturevalue("postgres_server_url")
    name = f"ordermesh_api_{uuid.uuid4().hex[:16]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class ApiServer:
    base_url: str
    database_url: str
    keys: dict[str, str] = field(default_factory=dict)
    log: Path | None = None

    def client(self, role: str | None = "admin", **kwargs: Any) -> httpx.Client:
        """A client sending the key of ``role`` (None: no key; "bad": a key never issued)."""
        headers = dict(kwargs.pop("headers", {}))
        if role == "bad":
            headers["Authorization"] = "Bearer om_this-key-was-never-issued"
        elif role is not None:
            headers["Authorization"] = f"Bearer {self.keys[role]}"
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30.0, **kwargs)

    def state(self) -> dict[str, list[Any]]:
        return database_state(self.database_url)


# A refused request still used its key: the key's last use is not what it must leave alone.
BOOKKEEPING = {("api_keys", "last_used_at")}


def database_state(database_url: str) -> dict[str, list[Any]]:
    """Every row of every table: what a refused request must leave untouched."""
    engine = create_engine(database_url)
    try:
        metadata = sa.MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            return {
                name: sorted(
                    map(
                        tuple,
                        connection.execute(
                            sa.select(*(c for c in table.c if (name, c.name) not in BOOKKEEPING))
                        ).all(),
                    ),
                    key=repr,
                )
                for name, table in sorted(metadata.tables.items())
                if name != "alembic_version"
            }
    finally:
        engine.dispose()


def prepare(database_url: str) -> dict[str, str]:
    """Load the small network and issue one key per role."""
    application = bootstrap(Settings(database_url=database_url))
    try:
        document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
        network_service.load_network(
            application.uow(), document, checksum(document), application.clock
        )
        return {role: create_key(application, role, label=f"e2e {role}") for role in ROLES}
    finally:
        application.close()


def start_server(
    database_url: str, log: Path, workers: int = 1
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ORDERMESH_DATABASE_URL": database_url}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [
        sys.executable,
        "-m",
        "ordermesh.entrypoints.cli",
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    wait_ready(process, base_url, log)
    return process, base_url


def wait_ready(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    with httpx.Client(base_url=base_url, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {process.returncode}:\n{log.read_text()}"
                )
            try:
                if client.get("/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)
    stop_server(process)
    raise RuntimeError(f"the server was not ready within {STARTUP_TIMEOUT_S} s:\n{log.read_text()}")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def api_server(
    api_database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ApiServer]:
    keys = prepare(api_database_url)
    log = tmp_path_factory.mktemp("server") / "server.log"
    process, base_url = start_server(api_database_url, log)
    try:
        yield ApiServer(base_url=base_url, database_url=api_database_url, keys=keys, log=log)
    finally:
        stop_server(process)
