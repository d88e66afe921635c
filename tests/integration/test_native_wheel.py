"""`pip wheel .` builds the routing core compiled with mypyc into the wheel (where a C
compiler is), and the compiled wheel decides exactly as the pure sources do.

One wheel build, at mypyc's lowest optimisation level (MYPYC_OPT_LEVEL=0) so that it fits
in the suite: the same modules, the same C, compiled with less effort; `pip install .`
builds at the default level.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from ordermesh.native import SUFFIX, sources

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "ordermesh"

# Replays a small scenario through two policies and prints DECISIONS.jsonl less latencies,
# after the file the routing core's search was imported from.
REPLAY = """
import json
from bench.scenarios import Cell, build
from ordermesh.domain.routing import search
from ordermesh.services.simulation import decision_json, make_policy, simulate

print(search.__file__)
scenario = build(Cell(10, 0.1, 1_000, 1.1, 0.8, True), 5, orders=60, days=2)
for name in ("ordermesh", "nearest"):
    policy = make_policy(name, scenario.network)
    for routed in simulate(scenario.network, scenario.stock, scenario.orders, policy):
        decision = decision_json(routed)
        del decision["latency_ms"]
        print(json.dumps(decision, separators=(",", ":")))
"""


def run(command: list[str], **env: str) -> str:
    finished = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **env}, check=False
    )
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return finished.stdout


def replay_from(site: Path) -> tuple[str, list[str]]:
    # Only the installed package and bench/ (beside src/, never on the path) are importable.
    output = run([sys.executable, "-c", REPLAY], PYTHONPATH=os.pathsep.join([str(site), str(ROOT)]))
    origin, *decisions = output.splitlines()
    return origin, decisions


@pytest.mark.skipif(not shutil.which("cc"), reason="no C compiler: the wheel is pure Python")
def test_the_wheel_holds_the_compiled_core_and_decides_as_the_pure_sources(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"]
    run(
        [*pip, "wheel", str(ROOT), "--no-deps", "--no-build-isolation", "-w", str(dist)],
        MYPYC_OPT_LEVEL="0",
        MYPYC_DEBUG_LEVEL="0",
    )
    (wheel,) = dist.glob("ordermesh-*.whl")
    assert not wheel.name.endswith("-none-any.whl")  # tagged for this interpreter
    names = zipfile.ZipFile(wheel).namelist()
    for source in sources():
        module = "ordermesh/" + source.relative_to(PACKAGE).with_suffix("").as_posix()
        assert module + SUFFIX in names, module
        assert module + ".py" in names, module  # the sources stay, for tracebacks
    assert any("__mypyc." in name and "/" not in name for name in names)  # the shared module

    compiled = tmp_path / "compiled"
    run([*pip, "install", "--no-deps", "--no-compile", "--target", str(compiled), str(wheel)])
    pure = tmp_path / "pure"
    shutil.copytree(compiled, pure, ignore=shutil.ignore_patterns(f"*{SUFFIX}"))

    compiled_origin, compiled_decisions = replay_from(compiled)
    pure_origin, pure_decisions = replay_from(pure)
    assert compiled_origin.endswith(SUFFIX) and pure_origin.endswith(".py")
    assert len(compiled_decisions) == 120
    assert compiled_decisions == pure_decisions
