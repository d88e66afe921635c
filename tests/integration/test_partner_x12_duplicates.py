"""An X12 file dropped again after it was applied, on SQLite and PostgreSQL: nothing is
applied twice, no second 997 is sent (the first one acknowledged its groups), and a TA1
rejects the repeat with note code 025 (duplicate interchange control number)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sqlalchemy as sa
from test_partner_files import Partners, network_document

INVENTORY_846 = (
    "ISA*00*          *00*          *ZZ*ACME3PL        *ZZ*ORDERMESH      "
    "*260610*0930*U*00401*000000301*0*P*>~\n"
    "GS*IB*ACME3PL*ORDERMESH*20260610*0930*301*X*004010~\n"
    "ST*846*0001~\n"
    "BIA*00*DD*INV-1*20260610~\n"
    "LIN*1*SK*MUG-BLUE~\n"
    "QTY*17*40*EA~\n"
    "CTT*1~\n"
    "SE*6*0001~\n"
    "GE*1*301~\n"
    "IEA*1*000000301~\n"
)


@pytest.fixture
def partners(engine: sa.Engine, tmp_path: Path) -> Partners:
    partners = Partners(engine, tmp_path)
    document = copy.deepcopy(network_document(tmp_path))
    for node in document["nodes"]:
        if node["id"] == "DC-RENO":
            node["connector"] = {
                "type": "x12",
                "inbox": str(tmp_path / "acme" / "inbox"),
                "outbox": str(tmp_path / "acme" / "outbox"),
                "partner_id": "ACME3PL",
                "our_id": "ORDERMESH",
            }
    partners.load(document)
    return partners


def replies(partners: Partners, prefix: str) -> list[Path]:
    return sorted((partners.root / "acme" / "outbox").glob(f"{prefix}-*.x12"))


def test_a_redropped_interchange_gets_a_ta1_and_no_second_997(partners: Partners) -> None:
    partners.drop("acme", "inv.x12", INVENTORY_846)
    assert partners.poll() == 1
    assert partners.on_hand("DC-RENO", "MUG-BLUE") == 40
    [ack] = replies(partners, "997")
    assert "AK9*A*1*1*1" in ack.read_text()
    assert replies(partners, "TA1") == []

    before = partners.state()
    partners.drop("acme", "inv.x12", INVENTORY_846)
    assert partners.poll() == 1
    assert partners.state() == before  # nothing applied again
    assert replies(partners, "997") == [ack]  # the first 997 stands; no second one
    [ta1] = replies(partners, "TA1")
    segments = [s.strip() for s in ta1.read_text().split("~") if s.strip()]
    assert [s.split("*")[0] for s in segments] == ["ISA", "TA1", "IEA"]
    isa = segments[0].split("*")
    assert (isa[6].strip(), isa[8].strip()) == ("ORDERMESH", "ACME3PL")
    assert segments[1] == "TA1*000000301*260610*0930*R*025"
    assert segments[2] == f"IEA*0*{isa[13]}"
    report = partners.root / "acme" / "inbox" / "rejected" / "inv.x12.error.txt"
    assert "already applied on" in report.read_text()

    # A third drop is refused the same way, with its own TA1.
    partners.drop("acme", "inv.x12", INVENTORY_846)
    assert partners.poll() == 1
    assert len(replies(partners, "TA1")) == 2 and replies(partners, "997") == [ack]
