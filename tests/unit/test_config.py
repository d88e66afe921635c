"""Settings from the environment: the database URL, the order solver's time limit and the
opportunity costs' refresh interval."""

from __future__ import annotations

import pytest

from ordermesh.adapters.solver import highs_routing, highs_solvers
from ordermesh.adapters.solver.order_mip import DEFAULT_TIME_LIMIT_S
from ordermesh.config import (
    DEFAULT_DATABASE_URL,
    DEFAULT_OPPORTUNITY_REFRESH_S,
    OPPORTUNITY_REFRESH_ENV,
    ORDER_SOLVER_TIME_LIMIT_ENV,
    Settings,
)
from ordermesh.domain.errors import InvalidInput, Problem
from ordermesh.domain.routing.search import default_strategy
from ordermesh.services.opportunity import STALE_AFTER_REFRESHES, max_age_s
from ordermesh.services.ports import DEFAULT_ROUTING


def test_an_empty_environment_gives_the_defaults() -> None:
    settings = Settings.from_environment({})
    assert settings.database_url == DEFAULT_DATABASE_URL
    assert settings.order_solver_time_limit_s == DEFAULT_TIME_LIMIT_S
    assert Settings(database_url="sqlite://").order_solver_time_limit_s == DEFAULT_TIME_LIMIT_S


def test_the_process_environment_is_read_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERMESH_DATABASE_URL", "postgresql://db/ordermesh")
    monkeypatch.setenv(ORDER_SOLVER_TIME_LIMIT_ENV, "0.5")
    settings = Settings.from_environment()
    assert settings.database_url == "postgresql://db/ordermesh"
    assert settings.order_solver_time_limit_s == 0.5


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("5", 5.0), (" 0.25 ", 0.25), ("0", 0.0), ("0.0", 0.0), ("", DEFAULT_TIME_LIMIT_S)],
)
def test_the_solver_time_limit_is_a_number_of_seconds(raw: str, seconds: float) -> None:
    settings = Settings.from_environment({ORDER_SOLVER_TIME_LIMIT_ENV: raw})
    assert settings.order_solver_time_limit_s == seconds


@pytest.mark.parametrize("raw", ["-1", "two", "2s", "nan", "inf", "-0.5"])
def test_a_bad_solver_time_limit_is_refused_naming_the_variable(raw: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        Settings.from_environment({ORDER_SOLVER_TIME_LIMIT_ENV: raw})
    assert refused.value.problems == (
        Problem(ORDER_SOLVER_TIME_LIMIT_ENV, f"must be a number of seconds >= 0, not {raw!r}"),
    )


def test_a_zero_time_limit_routes_without_the_solver() -> None:
    assert highs_routing(0.0) == DEFAULT_ROUTING
    solving = highs_routing(DEFAULT_TIME_LIMIT_S)
    assert solving != DEFAULT_ROUTING
    assert solving.slow is not DEFAULT_ROUTING.slow


def test_a_zero_time_limit_replays_without_the_per_order_solver() -> None:
    assert highs_solvers(0.0).routing is default_strategy
    assert highs_solvers(DEFAULT_TIME_LIMIT_S).routing is not default_strategy


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("", DEFAULT_OPPORTUNITY_REFRESH_S), ("60", 60.0), ("0", 0.0)],
)
def test_the_opportunity_refresh_is_a_number_of_seconds(raw: str, seconds: float) -> None:
    settings = Settings.from_environment({OPPORTUNITY_REFRESH_ENV: raw})
    assert settings.opportunity_refresh_s == seconds


def test_a_bad_opportunity_refresh_is_refused_naming_the_variable() -> None:
    with pytest.raises(InvalidInput) as refused:
        Settings.from_environment({OPPORTUNITY_REFRESH_ENV: "-5"})
    assert refused.value.problems[0].where == OPPORTUNITY_REFRESH_ENV


def test_routing_prices_with_opportunity_costs_only_while_they_are_refreshed() -> None:
    assert max_age_s(300.0) == 300.0 * STALE_AFTER_REFRESHES
    assert max_age_s(0.0) is None
    assert DEFAULT_ROUTING.opportunity_max_age_s is None
