"""Use cases on the network: load a new version, read the current one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh.domain.errors import NetworkNotLoaded
from ordermesh.domain.network import Network
from ordermesh.services.fulfillment import reroute_from_nodes
from ordermesh.services.ports import (
    DEFAULT_ROUTING,
    Clock,
    NetworkVersion,
    Routing,
    UnitOfWork,
)
from ordermesh.services.retry import retrying
from ordermesh.services.routing import Searches


def load_network(
    uow: UnitOfWork,
    document: Mapping[str, Any],
    checksum: str,
    clock: Clock,
    *,
    routing: Routing = DEFAULT_ROUTING,
) -> tuple[int, bool]:
    """Store a validated document as the next version, unless it is the current one.

    Returns (version, created): loading the same document twice creates nothing new, so
    `make run` can load the demo every time.
    """
    searches = Searches(routing)
    return retrying(lambda _lock: _load_network(uow, document, checksum, clock, searches))


def _load_network(
    uow: UnitOfWork,
    document: Mapping[str, Any],
    checksum: str,
    clock: Clock,
    searches: Searches,
) -> tuple[int, bool]:
    with uow:
        current = uow.network.current()
        if current is not None and current.checksum == checksum:
            return current.version, False
        version = uow.network.add(document, checksum, clock.now())
        if current is not None:
            loaded = uow.network.current()
            assert loaded is not None and loaded.version == version
            _reroute_what_the_new_version_closes(
                uow, current.network, loaded.network, clock, searches
            )
        uow.commit()
        return version, True


def _reroute_what_the_new_version_closes(
    uow: UnitOfWork, before: Network, after: Network, clock: Clock, searches: Searches
) -> None:
    """Requests not yet accepted go to other nodes now, in the same transaction as the new
    version: all those at a node it disables or drops, and those at a node whose new
    calendar closes it on the day they were to ship."""
    gone = {node.id for node in before.enabled_nodes()} - {
        node.id for node in after.enabled_nodes()
    }
    if gone:
        reroute_from_nodes(uow, after, gone, "network", clock, searches=searches)
    recalendared = {
        node.id: node.calendar
        for node in after.enabled_nodes()
        if node.id in before.nodes and before.nodes[node.id].calendar != node.calendar
    }
    if recalendared:
        reroute_from_nodes(
            uow,
            after,
            recalendared,
            "network",
            clock,
            searches=searches,
            which=lambda r: not recalendared[r.node_id].is_working_day(r.ship_date),
            reason="node closed on its ship date",
        )


def current_network(uow: UnitOfWork) -> NetworkVersion:
    with uow:
        current = uow.network.current()
    if current is None:
        raise NetworkNotLoaded()
    return current
