"""The hindsight optimum: exact on tiny instances, and never beaten by a policy."""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from bench.optimum import UNFILLED_PENALTY, solve
from bench.scenarios import Cell, build, checkout_promise

from ordermesh.adapters.formats.network_document import network_from_document
from ordermesh.domain.cost import billable_weight_lb, cheapest_qualifying, handling_cost, zone_for
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.model import Location, ServiceLevel
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order, OrderLine, ShipTo
from ordermesh.domain.promise import (
    DEFAULT_CARRIER_CALENDAR,
    pickup_date,
    ship_date,
    working_days_between,
)
from ordermesh.scenario.network_generator import generate_network
from ordermesh.services.simulation import kpis, make_policy, simulate

START = datetime.fromisoformat("2026-03-03T15:00:00+00:00")  # a Tuesday
CUSTOMERS = [
    Location(40.75, -73.99, "10001", "US", "NY"),
    Location(34.05, -118.24, "90012", "US", "CA"),
    Location(41.88, -87.63, "60611", "US", "IL"),
]


@pytest.fixture(scope="module")
def network() -> Network:
    document = generate_network(3, warehouses=3, three_pls=0, stores=0, dropship=0, skus=40)
    for node in document["nodes"]:
        node.pop("capacity")
        node["calendar"] = {"closed_weekdays": ["sun"]}
    return network_from_document(document)


def tiny_orders(network: Network) -> list[Order]:
    skus = ["MUG-BLUE", "TEE-BLACK-M", "LAMP-DESK"]
    shapes = [[0, 1], [1], [0, 2], [2]]
    orders = []
    for number, shape in enumerate(shapes):
        order = Order(
            id=f"T{number}",
            channel="web",
            ship_to=ShipTo(CUSTOMERS[number % len(CUSTOMERS)]),
            service_level="standard",
            lines=tuple(OrderLine(str(i + 1), skus[s], 1) for i, s in enumerate(shape)),
            placed_at=START + timedelta(minutes=number),
        )
        orders.append(checkout_promise(order, network))
    return orders


def brute_force(network: Network, stock: dict[tuple[str, str], int], orders: list[Order]) -> float:
    """Every way to send each unit to a node (or leave it unfilled), priced parcel by parcel
    through the cost contract; the least cost plus unfilled penalty."""
    nodes = sorted(network.nodes)
    units = [(o, line.item) for o, order in enumerate(orders) for line in order.lines]
    best = float("inf")
    for choice in itertools.product([*nodes, None], repeat=len(units)):
        taken = Counter((node, sku) for node, (_, sku) in zip(choice, units, strict=True) if node)
        if any(count > stock.get(key, 0) for key, count in taken.items()):
            continue
        total = UNFILLED_PENALTY * sum(1 for node in choice if node is None)
        parcels: dict[tuple[int, str], list[str]] = {}
        for node, (o, sku) in zip(choice, units, strict=True):
            if node is not None:
                parcels.setdefault((o, node), []).append(sku)
        for (o, node_id), skus in parcels.items():
            order, node = orders[o], network.nodes[node_id]
            assert order.promised_by is not None
            shipped = ship_date(node, order.placed_at)
            allowed = working_days_between(
                DEFAULT_CARRIER_CALENDAR,
                pickup_date(shipped, DEFAULT_CARRIER_CALENDAR),
                order.promised_by,
            )
            zone = zone_for(
                great_circle_miles(node.location, order.ship_to.location), network.zones
            )
            contents = [(network.skus[sku], 1) for sku in skus]
            priced = cheapest_qualifying(
                network.services.values(),
                zone,
                billable_weight_lb(contents),
                0.0,
                ServiceLevel("promise", allowed) if allowed >= 0 else None,
            )
            if priced is None or allowed < 0:
                total = float("inf")
                break
            total += priced.shipping + handling_cost(node.handling, len(skus))
        best = min(best, total)
    return best


def test_the_optimum_of_a_tiny_instance_equals_brute_force(network: Network) -> None:
    orders = tiny_orders(network)
    nodes = sorted(network.nodes)
    # Scarce and scattered, so the orders compete for units and splits are tempting.
    stock = {
        (nodes[0], "MUG-BLUE"): 1,
        (nodes[1], "MUG-BLUE"): 1,
        (nodes[2], "TEE-BLACK-M"): 2,
        (nodes[0], "LAMP-DESK"): 1,
        (nodes[2], "LAMP-DESK"): 1,
    }
    result = solve(network, stock, orders, k=10)
    assert result.status == "Optimal"
    assert result.objective == pytest.approx(brute_force(network, stock, orders), abs=1e-6)
    assert result.cost + UNFILLED_PENALTY * (result.units - result.units_shipped) == (
        pytest.approx(result.objective, abs=1e-6)
    )


def test_an_unfillable_unit_costs_the_penalty_not_a_parcel(network: Network) -> None:
    orders = tiny_orders(network)[:1]
    result = solve(network, {}, orders)
    assert result.units_shipped == 0 and result.cost == 0
    assert result.objective == pytest.approx(UNFILLED_PENALTY * 2)


@pytest.mark.parametrize(
    "cell",
    [Cell(10, 1.0, 1_000, 1.1, 1.0, False), Cell(10, 0.1, 1_000, 1.4, 0.8, True)],
    ids=lambda cell: cell.label,
)
def test_no_policy_beats_the_optimum_on_small_scenarios(cell: Cell) -> None:
    scenario = build(cell, 1, orders=60, days=2)
    used: dict[str, set[str]] = {}
    figures = {}
    for name in ("nearest", "priority", "ordermesh"):
        results = simulate(
            scenario.network, scenario.stock, scenario.orders, make_policy(name, scenario.network)
        )
        for routed in results:
            used.setdefault(routed.order.id, set()).update(
                s.node_id for s in routed.decision.shipments
            )
        figures[name] = kpis(results)
    optimum = solve(scenario.network, scenario.stock, scenario.orders, forced=used)
    assert optimum.status == "Optimal"
    for name, k in figures.items():
        policy_objective = k.cost + UNFILLED_PENALTY * (k.units - k.units_shipped)
        assert optimum.objective <= policy_objective + 1e-6, name


def test_the_lp_bound_is_never_above_the_mip(network: Network) -> None:
    orders = tiny_orders(network)
    stock = {(node, sku): 1 for node in network.nodes for sku in ("MUG-BLUE", "LAMP-DESK")}
    stock |= {(sorted(network.nodes)[0], "TEE-BLACK-M"): 2}
    mip = solve(network, stock, orders, lp_only=False)
    lp = solve(network, stock, orders, lp_only=True)
    assert lp.kind == "lp_bound" and mip.kind == "mip"
    assert lp.objective <= mip.objective + 1e-6


def test_orders_keep_their_promise_date_from_checkout(network: Network) -> None:
    order = replace(tiny_orders(network)[0], promised_by=None)
    assert checkout_promise(order, network).promised_by is not None
