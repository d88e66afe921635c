"""The objective's terms that depend on the node a parcel leaves from, each defined once.

Four places price a node: ``Pricer.parcel`` (the exact cost of a parcel, and what the
explanation shows), ``relaxation.cost_floor`` (the bounds of branch and bound),
``dominance`` (which node attributes a dominator must be no worse on) and the per-order MIP
(``adapters/solver/order_mip.py``). Each takes its store, capacity and CO2e terms from
here, so a term changes, or a new one (a margin, a node's labour price) is added, in one
place and the four stay consistent. Shipping and handling are priced by ``cost``, splits
by ``Problem``, opportunity prices by ``Pricer`` (they are per SKU unit, not per node).
"""

from __future__ import annotations

from typing import Protocol

from ordermesh.domain.cost import GRAMS_PER_LB, KM_PER_MILE
from ordermesh.domain.model import Co2eFactors, Node, NodeType
from ordermesh.domain.routing.rules import Constraints, Objective


class Origin(Protocol):
    """What the terms need to know of a candidate node (``pricing.NodeFacts`` is one)."""

    @property
    def node(self) -> Node: ...

    @property
    def miles(self) -> float: ...

    @property
    def capacity_share(self) -> float: ...

    @property
    def is_pickup(self) -> bool: ...


def late(constraints: Constraints, late_days: int) -> float:
    """Per parcel arriving ``late_days`` carrier working days after the promise."""
    return late_days * constraints.late_penalty_per_day


def store(objective: Objective, origin: Origin) -> float:
    """Per parcel shipped from a store."""
    return objective.store_penalty if origin.node.type is NodeType.STORE else 0.0


def capacity(objective: Objective, origin: Origin) -> float:
    """Per parcel, times the node's used share of its daily capacity."""
    return objective.capacity_penalty * origin.capacity_share


def co2e(objective: Objective, grams: float) -> float:
    """The price of ``grams`` of CO2e."""
    return grams / 1000.0 * objective.co2e_price_per_kg


def co2e_per_lb(objective: Objective, origin: Origin, factors: Co2eFactors) -> float:
    """The price of the line-haul CO2e of one pound from the node (none for a pickup)."""
    if origin.is_pickup:
        return 0.0
    road_km = origin.miles * KM_PER_MILE * factors.road_circuity
    return co2e(objective, GRAMS_PER_LB / 1_000_000 * road_km * factors.g_per_tonne_km)


def last_mile(objective: Objective, origin: Origin, factors: Co2eFactors) -> float:
    """The price of a parcel's last-mile CO2e (none for a pickup)."""
    return 0.0 if origin.is_pickup else co2e(objective, factors.last_mile_g_per_parcel)


def per_parcel(objective: Objective, origin: Origin, factors: Co2eFactors) -> float:
    """What every parcel from the node pays on top of its shipping, handling, late and
    split terms: the store, capacity and last-mile CO2e terms."""
    return (
        store(objective, origin)
        + capacity(objective, origin)
        + last_mile(objective, origin, factors)
    )


def node_features(objective: Objective, origin: Origin) -> list[float]:
    """The node attributes the weighted terms grow with: for dominance, a node must be no
    worse than the one it sets aside on each of them (a term with no weight adds none)."""
    features: list[float] = []
    if objective.co2e_price_per_kg > 0:
        features.append(origin.miles)
    if objective.store_penalty > 0:
        features.append(1.0 if origin.node.type is NodeType.STORE else 0.0)
    if objective.capacity_penalty > 0:
        features.append(origin.capacity_share)
    return features
