"""``ordermesh worker``: the background process. Each loop it relays outbox events (NATS
JetStream and webhooks, docs/events.md), processes partner inboxes and writes outbound
partner documents (docs/partners.md); every ``ORDERMESH_OPPORTUNITY_REFRESH_S`` seconds it
refreshes the opportunity costs routing prices units with (docs/routing.md). Run as many
as you like: they share the work through leases in the database (docs/scale-out.md), and
a refresh another worker has just made is not made again.

Also here: ``ordermesh webhooks add|list|remove`` and ``ordermesh events dead-letters|replay``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console

from ordermesh.domain.errors import NotFound, OrdermeshError

# The relay, NATS and the database are imported by the commands that use them: `ordermesh
# --help` imports this module.
if TYPE_CHECKING:
    from ordermesh.adapters.events.relay import PassReport, Relay, RelaySettings
    from ordermesh.adapters.events.store import SqlDeliveryStore
    from ordermesh.bootstrap import Application

log = logging.getLogger("ordermesh.worker")
out = Console()
err = Console(stderr=True)

NATS_ENV = "ORDERMESH_NATS_URL"
T = TypeVar("T")
# How often a worker asks whether the opportunity costs are due (at most): the newest
# version may be another worker's, so the interval alone cannot say.
OPPORTUNITY_CHECK_S = 10.0


def worker(
    nats_url: list[str] = typer.Option(
        [],
        "--nats",
        help=f"A NATS server URL (repeat for a cluster); default ${NATS_ENV} (comma-separated)."
        " None: events go to webhooks only.",
    ),
    stream: str | None = typer.Option(
        None, help="JetStream stream (created if missing); default ORDERMESH."
    ),
    replicas: int = typer.Option(1, min=1, max=5, help="Stream replicas when creating it."),
    poll_interval: float = typer.Option(
        0.5, min=0.01, help="Seconds between polls (PostgreSQL also wakes on NOTIFY)."
    ),
    lease_seconds: float = typer.Option(
        15.0, min=0.5, help="How long a worker that stops answering keeps its destinations."
    ),
    batch: int = typer.Option(500, min=1, max=10_000, help="Events per relay batch."),
    max_attempts: int = typer.Option(8, min=1, help="Webhook attempts before a dead letter."),
    retry_base: float = typer.Option(1.0, min=0.0, help="First webhook retry delay, seconds."),
    retry_max: float = typer.Option(300.0, min=0.0, help="Longest webhook retry delay."),
    partner_files_enabled: bool = typer.Option(
        True, "--partner-files/--no-partner-files", help="Also process partner files."
    ),
    once: bool = typer.Option(False, "--once", help="Work until idle, then exit."),
    log_level: str = typer.Option("info", help="Logging level."),
) -> None:
    """Relay events to NATS and webhooks, move partner files and refresh the opportunity
    costs (every $ORDERMESH_OPPORTUNITY_REFRESH_S seconds; 0: never), until SIGTERM."""
    from ordermesh.adapters.events.nats_publisher import DEFAULT_STREAM, NatsSettings
    from ordermesh.adapters.events.relay import RelaySettings
    from ordermesh.bootstrap import bootstrap
    from ordermesh.services.events_delivery import RetryPolicy

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    servers = nats_url or [u for u in os.environ.get(NATS_ENV, "").split(",") if u.strip()]
    nats = (
        NatsSettings(servers=tuple(servers), stream=stream or DEFAULT_STREAM, replicas=replicas)
        if servers
        else None
    )
    settings = RelaySettings(
        nats=nats,
        batch_size=batch,
        lease_ttl_s=lease_seconds,
        retry=RetryPolicy(
            max_attempts=max_attempts, base_delay_s=retry_base, max_delay_s=retry_max
        ),
    )
    application = bootstrap()
    try:
        asyncio.run(_work(application, settings, poll_interval, once, partner_files_enabled))
    finally:
        application.close()


async def _work(
    application: Application,
    settings: RelaySettings,
    poll_interval: float,
    once: bool,
    with_files: bool,
) -> None:
    from ordermesh.adapters.events.relay import Relay
    from ordermesh.adapters.events.wakeup import Wakeup

    relay = Relay(application.engine, settings, application.clock)
    wakeup = Wakeup(application.engine)
    prices = OpportunityRefresh(application)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    log.info(
        "worker %s: NATS %s, polling every %.2fs",
        relay.owner,
        ",".join(settings.nats.servers) if settings.nats else "off",
        poll_interval,
    )
    try:
        while not stop.is_set():
            started = time.perf_counter()
            prices.start_if_due()
            report = await relay_pass(relay)
            files = _partner_files(application) if with_files else 0
            busy = report.progress + files
            if report.progress:
                log.debug(
                    "pass: %d published, %d delivered, %d failed (%d dead) in %.3fs",
                    report.published,
                    report.delivered,
                    report.failed,
                    report.dead,
                    time.perf_counter() - started,
                )
            if busy:
                continue
            if once:
                await prices.finished()
                break
            waiting = asyncio.ensure_future(wakeup.wait(poll_interval))
            stopping = asyncio.ensure_future(stop.wait())
            await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            for task in (waiting, stopping):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
        await wakeup.close()
        await relay.close()
        log.info("worker %s stopped", relay.owner)


async def relay_pass(relay: Relay) -> PassReport:
    """One relay pass; whatever it raises is logged and the next loop tries again (after
    the poll interval, as an idle pass would), so no event and no subscriber can stop
    the worker."""
    try:
        return await relay.run_once()
    except Exception:
        from ordermesh.adapters.events.relay import PassReport

        log.exception("relay pass failed; next loop")
        return PassReport()


class OpportunityRefresh:
    """The periodic refresh of the opportunity costs, in a thread beside the loop (the LP
    takes seconds on a large network, and events must keep flowing meanwhile)."""

    def __init__(self, application: Application) -> None:
        self.application = application
        self.interval = application.settings.opportunity_refresh_s
        self.running: asyncio.Future[None] | None = None
        self.next_check = 0.0  # time.monotonic()

    def start_if_due(self) -> None:
        if self.interval <= 0 or time.monotonic() < self.next_check:
            return
        if self.running is not None and not self.running.done():
            return
        self.next_check = time.monotonic() + min(self.interval, OPPORTUNITY_CHECK_S)
        self.running = asyncio.ensure_future(asyncio.to_thread(self._refresh))

    async def finished(self) -> None:
        if self.running is not None:
            await self.running

    def _refresh(self) -> None:
        """Whatever fails is logged; routing keeps the previous version until it is stale,
        and the next check tries again."""
        from ordermesh.services import opportunity

        application = self.application
        try:
            started = time.perf_counter()
            version = opportunity.refresh_if_due(
                application.uow(), application.shadow_prices, application.clock, self.interval
            )
        except OrdermeshError as error:  # no network loaded yet, and the like
            log.debug("opportunity costs skipped: %s", error)
            return
        except Exception:
            log.exception("opportunity costs refresh failed; next check")
            return
        if version is not None:
            log.info(
                "opportunity costs version %d: %d positions priced from %d orders in %.2fs",
                version.version,
                version.priced_positions,
                version.history_orders,
                time.perf_counter() - started,
            )


def _partner_files(application: Application) -> int:
    from ordermesh.services import partner_files

    try:
        return partner_files.poll_inboxes_once(application) + partner_files.write_outbound_once(
            application
        )
    except OrdermeshError as error:  # no network loaded yet, and the like: try next loop
        log.debug("partner files skipped: %s", error)
        return 0
    except Exception:  # the database or a folder failed: logged, next loop
        log.exception("partner files failed; next loop")
        return 0


# -- ordermesh webhooks / ordermesh events ----------------------------------------------------

webhooks_app = typer.Typer(help="Webhook subscribers: signed event deliveries over HTTP.")
events_app = typer.Typer(help="Event delivery: dead letters and their replay.")
JsonOption = typer.Option(False, "--json", help="Machine-readable output.")


def _with_store(as_json: bool, action: Callable[[Application, SqlDeliveryStore], T]) -> T:
    from ordermesh.adapters.events.store import SqlDeliveryStore
    from ordermesh.bootstrap import bootstrap

    application = bootstrap()
    try:
        return action(application, SqlDeliveryStore(application.engine))
    except OrdermeshError as error:
        if as_json:
            out.print_json(data={"error": type(error).__name__, "message": str(error)})
        else:
            err.print(f"[bold red]error:[/] {error}", highlight=False)
        raise typer.Exit(4 if isinstance(error, NotFound) else 3) from None
    finally:
        application.close()


@webhooks_app.command("add")
def webhooks_add(
    url: str = typer.Option(..., help="Where to POST events."),
    secret: str = typer.Option(..., help="Signs each delivery (>= 8 characters)."),
    event_type: list[str] = typer.Option(
        [], "--event-type", help="An event type or prefix (order.*); repeat; default all."
    ),
    as_json: bool = JsonOption,
) -> None:
    """Subscribe a URL to events committed from now on."""
    from ordermesh.services import events_delivery

    subscriber = _with_store(
        as_json,
        lambda app, store: events_delivery.add_subscriber(
            store, url, secret, event_type, app.clock
        ),
    )
    if as_json:
        out.print_json(data={"id": subscriber.id, "url": url, "event_types": list(event_type)})
    else:
        out.print(f"subscriber {subscriber.id} -> {url}", highlight=False)


@webhooks_app.command("list")
def webhooks_list(as_json: bool = JsonOption) -> None:
    """Every subscriber, active or removed."""
    subscribers = _with_store(as_json, lambda _app, store: store.subscribers())
    rows: list[dict[str, Any]] = [
        {"id": s.id, "url": s.url, "event_types": list(s.event_types), "active": s.active}
        for s in subscribers
    ]
    if as_json:
        out.print_json(data=rows)
        return
    from rich.table import Table

    table = Table("id", "url", "event types", "active")
    for row in rows:
        table.add_row(
            row["id"], row["url"], ", ".join(row["event_types"]) or "*", str(row["active"])
        )
    out.print(table)


@webhooks_app.command("remove")
def webhooks_remove(subscriber_id: str, as_json: bool = JsonOption) -> None:
    """Stop delivering to a subscriber (its delivery history is kept)."""
    from ordermesh.services import events_delivery

    _with_store(
        as_json,
        lambda app, store: events_delivery.remove_subscriber(store, subscriber_id, app.clock),
    )
    out.print(f"removed {subscriber_id}", highlight=False)


@events_app.command("dead-letters")
def events_dead_letters(
    include_replayed: bool = typer.Option(False, "--all", help="Also those replayed."),
    as_json: bool = JsonOption,
) -> None:
    """Webhook deliveries that ran out of attempts."""
    letters = _with_store(as_json, lambda _app, store: store.dead_letters(include_replayed))
    rows: list[dict[str, Any]] = [
        {
            "id": d.id,
            "subscriber_id": d.subscriber_id,
            "event_id": d.event_id,
            "attempts": d.attempts,
            "last_error": d.last_error,
            "created_at": d.created_at.isoformat(),
            "replayed_at": d.replayed_at.isoformat() if d.replayed_at else None,
        }
        for d in letters
    ]
    if as_json:
        out.print_json(data=rows)
        return
    from rich.table import Table

    table = Table("id", "subscriber", "event", "attempts", "last error", "replayed")
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["subscriber_id"],
            row["event_id"],
            str(row["attempts"]),
            row["last_error"] or "",
            row["replayed_at"] or "",
        )
    out.print(table)


@events_app.command("replay")
def events_replay(
    dead_letter: int | None = typer.Option(None, "--dead-letter", help="One dead letter's id."),
    replay_all: bool = typer.Option(False, "--all", help="Every dead letter not yet replayed."),
    as_json: bool = JsonOption,
) -> None:
    """Deliver dead letters again, with fresh attempts (the worker picks them up)."""
    from ordermesh.services import events_delivery

    if (dead_letter is None) == (not replay_all):
        raise typer.BadParameter("give exactly one of --dead-letter ID and --all")
    if dead_letter is not None:
        letter = dead_letter
        _with_store(
            as_json,
            lambda app, store: events_delivery.replay_dead_letter(store, letter, app.clock),
        )
        replayed = [dead_letter]
    else:
        replayed = _with_store(
            as_json, lambda app, store: events_delivery.replay_all(store, app.clock)
        )
    if as_json:
        out.print_json(data={"replayed": replayed})
    else:
        out.print(f"replayed {len(replayed)} dead letter(s): {replayed}", highlight=False)
