"""Flat files exchanged with nodes (docs/formats/flat-files.md): fulfillment requests out,
shipment confirmations and inventory deltas in. Orders in use ``orders_csv``, inventory
snapshots ``inventory_csv``.

Readers check a file whole: every problem is reported with its line and column, and a file
with any problem yields nothing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Final

from ordermesh.adapters.formats.csv_table import data_rows, header_problems, read_rows, whole_number
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.domain.network import Network
from ordermesh.domain.order import RECIPIENT_FIELDS, recipient_fields
from ordermesh.services.request_view import RequestView

__all__ = [
    "CANCELLATION_COLUMNS",
    "DELTA_COLUMNS",
    "FULFILLMENT_REQUEST_COLUMNS",
    "SHIPMENT_COLUMNS",
    "FulfillmentCancellation",
    "FulfillmentRequestRow",
    "InventoryDelta",
    "NodeFileKind",
    "RequestAction",
    "ShipmentConfirmation",
    "node_file_kind",
    "parse_fulfillment_cancellations",
    "parse_fulfillment_requests",
    "parse_inventory_deltas",
    "parse_shipment_confirmations",
    "render_fulfillment_cancellations",
    "render_fulfillment_requests",
    "render_inventory_deltas",
    "render_shipment_confirmations",
]

FULFILLMENT_REQUEST_COLUMNS: Final = (
    "action",
    "request_id",
    "order_id",
    "external_id",
    "channel",
    "node_id",
    "service_id",
    "carrier",
    "ship_date",
    "promise_date",
    "line_id",
    "sku",
    "bundle_id",
    "quantity",
    "postal_code",
    "country",
    "lat",
    "lon",
    "pickup_node",
    *RECIPIENT_FIELDS,
)
# Files written before the recipient columns existed still read.
_REQUEST_REQUIRED: Final = tuple(
    c for c in FULFILLMENT_REQUEST_COLUMNS if c not in RECIPIENT_FIELDS
)
SHIPMENT_REQUIRED: Final = ("request_id", "line_id", "sku", "shipped")
SHIPMENT_OPTIONAL: Final = ("tracking_number", "carrier")
SHIPMENT_COLUMNS: Final = SHIPMENT_REQUIRED + SHIPMENT_OPTIONAL
DELTA_REQUIRED: Final = ("node", "sku", "delta", "reason")
DELTA_OPTIONAL: Final = ("note",)
DELTA_COLUMNS: Final = DELTA_REQUIRED + DELTA_OPTIONAL


class NodeFileKind(StrEnum):
    SHIPMENTS = "shipments"
    SNAPSHOT = "inventory_snapshot"
    DELTAS = "inventory_deltas"


def node_file_kind(data: bytes, source: str) -> NodeFileKind:
    """What a CSV a node drops is, by its header: ``request_id`` (shipment confirmations),
    ``delta`` (inventory deltas) or ``on_hand`` (an inventory snapshot)."""
    header = read_rows(data, source)[0]
    if "request_id" in header:
        return NodeFileKind.SHIPMENTS
    if "delta" in header:
        return NodeFileKind.DELTAS
    if "on_hand" in header:
        return NodeFileKind.SNAPSHOT
    raise InvalidInput(
        source,
        [
            Problem(
                "line 1",
                "not a shipment confirmation (column request_id), inventory delta "
                "(column delta) or inventory snapshot (column on_hand) file",
            )
        ],
    )


# -- fulfillment requests (out) ---------------------------------------------------------------


class RequestAction(StrEnum):
    """What a fulfillment request file tells the node to do with the request it names."""

    NEW = "new"  # a request the node has not seen: ship it
    REPLACE = "replace"  # a request sent before, changed: ship these lines instead


@dataclass(frozen=True, slots=True)
class FulfillmentRequestRow:
    action: RequestAction
    request_id: str
    order_id: str
    external_id: str
    channel: str
    node_id: str
    service_id: str
    carrier: str
    ship_date: date
    promise_date: date
    line_id: str
    sku: str
    bundle_id: str
    quantity: int
    postal_code: str
    country: str
    lat: float
    lon: float
    pickup_node: str
    # The recipient, each "" when not given (or erased): see RECIPIENT_FIELDS.
    recipient: Mapping[str, str] = field(default_factory=dict)


def render_fulfillment_requests(
    requests: Iterable[RequestView],
    network: Network,
    action: RequestAction = RequestAction.NEW,
) -> str:
    """One row per request line still wanted, ``\\n`` line endings; ``replace``: the
    request was sent before and these rows now stand for all of it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FULFILLMENT_REQUEST_COLUMNS)
    for view in requests:
        request = view.request
        service = network.services.get(request.service_id)
        location = view.ship_to.location
        recipient = [value or "" for value in recipient_fields(view.ship_to.recipient).values()]
        for line in request.lines:
            if line.wanted <= 0:
                continue
            writer.writerow(
                [
                    str(action),
                    request.id,
                    request.order_id,
                    view.external_id or "",
                    view.channel,
                    request.node_id,
                    request.service_id,
                    service.carrier if service is not None else "",
                    request.ship_date.isoformat(),
                    request.promise_date.isoformat(),
                    line.line_id,
                    line.sku,
                    line.bundle_id or "",
                    line.wanted,
                    location.postal_code or "",
                    location.country or "",
                    f"{location.lat:.6f}",
                    f"{location.lon:.6f}",
                    view.ship_to.pickup_node or "",
                    *recipient,
                ]
            )
    return buffer.getvalue()


