"""Replay an order stream through a routing policy, in memory, and measure it.

Orders are routed in ``placed_at`` order against a starting stock that each decision
consumes, and against node daily capacity counted per node and ship date. The policies:

- ``ordermesh``: the routing core (``ordermesh.domain.routing.route``) under the rule sets,
  one order at a time (myopic: cheapest now);
- ``ordermesh-shadow``: the same, plus the opportunity cost of each unit taken, from
  shadow prices of a transportation LP over the forecast demand of the coming period
  (Acimovic & Graves 2015), refreshed every N orders and at each new day;
- ``ordermesh-batch``: orders wait for a short window, whose orders are then routed together
  by a MIP (beside the forecast demand sure to come after them, when asked to), no order
  getting fewer units than routing it alone, falling back to one order at a time when the
  solver finds no plan within its work limit or does worse (Xu, Allgor & Graves 2009);
- ``nearest``: fewest shipments, then the nearest node with stock (Shopify's default);
- ``priority``: each line from a fixed node priority list, spilling to the next (what
  Saleor and Solidus do).

The two baselines are deliberately simple and deterministic; they price their parcels
through ``ordermesh.domain.cost`` exactly as the routing core does, use only nodes that can
meet the promise, and respect stock, channel buffers, hazmat and capacity, so the figures
compare routing choices and nothing else. Decision latency is measured here, around each
call, never inside the domain.

Solvers are adapters (HiGHS), so the two solver policies take them as ports
(``PolicySolvers``); ``ordermesh.adapters.solver.highs_solvers()`` provides them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any, Final, Protocol, runtime_checkable

from ordermesh.domain.cost import (
    actual_weight_lb,
    billable_weight_lb,
    cheapest_qualifying,
    co2e_grams,
    handling_cost,
    zone_for,
)
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.forecast import Forecast, forecast_from_history
from ordermesh.domain.model import Calendar, Capability, Node, ServiceLevel, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.promise import (
    DEFAULT_CARRIER_CALENDAR,
    add_working_days,
    delivery_date,
    local_time,
    pickup_date,
    ship_date,
    working_days_between,
)
from ordermesh.domain.routing import (
    Backorder,
    Decision,
    Explanation,
    Penalties,
    PlannedShipment,
    RuleSet,
    ShipmentLine,
    route,
    select_rule_set,
)
from ordermesh.domain.routing.demand import Demand, expand_order
from ordermesh.domain.routing.opportunity import (
    CostSolver,
    DualSolver,
    TransportationProblem,
    opportunity_costs,
    transportation_problem,
)
from ordermesh.domain.routing.search import Strategy, default_strategy
from ordermesh.services.policy_names import DEFAULT_POLICY, POLICIES

__all__ = [
    "DEFAULT_POLICY",
    "POLICIES",
    "BatchAllocation",
    "BatchPolicy",
    "BatchSolver",
    "KpiTally",
    "Kpis",
    "Policy",
    "PolicyDecision",
    "PolicySettings",
    "PolicySolvers",
    "Routed",
    "ShadowPricePolicy",
    "ShipDates",
    "StockLevels",
    "decision_json",
    "kpis",
    "make_policy",
    "nearest_policy",
    "ordermesh_policy",
    "priority_policy",
    "replay",
    "shipped_units",
    "simulate",
]

NO_STOCK: Final = "no node with stock can ship it in time"
# What the batch policy counts per backordered unit when it compares plans (the routing
# MIP's penalty for an unfilled unit).
UNFILLED_UNIT_COST: Final = 1_000.0

Stock = Mapping[tuple[str, str], int]


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    """What any policy decides for one order: parcels, backorders and why."""

    shipments: tuple[PlannedShipment, ...]
    backordered: tuple[Backorder, ...]
    promised_by: date
    # The routing core's structured explanation, turned into JSON only when written (most
    # of a decision's size, and of the time to make it, would otherwise go into a dict no
    # one reads), or a baseline policy's notes, already JSON.
    explanation: Explanation | Mapping[str, Any]
    notes: Mapping[str, Any] = field(default_factory=dict)  # added by the policy (batch)

    def explanation_json(self) -> dict[str, Any]:
        explanation = self.explanation
        if isinstance(explanation, Explanation):
            return {**explanation.to_json_dict(), **self.notes}
        return {**explanation, **self.notes}

    @property
    def status(self) -> str:
        if not self.backordered:
            return "routed"
        return "partially_backordered" if self.shipments else "backordered"

    @property
    def shipping(self) -> float:
        return sum((s.shipping for s in self.shipments), 0.0)

    @property
    def handling(self) -> float:
        return sum((s.handling for s in self.shipments), 0.0)

    @property
    def cost(self) -> float:
        return self.shipping + self.handling


# A policy sees the order, the stock still available to sell per (node, SKU), and the
# shipments each node has already made on the day it would ship this order.
Policy = Callable[[Order, Stock, Mapping[str, int]], PolicyDecision]


@runtime_checkable
class Periodic(Protocol):
    """A policy with work to do between orders (refreshing shadow prices): ``simulate``
    calls it before each order, outside the decision's latency, as a background job would
    run, but counts its time in throughput."""

    def between_orders(self, order: Order, stock: Stock) -> None: ...


@dataclass(frozen=True, slots=True)
class Routed:
    order: Order
    decision: PolicyDecision
    latency_s: float  # from the moment the order could be decided to its decision
    # Compute spent on this order: its latency, plus its share of periodic work (refresh)
    # or of the batch it was solved in. Throughput (orders/s) counts this.
    compute_s: float | None = None

    @property
    def compute_seconds(self) -> float:
        return self.latency_s if self.compute_s is None else self.compute_s


class StockLevels(dict[tuple[str, str], int]):
    """Units left per (node, SKU) during a replay, and, kept beside them as units are
    taken, the nodes that still hold each SKU: a policy can find where an order's SKUs are
    without looking at every node. Reads are a dict's own; take units with ``take``."""

    def __init__(self, stock: Mapping[tuple[str, str], int]) -> None:
        super().__init__(stock)
        self.holders: dict[str, set[str]] = {}
        for (node_id, sku), units in self.items():
            if units > 0:
                self.holders.setdefault(sku, set()).add(node_id)

    def take(self, node_id: str, sku: str, units: int) -> None:
        left = self.get((node_id, sku), 0) - units
        self[(node_id, sku)] = left
        if left <= 0:
            self.holders.get(sku, set()).discard(node_id)
        elif units < 0:  # units given back
            self.holders.setdefault(sku, set()).add(node_id)


