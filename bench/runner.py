"""Run every policy and the hindsight optimum on each scenario, and gather the figures."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.checker import Violations, check
from bench.optimum import DEFAULT_K, OptimumResult, solve
from bench.scenarios import Cell, ForecastError, build
from ordermesh.adapters.solver import highs_solvers
from ordermesh.services.simulation import Kpis, PolicySettings, kpis, make_policy, simulate

POLICY_NAMES = ("nearest", "priority", "ordermesh", "ordermesh-shadow", "ordermesh-batch")


@dataclass(frozen=True, slots=True)
class PolicyRun:
    policy: str
    kpis: Kpis
    violations: Violations


@dataclass(frozen=True, slots=True)
class SeedRun:
    cell: Cell
    seed: int
    policies: tuple[PolicyRun, ...]
    optimum: OptimumResult
    seconds: float


def run_seed(
    cell: Cell,
    seed: int,
    orders: int,
    days: int,
    k: int = DEFAULT_K,
    time_limit: float = 120.0,
    error: ForecastError | None = None,
    policies: Sequence[str] = POLICY_NAMES,
) -> SeedRun:
    started = time.perf_counter()
    scenario = build(cell, seed, orders, days, error)
    runs: list[PolicyRun] = []
    used: dict[str, set[str]] = {}
    # The shadow-price forecast counts the scenario's history (a stream of a different seed),
    # and plans until the end of the period the stock was sized for.
    settings = PolicySettings(replenish_at=scenario.period_end)
    solvers = highs_solvers()
    for name in policies:
        policy = make_policy(
            name, scenario.network, solvers=solvers, settings=settings, history=scenario.history
        )
        results = simulate(scenario.network, scenario.stock, scenario.orders, policy)
        for routed in results:
            used.setdefault(routed.order.id, set()).update(
                s.node_id for s in routed.decision.shipments
            )
        runs.append(
            PolicyRun(name, kpis(results), check(scenario.network, scenario.stock, results))
        )
    optimum = solve(
        scenario.network, scenario.stock, scenario.orders, k=k, forced=used, time_limit=time_limit
    )
    return SeedRun(cell, seed, tuple(runs), optimum, time.perf_counter() - started)


def run(
    cells: Sequence[Cell],
    seeds: int,
    orders: int,
    days: int,
    k: int = DEFAULT_K,
    time_limit: float = 120.0,
    on_seed: Callable[[SeedRun], None] | None = None,
    error: ForecastError | None = None,
    policies: Sequence[str] = POLICY_NAMES,
) -> list[SeedRun]:
    runs: list[SeedRun] = []
    for cell in cells:
        for seed in range(1, seeds + 1):
            result = run_seed(cell, seed, orders, days, k, time_limit, error, policies)
            runs.append(result)
            if on_seed is not None:
                on_seed(result)
    return runs
