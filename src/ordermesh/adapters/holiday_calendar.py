"""Public holidays resolved to concrete dates, so the domain never consults a library."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

import holidays

# Routing looks at most weeks ahead; this window covers any order placed while this
# release is in service. Widen it here, in one place, if needed.
FIRST_YEAR = 2024
LAST_YEAR = 2035


class UnknownHolidayRegion(LookupError):
    pass


@lru_cache(maxsize=256)
def holiday_dates(country: str, subdivision: str | None) -> frozenset[date]:
    try:
        calendar = holidays.country_holidays(
            country, subdiv=subdivision, years=range(FIRST_YEAR, LAST_YEAR + 1)
        )
    except NotImplementedError as error:
        raise UnknownHolidayRegion(str(error)) from None
    return frozenset(calendar.keys())
