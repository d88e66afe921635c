"""Positioning advice: the transfers that would pay over the horizon, on networks small
enough to price by hand. Manhattan is zone 2 from Newark (a 1 lb parcel: $9.50) and zone 8
from Reno ($13.90); moving a unit Reno -> Newark (2,400 miles) costs $0.80 of handling and
$2.40 of freight by default."""

from __future__ import annotations

import pytest
from tests.unit.domain.routing.builders import (
    KETTLE,
    MANHATTAN,
    MUG,
    NEWARK,
    NEWARK_DC,
    RENO,
    RENO_DC,
    network,
    node,
    sku,
    stock,
)

from ordermesh.adapters.solver.transfers import solve_positioning
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.forecast import Forecast, Region
from ordermesh.domain.model import NodeType
from ordermesh.domain.positioning import Transfer, TransferCosts, propose_transfers

HORIZON = 14.0
NET = network([RENO_DC, NEWARK_DC], [MUG, KETTLE])
NEW_YORK = Region("zip2:10", MANHATTAN)
NEVADA = Region("zip2:89", RENO)
RENO_TO_NEWARK = TransferCosts().per_unit(great_circle_miles(RENO, NEWARK))


def forecast(**units_over_horizon: dict[str, float]) -> Forecast:
    """``forecast(MUG={"zip2:10": 40})``: 40 mugs expected in New York over the horizon."""
    regions = {region.id: region for region in (NEW_YORK, NEVADA)}
    rates = {
        (region, sku): units / HORIZON
        for sku, by_region in units_over_horizon.items()
        for region, units in by_region.items()
    }
    return Forecast(regions, rates)


def advise(
    stock_at: dict[tuple[str, str], int], expected: Forecast, costs: TransferCosts = TransferCosts()
) -> list[Transfer]:
    return propose_transfers(NET, stock_at, expected, HORIZON, solve_positioning, costs)


def test_moving_stock_from_reno_to_the_store_next_to_new_york_demand_pays() -> None:
    [transfer] = advise(stock(RENO={"MUG": 100}), forecast(MUG={"zip2:10": 40}))
    assert (transfer.sku, transfer.from_node, transfer.to_node) == ("MUG", "RENO", "NEWARK")
    assert transfer.units == 40
    assert transfer.transfer_cost == pytest.approx(40 * RENO_TO_NEWARK, abs=0.01)
    # Each of the 40 parcels costs $13.90 - $9.50 less, minus the move.
    assert transfer.expected_saving == pytest.approx(40 * (13.90 - 9.50 - RENO_TO_NEWARK), abs=0.01)
    assert "zip2:10 expects 40 units in 14 days" in transfer.reason
    assert "$9.50/unit delivered from NEWARK instead of $13.90 from RENO" in transfer.reason


def test_a_transfer_that_costs_more_than_it_saves_is_not_proposed() -> None:
    dear = TransferCosts(ship_out_per_unit=2.50, receive_per_unit=2.50)
    assert advise(stock(RENO={"MUG": 100}), forecast(MUG={"zip2:10": 40}), dear) == []


def test_no_transfer_when_the_stock_is_already_where_the_demand_is() -> None:
    placed = stock(RENO={"MUG": 100}, NEWARK={"MUG": 50})
    assert advise(placed, forecast(MUG={"zip2:10": 40, "zip2:89": 30})) == []


def test_no_more_units_move_than_the_sending_node_does_not_need_itself() -> None:
    """Reno holds 100 mugs and Nevada expects 70 of them: only 30 are surplus."""
    [transfer] = advise(stock(RENO={"MUG": 100}), forecast(MUG={"zip2:10": 60, "zip2:89": 70}))
    assert (transfer.from_node, transfer.to_node, transfer.units) == ("RENO", "NEWARK", 30)


def test_transfers_are_ranked_by_what_they_save() -> None:
    """A 4 lb kettle saves $19.45 - $11.15 a parcel, a mug $4.40: the kettles go first."""
    advice = advise(
        stock(RENO={"MUG": 100, "KETTLE": 100}),
        forecast(MUG={"zip2:10": 20}, KETTLE={"zip2:10": 20}),
    )
    assert [(t.sku, t.units) for t in advice] == [("KETTLE", 20), ("MUG", 20)]
    assert advice[0].expected_saving > advice[1].expected_saving > 0


def test_nothing_is_advised_without_a_forecast() -> None:
    assert advise(stock(RENO={"MUG": 100}), Forecast({}, {})) == []


def test_a_surplus_never_leaves_a_node_that_has_none_to_spare() -> None:
    """Reno's 30 mugs are all wanted in Nevada; New York's demand goes unserved rather than
    be served by stock Nevada needs more cheaply."""
    assert advise(stock(RENO={"MUG": 30}), forecast(MUG={"zip2:10": 40, "zip2:89": 30})) == []


def test_hazmat_stock_is_never_advised_to_a_node_that_may_not_hold_it() -> None:
    spray = sku("SPRAY", hazmat=True)
    licensed = network([node("RENO", RENO, hazmat_capable=True), NEWARK_DC], [spray])
    expected = forecast(SPRAY={"zip2:10": 40})
    held = stock(RENO={"SPRAY": 100})
    assert propose_transfers(licensed, held, expected, HORIZON, solve_positioning) == []
    anywhere = network([node("RENO", RENO), node("NEWARK", NEWARK)], [sku("SPRAY")])
    [transfer] = propose_transfers(anywhere, held, expected, HORIZON, solve_positioning)
    assert transfer.to_node == "NEWARK"


def test_a_drop_ship_vendor_s_stock_is_never_advised_to_move() -> None:
    vendor = network([node("RENO", RENO, NodeType.DROPSHIP), NEWARK_DC], [MUG])
    expected = forecast(MUG={"zip2:10": 40})
    assert (
        propose_transfers(vendor, stock(RENO={"MUG": 100}), expected, HORIZON, solve_positioning)
        == []
    )
