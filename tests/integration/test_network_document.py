from __future__ import annotations

import copy
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from ordermesh.adapters.formats.network_document import (
    checksum,
    load_network_file,
    parse_network_text,
    validate_network_document,
)
from ordermesh.domain.errors import InvalidNetwork
from ordermesh.domain.model import Capability, NodeType

SMALL = Path(__file__).parent.parent / "data" / "network_small.yaml"


@pytest.fixture
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SMALL.read_text())
    return loaded


def problems_of(document: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidNetwork) as caught:
        validate_network_document(document)
    return [str(p) for p in caught.value.problems]


def test_a_valid_document_builds_the_network() -> None:
    _, network = load_network_file(SMALL.read_bytes(), str(SMALL))
    reno = network.node("DC-RENO")
    assert reno.type is NodeType.WAREHOUSE
    assert reno.location.lat == pytest.approx(39.5, abs=0.2)  # geocoded from 89502
    assert reno.cutoff == time(14, 0)
    assert reno.calendar.closed_weekdays == frozenset({6})
    assert date(2026, 12, 25) in reno.calendar.holidays
    assert not reno.calendar.is_working_day(date(2026, 12, 31))  # blackout
    assert network.node("STORE-CHI").can(Capability.PICKUP)
    assert network.bundles["MUG-PAIR"].components[0].quantity == 2
    assert network.channels["amazon"].buffer.units(NodeType.STORE, "COASTER") == 3
    assert network.services["ground"].rates[8].per_lb == 1.85


def test_the_normalised_document_validates_to_the_same_network(
    document: dict[str, Any],
) -> None:
    normalised, network = validate_network_document(document)
    again, network_again = validate_network_document(normalised)
    assert network_again == network
    assert checksum(again) == checksum(normalised)


def test_a_negative_handling_cost_is_named_by_its_path(document: dict[str, Any]) -> None:
    document["nodes"][2]["handling"]["per_unit"] = -1
    assert problems_of(document) == ["nodes[2].handling.per_unit: must be >= 0"]


def test_every_problem_is_listed_at_once(document: dict[str, Any]) -> None:
    document["nodes"][0]["type"] = "castle"
    document["skus"][1]["weight_lb"] = "heavy"
    document["skus"][2]["dims_in"] = [1, 2]
    document["channels"][0]["sevice_level"] = "standard"
    problems = problems_of(document)
    assert any(p.startswith("nodes[0].type: must be one of") for p in problems)
    assert "skus[1].weight_lb: must be a number, not 'heavy'" in problems
    assert any(p.startswith("skus[2].dims_in") for p in problems)
    assert "channels[0].sevice_level: is not a known field" in problems


def test_duplicate_ids_are_refused(document: dict[str, Any]) -> None:
    document["nodes"].append(copy.deepcopy(document["nodes"][1]))
    document["bundles"].append(
        {"id": "COASTER", "components": [{"sku": "MUG-BLUE", "quantity": 1}]}
    )
    problems = problems_of(document)
    assert "nodes[4].id: duplicate id 'DC-OHIO'" in problems
    assert "bundles[1].id: 'COASTER' is already a SKU id" in problems


def test_an_unknown_postal_code_is_an_error_not_a_silent_zero(document: dict[str, Any]) -> None:
    document["nodes"][1]["location"] = {"postal_code": "00000", "country": "US"}
    assert problems_of(document) == ["nodes[1].location.postal_code: unknown US ZIP code '00000'"]


def test_a_location_needs_postal_code_and_country_or_lat_and_lon(
    document: dict[str, Any],
) -> None:
    document["nodes"][1]["location"] = {"lat": 40.0}
    assert problems_of(document) == [
        "nodes[1].location: give both lat and lon, or a postal_code and country"
    ]


def test_references_to_unknown_skus_and_levels_are_refused(document: dict[str, Any]) -> None:
    document["bundles"][0]["components"][1]["sku"] = "SAUCER"
    document["channels"][1]["service_level"] = "teleport"
    problems = problems_of(document)
    assert "bundles[0].components[1].sku: unknown SKU 'SAUCER'" in problems
    assert "channels[1].service_level: unknown service level 'teleport'" in problems


def test_a_service_must_price_every_zone(document: dict[str, Any]) -> None:
    del document["shipping"]["services"][0]["rates"][5]
    assert problems_of(document) == ["shipping.services[0].rates: zone 5 is missing"]


def test_only_the_last_zone_is_open_ended(document: dict[str, Any]) -> None:
    document["shipping"]["zones"][7]["max_miles"] = 3000
    document["shipping"]["zones"][3]["max_miles"] = 100
    problems = problems_of(document)
    assert "shipping.zones[7].max_miles: the last zone must be open-ended" in problems
    assert "shipping.zones[3].max_miles: must be greater than the previous 300" in problems


def test_an_unquoted_yaml_cutoff_is_explained(document: dict[str, Any]) -> None:
    document["nodes"][0]["cutoff"] = 840  # what YAML makes of an unquoted 14:00
    [problem] = problems_of(document)
    assert problem.startswith('nodes[0].cutoff: must be a quoted "HH:MM" time')


