"""Live opportunity costs end to end, on SQLite and PostgreSQL: a real ``ordermesh worker
--once`` refreshes the prices from the orders placed over HTTP, and the next order placed
against the real ``ordermesh serve`` is priced with them and names their version.

Chicago customers have bought blue mugs; DC-OHIO holds fewer than they are expected to
buy, DC-RENO plenty, so the worker's LP prices DC-OHIO's mugs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from api_server import ApiServer, api_database_url, api_server  # noqa: F401

from ordermesh.bootstrap import bootstrap
from ordermesh.config import Settings
from ordermesh.services import opportunity

HISTORY_ORDERS = 6
WORKER_TIMEOUT_S = 180.0


def snapshot(server: ApiServer, node: str, on_hand: int) -> None:
    with server.client("admin") as client:
        response = client.post(
            f"/v1/nodes/{node}/inventory/snapshot",
            json={"lines": [{"sku": "MUG-BLUE", "on_hand": on_hand}]},
        )
    assert response.status_code == 200, response.text


def place(server: ApiServer, external_id: str) -> dict[str, Any]:
    with server.client("channel:web") as client:
        response = client.post(
            "/v1/orders",
            json={
                "channel": "web",
                "external_id": external_id,
                "ship_to": {"postal_code": "60610", "country": "US"},
                "service_level": "standard",
                "lines": [{"sku": "MUG-BLUE", "quantity": 1}],
            },
        )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def run_worker_once(database_url: str, log: Path) -> None:
    env = {**os.environ, "ORDERMESH_DATABASE_URL": database_url}
    env.pop("ORDERMESH_OPPORTUNITY_REFRESH_S", None)  # the default: refreshing is on
    command = [
        sys.executable,
        "-m",
        "ordermesh.entrypoints.cli",
        "worker",
        "--once",
        "--no-partner-files",
    ]
    with log.open("ab") as sink:
        finished = subprocess.run(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, timeout=WORKER_TIMEOUT_S
        )
    assert finished.returncode == 0, log.read_text()


def test_the_worker_refreshes_prices_and_an_order_placed_over_http_is_priced_with_them(
    api_server: ApiServer,  # noqa: F811
    tmp_path: Path,
) -> None:
    snapshot(api_server, "DC-OHIO", 10)
    snapshot(api_server, "DC-RENO", 200)
    for n in range(HISTORY_ORDERS):
        assert place(api_server, f"opp-history-{n}")["explanation"]["opportunity"] is None

    log = tmp_path / "worker.log"
    run_worker_once(api_server.database_url, log)
    application = bootstrap(Settings(database_url=api_server.database_url), migrate=False)
    try:
        version = opportunity.latest(application.uow())
        assert version is not None, log.read_text()
        assert version.history_orders == HISTORY_ORDERS
        with application.uow() as uow:
            prices = uow.opportunity.prices(version.version, ["MUG-BLUE"])
    finally:
        application.close()
    assert prices.get(("DC-OHIO", "MUG-BLUE"), 0.0) > 0

    explanation = place(api_server, "opp-priced")["explanation"]
    assert explanation["opportunity"] == {
        "version": version.version,
        "computed_at": version.computed_at.isoformat(),
        "horizon_days": version.horizon_days,
    }
    # Every parcel the search weighed, chosen or not, carries its node's price from that
    # version, and DC-OHIO's is among them.
    plans = [explanation["chosen"]] + (
        [explanation["best_rejected"]["plan"]] if explanation["best_rejected"] else []
    )
    weighed = {
        shipment["node"]: shipment["penalties"]["opportunity"]
        for plan in plans
        for shipment in plan["shipments"]
    }
    assert "DC-OHIO" in weighed
    for node, penalty in weighed.items():
        assert abs(penalty - prices.get((node, "MUG-BLUE"), 0.0)) < 1e-3
