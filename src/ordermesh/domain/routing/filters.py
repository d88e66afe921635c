"""Node filters: each decides on its own whether a node may fulfil the order at all.

A filter is one small function ``(node, context) -> str | None``: None keeps the node, a
string removes it and says why, in words an operator can act on. ``FILTERS`` runs them in
order and the first that removes a node is the one the explanation names, so the cheap,
fundamental checks come first. A filter whose rule set setting is off keeps every node.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ordermesh.domain.model import Capability, Node, NodeType
from ordermesh.domain.promise import local_time
from ordermesh.domain.routing.context import RoutingContext

NodeFilter = Callable[[Node, RoutingContext], str | None]

_WEEKDAYS = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays", "Sundays")


def enabled(node: Node, context: RoutingContext) -> str | None:
    return None if node.enabled else "disabled"


def capability(node: Node, context: RoutingContext) -> str | None:
    """Ship-to orders need a node that ships; pickup orders need the named pickup node."""
    pickup = context.order.ship_to.pickup_node
    if pickup is None:
        return None if node.can(Capability.SHIP) else "does not ship parcels"
    if node.id != pickup:
        return f"the customer collects at {pickup}"
    return None if node.can(Capability.PICKUP) else "does not offer pickup"


def node_type(node: Node, context: RoutingContext) -> str | None:
    settings = context.settings
    if settings.node_types_in and node.type not in settings.node_types_in:
        allowed = ", ".join(sorted(settings.node_types_in))
        return f"node type {node.type} is not one of {allowed}"
    if node.type in settings.node_types_out:
        return f"node type {node.type} is excluded"
    return None


def country(node: Node, context: RoutingContext) -> str | None:
    settings = context.settings
    code = (node.location.country or "").upper()
    if settings.countries_in and code not in settings.countries_in:
        allowed = ", ".join(sorted(settings.countries_in))
        return f"country {code or 'unknown'} is not one of {allowed}"
    if code and code in settings.countries_out:
        return f"country {code} is excluded"
    return None


def state(node: Node, context: RoutingContext) -> str | None:
    settings = context.settings
    code = (node.location.state or "").upper()
    if settings.states_in and code not in settings.states_in:
        allowed = ", ".join(sorted(settings.states_in))
        return f"state {code or 'unknown'} is not one of {allowed}"
    if code and code in settings.states_out:
        return f"state {code} is excluded"
    return None


def exclude_stores_for_channel(node: Node, context: RoutingContext) -> str | None:
    channels = context.settings.exclude_stores_for_channels
    if node.type is NodeType.STORE and context.order.channel in channels:
        return f"stores do not fulfil {context.order.channel} orders"
    return None


def max_distance(node: Node, context: RoutingContext) -> str | None:
    limit = context.settings.max_distance_miles
    miles = context.distances[node.id]
    if limit is not None and miles > limit:
        return f"{miles:.0f} miles away, more than {limit:g}"
    return None


def open_today(node: Node, context: RoutingContext) -> str | None:
    """Opt-in: without it a closed node still routes and ships on its next working day."""
    if not context.settings.open_today:
        return None
    day = local_time(node, context.placed_at).date()
    calendar = node.calendar
    if day in calendar.blackout_dates:
        return f"blackout date {day.isoformat()}"
    if day in calendar.holidays:
        return f"holiday {day.isoformat()}"
    if day.weekday() in calendar.closed_weekdays:
        return f"closed on {_WEEKDAYS[day.weekday()]}"
    return None


def capacity(node: Node, context: RoutingContext) -> str | None:
    remaining = context.remaining_capacity(node)
    if remaining is not None and remaining <= 0:
        return (
            f"daily capacity used: {node.shipments_per_day} of {node.shipments_per_day} shipments"
        )
    return None


def hazmat(node: Node, context: RoutingContext) -> str | None:
    """A node that may not ship hazmat stays a candidate for the order's other lines."""
    if node.hazmat_capable or not context.hazmat_skus:
        return None
    for demand in context.demands:
        if all(sku.id not in context.hazmat_skus for sku, _ in demand.kit) and (
            context.units_possible(node, demand) > 0
        ):
            return None
    listed = ", ".join(sorted(context.hazmat_skus))
    return f"not hazmat capable ({listed}) and holds none of the order's other lines"


def stock(node: Node, context: RoutingContext) -> str | None:
    """Keeps a node that could ship at least one unit of at least one line."""
    if any(context.units_possible(node, demand) > 0 for demand in context.demands):
        return None
    channel_ = context.channel
    withheld = channel_ is not None and any(
        channel_.buffer.units(node.type, sku.id) > 0
        for demand in context.demands
        for sku, _ in demand.kit
    )
    buffer = f" and the {context.order.channel} channel buffer" if withheld else ""
    threshold = context.settings.min_ats
    floor = f", at least {threshold} per SKU" if threshold > 1 else ""
    return f"no line available to sell after safety stock{buffer}{floor}"


FILTERS: Mapping[str, NodeFilter] = {
    "enabled": enabled,
    "capability": capability,
    "node_types": node_type,
    "countries": country,
    "states": state,
    "exclude_stores_for_channels": exclude_stores_for_channel,
    "max_distance_miles": max_distance,
    "open_today": open_today,
    "capacity": capacity,
    "hazmat": hazmat,
    "stock": stock,
}


@dataclass(frozen=True, slots=True)
class Screening:
    """The verdict on one node: kept (``removed_by`` None) or removed, and why."""

    node_id: str
    removed_by: str | None = None
    reason: str | None = None

    @property
    def kept(self) -> bool:
        return self.removed_by is None


def active_filters(context: RoutingContext) -> tuple[tuple[str, NodeFilter], ...]:
    """The filters that may remove a node under this decision's rule set, in order: one
    whose setting is off keeps every node, so screening many nodes can skip it."""
    settings = context.settings
    off = set()
    if not settings.node_types_in and not settings.node_types_out:
        off.add("node_types")
    if not settings.countries_in and not settings.countries_out:
        off.add("countries")
    if not settings.states_in and not settings.states_out:
        off.add("states")
    if not settings.exclude_stores_for_channels:
        off.add("exclude_stores_for_channels")
    if settings.max_distance_miles is None:
        off.add("max_distance_miles")
    if not settings.open_today:
        off.add("open_today")
    if not context.hazmat_skus:
        off.add("hazmat")
    return tuple((name, check) for name, check in FILTERS.items() if name not in off)


def screen(
    node: Node,
    context: RoutingContext,
    filters: tuple[tuple[str, NodeFilter], ...] | None = None,
) -> Screening:
    for name, node_filter in filters if filters is not None else FILTERS.items():
        reason = node_filter(node, context)
        if reason is not None:
            return Screening(node.id, name, reason)
    return Screening(node.id)
