"""Each node filter, once where it bites and once where it does not."""

from __future__ import annotations

from datetime import date

from builders import (
    MANHATTAN,
    NEWARK,
    RENO,
    channel,
    context_for,
    line,
    network,
    node,
    order,
    sku,
)

from ordermesh.domain.model import Calendar, Capability, Location, NodeType
from ordermesh.domain.routing import FilterSettings, RuleSet
from ordermesh.domain.routing.filters import (
    FILTERS,
    capability,
    capacity,
    country,
    enabled,
    exclude_stores_for_channel,
    hazmat,
    max_distance,
    node_type,
    open_today,
    screen,
    state,
    stock,
)

MUG = sku("MUG")
BLEACH = sku("BLEACH", hazmat=True)
TORONTO = Location(43.6532, -79.3832, "M5H", "CA", "ON")


def rules(**settings: object) -> RuleSet:
    return RuleSet(id="test", filters=FilterSettings(**settings))  # type: ignore[arg-type]


def test_enabled_removes_a_disabled_node() -> None:
    off = node("DC", NEWARK, enabled=False)
    context = context_for(order(line("MUG")), network([off], [MUG]))
    assert enabled(off, context) == "disabled"


def test_enabled_keeps_an_enabled_node() -> None:
    on = node("DC", NEWARK)
    assert enabled(on, context_for(order(line("MUG")), network([on], [MUG]))) is None


def test_capability_removes_a_node_that_does_not_ship_from_a_delivery() -> None:
    counter = node("STORE", NEWARK, NodeType.STORE, capabilities=frozenset({Capability.PICKUP}))
    context = context_for(order(line("MUG")), network([counter], [MUG]))
    assert capability(counter, context) == "does not ship parcels"


def test_capability_keeps_a_shipping_node_for_a_delivery() -> None:
    dc = node("DC", NEWARK)
    assert capability(dc, context_for(order(line("MUG")), network([dc], [MUG]))) is None


def test_capability_keeps_only_the_pickup_node_for_a_pickup_order() -> None:
    store = node("STORE", NEWARK, NodeType.STORE, capabilities=frozenset(Capability))
    dc = node("DC", NEWARK)
    pickup = order(line("MUG"), pickup_node="STORE")
    context = context_for(pickup, network([store, dc], [MUG]))
    assert capability(store, context) is None
    assert capability(dc, context) == "the customer collects at STORE"


def test_capability_removes_a_pickup_node_that_offers_no_pickup() -> None:
    dc = node("DC", NEWARK)
    context = context_for(order(line("MUG"), pickup_node="DC"), network([dc], [MUG]))
    assert capability(dc, context) == "does not offer pickup"


def test_node_types_in_removes_other_types() -> None:
    store = node("STORE", NEWARK, NodeType.STORE)
    rule_set = rules(node_types_in=frozenset({NodeType.WAREHOUSE, NodeType.THREE_PL}))
    context = context_for(order(line("MUG")), network([store], [MUG]), rule_set=rule_set)
    assert node_type(store, context) == "node type store is not one of 3pl, warehouse"


def test_node_types_out_removes_that_type_and_keeps_the_rest() -> None:
    supplier = node("SUPPLIER", NEWARK, NodeType.DROPSHIP)
    dc = node("DC", NEWARK)
    rule_set = rules(node_types_out=frozenset({NodeType.DROPSHIP}))
    context = context_for(order(line("MUG")), network([supplier, dc], [MUG]), rule_set=rule_set)
    assert node_type(supplier, context) == "node type dropship is excluded"
    assert node_type(dc, context) is None


def test_countries_in_removes_a_node_abroad() -> None:
    canada = node("DC-TO", TORONTO)
    rule_set = rules(countries_in=frozenset({"US"}))
    context = context_for(order(line("MUG")), network([canada], [MUG]), rule_set=rule_set)
    assert country(canada, context) == "country CA is not one of US"


