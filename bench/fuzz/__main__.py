"""``python -m bench.fuzz`` (``make fuzz``): mutated inputs through every inbound parser
in process, and a smaller share as files through the partner file worker on SQLite; writes
the report (docs/fuzz.md) and, with ``--json``, the same numbers as JSON. Exits 1 when an
input crashed a parser or the worker, or a rejected file left a partial write."""

from __future__ import annotations

import argparse
import json
import logging
import random
import sys
import tempfile
import time
import traceback
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.fuzz.mutations import RandomChooser
from bench.fuzz.targets import Target, targets
from bench.fuzz.worker import WorkerHarness

KEPT_REPRODUCERS = 3  # per parser


@dataclass
class Tally:
    name: str
    inputs: int = 0
    parsed: int = 0
    rejected: int = 0
    crashes: int = 0
    partial_writes: int = 0
    seconds: float = 0.0
    reproducers: list[dict[str, str]] = field(default_factory=list)


def bare_loop_seconds() -> float:
    """The machine's speed, for reading the times: ``for i in range(10**7): s += i``."""
    started = time.perf_counter()
    s = 0
    for i in range(10**7):
        s += i
    return time.perf_counter() - started


def _keep(tally: Tally, data: bytes, what: str, folder: Path) -> None:
    if len(tally.reproducers) >= KEPT_REPRODUCERS:
        return
    folder.mkdir(parents=True, exist_ok=True)
    slug = tally.name.replace(" ", "-")
    path = folder / f"{slug}-{len(tally.reproducers) + 1}.bin"
    path.write_bytes(data)
    tally.reproducers.append({"file": str(path), "error": what})


def _progress(tally: Tally, total: int) -> None:
    print(
        f"\r  {tally.name:<22} {tally.inputs:>7,}/{total:,}  crashes {tally.crashes}",
        end="",
        file=sys.stderr,
        flush=True,
    )


def fuzz_parser(target: Target, count: int, rng: random.Random, folder: Path) -> Tally:
    tally = Tally(target.name)
    chooser = RandomChooser(rng)
    started = time.perf_counter()
    for _ in range(count):
        data = target.generate(chooser)
        tally.inputs += 1
        try:
            if target.run(data):
                tally.parsed += 1
            else:
                tally.rejected += 1
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            tally.crashes += 1
            _keep(tally, data, traceback.format_exception_only(error)[-1].strip(), folder)
        if tally.inputs % 500 == 0:
            _progress(tally, count)
    tally.seconds = time.perf_counter() - started
    _progress(tally, count)
    print(file=sys.stderr)
    return tally


def fuzz_worker(count: int, rng: random.Random, folder: Path) -> Tally:
    tally = Tally("files through the worker")
    chooser = RandomChooser(rng)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ordermesh-fuzz-") as root:
        harness = WorkerHarness(Path(root))
        try:
            for _ in range(count):
                inbox, data = harness.generate(chooser)
                outcome = harness.drop(inbox, data)
                tally.inputs += 1
                if outcome.applied:
                    tally.parsed += 1
                else:
                    tally.rejected += 1
                tally.partial_writes += outcome.partial_write
                if outcome.crash is not None or outcome.partial_write:
                    tally.crashes += outcome.crash is not None
                    _keep(tally, data, outcome.crash or "partial write", folder)
                if tally.inputs % 25 == 0:
                    _progress(tally, count)
        finally:
            harness.close()
    tally.seconds = time.perf_counter() - started
    _progress(tally, count)
    print(file=sys.stderr)
    return tally


