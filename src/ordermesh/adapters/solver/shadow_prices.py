"""The shadow-price LP of the inventory-aware policy, solved with HiGHS.

``ordermesh.domain.routing.opportunity`` states the transportation problem and reads its
duals; this adapter only builds it with HiGHS's array calls and returns the supply duals
as non-negative prices (``supply_prices``: HiGHS reports d objective / d supply, which is
<= 0 for a binding "at most supply" row of a minimisation: more stock there would lower
the cost), or its optimal cost (``transport_cost``, for the batch policy).
"""

from __future__ import annotations

import highspy
import numpy as np
import numpy.typing as npt

from ordermesh.adapters.solver.quiet_highs import quiet_highs
from ordermesh.adapters.solver.work import Work, limit
from ordermesh.domain.routing.opportunity import TransportationProblem


def supply_prices(problem: TransportationProblem, work: Work | None = None) -> list[float]:
    """Per source, what one more unit of supply would save the expected demand."""
    sources = len(problem.sources)
    if not sources:
        return []
    highs = _solved(problem, work)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        # No trustworthy duals: price nothing, and the router is myopic until next time.
        return [0.0] * sources
    duals = highs.getSolution().row_dual
    return [max(0.0, -float(duals[row])) for row in range(sources)]


def transport_cost(problem: TransportationProblem, work: Work | None = None) -> float:
    """The LP's optimal cost: what serving the expected demand from this supply costs,
    unserved units at the problem's unserved cost."""
    if not problem.sinks:
        return 0.0
    highs = _solved(problem, work)
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        # Every unit unserved is always feasible; this is the cost's upper end.
        firm = sum(problem.firm_demand())
        soft = sum(problem.demand) - firm
        return problem.unserved_cost * firm + problem.soft_unserved_cost * soft
    return float(highs.getInfo().objective_function_value)


def _solved(problem: TransportationProblem, work: Work | None) -> highspy.Highs:
    sources = len(problem.sources)
    sinks = len(problem.sinks)
    arcs = len(problem.arc_cost)
    arc_source = np.asarray(problem.arc_source, dtype=np.int32)
    arc_sink = np.asarray(problem.arc_sink, dtype=np.int32)
    demand = np.asarray(problem.demand, dtype=np.float64)
    firm = np.asarray(problem.firm_demand(), dtype=np.float64)
    # Columns: one per arc, then per sink its firm and its soft "unserved" columns.
    cost = np.concatenate(
        [
            np.asarray(problem.arc_cost, dtype=np.float64),
            np.full(sinks, problem.unserved_cost),
            np.full(sinks, problem.soft_unserved_cost),
        ]
    )
    lower = np.zeros(arcs + 2 * sinks)
    upper = np.concatenate([np.full(arcs, highspy.kHighsInf), firm, demand - firm])
    # Rows, in CSR form: supply rows (their arcs), then demand rows (arcs + unserved).
    row_of = np.concatenate(
        [arc_source, sources + arc_sink, sources + np.arange(sinks), sources + np.arange(sinks)]
    )
    column = np.concatenate(
        [np.arange(arcs), np.arange(arcs), arcs + np.arange(sinks), arcs + sinks + np.arange(sinks)]
    )
    order = np.argsort(row_of, kind="stable")
    indices = column[order].astype(np.int32)
    counts = np.bincount(row_of, minlength=sources + sinks)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int32)
    row_lower = np.concatenate([np.full(sources, -highspy.kHighsInf), demand])
    row_upper = np.concatenate([np.asarray(problem.supply, dtype=np.float64), demand])

    highs = quiet_highs()
    limit(highs, work or Work(), lp=True)
    highs.addCols(
        arcs + 2 * sinks,
        cost,
        lower,
        upper,
        0,
        _ints([]),
        _ints([]),
        np.array([], dtype=np.float64),
    )
    highs.addRows(
        sources + sinks,
        row_lower.astype(np.float64),
        row_upper.astype(np.float64),
        len(indices),
        starts,
        indices,
        np.ones(len(indices), dtype=np.float64),
    )
    highs.run()
    return highs


def _ints(values: list[int]) -> npt.NDArray[np.int32]:
    return np.array(values, dtype=np.int32)
