"""Offline geocoding of US postal codes with the `zipcodes` package (no network calls)."""

from __future__ import annotations

from functools import lru_cache

import zipcodes

from ordermesh.domain.model import Location


class UnknownPostalCode(LookupError):
    """The postal code is not one we can place on the map."""


@lru_cache(maxsize=65536)
def geocode(postal_code: str, country: str) -> Location:
    """The centroid of a postal code. Only US codes are known offline; anything else is
    refused so a typo never lands an order at latitude 0, longitude 0."""
    if country.upper() != "US":
        raise UnknownPostalCode(
            f"postal codes of {country!r} cannot be geocoded offline; give lat/lon instead"
        )
    if not postal_code.isascii():
        # zipcodes slices the code by bytes and panics (a BaseException, not a
        # ValueError) inside a multi-byte character: no ZIP code holds one.
        raise UnknownPostalCode(f"{postal_code!r} is not a US ZIP code")
    try:
        matches = zipcodes.matching(postal_code)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        raise UnknownPostalCode(f"{postal_code!r} is not a US ZIP code") from None
    if not matches:
        raise UnknownPostalCode(f"unknown US ZIP code {postal_code!r}")
    record = matches[0]
    return Location(
        lat=float(record["lat"]),
        lon=float(record["long"]),
        postal_code=postal_code[:5],
        country="US",
        state=record["state"],
    )