INTRO = """\
# Fuzzing the inbound parsers and the partner file worker

Every input ordermesh reads from outside (the X12 850, 846, 945, 856 and 997 through the
envelope reader, the orders, shipments, inventory deltas and inventory CSVs, Shopify's
order JSON, the network document) is fed mutations of valid sample documents: byte and
bit flips, deleted, duplicated and swapped segments or lines, deleted, duplicated, emptied
or extreme-number elements, separators, quotes, NUL and line breaks pushed inside values,
values of 40 to 70,000 characters, characters outside ASCII and invalid UTF-8, truncated
and empty files; JSON documents are also mutated as trees (values replaced by nulls, huge
numbers, lists, objects; keys removed). The property: every input either parses or is
refused with the documented input error (`InvalidInput` and its subclasses, in
`ordermesh.domain.errors`; the X12 reader reports its problems in its result and never
raises). Anything else is a crash.

A share of the inputs goes through the partner file worker as files dropped into real
partner inboxes (an X12 buyer, an X12 3PL, a CSV channel, a CSV node) on a SQLite
database: one poll and one outbound pass per file. A file must end in `processed/` or
`rejected/` (never stay in the inbox), a rejected file must leave every business table as
it was (a partial write otherwise), and a rejection must come from a refusal, not from the
worker's safety net catching an exception (counted as a crash).

The normal test run does a few hundred of each with hypothesis
(`tests/integration/test_parser_fuzz.py`, `tests/integration/test_worker_fuzz.py`);
`make fuzz` (`python -m bench.fuzz`) runs the numbers below and rewrites this page
(`--json FILE` writes them as JSON too; crash reproducers go to `var/fuzz/`).
"""


def render(tallies: list[Tally], worker: Tally, command: str, bare_loop: float) -> str:
    lines = [
        INTRO,
        "## Last run",
        "",
        f"- command: `{command}`",
        f"- date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- machine: `for i in range(10**7): s += i` takes {bare_loop:.2f} s",
        "",
        "| parser | inputs | parsed | rejected cleanly | crashes | seconds |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for t in tallies:
        lines.append(
            f"| {t.name} | {t.inputs:,} | {t.parsed:,} | {t.rejected:,} | {t.crashes} "
            f"| {t.seconds:.0f} |"
        )
    total = sum(t.inputs for t in tallies)
    lines.append(
        f"| **all parsers** | **{total:,}** | {sum(t.parsed for t in tallies):,} "
        f"| {sum(t.rejected for t in tallies):,} | **{sum(t.crashes for t in tallies)}** "
        f"| {sum(t.seconds for t in tallies):.0f} |"
    )
    lines += [
        "",
        "| through the worker | files | applied | rejected cleanly | crashes | partial writes "
        "| seconds |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| SQLite, 4 partner inboxes | {worker.inputs:,} | {worker.parsed:,} "
        f"| {worker.rejected:,} | **{worker.crashes}** | **{worker.partial_writes}** "
        f"| {worker.seconds:.0f} |",
        "",
    ]
    found = [r for t in (*tallies, worker) for r in t.reproducers]
    if found:
        lines.append("Crashes (first reproducers):")
        lines.append("")
        lines += [f"- `{r['file']}`: {r['error']}" for r in found]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fuzz", description=__doc__)
    parser.add_argument("--inputs", type=int, default=100_000, help="in-process, all parsers")
    parser.add_argument("--worker", type=int, default=1_000, help="files through the worker")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, help="write the markdown report here")
    parser.add_argument("--json", type=Path, help="write the numbers as JSON here")
    parser.add_argument("--reproducers", type=Path, default=Path("var/fuzz"))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.CRITICAL)  # the worker logs every rejection it makes

    rng = random.Random(args.seed)
    every = targets()
    per_target = -(-args.inputs // len(every))
    print(f"fuzzing {len(every)} parsers, {per_target:,} inputs each", file=sys.stderr)
    tallies = [fuzz_parser(t, per_target, rng, args.reproducers) for t in every]
    print(f"fuzzing the worker, {args.worker:,} files", file=sys.stderr)
    worker = fuzz_worker(args.worker, rng, args.reproducers)

    command = "python -m bench.fuzz " + " ".join(sys.argv[1:] if argv is None else argv)
    report = render(tallies, worker, command.strip(), bare_loop_seconds())
    if args.out is not None:
        args.out.write_text(report)
    else:
        print(report)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"parsers": [asdict(t) for t in tallies], "worker": asdict(worker)}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    failed = sum(t.crashes for t in (*tallies, worker)) + worker.partial_writes
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
