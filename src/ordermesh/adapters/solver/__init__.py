"""HiGHS solvers behind the inventory-aware routing policies (and the benchmark's optimum).

The domain states the problems and never imports ``highspy``; these adapters solve them.
"""

from ordermesh.adapters.solver.batch import solve_batch
from ordermesh.adapters.solver.order_mip import DEFAULT_TIME_LIMIT_S, highs_strategy, solves
from ordermesh.adapters.solver.shadow_prices import supply_prices, transport_cost
from ordermesh.domain.routing.search import default_strategy
from ordermesh.services.ports import Routing
from ordermesh.services.simulation import PolicySolvers


def highs_solvers(time_limit: float = DEFAULT_TIME_LIMIT_S) -> PolicySolvers:
    """The solvers ``make_policy`` needs for ``ordermesh-shadow`` and ``ordermesh-batch``,
    and the per-order solve within the work ``time_limit`` nominal seconds stand for
    (zero or less: none, as in ``highs_routing``). Every solve is bounded by counted work,
    never by the clock (``work.py``), so a replay decides the same on any machine."""
    return PolicySolvers(
        shadow=supply_prices,
        batch=solve_batch,
        routing=highs_strategy(time_limit) if time_limit > 0 else default_strategy,
        transport=transport_cost,
    )


def highs_routing(time_limit: float = DEFAULT_TIME_LIMIT_S) -> Routing:
    """The order services' routing: a HiGHS solve within the work ``time_limit`` nominal
    seconds stand for (``Work.for_seconds``), for orders beyond the exact-search limits.
    Zero or less: the default search (local search for those orders)."""
    if time_limit <= 0:
        return Routing()
    return Routing(strategy=highs_strategy(time_limit), slow=solves)


__all__ = ["highs_routing", "highs_solvers", "solve_batch", "supply_prices", "transport_cost"]
