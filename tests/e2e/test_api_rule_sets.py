"""``GET /v1/rule-sets`` over real HTTP: each rule set with its active window, on the
network's clock, and whether that window is live, scheduled or ended now."""

from __future__ import annotations

import json

import yaml
from api_server import NETWORK, ApiServer, api_database_url, api_server  # noqa: F401

RULE_SETS = [
    {"id": "last-summer", "active": {"until": "2020-09-01"}},
    {"id": "far-future", "active": {"from": "2999-11-27", "until": "2999-12-01T18:00"}},
    {"id": "everyday"},
]


def test_rule_sets_carry_their_window_and_whether_it_is_live_now(
    api_server: ApiServer,  # noqa: F811
) -> None:
    document = yaml.safe_load(NETWORK.read_text())
    document.update(timezone="America/Chicago", rule_sets=RULE_SETS)
    with api_server.client("admin") as client:
        loaded = client.put("/v1/network", json=json.loads(json.dumps(document, default=str)))
        assert loaded.status_code == 201, loaded.text
    with api_server.client("channel:web") as client:
        response = client.get("/v1/rule-sets")
    assert response.status_code == 200, response.text
    views = response.json()["rule_sets"]
    assert [(v["id"], v["state"]) for v in views] == [
        ("last-summer", "ended"),
        ("far-future", "scheduled"),
        ("everyday", "live"),
    ]
    assert views[0]["active"] == {"from": None, "until": "2020-09-01T00:00:00-05:00"}
    assert views[1]["active"] == {
        "from": "2999-11-27T00:00:00-06:00",
        "until": "2999-12-01T18:00:00-06:00",
    }
    assert views[2]["active"] == {"from": None, "until": None}
