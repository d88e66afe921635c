"""Rule sets with an active window: promotions and peak periods, in the network's zone."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from builders import NEWARK, line, network, node, order, sku

from ordermesh.domain.errors import InvalidNetwork
from ordermesh.domain.network import Network
from ordermesh.domain.routing import (
    DEFAULT_RULE_SET,
    ActiveWindow,
    RuleSet,
    WindowState,
    rule_set_from_dict,
    rule_set_schedule,
    rule_sets_from_list,
    select_rule_set,
)

NEW_YORK = ZoneInfo("America/New_York")
LOS_ANGELES = ZoneInfo("America/Los_Angeles")


def _network(zone: str = "America/New_York") -> Network:
    return replace(network([node("NEWARK", NEWARK)], [sku("MUG")]), timezone=zone)


BLACK_FRIDAY = rule_sets_from_list(
    [
        {"id": "black-friday", "active": {"from": "2026-11-27", "until": "2026-12-01"}},
        {"id": "everyday"},
    ],
    network=_network(),
)


def _routed_by(placed_at: datetime, rule_sets: tuple[RuleSet, ...] = BLACK_FRIDAY) -> str:
    return select_rule_set(rule_sets, order(line("MUG"), placed_at=placed_at)).id


def test_an_order_placed_inside_the_window_is_routed_by_the_promotion() -> None:
    assert _routed_by(datetime(2026, 11, 27, 0, 0, tzinfo=NEW_YORK)) == "black-friday"
    assert _routed_by(datetime(2026, 11, 30, 23, 59, tzinfo=NEW_YORK)) == "black-friday"


def test_an_order_before_or_after_the_window_falls_through_to_the_next_rule_set() -> None:
    assert _routed_by(datetime(2026, 11, 26, 23, 59, tzinfo=NEW_YORK)) == "everyday"
    # until is excluded: midnight on the 1st already belongs to the next rule set
    assert _routed_by(datetime(2026, 12, 1, 0, 0, tzinfo=NEW_YORK)) == "everyday"


def test_when_no_window_contains_the_order_the_built_in_default_routes_it() -> None:
    only_the_promotion = BLACK_FRIDAY[:1]
    placed = datetime(2026, 12, 5, 12, 0, tzinfo=NEW_YORK)
    assert select_rule_set(only_the_promotion, order(line("MUG"), placed_at=placed)) is (
        DEFAULT_RULE_SET
    )


def test_a_date_bound_is_midnight_on_the_network_wall_clock_at_2330_local() -> None:
    # 23:30 in New York on the 26th is already the 27th in UTC: not yet Black Friday there.
    late_evening = datetime(2026, 11, 26, 23, 30, tzinfo=NEW_YORK)
    assert late_evening.astimezone(UTC).date() == date(2026, 11, 27)
    assert _routed_by(late_evening) == "everyday"
    assert _routed_by(late_evening + timedelta(minutes=30)) == "black-friday"


def test_the_same_dates_open_three_hours_later_in_a_pacific_network() -> None:
    pacific = rule_sets_from_list(
        [{"id": "peak", "active": {"from": "2026-11-27"}}], network=_network("America/Los_Angeles")
    )
    assert pacific[0].active.start == datetime(2026, 11, 27, tzinfo=LOS_ANGELES)
    assert _routed_by(datetime(2026, 11, 27, 2, 0, tzinfo=NEW_YORK), pacific) == "default"
    assert _routed_by(datetime(2026, 11, 27, 3, 0, tzinfo=NEW_YORK), pacific) == "peak"


def test_a_date_time_bound_is_read_on_the_network_clock_unless_it_carries_an_offset() -> None:
    (flash,) = rule_sets_from_list(
        [{"id": "flash", "active": {"from": "2026-11-27T18:00", "until": "2026-11-28T01:00Z"}}],
        network=_network(),
    )
    assert flash.active.start == datetime(2026, 11, 27, 23, 0, tzinfo=UTC)
    # kept on the network's wall clock, whatever offset the document wrote it with
    assert flash.active.until == datetime(2026, 11, 27, 20, 0, tzinfo=NEW_YORK)
    assert flash.active.until.tzinfo is NEW_YORK
    assert _routed_by(datetime(2026, 11, 27, 19, 59, tzinfo=NEW_YORK), (flash,)) == "flash"
    assert _routed_by(datetime(2026, 11, 27, 20, 0, tzinfo=NEW_YORK), (flash,)) == "default"


def test_yaml_dates_and_date_times_read_like_their_text() -> None:
    as_yaml = {
        "id": "peak",
        "active": {
            "from": date(2026, 11, 27),
            "until": datetime(2026, 12, 24, 12, 0, tzinfo=timezone(timedelta(hours=-5))),
        },
    }
    as_text = {"id": "peak", "active": {"from": "2026-11-27", "until": "2026-12-24T12:00-05:00"}}
    assert rule_set_from_dict(as_yaml) == rule_set_from_dict(as_text)
    assert rule_set_from_dict(as_text).active.until == datetime(2026, 12, 24, 17, 0, tzinfo=UTC)


def test_a_rule_set_without_a_window_is_always_active() -> None:
    assert rule_set_from_dict({"id": "plain"}).active == ActiveWindow()
    assert _routed_by(datetime(1999, 1, 1, tzinfo=UTC), (RuleSet(id="plain"),)) == "plain"


def _problems(document: Any) -> list[str]:
    with pytest.raises(InvalidNetwork) as raised:
        rule_sets_from_list(document, network=_network())
    return [str(problem) for problem in raised.value.problems]


def test_a_window_that_ends_before_it_starts_is_reported_at_until() -> None:
    backwards = [
        {"id": "x"},
        {"id": "peak", "active": {"from": "2026-12-01", "until": "2026-11-27"}},
    ]
    empty = [{"id": "peak", "active": {"from": "2026-12-01", "until": "2026-12-01"}}]
    assert _problems(backwards) == [
        "rule_sets[1].active.until: must be later than from (until is excluded)"
    ]
    assert _problems(empty) == [
        "rule_sets[0].active.until: must be later than from (until is excluded)"
    ]


def test_bad_bounds_and_unknown_window_keys_are_reported_with_their_path() -> None:
    document = [
        {"id": "peak", "active": {"from": "27/11/2026", "until": 2026, "to": "2026-12-01"}},
        {"id": "sale", "active": "black friday"},
    ]
    iso = "must be an ISO date (2026-11-27) or date-time (2026-11-27T18:00)"
    assert _problems(document) == [
        "rule_sets[0].active.to: unknown key (expected one of from, until)",
        f"rule_sets[0].active.from: {iso}",
        f"rule_sets[0].active.until: {iso}",
        "rule_sets[1].active: must be a mapping",
    ]


def test_the_schedule_says_which_rule_sets_are_live_scheduled_or_ended() -> None:
    past = RuleSet(id="summer", active=ActiveWindow(until=datetime(2026, 9, 1, tzinfo=NEW_YORK)))
    rule_sets = (past, *BLACK_FRIDAY)
    in_november = datetime(2026, 11, 3, 9, 0, tzinfo=NEW_YORK)
    on_black_friday = datetime(2026, 11, 27, 9, 0, tzinfo=NEW_YORK)
    assert [(r.id, state) for r, state in rule_set_schedule(rule_sets, in_november)] == [
        ("summer", WindowState.ENDED),
        ("black-friday", WindowState.SCHEDULED),
        ("everyday", WindowState.LIVE),
    ]
    assert [state for _, state in rule_set_schedule(rule_sets, on_black_friday)] == [
        WindowState.ENDED,
        WindowState.LIVE,
        WindowState.LIVE,
    ]
