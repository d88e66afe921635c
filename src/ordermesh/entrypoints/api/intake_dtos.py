"""Bodies of the intake-exception routes and of the Shopify webhook's acknowledgements."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from ordermesh.entrypoints.api.dtos import Request
from ordermesh.services.intake_ports import IntakeException


class IntakeReasonOut(BaseModel):
    field: str = Field(description="the path of what could not be used, in the payload's terms")
    message: str


class IntakeExceptionOut(BaseModel):
    id: str
    channel: str
    source: str = Field(description="shopify, api, csv or x12: who reads the payload again")
    topic: str | None = Field(description="what the delivery asked for, e.g. orders/create")
    external_id: str | None = Field(description="the channel's order id, when it had one")
    status: str = Field(description="open, resolved or dismissed")
    reasons: list[IntakeReasonOut]
    attempts: int = Field(description="intakes tried: the first, then one per retry")
    payload: str = Field(description="the raw body as received")
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str = Field(description="the dismissal's reason, or how it was resolved")
    order_id: str | None = Field(description="the order it became, once resolved")


class IntakeExceptionPage(BaseModel):
    items: list[IntakeExceptionOut]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page")


class DismissIn(Request):
    reason: Annotated[str, Field(min_length=1, max_length=500)]


class ShopifyAck(BaseModel):
    """A delivery acknowledged without placing an order (placed ones answer the order)."""

    outcome: str = Field(
        description="cancelled, address_changed, unchanged, kept (an intake exception) or "
        "ignored (a test order, a topic ordermesh does not handle)"
    )
    message: str
    order_id: str | None = None
    intake_exception_id: str | None = None


def intake_exception_out(exception: IntakeException) -> IntakeExceptionOut:
    return IntakeExceptionOut(
        id=exception.id,
        channel=exception.channel,
        source=exception.source,
        topic=exception.topic,
        external_id=exception.external_id,
        status=str(exception.status),
        reasons=[IntakeReasonOut(field=p.where, message=p.message) for p in exception.reasons],
        attempts=exception.attempts,
        payload=exception.payload,
        created_at=exception.created_at,
        updated_at=exception.updated_at,
        resolved_at=exception.resolved_at,
        resolved_by=exception.resolved_by,
        resolution=exception.resolution,
        order_id=exception.order_id,
    )
