"""A file the worker cannot apply, whatever goes wrong, on SQLite and PostgreSQL: it is
rejected with its reason, answered where X12 can answer, changes nothing, and the files
behind it in the same inbox (and the other partners' inboxes) are applied."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_partner_files import Partners, network_document

from ordermesh.adapters.formats.x12 import receive
from ordermesh.adapters.partners import x12_files
from ordermesh.services.partner_ports import Outcome

# A buyer's 850 for three blue mugs to Chicago; {po} is the PO number (BEG03), which the
# 855 echoes back in BAK03.
PURCHASE_ORDER = (
    "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ORDERMESH      "
    "*260610*0930*U*00401*{control:09d}*0*P*>~\n"
    "GS*PO*BUYERCO*ORDERMESH*20260610*0930*{control}*X*004010~\n"
    "ST*850*0001~\n"
    "BEG*00*SA*{po}**20260610~\n"
    "N1*ST*Buyer Co Chicago~\n"
    "N4*Chicago*IL*60610*US~\n"
    "PO1*1*3*EA*15.5**VP*MUG-BLUE~\n"
    "CTT*1~\n"
    "SE*7*0001~\n"
    "GE*1*{control}~\n"
    "IEA*1*{control:09d}~\n"
)


def purchase_order(po: str, control: int) -> str:
    return PURCHASE_ORDER.format(po=po, control=control)


@pytest.fixture
def partners(engine: sa.Engine, tmp_path: Path) -> Partners:
    partners = Partners(engine, tmp_path)
    document = copy.deepcopy(network_document(tmp_path))
    document["channels"].append(
        {
            "id": "b2b",
            "service_level": "standard",
            "connector": {
                "type": "x12",
                "inbox": str(tmp_path / "buyer" / "inbox"),
                "outbox": str(tmp_path / "buyer" / "outbox"),
                "partner_id": "BUYERCO",
                "our_id": "ORDERMESH",
            },
        }
    )
    partners.load(document)
    return partners


def outbox(partners: Partners, prefix: str) -> list[Path]:
    return sorted((partners.root / "buyer" / "outbox").glob(f"{prefix}-*.x12"))


def b2b_orders(partners: Partners) -> list[str | None]:
    return sorted(view.external_id or "" for view in partners.orders() if view.channel == "b2b")


@pytest.mark.parametrize(
    "po",
    [
        "PO>4471",  # our component separator, echoed in the 855's BAK03
        "PO\n4471",  # a line break inside the element
        "PO\r4471",
    ],
)
def test_a_file_that_crashed_the_worker_is_rejected_and_the_valid_file_behind_it_is_applied(
    partners: Partners, po: str
) -> None:
    before = partners.state()
    partners.drop("buyer", "a-bad.x12", purchase_order(po, 11))
    partners.drop("buyer", "b-good.x12", purchase_order("PO-4472", 12))

    assert partners.poll() == 2

    rejected = partners.root / "buyer" / "inbox" / "rejected"
    assert (rejected / "a-bad.x12").exists()
    report = (rejected / "a-bad.x12.error.txt").read_text()
    assert "rejected, nothing was applied" in report
    assert "BEG" in report and "03" in report
    assert (partners.root / "buyer" / "inbox" / "processed" / "b-good.x12").exists()
    assert b2b_orders(partners) == ["PO-4472"]
    # Only the valid file changed the database: one order and what placing it wrote.
    after = partners.state()
    assert len(after["orders"]) == len(before["orders"]) + 1
    # Each file got its 997: the bad one rejected, the good one accepted; every reply parses.
    acks = [receive(path.read_bytes(), path.name, sets={"997"}) for path in outbox(partners, "997")]
    assert all(ack.accepted for ack in acks)
    statuses = sorted(ack.documents[0].document.status for ack in acks)  # type: ignore[union-attr]
    assert statuses == ["A", "R"]
    [ack_855] = outbox(partners, "855")
    assert "PO-4472" in ack_855.read_text()


def test_any_exception_while_applying_rejects_the_file_with_a_rejecting_997(
    partners: Partners, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = x12_files._purchase_order
    calls = {"n": 0}

    def flaky(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise KeyError("a bug, not a business refusal")
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(x12_files, "_purchase_order", flaky)
    before = partners.state()
    partners.drop("buyer", "a-first.x12", purchase_order("PO-1", 21))
    partners.drop("buyer", "b-second.x12", purchase_order("PO-2", 22))

    assert partners.poll() == 2

    report = (partners.root / "buyer" / "inbox" / "rejected" / "a-first.x12.error.txt").read_text()
    assert "KeyError" in report and "a bug, not a business refusal" in report
    assert b2b_orders(partners) == ["PO-2"]
    assert len(partners.state()["orders"]) == len(before["orders"]) + 1
    with partners.app.partners.transaction() as tx:
        outcomes = [(e.name, e.outcome) for e in tx.ledger.entries("channel:b2b")]
    assert ("a-first.x12", Outcome.REJECTED) in outcomes
    assert ("b-second.x12", Outcome.APPLIED) in outcomes
    first_ack = [
        receive(path.read_bytes(), path.name, sets={"997"}) for path in outbox(partners, "997")
    ]
    groups = sorted(
        (r.documents[0].document.group_control, r.documents[0].document.status)  # type: ignore[union-attr]
        for r in first_ack
    )
    assert groups == [(21, "R"), (22, "A")]


def test_a_csv_file_that_raises_is_rejected_and_the_next_partner_is_served(
    partners: Partners, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ordermesh.adapters.partners import csv_files

    def broken(*_args: object, **_kwargs: object) -> object:
        raise ZeroDivisionError("division by zero in a parser")

    monkeypatch.setattr(csv_files, "parse_orders_csv", broken)
    before = partners.state()
    partners.drop("web", "orders.csv", "order_id\nA1\n")
    partners.drop("buyer", "po.x12", purchase_order("PO-9", 31))

    assert partners.poll() == 2

    report = (partners.root / "web" / "inbox" / "rejected" / "orders.csv.error.txt").read_text()
    assert "ZeroDivisionError" in report
    assert b2b_orders(partners) == ["PO-9"]
    assert len(partners.state()["orders"]) == len(before["orders"]) + 1


def test_an_envelope_value_no_997_can_echo_gets_a_ta1_and_the_file_behind_it_is_applied(
    partners: Partners,
) -> None:
    # Found by make fuzz: a pipe-separated 850 whose GS03 holds our component separator;
    # the 997 echoes GS02/GS03 back, so no 997 can be written: a TA1 (024) rejects it.
    bad = (
        "ISA|00|          |00|          |ZZ|BUYERCO        |ZZ|ORDERMESH      "
        "|260610|0930|U|00401|000000041|0|P|:\n"
        "GS|PO|BUYERCO|ORDERMES>H|20260610|0930|41|X|004010\n"
        "ST|850|0001\n"
        "BEG|00|SA|PO-41||20260610\n"
        "N1|ST|Buyer Co Chicago\n"
        "N4|Chicago|IL|60610|US\n"
        "PO1|1|3|EA|15.5||VP|MUG-BLUE\n"
        "CTT|1\n"
        "SE|7|0001\n"
        "GE|1|41\n"
        "IEA|1|000000041\n"
    )
    before = partners.state()
    partners.drop("buyer", "a-bad.x12", bad)
    partners.drop("buyer", "b-good.x12", purchase_order("PO-42", 42))

    assert partners.poll() == 2

    report = (partners.root / "buyer" / "inbox" / "rejected" / "a-bad.x12.error.txt").read_text()
    assert "(GS), element 03" in report
    assert "could not be applied" not in report  # a refusal, not the safety net
    assert b2b_orders(partners) == ["PO-42"]
    assert len(partners.state()["orders"]) == len(before["orders"]) + 1
    # The 997 writer now leaves out what it cannot echo (docs/formats/x12.md), so the bad
    # interchange is answered by a valid rejecting 997, or a TA1 024 where none can be made.
    acks = [receive(path.read_bytes(), path.name, sets={"997"}) for path in outbox(partners, "997")]
    groups = [ack.documents[0].document.group_control for ack in acks]  # type: ignore[union-attr]
    assert 42 in groups
    assert len(outbox(partners, "TA1")) + len(acks) == 2
