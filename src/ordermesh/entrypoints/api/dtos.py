"""Request and response bodies of the HTTP API (pydantic v2), the edge's own vocabulary.

Requests forbid unknown fields, so a typo is a 422 naming the field rather than a silently
ignored value. Quantities have upper bounds: a number no real order or count reaches is
refused before it reaches a database column.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.domain.lifecycle import RejectReason
from ordermesh.domain.order import RECIPIENT_MAX_LENGTHS

Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]
MAX_UNITS = 1_000_000
MAX_STOCK = 1_000_000_000
Units = Annotated[int, Field(ge=1, le=MAX_UNITS)]
Stock = Annotated[int, Field(ge=0, le=MAX_STOCK)]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors ----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(examples=["insufficient_stock"])
    message: str
    details: dict[str, Any] = {}


class ErrorResponse(BaseModel):
    """The one shape of every error (docs/api.md)."""

    error: ErrorDetail


# --- health ----------------------------------------------------------------------------------


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


# --- network ---------------------------------------------------------------------------------


class NetworkSummary(BaseModel):
    version: int
    loaded_at: datetime
    checksum: str
    name: str
    currency: str
    nodes: int
    nodes_by_type: dict[str, int]
    enabled_nodes: list[str]
    skus: int
    bundles: int
    channels: dict[str, str] = Field(description="channel id -> its default service level")
    services: list[str]
    service_levels: dict[str, int] = Field(description="service level -> max transit days")


class NetworkLoaded(BaseModel):
    version: int
    created: bool = Field(description="false when the document equals the current version")


class ActiveWindowView(BaseModel):
    """A rule set's window, on the network's wall clock; the document's ``active`` keys."""

    model_config = ConfigDict(populate_by_name=True)

    start: datetime | None = Field(default=None, alias="from", description="included; null: always")
    until: datetime | None = Field(default=None, description="excluded; null: open-ended")


class RuleSetView(BaseModel):
    id: str
    version: int
    description: str
    active: ActiveWindowView
    state: Literal["live", "scheduled", "ended"] = Field(
        description="at the time of the request: its window is open, opens later, or closed"
    )
    match: dict[str, Any]
    filters: dict[str, Any]
    constraints: dict[str, Any]
    objective: dict[str, Any]


class RuleSets(BaseModel):
    source: str = Field(description="where the rule sets in force come from")
    rule_sets: list[RuleSetView]


# --- inventory -------------------------------------------------------------------------------


class SnapshotLineIn(Request):
    sku: Id
    on_hand: Stock
    safety_stock: Stock | None = Field(default=None, description="omitted: keep what is held")


class SnapshotIn(Request):
    lines: Annotated[list[SnapshotLineIn], Field(min_length=1, max_length=20_000)]


class Discrepancy(BaseModel):
    sku: str
    held: int
    counted: int


class SnapshotOut(BaseModel):
    node: str
    lines: int
    discrepancies: list[Discrepancy]


class AdjustmentIn(Request):
    sku: Id
    delta: Annotated[int, Field(ge=-MAX_STOCK, le=MAX_STOCK)]
    reason: AdjustmentReason


class AdjustmentOut(BaseModel):
    node: str
    sku: str
    on_hand_before: int
    on_hand_after: int
    reason: str


class NodePromise(BaseModel):
    node: str
    ats: int
    ship_date: date | None = None
    service: str | None = None
    transit_days: int | None = None
    promised_date: date | None = Field(default=None, description="None: no service reaches it")


class AvailabilityOut(BaseModel):
    sku: str
    channel: str | None
    postal_code: str | None
    network_ats: int
    per_node: dict[str, int]
    earliest_promised_date: date | None = Field(
        default=None, description="the earliest delivery date over the nodes with stock"
    )
    earliest_node: str | None = None
    promises: list[NodePromise] = Field(
        default=[], description="per stocked node, when a postal code is given; earliest first"
    )


# --- orders ----------------------------------------------------------------------------------


class CustomerIn(Request):
    tier: Annotated[str, Field(min_length=1, max_length=40)] | None = None


def _recipient_text(name: str) -> Any:
    limit = RECIPIENT_MAX_LENGTHS[name]
    return Field(default=None, max_length=limit, description=f"at most {limit} characters")


class ShipToIn(Request):
    """A postal address (postal code + country), a point (lat/lon), or a pickup node; and,
    optionally, who receives it and the street address a label needs (personal data: only
    admin, the channel and the nodes shipping the order may read it back)."""

    postal_code: Annotated[str, Field(min_length=3, max_length=12)] | None = None
    country: Annotated[str, Field(min_length=2, max_length=2)] = "US"
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None
    pickup_node: Id | None = None
    name: str | None = _recipient_text("name")
    company: str | None = _recipient_text("company")
    address1: str | None = _recipient_text("address1")
    address2: str | None = _recipient_text("address2")
    city: str | None = _recipient_text("city")
    region: str | None = _recipient_text("region")
    phone: str | None = _recipient_text("phone")
    email: str | None = _recipient_text("email")

    @model_validator(mode="after")
    def _one_destination(self) -> ShipToIn:
        if (self.lat is None) != (self.lon is None):
            raise ValueError("give both lat and lon, or neither")
        if self.postal_code is None and self.lat is None and self.pickup_node is None:
            raise ValueError("give a postal_code, lat and lon, or a pickup_node")
        return self


class OrderLineIn(Request):
    sku: Id = Field(description="a SKU or a bundle id")
    quantity: Units
    unit_price: Annotated[float, Field(ge=0, le=10_000_000)] | None = None


