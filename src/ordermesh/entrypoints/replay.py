"""``ordermesh replay``: route the orders stored for a period again, under the live rule
sets and under a draft, and print both sets of KPIs side by side. Nothing live changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

out = Console()
err = Console(stderr=True)

KPI_ROWS = (
    ("orders", "orders"),
    ("cost per order", "cost_per_order"),
    ("shipping per order", "shipping_per_order"),
    ("split rate", "split_rate"),
    ("unit fill rate", "fill_rate"),
    ("promise hit rate", "promise_hit_rate"),
    ("CO2e kg per order", "co2e_kg_per_order"),
)


def _day(value: str, option: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            err.print(f"[bold red]error:[/] {option}: {value!r} is not a date (YYYY-MM-DD)")
            raise typer.Exit(2) from None
        return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def replay(
    since: str = typer.Option(..., "--since", help="First day (UTC) or ISO time of the period."),
    until: str | None = typer.Option(None, "--until", help="End of the period, exclusive."),
    rules: Path | None = typer.Option(
        None, "--rules", help="A draft: a YAML/JSON document with `rule_sets:`. Default: live."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Replay the stored orders of a period under a draft rule set, beside the live rules."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from ordermesh.entrypoints import rule_drafts
    from ordermesh.entrypoints.cli import _application, _read, _run
    from ordermesh.services import replays

    start = _day(since, "--since")
    end = None if until is None else _day(until, "--until")
    with _application() as application:
        draft = (
            _run(as_json, lambda: rule_drafts.parse_draft(_read(rules).decode("utf-8", "replace")))
            if rules is not None
            else rule_drafts.parse_draft(rule_drafts.live_draft(application))
        )
        rule_sets = _run(as_json, lambda: rule_drafts.check_draft(application, draft))
        loaded = _run(as_json, lambda: replays.load_replay_input(application.uow(), start, end))
    with Progress(
        "replaying",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("replay", total=2 * len(loaded.orders))
        result = replays.compare(
            loaded, rule_sets, lambda done, total: progress.update(task, completed=done)
        )
    if as_json:
        out.print_json(data=result)
        return
    live, drafted = result["live"], result["draft"]
    assert isinstance(live, dict) and isinstance(drafted, dict)
    table = Table(title=f"{result['orders']} orders since {start.date()}")
    table.add_column("")
    table.add_column("live rules", justify="right")
    table.add_column("draft", justify="right")
    for label, key in KPI_ROWS:
        table.add_row(label, str(live[key]), str(drafted[key]))
    out.print(table)
    out.print(f"orders routed differently: {result['changed_orders']}")
