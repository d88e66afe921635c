"""Great-circle distance, the field's measure for carrier zones."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

from ordermesh.domain.model import Location

EARTH_RADIUS_MILES = 3958.8


def great_circle_miles(a: Location, b: Location) -> float:
    """Haversine distance in statute miles."""
    lat1, lon1, lat2, lon2 = map(radians, (a.lat, a.lon, b.lat, b.lon))
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_MILES * asin(min(1.0, sqrt(h)))