class OrderIn(Request):
    channel: Id
    external_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="the channel's own order id, unique per channel"
    )
    customer: CustomerIn = CustomerIn()
    ship_to: ShipToIn
    service_level: Id | None = Field(default=None, description="omitted: the channel's default")
    lines: Annotated[list[OrderLineIn], Field(min_length=1, max_length=500)]
    tags: Annotated[list[Id], Field(max_length=50)] = []
    hold: bool = Field(default=False, description="place it on hold: nothing is released")


class LineRef(BaseModel):
    sku: str
    quantity: int


class ShipToOut(BaseModel):
    lat: float
    lon: float
    postal_code: str | None
    country: str | None
    pickup_node: str | None
    name: str | None = Field(description="null when not given, or once the order is redacted")
    company: str | None
    address1: str | None
    address2: str | None
    city: str | None
    region: str | None = Field(description="state or province code")
    phone: str | None
    email: str | None


class OrderLineOut(BaseModel):
    line_id: str
    sku: str
    quantity: int
    unit_price: float | None
    cancelled_quantity: int


class ShipmentLineOut(BaseModel):
    line_id: str
    sku: str
    bundle: str | None
    quantity: int = Field(description="units the node is to ship (ordered minus cancelled)")
    shipped: int


class ShipmentOut(BaseModel):
    """A fulfillment request: one parcel sent to a node (the simulate shipment shape plus
    its id, status and tracking)."""

    id: str
    node: str
    service: str
    status: str
    zone: int | None
    lines: list[ShipmentLineOut]
    shipping: float | None
    handling: float | None
    cost: float | None
    ship_date: date
    promised_date: date
    co2e_g: float | None
    tracking_number: str | None
    carrier: str | None
    reject_reason: str | None


class OrderOut(BaseModel):
    id: str
    channel: str
    external_id: str | None
    idempotency_key: str | None
    status: str
    on_hold: bool
    customer_tier: str | None
    service_level: str
    ship_to: ShipToOut
    tags: list[str]
    placed_at: datetime
    promised_by: date | None
    rule_set: str | None
    lines: list[OrderLineOut]
    shipments: list[ShipmentOut]
    backordered: list[LineRef]
    explanation: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    currency: str | None = Field(
        default=None, description="of the unit prices (the network's); null on older orders"
    )
    notes: list[str] = Field(
        default_factory=list,
        description="what the channel sent that the order does not carry (skipped lines...)",
    )
    redacted_at: datetime | None = Field(
        description="when the recipient (personal data) was erased; null while it is kept"
    )


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class LineQuantityIn(Request):
    line_id: Annotated[str, Field(min_length=1, max_length=100)]
    quantity: Units


class CancelIn(Request):
    lines: Annotated[list[LineQuantityIn], Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="omitted: cancel the whole order"
    )
    reason: Annotated[str, Field(max_length=500)] = ""


class ReasonIn(Request):
    reason: Annotated[str, Field(max_length=500)] = ""


class TransitionOut(BaseModel):
    entity: str
    entity_id: str
    from_status: str | None
    to_status: str
    actor: str
    reason: str
    at: datetime


# --- keys ------------------------------------------------------------------------------------


class KeyIn(Request):
    role: Annotated[str, Field(min_length=1, max_length=120, examples=["channel:web"])]
    label: Annotated[str, Field(max_length=200)] = ""


class KeyOut(BaseModel):
    id: str | None = Field(default=None, description="to list or revoke the key")
    role: str
    label: str
    key: str = Field(description="shown this once; only its SHA-256 is stored")


class ApiKeyOut(BaseModel):
    """A key as listed: never the key, never its hash."""

    id: str
    role: str
    label: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = Field(description="recorded at most once a minute")


class ApiKeyList(BaseModel):
    items: list[ApiKeyOut]


# --- fulfillment -----------------------------------------------------------------------------


class FulfillmentRequestOut(ShipmentOut):
    order_id: str
    external_id: str | None = Field(description="the channel's order id")
    channel: str
    ship_to: ShipToOut = Field(description="the order's ship-to: where, and who receives it")
    created_at: datetime
    updated_at: datetime


class FulfillmentRequestPage(BaseModel):
    items: list[FulfillmentRequestOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class RejectIn(Request):
    reason: RejectReason = Field(
        description="stock_not_found and damaged also lower the node's on hand"
    )
    note: Annotated[str, Field(max_length=500)] = ""


class ShippedLineIn(Request):
    line_id: Annotated[str, Field(min_length=1, max_length=100)]
    sku: Id
    quantity: Annotated[int, Field(ge=0, le=MAX_UNITS)]


class ShipIn(Request):
    lines: Annotated[list[ShippedLineIn], Field(min_length=1, max_length=500)] | None = Field(
        default=None,
        description="units shipped per line and SKU; omitted: every unit. Fewer than asked "
        "is a short pick: the rest is taken off the node's count and routed elsewhere",
    )
    tracking_number: Annotated[str, Field(min_length=1, max_length=100)] | None = None
    carrier: Annotated[str, Field(min_length=1, max_length=100)] | None = None


# --- events ----------------------------------------------------------------------------------


class EventOut(BaseModel):
    id: int = Field(description="position in the stream: pass the last one as `after`")
    event_id: str
    type: str
    order_id: str | None
    sequence: int | None = Field(description="the event's number among its order's events")
    occurred_at: datetime
    data: dict[str, Any]


class EventPage(BaseModel):
    items: list[EventOut]
    last_id: int = Field(description="pass as `after` to read on (the `after` given if none)")