class ShipDates:
    """``ship_date(node, placed_at)``, remembered for a replay. A node's ship date depends
    only on the local date the order is placed on and whether that is after the cutoff,
    which a whole day of orders shares."""

    def __init__(self) -> None:
        self._dates: dict[tuple[str, date, bool], date] = {}

    def __call__(self, node: Node, placed_at: datetime) -> date:
        local = local_time(node, placed_at)
        key = (node.id, local.date(), local.time() > node.cutoff)
        shipped = self._dates.get(key)
        if shipped is None:
            shipped = self._dates[key] = ship_date(node, placed_at)
        return shipped


class CapacityUsed(Mapping[str, int]):
    """Parcels a node has made on the day it would ship an order placed at ``placed_at``.

    The ship date differs per node (cutoffs, calendars), so it is worked out on demand for
    the nodes a policy asks about, once each (through the replay's ``ship_dates``).
    """

    def __init__(
        self,
        network: Network,
        used: Mapping[tuple[str, date], int],
        placed_at: datetime,
        ship_dates: Callable[[Node, datetime], date] = ship_date,
    ) -> None:
        self._network = network
        self._used = used
        self._placed_at = placed_at
        self._ship_dates = ship_dates
        self._cache: dict[str, int] = {}

    def ship_date(self, node: Node) -> date:
        return self._ship_dates(node, self._placed_at)

    def __getitem__(self, node_id: str) -> int:
        if node_id not in self._cache:
            node = self._network.nodes[node_id]
            self._cache[node_id] = self._used.get((node_id, self.ship_date(node)), 0)
        return self._cache[node_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._network.nodes)

    def __len__(self) -> int:
        return len(self._network.nodes)


def replay(
    network: Network,
    stock: Stock,
    orders: Iterable[Order],
    policy: Policy | BatchPolicy,
    on_order: Callable[[Routed], None],
) -> None:
    """Route ``orders`` in ``placed_at`` order (stable for equal times), consuming stock
    and capacity as each decision is made, and hand each decision to ``on_order`` as it is
    made; nothing is kept of it here. A ``BatchPolicy`` decides a window of orders at
    once; each of them then waits for the whole window's solve."""
    remaining = StockLevels(stock)
    used: dict[tuple[str, date], int] = {}
    ship_dates = ShipDates()
    ordered = sorted(orders, key=lambda o: o.placed_at)

    if isinstance(policy, BatchPolicy):
        for window in policy.windows(ordered):
            started = time.perf_counter()
            decisions = policy.decide_batch(window, remaining, used)
            elapsed = time.perf_counter() - started
            for order, decision in zip(window, decisions, strict=True):
                _consume(decision, remaining, used)
                on_order(Routed(order, decision, elapsed, elapsed / len(window)))
        return
    periodic = policy if isinstance(policy, Periodic) else None
    for order in ordered:
        overhead = 0.0
        if periodic is not None:
            started = time.perf_counter()
            periodic.between_orders(order, remaining)
            overhead = time.perf_counter() - started
        capacity = CapacityUsed(network, used, order.placed_at, ship_dates)
        started = time.perf_counter()
        decision = policy(order, remaining, capacity)
        latency = time.perf_counter() - started
        _consume(decision, remaining, used)
        on_order(Routed(order, decision, latency, latency + overhead))


def simulate(
    network: Network,
    stock: Stock,
    orders: Iterable[Order],
    policy: Policy | BatchPolicy,
    on_order: Callable[[Routed], None] | None = None,
    keep_explanations: bool = True,
) -> list[Routed]:
    """``replay``, keeping every decision in a list (what the benchmark's checker reads).

    Without ``keep_explanations``, the results drop each explanation once ``on_order`` has
    seen it: a 100,000-order replay would otherwise hold millions of node verdicts, which
    the garbage collector walks again and again. ``ordermesh simulate`` keeps nothing:
    it streams each decision to its file and into a ``KpiTally``."""
    results: list[Routed] = []

    def keep(routed: Routed) -> None:
        if on_order is not None:
            on_order(routed)
        if not keep_explanations:
            routed = replace(routed, decision=replace(routed.decision, explanation={}, notes={}))
        results.append(routed)

    replay(network, stock, orders, policy, keep)
    return results


