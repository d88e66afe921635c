"""Run one function in several spawned OS processes that start together, as separate
servers would, and collect what each reports."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Sequence
from typing import Any

TIMEOUT_S = 120  # only bounds a hang: a race takes seconds


def race(target: Callable[..., None], worker_args: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Start ``target(*args, barrier, results)`` once per ``worker_args`` entry.

    Each worker waits on the barrier so they all start at once, then puts exactly one
    outcome on ``results``. spawn, not fork: every worker starts clean and opens its own
    engine and connections. Fails if any worker does not exit cleanly.
    """
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(worker_args))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*args, barrier, results), name=f"racer-{n}")
        for n, args in enumerate(worker_args)
    ]
    try:
        for process in processes:
            process.start()
        # Read before joining: a child blocks on exit until its queued result is taken.
        outcomes = [results.get(timeout=TIMEOUT_S) for _ in processes]
        for process in processes:
            process.join(timeout=TIMEOUT_S)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
        results.close()
        results.join_thread()
    assert [process.exitcode for process in processes] == [0] * len(processes)
    return outcomes
