"""``python -m bench speed``: decision speed of the routing core, beside a trivial baseline.

The issue's targets: on one core, 3-line orders over 50 nodes and 5,000 SKUs at >= 2,000
orders/s with p99 <= 5 ms, and p99 <= 20 ms at 200 nodes. Each network routes the same
3-line orders (drawn from the scenario generator, keeping the orders of exactly three
lines) against ample stock, through ``ordermesh`` (the myopic routing core, explanation
included) and ``nearest`` in the same run, so the ratio between them says more than either
figure on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace

from bench.scenarios import Cell, build
from ordermesh.services.simulation import kpis, make_policy, simulate

SPEED_CELLS = (Cell(50, 0.1, 5_000, 1.1, 2.0, False), Cell(200, 0.1, 5_000, 1.1, 2.0, False))
LINES = 3
POLICIES = ("nearest", "ordermesh")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench speed", description=__doc__)
    parser.add_argument("--orders", type=int, default=1_000, help="3-line orders per network")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    rows = [
        "| network | policy | orders | orders/s | p50 ms | p99 ms | ordermesh / nearest time |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for cell in SPEED_CELLS:
        # Draw plenty of orders and keep the 3-line ones (about a sixth of them).
        scenario = build(cell, args.seed, args.orders * 8, 3)
        orders = [o for o in scenario.orders if len(o.lines) == LINES][: args.orders]
        scenario = replace(scenario, orders=tuple(orders))
        seconds: dict[str, float] = {}
        for name in POLICIES:
            policy = make_policy(name, scenario.network)
            # As ordermesh simulate does: an explanation is dropped once made, so the
            # garbage collector does not walk every earlier decision's node verdicts.
            results = simulate(
                scenario.network, scenario.stock, scenario.orders, policy, keep_explanations=False
            )
            figures = kpis(results)
            seconds[name] = figures.decision_seconds
            ratio = seconds[name] / seconds["nearest"]
            rows.append(
                f"| {cell.nodes} nodes, {cell.skus:,} SKUs | {name} | {figures.orders:,} | "
                f"{figures.orders_per_second:,.0f} | {figures.latency_p50_ms:.2f} | "
                f"{figures.latency_p99_ms:.2f} | {ratio:.1f}x |"
            )
            print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0
