"""One database transaction per partner file, and the ledger inside it.

``SqlFileTransaction`` holds one connection and one transaction. The services it hands
``uow`` to open and commit their own units of work as usual; here each of those is a
SAVEPOINT (``commit`` releases it, leaving the block without a commit rolls back to it), so
a file of many orders or shipments is applied by the unchanged services and still commits
whole or not at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from types import TracebackType
from typing import Any, Self

import sqlalchemy as sa

from ordermesh.adapters.db.insert_or_ignore import insert_or_ignore
from ordermesh.adapters.db.partner_tables import (
    partner_cursors,
    partner_files,
    partner_references,
    x12_control_numbers,
    x12_documents,
)
from ordermesh.adapters.db.unit_of_work import bind_repositories, close_transaction, lost_a_race
from ordermesh.domain.errors import ConcurrentUpdate
from ordermesh.services.intake_ports import IntakeExceptionRepository
from ordermesh.services.opportunity_ports import OpportunityRepository
from ordermesh.services.partner_ports import (
    AckStatus,
    AlreadyApplied,
    DocumentEntry,
    LedgerEntry,
    OutboundFile,
    Outcome,
    PartnerLedger,
)
from ordermesh.services.ports import (
    ApiKeyRepository,
    ConsoleSessionRepository,
    EventOutbox,
    InventoryRepository,
    NetworkRepository,
    OrderRepository,
    OrderStatistics,
    ReplayJobRepository,
    ReservationLedger,
    UnitOfWork,
)


class SavepointUnitOfWork:
    """A ``UnitOfWork`` whose every ``with`` block is a savepoint of ``connection``'s
    transaction. Repositories are those of ``SqlUnitOfWork``, on the shared connection."""

    network: NetworkRepository
    inventory: InventoryRepository
    orders: OrderRepository
    reservations: ReservationLedger
    events: EventOutbox
    api_keys: ApiKeyRepository
    console_sessions: ConsoleSessionRepository
    statistics: OrderStatistics
    replays: ReplayJobRepository
    intake_exceptions: IntakeExceptionRepository
    opportunity: OpportunityRepository

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection
        self._savepoint: sa.NestedTransaction | None = None
        bind_repositories(self, connection)

    def __enter__(self) -> Self:
        if self._savepoint is not None:
            raise RuntimeError("this unit of work is already in use")
        self._savepoint = self._connection.begin_nested()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        savepoint, self._savepoint = self._savepoint, None
        if savepoint is not None and savepoint.is_active:
            savepoint.rollback()
        if lost_a_race(exc):
            raise ConcurrentUpdate(str(exc)) from exc

    def commit(self) -> None:
        """Release the savepoint: durable only when the file's transaction commits."""
        if self._savepoint is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        if self._savepoint.is_active:
            self._savepoint.commit()
        # Work after a commit continues in a fresh savepoint, as SqlUnitOfWork begins a
        # fresh transaction.
        self._savepoint = self._connection.begin_nested()

    def rollback(self) -> None:
        if self._savepoint is None:
            raise RuntimeError("use the unit of work inside a `with` block")
        if self._savepoint.is_active:
            self._savepoint.rollback()
        self._savepoint = self._connection.begin_nested()


_DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The letter that starts a reference of each kind, so a reference read back tells its kind.
REFERENCE_PREFIXES = {"request": "R", "order": "O", "shipment": "S"}


def base36(number: int, width: int = 5) -> str:
    """``number`` in base 36 (digits, then A-Z), zero-padded to ``width``."""
    digits = ""
    while number:
        number, digit = divmod(number, 36)
        digits = _DIGITS[digit] + digits
    return digits.rjust(width, "0")


