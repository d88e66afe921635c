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

from bench.bare_loop import REFERENCE_SECONDS, loop_seconds, scaled, timed

CLI = [sys.executable, "-m", "ordermesh.entrypoints.cli"]
TARGETS = {"ordermesh --help": 0.3, "ordermesh availability MUG-BLUE": 0.6}


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
        loops = [loop_seconds()]
        medians: dict[str, float] = {}
        for label, command in commands.items():
            medians[label] = statistics.median(timed(command, env) for _ in range(args.repeat))
            loops.append(loop_seconds())
    loop = statistics.median(loops)
    rows = [
        f"`python -m bench startup {' '.join(argv)}`".replace(" `", "`"),
        "",
        f"bare loop {loop:.2f} s (median of {len(loops)}, taken between the commands)",
        "",
        "| command | median s | / python -c pass | / bare loop | "
        f"s at a {REFERENCE_SECONDS} s loop | target |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for label, seconds in medians.items():
        target = TARGETS.get(label)
        rows.append(
            f"| `{label}` | {seconds:.3f} | {seconds / medians['python -c pass']:.1f}x | "
            f"{seconds / loop:.2f} | {scaled(seconds, loop):.2f} | "
            f"{'-' if target is None else f'{target} s'} |"
        )
    print("\n".join(rows))
    return 0
