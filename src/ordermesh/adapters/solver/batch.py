"""The batch policy's solver: one window of orders routed together by the routing MIP.

The model is ``routing_mip`` (the benchmark's hindsight optimum uses the same one); this
adapter sizes it for a short window against the stock and capacity left, and answers with
the units each order may take from each node. ``simulation.BatchPolicy`` then routes each
order through the routing core within those units.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from ordermesh.adapters.solver.routing_mip import solve_routing_mip
from ordermesh.adapters.solver.work import Work
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.routing.opportunity import TransportationProblem
from ordermesh.services.simulation import BatchAllocation


def solve_batch(
    network: Network,
    stock: Mapping[tuple[str, str], int],
    orders: Sequence[Order],
    *,
    capacity_used: Mapping[tuple[str, date], int],
    forced: Mapping[str, set[str]],
    k: int,
    mip_nodes: int,
    future: TransportationProblem | None = None,
    fill_floor: Sequence[int] | None = None,
) -> BatchAllocation | None:
    """The window's allocation, or None when HiGHS has no integer solution within
    ``mip_nodes`` branch-and-bound nodes (the policy then routes the window one order at a
    time). ``future``: the expected demand after the window, planned for beside it;
    ``fill_floor``: the fewest SKU units each order must get (``routing_mip``)."""
    positive = {key: units for key, units in stock.items() if units > 0}
    solution = solve_routing_mip(
        network,
        positive,
        orders,
        k=k,
        forced=forced,
        work=Work(mip_nodes=mip_nodes),
        capacity_used=capacity_used,
        future=future,
        fill_floor=fill_floor,
    )
    if not solution.feasible:
        return None
    return BatchAllocation(solution.status, solution.allocation(len(orders)))
