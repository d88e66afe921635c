"""Console sign-in: a browser session bound to the API key it signed in with.

The console's cookie holds a random token; only hashes reach this module (the edge hashes
the key and the token as it hashes API keys), so nothing here can leak a secret. A session
acts with its key's role, and ends at sign-out, after ``SESSION_LIFETIME`` or as soon as its
key is revoked.
"""

from __future__ import annotations

from datetime import timedelta

from ordermesh.services.ports import Clock, ConsoleSession, UnitOfWork

SESSION_LIFETIME = timedelta(hours=8)  # a working shift


def sign_in(
    uow: UnitOfWork, key_hash: str, token_hash: str, csrf_token: str, clock: Clock
) -> ConsoleSession | None:
    """Open a session for the active key with this hash; None when no such key."""
    now = clock.now()
    with uow:
        key = uow.api_keys.find_active_by_hash(key_hash)
        if key is None:
            return None
        expires_at = now + SESSION_LIFETIME
        uow.console_sessions.add(token_hash, key.id, csrf_token, now, expires_at)
        uow.commit()
    return ConsoleSession(token_hash, key.id, key.role, csrf_token, now, expires_at)


def active_session(uow: UnitOfWork, token_hash: str, clock: Clock) -> ConsoleSession | None:
    with uow:
        return uow.console_sessions.active(token_hash, clock.now())


def sign_out(uow: UnitOfWork, token_hash: str, clock: Clock) -> None:
    with uow:
        uow.console_sessions.end(token_hash, clock.now())
        uow.commit()
