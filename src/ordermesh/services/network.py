"""Use cases on the network: load a new version, read the current one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ordermesh.domain.errors import NetworkNotLoaded
from ordermesh.services.ports import Clock, NetworkVersion, UnitOfWork


def load_network(
    uow: UnitOfWork, document: Mapping[str, Any], checksum: str, clock: Clock
) -> tuple[int, bool]:
    """Store a validated document as the next version, unless it is the current one.

    Returns (version, created): loading the same document twice creates nothing new, so
    `make run` can load the demo every time.
    """
    with uow:
        current = uow.network.current()
        if current is not None and current.checksum == checksum:
            return current.version, False
        version = uow.network.add(document, checksum, clock.now())
        uow.commit()
        return version, True


def current_network(uow: UnitOfWork) -> NetworkVersion:
    with uow:
        current = uow.network.current()
    if current is None:
        raise NetworkNotLoaded()
    return current
