"""The routing MIP: many orders routed at once, with HiGHS, built with array calls.

Shared by the batch policy (``batch.py``: the orders of a short window) and the benchmark's
hindsight optimum (``bench/optimum.py``: the whole stream), so both solve the same model.
Its parcel block (``Builder.parcel``) and solve (``Builder.solve``) also model one large
order for the per-order strategy (``order_mip.py``).

Model, per order o, candidate node n and non-dominated service s that meets the promise
from n (one "shipment" k = (o, n, s)):

- x[d,k] integer units of line d in shipment k;  y[k] binary, the parcel exists;
- p[k] integer billable pounds: p >= sum weight * x, p >= sum volume / 139 * x, p >= y;
- shipping = base * y + per_lb * (p - y), handling = per_shipment * y + per_unit * x;
- units of a ship-alone SKU travel one per parcel: z[d,n] units, each priced as a parcel;
- u[d] unfilled units at a large penalty, so the optimum fills all it can;
- stock per (node, SKU), capacity per (node, ship date) when the network has limits.

Only the K cheapest candidate nodes per order are kept (cost of shipping the whole order
alone), plus any node named in ``forced`` for that order (a policy's own plan then stays
feasible in the model). All prices come from ``ordermesh.domain.cost``.
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

from ordermesh.adapters.solver.quiet_highs import quiet_highs
from ordermesh.adapters.solver.work import Work, limit
from ordermesh.domain.cost import (
    DIM_DIVISOR_IN3_PER_LB,
    billable_weight_lb,
    cheapest_qualifying,
    handling_cost,
    zone_for,
)
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.model import Capability, Node, ServiceLevel, ShippingService, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.promise import (
    DEFAULT_CARRIER_CALENDAR,
    delivery_date,
    pickup_date,
    ship_date,
    working_days_between,
)
from ordermesh.domain.routing.demand import expand_order
from ordermesh.domain.routing.opportunity import TransportationProblem

UNFILLED_PENALTY = 1_000.0  # per unit: far above any parcel, so filling always wins
DEFAULT_K = 10


@dataclass
class ShipmentColumns:
    order: int
    node: Node
    service: ShippingService
    miles: float
    zone: int
    day: date
    y: int
    p: int
    x: list[tuple[int, int]] = field(default_factory=list)  # (line index, column)


_FEASIBLE = 2  # HiGHS's primal_solution_status for a feasible point


@dataclass(frozen=True, slots=True)
class MipRun:
    status: str
    feasible: bool
    values: list[float]
    objective: float
    bound: float
    gap: float


@dataclass(frozen=True, slots=True)
class ParcelItem:
    """Units of one line in a possible parcel: cost per unit, most units, size per unit."""

    cost: float
    upper: float
    weight_lb: float
    volume_in3: float


@dataclass
class Builder:
    """Columns and rows of a HiGHS model, gathered in lists and passed in array calls."""

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

    def parcel(
        self, fixed: float, per_lb: float, max_lb: float, items: Sequence[ParcelItem]
    ) -> tuple[int, int, list[int]]:
        """One possible parcel: a binary ``y`` (the parcel exists, costing ``fixed``),
        integer billable pounds ``p`` at ``per_lb`` (p >= weight, >= volume / 139, >= y),
        and integer units ``x`` per item, only when ``y``. Shipping is then
        base * y + per_lb * (p - y): pass ``fixed`` = base - per_lb + per-parcel costs."""
        y = self.col(fixed, 1.0)
        p = self.col(per_lb, max_lb)
        xs = [self.col(item.cost, item.upper) for item in items]
        for x, item in zip(xs, items, strict=True):
            self.row([(x, 1.0), (y, -item.upper)], -math.inf, 0.0)
        self.row(
            [(p, 1.0)]
            + [(x, -round(item.weight_lb, 9)) for x, item in zip(xs, items, strict=True)],
            0.0,
            math.inf,
        )
        self.row(
            [(p, 1.0)]
            + [
                (x, -round(item.volume_in3 / DIM_DIVISOR_IN3_PER_LB, 9))
                for x, item in zip(xs, items, strict=True)
            ],
            0.0,
            math.inf,
        )
        self.row([(p, 1.0), (y, -1.0)], 0.0, math.inf)
        return y, p, xs

    def solve(self, work: Work, lp: bool = False) -> MipRun:
        """Minimise with HiGHS (relative gap 1e-4) within ``work``; with ``lp``, the LP
        relaxation."""
        highs = quiet_highs()
        limit(highs, work, lp=lp)
        highs.setOptionValue("mip_rel_gap", 1e-4)
        highs.addCols(
            len(self.cost),
            np.array(self.cost, dtype=np.float64),
            np.array(self.lower, dtype=np.float64),
            np.array(self.upper, dtype=np.float64),
            0,
            np.array([], dtype=np.int32),
            np.array([], dtype=np.int32),
            np.array([], dtype=np.float64),
        )
        highs.addRows(
            len(self.row_lower),
            np.array(self.row_lower, dtype=np.float64),
            np.array(self.row_upper, dtype=np.float64),
            len(self.indices),
            np.array(self.starts, dtype=np.int32),
            np.array(self.indices, dtype=np.int32),
            np.array(self.values, dtype=np.float64),
        )
        if not lp and self.integer:
            highs.changeColsIntegrality(
                len(self.integer),
                np.array(self.integer, dtype=np.int32),
                np.array([highspy.HighsVarType.kInteger] * len(self.integer)),
            )
        highs.run()
        status = highs.modelStatusToString(highs.getModelStatus())
        info = highs.getInfo()
        objective = float(info.objective_function_value)
        if lp:
            bound, gap = objective, 0.0
        else:
            bound, gap = float(info.mip_dual_bound), float(info.mip_gap)
        return MipRun(
            status=status,
            # A feasible point exists (optimal or not); at a work limit without one, none.
            feasible=int(info.primal_solution_status) == _FEASIBLE,
            values=list(highs.getSolution().col_value),
            objective=objective,
            bound=bound,
            gap=gap,
        )


@dataclass
class MipSolution:
    status: str
    feasible: bool
    lp: bool
    values: list[float]
    objective: float  # cost + unfilled penalty as solved
    bound: float  # a proven lower bound on the objective; equals it when optimal
    gap: float  # relative MIP gap; 0 for an LP
    shipments: list[ShipmentColumns]
    # (order, column, node, SKU, shipping, handling, miles) per ship-alone column
    alone: list[tuple[int, int, Node, Sku, float, float, float]]
    line_qty: list[int]
    line_skus: list[Sku]
    line_order: list[int]
    forced_pairs: int  # (order, node) pairs kept only because ``forced`` named them
    columns: int
    rows: int
    seconds: float

    def allocation(self, orders: int) -> list[dict[tuple[str, str], int]]:
        """Per order, the units of each (node, SKU) the solution gives it (rounded: an
        integer solution's values are integral up to HiGHS's tolerance)."""
        given: list[dict[tuple[str, str], int]] = [{} for _ in range(orders)]
        for s in self.shipments:
            for i, x in s.x:
                units = round(self.values[x])
                if units > 0:
                    key = (s.node.id, self.line_skus[i].id)
                    given[s.order][key] = given[s.order].get(key, 0) + units
        for o, col, node, sku, *_ in self.alone:
            units = round(self.values[col])
            if units > 0:
                key = (node.id, sku.id)
                given[o][key] = given[o].get(key, 0) + units
        return given


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


def _derived_promise(network: Network, nodes: Sequence[Node], order: Order) -> date:
    """What checkout would have shown, as the routing core derives it when the order
    carries no promise: the earliest ship date plus the service level's transit days."""
    earliest = min((ship_date(node, order.placed_at) for node in nodes), default=None)
    start = earliest or order.placed_at.date()
    days = network.service_levels[order.service_level].max_transit_days
    return delivery_date(start, days, DEFAULT_CARRIER_CALENDAR)


