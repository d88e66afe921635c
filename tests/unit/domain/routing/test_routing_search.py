"""How the router chooses: behaviour on small networks a shipper would recognise.

The customer is in Manhattan unless a test says otherwise: Newark and Philadelphia are
zone 2 (ground $9.50 + $0.55 per pound over the first, one day), Reno is zone 8 ($13.90 +
$1.85 per pound, five days). Standard service promises five working days.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pytest
from builders import (
    GROUND,
    KETTLE,
    MUG,
    NEWARK,
    NEWARK_DC,
    PHILLY_DC,
    RENO_DC,
    TOASTER,
    TWO_DAY,
    WEDNESDAY_MORNING,
    ZONES,
    bundle,
    channel,
    line,
    network,
    node,
    order,
    sku,
)

from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.model import Capability, Handling, NodeType, Rate, ShippingService
from ordermesh.domain.routing import (
    Constraints,
    DecisionStatus,
    PlannedShipment,
    PromiseMode,
    RuleSet,
    SearchOptions,
    route,
)

SPOON = sku("SPOON", weight_lb=0.5)
BIKE = sku("BIKE", weight_lb=30.0, dims_in=(40.0, 8.0, 24.0), ship_alone=True)


def nodes_of(shipments: Sequence[PlannedShipment]) -> list[tuple[str, list[str]]]:
    """Each parcel as its node and its contents, e.g. ("RENO", ["1 MUG", "1 SPOON"])."""
    return [
        (shipment.node_id, [f"{item.quantity} {item.sku}" for item in shipment.lines])
        for shipment in shipments
    ]


def test_prefers_the_cheaper_node_when_both_meet_the_promise() -> None:
    net = network([RENO_DC, NEWARK_DC], [MUG])
    held = {("RENO", "MUG"): 5, ("NEWARK", "MUG"): 5}
    decision = route(order(line("MUG")), net, held, {})
    assert nodes_of(decision.shipments) == [("NEWARK", ["1 MUG"])]
    assert decision.total_cost == pytest.approx(9.50)
    assert decision.shipments[0].meets_promise
    assert decision.status is DecisionStatus.ROUTED


def test_splits_only_when_two_parcels_are_cheaper_than_one() -> None:
    # The field's example: an 8 lb order as one parcel from far away (13.90 + 7 x 1.85 =
    # 26.85) costs more than as two 4 lb parcels from nearby (2 x (9.50 + 3 x 0.55) =
    # 22.30).
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER, MUG, SPOON])
    held = {
        ("RENO", "KETTLE"): 5,
        ("RENO", "TOASTER"): 5,
        ("NEWARK", "KETTLE"): 5,
        ("PHILLY", "TOASTER"): 5,
        ("RENO", "MUG"): 5,
        ("RENO", "SPOON"): 5,
        ("NEWARK", "MUG"): 5,
        ("PHILLY", "SPOON"): 5,
    }
    heavy = route(order(line("KETTLE"), line("TOASTER")), net, held, {})
    assert nodes_of(heavy.shipments) == [("NEWARK", ["1 KETTLE"]), ("PHILLY", ["1 TOASTER"])]
    assert heavy.total_cost == pytest.approx(22.30)
    # Light items: two parcels would cost 2 x 9.50 = 19.00, one from Reno 13.90 + 1.85.
    light = route(order(line("MUG"), line("SPOON")), net, held, {})
    assert nodes_of(light.shipments) == [("RENO", ["1 MUG", "1 SPOON"])]
    assert light.total_cost == pytest.approx(15.75)


def test_ship_complete_sends_the_whole_order_to_one_node_or_waits() -> None:
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    held = {
        ("RENO", "KETTLE"): 5,
        ("RENO", "TOASTER"): 5,
        ("NEWARK", "KETTLE"): 5,
        ("PHILLY", "TOASTER"): 5,
    }
    complete = RuleSet(id="complete", constraints=Constraints(ship_complete=True))
    the_order = order(line("KETTLE"), line("TOASTER"))
    decision = route(the_order, net, held, {}, complete)
    assert nodes_of(decision.shipments) == [("RENO", ["1 KETTLE", "1 TOASTER"])]
    del held[("RENO", "TOASTER")]
    waiting = route(the_order, net, held, {}, complete)
    assert waiting.shipments == ()
    assert waiting.status is DecisionStatus.BACKORDERED
    assert {(b.item, b.quantity) for b in waiting.backordered} == {("KETTLE", 1), ("TOASTER", 1)}
    assert waiting.backordered[0].reason == (
        "ship complete: no single node can ship the whole order, so it all waits"
    )


def test_max_shipments_caps_the_split() -> None:
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    held = {
        ("RENO", "KETTLE"): 5,
        ("RENO", "TOASTER"): 5,
        ("NEWARK", "KETTLE"): 5,
        ("PHILLY", "TOASTER"): 5,
    }
    one = RuleSet(id="one-parcel", constraints=Constraints(max_shipments=1))
    decision = route(order(line("KETTLE"), line("TOASTER")), net, held, {}, one)
    assert nodes_of(decision.shipments) == [("RENO", ["1 KETTLE", "1 TOASTER"])]
    assert decision.total_cost == pytest.approx(26.85)


def test_max_shipments_backorders_what_it_cannot_fit() -> None:
    net = network([NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    held = {("NEWARK", "KETTLE"): 5, ("PHILLY", "TOASTER"): 5}
    one = RuleSet(id="one-parcel", constraints=Constraints(max_shipments=1))
    decision = route(order(line("KETTLE"), line("TOASTER")), net, held, {}, one)
    assert len(decision.shipments) == 1
    assert decision.status is DecisionStatus.PARTIALLY_BACKORDERED
    assert decision.backordered[0].reason == "max_shipments 1 reached"


def test_unfillable_units_are_backordered() -> None:
    net = network([NEWARK_DC, PHILLY_DC], [MUG, SPOON])
    held = {("NEWARK", "MUG"): 2}
    decision = route(order(line("MUG", 3), line("SPOON", 2)), net, held, {})
    assert nodes_of(decision.shipments) == [("NEWARK", ["2 MUG"])]
    assert [(b.line_id, b.item, b.quantity, b.reason) for b in decision.backordered] == [
        ("L-MUG", "MUG", 1, "only 2 available to sell at candidate nodes"),
        ("L-SPOON", "SPOON", 2, "no node has it available to sell"),
    ]
    assert decision.status is DecisionStatus.PARTIALLY_BACKORDERED


def test_a_line_splits_across_nodes_when_no_node_holds_enough() -> None:
    net = network([NEWARK_DC, PHILLY_DC], [MUG])
    held = {("NEWARK", "MUG"): 2, ("PHILLY", "MUG"): 1}
    decision = route(order(line("MUG", 3)), net, held, {})
    assert nodes_of(decision.shipments) == [("NEWARK", ["2 MUG"]), ("PHILLY", ["1 MUG"])]
    assert decision.backordered == ()


def test_a_bundle_ships_together_when_the_rule_set_says_so() -> None:
    # Apart, the kettle ships from Newark and the mug from Philadelphia (11.15 + 9.50 =
    # 20.65); together only Reno holds both (13.90 + 4 x 1.85 = 21.30).
    gift = bundle("GIFT", ("KETTLE", 1), ("MUG", 1))
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, MUG], [gift])
    held = {
        ("RENO", "KETTLE"): 5,
        ("RENO", "MUG"): 5,
        ("NEWARK", "KETTLE"): 5,
        ("PHILLY", "MUG"): 5,
    }
    the_order = order(line("GIFT", line_id="L1"))
    apart = route(the_order, net, held, {})
    assert nodes_of(apart.shipments) == [("NEWARK", ["1 KETTLE"]), ("PHILLY", ["1 MUG"])]
    together = RuleSet(id="kits", constraints=Constraints(keep_bundles_together=True))
    kept = route(the_order, net, held, {}, together)
    assert nodes_of(kept.shipments) == [("RENO", ["1 KETTLE", "1 MUG"])]
    assert {item.bundle_id for item in kept.shipments[0].lines} == {"GIFT"}


def test_a_kept_bundle_is_backordered_as_the_bundle() -> None:
    gift = bundle("GIFT", ("KETTLE", 1), ("MUG", 1))
    net = network([NEWARK_DC, PHILLY_DC], [KETTLE, MUG], [gift])
    held = {("NEWARK", "KETTLE"): 5, ("PHILLY", "MUG"): 5}
    together = RuleSet(id="kits", constraints=Constraints(keep_bundles_together=True))
    decision = route(order(line("GIFT", 2, "L1")), net, held, {}, together)
    assert [(b.item, b.quantity, b.bundle_id) for b in decision.backordered] == [
        ("GIFT", 2, "GIFT")
    ]


def test_ship_alone_sku_travels_in_its_own_parcel() -> None:
    net = network([NEWARK_DC], [BIKE, MUG])
    held = {("NEWARK", "BIKE"): 3, ("NEWARK", "MUG"): 3}
    decision = route(order(line("BIKE", 2), line("MUG")), net, held, {})
    assert nodes_of(decision.shipments) == [
        ("NEWARK", ["1 MUG"]),
        ("NEWARK", ["1 BIKE"]),
        ("NEWARK", ["1 BIKE"]),
    ]
    assert [s.ship_alone for s in decision.shipments] == [False, True, True]
    packed = RuleSet(id="packed", constraints=Constraints(ship_alone=False))
    together = route(order(line("BIKE", 2), line("MUG")), net, held, {}, packed)
    assert nodes_of(together.shipments) == [("NEWARK", ["2 BIKE", "1 MUG"])]


def test_full_node_capacity_moves_the_order_elsewhere() -> None:
    newark = node("NEWARK", NEWARK, shipments_per_day=100)
    net = network([RENO_DC, newark], [MUG])
    held = {("RENO", "MUG"): 5, ("NEWARK", "MUG"): 5}
    decision = route(order(line("MUG")), net, held, {"NEWARK": 100})
    assert nodes_of(decision.shipments) == [("RENO", ["1 MUG"])]


def test_a_node_with_one_shipment_left_cannot_take_two_parcels() -> None:
    newark = node("NEWARK", NEWARK, shipments_per_day=100)
    net = network([PHILLY_DC, newark], [BIKE, MUG])
    held = {("NEWARK", "BIKE"): 1, ("NEWARK", "MUG"): 1, ("PHILLY", "MUG"): 1}
    decision = route(order(line("BIKE"), line("MUG")), net, held, {"NEWARK": 99})
    assert nodes_of(decision.shipments) == [("NEWARK", ["1 BIKE"]), ("PHILLY", ["1 MUG"])]


def test_ties_break_by_fewer_shipments_then_priority_then_id() -> None:
    # A flat rate card: $5 a parcel in zone 8, $2.50 in zone 2, whatever the weight. One
    # parcel from Reno costs what two from Newark and Philadelphia cost.
    flat = ShippingService(
        id="flat",
        transit_days={zone.zone: 1 for zone in ZONES},
        rates={zone.zone: Rate(5.0 if zone.zone == 8 else 2.5, 0.0) for zone in ZONES},
    )
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER], services=[flat])
    held = {
        ("RENO", "KETTLE"): 1,
        ("RENO", "TOASTER"): 1,
        ("NEWARK", "KETTLE"): 1,
        ("PHILLY", "TOASTER"): 1,
    }
    fewer = route(order(line("KETTLE"), line("TOASTER")), net, held, {})
    assert nodes_of(fewer.shipments) == [("RENO", ["1 KETTLE", "1 TOASTER"])]
    # Same cost and parcels: the lower priority number wins, then the lower id.
    twins = [node("NEWARK-B", NEWARK, priority=10), node("NEWARK-A", NEWARK, priority=50)]
    held_by_twins = {("NEWARK-A", "KETTLE"): 1, ("NEWARK-B", "KETTLE"): 1}
    by_priority = route(order(line("KETTLE")), network(twins, [KETTLE]), held_by_twins, {})
    assert by_priority.shipments[0].node_id == "NEWARK-B"
    equals = [node("NEWARK-B", NEWARK), node("NEWARK-A", NEWARK)]
    by_id = route(order(line("KETTLE")), network(equals, [KETTLE]), held_by_twins, {})
    assert by_id.shipments[0].node_id == "NEWARK-A"


def test_a_node_that_cannot_meet_the_promise_is_not_used() -> None:
    net = network([RENO_DC, NEWARK_DC], [MUG])
    held = {("RENO", "MUG"): 5, ("NEWARK", "MUG"): 1}
    # Two days promised: ground from Reno takes five.
    decision = route(order(line("MUG", 2), service_level="expedited"), net, held, {})
    assert nodes_of(decision.shipments) == [("NEWARK", ["1 MUG"])]
    assert decision.backordered[0].reason == (
        "only 1 available to sell at candidate nodes; "
        "1 node(s) holding it were removed by filters or the promise"
    )
    reno = next(v for v in decision.explanation.nodes if v.node_id == "RENO")
    assert reno.removed_by == "promise"


def test_a_faster_service_keeps_a_far_node_in_time() -> None:
    net = network([RENO_DC], [MUG], services=[GROUND, TWO_DAY])
    decision = route(order(line("MUG"), service_level="expedited"), net, {("RENO", "MUG"): 1}, {})
    shipment = decision.shipments[0]
    assert (shipment.service_id, shipment.transit_days) == ("two_day", 2)
    assert shipment.shipping == pytest.approx(31.00)
    assert shipment.meets_promise


def test_late_parcels_are_allowed_at_a_price_when_the_rule_set_says_so() -> None:
    # Promised Friday (Wednesday + two days); ground from Reno arrives next Wednesday,
    # three working days late: 13.90 + 3 x 2.00 beats two-day's 31.00.
    late = RuleSet(
        id="late",
        constraints=Constraints(promise=PromiseMode.LATE_ALLOWED, late_penalty_per_day=2.0),
    )
    net = network([RENO_DC], [MUG], services=[GROUND, TWO_DAY])
    decision = route(
        order(line("MUG"), service_level="expedited"), net, {("RENO", "MUG"): 1}, {}, late
    )
    shipment = decision.shipments[0]
    assert decision.promised_by == date(2026, 6, 12)
    assert (shipment.service_id, shipment.promise_date) == ("ground", date(2026, 6, 17))
    assert not shipment.meets_promise
    assert shipment.penalties.late == pytest.approx(6.0)
    assert decision.objective == pytest.approx(19.90)


def test_the_promise_counts_from_the_earliest_ship_date_of_the_candidates() -> None:
    # Friday evening: every node ships Monday, so the five-day promise runs to next Monday.
    net = network([NEWARK_DC], [MUG])
    friday_evening = WEDNESDAY_MORNING.replace(day=12, hour=23)
    decision = route(order(line("MUG"), placed_at=friday_evening), net, {("NEWARK", "MUG"): 1}, {})
    assert decision.shipments[0].ship_date == date(2026, 6, 15)
    assert decision.promised_by == date(2026, 6, 22)


def test_the_channel_buffer_holds_units_back_from_that_channel() -> None:
    store = node("STORE", NEWARK, NodeType.STORE)
    net = network([RENO_DC, store], [MUG], channels=[channel("amazon", store_buffer=2)])
    held = {("STORE", "MUG"): 2, ("RENO", "MUG"): 5}
    web = route(order(line("MUG")), net, held, {})
    amazon = route(order(line("MUG"), channel="amazon"), net, held, {})
    assert web.shipments[0].node_id == "STORE"
    assert amazon.shipments[0].node_id == "RENO"


def test_a_pickup_order_is_prepared_at_the_pickup_node_without_a_carrier() -> None:
    store = node(
        "STORE",
        NEWARK,
        NodeType.STORE,
        capabilities=frozenset(Capability),
        handling=Handling(1.0, 0.25),
    )
    net = network([NEWARK_DC, store], [MUG])
    held = {("STORE", "MUG"): 1, ("NEWARK", "MUG"): 5}
    decision = route(order(line("MUG"), pickup_node="STORE"), net, held, {})
    shipment = decision.shipments[0]
    assert (shipment.node_id, shipment.service_id, shipment.shipping) == ("STORE", "pickup", 0.0)
    assert shipment.handling == pytest.approx(1.25)


def test_large_orders_are_routed_by_local_search_and_stay_feasible() -> None:
    items = [sku(f"ITEM-{i:02d}", weight_lb=0.5 + i % 4) for i in range(16)]
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], items)
    held = {("RENO", s.id): 3 for s in items}
    held.update({("NEWARK", s.id): 1 for s in items[:8]})
    held.update({("PHILLY", s.id): 2 for s in items[8:]})
    the_order = order(*(line(s.id, 2) for s in items))
    decision = route(the_order, net, held, {})
    assert decision.explanation.search.strategy == "local_search"
    assert not decision.explanation.search.exact
    assert decision.backordered == ()
    shipped = sum(shipment.units for shipment in decision.shipments)
    assert shipped == 32


def test_an_exhausted_budget_falls_back_to_local_search() -> None:
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    # No node holds both, so no single node settles the order without a search.
    held = {("RENO", "KETTLE"): 5, ("PHILLY", "KETTLE"): 5, ("NEWARK", "TOASTER"): 5}
    decision = route(
        order(line("KETTLE"), line("TOASTER")),
        net,
        held,
        {},
        options=SearchOptions(expansion_budget=1),
    )
    assert decision.explanation.search.strategy == "branch_and_bound+local_search"
    assert not decision.explanation.search.exact
    assert decision.backordered == ()


def test_the_decision_records_the_rule_set_that_made_it() -> None:
    net = network([NEWARK_DC], [MUG])
    rule_set = RuleSet(id="web-standard", version=7)
    decision = route(order(line("MUG")), net, {("NEWARK", "MUG"): 1}, {}, rule_set)
    assert (decision.rule_set_id, decision.rule_set_version) == ("web-standard", 7)


def test_an_order_the_router_cannot_read_is_refused_with_every_problem() -> None:
    net = network([NEWARK_DC], [MUG])
    bad = order(
        line("MUG", 0, "L1"),
        line("GHOST", 1, "L1"),
        channel="fax",
        service_level="overnight",
    )
    with pytest.raises(InvalidInput) as raised:
        route(bad, net, {}, {})
    assert [str(problem) for problem in raised.value.problems] == [
        "lines[0].quantity: must be >= 1",
        "lines[1].line_id: duplicate line id 'L1'",
        "lines[1].item: unknown SKU or bundle 'GHOST'",
        "channel: unknown channel 'fax'",
        "service_level: unknown service level 'overnight'",
    ]
