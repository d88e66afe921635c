"""The seeded network generator: deterministic, realistic, and valid per the document format."""

from __future__ import annotations

import json
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

import pytest
import yaml
import zipcodes

from ordermesh.adapters.formats.network_document import validate_network_document
from ordermesh.scenario.network_generator import (
    ANCHOR_SKU_IDS,
    DROPSHIP_SITES,
    STORE_SITES,
    THREE_PL_SITES,
    WAREHOUSE_SITES,
    generate_inventory,
    generate_network,
)

Document = dict[str, Any]

_zip_records: Callable[[str], list[dict[str, Any]]] = zipcodes.matching
LOWER_48_AND_DC = {
    "AL", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "ID", "IL", "IN", "IA", "KS",
    "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA",
    "WA", "WV", "WI", "WY",
}  # fmt: skip


@pytest.fixture(scope="module")
def network() -> Document:
    return generate_network(11)


@pytest.fixture(scope="module")
def large_network() -> Document:
    return generate_network(5, warehouses=20, three_pls=10, stores=170, dropship=0, skus=10000)


def _nodes_of(document: Mapping[str, Any], node_type: str) -> list[dict[str, Any]]:
    return [node for node in document["nodes"] if node["type"] == node_type]


def _has_cents_at_most(value: float) -> bool:
    return round(value, 2) == value


# ---------------------------------------------------------------------------- determinism


def test_the_same_seed_gives_the_same_network() -> None:
    assert generate_network(42) == generate_network(42)


def test_different_seeds_give_different_networks() -> None:
    first, second = generate_network(1), generate_network(2)
    assert first["skus"] != second["skus"]
    assert [n["id"] for n in _nodes_of(first, "store")] != [
        n["id"] for n in _nodes_of(second, "store")
    ]


def test_the_generator_leaves_the_global_random_state_alone() -> None:
    before = random.getstate()
    generate_network(3, stores=60)
    generate_inventory(generate_network(3), 3)
    assert random.getstate() == before


def test_the_same_seed_gives_the_same_inventory(network: Document) -> None:
    assert generate_inventory(network, 9) == generate_inventory(network, 9)
    assert generate_inventory(network, 9) != generate_inventory(network, 10)


# ---------------------------------------------------------------------------- the document


def test_the_default_network_has_the_requested_counts(network: Document) -> None:
    counts = Counter(node["type"] for node in network["nodes"])
    assert counts == {"warehouse": 6, "3pl": 3, "store": 20, "dropship": 2}
    assert len(network["skus"]) == 520
    assert len(network["bundles"]) == 6


def test_the_document_is_valid_per_the_network_format(network: Document) -> None:
    _, parsed = validate_network_document(network, "generated")
    assert len(parsed.nodes) == 31
    assert len(parsed.skus) == 520


def test_the_document_survives_a_yaml_round_trip_and_serialises_to_json(
    network: Document,
) -> None:
    assert yaml.safe_load(yaml.safe_dump(network, sort_keys=False)) == network
    json.dumps(network)


def test_ids_are_unique_and_every_reference_resolves(network: Document) -> None:
    node_ids = [node["id"] for node in network["nodes"]]
    item_ids = [sku["id"] for sku in network["skus"]] + [b["id"] for b in network["bundles"]]
    assert len(set(node_ids)) == len(node_ids)
    assert len(set(item_ids)) == len(item_ids)
    sku_ids = {sku["id"] for sku in network["skus"]}
    for bundle in network["bundles"]:
        assert {component["sku"] for component in bundle["components"]} <= sku_ids
    for channel in network["channels"]:
        assert channel["service_level"] in network["service_levels"]
        assert set(channel["buffer"].get("skus", {})) <= sku_ids


def test_every_service_prices_every_zone_and_zones_ascend(network: Document) -> None:
    zones = network["shipping"]["zones"]
    zone_ids = [zone["zone"] for zone in zones]
    bounded = [zone["max_miles"] for zone in zones[:-1]]
    assert zone_ids == [1, 2, 3, 4, 5, 6, 7, 8]
    assert bounded == [50, 150, 300, 600, 1000, 1400, 1800]
    assert "max_miles" not in zones[-1]
    for service in network["shipping"]["services"]:
        assert set(service["transit_days"]) == set(zone_ids)
        assert set(service["rates"]) == set(zone_ids)


