"""The operations console: server-rendered pages at ``/`` over the same services as the API,
with every asset (htmx, Swagger UI, ReDoc, the US map) served from ``static/`` so it works
with no internet access (docs/console.md)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from ordermesh.entrypoints.console import pages
from ordermesh.entrypoints.console.session import BadCsrfToken, SignInRequired

_HERE = Path(__file__).parent


def install(app: FastAPI) -> None:
    """Add the console's pages, its static files and the offline API docs to ``app`` (made
    with ``docs_url=None, redoc_url=None``)."""
    app.state.console_templates = Jinja2Templates(directory=_HERE / "templates")
    app.mount("/static", StaticFiles(directory=_HERE / "static"), name="static")
    app.include_router(pages.router)
    _api_docs(app)

    async def sign_in_first(request: Request, error: Exception) -> Response:
        assert isinstance(error, SignInRequired)
        return RedirectResponse(f"/sign-in?next={error.next_path}", status_code=303)

    async def stale_form(request: Request, error: Exception) -> Response:
        return HTMLResponse(
            "<!doctype html><title>Form expired</title><p>This form has expired or did not "
            'come from the console. <a href="/">Go back</a> and try again.</p>',
            status_code=403,
        )

    app.add_exception_handler(SignInRequired, sign_in_first)
    app.add_exception_handler(BadCsrfToken, stale_form)


def _api_docs(app: FastAPI) -> None:
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="data:,",
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} API",
            redoc_js_url="/static/vendor/redoc/redoc.standalone.js",
            redoc_favicon_url="data:,",
            with_google_fonts=False,
        )
