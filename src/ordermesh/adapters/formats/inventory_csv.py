"""Inventory snapshot files: CSV with columns ``node,sku,on_hand`` and optional
``safety_stock``. Each node present in the file gets a snapshot of the SKUs listed.

A file is checked whole before anything is written: every problem is reported with its
line and column, and a file with any problem changes nothing.
"""

from __future__ import annotations

from collections import defaultdict

from ordermesh.adapters.formats.csv_table import header_problems, read_rows, whole_number
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

    column = {name: header.index(name) for name in header}
    seen: dict[tuple[str, str], int] = {}
    snapshots: dict[str, list[SnapshotLine]] = defaultdict(list)
    for line_number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines are harmless, commonly a trailing newline
        if len(row) != len(header):
            problems.append(
                Problem(
                    f"line {line_number}", f"has {len(row)} fields, the header has {len(header)}"
                )
            )
            continue

        def where(name: str, line: int = line_number) -> str:
            return f"line {line}, column {name}"

        node_id = row[column["node"]].strip()
        sku = row[column["sku"]].strip()
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
        on_hand = whole_number(row[column["on_hand"]], where("on_hand"), problems, 0)
        safety: int | None = None
        if "safety_stock" in column and row[column["safety_stock"]].strip():
            safety = whole_number(row[column["safety_stock"]], where("safety_stock"), problems, 0)
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
