"""How many workers ``ordermesh serve`` starts when not told."""

from __future__ import annotations

import pytest

from ordermesh.entrypoints import serve


@pytest.mark.parametrize(("cpus", "postgresql", "sqlite"), [(1, 1, 1), (2, 2, 2), (8, 8, 2)])
def test_postgresql_gets_a_worker_per_cpu_and_sqlite_at_most_two(
    monkeypatch: pytest.MonkeyPatch, cpus: int, postgresql: int, sqlite: int
) -> None:
    monkeypatch.setattr(serve, "usable_cpus", lambda: cpus)
    assert serve.default_workers("postgresql://u@localhost/ordermesh") == postgresql
    assert serve.default_workers("sqlite:///var/ordermesh.sqlite3") == sqlite
