"""The recipient's own rules: what a label, a CSV row and an EDI segment can carry."""

from __future__ import annotations

import pytest

from ordermesh.domain.order import RECIPIENT_MAX_LENGTHS, Recipient, recipient_problems

ADA = Recipient(
    name="Ada Lovelace",
    company="Analytical Engines Ltd",
    address1="1600 N Clark St",
    address2="Apt 3",
    city="Chicago",
    region="IL",
    phone="+1 312 555 0100",
    email="ada@example.com",
)


def test_a_full_recipient_within_every_limit_has_no_problem() -> None:
    assert recipient_problems(ADA) == []
    assert recipient_problems(Recipient()) == []


@pytest.mark.parametrize("field", sorted(RECIPIENT_MAX_LENGTHS))
def test_each_field_is_bounded_at_its_own_length(field: str) -> None:
    limit = RECIPIENT_MAX_LENGTHS[field]
    at_limit = "a@b.co".rjust(limit, "x") if field == "email" else "x" * limit
    assert recipient_problems(Recipient(**{field: at_limit})) == []
    [problem] = recipient_problems(Recipient(**{field: at_limit + "x"}))
    assert problem.where == f"ship_to.{field}"
    assert problem.message == f"at most {limit} characters, not {limit + 1}"


@pytest.mark.parametrize("text", ["Apt 3\nFloor 2", "Apt\t3", "Apt 3\r", "Apt\x7f3"])
def test_a_line_break_or_control_character_is_refused(text: str) -> None:
    [problem] = recipient_problems(Recipient(address2=text), where="")
    assert (problem.where, problem.message) == (
        "address2",
        "must not hold line breaks or control characters",
    )


@pytest.mark.parametrize(
    ("email", "ok"),
    [
        ("ada@example.com", True),
        ("ada.lovelace+orders@mail.example.co.uk", True),
        ("ada at example.com", False),
        ("ada@example", False),
        ("@example.com", False),
        ("ada@@example.com", False),
        ("ada @example.com", False),
    ],
)
def test_an_email_address_must_look_like_one(email: str, ok: bool) -> None:
    problems = recipient_problems(Recipient(email=email))
    assert (problems == []) is ok
    assert all(p.where == "ship_to.email" for p in problems)


def test_a_recipient_with_no_field_is_empty() -> None:
    assert Recipient().is_empty and Recipient(name="", phone="").is_empty
    assert not Recipient(phone="+1 312 555 0100").is_empty
