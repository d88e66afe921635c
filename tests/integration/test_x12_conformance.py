"""The 4010 element dictionary and its validator: they catch what partners rejected (a
36-character id in BAK08, W0502 and BSN02, an 856 without BSN04, a test interchange answered
as production), every set ordermesh writes conforms even with long and odd values, and a 997
answering malformed input stays valid. (Every X12 document the rest of the suite writes is
checked too, by the ``x12_conformance`` fixture in tests/conftest.py.)"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordermesh.adapters.formats import x12
from ordermesh.adapters.formats.x12 import (
    Address,
    ProductId,
    Segment,
    Separators,
    SequentialControlNumbers,
    TransactionSet,
)
from ordermesh.adapters.formats.x12.conformance import (
    validate,
    validate_segment,
    validate_text,
)
from ordermesh.adapters.formats.x12.dictionary import SEGMENTS
from ordermesh.adapters.formats.x12.fitting import fit
from ordermesh.adapters.partners import x12_files
from ordermesh.adapters.partners.x12_files import (
    recipient_of,
    ship_to_address,
    ship_to_of,
    write_document,
)
from ordermesh.domain.model import Location
from ordermesh.domain.order import Recipient, ShipTo

AT = datetime(2026, 6, 10, 15, 4)
LONG_ID = "ful_75609a95f075420080867b98071b3f11"  # 36 characters: what partners refused
ODD = 'Ærøskøbing * Straße ~ 12 > #4\nc/o "Nana" & Co.\t' + "x" * 120


def problems_of(ts: TransactionSet) -> list[str]:
    return [f"{p.element}: {p.message}" for p in validate(ts)]


def interchange_of(*sets: TransactionSet, usage: str = "P") -> x12.Interchange:
    return x12.build_interchange(
        sets,
        sender=x12.PartyId("ZZ", "ORDERMESH"),
        receiver=x12.PartyId("ZZ", "PARTNER"),
        at=AT,
        numbers=SequentialControlNumbers(),
        usage=usage,
    )


# -- the validator catches what partners refused ----------------------------------------------


def test_a_36_character_id_in_bak08_w0502_and_bsn02_is_too_long() -> None:
    ack = x12.PurchaseOrderAck("PO-1", date(2026, 6, 10), (), seller_order=LONG_ID)
    assert problems_of(x12.generate_855(ack)) == [
        f"BAK08: {LONG_ID!r} is 36 long, over the maximum 30"
    ]
    order = x12.ShippingOrder(LONG_ID, (x12.ShippingOrderLine(1, 1, (ProductId("SK", "A"),)),))
    assert problems_of(x12.generate_940(order)) == [
        f"W0502: {LONG_ID!r} is 36 long, over the maximum 22"
    ]
    notice = x12.ShipNotice(LONG_ID + "-and-more", date(2026, 6, 10), (), time=time(9, 0))
    assert [p.split(":")[0] for p in problems_of(x12.generate_856(notice))] == ["BSN02"]


def test_an_856_without_bsn04_is_refused_and_the_generator_always_writes_it() -> None:
    without = Segment.of("BSN", "00", "S00001", "20260610", None, "0004")
    assert [(p.element, p.message) for p in validate_segment(without)] == [
        ("BSN04", "mandatory element missing")
    ]
    notice = x12.ShipNotice("S00001", date(2026, 6, 10), (), time=None)
    assert x12.generate_856(notice).segments[0].element(4) == "0000"


@pytest.mark.parametrize(
    ("segment", "element", "message"),
    [
        (Segment.of("N3", "x" * 56), "N301", "over the maximum 55"),
        (Segment.of("N4", "Reno", "Nevada"), "N402", "over the maximum 2"),
        (Segment.of("W05", "Q", "R00001"), "W0501", "is not one of the codes"),
        (Segment.of("HL", "1", None, "Z"), "HL03", "is not one of the codes"),
        (Segment.of("DTM", "011", "20261301"), "DTM02", "is not a date"),
        (Segment.of("BSN", "00", "S1", "20260610", "2561"), "BSN04", "not a time of day"),
        (Segment.of("LX", "one"), "LX01", "is not a whole number"),
        (Segment.of("SN1", None, "1.5.0", "EA"), "SN102", "is not a decimal number"),
        (Segment.of("PRF", "PO-1", "extra"), "PRF02", "no such element in the dictionary"),
        (Segment.of("ZZZ", "1"), "ZZZ", "segment not in the X12 4010 dictionary"),
        (Segment.of("N1", "ST", "Ann\nLee"), "N102", "holds a control character"),
    ],
)
def test_the_validator_names_the_element_and_the_rule(
    segment: Segment, element: str, message: str
) -> None:
    [problem] = validate_segment(segment)
    assert problem.element == element and message in problem.message


def test_a_test_interchange_can_only_be_p_or_t() -> None:
    text = x12.write_interchange(interchange_of(usage="X"), Separators())
    assert [p.element for p in validate_text(text)] == ["ISA15"]


def test_the_dictionary_has_the_lengths_of_the_4010_standard() -> None:
    lengths = {
        f"{segment}{position:02d}": (element.min, element.max)
        for segment, elements in SEGMENTS.items()
        for position, element in elements.items()
    }
    assert lengths["BAK08"] == (1, 30) and lengths["BAK03"] == (1, 22)
    assert lengths["W0502"] == (1, 22) and lengths["BSN02"] == (2, 30)
    assert lengths["BSN04"] == (4, 8) and SEGMENTS["BSN"][4].usage == "M"
    assert lengths["N301"] == (1, 55) and lengths["N401"] == (2, 30)
    assert lengths["PER04"] == (1, 80) and lengths["AK404"] == (1, 99)
    assert lengths["PRF01"] == (1, 22) and lengths["N102"] == (1, 60)


# -- every set ordermesh writes conforms, with long and odd values ---------------------------


def odd_address(entity: str = "ST") -> Address:
    return Address(
        entity,
        name=ODD,
        id_qualifier="92",
        identifier="X",  # N104 is 2 to 80: one character is left out, with its qualifier
        street=(ODD, ODD, "2nd line"),
        city=ODD,
        state="Nevada",  # not a 2-letter code: left out
        postal_code="89502-1234",
        country="US",
        additional_name=ODD,
        contact=ODD,
        phone="+1 775 555 0100 ext. " + "9" * 90,
        email=("a" * 70) + "@example.com",
    )


def written_sets() -> list[TransactionSet]:
    line = x12.AckItem(
        "1", 3, (x12.LineAck("IA", 3, "EA", date(2026, 6, 12)),), "EA", Decimal("12.50")
    )
    return [
        x12.generate_855(
            x12.PurchaseOrderAck(
                "PO-4471",
                date(2026, 6, 10),
                (line, x12.AckItem("2", 1, (x12.LineAck("IR", 1),))),
                ack_type="AC",
                seller_order="O0000A",
                ack_date=date(2026, 6, 10),
            )
        ),
        x12.generate_856(
            x12.ShipNotice(
                "S00001",
                date(2026, 6, 11),
                (
                    x12.ShipNoticeOrder(
                        "PO-4471",
                        (x12.ShipNoticeItem((ProductId("VP", "MUG-BLUE"),), 3, "EA", 3, "1"),),
                    ),
                ),
                time=time(15, 4, 9),
                shipped_date=date(2026, 6, 11),
                carrier="UPSN",
                tracking=("1Z999AA10123456784",),
                parties=(odd_address(),),
            )
        ),
        x12.generate_856(
            x12.ShipNotice(
                "S00002", date(2026, 6, 11), (), time=time(0, 0), transport="U"
            )  # a transport method without a carrier: no TD502 qualifier
        ),
        x12.generate_940(
            x12.ShippingOrder(
                "R00001",
                (x12.ShippingOrderLine(1, 2, (ProductId("SK", "MUG-BLUE"),), "EA", "1"),),
                purchase_order="PO-4471",
                parties=(odd_address(),),
                requested_ship=date(2026, 6, 11),
                requested_delivery=date(2026, 6, 15),
                routing="ground",
                carrier="UPSN",
            )
        ),
        x12.generate_997(
            x12.FunctionalAcknowledgment(
                "PO",
                101,
                x12.AckCode.REJECTED,
                1,
                1,
                0,
                (
                    x12.SetResponse(
                        "850",
                        "0001",
                        x12.AckCode.REJECTED,
                        ("5",),
                        (
                            x12.SegmentNote(
                                "N1", 7, "8", None, (x12.ElementNote(2, "5", None, ODD),)
                            ),
                        ),
                    ),
                ),
            ),
            forbidden=Separators().chars(),
        ),
        # Partners' sets, as the tests write them: they conform too.
        x12.generate_850(
            x12.PurchaseOrder(
                "PO-4471",
                date(2026, 6, 10),
                (x12.PurchaseOrderLine("1", 3, product_ids=(ProductId("VP", "MUG-BLUE"),)),),
                parties=(odd_address(),),
            )
        ),
        x12.generate_945(
            x12.ShippingAdvice(
                "R00001",
                date(2026, 6, 11),
                (x12.ShippedLine(1, 2, 2, (ProductId("SK", "MUG-BLUE"),), tracking=("1Z9",)),),
                carrier="UPSN",
            )
        ),
        x12.generate_846(
            x12.InventoryAdvice(
                "INV-1",
                date(2026, 6, 10),
                (
                    x12.InventoryItem(
                        (ProductId("SK", "MUG-BLUE"),), (x12.InventoryQuantity("17", 10),)
                    ),
                ),
            )
        ),
    ]


@pytest.mark.parametrize("ts", written_sets(), ids=lambda ts: ts.id)
def test_every_set_conforms_with_long_and_odd_values(ts: TransactionSet) -> None:
    assert problems_of(ts) == []
    text = write_document(interchange_of(ts), Separators())
    assert validate_text(text) == []


def test_free_text_holding_the_separators_is_written_not_refused() -> None:
    ts = x12.generate_940(
        x12.ShippingOrder(
            "R00001",
            (x12.ShippingOrderLine(1, 1, (ProductId("SK", "A"),)),),
            parties=(Address("ST", "Ann*Lee~", street=("1 Main St>Apt 2",)),),
        )
    )
    text = write_document(interchange_of(ts), Separators("*", ">", "~"))
    assert validate_text(text) == []
    [order] = x12.receive(text).documents
    assert isinstance(order.document, x12.ShippingOrder)
    [ship_to] = order.document.parties
    assert (ship_to.name, ship_to.street) == ("Ann Lee", ("1 Main St Apt 2",))


def test_fit_clips_to_the_maximum_and_drops_what_is_below_the_minimum() -> None:
    assert fit("N3", 1, "x" * 80) == "x" * 55
    assert fit("N4", 1, "X") is None  # N401 is 2 to 30
    assert fit("N1", 2, "  Ann \n Lee ") == "Ann Lee"
    assert fit("N1", 2, None) is None


# -- a 997 answering malformed input stays valid ---------------------------------------------


@pytest.mark.parametrize("bad_control", [False, True], ids=["set-echoed", "set-control-bad"])
def test_a_997_for_malformed_input_is_valid(bad_control: bool) -> None:
    po = x12.generate_850(
        x12.PurchaseOrder(
            "PO-1",
            date(2026, 6, 10),
            (x12.PurchaseOrderLine("1", 1, product_ids=(ProductId("VP", "A"),)),),
        )
    )
    text = x12.write_interchange(interchange_of(po), Separators("*", ":", "~"))
    # A date of 150 characters holding the 997's own separators (written with "|" and "^"),
    # a segment id that is not one, and maybe a set control number of the wrong length.
    bad_date = ("2026|06^10" * 15)[:150]
    broken = text.replace("*20260610~", f"*{bad_date}~", 1).replace("~PO1*", "~Z*1~PO1*", 1)
    if bad_control:
        broken = broken.replace("ST*850*0001", "ST*850*1", 1).replace("*0001~", "*1~", 1)
    received = x12.receive(broken)
    assert not received.accepted
    answer = x12.acknowledge(
        received,
        numbers=SequentialControlNumbers(),
        at=AT,
        separators=Separators("|", "^", "\n"),
    )
    assert answer is not None
    written = x12.write_interchange(answer, Separators("|", "^", "\n"))
    assert validate_text(written) == []
    [ack] = x12.receive(written).documents
    assert isinstance(ack.document, x12.FunctionalAcknowledgment)
    assert ack.document.status is x12.AckCode.REJECTED
    if bad_control:
        assert ack.document.sets == ()  # ST02 "1" cannot be echoed as AK202 (4 to 9)
        return
    [response] = ack.document.sets
    assert response.status is x12.AckCode.REJECTED
    [beg] = [note for note in response.segments if note.segment_id == "BEG"]
    assert [(e.position, e.bad_value) for e in beg.elements] == [(5, None)]


def test_a_997_drops_a_bad_element_copy_it_cannot_write_and_clips_a_long_one() -> None:
    notes = (
        x12.SegmentNote(
            "BEG",
            2,
            "8",
            None,
            (
                x12.ElementNote(3, "5", None, "A" * 150),
                x12.ElementNote(5, "8", None, "2026*06"),
                x12.ElementNote(120, "3"),
            ),
        ),
        x12.SegmentNote("B E G", 3, "1"),
    )
    fa = x12.FunctionalAcknowledgment(
        "PO",
        7,
        x12.AckCode.REJECTED,
        1,
        1,
        0,
        (x12.SetResponse("850", "0001", x12.AckCode.REJECTED, ("5",), notes),),
    )
    ts = x12.generate_997(fa, forbidden="*>~")
    assert problems_of(ts) == []
    ak4 = [s for s in ts.segments if s.id == "AK4"]
    assert [s.element(4) for s in ak4] == ["A" * 99, ""]
    assert [s.element(1) for s in ts.segments if s.id == "AK3"] == ["BEG"]


# -- the ship-to address -------------------------------------------------------------------


def purchase_order(*parties: Address) -> x12.PurchaseOrder:
    line = x12.PurchaseOrderLine("1", 1, product_ids=(ProductId("VP", "A"),))
    return x12.PurchaseOrder("PO-1", date(2026, 6, 10), (line,), parties=parties)


def test_the_850_ship_to_loop_keeps_name_company_street_and_contact() -> None:
    po = purchase_order(
        Address(
            "ST",
            "Ann Lee",
            street=("2450 Market Street", "Suite 110"),
            city="Reno",
            state="NV",
            postal_code="89502",
            country="US",
            additional_name="Buyer Co",
            contact="Receiving",
            phone="775-555-0100",
            email="ann@buyer.example",
        ),
    )
    back = x12.parse_850(
        x12.read_interchange(
            x12.write_interchange(interchange_of(x12.generate_850(po)), Separators())
        )
        .groups[0]
        .sets[0]
    )
    assert back.ship_to == po.ship_to
    assert back.ship_to is not None
    assert recipient_of(back.ship_to) == Recipient(
        name="Ann Lee",
        company="Buyer Co",
        address1="2450 Market Street",
        address2="Suite 110",
        city="Reno",
        region="NV",
        phone="775-555-0100",
        email="ann@buyer.example",
    )


def test_an_850_ship_to_with_only_a_postal_code_has_no_recipient() -> None:
    assert recipient_of(Address("ST", postal_code="89502")) is None


def test_the_order_placed_from_an_850_gets_the_ship_to_recipient() -> None:
    po = purchase_order(
        Address("BT", "Buyer Co HQ", postal_code="10001"),
        Address("ST", "Ann Lee", street=("1 Main St",), city="Reno", postal_code="89502"),
    )
    ship_to = ship_to_of(po)
    assert ship_to.location.postal_code == "89502"
    assert ship_to.recipient == Recipient(name="Ann Lee", address1="1 Main St", city="Reno")


def test_the_940_ship_to_comes_from_the_orders_recipient_cut_to_the_dictionary() -> None:
    ship_to = ShipTo(
        Location(39.5, -119.8, "89502", "US", "NV"),
        recipient=Recipient(
            name="Ann " + "Lee" * 30,
            company="Buyer Co",
            address1="2450 Market Street " + "x" * 60,
            address2="Suite 110",
            city="Reno",
            region="NV",
            phone="775-555-0100",
            email="ann@buyer.example",
        ),
    )
    loop = x12.common.n1_loop(ship_to_address(ship_to, "PO-1"))
    assert [s.id for s in loop] == ["N1", "N2", "N3", "N4", "PER"]
    n1, n2, n3, n4, per = loop
    assert n1.element(1) == "ST" and len(n1.element(2)) == 60
    assert n2.element(1) == "Buyer Co"
    assert len(n3.element(1)) == 55 and n3.element(2) == "Suite 110"
    assert n4.elements == ("Reno", "NV", "89502", "US")
    assert per.elements == ("IC", "", "TE", "775-555-0100", "EM", "ann@buyer.example")
    assert all(validate_segment(segment) == [] for segment in loop)


def test_without_a_recipient_the_940_ship_to_names_the_order() -> None:
    ship_to = ShipTo(Location(39.5, -119.8, "89502", "US", "NV"))
    assert [s.id for s in x12.common.n1_loop(ship_to_address(ship_to, "PO-1"))] == ["N1", "N4"]
    address = ship_to_address(ship_to, "PO-1")
    assert (address.name, address.state, address.postal_code) == ("PO-1", "NV", "89502")


GOOD_850 = x12.write_interchange(
    interchange_of(
        x12.generate_850(
            purchase_order(Address("ST", "Ann Lee", street=("1 Main St",), postal_code="89502"))
        )
    ),
    Separators(),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.integers(107, len(GOOD_850)),  # after the fixed-width ISA
            st.integers(0, 3),
            st.text(alphabet="*~>|^:\n\r\x00 AZaz09-" + "x" * 5, max_size=120),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_997_for_any_mangled_850_is_valid(edits: list[tuple[int, int, str]]) -> None:
    text = GOOD_850
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut :]
    received = x12.receive(text)
    for separators in (Separators(), Separators("|", "^", "\n")):
        answer = x12.acknowledge(
            received, numbers=SequentialControlNumbers(), at=AT, separators=separators
        )
        if answer is not None:
            assert validate_text(x12.write_interchange(answer, separators)) == []


def test_an_850_value_the_855_would_echo_must_be_writable() -> None:
    text = GOOD_850.replace("PO1*1*1*EA", "PO1*" + "9" * 25 + "*1*E|", 1)
    received = x12.receive(text)
    assert {(e.segment_id, e.element_position, e.code) for e in received.errors} == {
        ("PO1", 1, "5"),  # PO101 is 1 to 20 long
        ("PO1", 3, "6"),  # PO103 is a code
        ("PO1", None, "3"),  # and so the order has no line left
    }


def test_every_document_the_suite_writes_goes_through_the_conformance_check() -> None:
    # tests/conftest.py wraps the one writer of outbound X12 around every test.
    assert x12_files.write_document.__name__ == "checked"
