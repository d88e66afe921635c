"""Scenario cells and the seeded networks, stock and order streams they stand for.

A cell fixes the shape of the problem (nodes, DC share, SKUs, Zipf exponent, stock relative
to demand, capacity); a seed draws one instance of it. Stock is sized from a *forecast*
order stream drawn with a different seed than the scored orders, so no policy and no stock
level is tuned on the orders it is scored on.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from ordermesh.adapters.formats.network_document import network_from_document
from ordermesh.adapters.formats.orders_csv import parse_orders_csv, render_orders_csv
from ordermesh.domain.model import Capability
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.promise import DEFAULT_CARRIER_CALENDAR, delivery_date, ship_date
from ordermesh.scenario.network_generator import generate_network
from ordermesh.scenario.orders import DEFAULT_START, OrderRow, generate_orders

NODES = (10, 50, 200)
DC_SHARES = (1.0, 0.1)
SKUS = (1_000, 10_000)
ZIPF = (0.8, 1.1, 1.4)
STOCK_RATIOS = (0.8, 1.0, 1.2, 2.0)
CAPACITY = (False, True)  # tight?

# Stores carry the head of the catalogue only, a few units deep.
STORE_WEIGHT = 0.25
STORE_ASSORTMENT_SHARE = 0.1
# Tight capacity: each node can make this multiple of its expected share of parcels a day.
TIGHT_HEADROOM = 1.25
FORECAST_SEED_OFFSET = 7_919  # forecast streams never share a seed with scored ones
# The forecast averages this many streams' worth of orders, as a history would.
FORECAST_HORIZON = 4


@dataclass(frozen=True, slots=True)
class Cell:
    nodes: int
    dc_share: float
    skus: int
    zipf: float
    stock_ratio: float
    tight: bool

    @property
    def label(self) -> str:
        capacity = "tight" if self.tight else "unlimited"
        return (
            f"n{self.nodes}-dc{round(self.dc_share * 100)}-sku{self.skus // 1000}k-"
            f"z{self.zipf}-s{self.stock_ratio}-{capacity}"
        )

    @property
    def warehouses(self) -> int:
        return max(1, round(self.nodes * self.dc_share))


def full_grid() -> list[Cell]:
    return [
        Cell(*values)
        for values in itertools.product(NODES, DC_SHARES, SKUS, ZIPF, STOCK_RATIOS, CAPACITY)
    ]


def quick_cells() -> list[Cell]:
    """A handful of representative cells: DC-only with ample stock (where myopic routing
    should be near optimal), store-heavy with tight stock (where it should not), and one
    with tight node capacity."""
    return [
        Cell(10, 1.0, 1_000, 1.1, 2.0, False),
        Cell(10, 0.1, 1_000, 1.1, 1.0, False),
        Cell(50, 1.0, 1_000, 1.1, 1.2, False),
        Cell(50, 0.1, 1_000, 1.1, 0.8, False),
        Cell(50, 0.1, 1_000, 1.4, 1.0, True),
    ]


def parse_cell(text: str) -> Cell:
    """A cell from ``nodes,dc_share,skus,zipf,stock_ratio,tight|unlimited``."""
    parts = text.split(",")
    if len(parts) != 6 or parts[5] not in ("tight", "unlimited"):
        raise ValueError(f"bad cell {text!r}: want nodes,dc_share,skus,zipf,stock_ratio,tight")
    return Cell(
        int(parts[0]), float(parts[1]), int(parts[2]), float(parts[3]), float(parts[4]),
        parts[5] == "tight",
    )  # fmt: skip


@dataclass(frozen=True, slots=True)
class ForecastError:
    """How the history a policy learns from differs from the demand it will meet: its
    volume times ``volume`` (0.7 and 1.3: off by 30%), and its customers drawn with
    ``metro_share`` in the big metros instead of the scored stream's share (another
    spatial mix). Stock is sized from the true demand either way."""

    volume: float = 1.0
    metro_share: float | None = None


@dataclass(frozen=True, slots=True)
class Scenario:
    cell: Cell
    seed: int
    network: Network
    stock: Mapping[tuple[str, str], int]
    orders: tuple[Order, ...]
    # The forecast stream (a different seed): the only history a policy may learn from.
    history: tuple[Order, ...] = ()
    period_end: datetime | None = None  # when the stock was sized to last until


def _document(cell: Cell, seed: int) -> dict[str, Any]:
    document = generate_network(
        seed,
        warehouses=cell.warehouses,
        three_pls=0,
        stores=cell.nodes - cell.warehouses,
        dropship=0,
        skus=cell.skus,
        bundles=0,
        name=f"{cell.label}-{seed}",
    )
    # Channel buffers would hide stock from some policies' view of it and not others'.
    for channel in document["channels"]:
        channel["buffer"] = {"default": 0}
    return document


def _node_weight(node: Mapping[str, Any], rank: int, sku: Mapping[str, Any], skus: int) -> float:
    if sku["hazmat"] and not node["hazmat_capable"]:
        return 0.0
    if node["type"] == "warehouse":
        return 1.0
    return STORE_WEIGHT if rank < max(50, int(skus * STORE_ASSORTMENT_SHARE)) else 0.0


def _stock(
    document: Mapping[str, Any], demand: Counter[str], ratio: float, rng: random.Random
) -> dict[tuple[str, str], int]:
    """``ratio`` times the forecast units of each SKU, spread over the nodes that carry it
    by weight, rounded stochastically so small quantities still land somewhere."""
    stock: dict[tuple[str, str], int] = {}
    nodes = document["nodes"]
    for rank, sku in enumerate(document["skus"]):
        total = ratio * demand.get(str(sku["id"]), 0)
        if total <= 0:
            continue
        weights = [_node_weight(node, rank, sku, len(document["skus"])) for node in nodes]
        weight_sum = sum(weights)
        if weight_sum <= 0:
            continue
        for node, weight in zip(nodes, weights, strict=True):
            share = total * weight / weight_sum
            units = math.floor(share) + (1 if rng.random() < share - math.floor(share) else 0)
            if units:
                stock[(str(node["id"]), str(sku["id"]))] = units
    return stock


def _capacities(
    document: dict[str, Any], stock: Mapping[tuple[str, str], int], orders: int, days: int
) -> None:
    held: Counter[str] = Counter()
    for (node_id, _), units in stock.items():
        held[node_id] += units
    total = sum(held.values()) or 1
    per_day = orders / days
    for node in document["nodes"]:
        share = held[str(node["id"])] / total
        node["capacity"] = {
            "shipments_per_day": max(1, math.ceil(TIGHT_HEADROOM * per_day * share))
        }


def _orders(rows: Iterable[Mapping[str, object]], network: Network) -> list[Order]:
    return parse_orders_csv(render_orders_csv(rows).encode(), network, "scenario orders")


def checkout_promise(order: Order, network: Network) -> Order:
    """The date checkout shows: the earliest ship date of any node that ships parcels, plus
    the service level's transit days. Every policy is then held to the same date."""
    nodes = [n for n in network.nodes.values() if n.enabled and n.can(Capability.SHIP)]
    earliest = min(ship_date(node, order.placed_at) for node in nodes)
    level = network.service_levels[order.service_level]
    promised = delivery_date(earliest, level.max_transit_days, DEFAULT_CARRIER_CALENDAR)
    return replace(order, promised_by=promised)