def _consume(
    decision: PolicyDecision,
    remaining: dict[tuple[str, str], int],
    used: dict[tuple[str, date], int],
) -> None:
    for shipment in decision.shipments:
        for line in shipment.lines:
            if isinstance(remaining, StockLevels):
                remaining.take(shipment.node_id, line.sku, line.quantity)
            else:
                key = (shipment.node_id, line.sku)
                remaining[key] = remaining.get(key, 0) - line.quantity
        day = (shipment.node_id, shipment.ship_date)
        used[day] = used.get(day, 0) + 1


# --------------------------------------------------------------------------------------------
# Policies
# --------------------------------------------------------------------------------------------


def ordermesh_policy(
    network: Network, rule_sets: Sequence[RuleSet] = (), strategy: Strategy = default_strategy
) -> Policy:
    """The routing core, under the first rule set that matches each order."""

    def decide(order: Order, stock: Stock, capacity: Mapping[str, int]) -> PolicyDecision:
        rule_set = select_rule_set(rule_sets, order)
        decision = route(order, network, stock, capacity, rule_set, strategy=strategy)
        return _from_route(decision)

    return decide


def _from_route(decision: Decision, **notes: Any) -> PolicyDecision:
    return PolicyDecision(
        shipments=decision.shipments,
        backordered=decision.backordered,
        promised_by=decision.promised_by,
        explanation=decision.explanation,
        notes=notes,
    )


@dataclass(frozen=True, slots=True)
class PolicySettings:
    """Knobs of the two inventory-aware policies (docs/routing.md, "Beyond one order")."""

    # Shadow prices: recomputed after this many orders, and whenever the day changes.
    refresh_orders: int = 100
    # The expected demand the LP plans for: this many days ahead, or, when
    # ``replenish_at`` is known, up to it (the stock on hand must last until then).
    horizon_days: float = 1.0
    replenish_at: datetime | None = None
    # Batch: a window closes at this many orders or this many minutes after its first.
    # Longer windows save more (docs/benchmarks.md measures 1, 4 and 12 hours) but hold
    # orders longer; four hours fits before a pick wave.
    window_orders: int = 100
    window_minutes: float = 240.0
    # Batch: branch-and-bound nodes the window's MIP may explore. Counted work, never
    # seconds, so the same replay decides the same on a quiet and on a busy machine.
    batch_mip_nodes: int = 500
    batch_k: int = 10  # candidate nodes per order in the batch MIP (plus myopic's)
    # Batch: the window's MIP may also plan for the forecast demand of its SKUs until
    # replenishment (or for ``horizon_days``), times this share; 0 (the default) plans for
    # the window alone. Only the units that come with probability ``batch_confidence``
    # (per SKU, Poisson) count. Whatever the forecast, each order ships at least what
    # routing it alone would ship (the fill rule): the forecast steers which node ships a
    # unit. Off by default: under the fill rule the forecast can only move units between
    # nodes, and on the independent scenarios (docs/benchmarks.md, issue 10) those moves
    # cost more than they saved where the forecast came from the replay's own short past.
    batch_future_share: float = 0.0
    batch_confidence: float = 0.99


@dataclass(frozen=True, slots=True)
class BatchAllocation:
    """A batch solver's answer: per order of the window, the units of each (node, SKU)
    it may take; ``status`` is the solver's."""

    status: str
    per_order: Sequence[Mapping[tuple[str, str], int]]


class BatchSolver(Protocol):
    """Routes a window of orders together, giving each order at least its ``fill_floor``
    of SKU units; None when it has no solution within ``mip_nodes`` of work."""

    def __call__(
        self,
        network: Network,
        stock: Stock,
        orders: Sequence[Order],
        *,
        capacity_used: Mapping[tuple[str, date], int],
        forced: Mapping[str, set[str]],
        k: int,
        mip_nodes: int,
        future: TransportationProblem | None = None,
        fill_floor: Sequence[int] | None = None,
    ) -> BatchAllocation | None: ...


@dataclass(frozen=True, slots=True)
class PolicySolvers:
    shadow: DualSolver
    batch: BatchSolver
    # The transportation LP's optimal cost: what the stock a plan leaves is worth to the
    # expected demand after it (the batch policy compares plans with it).
    transport: CostSolver | None = None
    # How one order's plan is searched: the exact search, with an exact MIP for orders too
    # large for it when a solver is given (docs/routing.md).
    routing: Strategy = default_strategy


