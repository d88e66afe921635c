"""Each objective term beyond the delivered cost, where it changes the choice and where not.

The customer is in Manhattan: Newark and Philadelphia are zone 2 (ground $9.50 + $0.55 per
pound over the first), Reno zone 8 ($13.90 + $1.85).
"""

from __future__ import annotations

import pytest
from builders import NEWARK, PHILADELPHIA, RENO, line, network, node, order, sku

from ordermesh.domain.model import NodeType
from ordermesh.domain.network import Network
from ordermesh.domain.routing import Constraints, Goal, Objective, RuleSet, route

KETTLE = sku("KETTLE", weight_lb=4.0)
TOASTER = sku("TOASTER", weight_lb=4.0)
MUG = sku("MUG", weight_lb=1.0, unit_cost=5.0, price=20.0)
LAMP = sku("LAMP", weight_lb=1.0, unit_cost=40.0, price=120.0)


def weighted(**weights: float) -> RuleSet:
    return RuleSet(id="weighted", objective=Objective(**weights))  # type: ignore[arg-type]


def split_network() -> tuple[Network, dict[tuple[str, str], int]]:
    net = network(
        [node("RENO", RENO), node("NEWARK", NEWARK), node("PHILLY", PHILADELPHIA)],
        [KETTLE, TOASTER],
    )
    held = {
        ("RENO", "KETTLE"): 1,
        ("RENO", "TOASTER"): 1,
        ("NEWARK", "KETTLE"): 1,
        ("PHILLY", "TOASTER"): 1,
    }
    return net, held


def test_a_split_penalty_above_the_saving_keeps_the_order_in_one_parcel() -> None:
    # Splitting saves 26.85 - 22.30 = 4.55 of delivered cost.
    net, held = split_network()
    the_order = order(line("KETTLE"), line("TOASTER"))
    kept = route(the_order, net, held, {}, weighted(split_penalty=5.0))
    assert [s.node_id for s in kept.shipments] == ["RENO"]
    assert kept.penalties == 0.0


def test_a_split_penalty_below_the_saving_still_splits_and_is_charged_once() -> None:
    net, held = split_network()
    the_order = order(line("KETTLE"), line("TOASTER"))
    split = route(the_order, net, held, {}, weighted(split_penalty=4.0))
    assert [s.node_id for s in split.shipments] == ["NEWARK", "PHILLY"]
    assert [s.penalties.split for s in split.shipments] == [0.0, 4.0]
    assert split.total_cost == pytest.approx(22.30)
    assert split.objective == pytest.approx(26.30)


def test_a_store_penalty_sends_the_order_to_a_warehouse_when_it_outweighs_the_saving() -> None:
    net = network([node("STORE", NEWARK, NodeType.STORE), node("RENO", RENO)], [MUG])
    held = {("STORE", "MUG"): 3, ("RENO", "MUG"): 3}
    # The store saves 13.90 - 9.50 = 4.40.
    heavy = route(order(line("MUG")), net, held, {}, weighted(store_penalty=5.0))
    light = route(order(line("MUG")), net, held, {}, weighted(store_penalty=3.0))
    assert heavy.shipments[0].node_id == "RENO"
    assert light.shipments[0].node_id == "STORE"
    assert light.shipments[0].penalties.store == pytest.approx(3.0)


def test_a_co2e_price_prefers_the_nearer_of_two_equally_priced_nodes() -> None:
    # Both zone 2 and the same price: the node id decides, unless carbon has a price.
    far, near = node("A-PHILLY", PHILADELPHIA), node("B-NEWARK", NEWARK)
    net = network([far, near], [MUG])
    held = {("A-PHILLY", "MUG"): 1, ("B-NEWARK", "MUG"): 1}
    unpriced = route(order(line("MUG")), net, held, {})
    priced = route(order(line("MUG")), net, held, {}, weighted(co2e_price_per_kg=1.0))
    assert unpriced.shipments[0].node_id == "A-PHILLY"
    assert priced.shipments[0].node_id == "B-NEWARK"
    assert priced.shipments[0].penalties.co2e == pytest.approx(priced.shipments[0].co2e_g / 1000.0)


def test_a_capacity_penalty_spreads_work_away_from_a_node_filling_up() -> None:
    busy = node("A-BUSY", NEWARK, shipments_per_day=100)
    idle = node("B-IDLE", NEWARK, shipments_per_day=100)
    net = network([busy, idle], [MUG])
    held = {("A-BUSY", "MUG"): 1, ("B-IDLE", "MUG"): 1}
    used = {"A-BUSY": 90}
    plain = route(order(line("MUG")), net, held, used)
    balanced = route(order(line("MUG")), net, held, used, weighted(capacity_penalty=10.0))
    assert plain.shipments[0].node_id == "A-BUSY"
    assert balanced.shipments[0].node_id == "B-IDLE"


def test_maximising_margin_ships_the_more_profitable_line_when_only_one_can_ship() -> None:
    # One parcel allowed: the mug ships cheaper (9.50 from Newark against 13.90 from Reno)
    # but the lamp earns 120 - 40 - 13.90 = 66.10 against 20 - 5 - 9.50 = 5.50.
    net = network([node("NEWARK", NEWARK), node("RENO", RENO)], [MUG, LAMP])
    held = {("NEWARK", "MUG"): 1, ("RENO", "LAMP"): 1}
    one = Constraints(max_shipments=1)
    the_order = order(line("MUG"), line("LAMP"))
    cheapest = route(the_order, net, held, {}, RuleSet(id="cost", constraints=one))
    margin = RuleSet(id="margin", constraints=one, objective=Objective(goal=Goal.MAX_MARGIN))
    richest = route(the_order, net, held, {}, margin)
    assert [item.sku for s in cheapest.shipments for item in s.lines] == ["MUG"]
    assert [item.sku for s in richest.shipments for item in s.lines] == ["LAMP"]
    assert richest.margin == pytest.approx(66.10)
    assert richest.objective == pytest.approx(-66.10)


def test_margin_uses_the_price_the_order_line_was_sold_at() -> None:
    net = network([node("NEWARK", NEWARK)], [MUG])
    discounted = order(line("MUG", unit_price=12.0))
    decision = route(discounted, net, {("NEWARK", "MUG"): 1}, {})
    assert decision.margin == pytest.approx(12.0 - 5.0 - 9.50)
