"""Who is at the console: the session cookie, and the CSRF token every form carries.

Sign-in takes an API key and opens a server-side session (``services.console_sessions``);
the browser keeps only a random token in an HttpOnly, SameSite=Strict cookie, so scripts
cannot read it and no other site can send it. Every form posts the session's CSRF token
as well, checked before anything is changed. Pages then act with the key's role, through
the same ``Caller`` rules as the API.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, Request

from ordermesh.bootstrap import Application
from ordermesh.entrypoints.api.api_keys import key_hash
from ordermesh.entrypoints.api.auth import Caller
from ordermesh.services import console_sessions
from ordermesh.services.ports import ConsoleSession

COOKIE = "ordermesh_session"


class SignInRequired(Exception):
    """No live session: the page answers with a redirect to the sign-in form."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path
        super().__init__(next_path)


class BadCsrfToken(Exception):
    """A form came without this session's CSRF token (another site, or a stale page)."""


@dataclass(frozen=True, slots=True)
class Viewer:
    """The signed-in person: the role of their key, and their session's CSRF token."""

    caller: Caller
    csrf_token: str
    token_hash: str


def application(request: Request) -> Application:
    app: Application = request.app.state.application
    return app


def open_session(app: Application, key: str) -> tuple[str, ConsoleSession] | None:
    """A new session for ``key``: (the cookie's token, the session); None for a bad key."""
    token = secrets.token_urlsafe(32)
    session = console_sessions.sign_in(
        app.uow(), key_hash(key.strip()), key_hash(token), secrets.token_urlsafe(32), app.clock
    )
    return None if session is None else (token, session)


def viewer(request: Request) -> Viewer:
    token = request.cookies.get(COOKIE)
    if token:
        app = application(request)
        session = console_sessions.active_session(app.uow(), key_hash(token), app.clock)
        if session is not None:
            return Viewer(Caller(session.role), session.csrf_token, session.token_hash)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise SignInRequired(quote(target, safe="/?=&"))


ViewerDep = Annotated[Viewer, Depends(viewer)]


def checked_viewer(
    request: Request, csrf_token: Annotated[str, Form(max_length=200)] = ""
) -> Viewer:
    """The viewer of a form post, refused unless the form carries their CSRF token."""
    who = viewer(request)
    if not hmac.compare_digest(csrf_token.encode(), who.csrf_token.encode()):
        raise BadCsrfToken()
    return who


FormViewerDep = Annotated[Viewer, Depends(checked_viewer)]
