"""The demo network and its starting inventory, shipped inside the package.

Both files are written by ``python -m ordermesh.scenario.write_demo`` (see docs/demo.md); edit
the generator, not the files. The paths resolve through importlib.resources, so they work from
a source checkout and from an installed wheel alike.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Final

__all__ = ["INVENTORY_FILE", "NETWORK_FILE", "demo_inventory_path", "demo_network_path"]

NETWORK_FILE: Final = "network.yaml"
INVENTORY_FILE: Final = "inventory.csv"


def demo_network_path() -> Path:
    """The demo network document (YAML, docs/formats/network.md)."""
    return _resource_path(NETWORK_FILE)


def demo_inventory_path() -> Path:
    """The demo inventory: CSV with columns ``node,sku,on_hand,safety_stock``."""
    return _resource_path(INVENTORY_FILE)


def _resource_path(name: str) -> Path:
    resource = files(__name__).joinpath(name)
    # Callers hand the path to the CLI and to open(); a package imported from a zip archive
    # has no such path, and failing loudly beats a confusing error later.
    if not isinstance(resource, Path):
        raise RuntimeError(
            f"ordermesh.demo/{name} is not on the file system (package imported from {resource!r})"
        )
    return resource
