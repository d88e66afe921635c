"""The routing core stays deterministic: besides the import contracts in pyproject.toml
(checked by lint-imports), no domain module may read the clock through datetime."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import ordermesh.domain

DOMAIN = Path(ordermesh.domain.__file__).parent
CLOCK_READS = {"now", "today", "utcnow", "fromtimestamp", "utcfromtimestamp"}


@pytest.mark.parametrize(
    "module", sorted(DOMAIN.rglob("*.py")), ids=lambda p: str(p.relative_to(DOMAIN))
)
def test_domain_modules_never_read_the_clock(module: Path) -> None:
    tree = ast.parse(module.read_text(), str(module))
    reads = [
        f"line {node.lineno}: .{node.func.attr}()"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in CLOCK_READS
    ]
    assert reads == []
