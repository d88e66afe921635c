"""API keys: random, shown once, stored as their SHA-256; each bound to one role.

Roles: ``admin``, ``channel:<id>``, ``node:<id>`` (what each may do: auth.py, docs/api.md).
A key is issued only for a channel or node of the current network, so a typo cannot make a
key that works for nothing (or, later, for a newly added partner it was not meant for).
Keys are listed and revoked by id; their hashes never leave this module's callers' rows.
Each key's last use is recorded at most once per ``LAST_USE_EVERY``, not on every request.
This module imports no web framework, so the CLI (``ordermesh keys ...``) uses it cheaply.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, Problem, UnknownApiKey
from ordermesh.domain.network import Network
from ordermesh.services import network as network_service
from ordermesh.services.ports import ApiKey

ROLE_PATTERN = re.compile(r"^(admin|(channel|node):[A-Za-z0-9][A-Za-z0-9_.:-]*)$")
KEY_PREFIX = "om_"
LAST_USE_EVERY = timedelta(minutes=1)


def new_key() -> str:
    """256 bits from the OS, URL-safe, recognisable by its prefix."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def check_role(role: str) -> str:
    """The role if it is well formed, else ValueError."""
    if not ROLE_PATTERN.match(role):
        raise ValueError(f"{role!r} is not a role: use admin, channel:<id> or node:<id>")
    return role


def role_problems(role: str, network: Network) -> list[Problem]:
    """A well-formed role whose channel or node the network does not have."""
    kind, _, target = role.partition(":")
    known = {"channel": network.channels, "node": network.nodes}.get(kind)
    if known is None or target in known:
        return []
    return [Problem("role", f"role {role!r}: the network has no {kind} {target!r}")]


def check_role_target(application: Application, role: str) -> None:
    """``InvalidInput`` naming the role when its channel or node does not exist."""
    if role == "admin":
        return
    network = network_service.current_network(application.read_uow()).network
    problems = role_problems(role, network)
    if problems:
        raise InvalidInput("role", problems)


def create_key(application: Application, role: str, label: str = "") -> str:
    """Store the hash of a new key for ``role`` and return the key, the only time it is seen."""
    key = create_key_if_none(application, role, label, only_if_none=False)
    assert key is not None
    return key


def create_key_if_none(
    application: Application, role: str, label: str = "", *, only_if_none: bool = True
) -> str | None:
    """A new key for ``role``, unless ``only_if_none`` and an active key of it exists
    (then None): how `make run` issues the first admin key once and only once."""
    issued = issue_key(application, role, label, only_if_none=only_if_none)
    return None if issued is None else issued[1]


def issue_key(
    application: Application, role: str, label: str = "", *, only_if_none: bool = False
) -> tuple[ApiKey, str] | None:
    """The stored key (its id, to list or revoke it) and the key itself, shown this once."""
    check_role(role)
    check_role_target(application, role)
    key = new_key()
    with application.uow() as uow:
        if only_if_none and any(
            k.role == role and k.revoked_at is None for k in uow.api_keys.all()
        ):
            return None
        stored = uow.api_keys.add(key_hash(key), role, label, application.clock.now())
        uow.commit()
    return stored, key


def list_keys(application: Application) -> list[ApiKey]:
    """Every key ever issued, revoked ones included, oldest first."""
    with application.read_uow() as uow:
        return uow.api_keys.all()


def revoke_key(application: Application, key_id: str) -> ApiKey:
    """Revoke a key (at once: every request looks its key up). Revoking a revoked key
    changes nothing and answers it as it is."""
    with application.uow() as uow:
        if uow.api_keys.get(key_id) is None:
            raise UnknownApiKey(key_id)
        uow.api_keys.revoke(key_id, application.clock.now())
        revoked = uow.api_keys.get(key_id)
        uow.commit()
    assert revoked is not None
    return revoked


def active_key(application: Application, hashed: str) -> ApiKey | None:
    """The unrevoked key with this hash, its use recorded when the last record is older
    than ``LAST_USE_EVERY``; None for an unknown or revoked key.

    The lookup reads without the write lock, so on SQLite it never waits for an order being
    routed; only the once-a-minute record of use takes it, in a transaction of its own whose
    conditional update keeps concurrent requests from writing it twice."""
    with application.read_uow() as uow:
        key = uow.api_keys.find_active_by_hash(hashed)
    if key is None:
        return None
    now = application.clock.now()
    if key.last_used_at is None or key.last_used_at < now - LAST_USE_EVERY:
        with application.uow() as uow:
            uow.api_keys.record_use(key.id, now, now - LAST_USE_EVERY)
            uow.commit()
    return key
