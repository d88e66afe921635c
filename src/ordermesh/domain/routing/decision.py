"""A routing decision: the plan for one order, what it costs, and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from ordermesh.domain.routing.explain import Explanation
from ordermesh.domain.routing.plan import Backorder, Plan, PlannedShipment


class DecisionStatus(StrEnum):
    ROUTED = "routed"
    PARTIALLY_BACKORDERED = "partially_backordered"
    BACKORDERED = "backordered"


@dataclass(frozen=True, slots=True)
class Decision:
    order_id: str
    rule_set_id: str
    rule_set_version: int
    shipments: tuple[PlannedShipment, ...]
    backordered: tuple[Backorder, ...]
    total_cost: float  # delivered: shipping plus handling over all parcels
    penalties: float  # the rule set's objective terms beyond the delivered cost
    objective: float  # what the search minimised (penalties in, margin out under max_margin)
    margin: float  # price less unit cost of the units shipped, less the delivered cost
    promised_by: date
    explanation: Explanation

    @property
    def status(self) -> DecisionStatus:
        if not self.backordered:
            return DecisionStatus.ROUTED
        if self.shipments:
            return DecisionStatus.PARTIALLY_BACKORDERED
        return DecisionStatus.BACKORDERED

    @property
    def plan(self) -> Plan:
        return Plan(self.shipments, self.backordered)

    @property
    def co2e_g(self) -> float:
        return sum(shipment.co2e_g for shipment in self.shipments)
