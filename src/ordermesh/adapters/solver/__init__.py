"""HiGHS solvers behind the inventory-aware routing policies (and the benchmark's optimum).

The domain states the problems and never imports ``highspy``; these adapters solve them.
"""

from ordermesh.adapters.solver.batch import solve_batch
from ordermesh.adapters.solver.order_mip import highs_strategy
from ordermesh.adapters.solver.shadow_prices import supply_prices
from ordermesh.services.simulation import PolicySolvers


def highs_solvers() -> PolicySolvers:
    """The solvers ``make_policy`` needs for ``ordermesh-shadow`` and ``ordermesh-batch``."""
    return PolicySolvers(shadow=supply_prices, batch=solve_batch, routing=highs_strategy())


__all__ = ["highs_solvers", "solve_batch", "supply_prices"]
