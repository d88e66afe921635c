"""Small networks and orders for routing tests, built from the domain dataclasses.

Places are real US cities, so distances, zones and transit days come out as a shipper
would expect: a customer in Manhattan is zone 2 from Newark and Philadelphia and zone 8
from Reno.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from ordermesh.domain.model import (
    Bundle,
    BundleComponent,
    Calendar,
    Channel,
    ChannelBuffer,
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
from ordermesh.domain.order import Order, OrderLine, ShipTo
from ordermesh.domain.promise import DEFAULT_CARRIER_CALENDAR
from ordermesh.domain.routing.context import RoutingContext
from ordermesh.domain.routing.demand import expand_order
from ordermesh.domain.routing.rules import DEFAULT_RULE_SET, RuleSet

MANHATTAN = Location(40.7128, -74.0060, "10007", "US", "NY")
NEWARK = Location(40.7357, -74.1724, "07102", "US", "NJ")
PHILADELPHIA = Location(39.9526, -75.1652, "19107", "US", "PA")
BOSTON = Location(42.3601, -71.0589, "02108", "US", "MA")
COLUMBUS = Location(39.9612, -82.9988, "43215", "US", "OH")
CHICAGO = Location(41.8781, -87.6298, "60602", "US", "IL")
ATLANTA = Location(33.7490, -84.3880, "30303", "US", "GA")
DALLAS = Location(32.7767, -96.7970, "75201", "US", "TX")
RENO = Location(39.5296, -119.8138, "89501", "US", "NV")
LOS_ANGELES = Location(34.0522, -118.2437, "90012", "US", "CA")

# Wednesday 10 June 2026, 15:00 UTC: 11:00 in New York, 08:00 in Los Angeles, before
# every cutoff.
WEDNESDAY_MORNING = datetime(2026, 6, 10, 15, 0, tzinfo=UTC)
# Friday 12 June 2026, 23:30 UTC: 19:30 in New York, past every 14:00 cutoff, so nodes
# ship on Monday.
FRIDAY_EVENING = datetime(2026, 6, 12, 23, 30, tzinfo=UTC)

ZONES = (
    Zone(2, 150),
    Zone(3, 300),
    Zone(4, 600),
    Zone(5, 1000),
    Zone(6, 1400),
    Zone(7, 1800),
    Zone(8, None),
)

GROUND = ShippingService(
    id="ground",
    transit_days={2: 1, 3: 2, 4: 3, 5: 3, 6: 4, 7: 5, 8: 5},
    rates={
        2: Rate(9.50, 0.55),
        3: Rate(10.10, 0.70),
        4: Rate(10.80, 0.95),
        5: Rate(11.50, 1.20),
        6: Rate(12.30, 1.45),
        7: Rate(13.00, 1.65),
        8: Rate(13.90, 1.85),
    },
    carrier="UPS",
)
TWO_DAY = ShippingService(
    id="two_day",
    transit_days={zone.zone: 2 for zone in ZONES},
    rates={
        2: Rate(19.00, 1.10),
        3: Rate(20.50, 1.40),
        4: Rate(22.00, 1.90),
        5: Rate(24.00, 2.40),
        6: Rate(26.50, 2.90),
        7: Rate(28.50, 3.30),
        8: Rate(31.00, 3.70),
    },
    carrier="UPS",
)

STANDARD = ServiceLevel("standard", 5)
EXPEDITED = ServiceLevel("expedited", 2)


WEEKDAYS = Calendar(closed_weekdays=frozenset({5, 6}))


def node(
    node_id: str, at: Location, node_type: NodeType = NodeType.WAREHOUSE, **fields: object
) -> Node:
    """A node open Monday to Friday, shipping until 14:00 New York time."""
    fields.setdefault("calendar", WEEKDAYS)
    return Node(id=node_id, name=node_id, type=node_type, location=at, **fields)  # type: ignore[arg-type]


def sku(
    sku_id: str,
    weight_lb: float = 1.0,
    dims_in: tuple[float, float, float] = (5.0, 5.0, 4.0),  # 100 cubic inches: under 1 lb
    unit_cost: float = 5.0,
    price: float = 20.0,
    **fields: object,
) -> Sku:
    return Sku(
        id=sku_id,
        weight_lb=weight_lb,
        dims_in=dims_in,
        unit_cost=unit_cost,
        price=price,
        **fields,  # type: ignore[arg-type]
    )


def bundle(bundle_id: str, *components: tuple[str, int], price: float | None = None) -> Bundle:
    return Bundle(
        id=bundle_id,
        components=tuple(BundleComponent(item, quantity) for item, quantity in components),
        price=price,
    )


def network(
    nodes: Iterable[Node],
    skus: Iterable[Sku],
    bundles: Iterable[Bundle] = (),
    services: Iterable[ShippingService] = (GROUND,),
    channels: Iterable[Channel] = (),
) -> Network:
    declared = {channel.id: channel for channel in channels}
    declared.setdefault("web", Channel("web", "standard"))
    return Network(
        nodes={n.id: n for n in nodes},
        skus={s.id: s for s in skus},
        bundles={b.id: b for b in bundles},
        channels=declared,
        zones=ZONES,
        services={s.id: s for s in services},
        service_levels={level.id: level for level in (STANDARD, EXPEDITED)},
    )


def channel(channel_id: str, store_buffer: int = 0, default_buffer: int = 0) -> Channel:
    buffer = ChannelBuffer(default=default_buffer, node_types={NodeType.STORE: store_buffer})
    return Channel(channel_id, "standard", buffer)


def line(
    item: str, quantity: int = 1, line_id: str | None = None, unit_price: float | None = None
) -> OrderLine:
    return OrderLine(line_id or f"L-{item}", item, quantity, unit_price)


def order(
    *lines: OrderLine,
    to: Location = MANHATTAN,
    channel: str = "web",
    service_level: str = "standard",
    placed_at: datetime = WEDNESDAY_MORNING,
    order_id: str = "O-1",
    tags: Iterable[str] = (),
    customer_tier: str | None = None,
    pickup_node: str | None = None,
) -> Order:
    return Order(
        id=order_id,
        channel=channel,
        customer_tier=customer_tier,
        ship_to=ShipTo(to, pickup_node),
        service_level=service_level,
        lines=tuple(lines),
        tags=frozenset(tags),
        placed_at=placed_at,
    )


def stock(**by_node: Mapping[str, int]) -> dict[tuple[str, str], int]:
    """``stock(DC={"MUG": 3})`` -> {("DC", "MUG"): 3}; node ids with dashes use **{...}."""
    return {
        (node_id, sku_id): units
        for node_id, units_by_sku in by_node.items()
        for sku_id, units in units_by_sku.items()
    }


def context_for(
    the_order: Order,
    net: Network,
    stock_at: Mapping[tuple[str, str], int] | None = None,
    capacity_used: Mapping[str, int] | None = None,
    rule_set: RuleSet = DEFAULT_RULE_SET,
) -> RoutingContext:
    """What filters and constraints read about an order, as ``route`` builds it."""
    return RoutingContext.build(
        order=the_order,
        network=net,
        rule_set=rule_set,
        placed_at=the_order.placed_at,
        demands=expand_order(the_order, net, rule_set.constraints.keep_bundles_together),
        stock=stock_at or {},
        capacity_used=capacity_used or {},
        carrier_calendar=DEFAULT_CARRIER_CALENDAR,
    )


# The shipper's small catalogue and three warehouses most search tests use: Newark and
# Philadelphia are zone 2 from Manhattan, Reno zone 8.
KETTLE = sku("KETTLE", weight_lb=4.0)
TOASTER = sku("TOASTER", weight_lb=4.0)
MUG = sku("MUG", weight_lb=1.0)
RENO_DC = node("RENO", RENO)
NEWARK_DC = node("NEWARK", NEWARK)
PHILLY_DC = node("PHILLY", PHILADELPHIA)
