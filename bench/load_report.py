"""The pure half of the load benchmark (``python -m bench load``): percentiles, the
accounting of oversold units and duplicate orders, and the markdown report.

Nothing here talks to a server or a database, so it is unit tested on its own
(tests/unit/bench/test_load_report.py); bench/load.py gathers the figures.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

Position = tuple[str, str]  # (node, sku)

# The targets (issue 4), checked against every run.
TARGET_ORDERS_PER_S = 300.0  # PostgreSQL, closed loop, 2 cores
TARGET_P99_MS = 50.0  # at the fixed rate
TARGET_AVAILABILITY_P99_MS = 10.0  # in process


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile ``q`` (0 < q <= 100) of ``values``; NaN when empty.

    Nearest rank never interpolates: p99 of 200 samples is the 198th smallest, a latency
    some request really had."""
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], got {q}")
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return ordered[max(rank, 1) - 1]


@dataclass(frozen=True, slots=True)
class Latency:
    """Milliseconds."""

    count: int
    p50: float
    p99: float
    max: float

    @classmethod
    def of_seconds(cls, seconds: Sequence[float]) -> Latency:
        ms = [s * 1000.0 for s in seconds]
        return cls(
            count=len(ms),
            p50=percentile(ms, 50),
            p99=percentile(ms, 99),
            max=max(ms) if ms else math.nan,
        )


def oversold_units(
    sellable: Mapping[Position, int], granted: Iterable[tuple[str, str, int]]
) -> dict[Position, int]:
    """Units granted beyond what each position could sell, per position (only those over).

    ``sellable`` is on hand minus safety stock at the start (a position not listed could sell
    nothing); ``granted`` is every (node, sku, units) the accepted orders were given."""
    taken: defaultdict[Position, int] = defaultdict(int)
    for node, sku, units in granted:
        taken[(node, sku)] += units
    over = {}
    for position, units in taken.items():
        excess = units - max(0, sellable.get(position, 0))
        if excess > 0:
            over[position] = excess
    return over


def over_reserved(
    positions: Iterable[tuple[str, str, int, int, int]],
) -> dict[Position, int]:
    """Positions (node, sku, on_hand, reserved, safety_stock) whose reservations exceed what
    they may sell (on hand minus safety stock): the excess units of each."""
    over = {}
    for node, sku, on_hand, reserved, safety_stock in positions:
        excess = reserved - max(0, on_hand - safety_stock)
        if excess > 0:
            over[(node, sku)] = excess
    return over


def ledger_mismatches(
    reserved: Mapping[Position, int], open_reservations: Mapping[Position, int]
) -> dict[Position, tuple[int, int]]:
    """Positions whose ``reserved`` differs from the sum of their open reservations:
    (reserved, held by open reservations)."""
    return {
        position: (reserved.get(position, 0), open_reservations.get(position, 0))
        for position in set(reserved) | set(open_reservations)
        if reserved.get(position, 0) != open_reservations.get(position, 0)
    }


def extra_copies(keys: Iterable[tuple[str, str | None]]) -> int:
    """How many rows repeat a (channel, key) already seen; keys that are None never collide."""
    counts: defaultdict[tuple[str, str], int] = defaultdict(int)
    for channel, key in keys:
        if key is not None:
            counts[(channel, key)] += 1
    return sum(count - 1 for count in counts.values() if count > 1)


@dataclass(frozen=True, slots=True)
class Reply:
    """One answer to POST /v1/orders. ``key`` names the logical order (channel and
    external id): every copy of a submission carries the same one. ``status`` 0 is a
    transport error or a timeout."""

    key: str
    status: int
    order_id: str | None
    seconds: float
    granted: tuple[tuple[str, str, int], ...] = ()  # (node, sku, units) of its shipments


@dataclass(frozen=True, slots=True)
class IdempotencyCheck:
    keys_repeated: int  # logical orders sent more than once
    created_twice: int  # logical orders answered 201 more than once
    answered_differently: int  # logical orders whose 2xx answers name more than one order id


