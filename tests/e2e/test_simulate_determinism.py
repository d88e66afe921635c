"""Same input, same decisions: ``ordermesh simulate`` run twice, in separate processes (so
with different string hash seeds), once on a quiet machine and once beside a process that
keeps a core busy, writes the same DECISIONS.jsonl byte for byte, latency aside. Every
solver a policy calls is bounded by counted work, never by seconds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.replay import write_files

# Store-heavy, short stock, tight capacity: the cell where the batch MIP and the shadow
# prices change the most decisions, so where a time-bounded solve would differ first.
CELL = "10,0.1,1000,1.1,0.8,tight"
HOG = "import itertools\nfor _ in itertools.count(): pass\n"


def decisions(directory: Path, policy: str, out: str) -> list[bytes]:
    """The decision lines of one ``ordermesh simulate`` run, each without its latency."""
    command = [
        sys.executable, "-m", "ordermesh.entrypoints.cli", "simulate",
        "--network", str(directory / "network.yaml"),
        "--inventory", str(directory / "inventory.csv"),
        "--orders", str(directory / "orders.csv"),
        "--policy", policy, "--out", str(directory / out), "--json",
    ]  # fmt: skip
    subprocess.run(command, capture_output=True, check=True, timeout=600)
    lines = []
    for raw in (directory / out).read_bytes().splitlines():
        row = json.loads(raw)
        assert isinstance(row.pop("latency_ms"), float | int)
        lines.append(json.dumps(row, sort_keys=True).encode())
    return lines


@pytest.mark.parametrize("policy", ["ordermesh-batch", "ordermesh-shadow"])
def test_a_replay_decides_the_same_on_a_quiet_and_on_a_busy_machine(
    tmp_path: Path, policy: str
) -> None:
    write_files(tmp_path, CELL, seed=5, orders=150, days=1)
    quiet = decisions(tmp_path, policy, "quiet.jsonl")
    hog = subprocess.Popen([sys.executable, "-c", HOG])
    try:
        busy = decisions(tmp_path, policy, "busy.jsonl")
    finally:
        hog.kill()
        hog.wait()
    assert len(quiet) == 150
    assert busy == quiet
