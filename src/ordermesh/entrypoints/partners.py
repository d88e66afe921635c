"""``ordermesh partners``: what was sent to file partners and what they answered."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import Console
from rich.table import Table

partners_app = typer.Typer(help="File partners (csv, x12): documents sent and their answers.")
out = Console()


@partners_app.command("documents")
def documents(
    partner: str | None = typer.Argument(
        None, help="channel:<id> or node:<id>; every partner when left out."
    ),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """Every X12 document written (855, 856, 940), the short reference it carries, and
    whether the partner's 997 accepted it: accepted, accepted_with_errors, rejected, or
    not yet acknowledged."""
    from ordermesh.bootstrap import bootstrap
    from ordermesh.services.partner_files import partner_documents

    application = bootstrap()
    try:
        entries = partner_documents(application.partners, partner)
    finally:
        application.close()
    rows: list[dict[str, Any]] = [
        {
            "partner": e.partner,
            "file": e.file,
            "set_id": e.set_id,
            "group_control": e.group_control,
            "set_control": e.set_control,
            "reference": e.reference,
            "subject": e.subject,
            "written_at": e.written_at.isoformat(),
            "acknowledgment": None if e.ack_status is None else str(e.ack_status),
            "errors": e.ack_errors,
            "acknowledged_at": None if e.acknowledged_at is None else e.acknowledged_at.isoformat(),
        }
        for e in entries
    ]
    if as_json:
        out.print_json(data=rows)
        return
    table = Table("partner", "set", "GS06/ST02", "reference", "for", "acknowledgment", "file")
    for row in rows:
        verdict = row["acknowledgment"] or "(awaiting 997)"
        if row["errors"]:
            verdict += f": {row['errors']}"
        table.add_row(
            row["partner"],
            row["set_id"],
            f"{row['group_control']}/{row['set_control']}",
            row["reference"] or "",
            row["subject"] or "",
            verdict,
            row["file"].rsplit("/", 1)[-1],
        )
    out.print(table)
