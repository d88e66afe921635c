"""``create_app(application)``: the FastAPI app over a bootstrapped ``Application``.

Nothing is built at import time. ``ordermesh serve`` runs uvicorn with ``factory=True`` on
``app_from_environment``, so every worker process bootstraps its own engine.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.routing import APIRoute

from ordermesh import __version__
from ordermesh.bootstrap import Application, bootstrap
from ordermesh.entrypoints import console
from ordermesh.entrypoints.api import errors
from ordermesh.entrypoints.api.api_keys import active_key
from ordermesh.entrypoints.api.auth import RoleLookup
from ordermesh.entrypoints.api.body_limit import DEFAULT_MAX_BODY_BYTES, BodySizeLimit
from ordermesh.entrypoints.api.dtos import ErrorResponse
from ordermesh.entrypoints.api.metrics import Metrics
from ordermesh.entrypoints.api.routes import (
    advice,
    availability,
    events,
    fulfillment,
    health,
    intake_exceptions,
    inventory,
    keys,
    network,
    orders,
    overview,
    replays,
    shopify,
    webhooks,
)

DESCRIPTION = """\
ordermesh: distributed order management. Every `/v1` endpoint takes an API key as
`Authorization: Bearer <key>` (create one with `ordermesh keys create --role admin`).
Errors share one shape: `{"error": {"code", "message", "details"}}` (docs/api.md).
"""

ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "malformed request: the body is not JSON (`malformed_json`)",
        401: "missing, unknown or revoked API key",
        403: "the key's role may not do this",
        404: "something referenced does not exist",
        409: "the current state refuses the request",
        413: "request body too large",
        422: "invalid input: every bad field is listed with its path",
    }.items()
}


def _role_lookup(application: Application) -> RoleLookup:
    def lookup(hashed: str) -> str | None:
        key = active_key(application, hashed)
        return None if key is None else str(key.role)

    return lookup


def create_app(
    application: Application, *, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
) -> FastAPI:
    app = FastAPI(
        title="ordermesh",
        version=__version__,
        description=DESCRIPTION,
        responses=ERROR_RESPONSES,
        # Served by the console from vendored assets, so they render with no internet.
        docs_url=None,
        redoc_url=None,
    )
    app.state.application = application
    app.state.metrics = Metrics.create()
    errors.install(app)
    for module in (
        health,
        network,
        inventory,
        availability,
        orders,
        fulfillment,
        events,
        keys,
        overview,
        replays,
        advice,
    ):
        app.include_router(module.router)
    for module in (webhooks, shopify, intake_exceptions):
        app.include_router(module.router)
    console.install(app)
    # Added last runs first: authentication, then the body limit, then metrics.
    _observe_requests(app)
    app.add_middleware(BodySizeLimit, max_bytes=max_body_bytes)
    # Shopify signs its webhook instead of sending a key.
    app.add_middleware(shopify.Authentication, keys=_role_lookup(application))
    return app


def _observe_requests(app: FastAPI) -> None:
    metrics: Metrics = app.state.metrics

    @app.middleware("http")
    async def observe(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        template = route.path if isinstance(route, APIRoute) else "unmatched"
        metrics.requests.labels(request.method, template, str(response.status_code)).inc()
        metrics.request_seconds.labels(request.method, template).observe(
            time.perf_counter() - started
        )
        return response


def app_from_environment() -> FastAPI:
    """The uvicorn factory: bootstrap from the environment, in the worker process.

    ``ordermesh serve`` has migrated the database already (and says so with
    ``ORDERMESH_MIGRATED``), so workers do not race to run migrations."""
    application = bootstrap(migrate=os.environ.get("ORDERMESH_MIGRATED") != "1")
    app = create_app(application)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app_: FastAPI) -> AsyncIterator[None]:
        async with inner(app_):
            try:
                yield
            finally:
                application.close()

    app.router.lifespan_context = lifespan
    return app