def test_countries_in_removes_a_node_whose_country_is_unknown() -> None:
    somewhere = node("DC-X", Location(40.0, -75.0))
    rule_set = rules(countries_in=frozenset({"US"}))
    context = context_for(order(line("MUG")), network([somewhere], [MUG]), rule_set=rule_set)
    assert country(somewhere, context) == "country unknown is not one of US"


def test_countries_out_keeps_a_domestic_node() -> None:
    dc = node("DC", NEWARK)
    rule_set = rules(countries_out=frozenset({"CA"}))
    context = context_for(order(line("MUG")), network([dc], [MUG]), rule_set=rule_set)
    assert country(dc, context) is None


def test_states_out_removes_a_node_in_an_excluded_state() -> None:
    reno = node("DC-RENO", RENO)
    rule_set = rules(states_out=frozenset({"NV"}))
    context = context_for(order(line("MUG")), network([reno], [MUG]), rule_set=rule_set)
    assert state(reno, context) == "state NV is excluded"


def test_states_in_keeps_a_node_in_a_listed_state() -> None:
    newark = node("DC-NEWARK", NEWARK)
    rule_set = rules(states_in=frozenset({"NJ", "NY"}))
    context = context_for(order(line("MUG")), network([newark], [MUG]), rule_set=rule_set)
    assert state(newark, context) is None


def test_exclude_stores_removes_stores_for_the_listed_channel() -> None:
    store = node("STORE", NEWARK, NodeType.STORE)
    rule_set = rules(exclude_stores_for_channels=frozenset({"amazon"}))
    net = network([store], [MUG], channels=[channel("amazon")])
    context = context_for(order(line("MUG"), channel="amazon"), net, rule_set=rule_set)
    assert exclude_stores_for_channel(store, context) == "stores do not fulfil amazon orders"


def test_exclude_stores_keeps_stores_for_other_channels() -> None:
    store = node("STORE", NEWARK, NodeType.STORE)
    rule_set = rules(exclude_stores_for_channels=frozenset({"amazon"}))
    net = network([store], [MUG], channels=[channel("amazon")])
    context = context_for(order(line("MUG"), channel="web"), net, rule_set=rule_set)
    assert exclude_stores_for_channel(store, context) is None


def test_max_distance_removes_a_node_too_far_away() -> None:
    reno = node("DC-RENO", RENO)
    rule_set = rules(max_distance_miles=1000.0)
    context = context_for(
        order(line("MUG"), to=MANHATTAN), network([reno], [MUG]), rule_set=rule_set
    )
    reason = max_distance(reno, context)
    assert reason is not None and reason.endswith("miles away, more than 1000")


def test_max_distance_keeps_a_node_within_reach() -> None:
    newark = node("DC-NEWARK", NEWARK)
    rule_set = rules(max_distance_miles=1000.0)
    context = context_for(order(line("MUG")), network([newark], [MUG]), rule_set=rule_set)
    assert max_distance(newark, context) is None


def test_open_today_removes_a_node_on_its_blackout_date() -> None:
    # The builders' orders are placed on Wednesday 2026-06-10.
    closed = node("DC", NEWARK, calendar=Calendar(blackout_dates=frozenset({date(2026, 6, 10)})))
    context = context_for(
        order(line("MUG")), network([closed], [MUG]), rule_set=rules(open_today=True)
    )
    assert open_today(closed, context) == "blackout date 2026-06-10"


def test_open_today_removes_a_node_closed_that_weekday() -> None:
    closed = node("DC", NEWARK, calendar=Calendar(closed_weekdays=frozenset({2})))
    context = context_for(
        order(line("MUG")), network([closed], [MUG]), rule_set=rules(open_today=True)
    )
    assert open_today(closed, context) == "closed on Wednesdays"


def test_open_today_is_off_unless_the_rule_set_asks_for_it() -> None:
    closed = node("DC", NEWARK, calendar=Calendar(blackout_dates=frozenset({date(2026, 6, 10)})))
    context = context_for(order(line("MUG")), network([closed], [MUG]))
    assert open_today(closed, context) is None


