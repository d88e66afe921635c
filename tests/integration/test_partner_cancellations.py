"""A request cancelled after its document was written to a csv or x12 node's outbox gets a
cancellation in that outbox (a cancellation CSV, a 940 with W0501 ``F``), on SQLite and
PostgreSQL; a request cancelled before anything was written gets nothing."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_partner_files import Partners, network_document, place_at_reno

from ordermesh.adapters.formats.flat_files import (
    CANCELLATION_COLUMNS,
    parse_fulfillment_cancellations,
)
from ordermesh.adapters.formats.x12 import ShippingOrder, receive
from ordermesh.adapters.formats.x12.x940 import CANCEL, ORIGINAL
from ordermesh.domain.lifecycle import RequestStatus
from ordermesh.services import orders


@pytest.fixture
def partners(engine: sa.Engine, tmp_path: Path) -> Partners:
    return Partners(engine, tmp_path)


def cancel(partners: Partners, order_id: str) -> None:
    orders.cancel_order(
        partners.app.uow(), order_id, partners.clock, actor="test", reason="customer changed mind"
    )


def test_a_written_csv_request_cancelled_gets_a_cancellation_file(partners: Partners) -> None:
    view = place_at_reno(partners)
    request = view.shipments[0]
    assert partners.write() == 1
    cancel(partners, view.id)
    assert partners.write() == 1
    outbox = partners.root / "reno" / "outbox"
    [cancellation] = sorted(outbox.glob("cancellation-*.csv"))
    assert cancellation.name.endswith(f"-{request.id}.csv")
    text = cancellation.read_text()
    assert text.splitlines()[0] == ",".join(CANCELLATION_COLUMNS)
    [row] = parse_fulfillment_cancellations(text.encode())
    assert (row.request_id, row.order_id, row.node_id) == (request.id, view.id, "DC-RENO")
    assert row.reason and row.cancelled_at.tzinfo is not None
    assert partners.write() == 0


def test_a_request_cancelled_before_it_was_written_gets_nothing(partners: Partners) -> None:
    view = place_at_reno(partners)
    cancel(partners, view.id)
    assert partners.write() == 0
    outbox = partners.root / "reno" / "outbox"
    assert not outbox.exists() or not list(outbox.iterdir())


def x12_reno(partners: Partners) -> None:
    """DC-RENO becomes an X12 node, its files under ``reno12/``."""
    document = copy.deepcopy(network_document(partners.root))
    for node in document["nodes"]:
        if node["id"] == "DC-RENO":
            node["connector"] = {
                "type": "x12",
                "inbox": str(partners.root / "reno12" / "inbox"),
                "outbox": str(partners.root / "reno12" / "outbox"),
                "partner_id": "RENO3PL",
                "our_id": "ORDERMESH",
            }
    partners.load(document)


def shipping_order(path: Path) -> tuple[ShippingOrder, int]:
    """The one 940 of an interchange file, and the interchange's control number."""
    received = receive(path.read_bytes(), path.name, sets={"940"})
    assert not received.errors
    [document] = received.documents
    assert isinstance(document.document, ShippingOrder)
    interchange = received.parsed.interchange
    assert interchange is not None
    return document.document, interchange.control


def test_a_written_940_cancelled_gets_a_cancelling_940(partners: Partners) -> None:
    x12_reno(partners)
    view = place_at_reno(partners)
    request = view.shipments[0]
    assert request.status is RequestStatus.RELEASED
    assert partners.write() == 1
    cancel(partners, view.id)
    assert partners.write() == 1
    outbox = partners.root / "reno12" / "outbox"
    [original] = [p for p in outbox.glob("940-*.x12") if "cancel" not in p.name]
    [cancelling] = sorted(outbox.glob("940-cancel-*.x12"))
    assert cancelling.name.endswith(f"-{request.id}.x12")

    sent, sent_control = shipping_order(original)
    cancelled, cancel_control = shipping_order(cancelling)
    assert sent.status == ORIGINAL and cancelled.status == CANCEL
    # W0502 is the short reference the node was given for the request, both times.
    assert cancelled.depositor_order == sent.depositor_order != request.id
    assert len(sent.depositor_order) <= 22
    assert cancelled.lines == sent.lines
    assert cancel_control != sent_control  # a new interchange, not a repeat
