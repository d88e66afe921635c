"""The overview of a period's orders (admin: all channels; a channel key: its own)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.services.overview import Overview, overview

router = APIRouter(prefix="/v1", tags=["overview"])

Period = Literal["today", "7d", "30d"]


class OverviewOut(BaseModel):
    period: Period
    since: str
    channel: str | None
    orders: int
    orders_by_status: dict[str, int]
    requests_by_status: dict[str, int]
    split_orders: int
    split_rate: float | None
    units_ordered: int
    units_cancelled: int
    backordered_units: int
    fill_rate: float | None


def overview_out(view: Overview, channel: str | None) -> OverviewOut:
    counts = view.counts
    return OverviewOut(
        period=view.period,  # type: ignore[arg-type]
        since=view.since.isoformat(),
        channel=channel,
        orders=counts.orders,
        orders_by_status=dict(counts.orders_by_status),
        requests_by_status=dict(counts.requests_by_status),
        split_orders=counts.split_orders,
        split_rate=view.split_rate,
        units_ordered=counts.units_ordered,
        units_cancelled=counts.units_cancelled,
        backordered_units=counts.backordered_units,
        fill_rate=view.fill_rate,
    )


@router.get(
    "/overview",
    response_model=OverviewOut,
    summary="Orders of the last day, 7 or 30 days: by status, split and fill rates, backorders",
)
def get_overview(
    request: Request,
    caller: CallerDep,
    period: Annotated[Period, Query(description="`today` is the last 24 hours")] = "today",
    channel: Annotated[str | None, Query(max_length=100)] = None,
) -> OverviewOut:
    caller.allow("channel")
    if caller.kind == "channel":
        channel = caller.for_channel(channel or str(caller.scope)).scope
    application: Application = request.app.state.application
    return overview_out(
        overview(application.read_uow(), application.clock, period, channel), channel
    )
