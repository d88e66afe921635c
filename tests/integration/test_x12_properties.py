"""Property: a document generated from any valid content, written with any of several
separator sets, always parses back equal; and parsing never raises on arbitrary bytes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ordermesh.adapters.formats import x12
from ordermesh.adapters.formats.x12 import ProductId, Separators, SequentialControlNumbers

SEPARATORS = st.sampled_from(
    [
        Separators(),
        Separators("|", ":", "\n"),
        Separators("^", "\\", "'"),
        Separators("*", ":", "~", "^"),
    ]
)
TOKEN = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9 .\-/#]{0,18}[A-Za-z0-9])?", fullmatch=True)
# Two characters at least: N104 and N401 are 2 to 30 (80) long.
TEXT = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 .\-/#]{0,18}[A-Za-z0-9]", fullmatch=True)
CODE = st.from_regex(r"[A-Z0-9]{2,3}", fullmatch=True)
UNIT = st.sampled_from(["EA", "CA", "PK", "BX"])
DATES = st.dates(date(2000, 1, 1), date(2099, 12, 31))
TIMES = st.times().map(lambda t: t.replace(microsecond=0))
QUANTITY = st.integers(1, 999_999)
PRODUCT_IDS = st.lists(
    st.builds(ProductId, st.sampled_from(["VP", "BP", "UP", "SK", "IN", "VN", "EN"]), TOKEN),
    min_size=1,
    max_size=3,
).map(tuple)
ADDRESSES = st.lists(
    st.builds(
        x12.Address,
        entity=st.sampled_from(["ST", "SF", "BT", "WH"]),
        name=TOKEN,
        identifier=st.none() | TEXT,
        street=st.lists(TOKEN, max_size=3).map(tuple),
        city=st.none() | TEXT,
        state=st.none() | st.sampled_from(["NV", "OH", "ME"]),
        postal_code=st.none() | st.from_regex(r"[0-9]{5}", fullmatch=True),
        country=st.none() | st.just("US"),
        additional_name=st.none() | TOKEN,
        contact=st.none() | TOKEN,
        phone=st.none() | TOKEN,
        email=st.none() | TOKEN,
    ).map(lambda a: replace(a, id_qualifier="92" if a.identifier else None)),  # N103 with N104
    max_size=2,
).map(tuple)
REFERENCES = st.lists(st.builds(x12.Reference, CODE, TOKEN), max_size=2).map(tuple)
PRICES = st.none() | st.decimals(min_value=0, max_value=100_000, places=2)

PURCHASE_ORDERS = st.builds(
    x12.PurchaseOrder,
    po_number=TOKEN,
    po_date=DATES,
    lines=st.lists(
        st.builds(x12.PurchaseOrderLine, TOKEN, QUANTITY, UNIT, PRICES, PRODUCT_IDS),
        min_size=1,
        max_size=4,
    ).map(tuple),
    references=REFERENCES,
    requested_ship=st.none() | DATES,
    requested_delivery=st.none() | DATES,
    parties=ADDRESSES,
)
ACKS = st.builds(
    x12.PurchaseOrderAck,
    po_number=TOKEN,
    po_date=DATES,
    items=st.lists(
        st.builds(
            x12.AckItem,
            line_number=TOKEN,
            quantity=QUANTITY,
            acks=st.lists(
                st.builds(
                    x12.LineAck,
                    st.sampled_from(["IA", "IB", "IR"]),
                    QUANTITY,
                    UNIT,
                    st.none() | DATES,
                ),
                min_size=1,
                max_size=3,
            ).map(tuple),
            unit=UNIT,
            unit_price=PRICES,
            product_ids=PRODUCT_IDS,
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
    ack_type=st.sampled_from(["AD", "AC", "RJ"]),
    seller_order=st.none() | TOKEN,
    ack_date=st.none() | DATES,
)
NOTICES = st.builds(
    x12.ShipNotice,
    shipment_id=TOKEN,
    date=DATES,
    orders=st.lists(
        st.builds(
            x12.ShipNoticeOrder,
            TOKEN,
            st.lists(
                st.builds(
                    x12.ShipNoticeItem,
                    PRODUCT_IDS,
                    st.integers(0, 99_999),
                    UNIT,
                    st.none() | QUANTITY,
                    st.none() | TOKEN,
                ),
                max_size=3,
            ).map(tuple),
            REFERENCES,
        ),
        min_size=1,
        max_size=3,
    ).map(tuple),
    time=TIMES,  # BSN04 is mandatory
    shipped_date=st.none() | DATES,
    carrier=st.none() | st.from_regex(r"[A-Z]{4}", fullmatch=True),
    transport=st.none() | st.sampled_from(["U", "M"]),
    tracking=st.lists(TOKEN, max_size=2).map(tuple),
    parties=ADDRESSES,
)
INVENTORY = st.builds(
    x12.InventoryAdvice,
    reference=TOKEN,
    date=DATES,
    items=st.lists(
        st.builds(
            x12.InventoryItem,
            PRODUCT_IDS,
            st.lists(
                st.builds(
                    x12.InventoryQuantity,
                    st.sampled_from(["17", "33", "02"]),
                    st.integers(-999, 999_999),
                    UNIT,
                ),
                max_size=2,
            ).map(tuple),
            st.none() | st.integers(1, 999).map(str),
        ),
        max_size=4,
    ).map(tuple),
    time=st.none() | TIMES,
    references=REFERENCES,
    parties=ADDRESSES,
)
SHIPPING_ORDERS = st.builds(
    x12.ShippingOrder,
    depositor_order=TOKEN,
    lines=st.lists(
        st.builds(
            x12.ShippingOrderLine,
            st.integers(1, 9999),
            QUANTITY,
            PRODUCT_IDS,
            UNIT,
            st.none() | TOKEN,
        ),
        min_size=1,
        max_size=4,
    ).map(tuple),
    purchase_order=st.none() | TOKEN,
    parties=ADDRESSES,
    requested_ship=st.none() | DATES,
    requested_delivery=st.none() | DATES,
    routing=st.none() | TOKEN,
    carrier=st.none() | st.from_regex(r"[A-Z]{4}", fullmatch=True),
)


@st.composite
def shipped_lines(draw: st.DrawFn) -> x12.ShippedLine:
    ordered = draw(QUANTITY)
    return x12.ShippedLine(
        line_number=draw(st.integers(1, 9999)),
        ordered=ordered,
        shipped=draw(st.integers(0, ordered)),
        product_ids=draw(PRODUCT_IDS),
        unit=draw(UNIT),
        status=draw(st.sampled_from(["CC", "CP"])),
        line_id=draw(st.none() | TOKEN),
        tracking=tuple(draw(st.lists(TOKEN, max_size=2))),
    )


SHIPPING_ADVICES = st.builds(
    x12.ShippingAdvice,
    depositor_order=TOKEN,
    ship_date=DATES,
    lines=st.lists(shipped_lines(), min_size=1, max_size=4).map(tuple),
    shipment_id=st.none() | TOKEN,
    purchase_order=st.none() | TOKEN,
    parties=ADDRESSES,
    carrier=st.none() | st.from_regex(r"[A-Z]{4}", fullmatch=True),
    routing=st.none() | TOKEN,
    payment=st.none() | st.sampled_from(["PP", "CC"]),
)

CASES: list[
    tuple[st.SearchStrategy[Any], Callable[[Any], x12.TransactionSet], Callable[..., Any]]
] = [
    (PURCHASE_ORDERS, x12.generate_850, x12.parse_850),
    (ACKS, x12.generate_855, x12.parse_855),
    (NOTICES, x12.generate_856, x12.parse_856),
    (INVENTORY, x12.generate_846, x12.parse_846),
    (SHIPPING_ORDERS, x12.generate_940, x12.parse_940),
    (SHIPPING_ADVICES, x12.generate_945, x12.parse_945),
]


@st.composite
def documents(
    draw: st.DrawFn,
) -> tuple[Any, Callable[[Any], x12.TransactionSet], Callable[..., Any]]:
    strategy, generate, parse = draw(st.sampled_from(CASES))
    return draw(strategy), generate, parse


@settings(max_examples=300, deadline=None)
@given(
    documents(),
    SEPARATORS,
    st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)),
    st.sampled_from(["4010", "5010"]),
)
def test_generated_documents_parse_back_equal(
    case: tuple[Any, Callable[[Any], x12.TransactionSet], Callable[..., Any]],
    separators: Separators,
    at: datetime,
    version: x12.X12Version,
) -> None:
    value, generate, parse = case
    interchange = x12.build_interchange(
        [generate(value)],
        sender=x12.PartyId("ZZ", "ORDERMESH"),
        receiver=x12.PartyId("01", "PARTNER 1"),
        at=at,
        numbers=SequentialControlNumbers(),
        version=version,
    )
    text = x12.write_interchange(interchange, separators)
    received = x12.receive(text)
    assert received.accepted, received.errors
    assert received.interchange == interchange
    (document,) = received.documents
    assert document.document == value
    assert parse(received.interchange.groups[0].sets[0]) == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400) | st.text(alphabet="ISAGSTE*~>|:0123456789 \n", max_size=400))
def test_receiving_never_raises(data: bytes | str) -> None:
    received = x12.receive(data)
    if not received.accepted:
        assert received.errors or received.interchange is None
    x12.functional_acknowledgments(received)


def test_received_interchange_keeps_minute_precision() -> None:
    interchange = x12.build_interchange(
        [x12.generate_997(x12.FunctionalAcknowledgment("PO", 1, x12.AckCode.ACCEPTED, 0, 0, 0))],
        sender=x12.PartyId("ZZ", "A"),
        receiver=x12.PartyId("ZZ", "B"),
        at=datetime(2024, 1, 2, 3, 4, 59),
        numbers=SequentialControlNumbers(),
    )
    assert interchange.at == datetime(2024, 1, 2, 3, 4)
    assert interchange.groups[0].at.time() == time(3, 4)
