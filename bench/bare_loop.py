"""The machine's speed right now: ``s = 0; for i in range(10**7): s += i``, timed.

Machines here vary two- to four-fold from day to day (and a shared one from minute to
minute), so every timed benchmark prints this loop's time beside its figures: a figure
scales to a machine where the loop takes ``REFERENCE_SECONDS`` by multiplying it by
``REFERENCE_SECONDS / loop``, and a ratio to a baseline measured in the same run needs no
scaling at all. On a machine shared with other work, CPU seconds (user + system) vary
less than wall seconds, so both are measured.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from typing import NamedTuple

REFERENCE_SECONDS = 0.6  # the loop on the machine the targets of issue 11 are set for
PROGRAM = (
    "import time\nt, c = time.perf_counter(), time.process_time()\n"
    "s = 0\nfor i in range(10**7): s += i\n"
    "print(time.perf_counter() - t, time.process_time() - c)"
)


class Seconds(NamedTuple):
    wall: float
    cpu: float


def loop_seconds() -> float:
    """The loop's wall time in a fresh interpreter (nothing else of this process's state)."""
    return loop_times().wall


def loop_times() -> Seconds:
    """The loop's wall and CPU seconds, in a fresh interpreter."""
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    wall, cpu = finished.stdout.split()
    return Seconds(float(wall), float(cpu))


def children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def scaled(seconds: float, loop: float) -> float:
    """``seconds`` measured beside a loop of ``loop`` seconds, on the reference machine."""
    return seconds * REFERENCE_SECONDS / loop


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of ``command``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env=env)
    return time.perf_counter() - started
