"""Mutated partner files through the worker on a real SQLite database: the worker never
raises, every file leaves the inbox, a rejected file changes no business table (no partial
write), and no file is rejected by the safety net, i.e. by an exception rather than a
refusal (docs/fuzz.md)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from bench.fuzz.worker import WorkerHarness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_parser_fuzz import chooser

THROUGH_THE_WORKER = settings(
    max_examples=int(os.environ.get("ORDERMESH_WORKER_FUZZ_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerHarness]:
    harness = WorkerHarness(Path(tmp_path_factory.mktemp("worker-fuzz")))
    try:
        yield harness
    finally:
        harness.close()


@THROUGH_THE_WORKER
@given(data=st.data())
def test_a_mutated_file_is_applied_or_rejected_whole_and_the_worker_goes_on(
    harness: WorkerHarness, data: st.DataObject
) -> None:
    inbox, document = harness.generate(chooser(data))
    outcome = harness.drop(inbox, document)
    assert outcome.crash is None, outcome.crash
    assert outcome.settled_as in ("processed", "rejected")
    assert not outcome.partial_write
