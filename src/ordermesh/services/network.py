"""Use cases on the network: load a new version, read the current one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh.domain.errors import NetworkNotLoaded
from ordermesh.services.allocation import retrying
from ordermesh.services.fulfillment import reroute_from_nodes
from ordermesh.services.ports import Clock, NetworkVersion, UnitOfWork


def load_network(
    uow: UnitOfWork, document: Mapping[str, Any], checksum: str, clock: Clock
) -> tuple[int, bool]:
    """Store a validated document as the next version, unless it is the current one.

    Returns (version, created): loading the same document twice creates nothing new, so
    `make run` can load the demo every time.
    """
    return retrying(lambda _lock: _load_network(uow, document, checksum, clock))


def _load_network(
    uow: UnitOfWork, document: Mapping[str, Any], checksum: str, clock: Clock
) -> tuple[int, bool]:
    with uow:
        current = uow.network.current()
        if current is not None and current.checksum == checksum:
            return current.version, False
        version = uow.network.add(document, checksum, clock.now())
        if current is not None:
            # Requests not yet accepted at a node this version disables (or drops) go to
            # other nodes now, in the same transaction as the new version.
            loaded = uow.network.current()
            assert loaded is not None and loaded.version == version
            gone = {node.id for node in current.network.enabled_nodes()} - {
                node.id for node in loaded.network.enabled_nodes()
            }
            if gone:
                reroute_from_nodes(uow, loaded.network, gone, "network", clock)
        uow.commit()
        return version, True


def current_network(uow: UnitOfWork) -> NetworkVersion:
    with uow:
        current = uow.network.current()
    if current is None:
        raise NetworkNotLoaded()
    return current
