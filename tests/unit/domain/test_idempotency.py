from __future__ import annotations

from ordermesh.domain.idempotency import is_reuse, request_fingerprint

ORDER = {
    "channel": "web",
    "ship_to": {"postal_code": "60610", "country": "US"},
    "lines": [{"sku": "MUG-BLUE", "quantity": 2}],
}


def test_the_same_order_in_another_key_order_has_the_same_fingerprint() -> None:
    shuffled = {
        "lines": [{"quantity": 2, "sku": "MUG-BLUE"}],
        "ship_to": {"country": "US", "postal_code": "60610"},
        "channel": "web",
    }
    assert request_fingerprint(shuffled) == request_fingerprint(ORDER)


def test_another_quantity_changes_the_fingerprint() -> None:
    more = {**ORDER, "lines": [{"sku": "MUG-BLUE", "quantity": 3}]}
    assert request_fingerprint(more) != request_fingerprint(ORDER)


def test_a_key_sent_again_with_another_body_is_a_reuse() -> None:
    stored = request_fingerprint(ORDER)
    assert is_reuse(stored, request_fingerprint({**ORDER, "channel": "amazon"}))
    assert not is_reuse(stored, stored)


def test_an_order_stored_without_a_fingerprint_is_answered_as_a_repeat() -> None:
    assert not is_reuse(None, request_fingerprint(ORDER))
    assert not is_reuse(request_fingerprint(ORDER), None)
