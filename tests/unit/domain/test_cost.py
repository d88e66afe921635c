from __future__ import annotations

import pytest

from ordermesh.domain.cost import (
    billable_weight_lb,
    cheapest_qualifying,
    co2e_grams,
    handling_cost,
    qualifies,
    shipping_cost,
    zone_for,
)
from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.model import (
    Co2eFactors,
    Handling,
    Location,
    Rate,
    ServiceLevel,
    ShippingService,
    Sku,
    Zone,
)

US_ZONES = (
    Zone(1, 50),
    Zone(2, 150),
    Zone(3, 300),
    Zone(4, 600),
    Zone(5, 1000),
    Zone(6, 1400),
    Zone(7, 1800),
    Zone(8, None),
)
GROUND = ShippingService(
    "ground",
    transit_days={z.zone: min(5, 1 + z.zone // 2) for z in US_ZONES},
    rates={z.zone: Rate(base=8.0 + z.zone, per_lb=0.5 * z.zone) for z in US_ZONES},
)
TWO_DAY = ShippingService(
    "two_day",
    transit_days={z.zone: 2 for z in US_ZONES},
    rates={z.zone: Rate(base=20.0 + z.zone, per_lb=1.5 * z.zone) for z in US_ZONES},
)
MUG = Sku("MUG", weight_lb=1.2, dims_in=(5, 5, 6), unit_cost=4, price=16)
PILLOW = Sku("PILLOW", weight_lb=0.8, dims_in=(20, 14, 8), unit_cost=6, price=30)


def test_new_york_to_los_angeles_is_about_2450_miles() -> None:
    nyc = Location(40.7128, -74.0060)
    la = Location(34.0522, -118.2437)
    assert great_circle_miles(nyc, la) == pytest.approx(2445, abs=10)


def test_distance_to_itself_is_zero() -> None:
    chicago = Location(41.9, -87.6)
    assert great_circle_miles(chicago, chicago) == 0


@pytest.mark.parametrize(
    ("miles", "zone"),
    [(0, 1), (50, 1), (50.01, 2), (150, 2), (299.9, 3), (1800, 7), (1800.1, 8), (5000, 8)],
)
def test_zone_is_the_first_band_whose_max_covers_the_distance(miles: float, zone: int) -> None:
    assert zone_for(miles, US_ZONES) == zone


def test_zone_needs_an_open_ended_last_band() -> None:
    with pytest.raises(ValueError, match="open-ended"):
        zone_for(500, (Zone(1, 100), Zone(2, 200)))


def test_billable_weight_rounds_actual_weight_up_to_the_pound() -> None:
    assert billable_weight_lb([(MUG, 2)]) == 3  # 2.4 lb actual, 300 in3 / 139 = 2.16 dim


def test_billable_weight_uses_dimensional_weight_when_it_is_larger() -> None:
    # 2,240 in3 / 139 = 16.1 -> 17 lb, though the pillow weighs 0.8 lb
    assert billable_weight_lb([(PILLOW, 1)]) == 17


def test_billable_weight_is_at_least_one_pound() -> None:
    feather = Sku("FEATHER", weight_lb=0.01, dims_in=(1, 1, 1), unit_cost=0, price=1)
    assert billable_weight_lb([(feather, 1)]) == 1


def test_billable_weight_does_not_round_up_a_float_sum_that_is_whole() -> None:
    third = Sku("THIRD", weight_lb=0.1, dims_in=(1, 1, 1), unit_cost=0, price=1)
    assert billable_weight_lb([(third, 30)]) == 3  # 0.1 * 30 = 3.0000000000000004


def test_shipping_is_base_plus_per_pound_beyond_the_first() -> None:
    assert shipping_cost(GROUND, 4, 1) == 12.0
    assert shipping_cost(GROUND, 4, 5) == 12.0 + 2.0 * 4


def test_handling_is_per_shipment_plus_per_unit() -> None:
    assert handling_cost(Handling(per_shipment=2.5, per_unit=0.3), 4) == pytest.approx(3.7)
    assert handling_cost(Handling(), 10) == 0


def test_a_service_qualifies_when_its_transit_fits_the_level() -> None:
    standard = ServiceLevel("standard", 5)
    expedited = ServiceLevel("expedited", 2)
    assert qualifies(GROUND, 8, standard)
    assert not qualifies(GROUND, 8, expedited)  # 5 days to zone 8
    assert qualifies(GROUND, 1, expedited)  # 1 day next door


def test_the_cheapest_service_that_meets_the_level_is_chosen() -> None:
    standard = ServiceLevel("standard", 5)
    expedited = ServiceLevel("expedited", 2)
    far = cheapest_qualifying([TWO_DAY, GROUND], 8, 3, handling=1.0, level=standard)
    assert far is not None
    assert far.service_id == "ground"
    fast = cheapest_qualifying([TWO_DAY, GROUND], 8, 3, handling=1.0, level=expedited)
    assert fast is not None
    assert fast.service_id == "two_day"
    assert fast.total == pytest.approx(28.0 + 1.5 * 8 * 2 + 1.0)


def test_no_service_qualifies_when_none_is_fast_enough() -> None:
    overnight = ServiceLevel("overnight", 1)
    assert cheapest_qualifying([TWO_DAY, GROUND], 8, 1, handling=0, level=overnight) is None


def test_co2e_grows_with_distance_and_weight_and_counts_each_parcel() -> None:
    factors = Co2eFactors(g_per_tonne_km=100, road_circuity=1.0, last_mile_g_per_parcel=200)
    # 1,000 lb = 0.4536 t over 100 miles = 160.9 km: 7,299 g, plus one parcel's last mile
    assert co2e_grams(1000, 100, 1, factors) == pytest.approx(7299.3 + 200, rel=1e-3)
    assert co2e_grams(10, 500, 1, factors) > co2e_grams(10, 50, 1, factors)
    assert co2e_grams(10, 50, 2, factors) - co2e_grams(10, 50, 1, factors) == 200
