"""Positioning advice (admin): the stock transfers between nodes that would pay."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.services.advice import (
    DEFAULT_HISTORY_DAYS,
    DEFAULT_HORIZON_DAYS,
    DEFAULT_TOP,
    MAX_HISTORY_DAYS,
    MAX_TOP,
    TransferAdvice,
    transfer_advice,
)

router = APIRouter(prefix="/v1/advice", tags=["advice"])


class TransferOut(BaseModel):
    sku: str
    from_node: str
    to_node: str
    units: int
    expected_saving: float = Field(description="over the horizon, net of the transfer's cost")
    transfer_cost: float
    reason: str


class TransferAdviceOut(BaseModel):
    since: str = Field(description="start of the order history the forecast counts")
    history_days: int
    orders: int
    horizon_days: float
    currency: str
    assumptions: list[str]
    transfers: list[TransferOut] = Field(description="best first")


def advice_out(advice: TransferAdvice) -> TransferAdviceOut:
    return TransferAdviceOut.model_validate(advice.to_json_dict())


@router.get(
    "/transfers",
    response_model=TransferAdviceOut,
    summary="The stock transfers between nodes that would save the most over the horizon",
)
def get_transfer_advice(
    request: Request,
    caller: CallerDep,
    days: Annotated[
        int, Query(ge=1, le=MAX_HISTORY_DAYS, description="history: the last N days' orders")
    ] = DEFAULT_HISTORY_DAYS,
    top: Annotated[int, Query(ge=1, le=MAX_TOP)] = DEFAULT_TOP,
    horizon_days: Annotated[
        float, Query(gt=0, le=MAX_HISTORY_DAYS, description="days of demand to position for")
    ] = DEFAULT_HORIZON_DAYS,
) -> TransferAdviceOut:
    caller.allow()
    application: Application = request.app.state.application
    return advice_out(
        transfer_advice(
            application.uow(),
            application.clock,
            application.positioning,
            days=days,
            top=top,
            horizon_days=horizon_days,
        )
    )
