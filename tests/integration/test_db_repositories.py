"""The SQL repositories and unit of work, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa

from ordermesh.adapters.db.tables import inventory_journal, reservations
from ordermesh.adapters.db.unit_of_work import SqlUnitOfWork
from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.domain.availability import Position
from ordermesh.domain.inventory import (
    AdjustmentReason,
    ChangeKind,
    PositionChange,
    SnapshotLine,
    plan_adjustment,
    plan_snapshot,
)
from ordermesh.services.ports import UnitOfWork

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def snapshot(
    uow: UnitOfWork, node_id: str, sku: str, on_hand: int, safety_stock: int | None = None
) -> PositionChange:
    held = {p.sku: p for p in uow.inventory.positions(node_id, [sku])}
    (change,) = plan_snapshot(node_id, held, [SnapshotLine(sku, on_hand, safety_stock)])
    uow.inventory.apply(change, "tester", T0)
    return change


def stock(engine: sa.Engine, node_id: str, sku: str, on_hand: int, safety_stock: int = 0) -> None:
    with SqlUnitOfWork(engine) as uow:
        snapshot(uow, node_id, sku, on_hand, safety_stock)
        uow.commit()


def position(engine: sa.Engine, node_id: str, sku: str) -> Position:
    with SqlUnitOfWork(engine) as uow:
        (held,) = uow.inventory.positions(node_id, [sku])
        return held


def test_positions_round_trip(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        snapshot(uow, "DC-1", "MUG", 12, safety_stock=2)
        snapshot(uow, "DC-1", "PLATE", 5)
        snapshot(uow, "DC-2", "MUG", 7)
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.positions() == [
            Position("DC-1", "MUG", on_hand=12, reserved=0, safety_stock=2),
            Position("DC-1", "PLATE", on_hand=5),
            Position("DC-2", "MUG", on_hand=7),
        ]
        assert uow.inventory.positions("DC-1", ["PLATE"]) == [Position("DC-1", "PLATE", 5)]
        assert uow.inventory.positions(skus=["MUG"]) == [
            Position("DC-1", "MUG", 12, 0, 2),
            Position("DC-2", "MUG", 7),
        ]
        assert uow.inventory.positions(skus=[]) == []
        assert uow.inventory.positions("DC-9") == []


def test_apply_keeps_reserved_and_safety_stock_when_the_change_keeps_them(
    engine: sa.Engine,
) -> None:
    stock(engine, "DC-1", "MUG", 10, safety_stock=3)
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.try_reserve("DC-1", "MUG", 4, 0, "order-1", T0)
        held = uow.inventory.positions("DC-1", ["MUG"])[0]
        uow.inventory.apply(plan_adjustment(held, 5, AdjustmentReason.RECEIPT), "wms", T0)
        uow.commit()
    assert position(engine, "DC-1", "MUG") == Position("DC-1", "MUG", 15, 4, 3)


def test_apply_writes_a_journal_line_per_change_and_never_edits_old_ones(
    engine: sa.Engine,
) -> None:
    stock(engine, "DC-1", "MUG", 10)
    with SqlUnitOfWork(engine) as uow:
        first = uow.inventory.journal()
    assert len(first) == 1

    later = T0 + timedelta(hours=1)
    with SqlUnitOfWork(engine) as uow:
        held = uow.inventory.positions("DC-1", ["MUG"])[0]
        damage = plan_adjustment(held, -3, AdjustmentReason.DAMAGE)
        uow.inventory.apply(damage, "alice", later)
        other_node = plan_adjustment(Position("DC-2", "MUG"), 4, AdjustmentReason.RECEIPT)
        uow.inventory.apply(other_node, "bob", later)
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        entries = uow.inventory.journal()
        assert [e.change for e in entries] == [
            other_node,
            damage,
            PositionChange("DC-1", "MUG", ChangeKind.SNAPSHOT, 0, 10, 0, 0, "snapshot"),
        ]
        assert [e.actor for e in entries] == ["bob", "alice", "tester"]
        assert entries[0].at == later
        assert entries[0].at.utcoffset() == timedelta(0)
        # The first line is exactly as it was before the later changes.
        assert entries[-1] == first[0]
        assert entries[0].id > entries[1].id > entries[2].id

        assert [e.change for e in uow.inventory.journal(node_id="DC-1")] == [
            damage,
            first[0].change,
        ]
        assert [e.change for e in uow.inventory.journal(limit=1)] == [other_node]

    with SqlUnitOfWork(engine) as uow:
        cup = plan_adjustment(Position("DC-1", "CUP"), 2, AdjustmentReason.RECEIPT)
        uow.inventory.apply(cup, "carol", later)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert [e.change for e in uow.inventory.journal(sku="CUP")] == [cup]
        assert [e.change for e in uow.inventory.journal(sku="MUG", node_id="DC-1")] == [
            damage,
            first[0].change,
        ]


def test_journal_times_come_back_in_utc_whatever_zone_they_were_given_in(
    engine: sa.Engine,
) -> None:
    eastern = timezone(timedelta(hours=-5))
    at = datetime(2026, 3, 1, 7, 30, tzinfo=eastern)
    with SqlUnitOfWork(engine) as uow:
        change = plan_adjustment(Position("DC-1", "MUG"), 1, AdjustmentReason.RECEIPT)
        uow.inventory.apply(change, "tester", at)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        (entry,) = uow.inventory.journal()
    assert entry.at == at
    assert entry.at.tzinfo == UTC
    assert entry.at.hour == 12


def test_naive_datetimes_are_refused(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        change = plan_adjustment(Position("DC-1", "MUG"), 1, AdjustmentReason.RECEIPT)
        with pytest.raises(sa.exc.StatementError, match="naive datetime"):
            uow.inventory.apply(change, "tester", datetime(2026, 3, 1, 12, 0))


def test_a_negative_on_hand_is_refused_by_the_database(engine: sa.Engine) -> None:
    bad = PositionChange("DC-1", "MUG", ChangeKind.ADJUSTMENT, 0, -1, 0, 0, "correction")
    with SqlUnitOfWork(engine) as uow, pytest.raises(sa.exc.IntegrityError):
        uow.inventory.apply(bad, "tester", T0)


def test_try_reserve_takes_units_and_records_the_reservation(engine: sa.Engine) -> None:
    stock(engine, "DC-1", "MUG", 10, safety_stock=2)
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.try_reserve("DC-1", "MUG", 3, 1, "order-1", T0)
        uow.commit()
    assert position(engine, "DC-1", "MUG").reserved == 3
    with engine.connect() as connection:
        rows = connection.execute(sa.select(reservations)).mappings().all()
    assert [(r["reference"], r["node_id"], r["sku"], r["quantity"], r["status"]) for r in rows] == [
        ("order-1", "DC-1", "MUG", 3, "open")
    ]
    assert rows[0]["created_at"] == T0
    assert rows[0]["released_at"] is None


@pytest.mark.parametrize(
    ("quantity", "buffer", "granted"),
    [
        # on_hand 10, safety 2, already reserved 3: 5 available to sell before any buffer.
        (5, 0, True),
        (6, 0, False),
        (4, 1, True),
        (5, 1, False),
        (1, 5, False),
    ],
)
def test_try_reserve_refuses_when_ats_including_the_buffer_is_short(
    engine: sa.Engine, quantity: int, buffer: int, granted: bool
) -> None:
    stock(engine, "DC-1", "MUG", 10, safety_stock=2)
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.try_reserve("DC-1", "MUG", 3, 0, "earlier", T0)
        uow.commit()

    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.try_reserve("DC-1", "MUG", quantity, buffer, "order", T0) is granted
        uow.commit()

    reserved = position(engine, "DC-1", "MUG").reserved
    with engine.connect() as connection:
        references = connection.execute(
            sa.select(reservations.c.reference).order_by(reservations.c.id)
        ).scalars()
        if granted:
            assert reserved == 3 + quantity
            assert list(references) == ["earlier", "order"]
        else:
            assert reserved == 3
            assert list(references) == ["earlier"]


def test_try_reserve_refuses_a_position_that_was_never_stocked(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        assert not uow.inventory.try_reserve("DC-1", "GHOST", 1, 0, "order", T0)
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.positions() == []


def test_try_reserve_rejects_a_quantity_below_one(engine: sa.Engine) -> None:
    stock(engine, "DC-1", "MUG", 10)
    with SqlUnitOfWork(engine) as uow, pytest.raises(ValueError, match="positive"):
        uow.inventory.try_reserve("DC-1", "MUG", 0, 0, "order", T0)


def test_release_returns_units(engine: sa.Engine) -> None:
    stock(engine, "DC-1", "MUG", 10)
    stock(engine, "DC-2", "MUG", 10)
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.try_reserve("DC-1", "MUG", 2, 0, "order-1", T0)
        assert uow.inventory.try_reserve("DC-1", "MUG", 3, 0, "order-1", T0)
        assert uow.inventory.try_reserve("DC-2", "MUG", 1, 0, "order-1", T0)
        assert uow.inventory.try_reserve("DC-1", "MUG", 4, 0, "order-2", T0)
        uow.commit()

    later = T0 + timedelta(minutes=5)
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.release("order-1", later) == 6
        uow.commit()

    assert position(engine, "DC-1", "MUG").reserved == 4
    assert position(engine, "DC-2", "MUG").reserved == 0
    with engine.connect() as connection:
        rows = connection.execute(
            sa.select(reservations.c.reference, reservations.c.status, reservations.c.released_at)
        ).all()
    assert sorted(rows) == [
        ("order-1", "released", later),
        ("order-1", "released", later),
        ("order-1", "released", later),
        ("order-2", "open", None),
    ]

    # Releasing again, or releasing what was never reserved, gives nothing back twice.
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.release("order-1", later) == 0
        assert uow.inventory.release("no-such-order", later) == 0
        uow.commit()
    assert position(engine, "DC-1", "MUG").reserved == 4


def test_a_rolled_back_unit_of_work_changes_nothing(engine: sa.Engine) -> None:
    stock(engine, "DC-1", "MUG", 10)
    with SqlUnitOfWork(engine) as uow:
        assert uow.inventory.try_reserve("DC-1", "MUG", 2, 0, "kept", T0)
        uow.commit()

    def count(table: sa.Table) -> int:
        with engine.connect() as connection:
            return connection.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()

    before = (position(engine, "DC-1", "MUG"), count(reservations), count(inventory_journal))

    # Left without commit: __exit__ rolls back.
    with SqlUnitOfWork(engine) as uow:
        snapshot(uow, "DC-1", "MUG", 50)
        assert uow.inventory.try_reserve("DC-1", "MUG", 5, 0, "dropped", T0)
        assert uow.inventory.release("kept", T0) == 2
        uow.network.add(_network_document(), "c", T0)

    # An exception inside the block: rolled back too, and the exception goes through.
    with pytest.raises(RuntimeError, match="boom"), SqlUnitOfWork(engine) as uow:
        snapshot(uow, "DC-1", "MUG", 60)
        raise RuntimeError("boom")

    # An explicit rollback, then work that is committed: only the latter stays.
    with SqlUnitOfWork(engine) as uow:
        snapshot(uow, "DC-1", "MUG", 70)
        uow.rollback()
        assert uow.inventory.positions("DC-1")[0].on_hand == 10
        assert uow.inventory.try_reserve("DC-1", "MUG", 1, 0, "after-rollback", T0)
        uow.commit()

    after = (position(engine, "DC-1", "MUG"), count(reservations), count(inventory_journal))
    assert after == (Position("DC-1", "MUG", 10, 3, 0), before[1] + 1, before[2])
    with SqlUnitOfWork(engine) as uow:
        assert uow.network.current() is None


def test_a_unit_of_work_is_used_inside_a_with_block_only(engine: sa.Engine) -> None:
    uow = SqlUnitOfWork(engine)
    with pytest.raises(RuntimeError, match="with"):
        uow.commit()
    with uow, pytest.raises(RuntimeError, match="already in use"), uow:
        pass


def _network_document(name: str = "test") -> dict[str, Any]:
    raw: dict[str, Any] = {
        "name": name,
        "service_levels": {"standard": 5},
        "shipping": {
            "zones": [{"zone": 2, "max_miles": 150}, {"zone": 8}],
            "services": [
                {
                    "id": "ground",
                    "transit_days": {2: 1, 8: 5},
                    "rates": {2: {"base": 9.5, "per_lb": 0.55}, 8: {"base": 13.9, "per_lb": 1.85}},
                }
            ],
        },
        "nodes": [
            {
                "id": "DC-1",
                "name": "Chicago DC",
                "type": "warehouse",
                "location": {"lat": 41.9, "lon": -87.6},
                "timezone": "America/Chicago",
            }
        ],
        "skus": [
            {"id": "MUG", "weight_lb": 1.1, "dims_in": [5, 5, 6], "unit_cost": 4.2, "price": 16.0}
        ],
        "channels": [{"id": "web", "service_level": "standard"}],
    }
    document, _ = validate_network_document(raw)
    return document


def test_network_version_numbering_increments(engine: sa.Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        assert uow.network.current() is None

    documents = [_network_document(f"v{i}") for i in (1, 2, 3)]
    for i, document in enumerate(documents, start=1):
        with SqlUnitOfWork(engine) as uow:
            assert uow.network.add(document, checksum(document), T0 + timedelta(days=i)) == i
            uow.commit()

    # A version that was rolled back may burn a number, but is never current.
    with SqlUnitOfWork(engine) as uow:
        uow.network.add(_network_document("dropped"), "x", T0)

    with SqlUnitOfWork(engine) as uow:
        current = uow.network.current()
    assert current is not None
    assert current.version == 3
    assert current.loaded_at == T0 + timedelta(days=3)
    assert current.checksum == checksum(documents[2])
    assert current.network.name == "v3"
    assert set(current.network.nodes) == {"DC-1"}
    assert current.network.sku("MUG").weight_lb == 1.1

    with SqlUnitOfWork(engine) as uow:
        assert uow.network.add(documents[0], checksum(documents[0]), T0) > 3
        uow.commit()
    with SqlUnitOfWork(engine) as uow:
        latest = uow.network.current()
    assert latest is not None
    assert latest.network.name == "v1"
