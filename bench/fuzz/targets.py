"""Every inbound parser, with valid seed documents and the one error it may raise.

A target's ``run`` returns True when the input parsed, False when the parser refused it
the documented way (``InvalidInput`` and its subclasses, the error tree of
``ordermesh.domain.errors``; the X12 reader reports problems in its result and never
raises); anything else it raises is a crash.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from bench.fuzz.mutations import Chooser, Grammar, mutate, mutate_tree, pick
from ordermesh.adapters.formats import x12
from ordermesh.adapters.formats.flat_files import (
    parse_inventory_deltas,
    parse_shipment_confirmations,
)
from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.network_document import load_network_file
from ordermesh.adapters.formats.orders_csv import parse_orders_csv
from ordermesh.adapters.formats.shopify import parse_payload, to_place_order
from ordermesh.domain.errors import InvalidInput
from ordermesh.domain.network import Network

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
NETWORK_FILE = DATA / "network_small.yaml"

X12_STAR = Grammar(b"~", b"*", (b"*", b"~", b">", b"^"))
X12_PIPE = Grammar(b"\n", b"|", (b"|", b"\n", b":", b"*", b"~", b">"))
CSV = Grammar(b"\n", b",", (b",", b'"', b"\n", b"\r"))
JSON = Grammar(b",", b":", (b"{", b"}", b"[", b"]", b'"', b"\\", b"\\u0000", b"\\ud800"))

ORDERS_CSV = b"""\
order_id,created_at,channel,customer_tier,postal_code,country,service_level,sku,quantity,unit_price,tags
A1,2026-06-10T12:00:00+00:00,web,vip,60610,US,standard,MUG-BLUE,2,15.50,gift
A1,2026-06-10T12:00:00+00:00,web,vip,60610,US,standard,COASTER,4,,gift
A2,2026-06-10T12:05:00+00:00,web,,11201,US,standard,PILLOW,1,,
A3,2026-06-10T12:06:00+00:00,web,,02139,US,standard,MUG-PAIR,1,,
"""
SHIPMENTS_CSV = b"""\
request_id,line_id,sku,shipped,tracking_number,carrier
ful_1,1,MUG-BLUE,2,1Z9,UPS
ful_1,2,COASTER,1,1Z9,UPS
ful_2,1,PILLOW,1,,
"""
DELTAS_CSV = b"""\
node,sku,delta,reason,note
DC-RENO,MUG-BLUE,5,receipt,PO 7
DC-RENO,PILLOW,-2,damage,
"""
SNAPSHOT_CSV = b"""\
node,sku,on_hand,safety_stock
DC-RENO,MUG-BLUE,10,1
DC-RENO,COASTER,20,
DC-OHIO,PILLOW,5,0
"""
SHOPIFY_ORDER: dict[str, Any] = {
    "id": 5_820_982_911_946,
    "admin_graphql_api_id": "gid://shopify/Order/5820982911946",
    "name": "#1001",
    "email": "jon@example.com",
    "created_at": "2026-06-10T10:00:00-05:00",
    "currency": "USD",
    "financial_status": "paid",
    "tags": "vip, summer-sale",
    "test": False,
    "line_items": [
        {
            "id": 466157049,
            "sku": "MUG-BLUE",
            "quantity": 2,
            "price": "16.00",
            "grams": 500,
            "requires_shipping": True,
        },
        {
            "id": 518995019,
            "sku": "COASTER",
            "quantity": 3,
            "price": "3.00",
            "requires_shipping": True,
        },
        {
            "id": 703073504,
            "title": "Gift card",
            "sku": None,
            "quantity": 1,
            "price": "25.00",
            "requires_shipping": False,
            "gift_card": True,
        },
    ],
    "shipping_address": {
        "first_name": "Jon",
        "last_name": "Snow",
        "address1": "123 Amoebobacterieae St",
        "city": "Chicago",
        "province_code": "IL",
        "country_code": "US",
        "zip": "60610",
        "phone": "555-625-1199",
        "latitude": None,
        "longitude": None,
    },
    "shipping_lines": [{"title": "Standard Shipping", "code": "Standard", "price": "10.00"}],
}


def _x12_997() -> bytes:
    """A buyer's 997 acknowledging an 855 of ours, one set rejected with an element note."""
    ack = x12.FunctionalAcknowledgment(
        functional_id="PR",
        group_control=7,
        status=x12.AckCode.PARTIALLY_ACCEPTED,
        included=2,
        received=2,
        accepted=1,
        sets=(
            x12.SetResponse("855", "0001", x12.AckCode.ACCEPTED),
            x12.SetResponse(
                "855",
                "0002",
                x12.AckCode.REJECTED,
                ("5",),
                (x12.SegmentNote("BAK", 2, elements=(x12.ElementNote(8, "5", None, "X"),)),),
            ),
        ),
    )
    built = x12.build_interchange(
        [x12.generate_997(ack)],
        sender=x12.PartyId("ZZ", "BUYERCO"),
        receiver=x12.PartyId("ZZ", "ORDERMESH"),
        at=datetime(2026, 6, 10, 9, 30),
        numbers=x12.SequentialControlNumbers(interchange=400, group=400),
    )
    return x12.write_interchange(built, x12.Separators(), line_breaks=True).encode()


