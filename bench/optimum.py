"""The hindsight optimum: the whole order stream routed at once, as a HiGHS MIP.

Knowing every order in advance, choose how many units of each order line each node ships,
so that delivered cost (shipping + handling) is least, no node ships more than it holds, no
node makes more parcels on a day than its capacity, and every parcel arrives by the order's
promise. It is the yardstick no real-time router can beat.

The model is ``ordermesh.adapters.solver.routing_mip`` (shared with the batch policy).
Model, per order o, candidate node n and non-dominated service s that meets the promise
from n (one "shipment" k = (o, n, s)):

- x[d,k] integer units of line d in shipment k;  y[k] binary, the parcel exists;
- p[k] integer billable pounds: p >= sum weight * x, p >= sum volume / 139 * x, p >= y;
- shipping = base * y + per_lb * (p - y), handling = per_shipment * y + per_unit * x;
- units of a ship-alone SKU travel one per parcel: z[d,n] units, each priced as a parcel;
- u[d] unfilled units at a large penalty, so the optimum fills all it can;
- stock per (node, SKU), capacity per (node, ship date) when the network has limits.

Only the K cheapest candidate nodes per order are kept (cost of shipping the whole order
alone), plus any node a policy used for that order, so each policy's own plan stays
feasible in the model. Beyond ``LP_ABOVE`` order x node pairs the LP relaxation is solved
instead and reported as a bound. All prices come from ``ordermesh.domain.cost``, and the
cost reported is recomputed from the solution through it.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ordermesh.adapters.solver.routing_mip import (
    DEFAULT_K,
    UNFILLED_PENALTY,
    solve_routing_mip,
)
from ordermesh.adapters.solver.work import Work
from ordermesh.domain.cost import billable_weight_lb, co2e_grams, handling_cost, shipping_cost
from ordermesh.domain.model import Capability
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order

__all__ = ["DEFAULT_K", "LP_ABOVE", "UNFILLED_PENALTY", "OptimumResult", "solve"]

LP_ABOVE = 1_000 * 50  # orders x nodes beyond which only the LP bound is solved


@dataclass(frozen=True, slots=True)
class OptimumResult:
    kind: str  # "mip" (optimal or best found) or "lp_bound"
    status: str
    cost: float  # delivered cost of the solution (for an LP: of the fractional solution)
    shipping: float
    handling: float
    bound: float  # a proven lower bound on cost + penalty; equals the objective when optimal
    objective: float  # cost + unfilled penalty as solved
    gap: float  # relative MIP gap; 0 for an LP
    orders: int
    units: int
    units_shipped: float
    shipments: float
    split_orders: int
    co2e_g: float
    seconds: float
    k: int
    forced_nodes: int  # (order, node) pairs kept only because a policy used them
    columns: int
    rows: int

    @property
    def fill_rate(self) -> float:
        return self.units_shipped / self.units if self.units else 1.0


def solve(
    network: Network,
    stock: Mapping[tuple[str, str], int],
    orders: Sequence[Order],
    *,
    k: int = DEFAULT_K,
    forced: Mapping[str, set[str]] | None = None,
    time_limit: float = 120.0,
    lp_only: bool | None = None,
) -> OptimumResult:
    started = time.perf_counter()
    shippers = sum(1 for n in network.nodes.values() if n.enabled and n.can(Capability.SHIP))
    use_lp = len(orders) * shippers > LP_ABOVE if lp_only is None else lp_only
    solution = solve_routing_mip(
        network,
        stock,
        orders,
        k=k,
        forced=forced,
        # The hindsight optimum decides nothing, so it alone may stop on the clock.
        work=Work(mip_nodes=2**31 - 1, seconds=time_limit),
        lp=use_lp,
    )
    values = solution.values
    shipments = solution.shipments
    line_skus = solution.line_skus

    # Recompute what the solution costs through the cost contract, parcel by parcel.
    shipping = handling = co2e = 0.0
    parcels: dict[int, float] = defaultdict(float)
    shipped = 0.0
    for s in shipments:
        units = [(line_skus[i], values[x]) for i, x in s.x]
        if values[s.y] < 0.5 and not use_lp:
            continue
        count = sum(q for _, q in units)
        if count <= 1e-9:
            continue
        shipped += count
        parcels[s.order] += values[s.y]
        actual = sum(sku.weight_lb * q for sku, q in units)
        if use_lp:
            shipping += values[s.y] * (
                s.service.rates[s.zone].base - s.service.rates[s.zone].per_lb
            )
            shipping += values[s.p] * s.service.rates[s.zone].per_lb
            handling += (
                values[s.y] * s.node.handling.per_shipment + s.node.handling.per_unit * count
            )
        else:
            parcel = [(sku, round(q)) for sku, q in units if round(q) > 0]
            shipping += shipping_cost(s.service, s.zone, billable_weight_lb(parcel))
            handling += handling_cost(s.node.handling, sum(q for _, q in parcel))
        co2e += co2e_grams(actual, s.miles, 1, network.co2e) * (1.0 if not use_lp else values[s.y])
    for o, col, _node, sku, ship, hand, miles in solution.alone:
        q = values[col]
        if q <= 1e-9:
            continue
        shipped += q
        parcels[o] += q
        shipping += ship * q
        handling += hand * q
        co2e += co2e_grams(sku.weight_lb, miles, 1, network.co2e) * q
    return OptimumResult(
        kind="lp_bound" if use_lp else "mip",
        status=solution.status,
        cost=shipping + handling,
        shipping=shipping,
        handling=handling,
        bound=solution.bound,
        objective=solution.objective,
        gap=solution.gap,
        orders=len(orders),
        units=sum(solution.line_qty),
        units_shipped=shipped,
        shipments=sum(parcels.values()),
        split_orders=sum(1 for v in parcels.values() if v > 1.5),
        co2e_g=co2e,
        seconds=time.perf_counter() - started,
        k=k,
        forced_nodes=solution.forced_pairs,
        columns=solution.columns,
        rows=solution.rows,
    )
