"""``python -m bench [--quick] [--cells ...] [--seeds N]``: run the routing benchmark;
``python -m bench speed``: the decision-speed benchmark (bench/speed.py);
``python -m bench replay``: ``ordermesh simulate`` timed on 100,000 orders (bench/replay.py);
``python -m bench startup``: ``ordermesh --help`` and ``availability`` timed (bench/startup.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.report import render
from bench.runner import POLICY_NAMES, SeedRun, run
from bench.scenarios import ForecastError, cells_from, full_grid, quick_cells


def main(argv: list[str] | None = None) -> int:
    if (sys.argv[1:] if argv is None else argv)[:1] == ["load"]:  # the HTTP load benchmark
        from bench.load import main as load_main

        return load_main((sys.argv[1:] if argv is None else argv)[1:])
    if (sys.argv[1:] if argv is None else argv)[:1] == ["relay"]:  # outbox relay throughput
        from bench.relay import main as relay_main

        return relay_main((sys.argv[1:] if argv is None else argv)[1:])
    if (sys.argv[1:] if argv is None else argv)[:1] == ["replay"]:  # ordermesh simulate, timed
        from bench.replay import main as replay_main

        return replay_main((sys.argv[1:] if argv is None else argv)[1:])
    if (sys.argv[1:] if argv is None else argv)[:1] == ["startup"]:  # the CLI's start
        from bench.startup import main as startup_main

        return startup_main((sys.argv[1:] if argv is None else argv)[1:])
    if (sys.argv[1:] if argv is None else argv)[:1] == ["speed"]:  # decision speed
        from bench.speed import main as speed_main

        return speed_main((sys.argv[1:] if argv is None else argv)[1:])
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5 representative cells, 2 seeds")
    parser.add_argument("--full", action="store_true", help="the whole grid (hours)")
    parser.add_argument(
        "--cells", nargs="*", default=None, help="cells as nodes,dc_share,skus,zipf,stock,tight"
    )
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--orders", type=int, default=None, help="orders per seed")
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--k", type=int, default=10, help="candidate nodes per order in the MIP")
    parser.add_argument("--time-limit", type=float, default=None, help="MIP seconds per seed")
    parser.add_argument(
        "--forecast-volume",
        type=float,
        default=1.0,
        help="the policies' history holds this times the true volume (0.7, 1.3: off by 30%%)",
    )
    parser.add_argument(
        "--forecast-metro-share",
        type=float,
        default=None,
        help="the policies' history puts this share of customers in big metros (the "
        "scored orders: 0.8), i.e. another spatial mix",
    )
    parser.add_argument(
        "--policies", nargs="*", default=list(POLICY_NAMES), choices=POLICY_NAMES,
        help="the policies to run (default: all)",
    )  # fmt: skip
    parser.add_argument("--out", type=Path, default=Path("bench/report.md"))
    args = parser.parse_args(argv)

    if args.cells:
        cells = cells_from(args.cells)
    elif args.full:
        cells = full_grid()
    else:
        cells = quick_cells()
    seeds = args.seeds or (2 if args.quick or not args.full else 3)
    orders = args.orders or (300 if args.quick else 1000)
    time_limit = args.time_limit or (60.0 if args.quick else 120.0)

    def progress(result: SeedRun) -> None:
        costs = ", ".join(
            f"{p.policy} {p.kpis.cost:,.2f} ({p.kpis.units - p.kpis.units_shipped} backordered)"
            for p in result.policies
        )
        print(
            f"{result.cell.label} seed {result.seed}: {costs}, optimum "
            f"{result.optimum.cost:,.0f} ({result.optimum.kind}, {result.optimum.status}) "
            f"in {result.seconds:.0f} s",
            file=sys.stderr,
            flush=True,
        )

    error = ForecastError(args.forecast_volume, args.forecast_metro_share)
    runs = run(cells, seeds, orders, args.days, args.k, time_limit, progress, error, args.policies)
    command = "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:])
    report = render(runs, command.strip(), orders, args.days)
    args.out.write_text(report + "\n", encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
