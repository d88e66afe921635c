"""The ``ordermesh`` command line: thin, it parses, calls a service and renders.

Errors from the one tree in ``ordermesh.domain.errors`` become exit codes here, once:
3 invalid input, 4 not found, 5 conflict, 1 any other ordermesh error (see docs/errors.md).

Each command imports what it uses inside its function: importing this module (all that
``ordermesh --help`` does) must not pull in the database, the solver, the web framework or
the file formats, so every command starts in a fraction of a second
(tests/unit/test_cli_imports.py keeps it so).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from ordermesh.domain.errors import Conflict, InvalidInput, NotFound, OrdermeshError
from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.entrypoints.advise import advise_app
from ordermesh.entrypoints.partners import partners_app
from ordermesh.entrypoints.replay import replay
from ordermesh.entrypoints.serve import serve
from ordermesh.entrypoints.simulate import simulate
from ordermesh.entrypoints.worker import events_app, webhooks_app, worker

if TYPE_CHECKING:
    from ordermesh.bootstrap import Application
    from ordermesh.domain.availability import Availability
    from ordermesh.domain.network import Network
    from ordermesh.services.ports import ApiKey

app = typer.Typer(help="ordermesh: distributed order management.", no_args_is_help=True)
network_app = typer.Typer(help="Validate, load and show the network document.")
inventory_app = typer.Typer(help="Load inventory snapshots and adjust positions.")
app.add_typer(network_app, name="network")
app.add_typer(inventory_app, name="inventory")
app.command("simulate")(simulate)
app.command("replay")(replay)
app.command("serve")(serve)
keys_app = typer.Typer(help="Issue, list and revoke API keys (each bound to one role).")
app.add_typer(keys_app, name="keys")
app.command("worker")(worker)
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(events_app, name="events")
orders_app = typer.Typer(help="Orders: erase the personal data of closed ones.")
app.add_typer(orders_app, name="orders")
app.add_typer(partners_app, name="partners")
app.add_typer(advise_app, name="advise")

out = Console()
err = Console(stderr=True)

EXIT_CODES: list[tuple[type[OrdermeshError], int]] = [
    (InvalidInput, 3),
    (NotFound, 4),
    (Conflict, 5),
    (OrdermeshError, 1),
]

T = TypeVar("T")


def _exit_code(error: OrdermeshError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def _error_json(error: OrdermeshError) -> dict[str, Any]:
    body: dict[str, Any] = {"error": type(error).__name__, "message": str(error).split("\n")[0]}
    if isinstance(error, InvalidInput):
        body["problems"] = [{"where": p.where, "message": p.message} for p in error.problems]
    return body


@contextmanager
def _application() -> Iterator[Application]:
    from ordermesh.bootstrap import bootstrap

    application = bootstrap()
    try:
        yield application
    finally:
        application.close()


def _run(as_json: bool, action: Callable[[], T]) -> T:
    """Run an action, rendering any ordermesh error and exiting with its code."""
    try:
        return action()
    except OrdermeshError as error:
        if as_json:
            out.print_json(data=_error_json(error))
        else:
            err.print(f"[bold red]error:[/] {error}", highlight=False, markup=True)
        raise typer.Exit(_exit_code(error)) from None


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        err.print(f"[bold red]error:[/] cannot read {path}: {error.strerror}")
        raise typer.Exit(3) from None


JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


@app.command()
def init() -> None:
    """Create the database (or bring its schema up to date)."""
    with _application() as application:
        out.print(f"database ready: {application.settings.database_url}")


@network_app.command("validate")
def network_validate(file: Path, as_json: bool = JsonOption) -> None:
    """Check a network document and list every problem with its path."""
    from ordermesh.adapters.formats.network_document import load_network_file

    _, network = _run(as_json, lambda: load_network_file(_read(file), str(file)))
    if as_json:
        out.print_json(data={"valid": True, **_network_counts(network)})
    else:
        out.print(f"[green]valid[/]: {file}")
        _print_network(network)


@network_app.command("load")
def network_load(file: Path, as_json: bool = JsonOption) -> None:
    """Validate a network document and store it as the next version."""
    from ordermesh.adapters.formats.network_document import checksum, load_network_file
    from ordermesh.services import network as network_service

    document, _ = _run(as_json, lambda: load_network_file(_read(file), str(file)))
    with _application() as application:
        version, created = network_service.load_network(
            application.uow(),
            document,
            checksum(document),
            application.clock,
            routing=application.routing,
        )
    if as_json:
        out.print_json(data={"version": version, "created": created})
    else:
        out.print(f"network version {version}" + (" loaded" if created else " (unchanged)"))


@network_app.command("show")
def network_show(as_json: bool = JsonOption) -> None:
    """Summarise the current network."""
    from ordermesh.services import network as network_service

    with _application() as application:
        current = _run(as_json, lambda: network_service.current_network(application.uow()))
    if as_json:
        out.print_json(data={"version": current.version, **_network_counts(current.network)})
    else:
        out.print(f"network version {current.version}, loaded {current.loaded_at:%Y-%m-%d %H:%M}")
        _print_network(current.network)


@network_app.command("generate")
def network_generate(
    network_file: Path = typer.Option(..., "--out", help="Where to write the network YAML."),
    inventory_out: Path | None = typer.Option(None, help="Also write an inventory CSV here."),
    seed: int = typer.Option(1, help="The same seed always gives the same network."),
    warehouses: int = typer.Option(6, min=0),
    three_pls: int = typer.Option(3, min=0),
    stores: int = typer.Option(20, min=0),
    dropship: int = typer.Option(2, min=0),
    skus: int = typer.Option(520, min=25),
    bundles: int = typer.Option(6, min=0),
) -> None:
    """Write a realistic network (and inventory) of any size, deterministically by seed."""
    from ordermesh.scenario.network_generator import generate_inventory, generate_network
    from ordermesh.scenario.write_demo import render_inventory_csv, render_network_yaml

    document = generate_network(
        seed,
        warehouses=warehouses,
        three_pls=three_pls,
        stores=stores,
        dropship=dropship,
        skus=skus,
        bundles=bundles,
        name=f"generated-{seed}",
    )
    network_file.write_text(render_network_yaml(document), encoding="utf-8")
    message = f"{len(document['nodes'])} nodes, {len(document['skus'])} SKUs -> {network_file}"
    if inventory_out is not None:
        rows = generate_inventory(document, seed)
        inventory_out.write_text(render_inventory_csv(rows), encoding="utf-8")
        message += f"; {len(rows)} inventory rows -> {inventory_out}"
    out.print(message)


@inventory_app.command("load")
def inventory_load(
    file: Path,
    actor: str = typer.Option("cli", help="Who is recorded in the inventory journal."),
    as_json: bool = JsonOption,
) -> None:
    """Apply a CSV of node,sku,on_hand[,safety_stock] as a snapshot per node in the file."""
    from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
    from ordermesh.entrypoints.progress import progress_bar
    from ordermesh.services import inventory as inventory_service
    from ordermesh.services import network as network_service

    with _application() as application:
        network = _run(as_json, lambda: network_service.current_network(application.uow())).network
        snapshots = _run(as_json, lambda: parse_inventory_csv(_read(file), network, str(file)))
        with progress_bar("applying snapshots", total=len(snapshots), quiet=as_json) as advance:
            report = _run(
                as_json,
                lambda: inventory_service.apply_snapshots(
                    application.uow(),
                    snapshots,
                    actor,
                    application.clock,
                    on_node=advance,
                    routing=application.routing,
                ),
            )
    discrepancies = report.discrepancies
    if as_json:
        out.print_json(
            data={
                "nodes": len(report.nodes),
                "lines": report.lines,
                "discrepancies": [
                    {
                        "node": c.node_id,
                        "sku": c.sku,
                        "held": c.on_hand_before,
                        "counted": c.on_hand_after,
                    }
                    for c in discrepancies
                ],
            }
        )
        return
    out.print(
        f"{report.lines} lines for {len(report.nodes)} nodes applied; "
        f"{len(discrepancies)} discrepancies against what was held"
    )
    if discrepancies:
        from rich.table import Table

        table = Table("node", "sku", "held", "counted", "delta", title="Discrepancies")
        for c in discrepancies[:20]:
            table.add_row(
                c.node_id,
                c.sku,
                str(c.on_hand_before),
                str(c.on_hand_after),
                f"{c.on_hand_delta:+d}",
            )
        out.print(table)
        if len(discrepancies) > 20:
            out.print(f"... and {len(discrepancies) - 20} more (use --json for all)")


@inventory_app.command("adjust")
def inventory_adjust(
    node: str,
    sku: str,
    delta: int,
    reason: AdjustmentReason = typer.Option(..., help="Why on_hand moved."),
    actor: str = typer.Option("cli", help="Who is recorded in the inventory journal."),
    as_json: bool = JsonOption,
) -> None:
    """Add DELTA (negative to remove) to on_hand of SKU at NODE."""
    from ordermesh.services import inventory as inventory_service

    with _application() as application:
        change = _run(
            as_json,
            lambda: inventory_service.adjust(
                application.uow(),
                node,
                sku,
                delta,
                reason,
                actor,
                application.clock,
                routing=application.routing,
            ),
        )
    if as_json:
        out.print_json(data={"node": node, "sku": sku, "on_hand": change.on_hand_after})
    else:
        out.print(f"{node}/{sku}: on_hand {change.on_hand_before} -> {change.on_hand_after}")


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., help="admin, channel:<id> or node:<id>."),
    label: str = typer.Option("", help="A note on whom the key is for."),
    if_none: bool = typer.Option(False, "--if-none", help="Only if the role has no key yet."),
    as_json: bool = JsonOption,
) -> None:
    """Issue a new API key and print it: it is shown this once, only its hash is kept."""
    from ordermesh.entrypoints.api.api_keys import check_role, issue_key

    try:
        check_role(role)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--role") from None
    with _application() as application:
        issued = _run(as_json, lambda: issue_key(application, role, label, only_if_none=if_none))
    if issued is None:
        out.print(f"{role}: a key exists already (`ordermesh keys create --role {role}` adds one)")
        return
    stored, key = issued
    if as_json:
        out.print_json(data={"id": stored.id, "role": role, "label": label, "key": key})
    else:
        out.print(
            f"new {role} key {stored.id} (shown once, keep it): {key}",
            highlight=False,
            soft_wrap=True,
        )


def _key_json(key: ApiKey) -> dict[str, Any]:
    """A key as listed: never the key, never its hash."""
    return {
        "id": key.id,
        "role": key.role,
        "label": key.label,
        "created_at": key.created_at.isoformat(),
        "revoked_at": None if key.revoked_at is None else key.revoked_at.isoformat(),
        "last_used_at": None if key.last_used_at is None else key.last_used_at.isoformat(),
    }


@keys_app.command("list")
def keys_list(as_json: bool = JsonOption) -> None:
    """Every key issued, revoked ones included, with its last use (recorded once a minute)."""
    from ordermesh.entrypoints.api.api_keys import list_keys

    with _application() as application:
        keys = list_keys(application)
    if as_json:
        out.print_json(data={"items": [_key_json(key) for key in keys]})
        return
    # One line per key, never truncated: ids are what `keys revoke` takes.
    for key in keys:
        used = "never" if key.last_used_at is None else f"{key.last_used_at:%Y-%m-%d %H:%M}"
        revoked = "" if key.revoked_at is None else f"  revoked {key.revoked_at:%Y-%m-%d %H:%M}"
        out.print(
            f"{key.id}  {key.role}  {key.label!r}  created {key.created_at:%Y-%m-%d %H:%M}"
            f"  last used {used}{revoked}",
            highlight=False,
            soft_wrap=True,
        )


@keys_app.command("revoke")
def keys_revoke(key_id: str, as_json: bool = JsonOption) -> None:
    """Revoke a key by its id (`ordermesh keys list`): refused from its next request on."""
    from ordermesh.entrypoints.api.api_keys import revoke_key

    with _application() as application:
        key = _run(as_json, lambda: revoke_key(application, key_id))
    if as_json:
        out.print_json(data=_key_json(key))
    else:
        out.print(f"revoked {key.id} ({key.role}) at {key.revoked_at}", highlight=False)


@orders_app.command("redact")
def orders_redact(
    order_id: str,
    actor: str = typer.Option("cli", help="Who is recorded as having erased it."),
    as_json: bool = JsonOption,
) -> None:
    """Erase the recipient (name, company, street, city, region, phone, e-mail) of a
    fulfilled or cancelled order; its postal code and country stay, for KPIs."""
    from ordermesh.services import orders as order_service

    with _application() as application:
        view = _run(
            as_json,
            lambda: order_service.redact_order(
                application.uow(), order_id, application.clock, actor=actor
            ),
        )
    assert view.redacted_at is not None
    location = view.ship_to.location
    if as_json:
        out.print_json(
            data={
                "order_id": view.id,
                "status": str(view.status),
                "redacted_at": view.redacted_at.isoformat(),
                "postal_code": location.postal_code,
                "country": location.country,
            }
        )
    else:
        out.print(
            f"{view.id}: recipient erased at {view.redacted_at.isoformat()}"
            f" (kept: postal code {location.postal_code}, country {location.country})"
        )


@app.command()
def availability(
    sku: str,
    channel: str | None = typer.Option(None, help="Apply this channel's safety buffer."),
    node: str | None = typer.Option(None, help="Only this node."),
    as_json: bool = JsonOption,
) -> None:
    """Available to sell of a SKU or bundle, per node and over the network."""
    from ordermesh.services import inventory as inventory_service
    from ordermesh.services import network as network_service

    with _application() as application:
        result = _run(
            as_json,
            lambda: inventory_service.availability(application.uow(), sku, channel, node),
        )
        network = network_service.current_network(application.uow()).network
    if as_json:
        out.print_json(data=_availability_json(result, channel))
    else:
        _print_availability(result, network, channel)


@app.command()
def demo(
    items: int = typer.Option(8, help="How many SKUs to show availability for."),
) -> None:
    """Load the demo network and inventory (once) and show what is available to sell."""
    from rich.table import Table

    from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
    from ordermesh.adapters.formats.network_document import checksum, load_network_file
    from ordermesh.demo import demo_inventory_path, demo_network_path
    from ordermesh.entrypoints.progress import progress_bar
    from ordermesh.services import inventory as inventory_service
    from ordermesh.services import network as network_service

    with _application() as application:
        document, network = _run(
            False, lambda: load_network_file(demo_network_path().read_bytes(), "demo network")
        )
        version, created = network_service.load_network(
            application.uow(),
            document,
            checksum(document),
            application.clock,
            routing=application.routing,
        )
        out.print(f"database: {application.settings.database_url}")
        out.print(f"network version {version}" + (" loaded" if created else " (already loaded)"))
        if inventory_service.holds_inventory(application.uow()):
            out.print("inventory already loaded: keeping it")
        else:
            snapshots = parse_inventory_csv(
                demo_inventory_path().read_bytes(), network, "demo inventory"
            )
            with progress_bar("loading demo inventory", total=len(snapshots)) as advance:
                report = inventory_service.apply_snapshots(
                    application.uow(),
                    snapshots,
                    "demo",
                    application.clock,
                    on_node=advance,
                    routing=application.routing,
                )
            out.print(f"inventory: {report.lines} positions at {len(report.nodes)} nodes")
        _print_network(network)
        # The catalogue leads with its best-known items; show those, then two kits.
        skus = list(network.skus)[:items] + list(network.bundles)[:2]
        table = Table(
            "item", "network ATS", "nodes with stock", "best node (ATS)", title="Available to sell"
        )
        for item in skus:
            result = inventory_service.availability(application.uow(), item)
            stocked = {n: a for n, a in result.per_node.items() if a > 0}
            best = max(stocked.items(), key=lambda kv: (kv[1], kv[0]), default=None)
            table.add_row(
                item,
                str(result.network),
                str(len(stocked)),
                f"{best[0]} ({best[1]})" if best else "-",
            )
        out.print(table)
        out.print("try: ordermesh availability MUG-BLUE --channel amazon")


def _network_counts(network: Network) -> dict[str, Any]:
    by_type: dict[str, int] = {}
    for node in network.nodes.values():
        by_type[node.type.value] = by_type.get(node.type.value, 0) + 1
    return {
        "name": network.name,
        "nodes": len(network.nodes),
        "nodes_by_type": by_type,
        "skus": len(network.skus),
        "bundles": len(network.bundles),
        "channels": sorted(network.channels),
        "services": sorted(network.services),
        "service_levels": {k: v.max_transit_days for k, v in network.service_levels.items()},
    }


def _print_network(network: Network) -> None:
    from rich.table import Table

    from ordermesh.domain.model import Capability

    counts = _network_counts(network)
    table = Table("type", "nodes", "enabled", "ship", "pickup", title=f"Network {network.name!r}")
    for node_type in sorted(counts["nodes_by_type"]):
        nodes = [n for n in network.nodes.values() if n.type.value == node_type]
        table.add_row(
            node_type,
            str(len(nodes)),
            str(sum(n.enabled for n in nodes)),
            str(sum(n.can(Capability.SHIP) for n in nodes)),
            str(sum(n.can(Capability.PICKUP) for n in nodes)),
        )
    out.print(table)
    out.print(
        f"{counts['skus']} SKUs, {counts['bundles']} bundles; channels: "
        f"{', '.join(counts['channels'])}; services: {', '.join(counts['services'])}; "
        "service levels: " + ", ".join(f"{k} ({v} d)" for k, v in counts["service_levels"].items())
    )


def _availability_json(result: Availability, channel: str | None) -> dict[str, Any]:
    return {
        "item": result.item,
        "channel": channel,
        "network_ats": result.network,
        "per_node": dict(result.per_node),
    }


def _print_availability(result: Availability, network: Network, channel: str | None) -> None:
    from rich.table import Table

    title = f"{result.item}: {result.network} available to sell" + (
        f" on channel {channel}" if channel else ""
    )
    table = Table("node", "type", "enabled", "ATS", title=title)
    for node_id, ats in sorted(result.per_node.items(), key=lambda kv: (-kv[1], kv[0])):
        node = network.nodes[node_id]
        table.add_row(node_id, node.type.value, "yes" if node.enabled else "no", str(ats))
    out.print(table)


def main() -> None:
    app(prog_name="ordermesh")


if __name__ == "__main__":
    main()
