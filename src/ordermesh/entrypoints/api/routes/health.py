"""Liveness, readiness and Prometheus metrics: no API key needed."""

from __future__ import annotations

from functools import lru_cache

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse

from ordermesh.adapters.db.migrate import alembic_config, current_revision
from ordermesh.bootstrap import Application
from ordermesh.domain.errors import NetworkNotLoaded
from ordermesh.entrypoints.api.dtos import Health, Readiness
from ordermesh.entrypoints.api.metrics import Metrics
from ordermesh.services import network as network_service

router = APIRouter(tags=["health"])


@lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest migration this code ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


@router.get("/healthz", response_model=Health, summary="The process is up")
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="The database is reachable and migrated, and a network is loaded",
    responses={503: {"model": Readiness, "description": "not ready; `checks` says why"}},
)
def readyz(request: Request) -> Response:
    application: Application = request.app.state.application
    checks: dict[str, str] = {}
    try:
        with application.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        checks["database"] = "ok"
    except sa.exc.SQLAlchemyError as error:
        checks["database"] = f"unreachable: {type(error).__name__}"
    if checks["database"] == "ok":
        revision = current_revision(application.engine)
        head = head_revision()
        checks["migrations"] = "ok" if revision == head else f"at {revision}, expected {head}"
        try:
            version = network_service.current_network(application.read_uow()).version
            checks["network"] = f"ok (version {version})"
        except NetworkNotLoaded:
            checks["network"] = "no network loaded"
    ready = all(value.startswith("ok") for value in checks.values()) and len(checks) == 3
    body = Readiness(status="ready" if ready else "not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    summary="Prometheus metrics (text exposition format)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {}}}},
)
def metrics(request: Request) -> Response:
    registry: Metrics = request.app.state.metrics
    payload, content_type = registry.exposition()
    return Response(payload, media_type=content_type)
