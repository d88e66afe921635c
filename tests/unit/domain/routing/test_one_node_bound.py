"""When the one-node bound settles an order without a search, and when it leaves it to one.

The customer is in Manhattan: Newark and Philadelphia are zone 2 (ground $9.50 + $0.55 per
pound over the first), Reno is zone 8 ($13.90 + $1.85 per pound).
"""

from __future__ import annotations

from builders import (
    KETTLE,
    MUG,
    NEWARK_DC,
    PHILLY_DC,
    RENO_DC,
    TOASTER,
    line,
    network,
    order,
    sku,
)

from ordermesh.domain.routing import Constraints, Objective, RuleSet, SearchOptions, route

BIKE = sku("BIKE", weight_lb=30.0, dims_in=(40.0, 8.0, 24.0), ship_alone=True)
# Reno ships both as one 8 lb parcel for 26.85; two 4 lb parcels from Newark and
# Philadelphia cost 22.30.
SPLIT_IS_CHEAPER = {
    ("RENO", "KETTLE"): 5,
    ("RENO", "TOASTER"): 5,
    ("NEWARK", "KETTLE"): 5,
    ("PHILLY", "TOASTER"): 5,
}


def test_an_order_a_nearby_node_holds_whole_is_settled_without_a_search() -> None:
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    held = {(n, s): 5 for n in ("RENO", "NEWARK", "PHILLY") for s in ("KETTLE", "TOASTER")}
    decision = route(order(line("KETTLE"), line("TOASTER")), net, held, {})
    search = decision.explanation.search
    assert (search.strategy, search.exact) == ("one_node_bound", True)
    assert [shipment.node_id for shipment in decision.shipments] == ["NEWARK"]
    # Philadelphia ships the same parcel at the same price: no split can come close, so it
    # is the proven runner-up.
    assert search.runner_up_proven
    rejected = decision.explanation.best_rejected
    assert rejected is not None and rejected.summary.node_ids == ("PHILLY",)


def test_a_split_that_may_be_cheaper_than_the_one_node_that_holds_all_is_searched() -> None:
    # The split's 22.30 is under the bound, so the bound cannot settle it.
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    decision = route(order(line("KETTLE"), line("TOASTER")), net, SPLIT_IS_CHEAPER, {})
    assert decision.explanation.search.strategy == "branch_and_bound"
    assert sorted(shipment.node_id for shipment in decision.shipments) == ["NEWARK", "PHILLY"]


def test_a_split_penalty_lifts_the_bound_until_one_node_is_proven_best() -> None:
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, TOASTER])
    penalised = RuleSet(id="no-splits", objective=Objective(split_penalty=20))
    the_order = order(line("KETTLE"), line("TOASTER"))
    decision = route(the_order, net, SPLIT_IS_CHEAPER, {}, penalised)
    assert decision.explanation.search.strategy == "one_node_bound"
    assert [shipment.node_id for shipment in decision.shipments] == ["RENO"]


def test_an_order_no_node_holds_any_of_waits_without_a_search() -> None:
    net = network([RENO_DC, NEWARK_DC], [KETTLE, MUG])
    decision = route(order(line("KETTLE")), net, {("NEWARK", "MUG"): 5}, {})
    search = decision.explanation.search
    assert (search.strategy, search.exact, search.runner_up_proven) == (
        "one_node_bound",
        True,
        True,
    )
    assert decision.shipments == ()
    assert [(b.item, b.quantity) for b in decision.backordered] == [("KETTLE", 1)]


def test_an_order_with_ship_alone_units_is_left_to_the_search() -> None:
    net = network([RENO_DC, NEWARK_DC], [BIKE, MUG])
    held = {(n, s): 5 for n in ("RENO", "NEWARK") for s in ("BIKE", "MUG")}
    rules = RuleSet(id="alone", constraints=Constraints(ship_alone=True))
    decision = route(order(line("BIKE"), line("MUG")), net, held, {}, rules)
    assert decision.explanation.search.strategy == "branch_and_bound"


def test_a_requested_proven_runner_up_is_searched_for_when_the_bound_cannot_prove_it() -> None:
    # Only Newark holds both; the runner-up may be a split, which only a search can tell.
    net = network([RENO_DC, NEWARK_DC, PHILLY_DC], [KETTLE, MUG])
    held = {("NEWARK", "KETTLE"): 5, ("NEWARK", "MUG"): 5, ("PHILLY", "MUG"): 5}
    the_order = order(line("KETTLE"), line("MUG"))
    assert route(the_order, net, held, {}).explanation.search.strategy == "one_node_bound"
    options = SearchOptions(exact_runner_up=True)
    search = route(the_order, net, held, {}, options=options).explanation.search
    assert (search.strategy, search.runner_up_proven) == ("branch_and_bound", True)
