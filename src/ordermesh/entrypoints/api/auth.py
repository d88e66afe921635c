"""API keys and roles: who is calling, and may they do this?

A key travels as ``Authorization: Bearer <key>``; only its SHA-256 is stored. Each key is
bound to one role:

- ``admin``: everything;
- ``channel:<id>``: submit orders for channel ``<id>`` and read, cancel, hold, release or
  re-address its own orders, read availability, the network and rule sets;
- ``node:<id>``: read its own fulfillment requests and accept, reject, ship or deliver them,
  read an order while it holds one of its requests (not cancelled or rejected), post
  inventory for itself only, read availability and the network.

A missing, unknown or revoked key is 401; a known key whose role may not do this is 403.
Every request looks its key up (one indexed read), so a revoked key is refused from the
next request on, in every process; the same read records the key's last use, at most once a
minute (``api_keys.LAST_USE_EVERY``).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

from ordermesh.entrypoints.api.api_keys import key_hash
from ordermesh.entrypoints.api.errors import Forbidden, Unauthenticated, send_error

RoleKind = Literal["admin", "channel", "node"]

# A key's role, found by the hash of the key (recording its use); None when unknown or revoked.
RoleLookup = Callable[[str], str | None]


@dataclass(frozen=True, slots=True)
class Caller:
    """The authenticated caller: its role, split into kind and scope (channel or node id)."""

    role: str

    @property
    def kind(self) -> RoleKind:
        kind = self.role.split(":", 1)[0]
        assert kind in ("admin", "channel", "node")
        return kind  # type: ignore[return-value]

    @property
    def scope(self) -> str | None:
        return self.role.split(":", 1)[1] if ":" in self.role else None

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"

    def allow(self, *kinds: RoleKind) -> Caller:
        """Refuse (403) unless the caller's role is admin or one of ``kinds``."""
        if not self.is_admin and self.kind not in kinds:
            allowed = ", ".join(("admin", *kinds))
            raise Forbidden(
                f"role {self.role!r} may not do this (allowed: {allowed})",
                {"role": self.role, "allowed": allowed},
            )
        return self

    def for_channel(self, channel_id: str) -> Caller:
        """Admin, or the key of this very channel."""
        if not self.is_admin and not (self.kind == "channel" and self.scope == channel_id):
            raise Forbidden(
                f"role {self.role!r} may not act for channel {channel_id!r}",
                {"role": self.role, "channel": channel_id},
            )
        return self

    def for_node(self, node_id: str) -> Caller:
        """Admin, or the key of this very node."""
        if not self.is_admin and not (self.kind == "node" and self.scope == node_id):
            raise Forbidden(
                f"role {self.role!r} may not act for node {node_id!r}",
                {"role": self.role, "node": node_id},
            )
        return self

    def for_any_node(self, node_ids: Collection[str]) -> Caller:
        """Admin, or the key of one of these nodes."""
        if not self.is_admin and not (self.kind == "node" and self.scope in node_ids):
            raise Forbidden(
                f"role {self.role!r} holds no fulfillment request of this order",
                {"role": self.role},
            )
        return self

    @property
    def actor(self) -> str:
        """Who the journals and transitions record."""
        return f"api:{self.role}"


class Authentication:
    """Pure ASGI middleware: every ``/v1`` request must carry a valid key, checked before
    anything reads the body (so a bad key is 401 even with a malformed body). The caller is
    left in ``scope["state"]["caller"]`` for the ``CallerDep`` dependency."""

    def __init__(self, app: ASGIApp, keys: RoleLookup, prefix: str = "/v1/") -> None:
        self.app = app
        self.keys = keys
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        try:
            caller = await self._caller(Headers(scope=scope).get("authorization"))
        except Unauthenticated as error:
            await send_error(send, error, {"WWW-Authenticate": "Bearer"})
            return
        scope.setdefault("state", {})["caller"] = caller
        await self.app(scope, receive, send)

    async def _caller(self, header: str | None) -> Caller:
        if not header:
            raise Unauthenticated("missing API key: send `Authorization: Bearer <key>`")
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthenticated("the Authorization header must be `Bearer <key>`")
        hashed = key_hash(key.strip())
        role = await run_in_threadpool(self.keys, hashed)
        if role is None:
            raise Unauthenticated("unknown or revoked API key")
        return Caller(role)


_bearer = HTTPBearer(auto_error=False, description="an API key: `ordermesh keys create`")


def authenticate(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Caller:
    """The caller the ``Authentication`` middleware found (declared here for OpenAPI)."""
    caller = request.scope.get("state", {}).get("caller")
    if not isinstance(caller, Caller):
        raise Unauthenticated("missing API key: send `Authorization: Bearer <key>`")
    return caller


CallerDep = Annotated[Caller, Depends(authenticate)]
