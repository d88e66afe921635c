"""What the partner file services need from the outside world: a file transport, a ledger
in the database, file-scoped transactions, and a handler that knows the formats.

The services own the exactly-once protocol (docs/partners.md); the adapters own the
folders, the SQL and the formats.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import TracebackType
from typing import Protocol, Self

from ordermesh.domain.errors import Problem
from ordermesh.domain.model import Connector
from ordermesh.domain.network import Network
from ordermesh.services.ports import Clock, StoredEvent, UnitOfWork


class Role(StrEnum):
    CHANNEL = "channel"
    NODE = "node"


@dataclass(frozen=True, slots=True)
class Partner:
    """A channel or a node with a file connector (csv or x12)."""

    role: Role
    id: str
    connector: Connector

    @property
    def key(self) -> str:
        """How the ledger names the partner: ``channel:b2b``, ``node:3PL-EAST``."""
        return f"{self.role}:{self.id}"


@dataclass(frozen=True, slots=True)
class InboxFile:
    name: str
    location: str  # where the transport found it; opaque to the services
    data: bytes


@dataclass(frozen=True, slots=True)
class OutboundFile:
    """A document to write: ``folder`` is an outbox, ``name`` a plain file name."""

    folder: str
    name: str
    content: str
    kind: str  # e.g. "997", "855", "940", "fulfillment_requests.csv"


class Outcome(StrEnum):
    APPLIED = "applied"  # inbound, applied whole
    REJECTED = "rejected"  # inbound, changed nothing
    DUPLICATE = "duplicate"  # inbound, already applied before: not applied again
    WRITTEN = "written"  # outbound
    SKIPPED = "skipped"  # outbound event that needed no document


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    partner: str
    name: str
    sha256: str
    kind: str
    outcome: Outcome
    detail: str
    at: datetime
    settled_at: datetime | None
    pending_writes: tuple[OutboundFile, ...]


class AckStatus(StrEnum):
    """What a partner's 997 said of one of our X12 documents (AK501, or AK901 without AK2)."""

    ACCEPTED = "accepted"
    ACCEPTED_WITH_ERRORS = "accepted_with_errors"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DocumentEntry:
    """An X12 transaction set written to a partner, and its acknowledgment once read."""

    id: int
    partner: str
    file: str  # the outbound file, "<folder>/<name>" as in the file ledger
    set_id: str  # ST01: 855, 856, 940, 997
    group_control: int  # GS06
    set_control: str  # ST02
    reference: str | None  # the short partner-facing reference it carries, if any
    subject: str | None  # the internal id the reference stands for (order, request)
    written_at: datetime
    ack_status: AckStatus | None = None
    ack_errors: str = ""
    acknowledged_at: datetime | None = None


class AlreadyApplied(Exception):
    """A concurrent worker recorded the same file as applied first."""


