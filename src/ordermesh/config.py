"""Settings, read once and explicitly from the environment."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ordermesh.adapters.solver.order_mip import DEFAULT_TIME_LIMIT_S
from ordermesh.domain.errors import InvalidInput, Problem

DEFAULT_DATABASE_URL = "sqlite:///var/ordermesh.db"
DATABASE_URL_ENV = "ORDERMESH_DATABASE_URL"
ORDER_SOLVER_TIME_LIMIT_ENV = "ORDERMESH_ORDER_SOLVER_TIME_LIMIT_S"
OPPORTUNITY_REFRESH_ENV = "ORDERMESH_OPPORTUNITY_REFRESH_S"
DEFAULT_OPPORTUNITY_REFRESH_S = 300.0


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    # The work HiGHS may do on one order beyond the exact search's limits, in nominal
    # seconds counted as branch-and-bound nodes (``adapters/solver/work.py``), never the
    # clock; 0: none, such orders are routed by local search alone.
    order_solver_time_limit_s: float = DEFAULT_TIME_LIMIT_S
    # Seconds between the worker's refreshes of the opportunity costs that intake and
    # re-routes price units with; 0: none are computed or used (myopic routing).
    opportunity_refresh_s: float = DEFAULT_OPPORTUNITY_REFRESH_S

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        environ = os.environ if environ is None else environ
        return cls(
            database_url=environ.get(DATABASE_URL_ENV, DEFAULT_DATABASE_URL),
            order_solver_time_limit_s=_seconds(
                environ, ORDER_SOLVER_TIME_LIMIT_ENV, DEFAULT_TIME_LIMIT_S
            ),
            opportunity_refresh_s=_seconds(
                environ, OPPORTUNITY_REFRESH_ENV, DEFAULT_OPPORTUNITY_REFRESH_S
            ),
        )

    @property
    def sqlite_path(self) -> Path | None:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix):
            return Path(self.database_url[len(prefix) :])
        return None


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    # A typo must not quietly become "no solver" or an unbounded solve.
    if not math.isfinite(value) or value < 0:
        raise InvalidInput(
            "environment", [Problem(name, f"must be a number of seconds >= 0, not {raw!r}")]
        )
    return value
