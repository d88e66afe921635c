"""Order routing: rule sets, the search for the cheapest plan, and its explanation.

``route`` is the entry point; docs/routing.md describes rule sets and the search, and
docs/explanation-schema.md the JSON of an explanation.
"""

from ordermesh.domain.routing.decision import Decision, DecisionStatus
from ordermesh.domain.routing.explain import Explanation
from ordermesh.domain.routing.plan import Backorder, Penalties, Plan, PlannedShipment, ShipmentLine
from ordermesh.domain.routing.rule_document import rule_set_from_dict, rule_sets_from_list
from ordermesh.domain.routing.rules import (
    DEFAULT_RULE_SET,
    ActiveWindow,
    Constraints,
    FilterSettings,
    Goal,
    Match,
    Objective,
    PromiseMode,
    RuleSet,
    WindowState,
    rule_set_schedule,
    select_rule_set,
)
from ordermesh.domain.routing.search import SearchOptions, Strategy, route

__all__ = [
    "DEFAULT_RULE_SET",
    "ActiveWindow",
    "Backorder",
    "Constraints",
    "Decision",
    "DecisionStatus",
    "Explanation",
    "FilterSettings",
    "Goal",
    "Match",
    "Objective",
    "Penalties",
    "Plan",
    "PlannedShipment",
    "PromiseMode",
    "RuleSet",
    "SearchOptions",
    "ShipmentLine",
    "Strategy",
    "WindowState",
    "route",
    "rule_set_from_dict",
    "rule_set_schedule",
    "rule_sets_from_list",
    "select_rule_set",
]
