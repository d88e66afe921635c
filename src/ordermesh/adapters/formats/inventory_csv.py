"""Inventory snapshot files: CSV with columns ``node,sku,on_hand`` and optional
``safety_stock``. Each node present in the file gets a snapshot of the SKUs listed.

A file is checked whole before anything is written: every problem is reported with its
line and column, and a file with any problem changes nothing.
"""

from __future__ import annotations

from collections import defaultdict

from ordermesh.adapters.formats.csv_table import data_rows, header_problems, read_rows, whole_number
from ordermesh.domain.errors import InvalidInventory, Problem
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.network import Network

REQUIRED = ("node", "sku", "on_hand")
OPTIONAL = ("safety_stock",)


def parse_inventory_csv(
    data: bytes, network: Network, source: str = "inventory.csv"
) -> dict[str, list[SnapshotLine]]:
    """Snapshot lines per node, in file order, or ``InvalidInventory`` listing every problem."""
    rows = read_rows(data, source, InvalidInventory)
    header = rows[0]
    problems = header_problems(header, REQUIRED, OPTIONAL)
    if problems:
        raise InvalidInventory(source, problems)
    if len(rows) == 1:
        raise InvalidInventory(source, [Problem("line 2", "the file has a header but no rows")])

    seen: dict[tuple[str, str], int] = {}
    snapshots: dict[str, list[SnapshotLine]] = defaultdict(list)
    for line_number, cells in data_rows(rows, problems):

        def where(name: str, line: int = line_number) -> str:
            return f"line {line}, column {name}"

        node_id = cells["node"]
        sku = cells["sku"]
        row_ok = True
        if node_id not in network.nodes:
            problems.append(Problem(where("node"), f"unknown node {node_id!r}"))
            row_ok = False
        if sku in network.bundles:
            problems.append(
                Problem(where("sku"), f"{sku!r} is a bundle: stock is held by its components")
            )
            row_ok = False
        elif sku not in network.skus:
            problems.append(Problem(where("sku"), f"unknown SKU {sku!r}"))
            row_ok = False
        on_hand = whole_number(cells["on_hand"], where("on_hand"), problems, 0)
        safety: int | None = None
        if cells.get("safety_stock"):
            safety = whole_number(cells["safety_stock"], where("safety_stock"), problems, 0)
            row_ok = row_ok and safety is not None
        if (node_id, sku) in seen:
            problems.append(
                Problem(
                    f"line {line_number}",
                    f"{node_id}/{sku} is already given on line {seen[(node_id, sku)]}",
                )
            )
            row_ok = False
        seen.setdefault((node_id, sku), line_number)
        if row_ok and on_hand is not None:
            snapshots[node_id].append(SnapshotLine(sku, on_hand, safety))
    if problems:
        raise InvalidInventory(source, problems)
    return dict(snapshots)
