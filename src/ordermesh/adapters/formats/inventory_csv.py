"""Inventory snapshot files: CSV with columns ``node,sku,on_hand`` and optional
``safety_stock``. Each node present in the file gets a snapshot of the SKUs listed.

A file is checked whole before anything is written: every problem is reported with its
line and column, and a file with any problem changes nothing.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict

from ordermesh.domain.errors import InvalidInventory, Problem
from ordermesh.domain.inventory import SnapshotLine
from ordermesh.domain.network import Network

REQUIRED = ("node", "sku", "on_hand")
OPTIONAL = ("safety_stock",)


def _quantity(text: str, where: str, problems: list[Problem]) -> int | None:
    value = text.strip()
    try:
        number = int(value)
    except ValueError:
        problems.append(Problem(where, f"must be a whole number, not {value!r}"))
        return None
    if number < 0:
        problems.append(Problem(where, f"must be >= 0, not {number}"))
        return None
    return number


def parse_inventory_csv(
    data: bytes, network: Network, source: str = "inventory.csv"
) -> dict[str, list[SnapshotLine]]:
    """Snapshot lines per node, in file order, or ``InvalidInventory`` listing every problem."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InvalidInventory(
            source, [Problem(f"line {line}", f"is not valid UTF-8 (byte {error.start})")]
        ) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise InvalidInventory(source, [Problem("line 1", "the file is empty: expected a header")])
    header = [cell.strip().lower() for cell in rows[0]]
    problems: list[Problem] = []
    for name in REQUIRED:
        if name not in header:
            problems.append(Problem("line 1", f"missing column {name!r}"))
    for index, name in enumerate(header):
        if name not in REQUIRED + OPTIONAL:
            problems.append(Problem(f"line 1, column {index + 1}", f"unknown column {name!r}"))
        elif header.index(name) != index:
            problems.append(Problem(f"line 1, column {index + 1}", f"duplicate column {name!r}"))
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
        on_hand = _quantity(row[column["on_hand"]], where("on_hand"), problems)
        safety: int | None = None
        if "safety_stock" in column and row[column["safety_stock"]].strip():
            safety = _quantity(row[column["safety_stock"]], where("safety_stock"), problems)
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