def test_shipping_services_are_shaped_like_us_parcel_carriers(network: Document) -> None:
    services = {service["id"]: service for service in network["shipping"]["services"]}
    assert list(services) == ["ground", "two_day", "overnight"]
    ground = services["ground"]
    assert list(ground["transit_days"].values()) == [1, 1, 2, 2, 3, 4, 5, 5]
    assert set(services["two_day"]["transit_days"].values()) == {2}
    assert set(services["overnight"]["transit_days"].values()) == {1}
    for service in services.values():
        bases = [rate["base"] for rate in service["rates"].values()]
        per_lb = [rate["per_lb"] for rate in service["rates"].values()]
        assert bases == sorted(bases) and per_lb == sorted(per_lb)
        assert all(_has_cents_at_most(value) for value in bases + per_lb)
    one_lb_zone_8 = {
        sid: s["rates"][8]["base"] + s["rates"][8]["per_lb"] for sid, s in services.items()
    }
    assert one_lb_zone_8["ground"] < one_lb_zone_8["two_day"] < one_lb_zone_8["overnight"]
    assert 12 <= one_lb_zone_8["ground"] <= 17


def test_channels_and_service_levels_match_the_brief(network: Document) -> None:
    assert network["service_levels"] == {"standard": 5, "expedited": 2, "next_day": 1}
    channels = {channel["id"]: channel for channel in network["channels"]}
    assert set(channels) == {"web", "amazon", "b2b", "shopify"}
    assert channels["web"]["buffer"] == {"default": 0, "node_types": {"store": 1}}
    assert channels["amazon"]["buffer"]["default"] == 2
    assert channels["amazon"]["buffer"]["node_types"] == {"store": 3}
    assert channels["shopify"]["service_level"] == "expedited"


# ---------------------------------------------------------------------------- nodes


def test_every_node_postal_code_is_a_real_us_zip_in_the_nodes_timezone(
    network: Document, large_network: Document
) -> None:
    for node in network["nodes"] + large_network["nodes"]:
        assert node["location"]["country"] == "US"
        records = _zip_records(node["location"]["postal_code"])
        assert records, node["id"]
        assert records[0]["timezone"] == node["timezone"], node["id"]


@pytest.mark.parametrize(
    "site",
    WAREHOUSE_SITES + THREE_PL_SITES + STORE_SITES + DROPSHIP_SITES,
    ids=lambda site: site.postal_code,
)
def test_every_curated_site_is_the_real_zip_of_its_city(site: Any) -> None:
    (record,) = _zip_records(site.postal_code)
    assert record["active"] and record["zip_code_type"] == "STANDARD"
    assert (record["city"], record["state"], record["timezone"]) == (
        site.city,
        site.state,
        site.timezone,
    )


def test_no_two_nodes_share_a_postal_code(large_network: Document) -> None:
    codes = [node["location"]["postal_code"] for node in large_network["nodes"]]
    assert len(set(codes)) == len(codes)


def test_warehouses_ship_cheaply_in_bulk_and_close_on_sundays_and_holidays(
    network: Document,
) -> None:
    for node in _nodes_of(network, "warehouse"):
        assert 2.0 <= node["handling"]["per_shipment"] <= 3.0
        assert 0.2 <= node["handling"]["per_unit"] <= 0.4
        assert node["capacity"]["shipments_per_day"] >= 3000
        assert "sun" in node["calendar"]["closed_weekdays"]
        assert node["calendar"]["holidays"]["country"] == "US"
        assert node["capabilities"] == ["ship"]


def test_three_pls_cost_a_little_more_than_our_own_dcs(network: Document) -> None:
    dc_cost = max(node["handling"]["per_unit"] for node in _nodes_of(network, "warehouse"))
    for node in _nodes_of(network, "3pl"):
        assert node["handling"]["per_unit"] > dc_cost


def test_stores_ship_and_offer_pickup_seven_days_a_week_with_little_capacity(
    network: Document,
) -> None:
    for node in _nodes_of(network, "store"):
        assert node["capabilities"] == ["ship", "pickup"]
        assert 40 <= node["capacity"]["shipments_per_day"] <= 120
        assert node["calendar"]["closed_weekdays"] == []
        assert "2026-12-25" in node["calendar"]["blackout_dates"]
        assert "2026-11-26" in node["calendar"]["blackout_dates"]  # Thanksgiving
        assert node["handling"]["per_unit"] >= 0.65
        assert not node["hazmat_capable"]