class ShadowPricePolicy:
    """``route`` with opportunity costs from shadow prices (Acimovic & Graves 2015).

    The forecast comes from ``history`` when given (the benchmark: a stream drawn with a
    different seed than the scored one), else from the orders this replay has already
    routed, so it never sees an order before deciding it.
    """

    def __init__(
        self,
        network: Network,
        rule_sets: Sequence[RuleSet],
        solver: DualSolver,
        settings: PolicySettings,
        history: Sequence[Order] | None = None,
        strategy: Strategy = default_strategy,
    ) -> None:
        self.network = network
        self.rule_sets = rule_sets
        self.solver = solver
        self.settings = settings
        self.strategy = strategy
        self.fixed: Forecast | None = None
        if history is not None:
            self.fixed = forecast_from_history(history, network)
        self.seen: list[Order] = []
        self.prices: dict[tuple[str, str], float] = {}
        self.since_refresh: int | None = None  # None: never refreshed
        self.day: date | None = None
        self.refreshes = 0
        self.refresh_seconds = 0.0

    def between_orders(self, order: Order, stock: Stock) -> None:
        due = (
            self.since_refresh is None
            or self.since_refresh >= self.settings.refresh_orders
            or order.placed_at.date() != self.day
        )
        if due:
            self.refresh(order.placed_at, stock)
        self.since_refresh = (self.since_refresh or 0) + 1
        self.day = order.placed_at.date()

    def refresh(self, now: datetime, stock: Stock) -> None:
        started = time.perf_counter()
        forecast = self.fixed or forecast_from_history(self.seen, self.network, end=now)
        horizon = self.settings.horizon_days
        if self.settings.replenish_at is not None:
            horizon = max(0.0, (self.settings.replenish_at - now) / timedelta(days=1))
        self.prices = {}
        if not forecast.empty and horizon > 0:
            problem = transportation_problem(self.network, stock, forecast, horizon)
            self.prices = opportunity_costs(problem, self.solver(problem))
        self.since_refresh = 0
        self.refreshes += 1
        self.refresh_seconds += time.perf_counter() - started

    def __call__(self, order: Order, stock: Stock, capacity: Mapping[str, int]) -> PolicyDecision:
        rule_set = select_rule_set(self.rule_sets, order)
        decision = route(
            order,
            self.network,
            stock,
            capacity,
            rule_set,
            opportunity_cost=self.prices,
            strategy=self.strategy,
        )
        if self.fixed is None:
            self.seen.append(order)
        return _from_route(
            decision,
            policy="ordermesh-shadow",
            shadow_prices={"refreshes": self.refreshes, "priced_positions": len(self.prices)},
        )


@dataclass
class BatchPolicy:
    """Orders wait for a window (``window_orders`` orders or ``window_minutes`` after the
    first); the window is solved by ``solver`` as one MIP, and each order is then routed by
    ``route`` against exactly the units the MIP gave it, so its parcels, prices and
    explanation come from the routing core.

    With a forecast (``history``, else the orders of earlier windows) and a ``transport``
    solver, the MIP also plans for the expected demand of the window's SKUs until
    replenishment (a fluid transportation problem sharing the stock): the expected demand
    steers which node ships each unit. The fill rule: no order is left shorter than routing
    the window one order at a time leaves it (the MIP's ``fill_floor``, checked again on
    the routed plan), so no unit that could ship now is held for an order that may never
    come. The window's plan is then kept when its cost, plus 1,000 per backordered unit,
    plus what serving the expected demand from the stock it leaves costs, is no more than
    the same for routing the window one order at a time. Without a forecast it is kept
    only when it ships at least as many units and costs no more. Else (and when the solver
    has no solution within its work limit) the window is routed one order at a time."""

    network: Network
    rule_sets: Sequence[RuleSet]
    solver: BatchSolver
    settings: PolicySettings = field(default_factory=PolicySettings)
    strategy: Strategy = default_strategy
    transport: CostSolver | None = None
    history: Sequence[Order] | None = None
    windows_solved: int = 0
    windows_fallback: int = 0
    seen: list[Order] = field(default_factory=list)
    _fixed: Forecast | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if self.history is not None:
            self._fixed = forecast_from_history(self.history, self.network)

    def windows(self, orders: Sequence[Order]) -> Iterator[list[Order]]:
        window: list[Order] = []
        span = timedelta(minutes=self.settings.window_minutes)
        for order in orders:
            if window and (
                len(window) >= self.settings.window_orders
                or order.placed_at - window[0].placed_at > span
            ):
                yield window
                window = []
            window.append(order)
        if window:
            yield window

    def decide_batch(
        self, window: Sequence[Order], stock: Stock, used: Mapping[tuple[str, date], int]
    ) -> list[PolicyDecision]:
        myopic = self._in_turn(window, stock, used, None)
        if self._fixed is None:
            self.seen.extend(window)  # they have arrived: the forecast may count them
        future = self.future(window, stock)
        if len(window) < 2 or any(select_rule_set(self.rule_sets, o).id != "default"
                                  for o in window):  # fmt: skip
            # The MIP models the default objective only; other rule sets route one by one.
            return [self._tag(d, "myopic", "single order or custom rule set") for d in myopic]
        forced = {
            order.id: {s.node_id for s in decision.shipments}
            for order, decision in zip(window, myopic, strict=True)
        }
        floor = [shipped_units(decision) for decision in myopic]
        allocation = self.solver(
            self.network,
            stock,
            window,
            capacity_used=used,
            forced=forced,
            k=self.settings.batch_k,
            mip_nodes=self.settings.batch_mip_nodes,
            future=future,
            fill_floor=floor,
        )
        if allocation is None:
            self.windows_fallback += 1
            why = "solver found no solution within its work limit"
            return [self._tag(d, "myopic", why) for d in myopic]
        batched = self._in_turn(window, stock, used, allocation.per_order)
        if any(shipped_units(d) < least for d, least in zip(batched, floor, strict=True)):
            self.windows_fallback += 1
            why = "MIP plan would ship an order less than routing it alone"
            return [self._tag(d, "myopic", why) for d in myopic]
        if self._score(batched, stock, future) <= self._score(myopic, stock, future):
            self.windows_solved += 1
            return [self._tag(d, "mip", allocation.status) for d in batched]
        self.windows_fallback += 1
        return [self._tag(d, "myopic", f"MIP plan ({allocation.status}) was worse") for d in myopic]

    def future(self, window: Sequence[Order], stock: Stock) -> TransportationProblem | None:
        """The expected demand for the window's SKUs from its last order until
        replenishment (or for ``horizon_days``), scaled by ``batch_future_share``; None
        without a forecast, a transport solver or a horizon."""
        settings = self.settings
        if self.transport is None or settings.batch_future_share <= 0 or not window:
            return None
        now = window[-1].placed_at
        forecast = self._fixed or forecast_from_history(self.seen, self.network, end=now)
        horizon = settings.horizon_days
        if settings.replenish_at is not None:
            horizon = max(0.0, (settings.replenish_at - now) / timedelta(days=1))
        horizon *= settings.batch_future_share
        if forecast.empty or horizon <= 0:
            return None
        skus = {sku for order in window for sku in _order_skus(self.network, order)}
        positive = {key: units for key, units in stock.items() if units > 0}
        problem = transportation_problem(
            self.network, positive, forecast, horizon, skus=skus,
            confidence=settings.batch_confidence,
        )  # fmt: skip
        # The units that may not come weigh nothing: only the sure ones claim stock.
        return replace(problem, soft_unserved_cost=0.0)

    def _score(
        self,
        decisions: Sequence[PolicyDecision],
        stock: Stock,
        future: TransportationProblem | None,
    ) -> tuple[float, float]:
        """What a window's plan costs: (backordered units, cost) without a forecast; with
        one, cost + the unserved cost per backordered unit + the expected demand's cost
        from the stock the plan leaves."""
        backordered, cost = _rank(decisions)
        if future is None or self.transport is None:
            return float(backordered), cost
        taken: dict[tuple[str, str], int] = {}
        for decision in decisions:
            for shipment in decision.shipments:
                for line in shipment.lines:
                    key = (shipment.node_id, line.sku)
                    taken[key] = taken.get(key, 0) + line.quantity
        left = replace(
            future,
            supply=tuple(
                float(max(0, stock.get(source, 0) - taken.get(source, 0)))
                for source in future.sources
            ),
        )
        return 0.0, cost + UNFILLED_UNIT_COST * backordered + self.transport(left)

    def _in_turn(
        self,
        window: Sequence[Order],
        stock: Stock,
        used: Mapping[tuple[str, date], int],
        allocation: Sequence[Mapping[tuple[str, str], int]] | None,
    ) -> list[PolicyDecision]:
        """Route the window's orders one at a time on copies of stock and capacity; with an
        allocation, each order sees only the units given to it."""
        remaining = dict(stock)
        capacity = dict(used)
        decisions: list[PolicyDecision] = []
        for position, order in enumerate(window):
            view: Stock = remaining
            if allocation is not None:
                view = {
                    key: min(units, remaining.get(key, 0))
                    for key, units in allocation[position].items()
                }
            rule_set = select_rule_set(self.rule_sets, order)
            decided = route(
                order,
                self.network,
                view,
                CapacityUsed(self.network, capacity, order.placed_at),
                rule_set,
                strategy=self.strategy,
            )
            decision = _from_route(decided)
            _consume(decision, remaining, capacity)
            decisions.append(decision)
        return decisions

    def _tag(self, decision: PolicyDecision, plan: str, why: str) -> PolicyDecision:
        notes = {**decision.notes, "policy": "ordermesh-batch"}
        return replace(decision, notes={**notes, "batch": {"plan": plan, "status": why}})