def solve_routing_mip(
    network: Network,
    stock: Mapping[tuple[str, str], int],
    orders: Sequence[Order],
    *,
    k: int = DEFAULT_K,
    forced: Mapping[str, set[str]] | None = None,
    work: Work | None = None,
    lp: bool = False,
    capacity_used: Mapping[tuple[str, date], int] | None = None,
    future: TransportationProblem | None = None,
    fill_floor: Sequence[int] | None = None,
) -> MipSolution:
    """Solve the model (or its LP relaxation with ``lp``); ``capacity_used`` counts the
    parcels each (node, ship date) has made already, out of its daily capacity.

    ``future`` (the batch policy's, never the optimum's) adds the expected demand after
    these orders as a fluid transportation problem sharing the same stock: continuous
    units per arc from a (node, SKU) to a (region, SKU) at the arc's cost, and unserved
    units at the problem's unserved cost (its soft part at the soft cost). The orders
    then pay for the stock they take what it would have saved the expected orders, and a
    scarce unit goes to whichever, present or expected, ships it for less, except that
    ``fill_floor`` (the batch policy's fill rule) gives each order at least that many SKU
    units: the expected demand can change which node ships a unit, never whether it ships."""
    started = time.perf_counter()
    used_capacity = capacity_used or {}
    calendar = DEFAULT_CARRIER_CALENDAR
    forced = forced or {}
    nodes = [
        network.nodes[n]
        for n in sorted(network.nodes)
        if network.nodes[n].enabled and network.nodes[n].can(Capability.SHIP)
    ]
    services = sorted(network.services.values(), key=lambda s: s.id)
    use_lp = lp
    b = Builder()
    shipments: list[ShipmentColumns] = []
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
        deadline = order.promised_by or _derived_promise(network, nodes, order)
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
            allowed = working_days_between(calendar, pickup_date(day, calendar), deadline)
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
                items = [
                    ParcelItem(
                        cost=node.handling.per_unit,
                        upper=float(min(line_qty[i], stock[(node.id, line_skus[i].id)])),
                        weight_lb=line_skus[i].weight_lb,
                        volume_in3=line_skus[i].volume_in3,
                    )
                    for i in packed
                ]
                y, p, xs = b.parcel(
                    rate.base - rate.per_lb + node.handling.per_shipment,
                    rate.per_lb,
                    float(max_lb),
                    items,
                )
                shipment = ShipmentColumns(o, node, service, miles, zone, day, y, p)
                for i, x in zip(packed, xs, strict=True):
                    shipment.x.append((i, x))
                    line_terms[i].append((x, 1.0))
                    stock_terms[(node.id, line_skus[i].id)].append((x, 1.0))
                capacity_terms[(node.id, day)].append((y, 1.0))
                shipments.append(shipment)
        order_unfilled: list[tuple[int, float]] = []
        for i in lines:
            u = b.col(UNFILLED_PENALTY, float(line_qty[i]), integer=False)
            unfilled.append(u)
            order_unfilled.append((u, 1.0))
            line_terms[i].append((u, 1.0))
            b.row(line_terms[i], float(line_qty[i]), float(line_qty[i]))
        if fill_floor is not None and fill_floor[o] > 0:
            total = sum(line_qty[i] for i in lines)
            b.row(order_unfilled, 0.0, float(max(0, total - fill_floor[o])))
    if future is not None:
        _add_future(b, future, stock, stock_terms)
    for (node_id, sku_id), terms in sorted(stock_terms.items()):
        if sum(b.upper[c] for c, _ in terms) > stock[(node_id, sku_id)]:
            b.row(terms, -math.inf, float(stock[(node_id, sku_id)]))
    for (node_id, _day), terms in sorted(capacity_terms.items()):
        limit = network.nodes[node_id].shipments_per_day
        if limit is None:
            continue
        left = max(0, limit - used_capacity.get((node_id, _day), 0))
        if len(terms) > 0 and sum(b.upper[c] for c, _ in terms) > left:
            b.row(terms, -math.inf, float(left))

    run = b.solve(work or Work(), use_lp)
    return MipSolution(
        status=run.status,
        feasible=run.feasible,
        lp=use_lp,
        values=run.values,
        objective=run.objective,
        bound=run.bound,
        gap=run.gap,
        shipments=shipments,
        alone=alone_cols,
        line_qty=line_qty,
        line_skus=line_skus,
        line_order=line_order,
        forced_pairs=forced_pairs,
        columns=len(b.cost),
        rows=len(b.row_lower),
        seconds=time.perf_counter() - started,
    )


