"""The independent checker replays decisions against the starting stock."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from bench.checker import check
from bench.scenarios import Cell, build

from ordermesh.adapters.formats.network_document import network_from_document
from ordermesh.domain.model import Location
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order, OrderLine, ShipTo
from ordermesh.domain.routing import Penalties, PlannedShipment, ShipmentLine
from ordermesh.scenario.network_generator import generate_network
from ordermesh.services.simulation import PolicyDecision, Routed, make_policy, simulate

DAY = date(2026, 3, 3)


@pytest.fixture(scope="module")
def network() -> Network:
    document = generate_network(3, warehouses=2, three_pls=0, stores=1, dropship=0, skus=30)
    return network_from_document(document)


def order(quantity: int) -> Order:
    return Order(
        id="X1",
        channel="web",
        ship_to=ShipTo(Location(40.75, -73.99, "10001", "US", "NY")),
        service_level="standard",
        lines=(OrderLine("1", "MUG-BLUE", quantity),),
        placed_at=datetime.fromisoformat("2026-03-03T15:00:00+00:00"),
    )


def routed(network: Network, node_id: str, quantity: int, cost: float) -> Routed:
    shipment = PlannedShipment(
        node_id=node_id,
        service_id="ground",
        lines=(ShipmentLine("1", "MUG-BLUE", quantity),),
        zone=0,
        billable_lb=1,
        shipping=cost,
        handling=0.0,
        penalties=Penalties(),
        co2e_g=0.0,
        transit_days=3,
        ship_date=DAY,
        promise_date=DAY,
        meets_promise=True,
    )
    decision = PolicyDecision((shipment,), (), DAY, {})
    return Routed(order(quantity), decision, 0.0)


def test_a_decision_taking_more_than_the_node_holds_is_caught(network: Network) -> None:
    node_id = sorted(network.nodes)[0]
    violations = check(network, {(node_id, "MUG-BLUE"): 2}, [routed(network, node_id, 5, 1.0)])
    assert violations.oversold_units == 3
    assert not violations.clean


def test_two_decisions_that_together_oversell_are_caught(network: Network) -> None:
    node_id = sorted(network.nodes)[0]
    stock = {(node_id, "MUG-BLUE"): 3}
    decisions = [routed(network, node_id, 2, 1.0), routed(network, node_id, 2, 1.0)]
    assert check(network, stock, decisions).oversold_units == 1


def test_a_cost_that_does_not_match_the_rate_card_is_caught(network: Network) -> None:
    node_id = sorted(network.nodes)[0]
    violations = check(network, {(node_id, "MUG-BLUE"): 9}, [routed(network, node_id, 1, 0.01)])
    assert violations.oversold_units == 0 and violations.cost_mismatches == 1


def test_real_policies_replay_clean() -> None:
    scenario = build(Cell(10, 0.1, 1_000, 1.1, 0.8, True), 2, orders=80, days=2)
    for name in ("nearest", "priority", "ordermesh"):
        results = simulate(
            scenario.network, scenario.stock, scenario.orders, make_policy(name, scenario.network)
        )
        assert check(scenario.network, scenario.stock, results).clean, name