def _order_skus(network: Network, order: Order) -> set[str]:
    """The SKUs an order draws stock of (a bundle's components)."""
    skus: set[str] = set()
    for line in order.lines:
        bundle = network.bundles.get(line.item)
        if bundle is None:
            skus.add(line.item)
        else:
            skus.update(component.sku for component in bundle.components)
    return skus


def shipped_units(decision: PolicyDecision) -> int:
    """SKU units a decision ships (a bundle counts as its components)."""
    return sum(shipment.units for shipment in decision.shipments)


def _rank(decisions: Sequence[PolicyDecision]) -> tuple[int, float]:
    backordered = sum(b.quantity for d in decisions for b in d.backordered)
    return backordered, round(sum(d.cost for d in decisions), 6)


@dataclass(frozen=True, slots=True)
class _NodeView:
    node: Node
    miles: float
    zone: int
    shipped: date
    allowed_transit_days: int
    remaining_capacity: int | None


class _Baseline:
    """What both baselines share: candidate nodes, usable stock and parcel pricing."""

    def __init__(self, network: Network, carrier_calendar: Calendar) -> None:
        self.network = network
        self.calendar = carrier_calendar
        self.services = tuple(sorted(network.services.values(), key=lambda s: s.id))
        self.nodes = tuple(
            network.nodes[node_id]
            for node_id in sorted(network.nodes)
            if network.nodes[node_id].enabled and network.nodes[node_id].can(Capability.SHIP)
        )

    def usable(self, order: Order, node: Node, sku: Sku, stock: Stock) -> int:
        """ATS less the channel buffer, as the routing core counts it (min ATS 1)."""
        if sku.hazmat and not node.hazmat_capable:
            return 0
        ats = stock.get((node.id, sku.id), 0)
        channel = self.network.channels.get(order.channel)
        if channel is not None:
            ats -= channel.buffer.units(node.type, sku.id)
        return max(0, ats)

    def views(
        self, order: Order, demands: Sequence[Demand], stock: Stock, capacity: Mapping[str, int]
    ) -> tuple[list[_NodeView], date]:
        """Nodes holding any unit of the order that can still ship today and can meet the
        promise, and the promise date (the channel's, else the earliest ship date among
        nodes with stock plus the service level's transit days, as the routing core does)."""
        skus = [sku for demand in demands for sku, _ in demand.kit]
        nodes: Sequence[Node] = self.nodes
        if isinstance(stock, StockLevels):  # a replay's: only the nodes holding a unit
            holding = set().union(*(stock.holders.get(sku.id, ()) for sku in skus))
            nodes = [node for node in self.nodes if node.id in holding]
        stocked = [n for n in nodes if any(self.usable(order, n, s, stock) for s in skus)]
        if isinstance(capacity, CapacityUsed):  # a replay's, remembering ship dates
            dates = {node.id: capacity.ship_date(node) for node in stocked}
        else:
            dates = {node.id: ship_date(node, order.placed_at) for node in stocked}
        if order.promised_by is not None:
            deadline = order.promised_by
        else:
            level = self.network.service_levels[order.service_level]
            earliest = min(dates.values(), default=order.placed_at.date())
            deadline = delivery_date(earliest, level.max_transit_days, self.calendar)
        views: list[_NodeView] = []
        destination = order.ship_to.location
        for node in stocked:
            left = None
            if node.shipments_per_day is not None:
                left = node.shipments_per_day - capacity.get(node.id, 0)
                if left <= 0:
                    continue
            miles = great_circle_miles(node.location, destination)
            zone = zone_for(miles, self.network.zones)
            allowed = working_days_between(
                self.calendar, pickup_date(dates[node.id], self.calendar), deadline
            )
            if self.parcel_service(zone, allowed, 1) is None:
                continue
            views.append(_NodeView(node, miles, zone, dates[node.id], allowed, left))
        return views, deadline

    def parcel_service(
        self, zone: int, allowed: int, billable_lb: int
    ) -> tuple[str, float, int] | None:
        if allowed < 0:
            return None
        level = ServiceLevel("promise", allowed)
        best = cheapest_qualifying(self.services, zone, billable_lb, 0.0, level)
        if best is None:
            return None
        return best.service_id, best.shipping, best.transit_days

    def shipments(
        self, view: _NodeView, contents: Sequence[tuple[Demand, int]]
    ) -> list[PlannedShipment] | None:
        """The node's parcels for ``contents``: one packed parcel, plus one parcel per unit
        of a ship-alone SKU; None when a parcel has no service in time."""
        packed: list[tuple[Demand, Sku, int]] = []
        alone: list[tuple[Demand, Sku]] = []
        for demand, count in contents:
            for sku, per_unit in demand.kit:
                if sku.ship_alone:
                    alone.extend((demand, sku) for _ in range(count * per_unit))
                else:
                    packed.append((demand, sku, count * per_unit))
        parcels: list[list[tuple[Demand, Sku, int]]] = [packed] if packed else []
        parcels.extend([(demand, sku, 1)] for demand, sku in alone)
        result: list[PlannedShipment] = []
        for parcel in parcels:
            units = [(sku, quantity) for _, sku, quantity in parcel]
            billable = billable_weight_lb(units)
            service = self.parcel_service(view.zone, view.allowed_transit_days, billable)
            if service is None:
                return None
            service_id, shipping, transit = service
            unit_count = sum(quantity for _, quantity in units)
            result.append(
                PlannedShipment(
                    node_id=view.node.id,
                    service_id=service_id,
                    lines=tuple(
                        ShipmentLine(d.line_id, sku.id, quantity, d.bundle_id)
                        for d, sku, quantity in parcel
                    ),
                    zone=view.zone,
                    billable_lb=billable,
                    shipping=shipping,
                    handling=handling_cost(view.node.handling, unit_count),
                    penalties=Penalties(),
                    co2e_g=co2e_grams(actual_weight_lb(units), view.miles, 1, self.network.co2e),
                    transit_days=transit,
                    ship_date=view.shipped,
                    promise_date=add_working_days(
                        self.calendar, pickup_date(view.shipped, self.calendar), transit
                    ),
                    meets_promise=True,
                    ship_alone=len(parcel) == 1 and parcel[0][1].ship_alone,
                )
            )
        return result

    def plan(
        self,
        policy: str,
        order: Order,
        demands: Sequence[Demand],
        assignment: Mapping[str, list[tuple[Demand, int]]],
        views: Mapping[str, _NodeView],
        deadline: date,
    ) -> PolicyDecision:
        shipments: list[PlannedShipment] = []
        placed: dict[int, int] = {}
        for node_id in sorted(assignment, key=lambda n: (views[n].miles, n)):
            parcels = self.shipments(views[node_id], assignment[node_id])
            if parcels is None:  # the policies only assign nodes they priced already
                raise AssertionError(f"{policy}: {node_id} cannot ship what it was given")
            shipments.extend(parcels)
            for demand, count in assignment[node_id]:
                placed[id(demand)] = placed.get(id(demand), 0) + count
        backordered = tuple(
            Backorder(d.line_id, d.item if d.bundle_id is None else d.kit[0][0].id,
                      d.quantity - placed.get(id(d), 0), NO_STOCK, d.bundle_id)
            for d in demands
            if d.quantity > placed.get(id(d), 0)
        )  # fmt: skip
        return PolicyDecision(
            shipments=tuple(shipments),
            backordered=backordered,
            promised_by=deadline,
            explanation={
                "policy": policy,
                "promise": {"date": deadline.isoformat()},
                "nodes": sorted(assignment),
            },
        )

    def parcel_count(self, contents: Sequence[tuple[Demand, int]]) -> int:
        alone = sum(
            count * per_unit
            for demand, count in contents
            for sku, per_unit in demand.kit
            if sku.ship_alone
        )
        packed = any(not sku.ship_alone for demand, _ in contents for sku, _ in demand.kit)
        return alone + (1 if packed else 0)

    def fits_capacity(self, view: _NodeView, contents: Sequence[tuple[Demand, int]]) -> bool:
        return view.remaining_capacity is None or self.parcel_count(contents) <= (
            view.remaining_capacity
        )

    def within_capacity(
        self, view: _NodeView, contents: Sequence[tuple[Demand, int]]
    ) -> list[tuple[Demand, int]]:
        """``contents`` less the ship-alone units (a parcel each) the node has no
        capacity left for, last first: a node that can make one parcel more still ships
        one unit rather than none (the fill rule)."""
        fitted = [(demand, count) for demand, count in contents if count > 0]
        position = len(fitted) - 1
        while not self.fits_capacity(view, fitted) and position >= 0:
            demand, count = fitted[position]
            if count > 0 and all(sku.ship_alone for sku, _ in demand.kit):
                fitted[position] = (demand, count - 1)
            else:
                position -= 1
        return [(demand, count) for demand, count in fitted if count > 0]


