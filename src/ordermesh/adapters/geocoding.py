"""Offline geocoding of US postal codes from the `zipcodes` package's data (no network calls).

`zipcodes.matching` scans all 42,000 records on every call (half a millisecond to a
millisecond), which an order stream of 100,000 rows pays 100,000 times. Here the records are
read into a dict by ZIP code once per process: first one bucket per three-digit prefix, each
filled on its first use by one scan (a process that places a few dozen nodes, the CLI, reads
a few dozen), and once codes of ``_FULL_AFTER`` prefixes have been asked for (a replay, the
order API), all 42,000 records at once (a fifth of a second), after which every code is a
dict lookup. The answers are those of `zipcodes.matching` (its first record for the code),
and so is what it accepts: surrounding whitespace, ZIP+4 and anything after the first five
digits are ignored.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import zipcodes

from ordermesh.domain.model import Location

__all__ = ["UnknownPostalCode", "geocode", "zip5"]

# What `zipcodes` trims from around a code before reading it: Unicode White_Space (Rust's
# `str::trim`), which is not quite Python's `str.isspace` (that also takes \x1c-\x1f).
_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_DIGITS = frozenset("0123456789")
_PREFIX = 3
_FULL_AFTER = 64  # prefixes scanned one by one before all records are read at once

# Centroid and state per ZIP code: by the code's first three digits, then all of them.
_Centroid = tuple[float, float, str]
_buckets: dict[str, dict[str, _Centroid]] = {}
_everywhere: dict[str, _Centroid] | None = None  # set whole, never seen half filled


class UnknownPostalCode(LookupError):
    """The postal code is not one we can place on the map."""


def zip5(postal_code: str) -> str | None:
    """The five-digit ZIP code ``postal_code`` stands for, as `zipcodes` reads it (trimmed,
    the first five characters, all digits), or None when it is not one."""
    code = postal_code.strip(_WHITESPACE)[:5]
    if len(code) != 5 or not _DIGITS.issuperset(code):
        return None
    return code


def _index(records: list[dict[str, Any]]) -> dict[str, _Centroid]:
    index: dict[str, _Centroid] = {}
    for record in records:
        # A code listed twice keeps its first record, as `zipcodes.matching(...)[0]` does.
        index.setdefault(
            record["zip_code"], (float(record["lat"]), float(record["long"]), record["state"])
        )
    return index


def _centroid(code: str) -> _Centroid | None:
    global _everywhere
    if _everywhere is not None:
        return _everywhere.get(code)
    prefix = code[:_PREFIX]
    bucket = _buckets.get(prefix)
    if bucket is None:
        if len(_buckets) >= _FULL_AFTER:
            everywhere = _index(zipcodes.list_all())  # type: ignore[no-untyped-call]
            _everywhere = everywhere
            return everywhere.get(code)
        bucket = _buckets[prefix] = _index(zipcodes.similar_to(prefix))  # type: ignore[no-untyped-call]
    return bucket.get(code)


@lru_cache(maxsize=65536)
def geocode(postal_code: str, country: str) -> Location:
    """The centroid of a postal code. Only US codes are known offline; anything else is
    refused so a typo never lands an order at latitude 0, longitude 0."""
    if country.upper() != "US":
        raise UnknownPostalCode(
            f"postal codes of {country!r} cannot be geocoded offline; give lat/lon instead"
        )
    code = zip5(postal_code) if isinstance(postal_code, str) else None
    if code is None:
        raise UnknownPostalCode(f"{postal_code!r} is not a US ZIP code")
    centroid = _centroid(code)
    if centroid is None:
        raise UnknownPostalCode(f"unknown US ZIP code {postal_code!r}")
    lat, lon, state = centroid
    return Location(lat=lat, lon=lon, postal_code=code, country="US", state=state)
