from __future__ import annotations

from ordermesh.domain.model import Capability, Channel, Location, Node, NodeType, Zone
from ordermesh.domain.network import Network
from ordermesh.domain.served_area import destination_problems, served_countries

RENO = Location(39.5296, -119.8138, "89501", "US")
NEWARK = Location(40.7357, -74.1724, "07102", "US")
TORONTO_STORE = Location(43.6532, -79.3832, None, "CA")
HONOLULU = Location(21.3069, -157.8583, None, "US")
ANCHORAGE = Location(61.2181, -149.9003, None, "US")
SOUTH_POLE = Location(-90.0, 0.0, None, "US")
PARIS = Location(48.8566, 2.3522)


def network(*nodes: Node) -> Network:
    return Network(
        nodes={n.id: n for n in nodes},
        skus={},
        bundles={},
        channels={"web": Channel("web", "standard")},
        zones=(Zone(2, 150), Zone(8, None)),
        services={},
        service_levels={},
    )


def node(node_id: str, at: Location, **fields: object) -> Node:
    return Node(node_id, node_id, NodeType.WAREHOUSE, at, **fields)  # type: ignore[arg-type]


US = network(node("DC-RENO", RENO), node("DC-NEWARK", NEWARK))


def wheres(destination: Location, served: Network = US) -> list[str]:
    return [problem.where for problem in destination_problems(destination, served)]


def test_the_south_pole_is_in_no_zone_although_the_last_band_is_open_ended() -> None:
    assert wheres(SOUTH_POLE) == ["ship_to.lat"]
    assert "DC-RENO" in destination_problems(SOUTH_POLE, US)[0].message


def test_hawaii_and_alaska_are_within_reach_of_a_western_node() -> None:
    assert wheres(HONOLULU) == []
    assert wheres(ANCHORAGE) == []


def test_hawaii_is_out_of_reach_of_a_network_on_the_east_coast_only() -> None:
    assert wheres(HONOLULU, network(node("DC-NEWARK", NEWARK))) == ["ship_to.lat"]


def test_a_country_no_shipping_node_is_in_is_not_served() -> None:
    toronto = Location(43.6532, -79.3832, "M5H", "CA")
    assert wheres(toronto) == ["ship_to.country"]


def test_country_codes_compare_without_case() -> None:
    assert wheres(Location(40.7128, -74.0060, "10007", "us")) == []


def test_a_store_that_only_offers_pickup_serves_no_country() -> None:
    pickup_only = node("STORE-TORONTO", TORONTO_STORE, capabilities=frozenset({Capability.PICKUP}))
    served = network(node("DC-NEWARK", NEWARK), pickup_only)
    assert served_countries(served) == frozenset({"US"})
    assert wheres(Location(43.7, -79.4, None, "CA"), served) == ["ship_to.country"]


def test_a_disabled_node_still_counts_for_the_served_area() -> None:
    served = network(node("DC-NEWARK", NEWARK), node("DC-RENO", RENO, enabled=False))
    assert wheres(HONOLULU, served) == []


def test_a_point_without_a_country_is_judged_by_its_distance_alone() -> None:
    assert wheres(PARIS) == ["ship_to.lat"]
    assert wheres(Location(41.88, -87.63)) == []


def test_a_network_whose_nodes_name_no_country_has_no_country_rule() -> None:
    served = network(node("DC-NEWARK", Location(40.7357, -74.1724)))
    assert wheres(Location(40.7128, -74.0060, None, "CA"), served) == []
