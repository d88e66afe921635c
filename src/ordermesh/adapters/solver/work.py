"""How much work one HiGHS solve may do, counted so that the answer never depends on the clock.

A wall-clock limit makes a solve's result depend on how busy the machine is: the same
replay gave different plans on a quiet and on a loaded machine. So every solve a routing
policy or the order service runs is bounded by counts instead (branch-and-bound nodes,
simplex iterations), on one thread with a fixed random seed; the same model then gives the
same answer anywhere. Only the benchmark's hindsight optimum, which no decision depends
on, may also stop on seconds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import highspy

RANDOM_SEED = 20_091_231  # any fixed value: what matters is that it never changes
# ``ORDERMESH_ORDER_SOLVER_TIME_LIMIT_S`` is read as a work budget: this many
# branch-and-bound nodes per second of it (about what a 2-core machine explores per second
# on the MIP of a 40-line order), so the setting keeps its meaning without the clock.
NODES_PER_SECOND = 500
# LPs (the shadow-price and transportation LPs) stop after this many simplex iterations.
LP_ITERATIONS = 1_000_000


@dataclass(frozen=True, slots=True)
class Work:
    """Branch-and-bound nodes a MIP may explore, simplex iterations an LP may take, and,
    for the benchmark's optimum only, seconds (None: no clock at all)."""

    mip_nodes: int = 2_000
    lp_iterations: int = LP_ITERATIONS
    seconds: float | None = None

    @classmethod
    def for_seconds(cls, seconds: float) -> Work:
        """The deterministic budget a nominal number of seconds stands for."""
        return cls(mip_nodes=max(1, math.ceil(seconds * NODES_PER_SECOND)))


def limit(highs: highspy.Highs, work: Work, *, lp: bool) -> None:
    """Set ``work``'s limits on ``highs``, with one thread and a fixed seed. The iteration
    limit is set on LPs only: inside a MIP it would cut the root LP short and leave no
    solution, where the node limit stops the search with the best plan found."""
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("random_seed", RANDOM_SEED)
    if lp:
        highs.setOptionValue("simplex_iteration_limit", work.lp_iterations)
    else:
        highs.setOptionValue("mip_max_nodes", work.mip_nodes)
    if work.seconds is not None:
        highs.setOptionValue("time_limit", float(work.seconds))
