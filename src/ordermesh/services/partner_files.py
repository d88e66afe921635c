"""Partner files in and out, exactly once (docs/partners.md).

``poll_inboxes_once`` applies each file in the inbox of every channel and node with a csv or
x12 connector: in one transaction per file, so a file is applied whole or not at all; a file
already applied (same partner, content hash and name) is recorded and refused, not applied
again. The ledger entry records the replies to write and where the file goes; they are
written and the file moved after the commit, and an entry left unsettled by a crash is
finished by the next poll.

``write_outbound_once`` turns outbox events into partner documents (fulfillment requests,
940s, 856s) after this consumer's cursor, and advances the cursor in the transaction that
records what was written. Writing happens before that commit, so a crash writes the same
documents again, under the same names: at least once, idempotently.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from ordermesh.domain.errors import ConcurrentUpdate, Problem
from ordermesh.domain.model import ConnectorType
from ordermesh.domain.network import Network
from ordermesh.services.network import current_network
from ordermesh.services.orders import MAX_EVENTS_PAGE, list_events
from ordermesh.services.partner_ports import (
    AlreadyApplied,
    DocumentEntry,
    FileRejected,
    InboxFile,
    LedgerEntry,
    Outcome,
    Partner,
    PartnerApplication,
    PartnerPorts,
    Role,
)

__all__ = [
    "CONSUMER",
    "AppliedBefore",
    "ApplyFailed",
    "file_partners",
    "partner_documents",
    "poll_inboxes_once",
    "write_outbound_once",
]

log = logging.getLogger(__name__)

CONSUMER = "partner-files"
"""The outbound cursor's name in ``partner_cursors``."""

_FILE_CONNECTORS = frozenset({ConnectorType.CSV, ConnectorType.X12})


@dataclass(frozen=True, slots=True)
class AppliedBefore:
    """The ``FileRejected.context`` handed to ``rejection_replies`` for a file applied
    before: the handler answers a duplicate as its format expects (X12: a TA1 noting the
    duplicate interchange; the 997 sent for the first copy stands)."""

    earlier: LedgerEntry


@dataclass(frozen=True, slots=True)
class ApplyFailed:
    """The ``FileRejected.context`` of a file whose application raised something other
    than a refusal (a bug, a value no reply can carry): the file is rejected all the same,
    and the handler answers it as a refusal of the whole file (X12: a 997 rejecting every
    group, or a TA1 when no 997 can be written)."""

    error_type: str
    message: str


def file_partners(network: Network) -> Iterator[Partner]:
    """Channels, then nodes, with a csv or x12 connector, in id order."""
    for channel_id in sorted(network.channels):
        connector = network.channels[channel_id].connector
        if connector.type in _FILE_CONNECTORS:
            yield Partner(Role.CHANNEL, channel_id, connector)
    for node_id in sorted(network.nodes):
        connector = network.nodes[node_id].connector
        if connector.type in _FILE_CONNECTORS:
            yield Partner(Role.NODE, node_id, connector)


def poll_inboxes_once(application: PartnerApplication) -> int:
    """Process every file waiting in a partner inbox; returns the files settled (applied,
    rejected or refused as duplicates)."""
    network = current_network(application.uow()).network
    settled = 0
    for partner in file_partners(network):
        if partner.connector.inbox is None:
            continue
        try:
            files = application.partners.transport.inbox(partner.connector.inbox)
        except Exception:
            log.exception("could not read the inbox of %s; next poll", partner.key)
            continue
        for file in files:
            try:
                settled += _process(application, partner, file)
            except Exception:
                # Not even the rejection could be recorded (the database or the folder
                # failed): the file stays where it is for the next poll, and the other
                # files and partners go on.
                log.exception(
                    "could not settle %s of %s; it stays in the inbox", file.name, partner.key
                )
    return settled


def _process(application: PartnerApplication, partner: Partner, file: InboxFile) -> int:
    ports = application.partners
    clock = application.clock
    sha256 = hashlib.sha256(file.data).hexdigest()
    with ports.transaction() as tx:
        leftover = tx.ledger.unsettled(partner.key, sha256, file.name)
    if leftover is not None:
        # A crash after the commit of this file: finish what its entry says.
        _finish(application, file, leftover)
        return 1

    try:
        with ports.transaction() as tx:
            earlier = tx.ledger.find_applied(partner.key, sha256, file.name)
            if earlier is not None:
                report = _duplicate_report(file, partner, sha256, earlier)
                duplicate = FileRejected(
                    earlier.kind,
                    [Problem(file.name, f"already applied (ledger entry {earlier.id})")],
                    AppliedBefore(earlier),
                )
                replies = ports.handler.rejection_replies(tx, partner, file, duplicate, clock)
                entry = tx.ledger.record_inbound(
                    partner.key,
                    file.name,
                    sha256,
                    earlier.kind,
                    Outcome.DUPLICATE,
                    report,
                    replies,
                    clock.now(),
                )
            else:
                accepted = ports.handler.apply(tx, partner, file, clock)
                entry = tx.ledger.record_inbound(
                    partner.key,
                    file.name,
                    sha256,
                    accepted.kind,
                    Outcome.APPLIED,
                    accepted.detail,
                    accepted.replies,
                    clock.now(),
                )
            tx.commit()
    except AlreadyApplied:
        return 0  # another worker has it; its entry settles it
    except ConcurrentUpdate as error:
        # The database broke a deadlock or a serialisation failure: nothing is wrong with
        # the file, it is applied by a later poll.
        log.warning("%s of %s lost a race (%s); next poll", file.name, partner.key, error)
        return 0
    except FileRejected as error:
        entry = _reject(application, partner, file, sha256, error)
    except Exception as error:
        log.exception("applying %s of %s raised: the file is rejected", file.name, partner.key)
        entry = _reject(application, partner, file, sha256, _failure(partner, file, error))
    _finish(application, file, entry)
    return 1


