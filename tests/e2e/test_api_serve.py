"""``ordermesh serve`` as deployed: several workers over one database racing for scarce
stock, and a server killed (SIGKILL) in the middle of a stream of orders, then restarted.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa
from api_server import (  # noqa: F401
    ApiServer,
    api_database_url,
    prepare,
    start_server,
    stop_server,
)

from ordermesh.adapters.db.engine import create_engine
from ordermesh.bootstrap import bootstrap
from ordermesh.config import Settings
from ordermesh.services import orders as order_service


@pytest.fixture(scope="module")
def keys(api_database_url: str) -> dict[str, str]:  # noqa: F811
    return prepare(api_database_url)


def _order(external_id: str, sku: str = "PILLOW") -> dict[str, Any]:
    return {
        "channel": "web",
        "external_id": external_id,
        "ship_to": {"postal_code": "60610", "country": "US"},
        "lines": [{"sku": sku, "quantity": 1}],
    }


def _headers(keys: dict[str, str], role: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {keys[role]}"}


def _reconciled(database_url: str) -> list[str]:
    application = bootstrap(Settings(database_url=database_url), migrate=False)
    try:
        return order_service.reconcile(application.uow())
    finally:
        application.close()


def _orders_per_external_id(database_url: str) -> dict[str, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT external_id, COUNT(*) FROM orders GROUP BY external_id")
            ).all()
        return {str(external_id): int(count) for external_id, count in rows}
    finally:
        engine.dispose()


@pytest.fixture
def log(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "server.log"


def test_two_workers_never_oversell_and_metrics_sum_over_workers(
    api_database_url: str,  # noqa: F811
    keys: dict[str, str],
    log: Path,
) -> None:
    process, base_url = start_server(api_database_url, log, workers=2)
    try:
        with httpx.Client(base_url=base_url, headers=_headers(keys), timeout=30) as admin:
            snapshot = {"lines": [{"sku": "PILLOW", "on_hand": 5}]}
            assert admin.post("/v1/nodes/DC-OHIO/inventory/snapshot", json=snapshot).is_success

        def submit(index: int) -> dict[str, Any]:
            with httpx.Client(base_url=base_url, headers=_headers(keys, "channel:web")) as c:
                response = c.post("/v1/orders", json=_order(f"race-{index}"), timeout=30)
            assert response.status_code == 201, response.text
            body: dict[str, Any] = response.json()
            return body

        with ThreadPoolExecutor(max_workers=12) as pool:
            placed = list(pool.map(submit, range(24)))
        shipped_units = sum(s["lines"][0]["quantity"] for o in placed for s in o["shipments"])
        waiting = sum(b["quantity"] for o in placed for b in o["backordered"])
        assert shipped_units == 5 and waiting == 19
        with httpx.Client(base_url=base_url, headers=_headers(keys), timeout=30) as admin:
            per_node = admin.get("/v1/availability", params={"sku": "PILLOW"}).json()["per_node"]
            assert per_node["DC-OHIO"] == 0
            metrics = admin.get("/metrics").text
        counted = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith("ordermesh_orders_total{")
        )
        assert counted == 24, metrics
        assert _reconciled(api_database_url) == []
    finally:
        stop_server(process)


def test_a_server_killed_mid_stream_keeps_every_acknowledged_order_once(
    api_database_url: str,  # noqa: F811
    keys: dict[str, str],
    log: Path,
) -> None:
    process, base_url = start_server(api_database_url, log)
    acknowledged: list[tuple[str, str]] = []
    stop = threading.Event()

    def stream(worker: int) -> None:
        with httpx.Client(base_url=base_url, headers=_headers(keys, "channel:web")) as c:
            for index in range(10_000):
                if stop.is_set():
                    return
                external_id = f"kill-{worker}-{index}"
                try:
                    response = c.post("/v1/orders", json=_order(external_id, "COASTER"))
                except httpx.TransportError:
                    return
                if response.is_success:
                    acknowledged.append((external_id, response.json()["id"]))

    try:
        with httpx.Client(base_url=base_url, headers=_headers(keys), timeout=30) as admin:
            snapshot = {"lines": [{"sku": "COASTER", "on_hand": 40}]}
            assert admin.post("/v1/nodes/DC-RENO/inventory/snapshot", json=snapshot).is_success
        threads = [threading.Thread(target=stream, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 30 and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait()
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        stop_server(process)
    assert len(acknowledged) >= 30

    process, base_url = start_server(api_database_url, log)
    try:
        with httpx.Client(base_url=base_url, headers=_headers(keys), timeout=30) as admin:
            for _, order_id in acknowledged:
                assert admin.get(f"/v1/orders/{order_id}").status_code == 200
        counts = _orders_per_external_id(api_database_url)
        assert all(counts[external_id] == 1 for external_id, _ in acknowledged)
        assert max(counts.values()) == 1
        assert _reconciled(api_database_url) == []
    finally:
        stop_server(process)


def test_keys_create_prints_a_key_once_that_opens_the_api(
    api_database_url: str,  # noqa: F811
    keys: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import json

    from typer.testing import CliRunner

    from ordermesh.entrypoints.cli import app

    monkeypatch.setenv("ORDERMESH_DATABASE_URL", api_database_url)
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--role", "node:DC-OHIO", "--json"])
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)["key"]
    assert key.startswith("om_")
    again = runner.invoke(app, ["keys", "create", "--role", "admin", "--if-none"])
    assert again.exit_code == 0 and "exists already" in again.output
    bad = runner.invoke(app, ["keys", "create", "--role", "root"])
    assert bad.exit_code == 2
    application = bootstrap(Settings(database_url=api_database_url), migrate=False)
    try:
        from ordermesh.entrypoints.api.api_keys import key_hash

        with application.uow() as uow:
            stored = uow.api_keys.find_active_by_hash(key_hash(key))
        assert stored is not None and stored.role == "node:DC-OHIO"
        assert key not in repr(stored)
    finally:
        application.close()