def test_dropship_suppliers_need_orders_by_noon(network: Document) -> None:
    suppliers = _nodes_of(network, "dropship")
    assert [node["id"] for node in suppliers] == ["DS-LA", "DS-SECAUCUS"]
    for node in suppliers:
        assert node["cutoff"] == "12:00"
        assert node["priority"] > max(n["priority"] for n in _nodes_of(network, "store"))


def test_some_nodes_black_out_an_inventory_count_day_on_a_weekday() -> None:
    document = generate_network(11, warehouses=12)
    count_days = [
        day
        for node in document["nodes"]
        if node["type"] in {"warehouse", "3pl"}
        for day in node["calendar"].get("blackout_dates", [])
    ]
    assert count_days
    for day in count_days:
        assert day[5:7] == "01"
        assert date.fromisoformat(day).weekday() < 5


# ---------------------------------------------------------------------------- catalogue


def test_the_catalogue_starts_with_memorable_skus_usable_in_docs(network: Document) -> None:
    ids = [sku["id"] for sku in network["skus"]]
    assert ids[: len(ANCHOR_SKU_IDS)] == list(ANCHOR_SKU_IDS)
    assert ids[0] == "MUG-BLUE"
    assert {"KIT-POUR-OVER", "KIT-TEE-3PK"} <= {bundle["id"] for bundle in network["bundles"]}


