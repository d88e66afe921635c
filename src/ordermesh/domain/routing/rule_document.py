"""Rule sets from plain data (a YAML or JSON document already parsed into dicts and lists).

Every problem is collected with the path of the bad field, e.g.
``rule_sets[0].filters.max_distance_miles: must be > 0``, and reported together in one
``InvalidNetwork``; unknown keys are problems too, so a typo never passes silently.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from ordermesh.domain.errors import InvalidNetwork, Problem
from ordermesh.domain.model import NodeType
from ordermesh.domain.network import DEFAULT_TIMEZONE, Network
from ordermesh.domain.routing.rules import (
    ActiveWindow,
    Constraints,
    FilterSettings,
    Goal,
    Match,
    Objective,
    PromiseMode,
    RuleSet,
)

_TOP_KEYS = {
    "id",
    "version",
    "description",
    "active",
    "match",
    "filters",
    "constraints",
    "objective",
}
_ACTIVE_KEYS = {"from", "until"}
_MATCH_KEYS = {"channels", "customer_tiers", "service_levels", "tags"}
_FILTER_KEYS = {
    "node_types",
    "countries",
    "states",
    "max_distance_miles",
    "open_today",
    "min_ats",
    "exclude_stores_for_channels",
}
_IN_OUT_KEYS = {"in", "out"}
_CONSTRAINT_KEYS = {
    "ship_complete",
    "max_shipments",
    "keep_bundles_together",
    "ship_alone",
    "promise",
    "late_penalty_per_day",
}
_OBJECTIVE_WEIGHTS = ("split_penalty", "store_penalty", "co2e_price_per_kg", "capacity_penalty")
_OBJECTIVE_KEYS = {"goal", *_OBJECTIVE_WEIGHTS}


@dataclass
class _Reader:
    """Reads typed values out of plain data, recording a problem instead of raising."""

    problems: list[Problem] = field(default_factory=list)

    def problem(self, where: str, message: str) -> None:
        self.problems.append(Problem(where, message))

    def mapping(self, value: object, where: str, allowed: set[str]) -> Mapping[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.problem(where, "must be a mapping")
            return {}
        for key in sorted(map(str, value)):
            if key not in allowed:
                self.problem(f"{where}.{key}", f"unknown key (expected one of {_listed(allowed)})")
        return {str(k): v for k, v in value.items() if str(k) in allowed}

    def text(self, value: object, where: str) -> str | None:
        if not isinstance(value, str) or not value.strip():
            self.problem(where, "must be a non-empty string")
            return None
        return value.strip()

    def texts(self, value: object, where: str, upper: bool = False) -> frozenset[str]:
        if value is None:
            return frozenset()
        if not isinstance(value, list):
            self.problem(where, "must be a list of strings")
            return frozenset()
        found = set()
        for index, item in enumerate(value):
            text = self.text(item, f"{where}[{index}]")
            if text is not None:
                found.add(text.upper() if upper else text)
        return frozenset(found)

    def flag(self, value: object, where: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.problem(where, "must be true or false")
            return default
        return value

    def number(self, value: object, where: str, *, positive: bool) -> float | None:
        # bool is an int in Python; `true` where a number belongs is a typo, not 1.
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.problem(where, "must be a number")
            return None
        if positive and value <= 0:
            self.problem(where, "must be > 0")
            return None
        if not positive and value < 0:
            self.problem(where, "must be >= 0")
            return None
        return float(value)

    def integer(self, value: object, where: str, minimum: int) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(where, "must be a whole number")
            return None
        if value < minimum:
            self.problem(where, f"must be >= {minimum}")
            return None
        return value

    def moment(self, value: object, where: str, zone: ZoneInfo) -> datetime | None:
        """An ISO date (midnight in ``zone``) or date-time (without an offset: in ``zone``),
        as text or as YAML already read it."""
        moment: date | None = value if isinstance(value, date) else None
        if isinstance(value, str):
            moment = _iso(value.strip())
        if moment is None:
            self.problem(where, "must be an ISO date (2026-11-27) or date-time (2026-11-27T18:00)")
            return None
        if not isinstance(moment, datetime):
            moment = datetime.combine(moment, time())
        if moment.tzinfo is None:
            return moment.replace(tzinfo=zone)
        return moment.astimezone(zone)

    def choice(self, value: object, where: str, options: Iterable[str]) -> str | None:
        listed = list(options)
        if isinstance(value, str) and value in listed:
            return value
        self.problem(where, f"must be one of {', '.join(listed)}")
        return None


def _listed(keys: set[str]) -> str:
    return ", ".join(sorted(keys))


def _iso(text: str) -> date | None:
    """A date where the text is one, else a date-time; None where it is neither."""
    for parse in (date.fromisoformat, datetime.fromisoformat):
        try:
            return parse(text)
        except ValueError:
            continue
    return None


def rule_set_from_dict(
    data: object, where: str = "rule_set", network: Network | None = None
) -> RuleSet:
    """One rule set; with a ``network``, the channels and service levels it names must
    exist in it. Raises ``InvalidNetwork`` listing every problem."""
    reader = _Reader()
    rule_set = _rule_set(reader, data, where, network)
    if reader.problems or rule_set is None:
        raise InvalidNetwork("rule sets", reader.problems)
    return rule_set


def rule_sets_from_list(
    data: object, where: str = "rule_sets", network: Network | None = None
) -> tuple[RuleSet, ...]:
    """An ordered list of rule sets with unique ids, validated as a whole."""
    reader = _Reader()
    if data is None:
        return ()
    if not isinstance(data, list):
        raise InvalidNetwork("rule sets", [Problem(where, "must be a list of rule sets")])
    rule_sets: list[RuleSet] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        rule_set = _rule_set(reader, item, f"{where}[{index}]", network)
        if rule_set is None:
            continue
        if rule_set.id in seen:
            reader.problem(f"{where}[{index}].id", f"duplicate rule set id {rule_set.id!r}")
        seen.add(rule_set.id)
        rule_sets.append(rule_set)
    if reader.problems:
        raise InvalidNetwork("rule sets", reader.problems)
    return tuple(rule_sets)


def _rule_set(reader: _Reader, data: object, where: str, network: Network | None) -> RuleSet | None:
    before = len(reader.problems)
    if not isinstance(data, Mapping):
        reader.problem(where, "must be a mapping")
        return None
    doc = reader.mapping(data, where, _TOP_KEYS)
    rule_id = reader.text(doc.get("id"), f"{where}.id")
    version = 1
    if "version" in doc:
        version = reader.integer(doc["version"], f"{where}.version", 1) or 1
    description = ""
    if "description" in doc:
        description = reader.text(doc["description"], f"{where}.description") or ""
    active = _active(reader, doc.get("active"), f"{where}.active", network)
    match = _match(reader, doc.get("match"), f"{where}.match", network)
    filters = _filters(reader, doc.get("filters"), f"{where}.filters", network)
    constraints = _constraints(reader, doc.get("constraints"), f"{where}.constraints")
    objective = _objective(reader, doc.get("objective"), f"{where}.objective")
    if rule_id is None or len(reader.problems) > before:
        return None
    return RuleSet(
        id=rule_id,
        version=version,
        match=match,
        filters=filters,
        constraints=constraints,
        objective=objective,
        description=description,
        active=active,
    )


def _active(reader: _Reader, data: object, where: str, network: Network | None) -> ActiveWindow:
    doc = reader.mapping(data, where, _ACTIVE_KEYS)
    zone = ZoneInfo(network.timezone if network is not None else DEFAULT_TIMEZONE)
    start = reader.moment(doc["from"], f"{where}.from", zone) if "from" in doc else None
    until = reader.moment(doc["until"], f"{where}.until", zone) if "until" in doc else None
    if start is not None and until is not None and until <= start:
        reader.problem(f"{where}.until", "must be later than from (until is excluded)")
    return ActiveWindow(start=start, until=until)


def _match(reader: _Reader, data: object, where: str, network: Network | None) -> Match:
    doc = reader.mapping(data, where, _MATCH_KEYS)
    channels = reader.texts(doc.get("channels"), f"{where}.channels")
    levels = reader.texts(doc.get("service_levels"), f"{where}.service_levels")
    if network is not None:
        _known(reader, channels, network.channels, f"{where}.channels", "channel")
        _known(reader, levels, network.service_levels, f"{where}.service_levels", "service level")
    return Match(
        channels=channels,
        customer_tiers=reader.texts(doc.get("customer_tiers"), f"{where}.customer_tiers"),
        service_levels=levels,
        tags=reader.texts(doc.get("tags"), f"{where}.tags"),
    )


def _known(
    reader: _Reader, names: frozenset[str], known: Mapping[str, object], where: str, what: str
) -> None:
    for name in sorted(name for name in names if name not in known):
        reader.problem(where, f"unknown {what} {name!r}")


def _in_out(
    reader: _Reader, data: object, where: str, upper: bool
) -> tuple[frozenset[str], frozenset[str]]:
    doc = reader.mapping(data, where, _IN_OUT_KEYS)
    included = reader.texts(doc.get("in"), f"{where}.in", upper)
    excluded = reader.texts(doc.get("out"), f"{where}.out", upper)
    for both in sorted(included & excluded):
        reader.problem(where, f"{both!r} is both in and out")
    return included, excluded


def _node_types(reader: _Reader, names: frozenset[str], where: str) -> frozenset[NodeType]:
    known = {member.value for member in NodeType}
    for name in sorted(names - known):
        reader.problem(where, f"unknown node type {name!r} (expected one of {_listed(known)})")
    return frozenset(NodeType(name) for name in names & known)


def _filters(reader: _Reader, data: object, where: str, network: Network | None) -> FilterSettings:
    doc = reader.mapping(data, where, _FILTER_KEYS)
    types_in, types_out = _in_out(reader, doc.get("node_types"), f"{where}.node_types", False)
    countries_in, countries_out = _in_out(reader, doc.get("countries"), f"{where}.countries", True)
    states_in, states_out = _in_out(reader, doc.get("states"), f"{where}.states", True)
    max_distance = None
    if "max_distance_miles" in doc:
        max_distance = reader.number(
            doc["max_distance_miles"], f"{where}.max_distance_miles", positive=True
        )
    min_ats = 1
    if "min_ats" in doc:
        min_ats = reader.integer(doc["min_ats"], f"{where}.min_ats", 1) or 1
    store_channels = reader.texts(
        doc.get("exclude_stores_for_channels"), f"{where}.exclude_stores_for_channels"
    )
    if network is not None:
        _known(
            reader,
            store_channels,
            network.channels,
            f"{where}.exclude_stores_for_channels",
            "channel",
        )
    return FilterSettings(
        node_types_in=_node_types(reader, types_in, f"{where}.node_types.in"),
        node_types_out=_node_types(reader, types_out, f"{where}.node_types.out"),
        countries_in=countries_in,
        countries_out=countries_out,
        states_in=states_in,
        states_out=states_out,
        max_distance_miles=max_distance,
        open_today=reader.flag(doc.get("open_today"), f"{where}.open_today", False),
        min_ats=min_ats,
        exclude_stores_for_channels=store_channels,
    )


def _constraints(reader: _Reader, data: object, where: str) -> Constraints:
    doc = reader.mapping(data, where, _CONSTRAINT_KEYS)
    max_shipments = None
    if "max_shipments" in doc:
        max_shipments = reader.integer(doc["max_shipments"], f"{where}.max_shipments", 1)
    promise = PromiseMode.REQUIRED
    if "promise" in doc:
        chosen = reader.choice(doc["promise"], f"{where}.promise", PromiseMode)
        promise = PromiseMode(chosen) if chosen is not None else promise
    late_penalty = 0.0
    if "late_penalty_per_day" in doc:
        late_penalty = (
            reader.number(
                doc["late_penalty_per_day"], f"{where}.late_penalty_per_day", positive=False
            )
            or 0.0
        )
        if promise is not PromiseMode.LATE_ALLOWED:
            reader.problem(
                f"{where}.late_penalty_per_day", "applies only with promise: late_allowed"
            )
    return Constraints(
        ship_complete=reader.flag(doc.get("ship_complete"), f"{where}.ship_complete", False),
        max_shipments=max_shipments,
        keep_bundles_together=reader.flag(
            doc.get("keep_bundles_together"), f"{where}.keep_bundles_together", False
        ),
        ship_alone=reader.flag(doc.get("ship_alone"), f"{where}.ship_alone", True),
        promise=promise,
        late_penalty_per_day=late_penalty,
    )


def _objective(reader: _Reader, data: object, where: str) -> Objective:
    doc = reader.mapping(data, where, _OBJECTIVE_KEYS)
    goal = Goal.MIN_COST
    if "goal" in doc:
        picked = reader.choice(doc["goal"], f"{where}.goal", Goal)
        goal = Goal(picked) if picked is not None else goal
    weights = dict.fromkeys(_OBJECTIVE_WEIGHTS, 0.0)
    for name in _OBJECTIVE_WEIGHTS:
        if name in doc:
            weights[name] = reader.number(doc[name], f"{where}.{name}", positive=False) or 0.0
    return Objective(
        goal=goal,
        split_penalty=weights["split_penalty"],
        store_penalty=weights["store_penalty"],
        co2e_price_per_kg=weights["co2e_price_per_kg"],
        capacity_penalty=weights["capacity_penalty"],
    )