CANCELLATION_COLUMNS: Final = (
    "request_id",
    "order_id",
    "external_id",
    "node_id",
    "reason",
    "cancelled_at",
)


@dataclass(frozen=True, slots=True)
class FulfillmentCancellation:
    """A request written to a node's outbox and cancelled since: do not ship it."""

    request_id: str
    order_id: str
    external_id: str
    node_id: str
    reason: str
    cancelled_at: datetime


def render_fulfillment_cancellations(cancellations: Iterable[FulfillmentCancellation]) -> str:
    """One row per cancelled request, ``\n`` line endings."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CANCELLATION_COLUMNS)
    for c in cancellations:
        writer.writerow(
            [
                c.request_id,
                c.order_id,
                c.external_id,
                c.node_id,
                c.reason,
                c.cancelled_at.isoformat(),
            ]
        )
    return buffer.getvalue()


def parse_fulfillment_cancellations(
    data: bytes, source: str = "fulfillment_cancellations.csv"
) -> list[FulfillmentCancellation]:
    """The rows of a cancellation file (what a node's software reads)."""
    rows = read_rows(data, source)
    header = rows[0]
    problems = header_problems(header, CANCELLATION_COLUMNS, ())
    if problems:
        raise InvalidInput(source, problems)
    result: list[FulfillmentCancellation] = []
    for line, cells in data_rows(rows, problems):
        try:
            cancelled_at = datetime.fromisoformat(cells["cancelled_at"])
        except ValueError as error:
            problems.append(Problem(f"line {line}, column cancelled_at", str(error)))
            continue
        result.append(
            FulfillmentCancellation(
                request_id=cells["request_id"],
                order_id=cells["order_id"],
                external_id=cells["external_id"],
                node_id=cells["node_id"],
                reason=cells["reason"],
                cancelled_at=cancelled_at,
            )
        )
    if problems:
        raise InvalidInput(source, problems)
    return result


def parse_fulfillment_requests(
    data: bytes, source: str = "fulfillment_requests.csv"
) -> list[FulfillmentRequestRow]:
    """The rows of a fulfillment request file (what a node's software reads)."""
    rows = read_rows(data, source)
    header = rows[0]
    problems = header_problems(header, _REQUEST_REQUIRED, RECIPIENT_FIELDS)
    if problems:
        raise InvalidInput(source, problems)
    result: list[FulfillmentRequestRow] = []
    for line, cells in data_rows(rows, problems):
        quantity = whole_number(cells["quantity"], f"line {line}, column quantity", problems, 1)
        try:
            action = RequestAction(cells["action"].lower())
        except ValueError:
            actions = ", ".join(str(action) for action in RequestAction)
            problems.append(
                Problem(
                    f"line {line}, column action",
                    f"must be one of {actions}, not {cells['action']!r}",
                )
            )
            continue
        try:
            ship_date = date.fromisoformat(cells["ship_date"])
            promise_date = date.fromisoformat(cells["promise_date"])
            lat, lon = float(cells["lat"]), float(cells["lon"])
        except ValueError as error:
            problems.append(Problem(f"line {line}", str(error)))
            continue
        if quantity is None:
            continue
        result.append(
            FulfillmentRequestRow(
                action=action,
                request_id=cells["request_id"],
                order_id=cells["order_id"],
                external_id=cells["external_id"],
                channel=cells["channel"],
                node_id=cells["node_id"],
                service_id=cells["service_id"],
                carrier=cells["carrier"],
                ship_date=ship_date,
                promise_date=promise_date,
                line_id=cells["line_id"],
                sku=cells["sku"],
                bundle_id=cells["bundle_id"],
                quantity=quantity,
                postal_code=cells["postal_code"],
                country=cells["country"],
                lat=lat,
                lon=lon,
                pickup_node=cells["pickup_node"],
                recipient={name: cells.get(name, "") for name in RECIPIENT_FIELDS},
            )
        )
    if problems:
        raise InvalidInput(source, problems)
    return result


# -- shipment confirmations (in) --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ShipmentConfirmation:
    """A shipped parcel: units per (line id, SKU); lines of the request not listed shipped
    nothing (a short pick). ``first_line`` is where the request first appears in the file."""

    request_id: str
    first_line: int
    shipped: Mapping[tuple[str, str], int]
    tracking_number: str | None = None
    carrier: str | None = None


@dataclass
class _ShipmentDraft:
    first_line: int
    tracking_number: str
    carrier: str
    shipped: dict[tuple[str, str], int] = field(default_factory=dict)


def parse_shipment_confirmations(
    data: bytes, source: str = "shipments.csv"
) -> list[ShipmentConfirmation]:
    rows = read_rows(data, source)
    header = rows[0]
    problems = header_problems(header, SHIPMENT_REQUIRED, SHIPMENT_OPTIONAL)
    if problems:
        raise InvalidInput(source, problems)
    if not any(any(cell.strip() for cell in row) for row in rows[1:]):
        raise InvalidInput(source, [Problem("line 2", "the file has a header but no rows")])
    drafts: dict[str, _ShipmentDraft] = {}
    first_seen: dict[tuple[str, str, str], int] = {}
    for line, cells in data_rows(rows, problems):

        def where(name: str, at: int = line) -> str:
            return f"line {at}, column {name}"

        ok = True
        for name in ("request_id", "line_id", "sku"):
            if not cells[name]:
                problems.append(Problem(where(name), "is empty"))
                ok = False
        shipped = whole_number(cells["shipped"], where("shipped"), problems, 0)
        if not ok or shipped is None:
            continue
        request_id, key = cells["request_id"], (cells["line_id"], cells["sku"])
        tracking, carrier = cells.get("tracking_number", ""), cells.get("carrier", "")
        draft = drafts.get(request_id)
        if draft is None:
            draft = drafts[request_id] = _ShipmentDraft(line, tracking, carrier)
        else:
            for name, value, first in (
                ("tracking_number", tracking, draft.tracking_number),
                ("carrier", carrier, draft.carrier),
            ):
                if value != first:
                    problems.append(
                        Problem(
                            where(name),
                            f"{value!r} differs from {first!r} on line {draft.first_line}, "
                            f"the first row of request {request_id!r}",
                        )
                    )
        seen_at = first_seen.setdefault((request_id, *key), line)
        if seen_at != line:
            problems.append(
                Problem(
                    f"line {line}",
                    f"request {request_id} line {key[0]} {key[1]} is already given on "
                    f"line {seen_at}",
                )
            )
            continue
        draft.shipped[key] = shipped
    if problems:
        raise InvalidInput(source, problems)
    return [
        ShipmentConfirmation(
            request_id=request_id,
            first_line=draft.first_line,
            shipped=dict(draft.shipped),
            tracking_number=draft.tracking_number or None,
            carrier=draft.carrier or None,
        )
        for request_id, draft in drafts.items()
    ]


def render_shipment_confirmations(confirmations: Iterable[ShipmentConfirmation]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(SHIPMENT_COLUMNS)
    for confirmation in confirmations:
        for (line_id, sku), shipped in confirmation.shipped.items():
            writer.writerow(
                [
                    confirmation.request_id,
                    line_id,
                    sku,
                    shipped,
                    confirmation.tracking_number or "",
                    confirmation.carrier or "",
                ]
            )
    return buffer.getvalue()


# -- inventory deltas (in) --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InventoryDelta:
    line: int
    node_id: str
    sku: str
    delta: int
    reason: AdjustmentReason
    note: str = ""


def parse_inventory_deltas(
    data: bytes,
    network: Network,
    source: str = "inventory_deltas.csv",
    node_id: str | None = None,
) -> list[InventoryDelta]:
    """Signed on-hand changes, in file order; with ``node_id``, every row must name it."""
    rows = read_rows(data, source)
    header = rows[0]
    problems = header_problems(header, DELTA_REQUIRED, DELTA_OPTIONAL)
    if problems:
        raise InvalidInput(source, problems)
    if not any(any(cell.strip() for cell in row) for row in rows[1:]):
        raise InvalidInput(source, [Problem("line 2", "the file has a header but no rows")])
    reasons = ", ".join(str(reason) for reason in AdjustmentReason)
    deltas: list[InventoryDelta] = []
    for line, cells in data_rows(rows, problems):

        def where(name: str, at: int = line) -> str:
            return f"line {at}, column {name}"

        ok = True
        node, sku = cells["node"], cells["sku"]
        if node not in network.nodes:
            problems.append(Problem(where("node"), f"unknown node {node!r}"))
            ok = False
        elif node_id is not None and node != node_id:
            problems.append(Problem(where("node"), f"{node!r} in the inbox of node {node_id!r}"))
            ok = False
        if sku in network.bundles:
            problems.append(
                Problem(where("sku"), f"{sku!r} is a bundle: stock is held by its components")
            )
            ok = False
        elif sku not in network.skus:
            problems.append(Problem(where("sku"), f"unknown SKU {sku!r}"))
            ok = False
        delta: int | None
        try:
            delta = int(cells["delta"])
        except ValueError:
            problems.append(
                Problem(where("delta"), f"must be a whole number, not {cells['delta']!r}")
            )
            delta = None
        if delta == 0:
            problems.append(Problem(where("delta"), "must not be 0"))
            delta = None
        try:
            reason = AdjustmentReason(cells["reason"].lower())
        except ValueError:
            problems.append(
                Problem(where("reason"), f"must be one of {reasons}, not {cells['reason']!r}")
            )
            continue
        if ok and delta is not None:
            deltas.append(InventoryDelta(line, node, sku, delta, reason, cells.get("note", "")))
    if problems:
        raise InvalidInput(source, problems)
    return deltas


def render_inventory_deltas(deltas: Sequence[InventoryDelta]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DELTA_COLUMNS)
    for delta in deltas:
        writer.writerow([delta.node_id, delta.sku, delta.delta, str(delta.reason), delta.note])
    return buffer.getvalue()