@functools.cache
def network() -> Network:
    return load_network_file(NETWORK_FILE.read_bytes(), str(NETWORK_FILE))[1]


@dataclass(frozen=True, slots=True)
class Target:
    """One parser: ``seeds`` are valid documents, each with the grammar it is cut by;
    ``tree`` is a JSON document to mutate structurally as well (JSON parsers)."""

    name: str
    seeds: tuple[tuple[bytes, Grammar], ...]
    parse: Callable[[bytes], bool]
    tree: Callable[[], Any] | None = None

    def generate(self, chooser: Chooser) -> bytes:
        if self.tree is not None and chooser.integer(0, 1):
            document = mutate_tree(self.tree(), chooser)
            return json.dumps(document, ensure_ascii=bool(chooser.integer(0, 1))).encode()
        seed, grammar = pick(chooser, self.seeds)
        return mutate(seed, chooser, grammar)

    def run(self, data: bytes) -> bool:
        """True: parsed; False: refused as documented; anything raised is a crash."""
        try:
            return self.parse(data)
        except InvalidInput:
            return False


def _x12(sets: set[str]) -> Callable[[bytes], bool]:
    def parse(data: bytes) -> bool:
        return x12.receive(data, "fuzz", sets=sets).accepted

    return parse


def _seed(name: str) -> bytes:
    return (DATA / "x12" / name).read_bytes()


def _accept(parse: Callable[[bytes], object]) -> Callable[[bytes], bool]:
    def run(data: bytes) -> bool:
        parse(data)
        return True

    return run


def _shopify(data: bytes) -> bool:
    net = network()
    to_place_order(parse_payload(data), net.channel("web"), net)
    return True


@functools.cache
def _network_tree() -> Any:
    # As JSON holds it: YAML reads holiday dates as dates.
    return json.loads(json.dumps(yaml.safe_load(NETWORK_FILE.read_bytes()), default=str))


def targets() -> tuple[Target, ...]:
    return (
        Target(
            "x12 850",
            (
                (_seed("850_purchase_order.edi"), X12_STAR),
                (_seed("850_pipe_newline.edi"), X12_PIPE),
            ),
            _x12({"850"}),
        ),
        Target(
            "x12 846",
            (
                (_seed("846_inventory_advice.edi"), X12_STAR),
                (_seed("846_envelope_5010.edi"), X12_STAR),
            ),
            _x12({"846"}),
        ),
        Target("x12 945", ((_seed("945_short_ship.edi"), X12_STAR),), _x12({"945"})),
        Target("x12 856", ((_seed("856_from_3pl.edi"), X12_STAR),), _x12({"856"})),
        Target("x12 997", ((_x12_997(), X12_STAR),), _x12({"997"})),
        Target(
            "orders csv",
            ((ORDERS_CSV, CSV),),
            _accept(lambda data: parse_orders_csv(data, network())),
        ),
        Target(
            "shipments csv",
            ((SHIPMENTS_CSV, CSV),),
            _accept(parse_shipment_confirmations),
        ),
        Target(
            "inventory deltas csv",
            ((DELTAS_CSV, CSV),),
            _accept(lambda data: parse_inventory_deltas(data, network(), node_id="DC-RENO")),
        ),
        Target(
            "inventory csv",
            ((SNAPSHOT_CSV, CSV),),
            _accept(lambda data: parse_inventory_csv(data, network())),
        ),
        Target(
            "shopify json",
            ((json.dumps(SHOPIFY_ORDER).encode(), JSON),),
            _shopify,
            tree=lambda: SHOPIFY_ORDER,
        ),
        Target(
            "network document",
            (
                (NETWORK_FILE.read_bytes(), Grammar(b"\n", b",", (b":", b"-", b"{", b"[", b"'"))),
                (json.dumps(_network_tree()).encode(), JSON),
            ),
            _accept(lambda data: load_network_file(data, "fuzz")),
            tree=_network_tree,
        ),
    )
