"""The wheel's build hook: the routing core compiled with mypyc, where a compiler is.

``pip install .`` and ``pip wheel .`` (from the repository or from the sdist) run it. It
compiles a copy of the sources in a temporary directory, with the same list of modules and
the same command as ``make native`` (``src/ordermesh/native.py``), and adds the extension
modules to the wheel beside the sources, which it keeps: Python imports an extension in
place of its source. Without a C compiler (or when mypyc fails) the wheel is pure Python
and says so. ``ORDERMESH_PURE=1`` builds a pure wheel on purpose. An editable install
(``pip install -e .``) compiles nothing: ``make native`` compiles a checkout in place.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

PURE_ENV = "ORDERMESH_PURE"


def _native(root: Path) -> ModuleType:
    """src/ordermesh/native.py, loaded by path: importing the package is not needed."""
    spec = importlib.util.spec_from_file_location(
        "_ordermesh_native", root / "src/ordermesh/native.py"
    )
    if spec is None or spec.loader is None:
        raise RuntimeError("src/ordermesh/native.py is missing")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and the like look their module up
    spec.loader.exec_module(module)
    return module


class NativeBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        self._workspace: str | None = None
        if self.target_name != "wheel" or version == "editable":
            return
        if os.environ.get(PURE_ENV, "") not in ("", "0"):
            self.app.display_info(f"{PURE_ENV} is set: the routing core stays pure Python")
            return
        root = Path(self.root)
        native = _native(root)
        self._workspace = tempfile.mkdtemp(prefix="ordermesh-mypyc-")
        workspace = Path(self._workspace)
        # The same mypy configuration as a checkout's build, then a copy of the package.
        shutil.copy2(root / "pyproject.toml", workspace / "pyproject.toml")
        source_root = workspace / "src"
        shutil.copytree(
            root / "src" / "ordermesh",
            source_root / "ordermesh",
            ignore=shutil.ignore_patterns("__pycache__", "*.so", "*.pyd", "*__mypyc*"),
        )
        self.app.display_info("compiling the routing core with mypyc (about a minute)")
        if native.compile_modules(source_root) != 0:
            self.app.display_warning(
                "mypyc could not compile the routing core (no C compiler?): "
                "the wheel is pure Python, the same decisions, slower"
            )
            return
        built = native.compiled_files(source_root)
        for relative in built:
            build_data["force_include"][str(source_root / relative)] = relative.as_posix()
        build_data["pure_python"] = False
        build_data["infer_tag"] = True
        self.app.display_info(f"{len(built)} compiled modules in the wheel")

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        if self._workspace is not None:
            shutil.rmtree(self._workspace, ignore_errors=True)