def test_unknown_timezone_and_holiday_region_are_refused(document: dict[str, Any]) -> None:
    document["nodes"][0]["timezone"] = "Mars/Olympus_Mons"
    document["nodes"][0]["calendar"]["holidays"]["subdivision"] = "ZZ"
    problems = problems_of(document)
    assert "nodes[0].timezone: unknown IANA timezone 'Mars/Olympus_Mons'" in problems
    assert any(p.startswith("nodes[0].calendar.holidays:") for p in problems)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "the file is empty"),
        (b"nodes: [\n", "not valid YAML/JSON"),
        (b"- just\n- a list\n", "the document must be a mapping"),
        (b"name: caf\xe9\n", "byte 9: is not valid UTF-8"),
    ],
)
def test_unreadable_documents_say_why(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidNetwork) as caught:
        parse_network_text(data, "bad.yaml")
    assert expected in str(caught.value.problems[0])


def test_json_documents_are_accepted(document: dict[str, Any]) -> None:
    import json

    normalised, _ = validate_network_document(document)
    _, network = load_network_file(json.dumps(normalised).encode(), "net.json")
    assert "DC-RENO" in network.nodes


def test_rule_sets_in_the_document_reach_the_network(document: dict[str, Any]) -> None:
    document["rule_sets"] = [
        {
            "id": "amazon-no-stores",
            "version": 3,
            "match": {"channels": ["amazon"]},
            "filters": {"exclude_stores_for_channels": ["amazon"]},
        }
    ]
    normalised, network = validate_network_document(document)
    [rule_set] = network.rule_sets
    assert (rule_set.id, rule_set.version) == ("amazon-no-stores", 3)
    assert validate_network_document(normalised)[1].rule_sets == network.rule_sets


def test_a_bad_rule_set_is_named_by_its_path(document: dict[str, Any]) -> None:
    document["rule_sets"] = [
        {"id": "far", "filters": {"max_distance_miles": -5}},
        {"id": "typo", "match": {"chanels": ["web"]}},
    ]
    problems = problems_of(document)
    assert any(p.startswith("rule_sets[0].filters.max_distance_miles") for p in problems)
    assert any(p.startswith("rule_sets[1].match") for p in problems)


def test_a_node_connector_describes_its_partner(document: dict[str, Any]) -> None:
    document["nodes"][1]["connector"] = {
        "type": "x12",
        "inbox": "var/partners/ohio/in",
        "outbox": "var/partners/ohio/out",
        "partner_id": "OHIO3PL",
        "our_id": "ORDERMESH",
    }
    _, network = validate_network_document(document)
    connector = network.node("DC-OHIO").connector
    assert (connector.type.value, connector.partner_id, connector.element_separator) == (
        "x12",
        "OHIO3PL",
        "*",
    )
    assert network.node("DC-RENO").connector.type.value == "api"


def test_a_connector_missing_what_its_type_needs_is_refused(document: dict[str, Any]) -> None:
    document["nodes"][0]["connector"] = {"type": "csv", "inbox": "in"}
    document["channels"][0]["connector"] = {"type": "webhook", "url": "https://hooks.example"}
    document["nodes"][1]["connector"] = {"type": "shopify", "secret": "s3cr3t-value"}
    problems = problems_of(document)
    assert "nodes[0].connector.outbox: is required for a csv connector" in problems
    assert "channels[0].connector.secret: is required for a webhook connector" in problems
    assert "nodes[1].connector.type: shopify connects channels, not nodes" in problems


def test_a_webhook_url_must_be_http(document: dict[str, Any]) -> None:
    document["channels"][0]["connector"] = {
        "type": "webhook",
        "url": "ftp://x",
        "secret": "12345678",
    }
    assert problems_of(document) == [
        "channels[0].connector.url: must be an http:// or https:// URL, not 'ftp://x'"
    ]


PEAK_RULES = """
timezone: America/Los_Angeles
rule_sets:
  - id: black-friday
    active: {from: 2026-11-27, until: 2026-12-01T06:00:00}
    objective: {split_penalty: 0}
  - id: everyday
"""


def test_a_rule_set_window_is_read_on_the_network_clock_and_survives_normalising() -> None:
    data = SMALL.read_bytes() + PEAK_RULES.encode()
    normalised, network = load_network_file(data, "peak.yaml")
    pacific = ZoneInfo("America/Los_Angeles")
    window = network.rule_sets[0].active
    assert network.timezone == "America/Los_Angeles"
    assert (window.start, window.until) == (
        datetime(2026, 11, 27, tzinfo=pacific),
        datetime(2026, 12, 1, 6, 0, tzinfo=pacific),
    )
    # YAML read the bounds as a date and a date-time; stored, they are ISO text again
    assert normalised["rule_sets"][0]["active"] == {
        "from": "2026-11-27",
        "until": "2026-12-01T06:00:00",
    }
    assert validate_network_document(normalised)[1] == network


def test_a_rule_set_window_ending_before_it_starts_is_refused(document: dict[str, Any]) -> None:
    document["rule_sets"] = [
        {"id": "everyday"},
        {"id": "peak", "active": {"from": "2026-12-01", "until": "2026-11-27", "till": 1}},
    ]
    assert problems_of(document) == [
        "rule_sets[1].active.till: unknown key (expected one of from, until)",
        "rule_sets[1].active.until: must be later than from (until is excluded)",
    ]


def test_an_unknown_network_timezone_is_refused(document: dict[str, Any]) -> None:
    document["timezone"] = "Europe/Atlantis"
    assert problems_of(document) == ["timezone: unknown IANA timezone 'Europe/Atlantis'"]
