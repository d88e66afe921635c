"""Partner file transport: inbox and outbox folders, the file ledger, the CSV and X12
mappings (docs/partners.md). ``partner_ports(engine)`` builds what
``ordermesh.services.partner_files`` needs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from ordermesh.adapters.partners.files import FileSystemTransport
from ordermesh.adapters.partners.handler import FileHandler
from ordermesh.adapters.partners.transaction import SqlFileTransaction
from ordermesh.services.partner_ports import PartnerPorts
from ordermesh.services.ports import DEFAULT_ROUTING, Routing

__all__ = ["SqlPartnerPorts", "partner_ports"]


@dataclass(frozen=True, slots=True)
class SqlPartnerPorts:
    engine: sa.Engine
    transport: FileSystemTransport
    handler: FileHandler

    def transaction(self) -> SqlFileTransaction:
        return SqlFileTransaction(self.engine)


def partner_ports(
    engine: sa.Engine, base: Path | None = None, *, routing: Routing = DEFAULT_ROUTING
) -> SqlPartnerPorts:
    """The partner ports over ``engine``; relative folders are relative to ``base`` (the
    working directory when None). ``routing`` routes the orders the files place and the
    units they send elsewhere."""
    return SqlPartnerPorts(engine, FileSystemTransport(base), FileHandler(routing))


def _conforms(ports: SqlPartnerPorts) -> PartnerPorts:
    return ports  # mypy checks here that the adapter is what the services need
