"""Property, for every inbound parser (X12 850/846/945/856/997 through the envelope reader,
the orders, shipments, inventory deltas and inventory CSVs, Shopify's JSON, the network
document): any mutation of a valid document either parses or is refused with the
documented input error, never another exception. ``python -m bench.fuzz`` (``make fuzz``)
runs the same over 100,000 inputs and more (docs/fuzz.md)."""

from __future__ import annotations

import os

import pytest
from bench.fuzz.mutations import Chooser
from bench.fuzz.targets import Target, targets
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

settings.register_profile(
    "ordermesh-fuzz",
    # A few hundred mutations per parser in the normal test run; more with the variable.
    max_examples=int(os.environ.get("ORDERMESH_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    print_blob=True,
)
FUZZ = settings.get_profile("ordermesh-fuzz")


class DrawChooser:
    """Mutations drawn by hypothesis, so a failure shrinks to the smallest mutation."""

    def __init__(self, data: st.DataObject) -> None:
        self._data = data

    def integer(self, low: int, high: int) -> int:
        return self._data.draw(st.integers(low, high))


def chooser(data: st.DataObject) -> Chooser:
    return DrawChooser(data)


@pytest.mark.parametrize("target", targets(), ids=lambda target: target.name)
def test_the_valid_seeds_parse(target: Target) -> None:
    for seed, _grammar in target.seeds:
        assert target.run(seed)


@pytest.mark.parametrize("target", targets(), ids=lambda target: target.name)
@FUZZ
@given(data=st.data())
def test_a_mutated_document_parses_or_is_refused_as_invalid_input(
    target: Target, data: st.DataObject
) -> None:
    document = target.generate(chooser(data))
    target.run(document)  # True or False; any other exception fails the test
