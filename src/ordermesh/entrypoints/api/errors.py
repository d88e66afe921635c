"""The one mapping of ordermesh's error tree to HTTP, and the one JSON shape of an error.

Every error response, whatever raised it, is::

    {"error": {"code": "insufficient_stock", "message": "...", "details": {...}}}

``code`` is the error class in snake case (``invalid_inventory``, ``unknown_sku``...), so a
client can branch on it; ``details`` carries the error's data: ``problems`` (a list of
``{"where", "message"}``) for invalid input, the node, SKU and quantities of a stock
conflict, and so on. Statuses, most specific first:

==========================================  ======
``InvalidInput`` and subclasses, bad fields   422
(``IdempotencyKeyReused`` among them)
malformed JSON body                           400
``NotFound`` and subclasses                   404
``Conflict`` (``InsufficientStock``, illegal
transitions, ...)                             409
missing, unknown or revoked API key           401
a key whose role may not do this              403
body larger than the limit                    413
a method the path does not have               405
any other ``OrdermeshError``                  500
==========================================  ======

A 405 carries ``Allow`` with every method of every route on that path: Starlette's own
lists only the first route it tried, and FastAPI makes one route per method.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from pydantic_core import InitErrorDetails
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import Send

from ordermesh.adapters.formats.validation_messages import field_path, problems_from_pydantic
from ordermesh.domain.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    OrdermeshError,
    Problem,
)


class ApiError(Exception):
    """An error that exists only at the HTTP edge (authentication, body size...)."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, details: Mapping[str, Any] | None = None) -> None:
        self.message = message
        self.details = dict(details or {})
        super().__init__(message)


class Unauthenticated(ApiError):
    status = 401
    code = "unauthenticated"


class Forbidden(ApiError):
    status = 403
    code = "forbidden"


class PayloadTooLarge(ApiError):
    status = 413
    code = "payload_too_large"


class MalformedJson(ApiError):
    status = 400
    code = "malformed_json"


# The tree, most specific first; the first match wins.
STATUS_BY_ERROR: list[tuple[type[OrdermeshError], int]] = [
    (InvalidInput, 422),
    (NotFound, 404),
    (Conflict, 409),
    (OrdermeshError, 500),
]


def status_of(error: OrdermeshError) -> int:
    return next(status for kind, status in STATUS_BY_ERROR if isinstance(error, kind))


def error_code(kind: type[BaseException]) -> str:
    """``InsufficientStock`` -> ``insufficient_stock``."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind.__name__).lower()


def error_body(code: str, message: str, details: Mapping[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": dict(details or {})}}


def problems_json(problems: Sequence[Problem]) -> list[dict[str, str]]:
    return [{"where": p.where, "message": p.message} for p in problems]


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def details_of(error: OrdermeshError) -> dict[str, Any]:
    """The data an error carries: its plain public attributes, and its problems."""
    details = {
        key: value
        for key, value in vars(error).items()
        if not key.startswith("_") and _jsonable(value)
    }
    if isinstance(error, InvalidInput):
        details["problems"] = problems_json(error.problems)
    return details


def render(error: OrdermeshError) -> JSONResponse:
    message = str(error).split("\n")[0]
    return JSONResponse(
        error_body(error_code(type(error)), message, details_of(error)), status_of(error)
    )


def _where(location: Sequence[int | str]) -> str:
    """``("body", "lines", 2, "quantity")`` -> ``lines[2].quantity``;
    ``("query", "limit")`` -> ``query.limit``."""
    if location and location[0] == "body":
        return field_path(location[1:]) or "body"
    return field_path(location)


def problems_from_request(error: RequestValidationError) -> list[Problem]:
    """FastAPI's validation errors in the words the CLI uses for the same mistakes."""
    problems: list[Problem] = []
    for detail in error.errors():
        location = tuple(detail.get("loc", ()))
        line: InitErrorDetails = {
            "type": detail["type"],
            "loc": location[1:] if location and location[0] == "body" else location,
            "input": detail.get("input"),
        }
        if "ctx" in detail:
            line["ctx"] = detail["ctx"]
        try:
            problems.extend(
                Problem(p.where or _where(location), p.message)
                for p in problems_from_pydantic(
                    ValidationError.from_exception_data("request", [line])
                )
            )
        except (TypeError, KeyError, ValueError):
            problems.append(Problem(_where(location), str(detail.get("msg", "is invalid"))))
    return problems


def _malformed(error: RequestValidationError) -> dict[str, Any] | None:
    for detail in error.errors():
        if detail.get("type") == "json_invalid":
            location = tuple(detail.get("loc", ()))
            position = location[1] if len(location) > 1 else None
            reason = str(detail.get("ctx", {}).get("error", "invalid JSON"))
            return {"position": position, "reason": reason}
    return None


async def _on_validation(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    malformed = _malformed(error)
    if malformed is not None:
        return JSONResponse(
            error_body(
                MalformedJson.code,
                f"the request body is not valid JSON: {malformed['reason']}"
                + (f" at character {malformed['position']}" if malformed["position"] else ""),
                malformed,
            ),
            MalformedJson.status,
        )
    problems = problems_from_request(error)
    return JSONResponse(
        error_body(
            "invalid_request",
            f"request: {len(problems)} problem(s): " + "; ".join(map(str, problems)),
            {"source": "request", "problems": problems_json(problems)},
        ),
        422,
    )


async def _on_ordermesh_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, OrdermeshError)
    return render(error)


async def _on_api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(error, Unauthenticated) else None
    return JSONResponse(
        error_body(error.code, error.message, error.details), error.status, headers=headers
    )


HTTP_METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on this path: asked of the routes themselves (which
    may be included routers), as the router would for each method."""
    routes = request.app.router.routes
    return [
        method
        for method in HTTP_METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    code = {404: "no_such_route", 405: "method_not_allowed"}.get(
        error.status_code, f"http_{error.status_code}"
    )
    message = error.detail if isinstance(error.detail, str) else "request refused"
    headers = dict(getattr(error, "headers", None) or {})
    details: dict[str, Any] = {}
    if error.status_code == 405:
        allowed = allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        details["allowed"] = allowed
        message = f"{request.method} is not allowed here (allowed: {headers['Allow']})"
    return JSONResponse(error_body(code, message, details), error.status_code, headers=headers)


async def _on_unexpected(_request: Request, _error: Exception) -> JSONResponse:
    return JSONResponse(error_body("internal_error", "the server failed; it is logged"), 500)


async def send_error(send: Send, error: ApiError, headers: Mapping[str, str] | None = None) -> None:
    """Answer with an ``ApiError`` straight from ASGI middleware (before any route runs)."""
    body = json.dumps(error_body(error.code, error.message, error.details)).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": error.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


def install(app: FastAPI) -> None:
    """Register the handlers that give every error the one shape above."""
    app.add_exception_handler(Exception, _on_unexpected)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(OrdermeshError, _on_ordermesh_error)
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