def idempotency(replies: Iterable[Reply]) -> IdempotencyCheck:
    sent: defaultdict[str, int] = defaultdict(int)
    created: defaultdict[str, int] = defaultdict(int)
    ids: defaultdict[str, set[str]] = defaultdict(set)
    for reply in replies:
        sent[reply.key] += 1
        if reply.status == 201:
            created[reply.key] += 1
        if 200 <= reply.status < 300 and reply.order_id is not None:
            ids[reply.key].add(reply.order_id)
    return IdempotencyCheck(
        keys_repeated=sum(1 for count in sent.values() if count > 1),
        created_twice=sum(1 for count in created.values() if count > 1),
        answered_differently=sum(1 for found in ids.values() if len(found) > 1),
    )


def granted_once(replies: Iterable[Reply]) -> list[tuple[str, str, int]]:
    """The units of every accepted order, counted once per order id whatever the repeats."""
    seen: set[str] = set()
    units: list[tuple[str, str, int]] = []
    for reply in replies:
        if 200 <= reply.status < 300 and reply.order_id and reply.order_id not in seen:
            seen.add(reply.order_id)
            units.extend(reply.granted)
    return units


def status_counts(replies: Iterable[Reply]) -> dict[int, int]:
    counts: defaultdict[int, int] = defaultdict(int)
    for reply in replies:
        counts[reply.status] += 1
    return dict(sorted(counts.items()))


# -- the report -----------------------------------------------------------------------------


@dataclass
class PhaseFigures:
    """One load phase against one server."""

    name: str
    requests: int  # sent, repeats included
    orders: int  # logical orders sent
    created: int  # 201 answers (the healthz phase: 200 answers)
    seconds: float  # wall time from the first send to the last answer
    latency: Latency  # every answer; open loop: from the scheduled send time
    statuses: dict[int, int]
    late_sends: int = 0  # open loop: sends more than 10 ms after their scheduled time
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds by process group

    @property
    def orders_per_s(self) -> float:
        return self.created / self.seconds if self.seconds > 0 else math.nan


@dataclass
class Checks:
    orders_in_db: int
    over_reserved_units: int  # reserved beyond on hand - safety stock, summed
    ledger_mismatches: int  # positions whose reserved != their open reservations
    oversold_granted_units: int  # units granted beyond the starting stock (from the answers)
    scarce_sellable: int  # units of the scarce SKUs there were to sell
    scarce_granted: int  # units of the scarce SKUs granted to accepted orders
    scarce_backordered: int  # units of the scarce SKUs waiting on backorder
    duplicate_orders: int  # rows repeating a (channel, external id) or (channel, key)
    created_twice: int  # from the answers
    answered_differently: int  # from the answers
    acknowledged_missing: int  # 2xx order ids not in the database
    unacknowledged: int  # orders in the database no 2xx named (a request that timed out)
    reconcile_problems: list[str]

    @property
    def oversold(self) -> int:
        return self.over_reserved_units + self.oversold_granted_units

    @property
    def duplicates(self) -> int:
        return self.duplicate_orders + self.created_twice + self.answered_differently


@dataclass
class DatabaseRun:
    database: str
    workers: int
    clients: int
    rate: float
    duration: float  # seconds of sends at the fixed rate
    phases: list[PhaseFigures]
    checks: Checks
    availability_in_process: Latency
    availability_http: Latency
    load_average: tuple[float, float] = (math.nan, math.nan)  # 1-minute, before and after

    def phase(self, name: str) -> PhaseFigures:
        return next(p for p in self.phases if p.name == name)


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.1f}"


def _met(ok: bool) -> str:
    return "met" if ok else "**not met**"


def _cpu(phase: PhaseFigures) -> str:
    if not phase.cpu or phase.seconds <= 0:
        return "-"
    per_order = (
        f" = {sum(phase.cpu.values()) / phase.created * 1000:.1f} ms per order"
        if phase.created
        else ""
    )
    return (
        ", ".join(f"{name} {seconds / phase.seconds:.2f}" for name, seconds in phase.cpu.items())
        + per_order
    )


