"""The positioning LP of ``ordermesh.domain.positioning``, solved with HiGHS.

Built column by column: a delivery arc takes a unit from its source's row into its sink's,
a transfer arc adds a unit to the receiving source's row and takes one from the sending
source's, and each sink has an "unserved" column. Bounded by work, not by time (one
thread, a simplex iteration limit), so the same input always gets the same advice.
"""

from __future__ import annotations

import highspy
import numpy as np

from ordermesh.adapters.solver.quiet_highs import quiet_highs
from ordermesh.domain.positioning import PositioningProblem, PositioningSolution

# Far above what a transportation LP of one SKU over a few hundred nodes needs.
SIMPLEX_ITERATION_LIMIT = 1_000_000


def solve_positioning(problem: PositioningProblem) -> PositioningSolution | None:
    transport = problem.transport
    sources = len(transport.sources)
    sinks = len(transport.sinks)
    arcs = len(transport.arc_cost)
    transfers = len(problem.transfer_cost)
    # Two entries per delivery and transfer column, one per unserved column, in order.
    rows = np.concatenate(
        [
            np.column_stack(
                [
                    np.asarray(transport.arc_source, dtype=np.int32),
                    sources + np.asarray(transport.arc_sink, dtype=np.int32),
                ]
            ).ravel(),
            np.column_stack(
                [
                    np.asarray(problem.transfer_from, dtype=np.int32),
                    np.asarray(problem.transfer_to, dtype=np.int32),
                ]
            ).ravel(),
            sources + np.arange(sinks, dtype=np.int32),
        ]
    ).astype(np.int32)
    values = np.concatenate(
        [np.ones(2 * arcs), np.tile([1.0, -1.0], transfers), np.ones(sinks)]
    ).astype(np.float64)
    starts = np.concatenate(
        [2 * np.arange(arcs + transfers), 2 * (arcs + transfers) + np.arange(sinks)]
    ).astype(np.int32)
    cost = np.concatenate(
        [
            np.asarray(transport.arc_cost, dtype=np.float64),
            np.asarray(problem.transfer_cost, dtype=np.float64),
            np.full(sinks, transport.unserved_cost),
        ]
    )
    columns = arcs + transfers + sinks
    demand = np.asarray(transport.demand, dtype=np.float64)

    highs = quiet_highs()
    highs.setOptionValue("threads", 1)
    highs.setOptionValue("simplex_iteration_limit", SIMPLEX_ITERATION_LIMIT)
    highs.addRows(
        sources + sinks,
        np.concatenate([np.full(sources, -highspy.kHighsInf), demand]),
        np.concatenate([np.asarray(transport.supply, dtype=np.float64), demand]),
        0,
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.int32),
        np.zeros(0, dtype=np.float64),
    )
    highs.addCols(
        columns,
        cost,
        np.zeros(columns),
        np.full(columns, highspy.kHighsInf),
        len(values),
        starts,
        rows,
        values,
    )
    highs.run()
    if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    flows = highs.getSolution().col_value
    return PositioningSolution(
        cost=float(highs.getInfo().objective_function_value),
        delivered=tuple(float(flows[column]) for column in range(arcs)),
        transferred=tuple(float(flows[arcs + column]) for column in range(transfers)),
    )