class SqlX12Ledger:
    """Partner references and the X12 documents written, on the file's connection."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def reference(self, partner: str, kind: str, internal_id: str, at: datetime) -> str:
        r = partner_references.c
        found = self._connection.execute(
            sa.select(r.reference).where(
                r.partner == partner, r.kind == kind, r.internal_id == internal_id
            )
        ).scalar_one_or_none()
        if found is not None:
            return str(found)
        number = self._next(f"{partner} references", at)
        reference = REFERENCE_PREFIXES[kind] + base36(number)
        self._connection.execute(
            partner_references.insert().values(
                partner=partner, reference=reference, kind=kind, internal_id=internal_id, at=at
            )
        )
        return reference

    def _next(self, counter: str, at: datetime) -> int:
        insert_or_ignore(
            self._connection,
            x12_control_numbers,
            {"partner": counter, "last": 0, "updated_at": at},
            keys=("partner",),
        )
        number = self._connection.execute(
            x12_control_numbers.update()
            .where(x12_control_numbers.c.partner == counter)
            .values(last=x12_control_numbers.c.last + 1, updated_at=at)
            .returning(x12_control_numbers.c.last)
        ).scalar_one()
        return int(number)

    def resolve_reference(self, partner: str, reference: str) -> tuple[str, str] | None:
        r = partner_references.c
        row = self._connection.execute(
            sa.select(r.kind, r.internal_id).where(
                r.partner == partner, r.reference == reference.strip().upper()
            )
        ).first()
        return None if row is None else (str(row.kind), str(row.internal_id))

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
    ) -> None:
        self._connection.execute(
            x12_documents.insert().values(
                partner=partner,
                file=file,
                set_id=set_id,
                group_control=group_control,
                set_control=set_control,
                reference=reference,
                subject=subject,
                written_at=at,
                ack_status=None,
                ack_errors="",
                acknowledged_at=None,
            )
        )

    def acknowledge_document(
        self,
        partner: str,
        group_control: int,
        set_control: str | None,
        status: AckStatus,
        errors: str,
        at: datetime,
    ) -> list[DocumentEntry]:
        d = x12_documents.c
        query = sa.select(x12_documents).where(
            d.partner == partner, d.group_control == group_control, d.set_id != "997"
        )
        if set_control is not None:
            query = query.where(d.set_control == set_control)
        rows = list(self._connection.execute(query.order_by(d.id.desc())))
        if rows and set_control is not None:
            rows = rows[:1]  # control numbers wrap: the latest document holding them
        ids = [row.id for row in rows]
        if ids:
            self._connection.execute(
                x12_documents.update()
                .where(d.id.in_(ids))
                .values(ack_status=str(status), ack_errors=errors, acknowledged_at=at)
            )
        return [
            replace(self._document(row), ack_status=status, ack_errors=errors, acknowledged_at=at)
            for row in reversed(rows)
        ]

    def documents(self, partner: str | None = None) -> list[DocumentEntry]:
        query = sa.select(x12_documents).order_by(x12_documents.c.id)
        if partner is not None:
            query = query.where(x12_documents.c.partner == partner)
        return [self._document(row) for row in self._connection.execute(query)]

    def _document(self, row: sa.Row[Any]) -> DocumentEntry:
        return DocumentEntry(
            id=row.id,
            partner=row.partner,
            file=row.file,
            set_id=row.set_id,
            group_control=row.group_control,
            set_control=row.set_control,
            reference=row.reference,
            subject=row.subject,
            written_at=row.written_at,
            ack_status=None if row.ack_status is None else AckStatus(row.ack_status),
            ack_errors=row.ack_errors,
            acknowledged_at=row.acknowledged_at,
        )


class SqlPartnerLedger(SqlX12Ledger):
    def _entry(self, row: sa.Row[Any]) -> LedgerEntry:
        return LedgerEntry(
            id=row.id,
            partner=row.partner,
            name=row.name,
            sha256=row.sha256,
            kind=row.kind,
            outcome=Outcome(row.outcome),
            detail=row.detail,
            at=row.at,
            settled_at=row.settled_at,
            pending_writes=tuple(OutboundFile(**item) for item in row.pending_writes),
        )

    def _inbound(self, partner: str, sha256: str, name: str) -> sa.Select[Any]:
        f = partner_files.c
        return (
            sa.select(partner_files)
            .where(f.direction == "in", f.partner == partner, f.sha256 == sha256, f.name == name)
            .order_by(f.id)
        )

    def find_applied(self, partner: str, sha256: str, name: str) -> LedgerEntry | None:
        row = self._connection.execute(
            self._inbound(partner, sha256, name).where(
                partner_files.c.outcome == str(Outcome.APPLIED)
            )
        ).first()
        return None if row is None else self._entry(row)

    def unsettled(self, partner: str, sha256: str, name: str) -> LedgerEntry | None:
        row = self._connection.execute(
            self._inbound(partner, sha256, name).where(partner_files.c.settled_at.is_(None))
        ).first()
        return None if row is None else self._entry(row)

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
        writes = [
            {"folder": w.folder, "name": w.name, "content": w.content, "kind": w.kind}
            for w in pending_writes
        ]
        applied_key = json.dumps([partner, sha256, name]) if outcome is Outcome.APPLIED else None
        savepoint = self._connection.begin_nested()
        try:
            entry_id = self._connection.execute(
                partner_files.insert()
                .values(
                    partner=partner,
                    direction="in",
                    name=name,
                    sha256=sha256,
                    kind=kind,
                    outcome=str(outcome),
                    detail=detail,
                    applied_key=applied_key,
                    pending_writes=writes,
                    at=at,
                    settled_at=None,
                )
                .returning(partner_files.c.id)
            ).scalar_one()
        except sa.exc.IntegrityError as error:
            savepoint.rollback()
            raise AlreadyApplied(name) from error
        savepoint.commit()
        return LedgerEntry(
            id=entry_id,
            partner=partner,
            name=name,
            sha256=sha256,
            kind=kind,
            outcome=outcome,
            detail=detail,
            at=at,
            settled_at=None,
            pending_writes=tuple(pending_writes),
        )

    def record_outbound(
        self, partner: str, file: OutboundFile, sha256: str, outcome: Outcome, at: datetime
    ) -> None:
        self._connection.execute(
            partner_files.insert().values(
                partner=partner,
                direction="out",
                name=f"{file.folder}/{file.name}",
                sha256=sha256,
                kind=file.kind,
                outcome=str(outcome),
                detail="",
                applied_key=None,
                pending_writes=[],
                at=at,
                settled_at=at,
            )
        )

    def settle(self, entry_id: int, at: datetime) -> None:
        self._connection.execute(
            partner_files.update()
            .where(partner_files.c.id == entry_id, partner_files.c.settled_at.is_(None))
            .values(settled_at=at)
        )

    def cursor(self, consumer: str, at: datetime) -> int:
        insert_or_ignore(
            self._connection,
            partner_cursors,
            {"consumer": consumer, "event_id": 0, "updated_at": at},
            keys=("consumer",),
        )
        query = (
            sa.select(partner_cursors.c.event_id)
            .where(partner_cursors.c.consumer == consumer)
            .with_for_update()
        )
        return int(self._connection.execute(query).scalar_one())

    def advance(self, consumer: str, event_id: int, at: datetime) -> None:
        self._connection.execute(
            partner_cursors.update()
            .where(partner_cursors.c.consumer == consumer)
            .values(event_id=event_id, updated_at=at)
        )

    def next_control_number(self, pair: str, at: datetime) -> int:
        number = self._next(pair, at)
        # ISA13 has nine digits: wrap around after 999,999,999 as trading partners expect.
        return (int(number) - 1) % 999_999_999 + 1

    def entries(self, partner: str | None = None) -> list[LedgerEntry]:
        query = sa.select(partner_files).order_by(partner_files.c.id)
        if partner is not None:
            query = query.where(partner_files.c.partner == partner)
        return [self._entry(row) for row in self._connection.execute(query)]


class SqlFileTransaction:
    """``with SqlFileTransaction(engine) as tx: ...; tx.commit()``; leaving the block rolls
    back whatever was not committed."""

    # Declared as the ports, as in SqlUnitOfWork: a Protocol's attributes are invariant.
    uow: UnitOfWork
    ledger: PartnerLedger

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine
        self._connection: sa.Connection | None = None

    def __enter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this transaction is already in use")
        self._connection = self._engine.connect()
        self.uow = SavepointUnitOfWork(self._connection)
        self.ledger = SqlPartnerLedger(self._connection)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            close_transaction(connection, exc)

    def commit(self) -> None:
        if self._connection is None:
            raise RuntimeError("use the transaction inside a `with` block")
        self._connection.commit()
