"""Promise dates: when a node ships an order and when the parcel arrives.

A node ships on its next working moment: the order's time is read on the node's own clock
(its IANA timezone), and an order placed after the node's cutoff, or on a day the node does
not work (closed weekday, blackout date, holiday), ships on the node's next working day.
The carrier then picks the parcel up on its first working day on or after the ship date and
delivers after the service's transit days, counted in carrier working days.

Everything here is arithmetic on dates the caller passes in: no clock is read.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from ordermesh.domain.model import Calendar, Node

# Parcel carriers in the field deliver Monday to Friday unless a network says otherwise.
DEFAULT_CARRIER_CALENDAR = Calendar(closed_weekdays=frozenset({5, 6}))

# A calendar that never opens would make the walk below endless; a year and a bit covers
# any real run of blackout dates and holidays.
_MAX_CLOSED_RUN_DAYS = 400
_ONE_DAY = timedelta(days=1)


class NeverOpen(ValueError):
    """A calendar has no working day within the search horizon."""

    def __init__(self, start: date) -> None:
        self.start = start
        super().__init__(
            f"no working day within {_MAX_CLOSED_RUN_DAYS} days of {start.isoformat()}"
        )


@lru_cache(maxsize=512)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def local_time(node: Node, at: datetime) -> datetime:
    """``at`` on the node's wall clock. ``at`` must be timezone-aware: a naive time would
    silently be read as the machine's local time, which differs between hosts."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("placed_at must be timezone-aware")
    return at.astimezone(_zone(node.timezone))


def first_working_day(calendar: Calendar, day: date) -> date:
    """``day`` itself if it is a working day, else the next one."""
    current = day
    for _ in range(_MAX_CLOSED_RUN_DAYS):
        if calendar.is_working_day(current):
            return current
        current += _ONE_DAY
    raise NeverOpen(day)


def next_working_day(calendar: Calendar, day: date) -> date:
    """The first working day strictly after ``day``."""
    return first_working_day(calendar, day + _ONE_DAY)


def add_working_days(calendar: Calendar, start: date, days: int) -> date:
    """``days`` working days after ``start`` (``start`` itself when ``days`` is 0)."""
    current = start
    for _ in range(days):
        current = next_working_day(calendar, current)
    return current


def working_days_between(calendar: Calendar, start: date, end: date) -> int:
    """Signed count of working days in (start, end] (or minus those in (end, start]).

    It answers "how many transit days fit between a pickup and a deadline": a parcel
    picked up on ``start`` with this many transit days arrives on or before ``end``, and a
    negative figure says the deadline had already passed by that many working days.
    """
    if end >= start:
        sign, low, high = 1, start, end
    else:
        sign, low, high = -1, end, start
    count = 0
    current = low + _ONE_DAY
    while current <= high:
        if calendar.is_working_day(current):
            count += 1
        current += _ONE_DAY
    return sign * count


def ship_date(node: Node, placed_at: datetime) -> date:
    """The node's next working moment for an order placed at ``placed_at``.

    The cutoff is the local time *after* which an order counts for the next working day,
    so an order placed exactly at the cutoff still ships that day.
    """
    local = local_time(node, placed_at)
    today = local.date()
    if not node.calendar.is_working_day(today):
        return first_working_day(node.calendar, today)
    if local.time() > node.cutoff:
        return next_working_day(node.calendar, today)
    return today


def pickup_date(shipped: date, carrier_calendar: Calendar | None = None) -> date:
    """The carrier collects on its first working day on or after the ship date."""
    return first_working_day(carrier_calendar or DEFAULT_CARRIER_CALENDAR, shipped)


def delivery_date(
    shipped: date, transit_days: int, carrier_calendar: Calendar | None = None
) -> date:
    """Arrival of a parcel shipped on ``shipped`` with ``transit_days`` carrier days."""
    calendar = carrier_calendar or DEFAULT_CARRIER_CALENDAR
    return add_working_days(calendar, pickup_date(shipped, calendar), transit_days)


def promise_date(
    node: Node,
    placed_at: datetime,
    transit_days: int,
    carrier_calendar: Calendar | None = None,
) -> date:
    """The date a parcel from ``node`` arrives when the order is placed at ``placed_at``
    and the service takes ``transit_days`` carrier working days."""
    return delivery_date(ship_date(node, placed_at), transit_days, carrier_calendar)
