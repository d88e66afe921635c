"""The command line imports what a command uses, and no more: `ordermesh --help` must not
pay for the web framework, the solver, the database or the file formats (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# Each costs from tens to hundreds of milliseconds to import; none is needed to list commands.
HEAVY = (
    "fastapi", "starlette", "uvicorn", "pydantic", "highspy", "numpy", "sqlalchemy",
    "alembic", "psycopg", "nats", "httpx", "zipcodes", "holidays", "yaml",
    "ordermesh.bootstrap", "ordermesh.adapters", "ordermesh.services.simulation",
    "ordermesh.domain.routing",
)  # fmt: skip
SRC = Path(__file__).resolve().parents[2] / "src"


def imported_modules(*args: str) -> set[str]:
    """Every module a fresh interpreter imports to run ``args``, from -X importtime."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")]),
    }
    finished = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True, text=True, env=env, check=True,
    )  # fmt: skip
    return {
        line.rsplit("|", 1)[1].strip()
        for line in finished.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }


def heavy_among(modules: set[str], allowed: tuple[str, ...] = ()) -> list[str]:
    heavy = [h for h in HEAVY if h not in allowed]
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


def test_importing_the_cli_imports_no_framework_solver_or_database() -> None:
    modules = imported_modules("-c", "import ordermesh.entrypoints.cli")
    assert "typer" in modules  # the probe sees imports at all
    assert heavy_among(modules) == []


def test_asking_for_help_imports_no_framework_solver_or_database() -> None:
    modules = imported_modules("-m", "ordermesh.entrypoints.cli", "--help")
    assert heavy_among(modules) == []


@pytest.mark.parametrize("command", ["simulate", "worker", "availability"])
def test_a_command_s_help_imports_none_of_what_the_command_runs_on(command: str) -> None:
    modules = imported_modules("-m", "ordermesh.entrypoints.cli", command, "--help")
    # Typer itself reads a command's options through pydantic.
    assert heavy_among(modules, allowed=("pydantic",)) == []