def _add_future(
    b: Builder,
    future: TransportationProblem,
    stock: Mapping[tuple[str, str], int],
    stock_terms: dict[tuple[str, str], list[tuple[int, float]]],
) -> None:
    """The fluid expected demand: per sink, arcs plus unserved units equal its demand;
    each arc draws on its source's stock row (continuous columns, so the MIP branches on
    the orders only)."""
    arcs_of: dict[int, list[int]] = defaultdict(list)
    for arc, sink in enumerate(future.arc_sink):
        arcs_of[sink].append(arc)
    firm = future.firm_demand()
    for sink, demand in enumerate(future.demand):
        if demand <= 0:
            continue
        terms: list[tuple[int, float]] = []
        for arc in arcs_of.get(sink, []):
            source = future.sources[future.arc_source[arc]]
            if stock.get(source, 0) <= 0:
                continue
            column = b.col(future.arc_cost[arc], math.inf, integer=False)
            terms.append((column, 1.0))
            stock_terms[source].append((column, 1.0))
        terms.append((b.col(future.unserved_cost, firm[sink], integer=False), 1.0))
        soft = demand - firm[sink]
        if soft > 0:
            terms.append((b.col(future.soft_unserved_cost, soft, integer=False), 1.0))
        b.row(terms, demand, demand)
