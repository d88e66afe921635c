"""API keys over HTTP (admin only): issue, list and revoke. The CLI's ``ordermesh keys
create/list/revoke`` do the same. ``POST /v1/keys`` is the older spelling of
``POST /v1/api-keys``, kept for the clients that use it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, status

from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.entrypoints.api.api_keys import check_role, issue_key, list_keys, revoke_key
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import ApiKeyList, ApiKeyOut, KeyIn, KeyOut
from ordermesh.services.ports import ApiKey

router = APIRouter(prefix="/v1", tags=["keys"])

KeyId = Annotated[str, Path(min_length=1, max_length=100, description="the key's id")]


def _application(request: Request) -> Application:
    application: Application = request.app.state.application
    return application


def api_key_out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        role=key.role,
        label=key.label,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


@router.post(
    "/api-keys",
    response_model=KeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a new API key for a role (admin); the key is shown this once",
)
@router.post(
    "/keys",
    response_model=KeyOut,
    status_code=status.HTTP_201_CREATED,
    summary="Issue a new API key (the older path of POST /v1/api-keys)",
    deprecated=True,
)
def post_key(request: Request, caller: CallerDep, body: KeyIn) -> KeyOut:
    caller.allow()
    try:
        check_role(body.role)
    except ValueError as error:
        raise InvalidInput("request", [Problem("role", str(error))]) from None
    issued = issue_key(_application(request), body.role, body.label)
    assert issued is not None
    stored, key = issued
    return KeyOut(id=stored.id, role=body.role, label=body.label, key=key)


@router.get(
    "/api-keys",
    response_model=ApiKeyList,
    summary="Every API key issued, revoked ones included, with its last use (admin)",
)
def get_keys(request: Request, caller: CallerDep) -> ApiKeyList:
    caller.allow()
    return ApiKeyList(items=[api_key_out(key) for key in list_keys(_application(request))])


@router.delete(
    "/api-keys/{key_id}",
    response_model=ApiKeyOut,
    summary="Revoke an API key (admin): refused with 401 from its next request on",
)
def delete_key(request: Request, caller: CallerDep, key_id: KeyId) -> ApiKeyOut:
    caller.allow()
    return api_key_out(revoke_key(_application(request), key_id))