def render(runs: Sequence[DatabaseRun], command: str, conditions: str) -> str:
    lines = [
        f"Command: `{command}`",
        "",
        conditions,
        "",
        "| database | closed loop: orders accepted | orders/s | p50 ms | p99 ms | "
        "fixed rate | p50 ms | p99 ms | max ms | late sends | "
        "availability p50 / p99 ms in process | over HTTP |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        closed, fixed = run.phase("closed"), run.phase("open")
        ap, ah = run.availability_in_process, run.availability_http
        lines.append(
            f"| {run.database} | {closed.created:,} | {closed.orders_per_s:,.0f} | "
            f"{_ms(closed.latency.p50)} | {_ms(closed.latency.p99)} | "
            f"{run.rate:g}/s x {run.duration:g} s | {_ms(fixed.latency.p50)} | "
            f"{_ms(fixed.latency.p99)} | {_ms(fixed.latency.max)} | {fixed.late_sends} | "
            f"{_ms(ap.p50)} / {_ms(ap.p99)} | {_ms(ah.p50)} / {_ms(ah.p99)} |"
        )
    lines += [
        "",
        "| database | orders in db | non-2xx answers (of which timeouts) | oversold units | "
        "reserved != open reservations | scarce units: sellable / granted / backordered | "
        "duplicate orders | "
        "2xx missing | unacknowledged | reconcile problems |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        c = run.checks
        bad = sum(
            count
            for phase in run.phases
            for status, count in phase.statuses.items()
            if not 200 <= status < 300
        )
        timeouts = sum(phase.statuses.get(0, 0) for phase in run.phases)
        lines.append(
            f"| {run.database} | {c.orders_in_db:,} | {bad} ({timeouts}) | {c.oversold} | "
            f"{c.ledger_mismatches} | {c.scarce_sellable} / {c.scarce_granted} / "
            f"{c.scarce_backordered} | {c.duplicates} | {c.acknowledged_missing} | "
            f"{c.unacknowledged} | {len(c.reconcile_problems)} |"
        )
    lines += [
        "",
        "CPU used during each phase, in cores (CPU seconds / wall seconds), and all of it "
        "over the orders created: "
        + "; ".join(
            f"{run.database} {phase.name} loop: {_cpu(phase)}"
            for run in runs
            for phase in run.phases
            if phase.name in ("closed", "open")
        )
        + ". Baseline, `GET /healthz` from the same clients to the same server after the "
        "closed loop: "
        + "; ".join(
            f"{run.database} {run.phase('healthz').orders_per_s:,.0f}/s, p99 "
            f"{_ms(run.phase('healthz').latency.p99)} ms (orders/s closed loop = "
            f"{run.phase('closed').orders_per_s / run.phase('healthz').orders_per_s:.0%} of it)"
            for run in runs
            if any(p.name == "healthz" for p in run.phases)
        )
        + ". Load average (1 min) before and after each database's run: "
        + "; ".join(
            f"{run.database} {run.load_average[0]:.1f} -> {run.load_average[1]:.1f}" for run in runs
        )
        + ".",
        "",
        "| target (issue 4) | " + " | ".join(run.database for run in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    targets: list[tuple[str, Callable[[DatabaseRun], str]]] = [
        (
            f">= {TARGET_ORDERS_PER_S:.0f} orders/s accepted (PostgreSQL)",
            lambda r: (
                f"{r.phase('closed').orders_per_s:,.0f}/s: "
                + _met(r.phase("closed").orders_per_s >= TARGET_ORDERS_PER_S)
                if r.database == "postgresql"
                else f"{r.phase('closed').orders_per_s:,.0f}/s (no target)"
            ),
        ),
        (
            f"p99 <= {TARGET_P99_MS:.0f} ms at the fixed rate",
            lambda r: (
                f"{_ms(r.phase('open').latency.p99)} ms: "
                + _met(r.phase("open").latency.p99 <= TARGET_P99_MS)
            ),
        ),
        (
            f"availability p99 <= {TARGET_AVAILABILITY_P99_MS:.0f} ms in process",
            lambda r: (
                f"{_ms(r.availability_in_process.p99)} ms: "
                + _met(r.availability_in_process.p99 <= TARGET_AVAILABILITY_P99_MS)
            ),
        ),
        ("zero oversold units", lambda r: f"{r.checks.oversold}: {_met(r.checks.oversold == 0)}"),
        (
            "zero duplicate orders",
            lambda r: f"{r.checks.duplicates}: {_met(r.checks.duplicates == 0)}",
        ),
    ]
    for label, cell in targets:
        lines.append(f"| {label} | " + " | ".join(cell(run) for run in runs) + " |")
    problems = [(run.database, p) for run in runs for p in run.checks.reconcile_problems]
    if problems:
        lines += ["", "Reconcile problems (first 10):", ""]
        lines += [f"- {database}: {problem}" for database, problem in problems[:10]]
    return "\n".join(lines)
