"""Promise dates: the node's next working moment, then carrier working days in transit."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest

from ordermesh.domain.model import Calendar, Location, Node, NodeType
from ordermesh.domain.promise import (
    NeverOpen,
    add_working_days,
    delivery_date,
    promise_date,
    ship_date,
    working_days_between,
)

WEEKENDS_CLOSED = Calendar(closed_weekdays=frozenset({5, 6}))


def warehouse(
    timezone_name: str = "America/New_York",
    cutoff: time = time(14, 0),
    calendar: Calendar = WEEKENDS_CLOSED,
) -> Node:
    return Node(
        id="DC",
        name="DC",
        type=NodeType.WAREHOUSE,
        location=Location(40.7, -74.0),
        timezone=timezone_name,
        cutoff=cutoff,
        calendar=calendar,
    )


def new_york(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A New York wall-clock time in June 2026 (EDT, UTC-4), as an aware datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=timezone(timedelta(hours=-4)))


# 2026-06-10 is a Wednesday; 2026-06-12 a Friday; 2026-06-15 a Monday.


def test_an_order_before_the_cutoff_ships_today() -> None:
    assert ship_date(warehouse(), new_york(2026, 6, 10, 11)) == date(2026, 6, 10)


def test_an_order_at_the_cutoff_minute_still_ships_today() -> None:
    assert ship_date(warehouse(), new_york(2026, 6, 10, 14)) == date(2026, 6, 10)


def test_an_order_after_the_cutoff_ships_the_next_working_day() -> None:
    assert ship_date(warehouse(), new_york(2026, 6, 10, 14, 1)) == date(2026, 6, 11)


def test_friday_after_the_cutoff_ships_on_monday() -> None:
    assert ship_date(warehouse(), new_york(2026, 6, 12, 18)) == date(2026, 6, 15)


def test_an_order_on_a_closed_day_ships_the_next_working_day_whatever_the_hour() -> None:
    saturday_morning = new_york(2026, 6, 13, 9)
    assert ship_date(warehouse(), saturday_morning) == date(2026, 6, 15)


def test_a_blackout_date_is_skipped() -> None:
    calendar = Calendar(
        closed_weekdays=frozenset({5, 6}), blackout_dates=frozenset({date(2026, 6, 11)})
    )
    after_cutoff = new_york(2026, 6, 10, 16)
    assert ship_date(warehouse(calendar=calendar), after_cutoff) == date(2026, 6, 12)


def test_a_holiday_is_skipped() -> None:
    juneteenth = date(2026, 6, 19)  # a Friday
    calendar = Calendar(closed_weekdays=frozenset({5, 6}), holidays=frozenset({juneteenth}))
    thursday_evening = new_york(2026, 6, 18, 17)
    assert ship_date(warehouse(calendar=calendar), thursday_evening) == date(2026, 6, 22)


def test_the_cutoff_is_read_on_the_nodes_own_clock() -> None:
    # 21:30 UTC is 14:30 in Los Angeles in June (PDT, UTC-7): past a 14:00 cutoff. In
    # January (PST, UTC-8) the same UTC time is 13:30, before it. In New York it is
    # 17:30 in June, long past.
    los_angeles = warehouse("America/Los_Angeles")
    summer = datetime(2026, 6, 10, 21, 30, tzinfo=UTC)
    winter = datetime(2026, 1, 14, 21, 30, tzinfo=UTC)  # also a Wednesday
    assert ship_date(los_angeles, summer) == date(2026, 6, 11)
    assert ship_date(los_angeles, winter) == date(2026, 1, 14)
    assert ship_date(warehouse("America/New_York"), summer) == date(2026, 6, 11)


def test_21_utc_is_exactly_the_los_angeles_cutoff_in_summer_and_ships_that_day() -> None:
    los_angeles = warehouse("America/Los_Angeles")
    assert ship_date(los_angeles, datetime(2026, 6, 10, 21, 0, tzinfo=UTC)) == date(2026, 6, 10)


def test_the_local_date_can_differ_from_the_utc_date() -> None:
    # 02:00 UTC on Thursday is still Wednesday 19:00 in Los Angeles: past the cutoff.
    los_angeles = warehouse("America/Los_Angeles")
    late = datetime(2026, 6, 11, 2, 0, tzinfo=UTC)
    assert ship_date(los_angeles, late) == date(2026, 6, 11)


def test_transit_days_count_only_carrier_working_days() -> None:
    # Shipped Thursday with three transit days: Friday, (weekend), Monday, Tuesday.
    thursday_morning = new_york(2026, 6, 11, 9)
    assert promise_date(warehouse(), thursday_morning, 3) == date(2026, 6, 16)


def test_a_parcel_shipped_on_a_carrier_rest_day_is_collected_on_the_next_working_day() -> None:
    open_every_day = warehouse(calendar=Calendar())
    saturday_morning = new_york(2026, 6, 13, 9)
    assert ship_date(open_every_day, saturday_morning) == date(2026, 6, 13)
    assert promise_date(open_every_day, saturday_morning, 1) == date(2026, 6, 16)


def test_a_carrier_calendar_can_deliver_on_saturdays() -> None:
    saturday_delivery = Calendar(closed_weekdays=frozenset({6}))
    friday_morning = new_york(2026, 6, 12, 9)
    assert promise_date(warehouse(), friday_morning, 1, saturday_delivery) == date(2026, 6, 13)


def test_zero_transit_days_arrive_on_the_pickup_day() -> None:
    assert delivery_date(date(2026, 6, 10), 0) == date(2026, 6, 10)


def test_working_days_between_counts_forward_and_backward() -> None:
    wednesday, next_tuesday = date(2026, 6, 10), date(2026, 6, 16)
    assert working_days_between(WEEKENDS_CLOSED, wednesday, next_tuesday) == 4
    assert working_days_between(WEEKENDS_CLOSED, next_tuesday, wednesday) == -4
    assert working_days_between(WEEKENDS_CLOSED, wednesday, wednesday) == 0
    assert add_working_days(WEEKENDS_CLOSED, wednesday, 4) == next_tuesday


def test_a_naive_order_time_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        ship_date(warehouse(), datetime(2026, 6, 10, 11))


def test_a_calendar_that_never_opens_is_refused_rather_than_looping() -> None:
    never = warehouse(calendar=Calendar(closed_weekdays=frozenset(range(7))))
    with pytest.raises(NeverOpen):
        ship_date(never, new_york(2026, 6, 10, 11))
