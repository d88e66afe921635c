"""An intake exception moves only while it is open."""

from __future__ import annotations

import pytest

from ordermesh.domain.errors import IllegalTransition
from ordermesh.domain.intake import IntakeStatus, check_open


def test_an_open_exception_may_be_resolved_or_dismissed() -> None:
    check_open("ixc_1", IntakeStatus.OPEN, IntakeStatus.RESOLVED)
    check_open("ixc_1", IntakeStatus.OPEN, IntakeStatus.DISMISSED)


@pytest.mark.parametrize("status", [IntakeStatus.RESOLVED, IntakeStatus.DISMISSED])
def test_a_closed_exception_is_final(status: IntakeStatus) -> None:
    with pytest.raises(IllegalTransition) as raised:
        check_open("ixc_1", status, IntakeStatus.RESOLVED)
    assert (
        raised.value.entity == "intake_exception"
        and raised.value.detail == f"it is already {status}"
    )
