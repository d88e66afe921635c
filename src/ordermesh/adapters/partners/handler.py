"""The partner handler: dispatches files and events to the CSV and X12 mappings."""

from __future__ import annotations

from ordermesh.adapters.formats.flat_files import RequestAction
from ordermesh.adapters.formats.x12 import x940
from ordermesh.adapters.partners import csv_files, x12_files
from ordermesh.domain.events import EventType
from ordermesh.domain.model import ConnectorType
from ordermesh.domain.network import Network
from ordermesh.services.orders import get_order
from ordermesh.services.partner_ports import (
    Accepted,
    FileRejected,
    FileTransaction,
    InboxFile,
    OutboundFile,
    Outcome,
    Partner,
    Role,
)
from ordermesh.services.ports import DEFAULT_ROUTING, Clock, Routing, StoredEvent


class FileHandler:
    def __init__(self, routing: Routing = DEFAULT_ROUTING) -> None:
        self.routing = routing  # for the orders files place and the units they re-route

    def apply(
        self, tx: FileTransaction, partner: Partner, file: InboxFile, clock: Clock
    ) -> Accepted:
        routing = self.routing
        if partner.connector.type is ConnectorType.X12:
            return x12_files.apply_interchange(tx, partner, file, clock, routing=routing)
        if partner.role is Role.CHANNEL:
            return csv_files.apply_channel_orders(tx, partner, file, clock, routing=routing)
        return csv_files.apply_node_file(tx, partner, file, clock, routing=routing)

    def rejection_replies(
        self,
        tx: FileTransaction,
        partner: Partner,
        file: InboxFile,
        error: FileRejected,
        clock: Clock,
    ) -> list[OutboundFile]:
        if partner.connector.type is ConnectorType.X12:
            return x12_files.rejection_replies(tx, partner, file, error, clock)
        return []

    def render(
        self, tx: FileTransaction, event: StoredEvent, network: Network, clock: Clock
    ) -> list[tuple[Partner, OutboundFile]]:
        if event.type == EventType.FULFILLMENT_RELEASED:
            node = network.nodes.get(str(event.data["node_id"]))
            if node is None:
                return []
            partner = Partner(Role.NODE, node.id, node.connector)
            document: OutboundFile | None = None
            if node.connector.type is ConnectorType.CSV:
                document = csv_files.fulfillment_request_csv(tx, partner, event, network)
            elif node.connector.type is ConnectorType.X12:
                document = x12_files.warehouse_shipping_order(tx, partner, event, network, clock)
            return [] if document is None else [(partner, document)]
        if event.type == EventType.FULFILLMENT_CANCELLED:
            return self._cancellation(tx, event, network, clock)
        if event.type == EventType.FULFILLMENT_CHANGED:
            return self._replacement(tx, event, network, clock)
        if event.type == EventType.FULFILLMENT_SHIPPED and event.order_id is not None:
            order = get_order(tx.uow, event.order_id)
            channel = network.channels.get(order.channel)
            if channel is None or channel.connector.type is not ConnectorType.X12:
                return []
            partner = Partner(Role.CHANNEL, channel.id, channel.connector)
            notice = x12_files.ship_notice(tx, partner, event, order, network, clock)
            return [(partner, notice)]
        return []

    def _cancellation(
        self, tx: FileTransaction, event: StoredEvent, network: Network, clock: Clock
    ) -> list[tuple[Partner, OutboundFile]]:
        """A request whose document was written to a csv or x12 node's outbox gets a
        cancellation there, in the node's format now; a request never written gets none."""
        partner = _node_holding_document(tx, event, network)
        if partner is None:
            return []
        if partner.connector.type is ConnectorType.CSV:
            return [(partner, csv_files.fulfillment_cancellation_csv(tx, partner, event))]
        document = x12_files.warehouse_shipping_cancellation(tx, partner, event, network, clock)
        return [(partner, document)]

    def _replacement(
        self, tx: FileTransaction, event: StoredEvent, network: Network, clock: Clock
    ) -> list[tuple[Partner, OutboundFile]]:
        """A request whose document was written to a csv or x12 node's outbox, changed
        since (fewer units): the request as it now stands, replacing the earlier document
        (a CSV with action ``replace``, a 940 with W0501 ``R``); none if never written."""
        partner = _node_holding_document(tx, event, network)
        if partner is None:
            return []
        document: OutboundFile | None
        if partner.connector.type is ConnectorType.CSV:
            document = csv_files.fulfillment_request_csv(
                tx, partner, event, network, RequestAction.REPLACE
            )
        else:
            document = x12_files.warehouse_shipping_order(
                tx, partner, event, network, clock, status=x940.CHANGE
            )
        return [] if document is None else [(partner, document)]


def _node_holding_document(
    tx: FileTransaction, event: StoredEvent, network: Network
) -> Partner | None:
    """The csv or x12 node of the event's request, when a document of the request was
    written to its outbox."""
    node = network.nodes.get(str(event.data["node_id"]))
    if node is None or node.connector.type not in (ConnectorType.CSV, ConnectorType.X12):
        return None
    partner = Partner(Role.NODE, node.id, node.connector)
    if not _request_written(tx, partner, str(event.data["request_id"])):
        return None
    return partner


def _request_written(tx: FileTransaction, partner: Partner, request_id: str) -> bool:
    """Whether the ledger holds a fulfillment request CSV or a 940 of the request for
    the node (``fulfillment-<event>-<request>.csv``, ``940-<event>-<request>.x12``)."""
    for entry in tx.ledger.entries(partner.key):
        if entry.outcome is not Outcome.WRITTEN:
            continue
        name = entry.name.rsplit("/", 1)[-1]  # the ledger names outbound files folder/name
        if name.startswith("fulfillment-") and name.endswith(f"-{request_id}.csv"):
            return True
        if (
            name.startswith("940-")
            and not name.startswith("940-cancel-")
            and name.endswith(f"-{request_id}.x12")
        ):
            return True
    return False
