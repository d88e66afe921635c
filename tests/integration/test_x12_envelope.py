"""The X12 envelope: separators from the ISA, control numbers and counts, and the 997 that
answers every broken interchange with the segment and element in error."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from ordermesh.adapters.formats import x12
from ordermesh.adapters.formats.x12 import (
    AckCode,
    ErrorLevel,
    FunctionalAcknowledgment,
    InvalidX12,
    PartyId,
    Segment,
    Separators,
    SequentialControlNumbers,
    TransactionSet,
)
from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.model import Connector, ConnectorType

DATA = Path(__file__).parent.parent / "data" / "x12"
AT = datetime(2024, 3, 1, 10, 20)


def example(name: str) -> str:
    return (DATA / name).read_text()


def po() -> str:
    return example("850_purchase_order.edi")


def ack_of(text: str) -> FunctionalAcknowledgment:
    """Receive ``text``, answer it, and read the 997 back as a partner would."""
    received = x12.receive(text, "test.edi")
    ack = x12.acknowledge(received, numbers=SequentialControlNumbers(), at=AT)
    assert ack is not None
    written = x12.write_interchange(ack, Separators())
    back = x12.receive(written, "997.edi")
    assert back.accepted, back.errors
    (document,) = back.documents
    assert isinstance(document.document, FunctionalAcknowledgment)
    return document.document


def test_separators_are_read_from_the_fixed_width_isa() -> None:
    parsed = x12.parse_interchange(po())
    assert parsed.ok
    assert parsed.separators == Separators("*", ">", "~", None)
    interchange = parsed.interchange
    assert interchange is not None
    assert interchange.sender == PartyId("ZZ", "BUYERCO")
    assert interchange.receiver == PartyId("ZZ", "ORDERMESH")
    assert interchange.control == 101
    assert interchange.at == datetime(2024, 3, 1, 10, 15)
    (group,) = interchange.groups
    assert (group.functional_id, group.control, group.version) == ("PO", 101, "004010")
    (transaction,) = group.sets
    assert (transaction.id, transaction.control) == ("850", "0001")
    assert transaction.segments[0] == Segment("BEG", ("00", "SA", "PO-4500012345", "", "20240301"))


def test_a_5010_envelope_is_read_with_its_repetition_separator() -> None:
    parsed = x12.parse_interchange(example("846_envelope_5010.edi"))
    assert parsed.ok, parsed.errors
    assert parsed.separators == Separators("*", ":", "~", "^")
    assert parsed.interchange is not None
    assert parsed.interchange.version == "00501"
    assert parsed.interchange.usage == "T"
    assert parsed.interchange.ack_requested
    (group,) = parsed.interchange.groups
    assert group.version == "005010"
    assert group.at == datetime(2024, 3, 2, 6, 0, 15)
    assert group.sets[0].implementation == "005010"


def test_pipe_and_newline_separators() -> None:
    received = x12.receive(example("850_pipe_newline.edi"))
    assert received.accepted, received.errors
    assert received.separators == Separators("|", ":", "\n", None)
    (document,) = received.documents
    assert isinstance(document.document, x12.PurchaseOrder)
    assert document.document.po_number == "PO-4500012346"


def test_crlf_after_terminators_is_tolerated() -> None:
    text = po().replace("~\n", "~\r\n")
    assert x12.receive(text).accepted


def test_one_line_interchange_without_line_breaks() -> None:
    assert x12.receive(po().replace("\n", "")).accepted


def test_writer_pads_the_isa_and_counts_segments() -> None:
    transaction = TransactionSet(
        "997", (Segment.of("AK1", "PO", "1"), Segment.of("AK9", "A", "1", "1", "1"))
    )
    numbers = SequentialControlNumbers(interchange=41, group=6, set=11)
    interchange = x12.build_interchange(
        [transaction],
        sender=PartyId("ZZ", "ORDERMESH"),
        receiver=PartyId("01", "123456789"),
        at=datetime(2024, 7, 4, 9, 5, 33),
        numbers=numbers,
    )
    text = x12.write_interchange(interchange, Separators("*", ">", "~"), line_breaks=True)
    lines = text.splitlines()
    isa = lines[0]
    assert len(isa) == 106
    assert isa == (
        "ISA*00*          *00*          *ZZ*ORDERMESH      *01*123456789      "
        "*240704*0905*U*00401*000000042*0*P*>~"
    )
    assert lines[1] == "GS*FA*ORDERMESH*123456789*20240704*0905*7*X*004010~"
    assert lines[2] == "ST*997*0012~"
    assert lines[-3] == "SE*4*0012~"
    assert lines[-2] == "GE*1*7~"
    assert lines[-1] == "IEA*1*000000042~"
    assert x12.read_interchange(text) == interchange


def test_writer_uses_the_connector_separators_and_ids() -> None:
    connector = Connector(
        type=ConnectorType.X12,
        partner_id="ACME3PL",
        our_id="ORDERMESH",
        id_qualifier="ZZ",
        element_separator="|",
        segment_terminator="\n",
        component_separator=":",
    )
    separators = Separators.from_connector(connector)
    interchange = x12.build_interchange(
        [
            x12.generate_940(
                x12.ShippingOrder(
                    "FR-1", (x12.ShippingOrderLine(1, 2, (x12.ProductId("SK", "A"),)),)
                )
            )
        ],
        sender=PartyId.ours(connector),
        receiver=PartyId.theirs(connector),
        at=AT,
        numbers=SequentialControlNumbers(),
        version="5010",
    )
    text = x12.write_interchange(interchange, separators)
    assert text.startswith("ISA|00|")
    assert text.split("\n")[0][82] == "^"  # 5010: ISA11 is the repetition separator
    assert "W05|N|FR-1\n" in text
    parsed = x12.parse_interchange(text)
    assert parsed.ok, parsed.errors
    assert parsed.interchange == interchange


def test_writer_refuses_a_value_containing_a_separator() -> None:
    order = x12.ShippingOrder("FR*1", (x12.ShippingOrderLine(1, 2, (x12.ProductId("SK", "A"),)),))
    interchange = x12.build_interchange(
        [x12.generate_940(order)],
        sender=PartyId("ZZ", "A"),
        receiver=PartyId("ZZ", "B"),
        at=AT,
        numbers=SequentialControlNumbers(),
    )
    with pytest.raises(ValueError, match="separator"):
        x12.write_interchange(interchange, Separators())


def test_every_error_is_collected_with_its_position() -> None:
    text = po().replace("SE*18*0001", "SE*17*0002").replace("IEA*1*000000101", "IEA*2*000000999")
    with pytest.raises(InvalidX12) as caught:
        x12.read_interchange(text, "po.edi")
    error = caught.value
    assert isinstance(error, InvalidInput)
    wheres = [problem.where for problem in error.problems]
    assert wheres == [
        "segment 20 (SE), element 01",
        "segment 20 (SE), element 02",
        "segment 22 (IEA), element 01",
        "segment 22 (IEA), element 02",
    ]
    assert error.errors[0].set_position == 18
    assert error.errors[0].code == x12.SetErrorCode.SEGMENT_COUNT_MISMATCH


def test_a_clean_interchange_is_accepted_by_its_997() -> None:
    ack = ack_of(po())
    assert ack.functional_id == "PO"
    assert ack.group_control == 101
    assert ack.status == AckCode.ACCEPTED
    assert (ack.included, ack.received, ack.accepted) == (1, 1, 1)
    (response,) = ack.sets
    assert response == x12.SetResponse("850", "0001", AckCode.ACCEPTED)


def test_the_997_is_addressed_back_to_the_sender() -> None:
    received = x12.receive(po())
    ack = x12.acknowledge(received, numbers=SequentialControlNumbers(), at=AT)
    assert ack is not None
    assert ack.sender == PartyId("ZZ", "ORDERMESH")
    assert ack.receiver == PartyId("ZZ", "BUYERCO")
    assert (ack.groups[0].sender, ack.groups[0].receiver) == ("ORDERMESH", "BUYERCO")
    assert ack.groups[0].functional_id == "FA"


def test_wrong_se_count() -> None:
    ack = ack_of(po().replace("SE*18*0001", "SE*19*0001"))
    assert ack.status == AckCode.REJECTED
    assert ack.accepted == 0
    assert ack.sets[0].status == AckCode.REJECTED
    assert ack.sets[0].codes == ("4",)


def test_st_se_control_number_mismatch() -> None:
    ack = ack_of(po().replace("SE*18*0001", "SE*18*0009"))
    assert ack.status == AckCode.REJECTED
    assert ack.sets[0].codes == ("3",)


def test_ge_count() -> None:
    ack = ack_of(po().replace("GE*1*101", "GE*2*101"))
    assert ack.status == AckCode.REJECTED
    assert ack.codes == ("5",)
    assert ack.sets[0].status == AckCode.REJECTED


def test_gs_ge_control_mismatch() -> None:
    ack = ack_of(po().replace("GE*1*101", "GE*1*102"))
    assert ack.status == AckCode.REJECTED
    assert ack.codes == ("4",)


def test_iea_count() -> None:
    received = x12.receive(po().replace("IEA*1*000000101", "IEA*3*000000101"))
    assert [e.where for e in received.errors] == ["segment 22 (IEA), element 01"]
    assert received.errors[0].level == ErrorLevel.INTERCHANGE
    ack = ack_of(po().replace("IEA*1*000000101", "IEA*3*000000101"))
    assert ack.status == AckCode.REJECTED
    assert ack.sets[0].status == AckCode.REJECTED


def test_isa_iea_control_mismatch() -> None:
    received = x12.receive(po().replace("IEA*1*000000101", "IEA*1*000000100"))
    assert [e.code for e in received.errors] == ["001"]
    ack = ack_of(po().replace("IEA*1*000000101", "IEA*1*000000100"))
    assert ack.status == AckCode.REJECTED
    assert ack.sets[0].status == AckCode.REJECTED


def test_unknown_segment_in_a_set() -> None:
    ack = ack_of(po().replace("REF*DP*038~", "REF*DP*038~\nZZZ*1~").replace("SE*18", "SE*19"))
    assert ack.status == AckCode.REJECTED
    (response,) = ack.sets
    assert response.status == AckCode.REJECTED
    assert response.codes == ("5",)
    assert response.segments == (x12.SegmentNote("ZZZ", 4, "1"),)


def test_missing_mandatory_element() -> None:
    ack = ack_of(po().replace("BEG*00*SA*PO-4500012345**20240301", "BEG*00*SA***20240301"))
    (response,) = ack.sets
    assert response.status == AckCode.REJECTED
    assert response.segments == (
        x12.SegmentNote("BEG", 2, "8", elements=(x12.ElementNote(3, "1"),)),
    )


def test_missing_mandatory_segment() -> None:
    text = po().replace("BEG*00*SA*PO-4500012345**20240301~\n", "").replace("SE*18", "SE*17")
    ack = ack_of(text)
    (response,) = ack.sets
    assert response.segments == (x12.SegmentNote("BEG", 17, "3"),)


def test_bad_number_and_bad_date() -> None:
    text = po().replace("PO1*2*6*EA", "PO1*2*6X*EA").replace("DTM*010*20240305", "DTM*010*20240231")
    ack = ack_of(text)
    (response,) = ack.sets
    assert response.segments == (
        x12.SegmentNote("DTM", 5, "8", elements=(x12.ElementNote(2, "8", bad_value="20240231"),)),
        x12.SegmentNote("PO1", 15, "8", elements=(x12.ElementNote(2, "6", bad_value="6X"),)),
    )


def test_missing_se_trailer() -> None:
    text = po().replace("SE*18*0001~\n", "")
    received = x12.receive(text)
    assert [e.code for e in received.errors] == ["2"]
    ack = ack_of(text)
    assert ack.sets[0].codes == ("2",)
    assert ack.status == AckCode.REJECTED


def test_truncated_isa_is_read_as_delimited_and_rejected() -> None:
    text = po().replace(
        "ISA*00*          *00*          *ZZ*BUYERCO        *ZZ*ORDERMESH      *",
        "ISA*00**00**ZZ*BUYERCO*ZZ*ORDERMESH*",
    )
    received = x12.receive(text)
    assert not received.accepted
    assert received.errors[0].level == ErrorLevel.INTERCHANGE
    assert received.errors[0].where == "segment 1 (ISA)"
    ack = ack_of(text)
    assert ack.status == AckCode.REJECTED
    assert ack.sets[0].status == AckCode.REJECTED


def test_isa_missing_elements_is_rejected() -> None:
    text = po().replace("*0*P*>~", "~", 1)
    received = x12.receive(text)
    assert any(e.segment_id == "ISA" and e.element_position == 14 for e in received.errors)
    assert ack_of(text).status == AckCode.REJECTED


def test_cut_off_interchange_cannot_be_acknowledged() -> None:
    received = x12.receive("ISA*00*    ")
    assert not received.accepted
    assert received.interchange is None
    assert x12.acknowledge(received, numbers=SequentialControlNumbers(), at=AT) is None
    with pytest.raises(InvalidX12):
        received.raise_for_errors()


def test_not_x12_at_all() -> None:
    received = x12.receive(b"order_id,sku\n1,A\n")
    assert received.interchange is None
    assert received.errors[0].code == "024"


def test_unsupported_set_is_rejected() -> None:
    received = x12.receive(po(), sets={"846"})
    assert received.documents == ()
    ack = ack_of_received(received)
    assert ack.sets[0].codes == ("1",)


def ack_of_received(received: x12.Received) -> FunctionalAcknowledgment:
    (ack,) = x12.functional_acknowledgments(received)
    return ack


def test_only_the_broken_set_is_rejected_when_not_all_or_nothing() -> None:
    good = po()
    body_start = good.index("ST*850")
    body_end = good.index("GE*")
    second = good[body_start:body_end].replace("0001", "0002").replace("SE*18", "SE*19")
    text = good[:body_end] + second + good[body_end:]
    text = text.replace("GE*1*101", "GE*2*101")
    received = x12.receive(text)
    (ack,) = x12.functional_acknowledgments(received, all_or_nothing=False)
    assert [r.status for r in ack.sets] == [AckCode.ACCEPTED, AckCode.REJECTED]
    assert ack.status == AckCode.PARTIALLY_ACCEPTED
    assert len(received.documents) == 1
    (strict,) = x12.functional_acknowledgments(received)
    assert [r.status for r in strict.sets] == [AckCode.REJECTED, AckCode.REJECTED]


def test_997s_are_not_acknowledged() -> None:
    received = x12.receive(po())
    ack = x12.acknowledge(received, numbers=SequentialControlNumbers(), at=AT)
    assert ack is not None
    again = x12.receive(x12.write_interchange(ack, Separators()))
    assert again.accepted
    assert x12.acknowledge(again, numbers=SequentialControlNumbers(), at=AT) is None
