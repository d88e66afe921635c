"""Large (B2B) orders through the order service, on SQLite and PostgreSQL: the
application's routing port solves them with HiGHS, outside any transaction, when placed
(services and HTTP) and when re-routed; with a time limit of 0 local search routes them.

The instance is ``test_solver_order_mip._big_order`` as a network document: 30 lines over
8 nodes, where HiGHS finds a plan of 255.10 and local search alone one of 266.40."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.adapters.solver.order_mip import highs_strategy
from ordermesh.bootstrap import Application, bootstrap
from ordermesh.config import Settings
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.model import Location
from ordermesh.domain.order import Order, OrderLine, ShipTo
from ordermesh.domain.routing import DEFAULT_RULE_SET, Decision, SearchOptions, Strategy, route
from ordermesh.domain.routing.problem import Problem, SearchResult
from ordermesh.domain.routing.search import default_strategy
from ordermesh.entrypoints.api.api_keys import create_key
from ordermesh.entrypoints.api.app import create_app
from ordermesh.services import inventory, network, orders
from ordermesh.services.orders import OrderView, PlaceOrder
from ordermesh.services.ports import Routing

# Generous, so that a loaded machine never cuts the solve short: HiGHS proves this
# instance optimal in about half a second and stops there.
SOLVER_SECONDS = 60.0
# Wednesday 10 June 2026, 15:00 UTC: 11:00 in New York, before every node's cutoff.
WEDNESDAY = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
MANHATTAN = Location(40.7128, -74.0060, "10007", "US", "NY")
PLACES = (  # Newark, Philadelphia, Boston, Columbus, Chicago, Atlanta
    (40.7357, -74.1724),
    (39.9526, -75.1652),
    (42.3601, -71.0589),
    (39.9612, -82.9988),
    (41.8781, -87.6298),
    (33.7490, -84.3880),
)
ZONES = ((2, 150), (3, 300), (4, 600), (5, 1000), (6, 1400), (7, 1800), (8, None))
GROUND = {  # zone: (transit days, base, per lb)
    2: (1, 9.50, 0.55),
    3: (2, 10.10, 0.70),
    4: (3, 10.80, 0.95),
    5: (3, 11.50, 1.20),
    6: (4, 12.30, 1.45),
    7: (5, 13.00, 1.65),
    8: (5, 13.90, 1.85),
}
TWO_DAY = {
    2: (2, 19.00, 1.10),
    3: (2, 20.50, 1.40),
    4: (2, 22.00, 1.90),
    5: (2, 24.00, 2.40),
    6: (2, 26.50, 2.90),
    7: (2, 28.50, 3.30),
    8: (2, 31.00, 3.70),
}
STOCK = {(f"N{n}", f"S{i}"): (n + i) % 4 for n in range(8) for i in range(30) if (n * 7 + i) % 3}
LINES = tuple((f"S{i}", 1 + i % 3) for i in range(30))  # 30 lines, 60 units


class SteppingClock:
    def __init__(self) -> None:
        self._now = WEDNESDAY

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


def _service(service_id: str, table: dict[int, tuple[int, float, float]]) -> dict[str, Any]:
    return {
        "id": service_id,
        "transit_days": {zone: days for zone, (days, _, _) in table.items()},
        "rates": {zone: {"base": base, "per_lb": lb} for zone, (_, base, lb) in table.items()},
    }


def network_document() -> dict[str, Any]:
    raw = {
        "service_levels": {"standard": 5, "expedited": 2},
        "shipping": {
            "zones": [
                {"zone": zone} if miles is None else {"zone": zone, "max_miles": miles}
                for zone, miles in ZONES
            ],
            "services": [_service("ground", GROUND), _service("two_day", TWO_DAY)],
        },
        "nodes": [
            {
                "id": f"N{n}",
                "name": f"N{n}",
                "type": "store" if n % 3 else "warehouse",
                "location": {"lat": PLACES[n % 6][0], "lon": PLACES[n % 6][1]},
                "timezone": "America/New_York",
                "cutoff": "14:00",
                "calendar": {"closed_weekdays": ["sat", "sun"]},
                "handling": {"per_shipment": 1.5, "per_unit": 0.4 if n % 2 else 0.2},
                "priority": 10 * n + 1,
            }
            for n in range(8)
        ],
        "skus": [
            {
                "id": f"S{i}",
                "weight_lb": (0.3, 1.0, 2.5, 6.0)[i % 4],
                "dims_in": [[4, 4, 4], [12, 10, 8]][i % 2],
                "unit_cost": 5.0,
                "price": 20.0,
                "ship_alone": i % 11 == 5,
            }
            for i in range(30)
        ],
        "channels": [{"id": "b2b", "service_level": "standard"}],
    }
    document, _ = validate_network_document(raw)
    return document


def snapshots(stock: dict[tuple[str, str], int]) -> dict[str, list[SnapshotLine]]:
    by_node: dict[str, list[SnapshotLine]] = {}
    for (node_id, sku), units in sorted(stock.items()):
        by_node.setdefault(node_id, []).append(SnapshotLine(sku, units))
    return by_node


def large_order(external_id: str = "PO-1") -> PlaceOrder:
    return PlaceOrder(
        channel="b2b",
        ship_to=ShipTo(MANHATTAN),
        service_level="standard",
        lines=tuple(OrderLine(f"L{i}", sku, units) for i, (sku, units) in enumerate(LINES)),
        external_id=external_id,
    )


def application(database_url: str, time_limit: float, *, stocked: bool = True) -> Application:
    """The application as ``bootstrap`` builds it (its routing port included), with a
    stepping clock, the network loaded and, unless ``stocked`` is off, the stock."""
    settings = Settings(database_url=database_url, order_solver_time_limit_s=time_limit)
    app = dataclasses.replace(bootstrap(settings, migrate=False), clock=SteppingClock())
    document = network_document()
    network.load_network(app.uow(), document, checksum(document), app.clock, routing=app.routing)
    if stocked:
        inventory.apply_snapshots(
            app.uow(), snapshots(STOCK), "counter", app.clock, routing=app.routing
        )
    return app


@pytest.fixture
def solving(database_url: str) -> Iterator[Application]:
    app = application(database_url, SOLVER_SECONDS)
    yield app
    app.close()


def alone(app: Application, view: OrderView, strategy: Strategy) -> Decision:
    """The decision ``route`` makes for the placed order with ``strategy``, against the
    stock the service read (before its reservations) and no shipments yet."""
    the_order = Order(
        id=view.id,
        channel=view.channel,
        customer_tier=view.customer_tier,
        ship_to=view.ship_to,
        service_level=view.service_level,
        lines=tuple(
            OrderLine(line.line_id, line.item, line.quantity, line.unit_price)
            for line in view.lines
        ),
        tags=frozenset(view.tags),
        placed_at=view.placed_at,
    )
    net = network.current_network(app.uow()).network
    return route(the_order, net, STOCK, {}, DEFAULT_RULE_SET, view.placed_at, strategy=strategy)


def stored(app: Application, order_id: str) -> dict[str, Any]:
    explanation = orders.get_order(app.uow(), order_id).explanation
    assert explanation is not None
    return dict(explanation)


def test_a_large_order_placed_through_the_service_is_solved_by_highs(
    solving: Application,
) -> None:
    # What the port's strategy sees when it solves: connections held from the pool. Any
    # open unit of work holds one (and its transaction's locks).
    held: list[int] = []

    def watched(problem: Problem, options: SearchOptions) -> SearchResult:
        if solving.routing.slow(problem, options):
            held.append(solving.engine.pool.checkedout())
        return solving.routing.strategy(problem, options)

    routing = Routing(strategy=watched, slow=solving.routing.slow)
    view, created = orders.place_order(
        solving.uow(), large_order(), solving.clock, actor="channel:b2b", routing=routing
    )
    assert created
    explanation = stored(solving, view.id)
    assert explanation["search"]["strategy"] == "local_search+highs"
    assert held == [0]
    by_highs = alone(solving, view, highs_strategy(SOLVER_SECONDS))
    by_local_search = alone(solving, view, default_strategy)
    assert explanation["chosen"]["objective"] == pytest.approx(by_highs.objective, abs=0.005)
    assert by_highs.objective < by_local_search.objective - 1.0
    assert explanation["chosen"]["backordered_units"] == 0
    # The plan the service reserved is the one it explained.
    assert sum(request.units for request in view.shipments) == sum(u for _, u in LINES)
    assert {r.node_id for r in view.shipments} == set(explanation["chosen"]["nodes"])
    assert orders.reconcile(solving.uow()) == []


def test_with_a_time_limit_of_zero_large_orders_go_to_local_search_alone(
    database_url: str,
) -> None:
    app = application(database_url, 0.0)
    try:
        view, _ = orders.place_order(
            app.uow(), large_order(), app.clock, actor="channel:b2b", routing=app.routing
        )
        explanation = stored(app, view.id)
        assert explanation["search"]["strategy"] == "local_search"
        by_local_search = alone(app, view, default_strategy)
        by_highs = alone(app, view, highs_strategy(SOLVER_SECONDS))
        assert explanation["chosen"]["objective"] == pytest.approx(
            by_local_search.objective, abs=0.005
        )
        assert explanation["chosen"]["objective"] > by_highs.objective + 1.0
    finally:
        app.close()


def test_a_large_backorder_filled_by_a_receipt_is_solved_by_highs_too(
    database_url: str,
) -> None:
    app = application(database_url, SOLVER_SECONDS, stocked=False)
    try:
        view, _ = orders.place_order(
            app.uow(), large_order(), app.clock, actor="channel:b2b", routing=app.routing
        )
        assert not view.shipments
        # The receipt re-routes the waiting order in its own unit of work, whose solve is
        # deferred like a new order's: the receipt is applied once, and the order routed.
        inventory.apply_snapshots(
            app.uow(), snapshots(STOCK), "counter", app.clock, routing=app.routing
        )
        explanation = stored(app, view.id)
        assert explanation["search"]["strategy"] == "local_search+highs"
        assert explanation["chosen"]["backordered_units"] == 0
        assert explanation["chosen"]["objective"] == pytest.approx(255.10, abs=0.005)
        with app.uow() as uow:
            receipts = [e for e in uow.inventory.journal(limit=1000) if e.actor == "counter"]
        assert len(receipts) == sum(1 for units in STOCK.values() if units)
        assert orders.reconcile(app.uow()) == []
    finally:
        app.close()


def test_an_order_posted_to_the_api_is_solved_by_highs(solving: Application) -> None:
    key = create_key(solving, "admin")
    body = {
        "channel": "b2b",
        "external_id": "PO-API",
        "ship_to": {"lat": MANHATTAN.lat, "lon": MANHATTAN.lon, "postal_code": "10007"},
        "lines": [{"sku": sku, "quantity": units} for sku, units in LINES],
    }

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_app(solving))
        async with httpx.AsyncClient(transport=transport, base_url="http://ordermesh") as client:
            return await client.post(
                "/v1/orders", json=body, headers={"Authorization": f"Bearer {key}"}
            )

    response = asyncio.run(post())
    assert response.status_code == 201, response.text
    explanation = stored(solving, response.json()["id"])
    assert explanation["search"]["strategy"] == "local_search+highs"
    assert explanation["chosen"]["objective"] == pytest.approx(255.10, abs=0.005)