def nearest_policy(network: Network, carrier_calendar: Calendar | None = None) -> Policy:
    """One node if any can ship everything (the nearest such); else repeatedly the node
    that ships the most remaining units (nearest on ties), until none can ship more."""
    base = _Baseline(network, carrier_calendar or DEFAULT_CARRIER_CALENDAR)

    def decide(order: Order, stock: Stock, capacity: Mapping[str, int]) -> PolicyDecision:
        demands = expand_order(order, network, keep_bundles_together=False)
        views, deadline = base.views(order, demands, stock, capacity)
        views.sort(key=lambda v: (v.miles, v.node.id))
        by_id = {view.node.id: view for view in views}
        need = {id(d): d.quantity for d in demands}
        assignment: dict[str, list[tuple[Demand, int]]] = {}
        while any(need.values()):
            best: tuple[int, _NodeView, list[tuple[Demand, int]]] | None = None
            for view in views:
                if view.node.id in assignment:
                    continue
                taken: dict[str, int] = {}
                contents: list[tuple[Demand, int]] = []
                for demand in demands:
                    sku = demand.kit[0][0]
                    left = base.usable(order, view.node, sku, stock) - taken.get(sku.id, 0)
                    count = min(need[id(demand)], left)
                    if count > 0:
                        contents.append((demand, count))
                        taken[sku.id] = taken.get(sku.id, 0) + count
                contents = base.within_capacity(view, contents)
                units = sum(count for _, count in contents)
                better = best is None or units > best[0]
                if units and better and base.fits_capacity(view, contents):
                    best = (units, view, contents)
            if best is None:
                break
            _, view, contents = best
            assignment[view.node.id] = contents
            for demand, count in contents:
                need[id(demand)] -= count
        return base.plan("nearest", order, demands, assignment, by_id, deadline)

    return decide


