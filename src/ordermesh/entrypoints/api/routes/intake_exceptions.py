"""Intake exceptions: orders a channel sent that could not be placed, kept for review.

Admin sees every channel's; a channel's key sees, retries and dismisses its own channel's
only (another channel's is 404 to it, as if absent). A retry reads the stored payload again
against the current network: 200 with the exception, ``resolved`` with its ``order_id``
when the order was placed, still ``open`` with the new reasons when it was not.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from ordermesh.adapters.formats import shopify as shopify_format
from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, Problem, UnknownIntakeException
from ordermesh.domain.intake import IntakeSource, IntakeStatus
from ordermesh.domain.network import Network
from ordermesh.entrypoints.api.auth import Caller, CallerDep
from ordermesh.entrypoints.api.intake_dtos import (
    DismissIn,
    IntakeExceptionOut,
    IntakeExceptionPage,
    intake_exception_out,
)
from ordermesh.services import intake_exceptions as intake_service
from ordermesh.services.intake_exceptions import Intake
from ordermesh.services.intake_ports import IntakeException
from ordermesh.services.orders import PlaceOrder

router = APIRouter(prefix="/v1/intake-exceptions", tags=["intake exceptions"])

ExceptionId = Annotated[
    str, Path(min_length=1, max_length=100, description="the intake exception id")
]


def _no_intake(exception: IntakeException, network: Network) -> PlaceOrder:
    raise InvalidInput(
        "intake exception",
        [Problem("source", f"ordermesh cannot read a {exception.source} payload again")],
    )


# How each source reads its kept payload again; a source kept without one here can only
# be dismissed.
INTAKES: dict[str, Intake] = {IntakeSource.SHOPIFY: shopify_format.intake_again}


def intake_for(source: str) -> Intake:
    """How to read a payload kept from ``source`` again (the console retries with it too)."""
    return INTAKES.get(source, _no_intake)


def _application(request: Request) -> Application:
    application: Application = request.app.state.application
    return application


def _visible(application: Application, caller: Caller, exception_id: str) -> IntakeException:
    caller.allow("channel")
    found = intake_service.get_exception(application.read_uow(), exception_id)
    if not caller.is_admin and caller.scope != found.channel:
        raise UnknownIntakeException(exception_id)
    return found


@router.get("", response_model=IntakeExceptionPage, summary="Intake exceptions, newest first")
def list_intake_exceptions(
    request: Request,
    caller: CallerDep,
    status_: Annotated[IntakeStatus | None, Query(alias="status")] = None,
    channel: Annotated[str | None, Query(max_length=100)] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=intake_service.MAX_PAGE)] = 50,
) -> IntakeExceptionPage:
    caller.allow("channel")
    if not caller.is_admin:
        if channel is not None:
            caller.for_channel(channel)
        channel = caller.scope
    page = intake_service.list_exceptions(
        _application(request).read_uow(),
        status=status_,
        channel=channel,
        cursor=cursor,
        limit=limit,
    )
    return IntakeExceptionPage(
        items=[intake_exception_out(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.get("/{exception_id}", response_model=IntakeExceptionOut, summary="One intake exception")
def get_intake_exception(
    request: Request, caller: CallerDep, exception_id: ExceptionId
) -> IntakeExceptionOut:
    return intake_exception_out(_visible(_application(request), caller, exception_id))


@router.post(
    "/{exception_id}/retry",
    response_model=IntakeExceptionOut,
    summary="Read the kept payload again against the current network and place the order",
)
def retry_intake_exception(
    request: Request, caller: CallerDep, exception_id: ExceptionId
) -> IntakeExceptionOut:
    application = _application(request)
    found = _visible(application, caller, exception_id)
    retried = intake_service.retry(
        application.uow,
        exception_id,
        intake_for(found.source),
        application.clock,
        actor=caller.actor,
        routing=application.routing,
    )
    return intake_exception_out(retried)


@router.post(
    "/{exception_id}/dismiss",
    response_model=IntakeExceptionOut,
    summary="Close an intake exception without an order, saying why",
)
def dismiss_intake_exception(
    request: Request, caller: CallerDep, exception_id: ExceptionId, body: DismissIn
) -> IntakeExceptionOut:
    application = _application(request)
    _visible(application, caller, exception_id)
    dismissed = intake_service.dismiss(
        application.uow(), exception_id, body.reason, application.clock, actor=caller.actor
    )
    return intake_exception_out(dismissed)
