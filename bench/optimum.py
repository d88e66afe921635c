"""The hindsight optimum: the whole order stream routed at once, as a HiGHS MIP.

Knowing every order in advance, choose how many units of each order line each node ships,
so that delivered cost (shipping + handling) is least, no node ships more than it holds, no
node makes more parcels on a day than its capacity, and every parcel arrives by the order's
promise. It is the yardstick no real-time router can beat.

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

import math
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import highspy
import numpy as np

from ordermesh.domain.cost import (
    DIM_DIVISOR_IN3_PER_LB,
    billable_weight_lb,
    cheapest_qualifying,
    co2e_grams,
    handling_cost,
    shipping_cost,
    zone_for,
)
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.model import Capability, Node, ServiceLevel, ShippingService, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.promise import (
    DEFAULT_CARRIER_CALENDAR,
    pickup_date,
    ship_date,
    working_days_between,
)
from ordermesh.domain.routing.demand import expand_order

UNFILLED_PENALTY = 1_000.0  # per unit: far above any parcel, so filling always wins
DEFAULT_K = 10
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


@dataclass
class _Shipment:
    order: int
    node: Node
    service: ShippingService
    miles: float
    zone: int
    day: date
    y: int
    p: int
    x: list[tuple[int, int]] = field(default_factory=list)  # (line index, column)


@dataclass
class _Builder:
    cost: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    integer: list[int] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)
    indices: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def col(self, cost: float, upper: float, integer: bool = True) -> int:
        self.cost.append(cost)
        self.lower.append(0.0)
        self.upper.append(upper)
        if integer:
            self.integer.append(len(self.cost) - 1)
        return len(self.cost) - 1

    def row(self, terms: Sequence[tuple[int, float]], lower: float, upper: float) -> None:
        self.starts.append(len(self.indices))
        for column, value in terms:
            self.indices.append(column)
            self.values.append(value)
        self.row_lower.append(lower)
        self.row_upper.append(upper)


def _non_dominated(services: Sequence[ShippingService], zone: int) -> list[ShippingService]:
    """Services no other beats on both base and per-pound rate in this zone."""
    kept = []
    for s in services:
        rs = s.rates[zone]
        if not any(
            (t.rates[zone].base, t.rates[zone].per_lb, t.id) < (rs.base, rs.per_lb, s.id)
            and t.rates[zone].base <= rs.base
            and t.rates[zone].per_lb <= rs.per_lb
            for t in services
        ):
            kept.append(s)
    return kept


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
    calendar = DEFAULT_CARRIER_CALENDAR
    forced = forced or {}
    nodes = [
        network.nodes[n]
        for n in sorted(network.nodes)
        if network.nodes[n].enabled and network.nodes[n].can(Capability.SHIP)
    ]
    services = sorted(network.services.values(), key=lambda s: s.id)
    use_lp = len(orders) * len(nodes) > LP_ABOVE if lp_only is None else lp_only
    b = _Builder()
    shipments: list[_Shipment] = []
    alone_cols: list[tuple[int, int, Node, Sku, float, float, float]] = []
    # (order, col, node, sku, shipping, handling, miles)
    line_terms: list[list[tuple[int, float]]] = []
    line_qty: list[int] = []
    line_order: list[int] = []
    unfilled: list[int] = []
    stock_terms: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    capacity_terms: dict[tuple[str, date], list[tuple[int, float]]] = defaultdict(list)
    line_skus: list[Sku] = []
    forced_pairs = 0

    for o, order in enumerate(orders):
        demands = expand_order(order, network, keep_bundles_together=False)
        first_line = len(line_qty)
        for demand in demands:
            sku = demand.kit[0][0]
            line_terms.append([])
            line_qty.append(demand.quantity)
            line_order.append(o)
            line_skus.append(sku)
        lines = range(first_line, len(line_qty))
        destination = order.ship_to.location
        assert order.promised_by is not None, "the benchmark gives every order its promise"
        ranked: list[tuple[float, str, Node, float, int, date, int]] = []
        for node in nodes:
            if not any(
                stock.get((node.id, line_skus[i].id), 0) > 0
                and (node.hazmat_capable or not line_skus[i].hazmat)
                for i in lines
            ):
                continue
            miles = great_circle_miles(node.location, destination)
            zone = zone_for(miles, network.zones)
            day = ship_date(node, order.placed_at)
            allowed = working_days_between(calendar, pickup_date(day, calendar), order.promised_by)
            if allowed < 0:
                continue
            level = ServiceLevel("promise", allowed)
            everything = [(line_skus[i], line_qty[i]) for i in lines]
            whole = cheapest_qualifying(services, zone, billable_weight_lb(everything), 0.0, level)
            if whole is None:
                continue
            estimate = whole.shipping + handling_cost(
                node.handling, sum(line_qty[i] for i in lines)
            )
            ranked.append((estimate, node.id, node, miles, zone, day, allowed))
        ranked.sort(key=lambda r: (r[0], r[1]))
        wanted = forced.get(order.id, set())
        kept = ranked[:k] + [r for r in ranked[k:] if r[1] in wanted]
        forced_pairs += len(kept) - min(k, len(ranked))
        for _, _, node, miles, zone, day, allowed in kept:
            level = ServiceLevel("promise", allowed)
            usable = [
                i
                for i in lines
                if stock.get((node.id, line_skus[i].id), 0) > 0
                and (node.hazmat_capable or not line_skus[i].hazmat)
            ]
            packed = [i for i in usable if not line_skus[i].ship_alone]
            for i in usable:
                if not line_skus[i].ship_alone:
                    continue
                single = cheapest_qualifying(
                    services, zone, billable_weight_lb([(line_skus[i], 1)]), 0.0, level
                )
                if single is None:
                    continue
                handling = handling_cost(node.handling, 1)
                upper = min(line_qty[i], stock[(node.id, line_skus[i].id)])
                col = b.col(single.shipping + handling, upper)
                alone_cols.append((o, col, node, line_skus[i], single.shipping, handling, miles))
                line_terms[i].append((col, 1.0))
                stock_terms[(node.id, line_skus[i].id)].append((col, 1.0))
                capacity_terms[(node.id, day)].append((col, 1.0))
            if not packed:
                continue
            qualifying = [
                s
                for s in services
                if zone in s.rates and s.transit_days.get(zone, math.inf) <= allowed
            ]
            weight = sum(line_skus[i].weight_lb * line_qty[i] for i in packed)
            volume = sum(line_skus[i].volume_in3 * line_qty[i] for i in packed)
            max_lb = math.ceil(max(weight, volume / DIM_DIVISOR_IN3_PER_LB, 1.0)) + 1
            for service in _non_dominated(qualifying, zone):
                rate = service.rates[zone]
                y = b.col(rate.base - rate.per_lb + node.handling.per_shipment, 1.0)
                p = b.col(rate.per_lb, float(max_lb))
                shipment = _Shipment(o, node, service, miles, zone, day, y, p)
                for i in packed:
                    upper = min(line_qty[i], stock[(node.id, line_skus[i].id)])
                    x = b.col(node.handling.per_unit, float(upper))
                    shipment.x.append((i, x))
                    line_terms[i].append((x, 1.0))
                    stock_terms[(node.id, line_skus[i].id)].append((x, 1.0))
                    b.row([(x, 1.0), (y, -float(upper))], -math.inf, 0.0)
                sku_of = {i: line_skus[i] for i in packed}
                b.row(
                    [(p, 1.0)] + [(x, -round(sku_of[i].weight_lb, 9)) for i, x in shipment.x],
                    0.0,
                    math.inf,
                )
                b.row(
                    [(p, 1.0)]
                    + [
                        (x, -round(sku_of[i].volume_in3 / DIM_DIVISOR_IN3_PER_LB, 9))
                        for i, x in shipment.x
                    ],
                    0.0,
                    math.inf,
                )
                b.row([(p, 1.0), (y, -1.0)], 0.0, math.inf)
                capacity_terms[(node.id, day)].append((y, 1.0))
                shipments.append(shipment)
        for i in lines:
            u = b.col(UNFILLED_PENALTY, float(line_qty[i]), integer=False)
            unfilled.append(u)
            line_terms[i].append((u, 1.0))
            b.row(line_terms[i], float(line_qty[i]), float(line_qty[i]))
    for (node_id, sku_id), terms in sorted(stock_terms.items()):
        if sum(b.upper[c] for c, _ in terms) > stock[(node_id, sku_id)]:
            b.row(terms, -math.inf, float(stock[(node_id, sku_id)]))
    for (node_id, _day), terms in sorted(capacity_terms.items()):
        limit = network.nodes[node_id].shipments_per_day
        if limit is not None and len(terms) > 0 and sum(b.upper[c] for c, _ in terms) > limit:
            b.row(terms, -math.inf, float(limit))

    highs = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("time_limit", float(time_limit))
    highs.setOptionValue("mip_rel_gap", 1e-4)
    highs.setOptionValue("threads", 1)
    columns = len(b.cost)
    highs.addCols(
        columns,
        np.array(b.cost, dtype=np.float64),
        np.array(b.lower, dtype=np.float64),
        np.array(b.upper, dtype=np.float64),
        0,
        np.array([], dtype=np.int32),
        np.array([], dtype=np.int32),
        np.array([], dtype=np.float64),
    )
    highs.addRows(
        len(b.row_lower),
        np.array(b.row_lower, dtype=np.float64),
        np.array(b.row_upper, dtype=np.float64),
        len(b.indices),
        np.array(b.starts, dtype=np.int32),
        np.array(b.indices, dtype=np.int32),
        np.array(b.values, dtype=np.float64),
    )
    if not use_lp and b.integer:
        highs.changeColsIntegrality(
            len(b.integer),
            np.array(b.integer, dtype=np.int32),
            np.array([highspy.HighsVarType.kInteger] * len(b.integer)),
        )
    highs.run()
    status = highs.modelStatusToString(highs.getModelStatus())
    info = highs.getInfo()
    values = list(highs.getSolution().col_value)
    objective = float(info.objective_function_value)
    if use_lp:
        bound, gap = objective, 0.0
    else:
        bound, gap = float(info.mip_dual_bound), float(info.mip_gap)

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
    for o, col, _node, sku, ship, hand, miles in alone_cols:
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
        status=status,
        cost=shipping + handling,
        shipping=shipping,
        handling=handling,
        bound=bound,
        objective=objective,
        gap=gap,
        orders=len(orders),
        units=sum(line_qty),
        units_shipped=shipped,
        shipments=sum(parcels.values()),
        split_orders=sum(1 for v in parcels.values() if v > 1.5),
        co2e_g=co2e,
        seconds=time.perf_counter() - started,
        k=k,
        forced_nodes=forced_pairs,
        columns=columns,
        rows=len(b.row_lower),
    )