def priority_policy(network: Network, carrier_calendar: Calendar | None = None) -> Policy:
    """Each line from the first node in (priority, id) order with stock, spilling what it
    lacks to the next node in the list."""
    base = _Baseline(network, carrier_calendar or DEFAULT_CARRIER_CALENDAR)

    def decide(order: Order, stock: Stock, capacity: Mapping[str, int]) -> PolicyDecision:
        demands = expand_order(order, network, keep_bundles_together=False)
        views, deadline = base.views(order, demands, stock, capacity)
        views.sort(key=lambda v: (v.node.priority, v.node.id))
        by_id = {view.node.id: view for view in views}
        assignment: dict[str, list[tuple[Demand, int]]] = {}
        taken: dict[tuple[str, str], int] = {}
        for demand in demands:
            sku = demand.kit[0][0]
            need = demand.quantity
            for view in views:
                if not need:
                    break
                key = (view.node.id, sku.id)
                left = base.usable(order, view.node, sku, stock) - taken.get(key, 0)
                count = min(need, left)
                held = assignment.get(view.node.id, [])
                # As many units as the node's capacity left takes (the fill rule).
                while count > 0 and not base.fits_capacity(view, [*held, (demand, count)]):
                    count -= 1
                if count <= 0:
                    continue
                assignment[view.node.id] = [*held, (demand, count)]
                taken[key] = taken.get(key, 0) + count
                need -= count
        return base.plan("priority", order, demands, assignment, by_id, deadline)

    return decide


def make_policy(
    name: str,
    network: Network,
    rule_sets: Sequence[RuleSet] = (),
    *,
    solvers: PolicySolvers | None = None,
    settings: PolicySettings | None = None,
    history: Sequence[Order] | None = None,
) -> Policy | BatchPolicy:
    """The policy called ``name``. The solver policies need ``solvers``; ``history`` is the
    order history the shadow-price forecast is counted from (default: the replay's own
    past orders)."""
    strategy = solvers.routing if solvers is not None else default_strategy
    if name == "ordermesh":
        return ordermesh_policy(network, rule_sets, strategy)
    if name == "nearest":
        return nearest_policy(network)
    if name == "priority":
        return priority_policy(network)
    if name in ("ordermesh-shadow", "ordermesh-batch"):
        if solvers is None:
            raise ValueError(f"policy {name!r} needs a solver (ordermesh.adapters.solver)")
        if name == "ordermesh-shadow":
            return ShadowPricePolicy(
                network,
                rule_sets,
                solvers.shadow,
                settings or PolicySettings(),
                history,
                strategy,
            )
        return BatchPolicy(
            network,
            rule_sets,
            solvers.batch,
            settings or PolicySettings(),
            strategy,
            solvers.transport,
            history,
        )
    raise ValueError(f"unknown policy {name!r}: expected one of {', '.join(POLICIES)}")