@dataclass(frozen=True, slots=True)
class Draw:
    """One seed of a cell as the files a user would have: the network document, the
    starting stock, the scored order rows, and the forecast stream's rows."""

    document: dict[str, Any]
    stock: dict[tuple[str, str], int]
    rows: list[OrderRow]
    forecast_rows: list[OrderRow]


def draw(cell: Cell, seed: int, orders: int, days: int) -> Draw:
    document = _document(cell, seed)
    forecast_rows = generate_orders(
        document, seed + FORECAST_SEED_OFFSET, orders=orders * FORECAST_HORIZON,
        days=days * FORECAST_HORIZON, zipf_exponent=cell.zipf, bundle_share=0.0,
    )  # fmt: skip
    demand: Counter[str] = Counter()
    for row in forecast_rows:
        demand[row["sku"]] += int(row["quantity"])
    demand = Counter({sku: units / FORECAST_HORIZON for sku, units in demand.items()})
    stock = _stock(document, demand, cell.stock_ratio, random.Random(seed))
    if cell.tight:
        _capacities(document, stock, orders, days)
    else:
        for node in document["nodes"]:
            node.pop("capacity", None)
    rows = generate_orders(
        document, seed, orders=orders, days=days, zipf_exponent=cell.zipf, bundle_share=0.0
    )
    return Draw(document, stock, rows, forecast_rows)


def build(
    cell: Cell, seed: int, orders: int, days: int, error: ForecastError | None = None
) -> Scenario:
    drawn = draw(cell, seed, orders, days)
    network = network_from_document(drawn.document)
    stock = drawn.stock
    parsed = [checkout_promise(order, network) for order in _orders(drawn.rows, network)]
    history_rows = drawn.forecast_rows
    if error is not None and error != ForecastError():
        history_rows = generate_orders(
            drawn.document,
            seed + FORECAST_SEED_OFFSET,
            orders=round(orders * FORECAST_HORIZON * error.volume),
            days=days * FORECAST_HORIZON,
            zipf_exponent=cell.zipf,
            bundle_share=0.0,
            **({} if error.metro_share is None else {"metro_share": error.metro_share}),
        )
    history = tuple(_orders(history_rows, network))
    return Scenario(
        cell, seed, network, stock, tuple(parsed), history, DEFAULT_START + timedelta(days=days)
    )


def cells_from(texts: Sequence[str]) -> list[Cell]:
    return [parse_cell(text) for text in texts]
