"""Many OS processes racing for the same units must never sell more than there is."""

from __future__ import annotations

import random
import traceback
from datetime import UTC, datetime
from multiprocessing.synchronize import Barrier
from typing import Any

import sqlalchemy as sa
from racing import race

from ordermesh.adapters.db.engine import create_engine
from ordermesh.adapters.db.tables import reservations
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.domain.availability import Position
from ordermesh.domain.inventory import AdjustmentReason, plan_adjustment

WORKERS = 8
STOCK = 10
NODE = "DC-1"
SKU = "MUG"
# Generous: the whole race takes a second or two; this only bounds a hang.
TIMEOUT_S = 60


def _reserve_until_sold_out(url: str, worker: int, barrier: Barrier, results: Any) -> None:
    """Runs in a spawned process: reserve 1 or 2 units at a time until none are left.

    A refused 2 is retried as a 1, so a worker stops only when the position is sold out;
    every worker stopping then means the stock was fully sold.
    """
    granted: list[int] = []
    error: str | None = None
    engine = create_engine(url)
    try:
        rng = random.Random(worker)
        quantity = rng.choice((1, 2))
        attempt = 0
        barrier.wait(timeout=TIMEOUT_S)
        while True:
            attempt += 1
            with SqlUnitOfWork(engine) as uow:
                ok = uow.inventory.try_reserve(
                    NODE, SKU, quantity, 0, f"w{worker}-{attempt}", datetime.now(UTC)
                )
                uow.commit()
            if ok:
                granted.append(quantity)
                quantity = rng.choice((1, 2))
            elif quantity == 2:
                quantity = 1
            else:
                break
    except BaseException:
        error = traceback.format_exc()
    finally:
        engine.dispose()
    results.put((worker, granted, error))


def test_concurrent_reservations_never_oversell(engine: sa.Engine, database_url: str) -> None:
    with SqlUnitOfWork(engine) as uow:
        change = plan_adjustment(Position(NODE, SKU), STOCK, AdjustmentReason.RECEIPT)
        uow.inventory.apply(change, "tester", datetime.now(UTC))
        uow.commit()

    outcomes = race(_reserve_until_sold_out, [(database_url, w) for w in range(WORKERS)])

    errors = {worker: error for worker, _, error in outcomes if error is not None}
    assert errors == {}
    granted = [units for _, units, _ in outcomes]
    assert sum(sum(units) for units in granted) == STOCK

    with engine.connect() as connection:
        open_units = connection.execute(
            sa.select(sa.func.coalesce(sa.func.sum(reservations.c.quantity), 0)).where(
                reservations.c.status == "open"
            )
        ).scalar_one()
    with SqlUnitOfWork(engine) as uow:
        (position,) = uow.inventory.positions(NODE, [SKU])
    assert open_units == position.reserved == STOCK
    assert position.on_hand == STOCK
