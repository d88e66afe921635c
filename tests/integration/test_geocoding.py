"""Geocoding from the index gives the answers `zipcodes.matching` gave, call for call."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest
import zipcodes

from ordermesh.adapters import geocoding
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode, zip5
from ordermesh.domain.model import Location


def matching_geocode(postal_code: str, country: str) -> Location:
    """What ``geocode`` did before the index: a full scan of the records per call."""
    if country.upper() != "US":
        raise UnknownPostalCode(country)
    try:
        matches = zipcodes.matching(postal_code)  # type: ignore[no-untyped-call]
    except (ValueError, TypeError):
        raise UnknownPostalCode(postal_code) from None
    if not matches:
        raise UnknownPostalCode(postal_code)
    record = matches[0]
    return Location(
        lat=float(record["lat"]),
        lon=float(record["long"]),
        postal_code=postal_code[:5],
        country="US",
        state=record["state"],
    )


def answer(
    lookup: Callable[[str, str], Location], postal_code: str, country: str = "US"
) -> Location | str:
    try:
        return lookup(postal_code, country)
    except UnknownPostalCode:
        return "unknown"


def sample_codes(count: int) -> list[str]:
    codes: list[str] = [r["zip_code"] for r in zipcodes.list_all()]  # type: ignore[no-untyped-call]
    return random.Random(11).sample(codes, count)


# Inputs `zipcodes` normalises or refuses: ZIP+4 and its variants, whitespace around the
# code, trailing text, too short, letters, codes no one was given.
ODD_INPUTS = [
    "60610-1234", "606101234", "60610-", "60610-abcd", "60610 1234", "60610--", "60610.",
    "60610\n", "60610\r\n", "60610\xa0", "60610-12345", "12345678901234567890",
    "6061", "6061-", "6061-0", "606 10", "6o610", "-60610", "+60610", "", "  ", "-----",
    "\u200b60610", "00000", "99999", "00001", "00501", "96799", "99950",
]  # fmt: skip


@pytest.mark.parametrize("postal_code", ODD_INPUTS)
def test_an_odd_input_gets_the_answer_the_full_scan_gave(postal_code: str) -> None:
    assert answer(geocode, postal_code) == answer(matching_geocode, postal_code)


def test_a_sample_of_real_codes_and_their_zip_plus_4_forms_get_the_same_centroids() -> None:
    for code in sample_codes(300):
        for form in (code, f"{code}-0001", f"{code}9999"):
            assert answer(geocode, form) == answer(matching_geocode, form), form


@pytest.mark.parametrize("postal_code", [" 60610", "\t60610", "\xa060610-1234"])
def test_a_code_with_leading_whitespace_is_named_by_its_five_digits(postal_code: str) -> None:
    # The full scan placed it at the same centroid, but named it by its first five
    # characters (" 6061").
    assert geocode(postal_code, "us") == geocode("60610", "US")
    assert geocode(postal_code, "US").postal_code == "60610"
    old = matching_geocode(postal_code, "US")
    assert (old.lat, old.lon, old.state) == (41.9033, -87.6336, "IL")


def test_a_code_the_full_scan_crashed_on_is_refused() -> None:
    # zipcodes cuts the code at byte 5 and panics inside a character; the index refuses it.
    with pytest.raises(UnknownPostalCode, match="is not a US ZIP code"):
        geocode("606\uff11\uff10", "US")


def test_an_unknown_code_and_a_foreign_country_are_refused_with_their_reason() -> None:
    with pytest.raises(UnknownPostalCode, match="unknown US ZIP code '00000'"):
        geocode("00000", "US")
    with pytest.raises(UnknownPostalCode, match="cannot be geocoded offline"):
        geocode("60610", "CA")
    assert zip5("60610-1234") == "60610"
    assert zip5("6061x") is None


@pytest.mark.parametrize("full_after", [0, 1_000])
def test_the_prefix_buckets_and_the_whole_index_give_the_same_answers(
    monkeypatch: pytest.MonkeyPatch, full_after: int
) -> None:
    # 0: every code from the index of all records; 1,000: every code from its prefix's scan.
    monkeypatch.setattr(geocoding, "_FULL_AFTER", full_after)
    monkeypatch.setattr(geocoding, "_buckets", {})
    monkeypatch.setattr(geocoding, "_everywhere", None)
    geocode.cache_clear()
    try:
        for code in [*sample_codes(100), "00000", "99999"]:
            assert answer(geocode, code) == answer(matching_geocode, code), code
        assert (geocoding._everywhere is None) == (full_after > 0)
    finally:
        geocode.cache_clear()
