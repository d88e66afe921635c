"""Live opportunity costs, on SQLite and PostgreSQL: the worker's refresh stores a version
priced from the database's own orders and stock, and intake and re-routes price units
with the latest version and name it in the explanation; with the setting off, none is
made or used; and no price ever keeps a unit that could ship from shipping.

The network: customers in Boston have bought MUGs; BOSTON holds few, PITTSBURGH plenty.
Boston's expected orders need BOSTON's units (zone 2 rather than PITTSBURGH's zone 4), so
the LP prices them. An order from Philadelphia is zone 3 from both: myopic, it takes a
BOSTON unit (PITTSBURGH's handling costs more); priced, it takes PITTSBURGH's."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ordermesh.adapters.db.opportunity_repository import KEEP_PRICED_VERSIONS
from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.adapters.solver import supply_prices
from ordermesh.bootstrap import Application, bootstrap
from ordermesh.config import Settings
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.lifecycle import RejectReason
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.domain.routing.opportunity import TransportationProblem
from ordermesh.entrypoints.worker import OpportunityRefresh
from ordermesh.services import fulfillment, inventory, network, opportunity, orders
from ordermesh.services.orders import OrderView, PlaceOrder

# Wednesday 10 June 2026, 15:00 UTC: before every node's cutoff.
WEDNESDAY = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
BOSTON = Location(42.3601, -71.0589, "02108", "US", "MA")
PHILADELPHIA = Location(39.9526, -75.1652, "19103", "US", "PA")
BOSTON_ORDERS = 5
STOCK = {"BOSTON": 8, "PITTSBURGH": 100}


class SteppingClock:
    def __init__(self) -> None:
        self._now = WEDNESDAY

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now

    def advance(self, by: timedelta) -> None:
        self._now += by


def network_document() -> dict[str, Any]:
    ground = {2: (1, 8.0, 0.5), 3: (2, 10.0, 0.7), 4: (3, 12.0, 0.9), 5: (4, 14.0, 1.1)}
    raw = {
        "service_levels": {"standard": 5},
        "shipping": {
            "zones": [
                {"zone": 2, "max_miles": 150},
                {"zone": 3, "max_miles": 300},
                {"zone": 4, "max_miles": 600},
                {"zone": 5},
            ],
            "services": [
                {
                    "id": "ground",
                    "transit_days": {zone: days for zone, (days, _, _) in ground.items()},
                    "rates": {
                        zone: {"base": base, "per_lb": lb} for zone, (_, base, lb) in ground.items()
                    },
                }
            ],
        },
        "nodes": [
            {
                "id": node_id,
                "name": node_id,
                "type": "warehouse",
                "location": {"lat": lat, "lon": lon},
                "timezone": "America/New_York",
                "cutoff": "14:00",
                "handling": {"per_shipment": 1.0 + extra, "per_unit": 0.25},
                "priority": priority,
            }
            for node_id, lat, lon, extra, priority in (
                ("BOSTON", 42.3601, -71.0589, 0.0, 1),
                ("PITTSBURGH", 40.4406, -79.9959, 0.5, 2),
            )
        ],
        "skus": [
            {"id": "MUG", "weight_lb": 1.0, "dims_in": [4, 4, 4], "unit_cost": 5.0, "price": 20.0}
        ],
        "channels": [{"id": "web", "service_level": "standard"}],
    }
    document, _ = validate_network_document(raw)
    return document


def application(database_url: str, refresh_s: float = 300.0) -> Application:
    settings = Settings(database_url=database_url, opportunity_refresh_s=refresh_s)
    app = dataclasses.replace(bootstrap(settings, migrate=False), clock=SteppingClock())
    document = network_document()
    network.load_network(app.uow(), document, checksum(document), app.clock, routing=app.routing)
    inventory.apply_snapshots(
        app.uow(),
        {node_id: [SnapshotLine("MUG", units)] for node_id, units in STOCK.items()},
        "counter",
        app.clock,
        routing=app.routing,
    )
    return app


@pytest.fixture
def app(database_url: str) -> Iterator[Application]:
    application_ = application(database_url)
    yield application_
    application_.close()


def place(app: Application, where: Location, external_id: str) -> OrderView:
    view, _ = orders.place_order(
        app.uow(),
        PlaceOrder(
            channel="web",
            ship_to=ShipTo(where),
            service_level="standard",
            lines=(OrderLine("1", "MUG", 1),),
            external_id=external_id,
        ),
        app.clock,
        actor="channel:web",
        routing=app.routing,
    )
    return view


def boston_history(app: Application) -> None:
    for n in range(BOSTON_ORDERS):
        assert place(app, BOSTON, f"BOS-{n}").shipments[0].node_id == "BOSTON"


def clock(app: Application) -> SteppingClock:
    assert isinstance(app.clock, SteppingClock)
    return app.clock


def refresh(app: Application) -> opportunity.OpportunityVersion:
    version = opportunity.refresh_if_due(
        app.uow(), app.shadow_prices, app.clock, app.settings.opportunity_refresh_s
    )
    assert version is not None
    return version


def explanation(app: Application, order_id: str) -> dict[str, Any]:
    stored = orders.get_order(app.uow(), order_id).explanation
    assert stored is not None
    return dict(stored)


def test_a_refresh_prices_the_units_the_expected_orders_need(app: Application) -> None:
    boston_history(app)
    version = refresh(app)
    assert version.version == 1
    assert version.history_orders == BOSTON_ORDERS
    assert version.priced_positions == 1
    with app.uow() as uow:
        prices = uow.opportunity.prices(version.version, ["MUG"])
        assert uow.opportunity.latest() == version
    # Boston expects 5 a day and BOSTON has 3 left: each is worth what PITTSBURGH would
    # charge Boston beyond BOSTON (a 1 lb parcel at zone 4's base against zone 2's, and
    # its dearer handling).
    assert set(prices) == {("BOSTON", "MUG")}
    assert prices[("BOSTON", "MUG")] == pytest.approx((12.0 + 1.5) - (8.0 + 1.0))


def test_a_second_refresh_waits_for_the_interval_and_makes_the_next_version(
    app: Application,
) -> None:
    boston_history(app)
    first = refresh(app)
    assert opportunity.refresh_if_due(app.uow(), app.shadow_prices, app.clock, 300.0) is None
    clock(app).advance(timedelta(seconds=300))
    assert refresh(app).version == first.version + 1


def test_an_order_placed_after_a_refresh_is_priced_with_it_and_names_the_version(
    app: Application,
) -> None:
    boston_history(app)
    before = place(app, PHILADELPHIA, "PHL-0")
    assert before.shipments[0].node_id == "BOSTON"  # myopic: no version yet
    assert explanation(app, before.id)["opportunity"] is None
    version = refresh(app)
    after = place(app, PHILADELPHIA, "PHL-1")
    assert after.shipments[0].node_id == "PITTSBURGH"
    named = explanation(app, after.id)["opportunity"]
    assert named == {
        "version": version.version,
        "computed_at": version.computed_at.isoformat(),
        "horizon_days": version.horizon_days,
    }
    # The plan it passed over paid BOSTON's price.
    rejected = explanation(app, after.id)["best_rejected"]
    assert rejected["plan"]["nodes"] == ["BOSTON"]
    assert rejected["plan"]["shipments"][0]["penalties"]["opportunity"] > 0


def test_a_re_route_is_priced_with_the_latest_version(app: Application) -> None:
    boston_history(app)
    view = place(app, PHILADELPHIA, "PHL-0")
    version = refresh(app)
    request = view.shipments[0]
    assert request.node_id == "BOSTON"
    fulfillment.reject(
        app.uow(),
        request.id,
        RejectReason.CAPACITY,
        app.clock,
        actor="node:BOSTON",
        routing=app.routing,
    )
    rerouted = explanation(app, view.id)
    assert rerouted["opportunity"]["version"] == version.version
    assert rerouted["chosen"]["nodes"] == ["PITTSBURGH"]


def test_a_stale_version_prices_nothing(app: Application) -> None:
    boston_history(app)
    refresh(app)
    clock(app).advance(timedelta(seconds=opportunity.STALE_AFTER_REFRESHES * 300 + 1))
    view = place(app, PHILADELPHIA, "PHL-0")
    assert view.shipments[0].node_id == "BOSTON"
    assert explanation(app, view.id)["opportunity"] is None


def test_with_the_setting_off_no_version_is_made_or_used(database_url: str) -> None:
    off = application(database_url, refresh_s=0.0)
    try:
        boston_history(off)
        assert opportunity.refresh_if_due(off.uow(), supply_prices, off.clock, 0.0) is None
        assert opportunity.latest(off.uow()) is None
        # Even a version some earlier configuration made is not used.
        opportunity.refresh(off.uow(), supply_prices, off.clock)
        view = place(off, PHILADELPHIA, "PHL-0")
        assert view.shipments[0].node_id == "BOSTON"
        assert explanation(off, view.id)["opportunity"] is None
    finally:
        off.close()


@pytest.mark.parametrize("price", [50.0, 1e9])
def test_no_price_keeps_a_unit_that_could_ship_from_shipping(
    app: Application, price: float
) -> None:
    """The fill rule: PITTSBURGH is emptied, so BOSTON's units are the only ones; priced
    far above any parcel and the backorder alike, they still ship."""
    inventory.apply_snapshots(
        app.uow(), {"PITTSBURGH": [SnapshotLine("MUG", 0)]}, "counter", app.clock
    )
    with app.uow() as uow:
        version = uow.opportunity.add(app.clock.now(), 1.0, 28.0, 0, {("BOSTON", "MUG"): price})
        uow.commit()
    view = place(app, PHILADELPHIA, "PHL-0")
    assert [request.node_id for request in view.shipments] == ["BOSTON"]
    assert view.backordered == ()
    stored = explanation(app, view.id)
    assert stored["opportunity"]["version"] == version.version
    assert stored["chosen"]["backordered_units"] == 0
    assert stored["chosen"]["shipments"][0]["penalties"]["opportunity"] == pytest.approx(price)
    request_costs = view.shipments[0].costs
    assert request_costs["penalties"]["opportunity"] == pytest.approx(price)  # type: ignore[index]


def test_a_failed_refresh_is_logged_and_the_worker_goes_on(
    app: Application, caplog: pytest.LogCaptureFixture
) -> None:
    boston_history(app)

    def failing(problem: TransportationProblem) -> list[float]:
        raise RuntimeError("the solver fell over")

    job = OpportunityRefresh(dataclasses.replace(app, shadow_prices=failing))

    async def twice() -> None:
        await _started_and_finished(job)
        job.next_check = 0.0  # the next check is due
        await _started_and_finished(job)

    with caplog.at_level(logging.ERROR, logger="ordermesh.worker"):
        asyncio.run(twice())
    failures = [r for r in caplog.records if "opportunity costs refresh failed" in r.message]
    assert len(failures) == 2
    assert opportunity.latest(app.uow()) is None
    # Once the solver answers again, the next check refreshes.
    job = OpportunityRefresh(app)
    asyncio.run(_started_and_finished(job))
    assert opportunity.latest(app.uow()) is not None


async def _started_and_finished(job: OpportunityRefresh) -> None:
    job.start_if_due()
    await job.finished()


def test_only_the_latest_versions_keep_their_prices(app: Application) -> None:
    with app.uow() as uow:
        made = [
            uow.opportunity.add(app.clock.now(), 1.0, 28.0, 0, {("BOSTON", "MUG"): 1.0 + n})
            for n in range(KEEP_PRICED_VERSIONS + 1)
        ]
        uow.commit()
    with app.uow() as uow:
        assert uow.opportunity.latest() == made[-1]
        assert uow.opportunity.prices(made[0].version, ["MUG"]) == {}
        assert uow.opportunity.prices(made[1].version, ["MUG"]) == {("BOSTON", "MUG"): 2.0}
        assert uow.opportunity.prices(made[-1].version, ["MUG", "TEA"]) == {
            ("BOSTON", "MUG"): 1.0 + KEEP_PRICED_VERSIONS
        }
        assert [v.version for v in made] == list(range(1, KEEP_PRICED_VERSIONS + 2))
