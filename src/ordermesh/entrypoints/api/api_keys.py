"""API keys: random, shown once, stored as their SHA-256; each bound to one role.

Roles: ``admin``, ``channel:<id>``, ``node:<id>`` (what each may do: auth.py, docs/api.md).
This module imports no web framework, so the CLI (``ordermesh keys create``) uses it cheaply.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from ordermesh.bootstrap import Application

ROLE_PATTERN = re.compile(r"^(admin|(channel|node):[A-Za-z0-9][A-Za-z0-9_.:-]*)$")
KEY_PREFIX = "om_"


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
    check_role(role)
    key = new_key()
    with application.uow() as uow:
        if only_if_none and any(
            k.role == role and k.revoked_at is None for k in uow.api_keys.all()
        ):
            return None
        uow.api_keys.add(key_hash(key), role, label, application.clock.now())
        uow.commit()
    return key
