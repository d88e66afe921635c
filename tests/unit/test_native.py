"""The guard against a compiled routing core older than its sources."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ordermesh.native import SUFFIX, StaleNativeBuild, current, refuse_stale, stale


def package(tmp_path: Path) -> Path:
    root = tmp_path / "ordermesh"
    (root / "domain" / "routing").mkdir(parents=True)
    for name in ("domain/routing/search.py", "domain/cost.py"):
        (root / name).write_text("", encoding="utf-8")
    return root


def compile_(source: Path, at: float) -> Path:
    module = source.with_name(source.stem + SUFFIX)
    module.write_bytes(b"")
    os.utime(module, (at, at))
    return module


def test_a_compiled_module_older_than_its_source_is_stale(tmp_path: Path) -> None:
    root = package(tmp_path)
    search = root / "domain" / "routing" / "search.py"
    cost = root / "domain" / "cost.py"
    compile_(search, search.stat().st_mtime - 10)
    compile_(cost, cost.stat().st_mtime + 10)
    assert stale(root) == [search]
    with pytest.raises(StaleNativeBuild, match=r"domain/routing/search\.py.*make native"):
        refuse_stale(root)


def test_sources_without_compiled_modules_run_as_they_are(tmp_path: Path) -> None:
    root = package(tmp_path)
    assert stale(root) == []
    refuse_stale(root)  # nothing compiled: nothing stale
    assert not current(root)  # but make native has work to do


def test_a_build_newer_than_every_source_is_current(tmp_path: Path) -> None:
    root = package(tmp_path)
    for source in (root / "domain" / "routing" / "search.py", root / "domain" / "cost.py"):
        compile_(source, source.stat().st_mtime + 10)
    assert current(root)
