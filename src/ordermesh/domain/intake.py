"""Intake exceptions: an order a channel sent that could not be placed as sent, kept with
its raw payload and the reasons, until someone retries it after a fix or dismisses it.

::

    open --retry succeeds--> resolved   (the order it became is recorded)
    open --dismiss---------> dismissed  (with the reason given)
    open --retry fails-----> open       (with the new reasons)

Resolved and dismissed are final: a retry or dismissal of either is refused.
"""

from __future__ import annotations

from enum import StrEnum

from ordermesh.domain.errors import IllegalTransition

ENTITY = "intake_exception"


class IntakeStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


class IntakeSource(StrEnum):
    """How the order came in; each source knows how to read its own stored payload again."""

    SHOPIFY = "shopify"
    API = "api"
    CSV = "csv"
    X12 = "x12"


def check_open(exception_id: str, status: IntakeStatus, to: IntakeStatus) -> None:
    """Refuse to move an exception that is already resolved or dismissed."""
    if status is not IntakeStatus.OPEN:
        raise IllegalTransition(ENTITY, exception_id, status, to, f"it is already {status}")
