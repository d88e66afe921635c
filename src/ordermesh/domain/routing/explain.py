"""Why an order went where it went, as data with a stable JSON form.

The explanation names the rule set that routed the order, every node of the network with
the filter or constraint that removed it (if any), the chosen plan with the cost
breakdown of each parcel, and the best rejected plan with the reason it lost: either it
ranks lower (costs more, backorders more, or loses a tie-break), or it is cheaper but
breaks a constraint of the rule set. docs/explanation-schema.md documents the JSON.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ordermesh.domain.routing.plan import Backorder, Plan, PlannedShipment

JsonValue = str | int | float | bool | None | list["JsonValue"] | dict[str, "JsonValue"]

SCHEMA_VERSION = 1
_MONEY_DECIMALS = 4
_GRAMS_DECIMALS = 1
_MILES_DECIMALS = 1


class NodeStatus(StrEnum):
    REMOVED = "removed"  # a filter or a constraint ruled it out for this order
    CANDIDATE = "candidate"  # it could have shipped part of the order; the plan did not use it
    CHOSEN = "chosen"  # the plan ships from it


class LostBy(StrEnum):
    BACKORDERS = "backorders"
    COST = "cost"
    SHIPMENTS = "shipments"
    PRIORITY = "priority"
    NODE_ID = "node_id"
    CONSTRAINT = "constraint"


@dataclass(frozen=True, slots=True)
class NodeVerdict:
    node_id: str
    status: NodeStatus
    miles: float
    removed_by: str | None = None  # the filter's or constraint's name
    reason: str | None = None
    zone: int | None = None  # known for nodes that passed the filters
    ship_date: date | None = None
    # Candidates the search set aside because enough others are better in every respect.
    dominated_by: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PlanSummary:
    plan: Plan
    objective: float
    backordered_units: int
    priorities: tuple[int, ...]  # of the nodes used, ascending: the tie-break after parcels

    @property
    def node_ids(self) -> tuple[str, ...]:
        return self.plan.node_ids


@dataclass(frozen=True, slots=True)
class RejectedPlan:
    summary: PlanSummary
    lost_by: LostBy
    objective_difference: float  # rejected minus chosen: negative when it was cheaper
    reason: str
    breaches: tuple[tuple[str, str], ...] = ()  # (constraint, how), when lost_by constraint


@dataclass(frozen=True, slots=True)
class SearchSummary:
    strategy: str
    exact: bool
    expansions: int
    candidates: int  # nodes that passed the filters and the promise
    searched: int  # candidates left after dominance
    # Whether the runner-up is proven the best plan on another node set, or only the best
    # such plan the search met (see SearchOptions.exact_runner_up).
    runner_up_proven: bool = False


@dataclass(frozen=True, slots=True)
class Explanation:
    rule_set_id: str
    rule_set_version: int
    goal: str
    promised_by: date
    promise_source: str  # "order" when the channel gave the date, else "service_level"
    search: SearchSummary
    nodes: tuple[NodeVerdict, ...]
    chosen: PlanSummary
    best_rejected: RejectedPlan | None

    def to_json_dict(self) -> dict[str, JsonValue]:
        return {
            "schema": SCHEMA_VERSION,
            "rule_set": {"id": self.rule_set_id, "version": self.rule_set_version},
            "goal": self.goal,
            "promise": {
                "date": self.promised_by.isoformat(),
                "source": self.promise_source,
            },
            "search": {
                "strategy": self.search.strategy,
                "exact": self.search.exact,
                "expansions": self.search.expansions,
                "candidates": self.search.candidates,
                "searched": self.search.searched,
                "runner_up_proven": self.search.runner_up_proven,
            },
            "nodes": [_node_json(verdict) for verdict in self.nodes],
            "chosen": _plan_json(self.chosen),
            "best_rejected": _rejected_json(self.best_rejected),
        }


def _money(value: float) -> float:
    return round(value, _MONEY_DECIMALS)


def _node_json(verdict: NodeVerdict) -> dict[str, JsonValue]:
    return {
        "node": verdict.node_id,
        "status": str(verdict.status),
        "removed_by": verdict.removed_by,
        "reason": verdict.reason,
        "miles": round(verdict.miles, _MILES_DECIMALS),
        "zone": verdict.zone,
        "ship_date": verdict.ship_date.isoformat() if verdict.ship_date else None,
        "dominated_by": list(verdict.dominated_by),
    }


def _shipment_json(shipment: PlannedShipment) -> dict[str, JsonValue]:
    penalties = shipment.penalties
    return {
        "node": shipment.node_id,
        "service": shipment.service_id,
        "lines": [
            {
                "line_id": line.line_id,
                "sku": line.sku,
                "quantity": line.quantity,
                "bundle": line.bundle_id,
            }
            for line in shipment.lines
        ],
        "ship_alone": shipment.ship_alone,
        "zone": shipment.zone,
        "billable_lb": shipment.billable_lb,
        "shipping": _money(shipment.shipping),
        "handling": _money(shipment.handling),
        "cost": _money(shipment.cost),
        "penalties": {
            "split": _money(penalties.split),
            "store": _money(penalties.store),
            "co2e": _money(penalties.co2e),
            "capacity": _money(penalties.capacity),
            "late": _money(penalties.late),
            "opportunity": _money(penalties.opportunity),
            "total": _money(penalties.total),
        },
        "co2e_g": round(shipment.co2e_g, _GRAMS_DECIMALS),
        "transit_days": shipment.transit_days,
        "ship_date": shipment.ship_date.isoformat(),
        "promise_date": shipment.promise_date.isoformat(),
        "meets_promise": shipment.meets_promise,
    }


def _backorder_json(backorder: Backorder) -> dict[str, JsonValue]:
    return {
        "line_id": backorder.line_id,
        "item": backorder.item,
        "bundle": backorder.bundle_id,
        "quantity": backorder.quantity,
        "reason": backorder.reason,
    }


def _plan_json(summary: PlanSummary) -> dict[str, JsonValue]:
    plan = summary.plan
    return {
        "nodes": list(plan.node_ids),
        "shipments": [_shipment_json(shipment) for shipment in plan.shipments],
        "backordered": [_backorder_json(backorder) for backorder in plan.backordered],
        "backordered_units": summary.backordered_units,
        "cost": _money(plan.delivered_cost),
        "penalties": _money(plan.penalties),
        "objective": _money(summary.objective),
        "co2e_g": round(plan.co2e_g, _GRAMS_DECIMALS),
    }


def _rejected_json(rejected: RejectedPlan | None) -> dict[str, JsonValue] | None:
    if rejected is None:
        return None
    return {
        "plan": _plan_json(rejected.summary),
        "lost_by": str(rejected.lost_by),
        "objective_difference": _money(rejected.objective_difference),
        "reason": rejected.reason,
        "breaches": [{"constraint": name, "reason": reason} for name, reason in rejected.breaches],
    }


def why_it_lost(chosen: PlanSummary, rejected: PlanSummary) -> tuple[LostBy, str]:
    """The first ranking criterion on which the rejected plan is worse, in words."""
    if rejected.backordered_units != chosen.backordered_units:
        return LostBy.BACKORDERS, (
            f"backorders {rejected.backordered_units} unit(s) against {chosen.backordered_units}"
        )
    difference = rejected.objective - chosen.objective
    if round(difference, _MONEY_DECIMALS) != 0:
        shown = f"{difference:.2f}" if abs(difference) >= 0.005 else f"{difference:.4f}"
        return LostBy.COST, f"costs {shown} more"
    chosen_parcels = len(chosen.plan.shipments)
    rejected_parcels = len(rejected.plan.shipments)
    if rejected_parcels != chosen_parcels:
        return LostBy.SHIPMENTS, (
            f"same cost, but {rejected_parcels} shipments against {chosen_parcels}"
        )
    if rejected.priorities != chosen.priorities:
        return LostBy.PRIORITY, (
            f"same cost and shipments; node priorities {list(rejected.priorities)} "
            f"against {list(chosen.priorities)} (lower wins)"
        )
    return LostBy.NODE_ID, (
        f"same cost, shipments and priorities; node ids {', '.join(rejected.node_ids)} "
        f"sort after {', '.join(chosen.node_ids)}"
    )
