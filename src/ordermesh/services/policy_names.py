"""The names of the replay policies (``services/simulation.py``), apart from their code so
that ``ordermesh simulate --help`` lists them without importing the routing core."""

from __future__ import annotations

from typing import Final

POLICIES: Final = ("ordermesh", "ordermesh-shadow", "ordermesh-batch", "nearest", "priority")
# What ``ordermesh simulate`` runs without --policy, chosen by the evidence of
# docs/benchmarks.md ("Default policy", issue 10): of the policies that keep the fill rule,
# the one cheaper than ``nearest`` and myopic on the most cells, seeds and independent
# scenarios. It needs ``solvers=highs_solvers()``; ``ordermesh`` is the fallback where no
# solver is wired.
DEFAULT_POLICY: Final = "ordermesh-batch"
