"""Live opportunity costs: the shadow prices the inventory-aware policy of ``ordermesh
simulate`` routes with, kept fresh for the running service (docs/routing.md, "Live
opportunity costs").

``ordermesh worker`` calls ``refresh_if_due`` every loop: when the latest version is older
than the refresh interval, ``refresh`` counts a forecast from the database's own orders of
the last ``HISTORY_DAYS`` days, reads the stock available now, solves the transportation
LP of ``domain.routing.opportunity`` over the next ``HORIZON_DAYS`` days through the
``DualSolver`` it is handed (HiGHS), and stores the prices as the next version.

Every service that routes (``services.allocation.allocate``: intake and each re-route)
prices the units it takes with the latest version, unless the routing port says not to or
the version is stale (the worker stopped), and names the version in the decision's
explanation. The prices are an objective term only: plans are ranked by backordered units
first (``domain.routing.problem``), so a price can change which node ships a unit, never
whether a unit available now ships.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime, timedelta

from ordermesh.domain.errors import NetworkNotLoaded
from ordermesh.domain.forecast import forecast_from_history
from ordermesh.domain.routing.opportunity import (
    DualSolver,
    opportunity_costs,
    transportation_problem,
)
from ordermesh.services.opportunity_ports import OpportunityVersion
from ordermesh.services.ports import Clock, Routing, UnitOfWork

# The order history a forecast is counted from: four weeks hold every weekday four times.
HISTORY_DAYS = 28.0
# The expected demand the stock on hand is kept for, as ``ordermesh simulate``'s
# shadow-price policy does by default: the service knows no replenishment dates.
HORIZON_DAYS = 1.0
# A version older than this many refresh intervals is stale (no worker refreshes it):
# routing goes myopic rather than price today's stock with last week's scarcity.
STALE_AFTER_REFRESHES = 4


def max_age_s(refresh_s: float) -> float | None:
    """How old a version may be and still price units; None when refreshing is off."""
    return STALE_AFTER_REFRESHES * refresh_s if refresh_s > 0 else None


def latest(uow: UnitOfWork) -> OpportunityVersion | None:
    with uow:
        return uow.opportunity.latest()


def refresh(
    uow: UnitOfWork,
    solver: DualSolver,
    clock: Clock,
    *,
    history_days: float = HISTORY_DAYS,
    horizon_days: float = HORIZON_DAYS,
) -> OpportunityVersion:
    """Compute the opportunity costs from the orders and stock stored now and store them
    as the next version. The LP is solved with no transaction open."""
    now = clock.now()
    since = now - timedelta(days=history_days)
    with uow:
        current = uow.network.current()
        if current is None:
            raise NetworkNotLoaded()
        network = current.network
        history = uow.opportunity.history(since)
        stock = {
            (p.node_id, p.sku): max(0, p.on_hand - p.reserved - p.safety_stock)
            for p in uow.inventory.positions()
        }
    # From the first order on, not from ``since``: a shop a day old has a day of history,
    # not four weeks of which one was busy.
    forecast = forecast_from_history(history, network, end=now)
    prices: dict[tuple[str, str], float] = {}
    if not forecast.empty and horizon_days > 0:
        problem = transportation_problem(network, stock, forecast, horizon_days)
        prices = opportunity_costs(problem, solver(problem))
    with uow:
        version = uow.opportunity.add(now, horizon_days, history_days, len(history), prices)
        uow.commit()
    return version


def refresh_if_due(
    uow: UnitOfWork, solver: DualSolver, clock: Clock, refresh_s: float
) -> OpportunityVersion | None:
    """``refresh`` unless refreshing is off (``refresh_s`` 0) or the latest version is
    younger than ``refresh_s`` (another worker made it); the new version, else None."""
    if refresh_s <= 0:
        return None
    newest = latest(uow)
    if newest is not None and clock.now() - newest.computed_at < timedelta(seconds=refresh_s):
        return None
    return refresh(uow, solver, clock)


def live_prices(
    uow: UnitOfWork, routing: Routing, now: datetime, skus: Collection[str]
) -> tuple[Mapping[tuple[str, str], float], OpportunityVersion | None]:
    """Inside a unit of work: the prices of ``skus`` per (node, SKU) to route with, and
    the version they come from; none when the port prices nothing or the latest version
    is missing or stale."""
    max_age = routing.opportunity_max_age_s
    if max_age is None:
        return {}, None
    newest, prices = uow.opportunity.latest_prices(skus)
    if newest is None or now - newest.computed_at > timedelta(seconds=max_age):
        return {}, None
    return prices, newest
