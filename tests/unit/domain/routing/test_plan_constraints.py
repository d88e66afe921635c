"""Each plan constraint, once where it bites and once where it does not."""

from __future__ import annotations

from datetime import date

from builders import NEWARK, PHILADELPHIA, bundle, context_for, line, network, node, order, sku

from ordermesh.domain.routing import Constraints, PromiseMode, RuleSet
from ordermesh.domain.routing.constraints import (
    available_to_sell,
    breaches,
    keep_bundles_together,
    max_shipments,
    node_capacity,
    promise,
    ship_alone,
    ship_complete,
)
from ordermesh.domain.routing.context import RoutingContext
from ordermesh.domain.routing.plan import (
    Backorder,
    Penalties,
    Plan,
    PlannedShipment,
    ShipmentLine,
)

MUG = sku("MUG")
LAMP = sku("LAMP")
BIKE = sku("BIKE", weight_lb=30.0, ship_alone=True)
PAIR = bundle("MUG-PAIR", ("MUG", 2))
NET = network(
    [node("NEWARK", NEWARK, shipments_per_day=10), node("PHILLY", PHILADELPHIA)],
    [MUG, LAMP, BIKE],
    [PAIR],
)
PROMISED = date(2026, 6, 17)


def parcel(
    node_id: str, *lines: ShipmentLine, arrives: date = PROMISED, alone: bool = False
) -> PlannedShipment:
    return PlannedShipment(
        node_id=node_id,
        service_id="ground",
        lines=lines,
        zone=2,
        billable_lb=1,
        shipping=9.5,
        handling=0.0,
        penalties=Penalties(),
        co2e_g=200.0,
        transit_days=1,
        ship_date=date(2026, 6, 10),
        promise_date=arrives,
        meets_promise=arrives <= PROMISED,
        ship_alone=alone,
    )


def units(sku_id: str, quantity: int = 1, line_id: str | None = None) -> ShipmentLine:
    return ShipmentLine(line_id or f"L-{sku_id}", sku_id, quantity)


def context(
    constraints: Constraints = Constraints(),
    capacity_used: dict[str, int] | None = None,
    stock_at: dict[tuple[str, str], int] | None = None,
) -> RoutingContext:
    held = stock_at or {(n, s): 10 for n in NET.nodes for s in NET.skus}
    return context_for(
        order(line("MUG", 2), line("LAMP")),
        NET,
        held,
        capacity_used,
        RuleSet(id="test", constraints=constraints),
    )


def test_ship_complete_breaks_when_two_nodes_ship() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)), parcel("PHILLY", units("LAMP"))), ())
    assert ship_complete(plan, context(Constraints(ship_complete=True))) == (
        "ships from 2 nodes (NEWARK, PHILLY); ship complete allows one"
    )


def test_ship_complete_breaks_when_part_ships_and_part_waits() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)),), (Backorder("L-LAMP", "LAMP", 1, "no stock"),))
    assert ship_complete(plan, context(Constraints(ship_complete=True))) == (
        "ships part of the order and backorders 1 unit(s); ship complete waits"
    )


def test_ship_complete_holds_for_one_node_or_a_whole_order_waiting() -> None:
    one_node = Plan((parcel("NEWARK", units("MUG", 2), units("LAMP")),), ())
    waiting = Plan((), (Backorder("L-MUG", "MUG", 2, "wait"), Backorder("L-LAMP", "LAMP", 1, "")))
    rule = context(Constraints(ship_complete=True))
    assert ship_complete(one_node, rule) is None
    assert ship_complete(waiting, rule) is None


def test_ship_complete_is_off_by_default() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)), parcel("PHILLY", units("LAMP"))), ())
    assert ship_complete(plan, context()) is None


def test_max_shipments_breaks_above_the_limit() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)), parcel("PHILLY", units("LAMP"))), ())
    assert max_shipments(plan, context(Constraints(max_shipments=1))) == (
        "2 shipments; at most 1 allowed"
    )


def test_max_shipments_holds_at_the_limit() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)), parcel("PHILLY", units("LAMP"))), ())
    assert max_shipments(plan, context(Constraints(max_shipments=2))) is None


def test_keep_bundles_together_breaks_when_a_node_ships_part_of_a_bundle() -> None:
    half = ShipmentLine("L-PAIR", "MUG", 1, "MUG-PAIR")
    plan = Plan((parcel("NEWARK", half), parcel("PHILLY", half)), ())
    assert keep_bundles_together(plan, context(Constraints(keep_bundles_together=True))) == (
        "bundle MUG-PAIR of line L-PAIR is split: NEWARK ships only part of it"
    )


def test_keep_bundles_together_holds_for_whole_bundles_at_each_node() -> None:
    one_pair = ShipmentLine("L-PAIR", "MUG", 2, "MUG-PAIR")
    plan = Plan((parcel("NEWARK", one_pair), parcel("PHILLY", one_pair)), ())
    assert keep_bundles_together(plan, context(Constraints(keep_bundles_together=True))) is None


def test_ship_alone_breaks_when_a_ship_alone_sku_shares_a_parcel() -> None:
    plan = Plan((parcel("NEWARK", units("BIKE"), units("MUG")),), ())
    assert ship_alone(plan, context()) == "ship-alone SKU BIKE shares a parcel from NEWARK"


def test_ship_alone_holds_for_a_parcel_of_its_own() -> None:
    plan = Plan((parcel("NEWARK", units("BIKE"), alone=True), parcel("NEWARK", units("MUG"))), ())
    assert ship_alone(plan, context()) is None


def test_promise_breaks_when_a_parcel_arrives_late() -> None:
    plan = Plan((parcel("NEWARK", units("MUG"), arrives=date(2026, 6, 18)),), ())
    assert promise(plan, context()) == (
        "the parcel from NEWARK arrives 2026-06-18, after the promise"
    )


def test_promise_allows_late_parcels_when_the_rule_set_does() -> None:
    plan = Plan((parcel("NEWARK", units("MUG"), arrives=date(2026, 6, 18)),), ())
    late = Constraints(promise=PromiseMode.LATE_ALLOWED, late_penalty_per_day=2.0)
    assert promise(plan, context(late)) is None


def test_node_capacity_breaks_beyond_the_shipments_left_today() -> None:
    plan = Plan((parcel("NEWARK", units("BIKE"), alone=True), parcel("NEWARK", units("MUG"))), ())
    assert node_capacity(plan, context(capacity_used={"NEWARK": 9})) == (
        "NEWARK ships 2 parcels with 1 left today"
    )


def test_node_capacity_holds_within_the_shipments_left() -> None:
    plan = Plan((parcel("NEWARK", units("MUG")),), ())
    assert node_capacity(plan, context(capacity_used={"NEWARK": 9})) is None


def test_available_to_sell_breaks_when_a_plan_takes_more_than_a_node_holds() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)),), ())
    assert available_to_sell(plan, context(stock_at={("NEWARK", "MUG"): 1})) == (
        "takes 2 x MUG at NEWARK with 1 available to sell"
    )


def test_available_to_sell_holds_within_stock() -> None:
    plan = Plan((parcel("NEWARK", units("MUG", 2)),), ())
    assert available_to_sell(plan, context(stock_at={("NEWARK", "MUG"): 2})) is None


def test_breaches_lists_every_constraint_a_plan_breaks() -> None:
    plan = Plan(
        (parcel("NEWARK", units("MUG", 2)), parcel("PHILLY", units("LAMP"))),
        (),
    )
    found = breaches(plan, context(Constraints(ship_complete=True, max_shipments=1)))
    assert [name for name, _ in found] == ["ship_complete", "max_shipments"]
