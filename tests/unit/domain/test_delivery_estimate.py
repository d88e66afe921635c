from __future__ import annotations

from datetime import UTC, date, datetime

from ordermesh.domain.delivery_estimate import delivery_estimates
from ordermesh.domain.model import (
    Calendar,
    Channel,
    Location,
    Node,
    NodeType,
    Rate,
    ServiceLevel,
    ShippingService,
    Sku,
    Zone,
)
from ordermesh.domain.network import Network

MANHATTAN = Location(40.7128, -74.0060)
NEWARK = Location(40.7357, -74.1724)
RENO = Location(39.5296, -119.8138)
WEEKDAYS = Calendar(closed_weekdays=frozenset({5, 6}))
GROUND = ShippingService(
    "ground", transit_days={2: 1, 8: 5}, rates={2: Rate(9.5, 0.5), 8: Rate(13.9, 1.85)}
)
TWO_DAY = ShippingService(
    "two_day", transit_days={2: 2, 8: 2}, rates={2: Rate(19, 1.1), 8: Rate(31, 3.7)}
)
# Wednesday 10 June 2026, 11:00 in New York: before every cutoff.
WEDNESDAY = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)


def network(*nodes: Node) -> Network:
    return Network(
        nodes={n.id: n for n in nodes},
        skus={"MUG": Sku("MUG", 1.0, (5, 5, 4), 4, 16)},
        bundles={},
        channels={"web": Channel("web", "standard")},
        zones=(Zone(2, 150), Zone(8, None)),
        services={"ground": GROUND, "two_day": TWO_DAY},
        service_levels={
            "standard": ServiceLevel("standard", 5),
            "expedited": ServiceLevel("expedited", 2),
        },
    )


def node(node_id: str, at: Location, **fields: object) -> Node:
    return Node(node_id, node_id, NodeType.WAREHOUSE, at, calendar=WEEKDAYS, **fields)  # type: ignore[arg-type]


def test_the_nearest_node_with_stock_arrives_first() -> None:
    net = network(node("NEWARK", NEWARK), node("RENO", RENO, timezone="America/Los_Angeles"))
    estimates = delivery_estimates(net, "MUG", {"NEWARK": 3, "RENO": 9}, MANHATTAN, None, WEDNESDAY)
    assert [(e.node_id, e.service_id, e.promised_date) for e in estimates] == [
        ("NEWARK", "ground", date(2026, 6, 11)),  # ships today, one day of ground
        ("RENO", "ground", date(2026, 6, 17)),  # five carrier days, over the weekend
    ]


def test_a_faster_level_buys_a_faster_service_from_far_away() -> None:
    net = network(node("RENO", RENO, timezone="America/Los_Angeles"))
    [estimate] = delivery_estimates(net, "MUG", {"RENO": 1}, MANHATTAN, "expedited", WEDNESDAY)
    assert (estimate.service_id, estimate.promised_date) == ("two_day", date(2026, 6, 12))


def test_nodes_without_stock_disabled_or_not_shipping_are_left_out() -> None:
    net = network(
        node("EMPTY", NEWARK),
        node("OFF", NEWARK, enabled=False),
        node("PICKUP-ONLY", NEWARK, capabilities=frozenset()),
        node("OK", NEWARK),
    )
    stock = {"EMPTY": 0, "OFF": 5, "PICKUP-ONLY": 5, "OK": 1}
    assert [
        e.node_id for e in delivery_estimates(net, "MUG", stock, MANHATTAN, None, WEDNESDAY)
    ] == ["OK"]
