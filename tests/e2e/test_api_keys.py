"""API keys over real HTTP and the CLI, on SQLite and PostgreSQL: listed with their last
use and never their hashes, revoked (401 from the next request on), and refused for a
channel or node the network does not have."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from api_server import ApiServer, api_database_url, api_server  # noqa: F401
from typer.testing import CliRunner

from ordermesh.entrypoints.api.api_keys import key_hash
from ordermesh.entrypoints.cli import app


def issue(server: ApiServer, role: str, label: str = "") -> dict[str, Any]:
    with server.client("admin") as client:
        response = client.post("/v1/api-keys", json={"role": role, "label": label})
    assert response.status_code == 201, response.text
    issued: dict[str, Any] = response.json()
    return issued


def listed(server: ApiServer) -> dict[str, dict[str, Any]]:
    with server.client("admin") as client:
        response = client.get("/v1/api-keys")
    assert response.status_code == 200, response.text
    return {key["id"]: key for key in response.json()["items"]}


def call_with(server: ApiServer, key: str) -> httpx.Response:
    with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {key}"}) as c:
        return c.get("/v1/network")


def test_keys_are_listed_with_their_role_and_never_their_hash(api_server: ApiServer) -> None:  # noqa: F811
    with api_server.client("admin") as client:
        text = client.get("/v1/api-keys").text
    roles = {key["role"] for key in listed(api_server).values()}
    assert set(api_server.keys) <= roles
    for key in api_server.keys.values():
        assert key not in text and key_hash(key) not in text
    assert "hash" not in text


def test_a_keys_last_use_is_recorded_at_most_once_a_minute(api_server: ApiServer) -> None:  # noqa: F811
    issued = issue(api_server, "node:DC-OHIO", "last use")
    assert listed(api_server)[issued["id"]]["last_used_at"] is None
    assert call_with(api_server, issued["key"]).status_code == 200
    first_use = listed(api_server)[issued["id"]]["last_used_at"]
    assert first_use is not None
    assert call_with(api_server, issued["key"]).status_code == 200
    assert listed(api_server)[issued["id"]]["last_used_at"] == first_use


def test_a_revoked_key_is_refused_at_once(api_server: ApiServer) -> None:  # noqa: F811
    issued = issue(api_server, "channel:amazon", "to revoke")
    assert call_with(api_server, issued["key"]).status_code == 200
    with api_server.client("admin") as client:
        revoked = client.delete(f"/v1/api-keys/{issued['id']}")
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None
    refused = call_with(api_server, issued["key"])
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthenticated"
    assert listed(api_server)[issued["id"]]["revoked_at"] == revoked.json()["revoked_at"]


def test_revoking_a_key_nobody_issued_is_404(api_server: ApiServer) -> None:  # noqa: F811
    with api_server.client("admin") as client:
        response = client.delete("/v1/api-keys/key_never_issued")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_api_key"


@pytest.mark.parametrize(
    ("role", "message"),
    [("node:DC-MARS", "no node 'DC-MARS'"), ("channel:ebay", "no channel 'ebay'")],
)
def test_a_key_for_a_node_or_channel_the_network_lacks_is_refused(
    api_server: ApiServer,  # noqa: F811
    role: str,
    message: str,
) -> None:
    before = api_server.state()
    with api_server.client("admin") as client:
        response = client.post("/v1/api-keys", json={"role": role})
    assert response.status_code == 422, response.text
    problems = response.json()["error"]["details"]["problems"]
    assert [p["where"] for p in problems] == ["role"]
    assert role in problems[0]["message"] and message in problems[0]["message"]
    assert api_server.state() == before


def test_the_cli_lists_and_revokes_keys(
    api_server: ApiServer,  # noqa: F811
    api_database_url: str,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ORDERMESH_DATABASE_URL", api_database_url)
    runner = CliRunner()
    created = runner.invoke(app, ["keys", "create", "--role", "node:DC-RENO", "--json"])
    assert created.exit_code == 0, created.output
    issued = json.loads(created.output)
    assert call_with(api_server, issued["key"]).status_code == 200

    shown = runner.invoke(app, ["keys", "list", "--json"])
    assert shown.exit_code == 0, shown.output
    items = {item["id"]: item for item in json.loads(shown.output)["items"]}
    assert items[issued["id"]]["role"] == "node:DC-RENO"
    assert items[issued["id"]]["last_used_at"] is not None
    assert issued["key"] not in shown.output and key_hash(issued["key"]) not in shown.output
    table = runner.invoke(app, ["keys", "list"])
    assert table.exit_code == 0 and issued["id"] in table.output

    revoked = runner.invoke(app, ["keys", "revoke", issued["id"], "--json"])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(revoked.output)["revoked_at"] is not None
    assert call_with(api_server, issued["key"]).status_code == 401

    unknown = runner.invoke(app, ["keys", "revoke", "key_never_issued"])
    assert unknown.exit_code == 4
    refused = runner.invoke(app, ["keys", "create", "--role", "node:DC-MARS"])
    assert refused.exit_code == 3
    assert "node:DC-MARS" in refused.output
