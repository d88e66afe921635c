from __future__ import annotations

from pathlib import Path

import pytest

from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.network_document import load_network_file
from ordermesh.domain.errors import InvalidInventory
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.network import Network

SMALL = Path(__file__).parent.parent / "data" / "network_small.yaml"


@pytest.fixture(scope="module")
def network() -> Network:
    return load_network_file(SMALL.read_bytes(), str(SMALL))[1]


def problems(data: bytes, network: Network) -> list[str]:
    with pytest.raises(InvalidInventory) as caught:
        parse_inventory_csv(data, network, "stock.csv")
    return [str(p) for p in caught.value.problems]


def test_rows_become_one_snapshot_per_node(network: Network) -> None:
    data = (
        b"node,sku,on_hand,safety_stock\nDC-RENO,MUG-BLUE,10,2\nDC-RENO,COASTER,4,\n"
        b"STORE-CHI,MUG-BLUE,3,1\n"
    )
    assert parse_inventory_csv(data, network) == {
        "DC-RENO": [SnapshotLine("MUG-BLUE", 10, 2), SnapshotLine("COASTER", 4, None)],
        "STORE-CHI": [SnapshotLine("MUG-BLUE", 3, 1)],
    }


def test_safety_stock_is_optional_and_columns_may_come_in_any_order(network: Network) -> None:
    data = b"sku,on_hand,node\r\nMUG-BLUE,7,DC-OHIO\r\n\r\n"
    assert parse_inventory_csv(data, network) == {"DC-OHIO": [SnapshotLine("MUG-BLUE", 7)]}


def test_a_byte_order_mark_is_tolerated(network: Network) -> None:
    data = "\ufeffnode,sku,on_hand\nDC-OHIO,COASTER,1\n".encode()
    assert parse_inventory_csv(data, network) == {"DC-OHIO": [SnapshotLine("COASTER", 1)]}


def test_every_bad_row_is_reported_by_line_and_column(network: Network) -> None:
    data = (
        b"node,sku,on_hand\n"
        b"DC-MARS,MUG-BLUE,1\n"
        b"DC-RENO,SAUCER,1\n"
        b"DC-RENO,MUG-BLUE,-4\n"
        b"DC-RENO,COASTER,lots\n"
        b"DC-RENO,MUG-PAIR,2\n"
        b"DC-RENO,PILLOW\n"
        b"DC-OHIO,COASTER,1\n"
        b"DC-OHIO,COASTER,2\n"
    )
    assert problems(data, network) == [
        "line 2, column node: unknown node 'DC-MARS'",
        "line 3, column sku: unknown SKU 'SAUCER'",
        "line 4, column on_hand: must be >= 0, not -4",
        "line 5, column on_hand: must be a whole number, not 'lots'",
        "line 6, column sku: 'MUG-PAIR' is a bundle: stock is held by its components",
        "line 7: has 2 fields, the header has 3",
        "line 9: DC-OHIO/COASTER is already given on line 8",
    ]


def test_missing_and_unknown_columns_are_refused(network: Network) -> None:
    assert problems(b"node,sku,qty\nDC-RENO,MUG-BLUE,1\n", network) == [
        "line 1: missing column 'on_hand'",
        "line 1, column 3: unknown column 'qty'",
    ]


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: the file is empty: expected a header"),
        (b"node,sku,on_hand\n", "line 2: the file has a header but no rows"),
        (
            b"node,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,CAF\xc9,1\n",
            "line 3: is not valid UTF-8",
        ),
    ],
)
def test_empty_and_undecodable_files_say_why(data: bytes, expected: str, network: Network) -> None:
    assert problems(data, network)[0].startswith(expected)


def test_bad_bytes_after_a_byte_order_mark_are_placed_on_their_line(network: Network) -> None:
    data = b"\xef\xbb\xbfnode,sku,on_hand\nDC-RENO,MUG-BLUE,1\nDC-RENO,CAF\xc9,1\n"
    assert problems(data, network)[0].startswith("line 3: is not valid UTF-8")
