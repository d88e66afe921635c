"""The orders CSV reader and writer (docs/formats/orders.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ordermesh.adapters.formats.network_document import load_network_file, network_from_document
from ordermesh.adapters.formats.orders_csv import parse_orders_csv, render_orders_csv
from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.network import Network
from ordermesh.scenario.network_generator import generate_network
from ordermesh.scenario.orders import generate_orders

NETWORK_FILE = Path(__file__).parent.parent / "data" / "network_small.yaml"
HEADER = (
    "order_id,created_at,channel,customer_tier,postal_code,country,service_level,sku,quantity,"
    "unit_price,tags"
)
GOOD = "A1,2026-03-02T18:30:00+00:00,web,vip,10001,US,standard,MUG-BLUE,2,15.5,gift;rush"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network_file(NETWORK_FILE.read_bytes(), "network_small.yaml")[1]


def problems(data: str | bytes, network: Network) -> list[str]:
    raw = data.encode() if isinstance(data, str) else data
    with pytest.raises(InvalidInput) as caught:
        parse_orders_csv(raw, network)
    return [str(problem) for problem in caught.value.problems]


def test_generated_orders_survive_a_round_trip() -> None:
    document = generate_network(9, warehouses=2, three_pls=0, stores=2, dropship=0, skus=120)
    network = network_from_document(document)
    rows = generate_orders(document, 2, orders=150, bundle_share=0.1)
    orders = parse_orders_csv(render_orders_csv(rows).encode(), network)
    assert [o.id for o in orders] == list(dict.fromkeys(row["order_id"] for row in rows))
    flattened = [
        (o.id, o.placed_at.isoformat(), o.channel, o.service_level, line.item, str(line.quantity))
        for o in orders
        for line in o.lines
    ]
    expected = [
        (r["order_id"], r["created_at"], r["channel"], r["service_level"], r["sku"], r["quantity"])
        for r in rows
    ]
    assert flattened == expected
    assert all(o.ship_to.location.postal_code for o in orders)


def test_a_good_file_becomes_orders_with_their_lines(network: Network) -> None:
    text = "\n".join([HEADER, GOOD, GOOD.replace("MUG-BLUE,2,15.5", "MUG-PAIR,1,")]) + "\n"
    (order,) = parse_orders_csv(text.encode(), network)
    assert order.id == "A1" and order.channel == "web" and order.customer_tier == "vip"
    assert [(line.line_id, line.item, line.quantity) for line in order.lines] == [
        ("1", "MUG-BLUE", 2),
        ("2", "MUG-PAIR", 1),
    ]
    assert order.lines[0].unit_price == 15.5 and order.lines[1].unit_price is None
    assert order.tags == frozenset({"gift", "rush"})
    assert order.ship_to.location.state == "NY"
    assert order.placed_at.utcoffset() is not None


def test_lat_lon_may_stand_in_for_a_postal_code(network: Network) -> None:
    text = "order_id,created_at,channel,service_level,sku,quantity,lat,lon\n"
    text += "B1,2026-03-02T10:00:00-05:00,web,standard,COASTER,1,40.75,-73.99\n"
    (order,) = parse_orders_csv(text.encode(), network)
    assert (order.ship_to.location.lat, order.ship_to.location.lon) == (40.75, -73.99)


def test_a_file_that_is_not_utf8_is_rejected_with_its_line(network: Network) -> None:
    data = (HEADER + "\n" + GOOD + "\n").encode() + b"A2,\xff\xfe\n"
    (found,) = problems(data, network)
    assert found.startswith("line 3: is not valid UTF-8")


def test_an_empty_file_is_rejected(network: Network) -> None:
    assert problems("", network) == ["line 1: the file is empty: expected a header"]
    assert problems(HEADER + "\n", network) == ["line 2: the file has a header but no rows"]


def test_missing_unknown_and_duplicate_columns_are_named(network: Network) -> None:
    found = problems("order_id,created_at,channel,sku,colour,sku\nA,b,c,d,e,f\n", network)
    assert "line 1: missing column 'service_level'" in found
    assert "line 1: missing column 'quantity'" in found
    assert "line 1: missing column 'postal_code' (or 'lat' and 'lon')" in found
    assert "line 1, column 5: unknown column 'colour'" in found
    assert "line 1, column 6: duplicate column 'sku'" in found


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (GOOD.replace("MUG-BLUE", "SAUCER"), "line 2, column sku: unknown SKU or bundle 'SAUCER'"),
        (GOOD.replace("MUG-BLUE", "KIT-NONE"), "line 2, column sku: unknown SKU or bundle"),
        (GOOD.replace(",web,", ",fax,"), "line 2, column channel: unknown channel 'fax'"),
        (GOOD.replace("standard", "warp"), "line 2, column service_level: unknown service level"),
        (GOOD.replace("MUG-BLUE,2", "MUG-BLUE,0"), "line 2, column quantity: must be >= 1, not 0"),
        (GOOD.replace("MUG-BLUE,2", "MUG-BLUE,two"), "line 2, column quantity: must be a whole"),
        (GOOD.replace("15.5", "-1"), "line 2, column unit_price: must be a number >= 0"),
        (GOOD.replace("+00:00", ""), "line 2, column created_at: needs a UTC offset"),
        (GOOD.replace("2026-03-02T18:30:00+00:00", "yesterday"), "line 2, column created_at: not"),
        (GOOD.replace("10001", "00000"), "line 2, column postal_code: unknown US ZIP code"),
        (GOOD + ",extra", "line 2: has 12 fields, the header has 11"),
        (GOOD.replace("A1,", ",", 1), "line 2, column order_id: is empty"),
    ],
)
def test_each_malformed_row_is_reported_by_line_and_column(
    network: Network, row: str, expected: str
) -> None:
    found = problems(f"{HEADER}\n{row}\n", network)
    assert any(problem.startswith(expected) for problem in found), found


def test_rows_of_one_order_that_disagree_are_reported(network: Network) -> None:
    second = GOOD.replace("MUG-BLUE", "COASTER").replace(",web,", ",amazon,")
    found = problems(f"{HEADER}\n{GOOD}\n{second}\n", network)
    assert found == [
        "line 3, column channel: 'amazon' differs from 'web' on line 2, the first row of order 'A1'"
    ]


def test_every_problem_of_a_file_is_reported_at_once(network: Network) -> None:
    rows = [GOOD.replace("MUG-BLUE", "SAUCER"), GOOD.replace("A1", "A2").replace(",2,", ",0,")]
    found = problems("\n".join([HEADER, *rows]) + "\n", network)
    assert len(found) == 2
    assert found[0].startswith("line 2") and found[1].startswith("line 3")
