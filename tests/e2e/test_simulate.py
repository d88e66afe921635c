"""``ordermesh simulate`` end to end through typer's runner: files in, decisions and KPIs out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ordermesh.entrypoints.cli import app

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
INVENTORY = "node,sku,on_hand,safety_stock\nDC-RENO,MUG-BLUE,5,0\nDC-OHIO,MUG-BLUE,1,0\n" + (
    "DC-OHIO,COASTER,10,0\nSTORE-CHI,PILLOW,3,1\nDC-RENO,PILLOW,4,0\n"
)
HEADER = (
    "order_id,created_at,channel,customer_tier,postal_code,country,service_level,sku,quantity,"
    "unit_price,tags\n"
)
ORDERS = (
    HEADER
    + """O2,2026-03-03T16:00:00+00:00,web,,60611,US,standard,PILLOW,1,,
O1,2026-03-03T15:00:00+00:00,web,vip,10001,US,standard,MUG-BLUE,2,,gift
O1,2026-03-03T15:00:00+00:00,web,vip,10001,US,standard,COASTER,1,,gift
O3,2026-03-03T17:00:00+00:00,amazon,,89502,US,expedited,MUG-PAIR,1,,
O4,2026-03-03T18:00:00+00:00,web,,94103,US,standard,SPRAY,1,,
"""
)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    inventory = tmp_path / "inventory.csv"
    inventory.write_text(INVENTORY, encoding="utf-8")
    orders = tmp_path / "orders.csv"
    orders.write_text(ORDERS, encoding="utf-8")
    return {"inventory": inventory, "orders": orders, "out": tmp_path / "decisions.jsonl"}


def arguments(files: dict[str, Path], *extra: str) -> list[str]:
    return [
        "simulate",
        "--network",
        str(NETWORK),
        "--inventory",
        str(files["inventory"]),
        "--orders",
        str(files["orders"]),
        "--out",
        str(files["out"]),
        *extra,
    ]


def simulate(files: dict[str, Path], *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, arguments(files, *extra))
    return result.exit_code, result.output


def test_simulate_writes_one_decision_per_order_in_created_at_order(
    files: dict[str, Path],
) -> None:
    code, output = simulate(files)
    assert code == 0, output
    decisions = [json.loads(line) for line in files["out"].read_text().splitlines()]
    assert [d["order_id"] for d in decisions] == ["O1", "O2", "O3", "O4"]
    first = decisions[0]
    assert first["status"] == "routed"
    shipped: dict[str, int] = {}
    for shipment in first["shipments"]:
        for line in shipment["lines"]:
            shipped[line["sku"]] = shipped.get(line["sku"], 0) + line["quantity"]
    assert shipped == {"MUG-BLUE": 2, "COASTER": 1}
    for key in ("node", "service", "zone", "shipping", "handling", "cost", "promised_date"):
        assert key in first["shipments"][0]
    assert first["explanation"]["rule_set"]["id"] == "default"
    # The hazmat spray is stocked nowhere: the whole order waits.
    assert decisions[3]["status"] == "backordered"
    assert decisions[3]["backordered"] == [{"sku": "SPRAY", "quantity": 1}]
    assert "unit fill rate" in output and "decision latency p99" in output


def test_stock_is_consumed_as_orders_are_routed(files: dict[str, Path]) -> None:
    code, output = simulate(files)
    assert code == 0, output
    decisions = [json.loads(line) for line in files["out"].read_text().splitlines()]
    taken: dict[tuple[str, str], int] = {}
    for decision in decisions:
        for shipment in decision["shipments"]:
            for line in shipment["lines"]:
                key = (shipment["node"], line["sku"])
                taken[key] = taken.get(key, 0) + line["quantity"]
    assert taken.get(("DC-RENO", "MUG-BLUE"), 0) + taken.get(("DC-OHIO", "MUG-BLUE"), 0) <= 6
    # The bundle's two mugs and two coasters fit what the first order left.
    assert decisions[2]["status"] in {"routed", "partially_backordered"}


@pytest.mark.parametrize("policy", ["ordermesh", "nearest", "priority"])
def test_json_kpis_for_every_policy(files: dict[str, Path], policy: str) -> None:
    code, output = simulate(files, "--policy", policy, "--json")
    assert code == 0, output
    figures = json.loads(output)
    assert figures["policy"] == policy
    assert figures["orders"] == 4
    assert figures["units"] == 2 + 1 + 1 + 4 + 1
    assert 0 < figures["fill_rate"] < 1
    assert figures["shipments_per_order"] > 0
    assert figures["latency_p99_ms"] >= figures["latency_p50_ms"] >= 0


def test_the_batch_policy_prints_nothing_but_json_on_standard_output(
    files: dict[str, Path],
) -> None:
    # A process of its own: HiGHS writes its banner to file descriptor 1 from C++, which
    # typer's runner would not see.
    command = [sys.executable, "-m", "ordermesh.entrypoints.cli"]
    command += arguments(files, "--policy", "ordermesh-batch", "--json")
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout)["policy"] == "ordermesh-batch"


def test_a_malformed_orders_file_is_rejected_before_routing(files: dict[str, Path]) -> None:
    files["orders"].write_text(ORDERS.replace("PILLOW,1", "PILLOW,0"), encoding="utf-8")
    code, output = simulate(files)
    assert code == 3
    assert "line 2, column quantity: must be >= 1, not 0" in output
    assert not files["out"].exists()


def test_an_unknown_policy_is_a_usage_error(files: dict[str, Path]) -> None:
    code, _ = simulate(files, "--policy", "random")
    assert code == 2


def test_a_history_file_gives_the_shadow_prices_a_forecast_before_the_first_order(
    files: dict[str, Path], tmp_path: Path
) -> None:
    """Without a history the first order has no past to forecast from, so nothing is
    priced; thirty past orders for blue mugs from New York make the six on hand scarce."""
    history = tmp_path / "history.csv"
    history.write_text(
        HEADER
        + "".join(
            f"H{i},2026-03-02T{10 + i // 6:02d}:{i % 6 * 10:02d}:00+00:00,web,,10001,US,"
            "standard,MUG-BLUE,1,,\n"
            for i in range(30)
        ),
        encoding="utf-8",
    )

    def first_priced(*extra: str) -> int:
        code, output = simulate(files, "--policy", "ordermesh-shadow", "--json", *extra)
        assert code == 0, output
        first = json.loads(files["out"].read_text(encoding="utf-8").splitlines()[0])
        return int(first["explanation"]["shadow_prices"]["priced_positions"])

    assert first_priced() == 0
    assert first_priced("--history", str(history)) > 0


def test_a_malformed_history_file_is_rejected_before_routing(
    files: dict[str, Path], tmp_path: Path
) -> None:
    history = tmp_path / "history.csv"
    history.write_text(HEADER + "H1,yesterday,web,,10001,US,standard,MUG-BLUE,1,,\n", "utf-8")
    code, _ = simulate(files, "--history", str(history))
    assert code == 3
    assert not files["out"].exists()
