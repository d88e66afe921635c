"""Rule sets: which one routes an order, and reading them from a document."""

from __future__ import annotations

from typing import Any

import pytest
from builders import NEWARK, channel, line, network, node, order, sku

from ordermesh.domain.errors import InvalidNetwork
from ordermesh.domain.model import NodeType
from ordermesh.domain.routing import (
    DEFAULT_RULE_SET,
    Constraints,
    FilterSettings,
    Goal,
    Match,
    Objective,
    PromiseMode,
    RuleSet,
    rule_set_from_dict,
    rule_sets_from_list,
    select_rule_set,
)

AMAZON_RULES = RuleSet(id="amazon", match=Match(channels=frozenset({"amazon"})))
VIP_RULES = RuleSet(id="vip", match=Match(tags=frozenset({"vip", "influencer"})))
GOLD_RULES = RuleSet(id="gold", match=Match(customer_tiers=frozenset({"gold"})))
EXPEDITED_RULES = RuleSet(id="fast", match=Match(service_levels=frozenset({"expedited"})))
CATCH_ALL = RuleSet(id="everything")


def test_the_first_matching_rule_set_wins() -> None:
    ordered = [AMAZON_RULES, CATCH_ALL, VIP_RULES]
    assert select_rule_set(ordered, order(line("MUG"), channel="amazon")).id == "amazon"
    assert select_rule_set(ordered, order(line("MUG"), tags=["vip"])).id == "everything"


def test_tags_match_when_the_order_carries_any_of_them() -> None:
    assert select_rule_set([VIP_RULES], order(line("MUG"), tags=["influencer", "b2b"])).id == "vip"
    assert select_rule_set([VIP_RULES], order(line("MUG"), tags=["b2b"])) is DEFAULT_RULE_SET


def test_customer_tiers_and_service_levels_match() -> None:
    rules = [GOLD_RULES, EXPEDITED_RULES]
    assert select_rule_set(rules, order(line("MUG"), customer_tier="gold")).id == "gold"
    assert select_rule_set(rules, order(line("MUG"), service_level="expedited")).id == "fast"
    assert select_rule_set(rules, order(line("MUG"))) is DEFAULT_RULE_SET


def test_the_built_in_default_applies_when_none_is_declared() -> None:
    chosen = select_rule_set([], order(line("MUG")))
    assert chosen is DEFAULT_RULE_SET
    assert chosen.constraints.promise is PromiseMode.REQUIRED
    assert chosen.objective == Objective()
    assert not chosen.constraints.ship_complete and chosen.constraints.max_shipments is None


FULL = {
    "id": "amazon-no-stores",
    "version": 3,
    "description": "Amazon orders never ship from stores",
    "match": {"channels": ["amazon"], "tags": ["prime"]},
    "filters": {
        "node_types": {"in": ["warehouse", "3pl"], "out": ["dropship"]},
        "countries": {"in": ["us"]},
        "states": {"out": ["HI", "AK"]},
        "max_distance_miles": 1500,
        "open_today": True,
        "min_ats": 2,
        "exclude_stores_for_channels": ["amazon"],
    },
    "constraints": {
        "ship_complete": False,
        "max_shipments": 2,
        "keep_bundles_together": True,
        "ship_alone": True,
        "promise": "late_allowed",
        "late_penalty_per_day": 4.0,
    },
    "objective": {
        "goal": "max_margin",
        "split_penalty": 1.5,
        "store_penalty": 2,
        "co2e_price_per_kg": 0.1,
        "capacity_penalty": 3.0,
    },
}


def test_a_full_rule_set_document_reads_into_a_rule_set() -> None:
    assert rule_set_from_dict(FULL) == RuleSet(
        id="amazon-no-stores",
        version=3,
        description="Amazon orders never ship from stores",
        match=Match(channels=frozenset({"amazon"}), tags=frozenset({"prime"})),
        filters=FilterSettings(
            node_types_in=frozenset({NodeType.WAREHOUSE, NodeType.THREE_PL}),
            node_types_out=frozenset({NodeType.DROPSHIP}),
            countries_in=frozenset({"US"}),
            states_out=frozenset({"HI", "AK"}),
            max_distance_miles=1500.0,
            open_today=True,
            min_ats=2,
            exclude_stores_for_channels=frozenset({"amazon"}),
        ),
        constraints=Constraints(
            max_shipments=2,
            keep_bundles_together=True,
            promise=PromiseMode.LATE_ALLOWED,
            late_penalty_per_day=4.0,
        ),
        objective=Objective(
            goal=Goal.MAX_MARGIN,
            split_penalty=1.5,
            store_penalty=2.0,
            co2e_price_per_kg=0.1,
            capacity_penalty=3.0,
        ),
    )


