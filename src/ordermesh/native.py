"""The routing core compiled with mypyc, and the guard against running a stale build.

The routing core is plain, strictly typed Python; mypyc (shipped with mypy) compiles the
same sources into C extension modules placed beside them, which Python imports in their
place: decisions are the same, only faster (docs/benchmarks.md, "Decision speed").

Two builds share ``compile_modules``: the wheel's (``pip install .``, ``pip wheel .``:
``hatch_build.py`` at the repository root compiles a copy of the sources and puts the
modules in the wheel), and the in-place one of a checkout (``make native``, before ``make
run``, ``make test`` and ``make bench``, unless current; ``make pure`` removes them).
Without a C compiler either build is skipped and the sources run as they are.

An extension module older than its source would run yesterday's code, so importing
ordermesh refuses to start while one is stale (``StaleNativeBuild``).

    python src/ordermesh/native.py update  # compile unless current (what make does)
    python src/ordermesh/native.py build   # compile
    python src/ordermesh/native.py clean   # remove the compiled modules

It runs as a script, not as ``-m ordermesh.native``: importing the package is what refuses
a stale build.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE.parent
# The routing core and the domain modules its hot paths call.
MODULES = (
    "domain/routing/*.py",
    "domain/cost.py",
    "domain/distance.py",
    "domain/model.py",
    "domain/network.py",
    "domain/order.py",
    "domain/promise.py",
)
# Extension modules end so on every platform ordermesh runs on (.so, or .pyd on Windows).
SUFFIX = sysconfig.get_config_var("EXT_SUFFIX") or ".so"


class StaleNativeBuild(ImportError):
    """A compiled module is older than its source."""


def sources(package: Path = PACKAGE) -> list[Path]:
    return sorted(path for pattern in MODULES for path in package.glob(pattern))


def compiled(source: Path) -> list[Path]:
    """The source's compiled modules (one per Python build that compiled it)."""
    return sorted(source.parent.glob(f"{source.stem}.*{SUFFIX[SUFFIX.rfind('.') :]}"))


def stale(package: Path = PACKAGE) -> list[Path]:
    """Sources with a compiled module older than they are."""
    found = []
    for source in sources(package):
        changed = source.stat().st_mtime
        if any(module.stat().st_mtime < changed for module in compiled(source)):
            found.append(source)
    return found


def refuse_stale(package: Path = PACKAGE) -> None:
    outdated = stale(package)
    if outdated:
        names = ", ".join(str(path.relative_to(package.parent)) for path in outdated[:3])
        more = f" and {len(outdated) - 3} more" if len(outdated) > 3 else ""
        raise StaleNativeBuild(
            f"compiled routing core older than its sources ({names}{more}): run `make native` "
            "to rebuild it, or `make pure` to run the sources uncompiled"
        )


def compile_modules(source_root: Path = SOURCE_ROOT) -> int:
    """Compile ``MODULES`` of the package under ``source_root`` (the directory holding
    ``ordermesh/``) in place, beside their sources; the exit status of mypyc."""
    package = source_root / PACKAGE.name
    relative = [str(path.relative_to(source_root)) for path in sources(package)]
    command = [sys.executable, "-m", "mypyc", *relative]
    status = subprocess.run(command, cwd=source_root, check=False).returncode
    # mypyc leaves its C sources and a setup.py under build/ in its working directory.
    shutil.rmtree(source_root / "build", ignore_errors=True)
    if status == 0:
        # A source change that compiles to the same C (a comment, formatting) leaves the
        # old module file in place, current but older than its source: mark it current.
        for source in sources(package):
            for module in compiled(source):
                module.touch()
    return status


def compiled_files(source_root: Path) -> list[Path]:
    """What a build under ``source_root`` made, relative to it: each module's extension
    and the one module they share (named by a hash of the set compiled)."""
    package = source_root / PACKAGE.name
    modules = [module for source in sources(package) for module in compiled(source)]
    modules += source_root.glob(f"*__mypyc.*{SUFFIX[SUFFIX.rfind('.') :]}")
    return sorted(module.relative_to(source_root) for module in modules)


def build() -> int:
    """Compile ``MODULES`` in place in this checkout; the exit status of mypyc."""
    return compile_modules(SOURCE_ROOT)


def clean() -> None:
    for source in sources():
        for module in compiled(source):
            module.unlink()
    # The module every compiled module shares (named by a hash of the set compiled).
    for shared in SOURCE_ROOT.glob("*__mypyc.*"):
        shared.unlink()
    shutil.rmtree(SOURCE_ROOT / "build", ignore_errors=True)


def current(package: Path = PACKAGE) -> bool:
    """Whether every source has a compiled module, none older than it."""
    return all(compiled(source) for source in sources(package)) and not stale(package)


def main(argv: list[str]) -> int:
    if argv == ["build"]:
        return build()
    if argv == ["update"]:
        return 0 if current() else build()
    if argv == ["clean"]:
        clean()
        return 0
    print("usage: python src/ordermesh/native.py update|build|clean", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