def test_the_catalogue_looks_like_a_retailers(network: Document) -> None:
    skus = network["skus"]
    weights = sorted(sku["weight_lb"] for sku in skus)
    assert weights[0] >= 0.2 and weights[-1] <= 30
    assert weights[len(weights) // 2] < 5 < weights[int(len(weights) * 0.95)]  # a long tail
    hazmat = sum(sku["hazmat"] for sku in skus) / len(skus)
    assert 0.01 <= hazmat <= 0.04
    assert 3 <= sum(sku["ship_alone"] for sku in skus) <= 30
    for sku in skus:
        assert 0 < sku["unit_cost"] < sku["price"]
        assert _has_cents_at_most(sku["unit_cost"]) and _has_cents_at_most(sku["price"])
        assert all(side >= 1 for side in sku["dims_in"])
        assert {"id", "name", "weight_lb", "dims_in", "unit_cost", "price"} <= set(sku)
    categories = {sku["id"].split("-")[0] for sku in skus}
    assert {"TEE", "MUG", "LAMP", "TENT", "CABLE"} <= categories


def test_some_bulky_light_skus_bill_by_dimensional_weight(network: Document) -> None:
    def dim_weight(sku: Mapping[str, Any]) -> float:
        length, width, height = sku["dims_in"]
        return float(length * width * height / 139)

    dim_heavy = [sku for sku in network["skus"] if dim_weight(sku) > 2 * sku["weight_lb"]]
    assert 0.05 * len(network["skus"]) <= len(dim_heavy) <= 0.5 * len(network["skus"])
    pillow = next(sku for sku in network["skus"] if sku["id"] == "PILLOW-KING")
    assert dim_weight(pillow) > 10 * pillow["weight_lb"]


def test_bundles_are_kits_of_two_to_four_components() -> None:
    document = generate_network(8, bundles=15)
    sku_ids = {sku["id"] for sku in document["skus"]}
    assert len(document["bundles"]) == 15
    for bundle in document["bundles"]:
        components = [component["sku"] for component in bundle["components"]]
        assert 2 <= len(components) <= 4
        assert len(set(components)) == len(components)
        assert set(components) <= sku_ids
        assert all(component["quantity"] >= 1 for component in bundle["components"])
        assert bundle["price"] > 0


@pytest.mark.parametrize(
    "arguments",
    [{"stores": -1}, {"skus": 10}, {"bundles": -2}],
    ids=["negative stores", "fewer skus than the fixed ones", "negative bundles"],
)
def test_impossible_sizes_are_refused(arguments: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        generate_network(1, **arguments)


# ---------------------------------------------------------------------------- scale


def test_a_larger_network_scales_to_200_nodes_and_10k_skus() -> None:
    started = time.perf_counter()
    document = generate_network(5, warehouses=20, three_pls=10, stores=170, dropship=0, skus=10000)
    elapsed = time.perf_counter() - started
    assert elapsed < 5
    assert len(document["nodes"]) == 200
    assert len(document["skus"]) == 10000
    assert len({sku["id"] for sku in document["skus"]}) == 10000
    _, parsed = validate_network_document(document, "large")
    assert len(parsed.nodes) == 200


def test_extra_nodes_come_from_the_lower_48_and_lean_toward_big_metros(
    large_network: Document,
) -> None:
    stores = _nodes_of(large_network, "store")
    curated = {site.postal_code for site in STORE_SITES}
    drawn = [node for node in stores if node["location"]["postal_code"] not in curated]
    assert len(drawn) == 170 - len(STORE_SITES)
    states = [_zip_records(node["location"]["postal_code"])[0]["state"] for node in drawn]
    assert set(states) <= LOWER_48_AND_DC
    big_metro = {"100", "112", "606", "900", "770", "750", "191", "200", "300", "331", "981"}
    in_a_big_metro_area = [
        node for node in drawn if node["location"]["postal_code"][:3] in big_metro
    ]
    assert in_a_big_metro_area


# ---------------------------------------------------------------------------- inventory


def test_inventory_rows_name_known_nodes_and_skus_with_whole_non_negative_counts(
    network: Document,
) -> None:
    rows = generate_inventory(network, 11)
    node_ids = {node["id"] for node in network["nodes"]}
    sku_ids = {sku["id"] for sku in network["skus"]}
    positions = [(row["node"], row["sku"]) for row in rows]
    assert len(set(positions)) == len(positions)
    for row in rows:
        assert set(row) == {"node", "sku", "on_hand", "safety_stock"}
        assert row["node"] in node_ids and row["sku"] in sku_ids
        assert isinstance(row["on_hand"], int) and row["on_hand"] >= 0
        assert isinstance(row["safety_stock"], int) and row["safety_stock"] >= 0


def test_warehouses_hold_deep_stock_of_most_skus(network: Document) -> None:
    rows = generate_inventory(network, 11)
    for node in _nodes_of(network, "warehouse"):
        held = [row for row in rows if row["node"] == node["id"]]
        assert len(held) >= 0.8 * len(network["skus"])
        assert sorted(row["on_hand"] for row in held)[len(held) // 2] >= 50


def test_stores_hold_a_few_units_of_popular_skus_only(network: Document) -> None:
    rows = generate_inventory(network, 11)
    rank = {sku["id"]: index for index, sku in enumerate(network["skus"])}
    for node in _nodes_of(network, "store"):
        held = [row for row in rows if row["node"] == node["id"]]
        assert 10 <= len(held) <= 200
        assert all(0 <= row["on_hand"] <= 6 for row in held)
        assert all(row["safety_stock"] in (0, 1) for row in held)
        assert all(rank[row["sku"]] < 200 for row in held)
        assert "MUG-BLUE" in {row["sku"] for row in held}
    assert any(row["safety_stock"] == 1 for row in rows if row["node"].startswith("ST-"))


def test_dropship_suppliers_hold_deep_stock_of_their_own_slice_of_bulky_goods(
    network: Document,
) -> None:
    rows = generate_inventory(network, 11)
    skus = {sku["id"]: sku for sku in network["skus"]}
    slices = [
        {row["sku"] for row in rows if row["node"] == node["id"]}
        for node in _nodes_of(network, "dropship")
    ]
    assert all(slices)
    assert not slices[0] & slices[1]
    for row in rows:
        if row["node"].startswith("DS-"):
            sku = skus[row["sku"]]
            assert sku["ship_alone"] or sku["weight_lb"] >= 12
            assert row["on_hand"] >= 40


def test_ship_alone_furniture_is_stocked_only_by_dropship_suppliers(network: Document) -> None:
    rows = generate_inventory(network, 11)
    furniture = {sku["id"] for sku in network["skus"] if sku["ship_alone"]}
    holders = {row["node"] for row in rows if row["sku"] in furniture}
    assert holders == {"DS-LA", "DS-SECAUCUS"}


def test_without_suppliers_the_dcs_stock_the_furniture() -> None:
    document = generate_network(4, dropship=0)
    rows = generate_inventory(document, 4)
    furniture = {sku["id"] for sku in document["skus"] if sku["ship_alone"]}
    assert furniture & {row["sku"] for row in rows if row["node"].startswith("DC-")}
