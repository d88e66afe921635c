"""The routing benchmark: policies side by side against the hindsight optimum.

Run ``python -m bench --quick`` (or ``make bench`` for the default set); the protocol is in
../shared/docs/benchmark.md and the figures with their commands in docs/benchmarks.md.
"""
