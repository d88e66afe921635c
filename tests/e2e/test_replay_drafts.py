"""Replaying stored orders under a draft rule set: ``POST /v1/replays`` against a real
server and ``ordermesh replay`` against the same database, on SQLite and PostgreSQL. Both
compare the draft with the live rules on the orders placed through the API, and leave
every live order, request, reservation and position as it was."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from api_server import ApiServer, api_database_url, api_server, database_state  # noqa: F401

ORDERS = 12
# Only nodes within 100 miles may ship under the draft: the Chicago orders that the live
# rules send to the Columbus DC go to the Chicago store, at 0.70 more each.
DRAFT = {"rule_sets": [{"id": "nearby", "filters": {"max_distance_miles": 100}}]}


@pytest.fixture(scope="module")
def history(api_server: ApiServer) -> ApiServer:  # noqa: F811
    with api_server.client("admin") as admin:
        for node in ("DC-RENO", "DC-OHIO", "STORE-CHI"):
            response = admin.post(
                f"/v1/nodes/{node}/inventory/snapshot",
                json={"lines": [{"sku": "MUG-BLUE", "on_hand": 50}]},
            )
            assert response.status_code == 200, response.text
    with api_server.client("channel:web") as web:
        for number in range(ORDERS):
            response = web.post(
                "/v1/orders",
                json={
                    "channel": "web",
                    "external_id": f"replay-{number}",
                    "ship_to": {"postal_code": "60610", "country": "US"},
                    "lines": [{"sku": "MUG-BLUE", "quantity": 1 + number % 2}],
                },
            )
            assert response.status_code == 201, response.text
    return api_server


def _live_state(server: ApiServer) -> dict[str, list[Any]]:
    state = server.state()
    state.pop("replay_jobs", None)
    return state


def _wait(server: ApiServer, replay_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 120
    with server.client("admin") as admin:
        while time.monotonic() < deadline:
            job: dict[str, Any] = admin.get(f"/v1/replays/{replay_id}").json()
            if job["status"] in ("done", "failed"):
                return job
            time.sleep(0.2)
    raise AssertionError(f"replay {replay_id} did not finish")


def test_a_replay_compares_the_draft_with_the_live_rules_and_changes_nothing_live(
    history: ApiServer,
) -> None:
    before = _live_state(history)
    with history.client("admin") as admin:
        started = admin.post("/v1/replays", json={"draft": DRAFT, "days": 1})
    assert started.status_code == 202, started.text
    job = _wait(history, started.json()["id"])
    assert job["status"] == "done", job["error"]
    result = job["result"]
    assert result["orders"] == ORDERS
    assert result["live"]["orders"] == result["draft"]["orders"] == ORDERS
    assert result["changed_orders"] > 0
    assert result["changed_orders"] == ORDERS
    assert {
        shipment["node"]
        for change in result["changed"]
        for shipment in change["draft"]["shipments"]
    } == {"STORE-CHI"}
    assert result["draft"]["cost_per_order"] > result["live"]["cost_per_order"]
    assert _live_state(history) == before


def test_a_draft_with_an_error_is_refused_with_the_path_of_the_bad_field(
    history: ApiServer,
) -> None:
    bad = {"rule_sets": [{"id": "near", "filters": {"max_distance_miles": -5}}]}
    with history.client("admin") as admin:
        refused = admin.post("/v1/replays", json={"draft": bad})
    assert refused.status_code == 422
    wheres = [p["where"] for p in refused.json()["error"]["details"]["problems"]]
    assert "rule_sets[0].filters.max_distance_miles" in wheres


def test_only_admin_may_replay(history: ApiServer) -> None:
    with history.client("channel:web") as web:
        assert web.post("/v1/replays", json={"draft": DRAFT}).status_code == 403


def test_the_command_line_replays_the_same_period(history: ApiServer, tmp_path: Path) -> None:
    before = _live_state(history)
    draft = tmp_path / "draft.yaml"
    draft.write_text(json.dumps(DRAFT))
    since = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86_400))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "ordermesh.entrypoints.cli",
            "replay",
            "--since",
            since,
            "--rules",
            str(draft),
            "--json",
        ],
        env={**os.environ, "ORDERMESH_DATABASE_URL": history.database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert result["orders"] == ORDERS and result["changed_orders"] > 0
    assert _live_state(history) == before
