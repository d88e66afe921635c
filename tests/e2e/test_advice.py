"""Positioning advice end to end, on SQLite and PostgreSQL: orders placed over HTTP are
the history, and ``GET /v1/advice/transfers`` and ``ordermesh advise transfers`` give the
same advice. Chicago's mugs ship from Reno at zone 7; Columbus is zone 3 from Chicago and
close enough to Reno's surplus by truck, so the mugs should move there."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
from api_server import ApiServer, api_database_url, api_server  # noqa: F401

ORDERS = 10


@pytest.fixture(scope="module")
def history(api_server: ApiServer) -> ApiServer:  # noqa: F811
    with api_server.client("admin") as admin:
        response = admin.post(
            "/v1/nodes/DC-RENO/inventory/snapshot",
            json={"lines": [{"sku": "MUG-BLUE", "on_hand": 300}]},
        )
        assert response.status_code == 200, response.text
    with api_server.client("channel:web") as web:
        for number in range(ORDERS):
            response = web.post(
                "/v1/orders",
                json={
                    "channel": "web",
                    "external_id": f"advice-{number}",
                    "ship_to": {"postal_code": "60610", "country": "US"},
                    "lines": [{"sku": "MUG-BLUE", "quantity": 4}],
                },
            )
            assert response.status_code == 201, response.text
    return api_server


def _cli(server: ApiServer, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ordermesh.entrypoints.cli", "advise", "transfers", *arguments],
        env={**os.environ, "ORDERMESH_DATABASE_URL": server.database_url},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _first(advice: dict[str, Any]) -> tuple[str, str, str, int]:
    transfer = advice["transfers"][0]
    return (transfer["sku"], transfer["from_node"], transfer["to_node"], transfer["units"])


def test_the_api_advises_moving_reno_mugs_towards_chicago(history: ApiServer) -> None:
    with history.client("admin") as admin:
        response = admin.get("/v1/advice/transfers", params={"days": 7, "top": 5})
    assert response.status_code == 200, response.text
    advice = response.json()
    assert advice["orders"] == ORDERS and advice["history_days"] == 7
    # 40 mugs in 7 days are 80 over the 14-day horizon; Reno has 260 free.
    assert _first(advice) == ("MUG-BLUE", "DC-RENO", "DC-OHIO", 80)
    assert advice["transfers"][0]["expected_saving"] > 0
    assert advice["assumptions"]


def test_the_api_refuses_a_history_of_no_days(history: ApiServer) -> None:
    with history.client("admin") as admin:
        assert admin.get("/v1/advice/transfers", params={"days": 0}).status_code == 422


def test_the_command_line_gives_the_same_advice(history: ApiServer) -> None:
    with history.client("admin") as admin:
        api = admin.get("/v1/advice/transfers", params={"days": 7, "top": 1}).json()
    completed = _cli(history, "--days", "7", "--top", "1", "--json")
    assert completed.returncode == 0, completed.stderr
    cli = json.loads(completed.stdout)
    assert cli["transfers"] == api["transfers"]
    table = _cli(history, "--days", "7")
    assert table.returncode == 0, table.stderr
    assert "DC-OHIO" in table.stdout and "80" in table.stdout


def test_the_command_line_exits_3_on_a_bad_option(history: ApiServer) -> None:
    completed = _cli(history, "--top", "0", "--json")
    assert completed.returncode == 3
    assert json.loads(completed.stdout)["error"] == "InvalidInput"