# --------------------------------------------------------------------------------------------
# Output and KPIs
# --------------------------------------------------------------------------------------------


def decision_json(routed: Routed) -> dict[str, Any]:
    """One line of DECISIONS.jsonl (docs/simulate.md)."""
    decision = routed.decision
    return {
        "order_id": routed.order.id,
        "status": decision.status,
        "shipments": [
            {
                "node": s.node_id,
                "service": s.service_id,
                "zone": s.zone,
                "lines": [{"sku": line.sku, "quantity": line.quantity} for line in s.lines],
                "shipping": round(s.shipping, 2),
                "handling": round(s.handling, 2),
                "cost": round(s.cost, 2),
                "ship_date": s.ship_date.isoformat(),
                "promised_date": s.promise_date.isoformat(),
                "meets_promise": s.meets_promise,
                "co2e_g": round(s.co2e_g, 1),
            }
            for s in decision.shipments
        ],
        "backordered": [{"sku": b.item, "quantity": b.quantity} for b in decision.backordered],
        "cost": round(decision.cost, 2),
        "promised_by": decision.promised_by.isoformat(),
        "latency_ms": round(routed.latency_s * 1000, 3),
        "explanation": decision.explanation_json(),
    }


@dataclass(frozen=True, slots=True)
class Kpis:
    orders: int
    units: int  # SKU units ordered (a bundle counts as its components)
    units_shipped: int
    shipments: int
    split_orders: int  # orders shipped in two or more parcels
    shipping: float
    handling: float
    co2e_g: float
    on_time_shipments: int
    latency_p50_ms: float
    latency_p99_ms: float
    decision_seconds: float  # compute spent deciding, summed over orders (Routed.compute_s)

    @property
    def cost(self) -> float:
        return self.shipping + self.handling

    @property
    def fill_rate(self) -> float:
        return self.units_shipped / self.units if self.units else 1.0

    @property
    def shipments_per_order(self) -> float:
        return self.shipments / self.orders if self.orders else 0.0

    @property
    def split_rate(self) -> float:
        return self.split_orders / self.orders if self.orders else 0.0

    @property
    def promise_hit_rate(self) -> float:
        return self.on_time_shipments / self.shipments if self.shipments else 1.0

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.decision_seconds if self.decision_seconds else 0.0

    def per_order(self, value: float) -> float:
        return value / self.orders if self.orders else 0.0

    def to_json_dict(self) -> dict[str, float | int]:
        return {
            "orders": self.orders,
            "units": self.units,
            "units_shipped": self.units_shipped,
            "fill_rate": round(self.fill_rate, 4),
            "shipments": self.shipments,
            "shipments_per_order": round(self.shipments_per_order, 4),
            "split_rate": round(self.split_rate, 4),
            "cost": round(self.cost, 2),
            "shipping": round(self.shipping, 2),
            "handling": round(self.handling, 2),
            "cost_per_order": round(self.per_order(self.cost), 4),
            "shipping_per_order": round(self.per_order(self.shipping), 4),
            "handling_per_order": round(self.per_order(self.handling), 4),
            "co2e_kg_per_order": round(self.per_order(self.co2e_g) / 1000, 4),
            "promise_hit_rate": round(self.promise_hit_rate, 4),
            "latency_p50_ms": round(self.latency_p50_ms, 3),
            "latency_p99_ms": round(self.latency_p99_ms, 3),
            "orders_per_second": round(self.orders_per_second, 1),
        }


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value with at least ``share`` of values at or
    below it."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


class KpiTally:
    """The KPIs of a replay, added up one decision at a time: of each decision it keeps
    only its latency (for the percentiles)."""

    def __init__(self) -> None:
        self.orders = 0
        self.units_shipped = 0
        self.units_backordered = 0
        self.shipments = 0
        self.split_orders = 0
        self.shipping = 0.0
        self.handling = 0.0
        self.co2e_g = 0.0
        self.on_time_shipments = 0
        self.decision_seconds = 0.0
        self.latencies_ms: list[float] = []

    def add(self, routed: Routed) -> None:
        decision = routed.decision
        self.orders += 1
        for shipment in decision.shipments:
            self.units_shipped += shipment.units
            self.co2e_g += shipment.co2e_g
            self.on_time_shipments += shipment.meets_promise
        self.units_backordered += sum(b.quantity for b in decision.backordered)
        self.shipments += len(decision.shipments)
        self.split_orders += len(decision.shipments) > 1
        self.shipping += decision.shipping
        self.handling += decision.handling
        self.decision_seconds += routed.compute_seconds
        self.latencies_ms.append(routed.latency_s * 1000)

    def kpis(self) -> Kpis:
        return Kpis(
            orders=self.orders,
            units=self.units_shipped + self.units_backordered,
            units_shipped=self.units_shipped,
            shipments=self.shipments,
            split_orders=self.split_orders,
            shipping=self.shipping,
            handling=self.handling,
            co2e_g=self.co2e_g,
            on_time_shipments=self.on_time_shipments,
            latency_p50_ms=percentile(self.latencies_ms, 0.50),
            latency_p99_ms=percentile(self.latencies_ms, 0.99),
            decision_seconds=self.decision_seconds,
        )


def kpis(results: Iterable[Routed]) -> Kpis:
    tally = KpiTally()
    for routed in results:
        tally.add(routed)
    return tally.kpis()
