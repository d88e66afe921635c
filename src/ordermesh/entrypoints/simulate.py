"""``ordermesh simulate``: replay an orders file through a routing policy, in memory.

Every input is read and checked before the first order is routed; the decisions go to a
JSON-lines file and the KPIs to the terminal (docs/simulate.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console

from ordermesh.domain.errors import InvalidInput, NotFound, OrdermeshError, Problem
from ordermesh.services.policy_names import DEFAULT_POLICY, POLICIES

# The file formats, the routing core and HiGHS are imported when the command runs:
# `ordermesh --help` imports this module.
if TYPE_CHECKING:
    from rich.table import Table

    from ordermesh.domain.network import Network
    from ordermesh.domain.routing import RuleSet
    from ordermesh.services.simulation import Kpis

out = Console()
err = Console(stderr=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        err.print(f"[bold red]error:[/] cannot read {path}: {error.strerror}")
        raise typer.Exit(3) from None


def _rule_sets(path: Path, network: Network) -> tuple[RuleSet, ...]:
    import yaml

    from ordermesh.adapters.formats.network_document import SAFE_LOADER
    from ordermesh.domain.routing import rule_sets_from_list

    try:
        data: Any = yaml.load(_read(path).decode("utf-8"), Loader=SAFE_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise InvalidInput(
            str(path), [Problem("", f"not a YAML or JSON document: {error}")]
        ) from None
    if isinstance(data, dict) and set(data) == {"rule_sets"}:
        data = data["rule_sets"]
    return rule_sets_from_list(data, network=network)


def _stock(path: Path, network: Network) -> dict[tuple[str, str], int]:
    from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv

    snapshots = parse_inventory_csv(_read(path), network, str(path))
    stock: dict[tuple[str, str], int] = {}
    for node_id, lines in snapshots.items():
        for line in lines:
            stock[(node_id, line.sku)] = max(0, line.on_hand - (line.safety_stock or 0))
    return stock


def _kpi_table(figures: Kpis, policy: str) -> Table:
    from rich.table import Table

    table = Table("KPI", "value", title=f"Simulation ({policy})")
    rows = [
        ("orders", f"{figures.orders:,}"),
        ("units ordered", f"{figures.units:,}"),
        ("unit fill rate", f"{figures.fill_rate:.2%}"),
        ("shipments per order", f"{figures.shipments_per_order:.3f}"),
        ("split rate", f"{figures.split_rate:.2%}"),
        ("total cost", f"{figures.cost:,.2f}"),
        ("  shipping", f"{figures.shipping:,.2f}"),
        ("  handling", f"{figures.handling:,.2f}"),
        ("cost per order", f"{figures.per_order(figures.cost):.3f}"),
        ("  shipping per order", f"{figures.per_order(figures.shipping):.3f}"),
        ("  handling per order", f"{figures.per_order(figures.handling):.3f}"),
        ("CO2e per order (kg)", f"{figures.per_order(figures.co2e_g) / 1000:.3f}"),
        ("promise hit rate", f"{figures.promise_hit_rate:.2%}"),
        ("decision latency p50 (ms)", f"{figures.latency_p50_ms:.3f}"),
        ("decision latency p99 (ms)", f"{figures.latency_p99_ms:.3f}"),
        ("orders per second", f"{figures.orders_per_second:,.0f}"),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def simulate(
    network: Path = typer.Option(..., "--network", help="The network document (YAML/JSON)."),
    inventory: Path = typer.Option(..., "--inventory", help="Starting stock: node,sku,on_hand."),
    orders: Path = typer.Option(..., "--orders", help="Orders CSV (docs/formats/orders.md)."),
    rules: Path | None = typer.Option(None, "--rules", help="Rule sets (YAML/JSON list)."),
    history: Path | None = typer.Option(
        None,
        "--history",
        help="Past orders (orders CSV) the inventory-aware policies forecast from; "
        "default: the replay's own past orders.",
    ),
    policy: str = typer.Option(DEFAULT_POLICY, "--policy", help=f"One of {', '.join(POLICIES)}."),
    decisions: Path = typer.Option(..., "--out", help="Where to write DECISIONS.jsonl."),
    as_json: bool = typer.Option(False, "--json", help="Print the KPIs as JSON."),
) -> None:
    """Route ORDERS in created_at order against the starting inventory and report KPIs."""
    from ordermesh.adapters.formats.network_document import load_network_file
    from ordermesh.adapters.formats.orders_csv import parse_orders_csv
    from ordermesh.adapters.solver import highs_solvers
    from ordermesh.config import Settings
    from ordermesh.entrypoints.progress import progress_bar
    from ordermesh.services.simulation import KpiTally, Routed, decision_json, make_policy, replay

    if policy not in POLICIES:
        err.print(f"[bold red]error:[/] unknown policy {policy!r}: use {', '.join(POLICIES)}")
        raise typer.Exit(2)
    try:
        settings = Settings.from_environment()
        _, net = load_network_file(_read(network), str(network))
        rule_sets = _rule_sets(rules, net) if rules is not None else ()
        stock = _stock(inventory, net)
        parsed = parse_orders_csv(_read(orders), net, str(orders))
        past = parse_orders_csv(_read(history), net, str(history)) if history else None
    except OrdermeshError as error:
        _fail(error, as_json)
    solvers = highs_solvers(settings.order_solver_time_limit_s)
    decide = make_policy(policy, net, rule_sets, solvers=solvers, history=past)
    # Each decision goes to the file and into the KPIs as it is made, and is then dropped.
    tally = KpiTally()
    try:
        with (
            decisions.open("w", encoding="utf-8") as sink,
            progress_bar("routing orders", total=len(parsed), quiet=as_json) as advance,
        ):

            def record(routed: Routed) -> None:
                sink.write(json.dumps(decision_json(routed), separators=(",", ":")) + "\n")
                tally.add(routed)
                advance(routed.order.id)

            replay(net, stock, parsed, decide, record)
    except OSError as error:
        err.print(f"[bold red]error:[/] cannot write {decisions}: {error.strerror}")
        raise typer.Exit(3) from None
    except OrdermeshError as error:
        _fail(error, as_json)
    figures = tally.kpis()
    if as_json:
        out.print_json(data={"policy": policy, **figures.to_json_dict()})
    else:
        out.print(_kpi_table(figures, policy))
        out.print(f"{figures.orders} decisions -> {decisions}")


def _fail(error: OrdermeshError, as_json: bool) -> NoReturn:
    code = 3 if isinstance(error, InvalidInput) else 4 if isinstance(error, NotFound) else 1
    if as_json:
        body: dict[str, Any] = {"error": type(error).__name__, "message": str(error).split("\n")[0]}
        if isinstance(error, InvalidInput):
            body["problems"] = [{"where": p.where, "message": p.message} for p in error.problems]
        out.print_json(data=body)
    else:
        err.print(f"[bold red]error:[/] {error}", highlight=False)
    raise typer.Exit(code) from None
