"""``python -m bench replay``: ``ordermesh simulate`` end to end on a large order stream.

The issue's target: ``ordermesh simulate`` on 100,000 orders completes in under two minutes
on a 2-core machine. This writes one seeded scenario as the files a user would have (the
network YAML, the inventory CSV and the orders CSV, stock sized to the stream as in the
routing benchmark), then runs the real command (``ordermesh simulate ... --json``) in a
subprocess once per policy, timing the whole run: reading and checking the files,
routing, and writing DECISIONS.jsonl. ``nearest`` runs beside the others as the baseline,
so the ratio says how much the routing itself costs on a machine shared with other work;
the bare loop (bench/bare_loop.py) is timed before and after each policy, and each run's
CPU seconds (user + system, steadier than wall seconds on a shared machine) are also given
scaled to a machine where the loop takes 0.6 s.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bare_loop import children_cpu, loop_times, scaled
from bench.scenarios import draw, parse_cell
from ordermesh.adapters.formats.orders_csv import render_orders_csv
from ordermesh.scenario.write_demo import render_inventory_csv, render_network_yaml

DEFAULT_CELL = "50,0.1,5000,1.1,1.2,unlimited"
DEFAULT_POLICIES = ("nearest", "ordermesh", "ordermesh-batch")


def write_files(directory: Path, cell_text: str, seed: int, orders: int, days: int) -> None:
    drawn = draw(parse_cell(cell_text), seed, orders, days)
    (directory / "network.yaml").write_text(render_network_yaml(drawn.document), "utf-8")
    rows = [
        {"node": node, "sku": sku, "on_hand": units, "safety_stock": 0}
        for (node, sku), units in sorted(drawn.stock.items())
    ]
    (directory / "inventory.csv").write_text(render_inventory_csv(rows), "utf-8")  # type: ignore[arg-type]
    (directory / "orders.csv").write_text(render_orders_csv(drawn.rows), "utf-8")


def run_policy(directory: Path, policy: str) -> tuple[float, float, dict[str, Any]]:
    """Wall and CPU seconds of ``ordermesh simulate`` with ``policy``, and its KPIs."""
    command = [
        sys.executable, "-m", "ordermesh.entrypoints.cli", "simulate",
        "--network", str(directory / "network.yaml"),
        "--inventory", str(directory / "inventory.csv"),
        "--orders", str(directory / "orders.csv"),
        "--policy", policy,
        "--out", str(directory / f"decisions-{policy}.jsonl"),
        "--json",
    ]  # fmt: skip
    started, cpu = time.perf_counter(), children_cpu()
    finished = subprocess.run(command, capture_output=True, text=True, check=False)
    seconds, cpu = time.perf_counter() - started, children_cpu() - cpu
    if finished.returncode != 0:
        raise SystemExit(f"{policy}: exit {finished.returncode}\n{finished.stderr[-2000:]}")
    return seconds, cpu, json.loads(finished.stdout)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench replay", description=__doc__)
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--cell", default=DEFAULT_CELL, help="nodes,dc_share,skus,zipf,stock,tight")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policies", nargs="*", default=list(DEFAULT_POLICIES))
    args = parser.parse_args(argv)
    rows = [
        f"`{' '.join(['python -m bench replay', *argv])}`",
        "",
        f"cell {args.cell}, seed {args.seed}, {args.orders:,} orders over {args.days} days",
        "",
        "| policy | orders | wall s (whole command) | CPU s | CPU / nearest | bare loop s "
        "(wall, CPU) | CPU s at a 0.6 s loop | routing orders/s | p50 ms | p99 ms | unit fill "
        "| shipments/order | cost/order |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="ordermesh-replay-") as name:
        directory = Path(name)
        print("writing the scenario files...", file=sys.stderr, flush=True)
        write_files(directory, args.cell, args.seed, args.orders, args.days)
        baseline: float | None = None
        for policy in args.policies:
            before = loop_times()
            seconds, cpu, figures = run_policy(directory, policy)
            after = loop_times()
            loop_wall, loop_cpu = (before.wall + after.wall) / 2, (before.cpu + after.cpu) / 2
            if policy == "nearest":
                baseline = cpu
            ratio = f"{cpu / baseline:.2f}x" if baseline else "-"
            rows.append(
                f"| {policy} | {figures['orders']:,} | {seconds:,.1f} | {cpu:,.1f} | {ratio} | "
                f"{loop_wall:.2f}, {loop_cpu:.2f} | {scaled(cpu, loop_cpu):,.1f} | "
                f"{figures['orders_per_second']:,.0f} | "
                f"{figures['latency_p50_ms']:.2f} | {figures['latency_p99_ms']:.2f} | "
                f"{figures['fill_rate']:.1%} | {figures['shipments_per_order']:.3f} | "
                f"{figures['cost_per_order']:.3f} |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0
