"""A HiGHS instance that prints nothing on standard output.

HiGHS prints its banner from its C++ constructor, the first time a process builds one,
before any option can turn output off; on standard output it would corrupt what a
command prints there (``ordermesh simulate --json``). So the first instance is built with
file descriptor 1 pointed at standard error, and every instance has ``output_flag`` off.
"""

from __future__ import annotations

import os
import sys
import threading

import highspy

_lock = threading.Lock()
_bannered = False


def quiet_highs() -> highspy.Highs:
    global _bannered
    with _lock:
        if _bannered:
            highs = highspy.Highs()  # type: ignore[no-untyped-call]
        else:
            sys.stdout.flush()
            saved = os.dup(1)
            try:
                os.dup2(2, 1)
                highs = highspy.Highs()  # type: ignore[no-untyped-call]
            finally:
                os.dup2(saved, 1)
                os.close(saved)
            _bannered = True
    highs.setOptionValue("output_flag", False)
    return highs
