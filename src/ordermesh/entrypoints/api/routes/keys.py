"""Issue API keys over HTTP (admin only); the CLI's ``ordermesh keys create`` does the same."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.entrypoints.api.api_keys import check_role, create_key
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import KeyIn, KeyOut

router = APIRouter(prefix="/v1", tags=["keys"])


@router.post(
    "/keys",
    response_model=KeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a new API key for a role (admin); the key is shown this once",
)
def post_key(request: Request, caller: CallerDep, body: KeyIn) -> KeyOut:
    caller.allow()
    application: Application = request.app.state.application
    try:
        check_role(body.role)
    except ValueError as error:
        raise InvalidInput("request", [Problem("role", str(error))]) from None
    key = create_key(application, body.role, body.label)
    return KeyOut(role=body.role, label=body.label, key=key)
