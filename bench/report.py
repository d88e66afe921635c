"""The benchmark's markdown report: one table per cell, figures summed over its seeds."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby

from bench.runner import SeedRun


def _pct(value: float) -> str:
    return f"{value:.1%}"


def _policy_rows(runs: Sequence[SeedRun]) -> list[str]:
    optimum_cost = sum(r.optimum.cost for r in runs)
    names = [p.policy for p in runs[0].policies]
    nearest_cost = sum(p.kpis.cost for r in runs for p in r.policies if p.policy == "nearest")
    myopic_cost = sum(p.kpis.cost for r in runs for p in r.policies if p.policy == "ordermesh")
    rows = []
    for name in names:
        figures = [p for r in runs for p in r.policies if p.policy == name]
        orders = sum(p.kpis.orders for p in figures)
        units = sum(p.kpis.units for p in figures)
        cost = sum(p.kpis.cost for p in figures)
        shipments = sum(p.kpis.shipments for p in figures)
        splits = sum(p.kpis.split_orders for p in figures)
        shipped = sum(p.kpis.units_shipped for p in figures)
        on_time = sum(p.kpis.on_time_shipments for p in figures)
        co2e = sum(p.kpis.co2e_g for p in figures)
        seconds = sum(p.kpis.decision_seconds for p in figures)
        gap = nearest_cost - optimum_cost
        closed = (nearest_cost - cost) / gap if gap > 0 else float("nan")
        myopic_gap = myopic_cost - optimum_cost
        closed_myopic = (myopic_cost - cost) / myopic_gap if myopic_gap > 0 else float("nan")
        rows.append(
            # No optimum when HiGHS found no solution within --time-limit: no ratio.
            f"| {name} | {cost:,.2f} | "
            f"{f'{cost / optimum_cost:.3f}' if optimum_cost > 0 else '-'} | "
            f"{'-' if name == 'nearest' else _pct(closed)} | "
            f"{_pct(closed_myopic) if name.startswith('ordermesh-') else '-'} | "
            f"{shipments / orders:.3f} | "
            f"{_pct(splits / orders)} | {_pct(shipped / units)} | "
            f"{_pct(on_time / shipments if shipments else 1.0)} | {co2e / orders / 1000:.3f} | "
            f"{sum(p.violations.oversold_units for p in figures)} | "
            f"{sum(p.violations.capacity_violations for p in figures)} | "
            f"{sum(p.violations.unit_mismatches for p in figures)}"
            f"/{sum(p.violations.cost_mismatches for p in figures)} | "
            f"{max(p.kpis.latency_p50_ms for p in figures):.2f} | "
            f"{max(p.kpis.latency_p99_ms for p in figures):.2f} | "
            f"{orders / seconds if seconds else 0:,.0f} |"
        )
    optimum = [r.optimum for r in runs]
    orders = sum(o.orders for o in optimum)
    units = sum(o.units for o in optimum)
    kinds = sorted({o.kind for o in optimum})
    statuses = ", ".join(sorted({o.status for o in optimum}))
    rows.append(
        f"| hindsight {'/'.join(kinds)} ({statuses}; max gap {max(o.gap for o in optimum):.2%}) | "
        f"{optimum_cost:,.2f} | 1.000 | 100.0% | 100.0% | "
        f"{sum(o.shipments for o in optimum) / orders:.3f} | "
        f"{_pct(sum(o.split_orders for o in optimum) / orders)} | "
        f"{_pct(sum(o.units_shipped for o in optimum) / units)} | 100.0% | "
        f"{sum(o.co2e_g for o in optimum) / orders / 1000:.3f} | 0 | 0 | - | - | - | "
        f"solve {max(o.seconds for o in optimum):.1f} s max |"
    )
    return rows


HEADER = (
    "| policy | total cost | / optimum | gap closed vs nearest | gap closed vs myopic "
    "| shipments/order | split rate "
    "| unit fill | promise hit | CO2e kg/order | oversold | capacity viol. | unit/cost mismatch "
    "| p50 ms | p99 ms | orders/s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def render(runs: Sequence[SeedRun], command: str, orders: int, days: int) -> str:
    lines = [
        "# Routing benchmark report",
        "",
        f"Command: `{command}`",
        "",
        f"{orders} orders over {days} days per seed; figures are summed over the seeds of a "
        "cell (latency: the worst seed). The hindsight optimum keeps the "
        f"{runs[0].optimum.k if runs else '-'} cheapest candidate nodes per order plus every "
        "node a policy used for that order; 'gap closed vs nearest' is "
        "(nearest - policy) / (nearest - optimum), 'gap closed vs myopic' is "
        "(ordermesh - policy) / (ordermesh - optimum). Latency of ordermesh-batch is the "
        "window's solve, which every order of the window waits for (plus the window itself); "
        "its orders/s and ordermesh-shadow's count the MIP and LP time.",
        "",
    ]
    for cell, group in groupby(runs, key=lambda r: r.cell):
        seeded = list(group)
        seeds = ", ".join(str(r.seed) for r in seeded)
        optimum = seeded[0].optimum
        lines += [
            f"## {cell.label}",
            "",
            f"nodes {cell.nodes}, DC share {cell.dc_share:.0%}, {cell.skus:,} SKUs, Zipf "
            f"{cell.zipf}, stock/demand {cell.stock_ratio}, capacity "
            f"{'tight' if cell.tight else 'unlimited'}; seeds {seeds}; optimum model "
            f"{optimum.columns:,} columns x {optimum.rows:,} rows (seed {seeded[0].seed}), "
            f"{sum(r.optimum.forced_nodes for r in seeded)} (order, node) pairs added beyond K.",
            "",
            HEADER,
            *_policy_rows(seeded),
            "",
        ]
    return "\n".join(lines)
