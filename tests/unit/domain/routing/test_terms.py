"""The node-dependent objective terms, defined once and read by pricing, the bounds,
dominance and the per-order MIP."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from builders import NEWARK, RENO, node

from ordermesh.domain.cost import co2e_grams
from ordermesh.domain.model import Co2eFactors, Node, NodeType
from ordermesh.domain.routing import Constraints, Objective, PromiseMode, terms

FACTORS = Co2eFactors()
EVERY_WEIGHT = Objective(store_penalty=2.0, co2e_price_per_kg=0.5, capacity_penalty=4.0)


@dataclass(frozen=True)
class Origin:
    node: Node
    miles: float = 2_400.0
    capacity_share: float = 0.5
    is_pickup: bool = False


STORE = Origin(node("ST-RENO", RENO, NodeType.STORE))
DC = Origin(node("DC-NEWARK", NEWARK))


def test_the_store_term_bites_on_stores_only() -> None:
    assert terms.store(EVERY_WEIGHT, STORE) == 2.0
    assert terms.store(EVERY_WEIGHT, DC) == 0.0


def test_per_pound_and_last_mile_co2e_add_up_to_the_priced_co2e_of_a_parcel() -> None:
    """What the bounds and the MIP charge by the pound and by the parcel is what pricing
    charges a 7-pound parcel, so neither can exceed the exact cost."""
    grams = co2e_grams(7.0, STORE.miles, 1, FACTORS)
    split = 7.0 * terms.co2e_per_lb(EVERY_WEIGHT, STORE, FACTORS) + terms.last_mile(
        EVERY_WEIGHT, STORE, FACTORS
    )
    assert split == pytest.approx(terms.co2e(EVERY_WEIGHT, grams))


def test_a_pickup_pays_no_co2e_and_still_pays_the_store_and_capacity_terms() -> None:
    pickup = Origin(STORE.node, is_pickup=True)
    assert terms.co2e_per_lb(EVERY_WEIGHT, pickup, FACTORS) == 0.0
    assert terms.per_parcel(EVERY_WEIGHT, pickup, FACTORS) == 2.0 + 4.0 * 0.5


def test_dominance_compares_nodes_only_on_the_terms_that_carry_a_weight() -> None:
    assert terms.node_features(Objective(), STORE) == []
    assert terms.node_features(EVERY_WEIGHT, STORE) == [2_400.0, 1.0, 0.5]


def test_a_late_parcel_pays_per_carrier_day_late() -> None:
    constraints = Constraints(promise=PromiseMode.LATE_ALLOWED, late_penalty_per_day=3.0)
    assert terms.late(constraints, 2) == 6.0
    assert terms.late(constraints, 0) == 0.0
