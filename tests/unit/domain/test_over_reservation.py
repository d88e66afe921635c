from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ordermesh.domain.over_reservation import HeldUnits, UnitCut, plan_over_reservation

MONDAY = datetime(2026, 6, 8, 9, 0, tzinfo=UTC)


def held(request_id: str, units: int, hours: int, *, accepted: bool = False) -> HeldUnits:
    return HeldUnits(request_id, "1", units, MONDAY + timedelta(hours=hours), accepted)


def test_a_position_that_still_covers_its_reservations_loses_nothing() -> None:
    assert plan_over_reservation(5, [held("old", 2, 0), held("new", 3, 1)]) == []


def test_the_newest_request_loses_its_units_first_and_the_oldest_keeps_its_own() -> None:
    cuts = plan_over_reservation(2, [held("old", 2, 0), held("mid", 2, 1), held("new", 2, 2)])

    assert cuts == [UnitCut("new", "1", 2), UnitCut("mid", "1", 2)]


def test_a_cut_takes_only_the_shortfall_from_the_last_request_it_touches() -> None:
    cuts = plan_over_reservation(3, [held("old", 2, 0), held("new", 2, 1)])

    assert cuts == [UnitCut("new", "1", 1)]


def test_an_accepted_request_keeps_its_units_while_newer_unaccepted_ones_can_give_them() -> None:
    cuts = plan_over_reservation(
        2, [held("accepted", 2, 5, accepted=True), held("older", 2, 0), held("newer", 2, 1)]
    )

    assert cuts == [UnitCut("newer", "1", 2), UnitCut("older", "1", 2)]


def test_an_accepted_request_gives_units_when_nothing_else_covers_the_shortfall() -> None:
    cuts = plan_over_reservation(1, [held("accepted", 2, 5, accepted=True), held("open", 1, 0)])

    assert cuts == [UnitCut("open", "1", 1), UnitCut("accepted", "1", 1)]


def test_a_count_below_zero_is_read_as_an_empty_shelf() -> None:
    assert plan_over_reservation(-4, [held("only", 3, 0)]) == [UnitCut("only", "1", 3)]
