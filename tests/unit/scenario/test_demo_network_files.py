"""The demo network and inventory shipped in ``ordermesh.demo``."""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import yaml

import ordermesh
from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.network_document import load_network_file
from ordermesh.demo import demo_inventory_path, demo_network_path
from ordermesh.scenario.write_demo import (
    demo_document,
    demo_inventory,
    main,
    render_inventory_csv,
    render_network_yaml,
)


def test_the_demo_files_are_what_the_generator_writes() -> None:
    document = demo_document()
    assert demo_network_path().read_text(encoding="utf-8") == render_network_yaml(document)
    assert demo_inventory_path().read_text(encoding="utf-8") == render_inventory_csv(
        demo_inventory(document)
    )


def test_regenerating_the_demo_gives_the_same_bytes_every_time(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    assert main(["--out", str(first)]) == 0
    assert main(["--out", str(second)]) == 0
    for name in ("network.yaml", "inventory.csv"):
        assert (first / name).read_bytes() == (second / name).read_bytes()
        assert (first / name).read_bytes() == (demo_network_path().parent / name).read_bytes()
        assert b"\r\n" not in (first / name).read_bytes()


def test_the_demo_network_is_a_valid_network_document() -> None:
    _, network = load_network_file(demo_network_path().read_bytes(), "demo network.yaml")
    assert network.name == "demo"
    assert "MUG-BLUE" in network.skus


def test_the_demo_inventory_is_a_valid_inventory_file_for_the_demo_network() -> None:
    _, network = load_network_file(demo_network_path().read_bytes(), "demo network.yaml")
    snapshots = parse_inventory_csv(demo_inventory_path().read_bytes(), network)
    assert set(snapshots) == set(network.nodes)


def test_the_demo_yaml_is_plain_safe_yaml_equal_to_the_generated_document() -> None:
    assert yaml.safe_load(demo_network_path().read_text(encoding="utf-8")) == demo_document()


def test_the_demo_network_has_the_promised_shape() -> None:
    document = yaml.safe_load(demo_network_path().read_text(encoding="utf-8"))
    counts = Counter(node["type"] for node in document["nodes"])
    assert counts["warehouse"] + counts["3pl"] >= 8
    assert counts["store"] >= 20
    assert counts["dropship"] >= 2
    assert len(document["skus"]) >= 500
    assert len(document["bundles"]) >= 3
    assert {channel["id"] for channel in document["channels"]} == {
        "web",
        "amazon",
        "b2b",
        "shopify",
    }


def test_the_demo_inventory_has_exactly_the_documented_columns() -> None:
    reader = csv.reader(io.StringIO(demo_inventory_path().read_text(encoding="utf-8")))
    assert next(reader) == ["node", "sku", "on_hand", "safety_stock"]


def test_the_demo_files_live_inside_the_ordermesh_package() -> None:
    package_dir = Path(ordermesh.__file__).parent
    for path in (demo_network_path(), demo_inventory_path()):
        assert path.is_file()
        assert path.parent == package_dir / "demo"
