"""The machine's speed right now: ``s = 0; for i in range(10**7): s += i``, timed.

Machines here vary two- to four-fold from day to day (and a shared one from minute to
minute), so every timed benchmark prints this loop's time beside its figures: a figure
scales to a machine where the loop takes ``REFERENCE_SECONDS`` by multiplying it by
``REFERENCE_SECONDS / loop``, and a ratio to a baseline measured in the same run needs no
scaling at all.
"""

from __future__ import annotations

import subprocess
import sys
import time

REFERENCE_SECONDS = 0.6  # the loop on the machine the targets of issue 11 are set for
LOOP = "import time\nt = time.perf_counter()\ns = 0\nfor i in range(10**7): s += i\n"
PROGRAM = LOOP + "print(time.perf_counter() - t)"


def loop_seconds() -> float:
    """The loop's time in a fresh interpreter (nothing else of this process's state)."""
    finished = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, check=True
    )
    return float(finished.stdout)


def scaled(seconds: float, loop: float) -> float:
    """``seconds`` measured beside a loop of ``loop`` seconds, on the reference machine."""
    return seconds * REFERENCE_SECONDS / loop


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    """Wall seconds of ``command``, which must succeed."""
    started = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True, env=env)
    return time.perf_counter() - started
