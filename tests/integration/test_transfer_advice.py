"""Positioning advice over a real database, on SQLite and PostgreSQL: the history is the
orders placed through the order service, the stock what the positions leave free.

Twenty orders of two blue mugs for Chicago in the last 28 days are 20 mugs expected over
the next 14. Reno ships them at zone 7 ($14.75 for a 2 lb parcel + $2.80 of handling a
unit); Columbus, 280 miles away, at zone 3 ($10.80 + $2.80); moving a unit Reno ->
Columbus (1,950 miles) costs $0.80 of handling + $1.95 of freight. So 20 mugs should move
to Columbus, saving 20 x ($17.55 - $13.60 - $2.75) = about $24."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.adapters.solver.transfers import solve_positioning
from ordermesh.domain.errors import InvalidInput, NetworkNotLoaded
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.model import Location
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.services import inventory, network, orders
from ordermesh.services.advice import TransferAdvice, transfer_advice
from ordermesh.services.orders import PlaceOrder

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
WEDNESDAY = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
CHICAGO = ShipTo(Location(41.9107, -87.6340, "60610", "US", "IL"))
ORDERS = 20


class SteppingClock:
    def __init__(self, start: datetime = WEDNESDAY) -> None:
        self._now = start

    def now(self) -> datetime:
        self._now += timedelta(seconds=1)
        return self._now


def _shop(engine: sa.Engine, reno_on_hand: int) -> SteppingClock:
    clock = SteppingClock()
    document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
    network.load_network(SqlUnitOfWork(engine), document, checksum(document), clock)
    lines = {"DC-RENO": [SnapshotLine("MUG-BLUE", reno_on_hand)]}
    inventory.apply_snapshots(SqlUnitOfWork(engine), lines, "counter", clock)
    for number in range(ORDERS):
        command = PlaceOrder(
            channel="web",
            ship_to=CHICAGO,
            service_level="standard",
            lines=(OrderLine("1", "MUG-BLUE", 2),),
            external_id=f"advice-{number}",
        )
        _, created = orders.place_order(SqlUnitOfWork(engine), command, clock, actor="web")
        assert created
    return clock


def _advice(engine: sa.Engine, clock: SteppingClock, **options: int) -> TransferAdvice:
    return transfer_advice(SqlUnitOfWork(engine), clock, solve_positioning, **options)


def test_the_chicago_demand_served_from_reno_is_advised_to_move_to_columbus(
    engine: sa.Engine,
) -> None:
    clock = _shop(engine, reno_on_hand=200)
    advice = _advice(engine, clock)
    assert advice.orders == ORDERS and advice.history_days == 28
    assert advice.horizon_days == 14.0
    [transfer] = advice.transfers
    assert (transfer.sku, transfer.from_node) == ("MUG-BLUE", "DC-RENO")
    assert transfer.to_node == "DC-OHIO"
    assert transfer.units == 20
    assert transfer.transfer_cost == pytest.approx(20 * 2.75, abs=0.2)
    assert transfer.expected_saving == pytest.approx(
        20 * (17.55 - 13.60) - transfer.transfer_cost, abs=0.01
    )
    assert transfer.expected_saving > 0
    assert any("transfer:" in line for line in advice.assumptions)


def test_stock_held_by_open_orders_is_never_advised_to_move(engine: sa.Engine) -> None:
    """Reno's 40 mugs are all reserved by the 20 orders: nothing is free to move."""
    clock = _shop(engine, reno_on_hand=40)
    assert _advice(engine, clock).transfers == ()


def test_the_top_option_keeps_the_best_and_history_outside_the_days_is_ignored(
    engine: sa.Engine,
) -> None:
    clock = _shop(engine, reno_on_hand=200)
    clock._now += timedelta(days=10)  # the orders are now 10 days old
    assert _advice(engine, clock, days=7).orders == 0
    assert _advice(engine, clock, days=7).transfers == ()
    assert len(_advice(engine, clock, days=28, top=1).transfers) == 1


def test_advice_needs_a_network_and_sensible_options(engine: sa.Engine) -> None:
    with pytest.raises(NetworkNotLoaded):
        _advice(engine, SteppingClock())
    with pytest.raises(InvalidInput) as refused:
        _advice(engine, SteppingClock(), days=0, top=0)
    assert [p.where for p in refused.value.problems] == ["days", "top"]
