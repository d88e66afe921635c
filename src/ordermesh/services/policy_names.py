"""The names of the replay policies (``services/simulation.py``), apart from their code so
that ``ordermesh simulate --help`` lists them without importing the routing core."""

from __future__ import annotations

from typing import Final

POLICIES: Final = ("ordermesh", "ordermesh-shadow", "ordermesh-batch", "nearest", "priority")
# What ``ordermesh simulate`` should run without --policy: the policy that costs less than
# myopic in every cell of the benchmark and least in the most (docs/benchmarks.md,
# "Default policy"). It needs
# ``solvers=highs_solvers()``; ``ordermesh`` is the fallback where no solver is wired.
DEFAULT_POLICY: Final = "ordermesh-batch"