def test_a_rule_set_names_only_what_it_changes() -> None:
    assert rule_set_from_dict({"id": "plain"}) == RuleSet(id="plain")


def _problems(document: Any, **kwargs: Any) -> list[str]:
    with pytest.raises(InvalidNetwork) as raised:
        rule_sets_from_list(document, **kwargs)
    return [str(problem) for problem in raised.value.problems]


def test_every_bad_field_is_reported_with_its_path() -> None:
    document = [
        {
            "id": "bad",
            "version": True,
            "colour": "red",
            "filters": {
                "max_distance_miles": 0,
                "node_types": {"in": ["castle"]},
                "min_ats": 0,
                "countries": {"in": ["US"], "out": ["us"]},
            },
            "constraints": {"promise": "sometimes", "max_shipments": 1.5},
            "objective": {"goal": "fame", "split_penalty": -1},
        }
    ]
    assert _problems(document) == [
        "rule_sets[0].colour: unknown key (expected one of active, constraints, "
        "description, filters, id, match, objective, version)",
        "rule_sets[0].version: must be a whole number",
        "rule_sets[0].filters.countries: 'US' is both in and out",
        "rule_sets[0].filters.max_distance_miles: must be > 0",
        "rule_sets[0].filters.min_ats: must be >= 1",
        "rule_sets[0].filters.node_types.in: unknown node type 'castle' "
        "(expected one of 3pl, dropship, store, warehouse)",
        "rule_sets[0].constraints.max_shipments: must be a whole number",
        "rule_sets[0].constraints.promise: must be one of required, late_allowed",
        "rule_sets[0].objective.goal: must be one of min_cost, max_margin",
        "rule_sets[0].objective.split_penalty: must be >= 0",
    ]


def test_a_late_penalty_needs_late_parcels_to_be_allowed() -> None:
    document = [{"id": "strict", "constraints": {"late_penalty_per_day": 2}}]
    assert _problems(document) == [
        "rule_sets[0].constraints.late_penalty_per_day: applies only with promise: late_allowed"
    ]


def test_rule_set_ids_are_unique_and_required() -> None:
    assert _problems([{"id": "a"}, {"id": "a"}, {"version": 2}]) == [
        "rule_sets[1].id: duplicate rule set id 'a'",
        "rule_sets[2].id: must be a non-empty string",
    ]


def test_channels_and_service_levels_must_exist_in_the_network() -> None:
    net = network([node("NEWARK", NEWARK)], [sku("MUG")], channels=[channel("amazon")])
    document = [
        {
            "id": "typo",
            "match": {"channels": ["amazn"], "service_levels": ["overnight"]},
            "filters": {"exclude_stores_for_channels": ["ebay"]},
        }
    ]
    assert _problems(document, network=net) == [
        "rule_sets[0].match.channels: unknown channel 'amazn'",
        "rule_sets[0].match.service_levels: unknown service level 'overnight'",
        "rule_sets[0].filters.exclude_stores_for_channels: unknown channel 'ebay'",
    ]


def test_a_document_without_rule_sets_reads_as_none() -> None:
    assert rule_sets_from_list(None) == ()
    assert _problems({"id": "not-a-list"}) == ["rule_sets: must be a list of rule sets"]


def test_a_single_rule_set_reports_under_the_path_given() -> None:
    with pytest.raises(InvalidNetwork) as raised:
        rule_set_from_dict({"id": "x", "filters": {"max_distance_miles": -5}}, "rules[4]")
    assert [str(p) for p in raised.value.problems] == [
        "rules[4].filters.max_distance_miles: must be > 0"
    ]