class PartnerLedger(Protocol):
    def find_applied(self, partner: str, sha256: str, name: str) -> LedgerEntry | None: ...

    def unsettled(self, partner: str, sha256: str, name: str) -> LedgerEntry | None:
        """An inbound entry whose replies and move may not have happened (a crash)."""
        ...

    def record_inbound(
        self,
        partner: str,
        name: str,
        sha256: str,
        kind: str,
        outcome: Outcome,
        detail: str,
        pending_writes: Sequence[OutboundFile],
        at: datetime,
    ) -> LedgerEntry:
        """``AlreadyApplied`` when ``outcome`` is applied and the key is taken."""
        ...

    def record_outbound(
        self, partner: str, file: OutboundFile, sha256: str, outcome: Outcome, at: datetime
    ) -> None: ...

    def settle(self, entry_id: int, at: datetime) -> None: ...

    def cursor(self, consumer: str, at: datetime) -> int:
        """The last outbox event id the consumer processed (0 at first), its row locked
        until the transaction ends so that two workers do not write the same batch."""
        ...

    def advance(self, consumer: str, event_id: int, at: datetime) -> None: ...

    def next_control_number(self, pair: str, at: datetime) -> int:
        """The next X12 interchange control number (1, 2, ...) for a partner pair."""
        ...

    def entries(self, partner: str | None = None) -> list[LedgerEntry]:
        """Every entry, oldest first (for reports and tests)."""
        ...

    def reference(self, partner: str, kind: str, internal_id: str, at: datetime) -> str:
        """The short reference standing for ``internal_id`` with the partner, made on first
        use: the kind's letter and a base-36 per-partner counter (``R00001``)."""
        ...

    def resolve_reference(self, partner: str, reference: str) -> tuple[str, str] | None:
        """(kind, internal id) of a reference given to the partner, None when unknown."""
        ...

    def record_document(
        self,
        partner: str,
        file: str,
        set_id: str,
        group_control: int,
        set_control: str,
        reference: str | None,
        subject: str | None,
        at: datetime,
    ) -> None: ...

    def acknowledge_document(
        self,
        partner: str,
        group_control: int,
        set_control: str | None,
        status: AckStatus,
        errors: str,
        at: datetime,
    ) -> list[DocumentEntry]:
        """Record a 997's verdict on the documents of a group (one set, or all of them when
        ``set_control`` is None); the documents it names, none when it names none of ours."""
        ...

    def documents(self, partner: str | None = None) -> list[DocumentEntry]:
        """Every X12 document written, oldest first, with its acknowledgment."""
        ...


class FileTransaction(Protocol):
    """One database transaction around a whole file. ``uow`` is a unit of work for the
    services: each of its ``with`` blocks is a savepoint inside this transaction and its
    ``commit`` releases the savepoint, so nothing is durable until ``commit`` here."""

    uow: UnitOfWork
    ledger: PartnerLedger

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class FileTransport(Protocol):
    def inbox(self, folder: str) -> list[InboxFile]:
        """Files waiting in the folder, by name; not its subfolders, hidden or temp files."""
        ...

    def settle(self, file: InboxFile, outcome: Outcome, report: str | None) -> str | None:
        """Move the file to ``processed/`` (applied) or ``rejected/`` beside it, with the
        report as ``<name>.error.txt``; None when the file is gone already."""
        ...

    def write(self, file: OutboundFile) -> str:
        """Write atomically (temp file, fsync, rename); a repeat replaces the file."""
        ...


@dataclass(frozen=True, slots=True)
class Accepted:
    kind: str
    detail: str
    replies: tuple[OutboundFile, ...] = ()


class FileRejected(Exception):
    """The file cannot be applied; ``problems`` name the line or segment and the field.
    ``context`` is whatever the handler needs later to answer (e.g. the parsed envelope)."""

    def __init__(
        self, kind: str, problems: Sequence[Problem], context: object | None = None
    ) -> None:
        self.kind = kind
        self.problems = tuple(problems)
        self.context = context
        super().__init__("; ".join(str(problem) for problem in self.problems))


class PartnerHandler(Protocol):
    """The formats: what a file means to the services, and what an event means to a
    partner."""

    def apply(
        self, tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock
    ) -> Accepted:
        """Apply the file through ``tx.uow``; ``FileRejected`` when it cannot be."""
        ...

    def rejection_replies(
        self,
        tx: FileTransaction,
        partner: Partner,
        file: InboxFile,
        error: FileRejected,
        clock: Clock,
    ) -> list[OutboundFile]:
        """Documents that tell the partner its file was refused (a 997 for X12)."""
        ...

    def render(
        self, tx: FileTransaction, event: StoredEvent, network: Network, clock: Clock
    ) -> list[tuple[Partner, OutboundFile]]:
        """Documents an outbox event calls for; file names derive from the event id."""
        ...


class PartnerPorts(Protocol):
    @property
    def transport(self) -> FileTransport: ...

    @property
    def handler(self) -> PartnerHandler: ...

    def transaction(self) -> FileTransaction: ...


class PartnerApplication(Protocol):
    """What ``poll_inboxes_once`` and ``write_outbound_once`` need of the application."""

    @property
    def uow(self) -> Callable[[], UnitOfWork]: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def partners(self) -> PartnerPorts: ...