def _failure(partner: Partner, file: InboxFile, error: Exception) -> FileRejected:
    message = str(error).replace("\x00", "\\x00")  # PostgreSQL text holds no NUL
    problem = Problem(file.name, f"could not be applied: {type(error).__name__}: {message}")
    return FileRejected(
        str(partner.connector.type), [problem], ApplyFailed(type(error).__name__, message)
    )


def _reject(
    application: PartnerApplication,
    partner: Partner,
    file: InboxFile,
    sha256: str,
    error: FileRejected,
) -> LedgerEntry:
    """Record the rejection with the replies that tell the partner; when the replies
    themselves cannot be made, record it without them rather than not at all."""
    ports = application.partners
    clock = application.clock
    report = _rejection_report(file, partner, sha256, error, clock.now())
    try:
        with ports.transaction() as tx:
            replies = ports.handler.rejection_replies(tx, partner, file, error, clock)
            entry = tx.ledger.record_inbound(
                partner.key,
                file.name,
                sha256,
                error.kind,
                Outcome.REJECTED,
                report,
                replies,
                clock.now(),
            )
            tx.commit()
            return entry
    except Exception:
        log.exception("no reply could be made to the rejection of %s of %s", file.name, partner.key)
    with ports.transaction() as tx:
        entry = tx.ledger.record_inbound(
            partner.key, file.name, sha256, error.kind, Outcome.REJECTED, report, (), clock.now()
        )
        tx.commit()
    return entry


def _finish(application: PartnerApplication, file: InboxFile, entry: LedgerEntry) -> None:
    """Write the entry's replies, move the file where its outcome says, mark it settled.
    Each step may be repeated after a crash: writes replace, a moved file is not moved."""
    ports = application.partners
    for reply in entry.pending_writes:
        ports.transport.write(reply)
    report = None if entry.outcome is Outcome.APPLIED else entry.detail
    ports.transport.settle(file, entry.outcome, report)
    with ports.transaction() as tx:
        tx.ledger.settle(entry.id, application.clock.now())
        tx.commit()


def _rejection_report(
    file: InboxFile, partner: Partner, sha256: str, error: FileRejected, at: datetime
) -> str:
    lines = [
        f"{file.name}: rejected, nothing was applied",
        f"partner: {partner.key}",
        f"kind: {error.kind}",
        f"sha256: {sha256}",
        f"at: {at.isoformat()}",
        f"problems ({len(error.problems)}):",
    ]
    lines.extend(f"  {problem}" for problem in error.problems)
    return "\n".join(lines) + "\n"


def _duplicate_report(file: InboxFile, partner: Partner, sha256: str, earlier: LedgerEntry) -> str:
    return (
        f"{file.name}: rejected, not applied again\n"
        f"partner: {partner.key}\n"
        f"sha256: {sha256}\n"
        f"already applied on {earlier.at.isoformat()} (ledger entry {earlier.id})\n"
    )


def write_outbound_once(application: PartnerApplication, batch: int = 200) -> int:
    """Write the documents the outbox events after this consumer's cursor call for, a
    batch per transaction, until the outbox is drained; returns the files written."""
    ports = application.partners
    clock = application.clock
    limit = max(1, min(batch, MAX_EVENTS_PAGE))
    written = 0
    while True:
        with ports.transaction() as tx:
            after = tx.ledger.cursor(CONSUMER, clock.now())
            events = list_events(tx.uow, after, limit)
            if not events:
                return written
            # The connectors as they are now: a changed connector applies to later events,
            # and what was written before stays in the old outbox.
            network = current_network(tx.uow).network
            for event in events:
                try:
                    documents = ports.handler.render(tx, event, network, clock)
                except ConcurrentUpdate:
                    raise
                except Exception:
                    # An event no document can be made of (a value the format cannot
                    # carry) must not hold back every later document: it is logged and
                    # passed over.
                    log.exception("no partner document for event %s (%s)", event.id, event.type)
                    continue
                for partner, document in documents:
                    ports.transport.write(document)
                    sha256 = hashlib.sha256(document.content.encode()).hexdigest()
                    tx.ledger.record_outbound(
                        partner.key, document, sha256, Outcome.WRITTEN, clock.now()
                    )
                    written += 1
            tx.ledger.advance(CONSUMER, events[-1].id, clock.now())
            tx.commit()
        if len(events) < limit:
            return written


def partner_documents(ports: PartnerPorts, partner: str | None = None) -> list[DocumentEntry]:
    """The X12 documents written to a partner (``channel:b2b``, ``node:3PL-EAST``; all
    partners when None), oldest first, with the acknowledgment each partner's 997 gave."""
    with ports.transaction() as tx:
        return tx.ledger.documents(partner)
