"""``python -m bench startup``: how fast the command line starts.

``ordermesh --help`` and ``ordermesh availability SKU`` (against a SQLite database holding
the demo network and inventory, made first in a temporary directory), each beside
``python -c pass`` (the interpreter's own start) and the bare loop (bench/bare_loop.py),
timed in the same run. Each command runs ``--repeat`` times; the median counts. Issue 11's
targets: 0.3 s and 0.6 s where the loop takes 0.6 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from bench.bare_loop import REFERENCE_SECONDS, Seconds, children_cpu, loop_times, scaled, timed

CLI = [sys.executable, "-m", "ordermesh.entrypoints.cli"]
TARGETS = {"ordermesh --help": 0.3, "ordermesh availability MUG-BLUE": 0.6}


def measured(command: list[str], env: dict[str, str]) -> Seconds:
    cpu = children_cpu()
    wall = timed(command, env)
    return Seconds(wall, children_cpu() - cpu)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench startup", description=__doc__)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ordermesh-startup-") as name:
        env = {**os.environ, "ORDERMESH_DATABASE_URL": f"sqlite:///{Path(name) / 'om.db'}"}
        timed([*CLI, "demo"], env)
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "ordermesh --help": [*CLI, "--help"],
            "ordermesh availability MUG-BLUE": [*CLI, "availability", "MUG-BLUE"],
        }
        loops = [loop_times()]
        medians: dict[str, Seconds] = {}
        for label, command in commands.items():
            runs = [measured(command, env) for _ in range(args.repeat)]
            medians[label] = Seconds(
                statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs)
            )
            loops.append(loop_times())
    loop = Seconds(
        statistics.median(t.wall for t in loops), statistics.median(t.cpu for t in loops)
    )
    rows = [
        f"`python -m bench startup {' '.join(argv)}`".replace(" `", "`"),
        "",
        f"bare loop {loop.wall:.2f} s wall, {loop.cpu:.2f} s CPU (median of {len(loops)}, "
        "taken between the commands)",
        "",
        "| command | median wall s | median CPU s | CPU / python -c pass | CPU / bare loop CPU | "
        f"CPU s at a {REFERENCE_SECONDS} s loop | target |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    base = medians["python -c pass"]
    for label, seconds in medians.items():
        target = TARGETS.get(label)
        rows.append(
            f"| `{label}` | {seconds.wall:.3f} | {seconds.cpu:.3f} | "
            f"{seconds.cpu / base.cpu:.1f}x | {seconds.cpu / loop.cpu:.3f} | "
            f"{scaled(seconds.cpu, loop.cpu):.2f} | {'-' if target is None else f'{target} s'} |"
        )
    print("\n".join(rows))
    return 0
