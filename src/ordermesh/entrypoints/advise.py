"""``ordermesh advise transfers``: the stock transfers between nodes that would pay over
the coming days (docs/advice.md). Reads the database, writes nothing."""

from __future__ import annotations

import typer
from rich.console import Console

out = Console()

advise_app = typer.Typer(help="Advice from the order history: where stock should stand.")


@advise_app.command("transfers")
def transfers(
    days: int = typer.Option(28, "--days", help="History: the orders of the last N days."),
    top: int = typer.Option(10, "--top", help="How many transfers to list, best first."),
    horizon: float = typer.Option(
        14.0, "--horizon", help="Days of expected demand the moved stock serves."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """The transfers that would save the most delivered cost over the horizon."""
    from rich.table import Table

    from ordermesh.entrypoints.cli import _application, _run
    from ordermesh.services.advice import transfer_advice

    with _application() as application:
        advice = _run(
            as_json,
            lambda: transfer_advice(
                application.uow(),
                application.clock,
                application.positioning,
                days=days,
                top=top,
                horizon_days=horizon,
            ),
        )
    if as_json:
        out.print_json(data=advice.to_json_dict())
        return
    if not advice.transfers:
        out.print(
            f"no transfer would pay over {advice.horizon_days:g} days "
            f"({advice.orders} orders in the last {advice.history_days} days)"
        )
        return
    table = Table(
        title=f"Transfers that would pay over {advice.horizon_days:g} days "
        f"(from {advice.orders} orders in the last {advice.history_days} days)"
    )
    money = f"({advice.currency})"
    for column in ("move", "sku", "from", "to", f"saving {money}", f"transfer cost {money}"):
        table.add_column(column, justify="left" if column in ("sku", "from", "to") else "right")
    table.add_column("why")
    for t in advice.transfers:
        table.add_row(
            str(t.units),
            t.sku,
            t.from_node,
            t.to_node,
            f"{t.expected_saving:,.2f}",
            f"{t.transfer_cost:,.2f}",
            t.reason,
        )
    out.print(table)
    for assumption in advice.assumptions:
        out.print(f"- {assumption}", highlight=False)