def test_capacity_removes_a_node_that_has_used_its_day() -> None:
    busy = node("DC", NEWARK, shipments_per_day=40)
    context = context_for(order(line("MUG")), network([busy], [MUG]), capacity_used={"DC": 40})
    assert capacity(busy, context) == "daily capacity used: 40 of 40 shipments"


def test_capacity_keeps_a_node_with_shipments_left() -> None:
    busy = node("DC", NEWARK, shipments_per_day=40)
    context = context_for(order(line("MUG")), network([busy], [MUG]), capacity_used={"DC": 39})
    assert capacity(busy, context) is None


def test_hazmat_removes_an_uncertified_node_for_an_all_hazmat_order() -> None:
    dc = node("DC", NEWARK)
    held = {("DC", "BLEACH"): 5}
    context = context_for(order(line("BLEACH")), network([dc], [BLEACH]), held)
    assert hazmat(dc, context) == (
        "not hazmat capable (BLEACH) and holds none of the order's other lines"
    )


def test_hazmat_keeps_a_certified_node() -> None:
    dc = node("DC", NEWARK, hazmat_capable=True)
    held = {("DC", "BLEACH"): 5}
    context = context_for(order(line("BLEACH")), network([dc], [BLEACH]), held)
    assert hazmat(dc, context) is None


def test_hazmat_keeps_an_uncertified_node_for_the_orders_other_lines() -> None:
    dc = node("DC", NEWARK)
    held = {("DC", "BLEACH"): 5, ("DC", "MUG"): 5}
    context = context_for(order(line("BLEACH"), line("MUG")), network([dc], [BLEACH, MUG]), held)
    assert hazmat(dc, context) is None
    assert context.usable(dc, "BLEACH") == 0  # it still may not ship the bleach


def test_stock_removes_a_node_with_nothing_available_to_sell() -> None:
    dc = node("DC", NEWARK)
    context = context_for(order(line("MUG")), network([dc], [MUG]), {("DC", "MUG"): 0})
    assert stock(dc, context) == "no line available to sell after safety stock"


def test_stock_counts_after_the_channel_buffer() -> None:
    store = node("STORE", NEWARK, NodeType.STORE)
    net = network([store], [MUG], channels=[channel("amazon", store_buffer=2)])
    context = context_for(order(line("MUG"), channel="amazon"), net, {("STORE", "MUG"): 2})
    assert stock(store, context) == (
        "no line available to sell after safety stock and the amazon channel buffer"
    )


def test_stock_ignores_positions_below_the_minimum() -> None:
    store = node("STORE", NEWARK, NodeType.STORE)
    context = context_for(
        order(line("MUG")),
        network([store], [MUG]),
        {("STORE", "MUG"): 2},
        rule_set=rules(min_ats=3),
    )
    assert stock(store, context) == (
        "no line available to sell after safety stock, at least 3 per SKU"
    )


def test_stock_keeps_a_node_holding_one_line() -> None:
    dc = node("DC", NEWARK)
    context = context_for(
        order(line("MUG"), line("BLEACH")), network([dc], [MUG, BLEACH]), {("DC", "MUG"): 1}
    )
    assert stock(dc, context) is None


def test_screening_names_the_first_filter_that_removes_a_node() -> None:
    off_and_empty = node("DC", NEWARK, enabled=False)
    context = context_for(order(line("MUG")), network([off_and_empty], [MUG]))
    verdict = screen(off_and_empty, context)
    assert (verdict.removed_by, verdict.reason) == ("enabled", "disabled")
    assert next(iter(FILTERS)) == "enabled"


def test_screening_keeps_a_node_every_filter_keeps() -> None:
    dc = node("DC", NEWARK)
    context = context_for(order(line("MUG")), network([dc], [MUG]), {("DC", "MUG"): 3})
    assert screen(dc, context).kept
