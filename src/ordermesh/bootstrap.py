"""The composition root: the one place that builds concrete adapters and hands them out.

Nothing is built at import time; every entrypoint calls ``bootstrap()``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlalchemy import Engine

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.migrate import upgrade
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.events.store import SqlDeliveryStore
from ordermesh.adapters.partners import partner_ports
from ordermesh.adapters.solver import highs_routing, supply_prices
from ordermesh.adapters.solver.transfers import solve_positioning
from ordermesh.config import Settings
from ordermesh.domain.positioning import PositioningSolver
from ordermesh.domain.routing.opportunity import DualSolver
from ordermesh.services.events_delivery import DeliveryStore
from ordermesh.services.opportunity import max_age_s
from ordermesh.services.partner_ports import PartnerPorts
from ordermesh.services.ports import Clock, Routing, UnitOfWork


@dataclass(frozen=True, slots=True)
class Application:
    settings: Settings
    engine: Engine
    uow: Callable[[], UnitOfWork]
    # For reads only: no write lock on SQLite, READ ONLY on PostgreSQL; a write in it fails.
    read_uow: Callable[[], UnitOfWork]
    clock: Clock
    partners: PartnerPorts  # file transport to csv and x12 partners
    routing: Routing  # how every service that routes searches an order's plan
    deliveries: Callable[[], DeliveryStore]  # webhook subscribers, deliveries, dead letters
    shadow_prices: DualSolver  # the opportunity-cost LP (services.opportunity)
    positioning: PositioningSolver  # the LP behind transfer advice

    def close(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, *, migrate: bool = True) -> Application:
    settings = settings or Settings.from_environment()
    engine = create_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    routing = replace(
        highs_routing(settings.order_solver_time_limit_s),
        opportunity_max_age_s=max_age_s(settings.opportunity_refresh_s),
    )
    return Application(
        settings=settings,
        engine=engine,
        uow=lambda: SqlUnitOfWork(engine),
        read_uow=lambda: SqlUnitOfWork(engine, read_only=True),
        clock=SystemClock(),
        partners=partner_ports(engine, routing=routing),
        routing=routing,
        deliveries=lambda: SqlDeliveryStore(engine),
        shadow_prices=supply_prices,
        positioning=solve_positioning,
    )
