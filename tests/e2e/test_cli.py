"""The CLI end to end, on a real database (SQLite and PostgreSQL), through typer's runner."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from ordermesh.bootstrap import bootstrap
from ordermesh.config import Settings
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, Recipient, ShipTo
from ordermesh.entrypoints.cli import app
from ordermesh.services import orders
from ordermesh.services.orders import PlaceOrder

DATA = Path(__file__).parent.parent / "data"
NETWORK = DATA / "network_small.yaml"


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("ORDERMESH_DATABASE_URL", database_url)
    yield CliRunner()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == code, result.output
    return result.output


def run_json(cli: CliRunner, *args: str, code: int = 0) -> Any:
    return json.loads(run(cli, *args, "--json", code=code))


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(path)


def database_state(database_url: str) -> dict[str, Any]:
    """Everything a bad input must leave untouched."""
    from ordermesh.adapters.db.engine import create_engine

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {
                table: connection.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1, 2")).all()
                for table in ("network_versions", "inventory_positions", "inventory_journal")
            }
    finally:
        engine.dispose()


GOOD_STOCK = (
    "node,sku,on_hand,safety_stock\nDC-RENO,MUG-BLUE,10,2\nDC-RENO,COASTER,30,0\n"
    "DC-OHIO,MUG-BLUE,3,0\nSTORE-CHI,MUG-BLUE,5,1\nSTORE-CHI,COASTER,1,0\n"
    "STORE-OLD,MUG-BLUE,50,0\n"
)


@pytest.fixture
def loaded(cli: CliRunner, tmp_path: Path) -> CliRunner:
    run(cli, "network", "load", str(NETWORK))
    run(cli, "inventory", "load", write(tmp_path, "stock.csv", GOOD_STOCK))
    return cli


def test_availability_after_loading_network_and_stock(loaded: CliRunner) -> None:
    result = run_json(loaded, "availability", "MUG-BLUE")
    # DC-RENO 10-2, DC-OHIO 3, STORE-CHI 5-1; the disabled store's 50 do not count
    assert result["network_ats"] == 15
    assert result["per_node"] == {"DC-OHIO": 3, "DC-RENO": 8, "STORE-CHI": 4, "STORE-OLD": 50}


def test_a_channel_sees_less_than_the_network_holds(loaded: CliRunner) -> None:
    result = run_json(loaded, "availability", "MUG-BLUE", "--channel", "amazon")
    # amazon's MUG-BLUE buffer is 1 unit at every node
    assert result["per_node"] == {"DC-OHIO": 2, "DC-RENO": 7, "STORE-CHI": 3, "STORE-OLD": 49}


def test_bundle_availability_follows_its_components(loaded: CliRunner) -> None:
    result = run_json(loaded, "availability", "MUG-PAIR", "--node", "DC-RENO")
    assert result["per_node"] == {"DC-RENO": 4}  # 8 mugs / 2, 30 coasters / 2


def test_the_table_output_names_each_node(loaded: CliRunner) -> None:
    output = run(loaded, "availability", "MUG-BLUE")
    assert "15 available to sell" in output
    assert "STORE-CHI" in output


def test_the_same_snapshot_twice_writes_no_journal_lines(
    loaded: CliRunner, tmp_path: Path, database_url: str
) -> None:
    before = database_state(database_url)
    report = run_json(loaded, "inventory", "load", write(tmp_path, "again.csv", GOOD_STOCK))
    assert report["discrepancies"] == []
    assert database_state(database_url) == before


def test_a_snapshot_reports_discrepancies_against_what_was_held(
    loaded: CliRunner, tmp_path: Path
) -> None:
    recount = "node,sku,on_hand\nDC-RENO,MUG-BLUE,7\nDC-RENO,COASTER,30\n"
    report = run_json(loaded, "inventory", "load", write(tmp_path, "count.csv", recount))
    assert report["discrepancies"] == [
        {"node": "DC-RENO", "sku": "MUG-BLUE", "held": 10, "counted": 7}
    ]
    assert run_json(loaded, "availability", "MUG-BLUE", "--node", "DC-RENO")["network_ats"] == 5


def test_an_adjustment_moves_on_hand_and_is_journaled(loaded: CliRunner, database_url: str) -> None:
    run(loaded, "inventory", "adjust", "DC-OHIO", "MUG-BLUE", "5", "--reason", "receipt")
    assert run_json(loaded, "availability", "MUG-BLUE", "--node", "DC-OHIO")["network_ats"] == 8
    journal = database_state(database_url)["inventory_journal"]
    assert journal[-1].reason == "receipt"


BAD_STOCK_FILES = {
    "wrong type": b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,COASTER,many\n",
    "unknown node": b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-MARS,COASTER,1\n",
    "unknown sku": b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,SAUCER,1\n",
    "negative": b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,COASTER,-1\n",
    "duplicate": b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,MUG-BLUE,2\n",
    "missing column": b"node,sku\nDC-RENO,MUG-BLUE\n",
    "empty": b"",
    "not utf-8": b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,COASTER\xff,1\n",
}


@pytest.mark.parametrize("case", sorted(BAD_STOCK_FILES))
def test_a_bad_inventory_file_is_rejected_whole_and_changes_nothing(
    case: str, loaded: CliRunner, tmp_path: Path, database_url: str
) -> None:
    before = database_state(database_url)
    path = write(tmp_path, "bad.csv", BAD_STOCK_FILES[case])
    error = run_json(loaded, "inventory", "load", path, code=3)
    assert error["error"] == "InvalidInventory"
    assert error["problems"][0]["where"].startswith("line ")
    assert database_state(database_url) == before


BAD_NETWORKS = {
    "wrong type": ("skus[0].weight_lb", "weight_lb: 1.1", "weight_lb: heavy"),
    "negative": ("nodes[0].handling.per_unit", "per_unit: 0.30}", "per_unit: -0.30}"),
    "duplicate id": ("nodes[1].id", "id: DC-OHIO", "id: DC-RENO"),
    "unknown sku": (
        "bundles[0].components[1].sku",
        "{sku: COASTER, quantity: 2}",
        "{sku: SAUCER, quantity: 2}",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_NETWORKS))
def test_a_bad_network_document_is_rejected_and_changes_nothing(
    case: str, loaded: CliRunner, tmp_path: Path, database_url: str
) -> None:
    where, good, bad = BAD_NETWORKS[case]
    text = NETWORK.read_text()
    assert good in text
    before = database_state(database_url)
    path = write(tmp_path, "bad.yaml", text.replace(good, bad, 1))
    error = run_json(loaded, "network", "load", path, code=3)
    assert where in [p["where"] for p in error["problems"]]
    assert database_state(database_url) == before


def test_validate_lists_problems_with_their_paths(cli: CliRunner, tmp_path: Path) -> None:
    path = write(
        tmp_path, "bad.yaml", NETWORK.read_text().replace("per_unit: 0.30}", "per_unit: -1}", 1)
    )
    output = run(cli, "network", "validate", path, code=3)
    assert "nodes[0].handling.per_unit: must be >= 0" in output


def test_validate_refuses_a_rule_set_window_that_ends_before_it_starts(
    cli: CliRunner, tmp_path: Path
) -> None:
    window = "rule_sets:\n  - id: peak\n    active: {from: 2026-12-01, until: 2026-11-27}\n"
    path = write(tmp_path, "peak.yaml", NETWORK.read_text() + window)
    output = run(cli, "network", "validate", path, code=3)
    assert "rule_sets[0].active.until: must be later than from" in output


def test_loading_the_same_network_twice_keeps_one_version(cli: CliRunner) -> None:
    assert run_json(cli, "network", "load", str(NETWORK)) == {"version": 1, "created": True}
    assert run_json(cli, "network", "load", str(NETWORK)) == {"version": 1, "created": False}


def test_inventory_needs_a_network_first(cli: CliRunner, tmp_path: Path) -> None:
    error = run_json(cli, "inventory", "load", write(tmp_path, "s.csv", GOOD_STOCK), code=4)
    assert error["error"] == "NetworkNotLoaded"


def test_unknown_items_and_nodes_are_not_found(loaded: CliRunner) -> None:
    assert run_json(loaded, "availability", "SAUCER", code=4)["error"] == "UnknownSku"
    assert run_json(loaded, "availability", "MUG-BLUE", "--node", "X", code=4)["error"] == (
        "UnknownNode"
    )


@pytest.mark.parametrize(
    "data",
    [b"", b"\xff\xfe not utf-8", b"nodes: [unclosed\n", b"[1, 2]\n"],
    ids=["empty", "not utf-8", "broken yaml", "not a mapping"],
)
def test_an_unreadable_network_document_changes_nothing(
    data: bytes, loaded: CliRunner, tmp_path: Path, database_url: str
) -> None:
    before = database_state(database_url)
    error = run_json(loaded, "network", "load", write(tmp_path, "bad.yaml", data), code=3)
    assert error["error"] == "InvalidNetwork"
    assert database_state(database_url) == before


def test_a_generated_network_validates_and_its_inventory_loads(
    cli: CliRunner, tmp_path: Path
) -> None:
    network_file, stock_file = tmp_path / "big.yaml", tmp_path / "big.csv"
    run(
        cli,
        "network",
        "generate",
        "--out",
        str(network_file),
        "--inventory-out",
        str(stock_file),
        "--seed",
        "7",
        "--stores",
        "40",
        "--skus",
        "600",
    )
    assert run_json(cli, "network", "load", str(network_file))["created"]
    report = run_json(cli, "inventory", "load", str(stock_file))
    assert report["nodes"] == 6 + 3 + 40 + 2


def test_orders_redact_erases_the_recipient_of_a_closed_order_only(
    loaded: CliRunner, database_url: str
) -> None:
    application = bootstrap(Settings(database_url=database_url))
    try:
        ada = Recipient(name="Ada Lovelace", address1="1600 N Clark St", phone="+1 312 555 0100")
        command = PlaceOrder(
            channel="web",
            ship_to=ShipTo(Location(41.9107, -87.634, "60610", "US"), recipient=ada),
            service_level="standard",
            lines=(OrderLine("1", "COASTER", 1),),
        )
        view, _ = orders.place_order(application.uow(), command, application.clock, actor="t")

        refused = run_json(loaded, "orders", "redact", view.id, code=5)
        assert refused["error"] == "IllegalTransition"
        assert orders.get_order(application.uow(), view.id).ship_to.recipient == ada

        orders.cancel_order(application.uow(), view.id, application.clock, actor="t")
        done = run_json(loaded, "orders", "redact", view.id, "--actor", "privacy-desk")

        assert (done["order_id"], done["status"]) == (view.id, "cancelled")
        assert (done["postal_code"], done["country"]) == ("60610", "US")
        assert orders.get_order(application.uow(), view.id).ship_to.recipient is None
        last = orders.order_history(application.uow(), view.id)[-1]
        assert (last.transition.to_status, last.actor) == ("redacted", "privacy-desk")
        again = run_json(loaded, "orders", "redact", view.id, code=5)
        assert again["message"].endswith("cannot go from redacted to redacted")
        run(loaded, "orders", "redact", "ord_missing", code=4)
    finally:
        application.close()
