"""Concurrent inventory changes through the services lose no update, on both databases."""

from __future__ import annotations

import traceback
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from racing import race

from ordermesh.adapters.clock import SystemClock
from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.services import inventory, network

NETWORK = Path(__file__).parent.parent / "data" / "network_small.yaml"
WORKERS = 4
RECEIPTS = 10
TIMEOUT_S = 60


def _receive_one_at_a_time(url: str, worker: int, barrier: Barrier, results: Any) -> None:
    error: str | None = None
    engine = create_engine(url)
    try:
        barrier.wait(timeout=TIMEOUT_S)
        for _ in range(RECEIPTS):
            inventory.adjust(
                SqlUnitOfWork(engine),
                "DC-RENO",
                "MUG-BLUE",
                1,
                AdjustmentReason.RECEIPT,
                f"worker-{worker}",
                SystemClock(),
            )
    except BaseException:
        error = traceback.format_exc()
    finally:
        engine.dispose()
    results.put((worker, error))


def test_concurrent_adjustments_lose_no_update(engine: sa.Engine, database_url: str) -> None:
    document, _ = load_network_file(NETWORK.read_bytes(), str(NETWORK))
    network.load_network(SqlUnitOfWork(engine), document, checksum(document), SystemClock())

    outcomes = race(_receive_one_at_a_time, [(database_url, w) for w in range(WORKERS)])

    assert {w: e for w, e in outcomes if e is not None} == {}
    with SqlUnitOfWork(engine) as uow:
        (position,) = uow.inventory.positions("DC-RENO", ["MUG-BLUE"])
        journal = uow.inventory.journal("DC-RENO", limit=1000)
    assert position.on_hand == WORKERS * RECEIPTS
    assert len(journal) == WORKERS * RECEIPTS
    # Each journal line starts where another ended: a chain with no gap and no fork.
    assert sorted(e.change.on_hand_before for e in journal) == list(range(WORKERS * RECEIPTS))
