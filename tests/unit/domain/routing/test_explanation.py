"""Every decision explains itself: nodes and why each was removed, the chosen plan's
costs, and the best rejected plan with the reason it lost."""

from __future__ import annotations

import json
from typing import Any

import pytest
from builders import (
    BOSTON,
    CHICAGO,
    KETTLE,
    MUG,
    NEWARK,
    PHILADELPHIA,
    RENO,
    TOASTER,
    line,
    network,
    node,
    order,
)

from ordermesh.domain.model import NodeType
from ordermesh.domain.routing import Constraints, FilterSettings, RuleSet, route
from ordermesh.domain.routing.explain import LostBy, NodeStatus


def test_the_explanation_names_the_filter_that_removed_each_node() -> None:
    nodes = [
        node("BOSTON", BOSTON, enabled=False),
        node("CHICAGO", CHICAGO),
        node("NEWARK", NEWARK),
        node("PHILLY-STORE", PHILADELPHIA, NodeType.STORE),
        node("RENO", RENO),
    ]
    held = {(n.id, "MUG"): 4 for n in nodes if n.id != "CHICAGO"}
    rule_set = RuleSet(
        id="east",
        version=3,
        filters=FilterSettings(
            node_types_out=frozenset({NodeType.STORE}), max_distance_miles=2000.0
        ),
    )
    decision = route(order(line("MUG")), network(nodes, [MUG]), held, {}, rule_set)
    verdicts = {v.node_id: (v.status, v.removed_by, v.reason) for v in decision.explanation.nodes}
    assert verdicts["BOSTON"] == (NodeStatus.REMOVED, "enabled", "disabled")
    assert verdicts["CHICAGO"] == (
        NodeStatus.REMOVED,
        "stock",
        "no line available to sell after safety stock",
    )
    assert verdicts["NEWARK"] == (NodeStatus.CHOSEN, None, None)
    assert verdicts["PHILLY-STORE"] == (
        NodeStatus.REMOVED,
        "node_types",
        "node type store is excluded",
    )
    assert verdicts["RENO"][:2] == (NodeStatus.REMOVED, "max_distance_miles")
    assert (decision.explanation.rule_set_id, decision.explanation.rule_set_version) == (
        "east",
        3,
    )


def test_the_explanation_gives_the_runner_up_and_what_it_would_have_cost() -> None:
    net = network([node("NEWARK", NEWARK), node("RENO", RENO)], [MUG])
    held = {("NEWARK", "MUG"): 1, ("RENO", "MUG"): 1}
    explanation = route(order(line("MUG")), net, held, {}).explanation
    rejected = explanation.best_rejected
    assert rejected is not None
    assert rejected.summary.node_ids == ("RENO",)
    assert rejected.lost_by is LostBy.COST
    assert rejected.objective_difference == pytest.approx(13.90 - 9.50)
    assert rejected.reason == "costs 4.40 more"


def test_the_explanation_shows_a_cheaper_plan_the_constraints_forbid() -> None:
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
    one = RuleSet(id="one-parcel", constraints=Constraints(max_shipments=1))
    explanation = route(order(line("KETTLE"), line("TOASTER")), net, held, {}, one).explanation
    rejected = explanation.best_rejected
    assert rejected is not None
    assert rejected.summary.node_ids == ("NEWARK", "PHILLY")
    assert rejected.lost_by is LostBy.CONSTRAINT
    assert rejected.objective_difference == pytest.approx(22.30 - 26.85)
    assert rejected.breaches == (("max_shipments", "2 shipments; at most 1 allowed"),)
    assert rejected.reason == (
        "ranks better by 4.55 but breaks max_shipments: 2 shipments; at most 1 allowed"
    )


def test_a_tie_lost_on_node_priority_says_so() -> None:
    nodes = [node("NEWARK-A", NEWARK, priority=50), node("NEWARK-B", NEWARK, priority=10)]
    held = {("NEWARK-A", "MUG"): 1, ("NEWARK-B", "MUG"): 1}
    explanation = route(order(line("MUG")), network(nodes, [MUG]), held, {}).explanation
    assert explanation.best_rejected is not None
    assert explanation.best_rejected.lost_by is LostBy.PRIORITY
    assert explanation.best_rejected.objective_difference == 0.0


def test_the_chosen_plan_carries_the_cost_breakdown_of_each_parcel() -> None:
    net = network([node("RENO", RENO)], [KETTLE, TOASTER])
    held = {("RENO", "KETTLE"): 1, ("RENO", "TOASTER"): 1}
    explanation = route(order(line("KETTLE"), line("TOASTER")), net, held, {}).explanation
    document: Any = explanation.to_json_dict()
    [shipment] = document["chosen"]["shipments"]
    assert {key: shipment[key] for key in ("zone", "billable_lb", "shipping", "cost")} == {
        "zone": 8,
        "billable_lb": 8,
        "shipping": 26.85,
        "cost": 26.85,
    }
    assert shipment["co2e_g"] > 180.0  # the last mile alone is 180 g


def test_dominated_candidates_are_listed_with_the_nodes_that_outrank_them() -> None:
    twins = [node(f"NEWARK-{letter}", NEWARK) for letter in "ABCD"]
    held = {(n.id, "MUG"): 1 for n in twins} | {("RENO", "KETTLE"): 1}
    net = network([*twins, node("RENO", RENO)], [MUG, KETTLE])
    # No node holds both, so the order is searched, over the candidates dominance keeps.
    explanation = route(order(line("MUG"), line("KETTLE")), net, held, {}).explanation
    by_id = {verdict.node_id: verdict for verdict in explanation.nodes}
    # Two units ordered: a plan uses at most two nodes, so a node beaten by three others
    # is never needed.
    assert by_id["NEWARK-D"].dominated_by == ("NEWARK-A", "NEWARK-B", "NEWARK-C")
    assert by_id["NEWARK-D"].status is NodeStatus.CANDIDATE
    assert by_id["NEWARK-C"].dominated_by == ()
    assert explanation.search.candidates == 5
    assert explanation.search.searched == 4


def test_the_explanation_json_is_plain_data_with_stable_keys() -> None:
    net = network([node("NEWARK", NEWARK), node("RENO", RENO)], [MUG])
    held = {("NEWARK", "MUG"): 1, ("RENO", "MUG"): 1}
    document = route(order(line("MUG")), net, held, {}).explanation.to_json_dict()
    _assert_plain(document)
    assert json.loads(json.dumps(document)) == document
    assert list(document) == [
        "schema",
        "rule_set",
        "goal",
        "promise",
        "search",
        "nodes",
        "chosen",
        "best_rejected",
    ]
    # Wednesday's order ships the same day; standard service promises five working days.
    assert document["promise"] == {"date": "2026-06-17", "source": "service_level"}


def _assert_plain(value: object) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str)
            _assert_plain(item)
    elif isinstance(value, list):
        for item in value:
            _assert_plain(item)
    else:
        assert value is None or isinstance(value, str | int | float | bool)


def test_a_plan_that_ships_nothing_reports_its_costs_as_decimals() -> None:
    # Nothing holds the kettle: the plan is to wait. Its costs are still the schema's
    # floats (0.0, not 0), whether the routing core runs compiled or not.
    net = network([node("RENO", RENO)], [KETTLE])
    document: Any = route(order(line("KETTLE")), net, {}, {}).explanation.to_json_dict()
    chosen = document["chosen"]
    assert [type(chosen[key]) for key in ("cost", "penalties", "co2e_g")] == [float] * 3
