"""Request fingerprints for the ``Idempotency-Key`` header (IETF draft
draft-ietf-httpapi-idempotency-key-header): a key names one request, and the fingerprint
says whether a request sent again under that key is the same one.

The fingerprint hashes the request *as understood*, not its bytes: the body as canonical
JSON (keys sorted, no insignificant whitespace, defaults filled in by the edge that parsed
it), so a client that re-serialises the same order in another key order or spacing is
still repeating itself, while one that changes a quantity, a SKU or the address is not.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping

from ordermesh.domain.routing.explain import JsonValue

FINGERPRINT_PREFIX = "sha256:"


def request_fingerprint(body: Mapping[str, JsonValue]) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return FINGERPRINT_PREFIX + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def is_reuse(stored: str | None, presented: str | None) -> bool:
    """A key sent again for a different request. An order stored without a fingerprint
    (placed before fingerprints were kept) or a request without one cannot be compared,
    and is taken as a repeat, as before."""
    return stored is not None and presented is not None and stored != presented
