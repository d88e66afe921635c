"""Heuristic search for orders too large to search exactly: greedy, then local moves.

``seed`` builds starting plans: every node shipping all it holds of the order, and a
greedy plan that places each demand (the most constrained first) where it adds least,
splitting only when no node holds enough. ``improve`` then tries, until none helps:
moving a demand's units from one used node to another used node, closing a shipment by
spreading its units over the other used nodes, and swapping a used node for an unused
one that can take everything it ships. Every plan is judged by ``Problem.score``, the
ranking the exact search uses, and moves are scanned in a fixed order, so the result is
deterministic.
"""

from __future__ import annotations

from collections.abc import Iterator

from ordermesh.domain.routing.problem import Assignment, Podium, Problem, Scored, SearchResult

_Plan = dict[int, list[int]]  # candidate index -> units per demand


def local_search(problem: Problem, max_rounds: int = 200) -> SearchResult:
    podium, tried = seed(problem)
    return improve(problem, podium, max_rounds, tried)


# Anchors tried for anchor-and-complement plans: the best single-node plans.
_ANCHORS = 8


def seed(problem: Problem) -> tuple[Podium, int]:
    """Starting plans, offered to a new podium; returns it and the plans tried."""
    podium = Podium()
    tried = 0
    anchors: list[tuple[tuple[int, float, int, tuple[int, ...], tuple[str, ...]], _Plan]] = []
    for plan in _single_nodes(problem):
        tried += 1
        scored = _offer(problem, plan, podium)
        if scored is not None:
            anchors.append((scored.score.key, plan))
    anchors.sort(key=lambda anchor: anchor[0])
    for _, anchor in anchors[:_ANCHORS]:
        complemented = _complement(problem, anchor)
        if complemented is not None:
            tried += 1
            _offer(problem, complemented, podium)
    tried += 1
    _offer(problem, _greedy(problem), podium)
    return podium, tried


def improve(problem: Problem, podium: Podium, max_rounds: int, tried: int = 0) -> SearchResult:
    """Local moves from the podium's best plan until none improves it."""
    best = podium.best
    assert best is not None, "local search starts from a plan"
    current = {index: list(counts) for index, counts in best.assignment}
    current_key = best.score.key
    for _ in range(max_rounds):
        improved = False
        for plan in _neighbours(problem, current):
            tried += 1
            scored = _offer(problem, plan, podium)
            if scored is not None and scored.score.key < current_key:
                current, current_key, improved = plan, scored.score.key, True
                break
        if not improved:
            # Opening a node is judged against every candidate: the best opening wins.
            opened = None
            for plan in _openings(problem, current):
                tried += 1
                scored = _offer(problem, plan, podium)
                if scored is not None and scored.score.key < current_key:
                    opened, current_key = plan, scored.score.key
            if opened is None:
                break
            current = opened
    return SearchResult(podium, "local_search", False, tried)


def _freeze(plan: _Plan) -> Assignment:
    return tuple((index, tuple(counts)) for index, counts in sorted(plan.items()) if any(counts))


def _offer(problem: Problem, plan: _Plan, podium: Podium) -> Scored | None:
    scored = problem.scored(_freeze(plan))
    if scored is not None:
        podium.offer(scored)
    return scored


def _free_units(problem: Problem, plan: _Plan, index: int, position: int) -> int:
    """Units of the demand the node could still add, given what the plan takes there."""
    facts = problem.candidates[index]
    counts = plan.get(index)
    taken: dict[str, int] = {}
    if counts is not None:
        for demand, count in zip(problem.demands, counts, strict=True):
            if count:
                for sku, per_unit in demand.kit:
                    taken[sku.id] = taken.get(sku.id, 0) + count * per_unit
    return min(
        (facts.stock.get(sku.id, 0) - taken.get(sku.id, 0)) // per_unit
        for sku, per_unit in problem.demands[position].kit
    )


def _with(plan: _Plan, index: int, position: int, delta: int, size: int) -> _Plan:
    changed = {node: list(counts) for node, counts in plan.items()}
    counts = changed.setdefault(index, [0] * size)
    counts[position] += delta
    if not any(counts):
        del changed[index]
    return changed


def _single_nodes(problem: Problem) -> Iterator[_Plan]:
    """Each node shipping every unit of the order it holds."""
    size = len(problem.demands)
    for facts in problem.candidates:
        counts = [0] * size
        plan: _Plan = {facts.index: counts}
        for position, demand in enumerate(problem.demands):
            counts[position] = max(
                0, min(demand.quantity, _free_units(problem, plan, facts.index, position))
            )
        if any(counts):
            yield plan


def _complement(problem: Problem, anchor: _Plan) -> _Plan | None:
    """The anchor's plan plus the one other node that ships what the anchor lacks at the
    least cost; None when the anchor lacks nothing or no single node holds the rest."""
    ((index, counts),) = anchor.items()
    missing = [
        demand.quantity - count for demand, count in zip(problem.demands, counts, strict=True)
    ]
    if not any(missing):
        return None
    best: tuple[float, tuple[int, str], int] | None = None
    for facts in problem.candidates:
        if facts.index == index or not problem.units_fit(facts, tuple(missing)):
            continue
        cost = problem.node_cost(facts.index, tuple(missing))
        if cost is not None and (best is None or (cost.objective, facts.tie_key) < best[:2]):
            best = (cost.objective, facts.tie_key, facts.index)
    if best is None:
        return None
    return {index: list(counts), best[2]: list(missing)}


def _greedy(problem: Problem) -> _Plan:
    size = len(problem.demands)
    plan: _Plan = {}
    parcels = 0
    # The most constrained demands first, as the exact search does.
    holders = [
        sum(1 for facts in problem.candidates if _free_units(problem, {}, facts.index, p) > 0)
        for p in range(size)
    ]
    for position in sorted(range(size), key=lambda p: (holders[p], p)):
        remaining = problem.demands[position].quantity
        while remaining > 0:
            best: tuple[tuple[int, float, tuple[int, str]], int, int, int] | None = None
            for facts in problem.candidates:
                free = _free_units(problem, plan, facts.index, position)
                if free <= 0:
                    continue
                take = min(free, remaining)
                before = plan.get(facts.index)
                counts = list(before) if before else [0] * size
                counts[position] += take
                cost = problem.node_cost(facts.index, tuple(counts))
                if cost is None:
                    continue
                old = problem.node_cost(facts.index, tuple(before)) if before else None
                added = cost.parcel_count - (old.parcel_count if old else 0)
                limit = problem.max_parcels
                if limit is not None and parcels + added > limit:
                    continue
                delta = cost.objective - (old.objective if old else 0.0)
                delta += problem.split_penalty * added if parcels + added > 1 else 0.0
                key = (-take, delta, facts.tie_key)
                if best is None or key < best[0]:
                    best = (key, facts.index, take, added)
            if best is None:
                break  # the rest of this demand is backordered
            _, index, take, added = best
            plan = _with(plan, index, position, take, size)
            parcels += added
            remaining -= take
    return plan


def _neighbours(problem: Problem, plan: _Plan) -> Iterator[_Plan]:
    yield from _relocations(problem, plan)
    yield from _closures(problem, plan)
    yield from _swaps(problem, plan)


def _relocations(problem: Problem, plan: _Plan) -> Iterator[_Plan]:
    """Move all units of one demand from one used node to another used node."""
    size = len(problem.demands)
    used = sorted(plan)
    for source in used:
        for position, count in enumerate(plan[source]):
            if not count:
                continue
            for target in used:
                if target == source or _free_units(problem, plan, target, position) < count:
                    continue
                moved = _with(plan, source, position, -count, size)
                yield _with(moved, target, position, count, size)


def _closures(problem: Problem, plan: _Plan) -> Iterator[_Plan]:
    """Empty one used node into the others, each demand where it fits first."""
    size = len(problem.demands)
    used = sorted(plan)
    for source in used:
        others = [index for index in used if index != source]
        if not others:
            continue
        trial = {index: list(counts) for index, counts in plan.items() if index != source}
        placed_all = True
        for position, count in enumerate(plan[source]):
            remaining = count
            for target in others:
                if remaining == 0:
                    break
                take = min(remaining, _free_units(problem, trial, target, position))
                if take > 0:
                    trial = _with(trial, target, position, take, size)
                    remaining -= take
            if remaining:
                placed_all = False
                break
        if placed_all:
            yield trial


def _openings(problem: Problem, plan: _Plan) -> Iterator[_Plan]:
    """Open an unused node and move to it each demand it holds whose removal from its
    node saves more than the least the unit can cost at the new node."""
    size = len(problem.demands)
    savings: dict[tuple[int, int], float] = {}
    for index, counts in plan.items():
        cost = problem.node_cost(index, tuple(counts))
        assert cost is not None
        for position, count in enumerate(counts):
            if count:
                rest = list(counts)
                rest[position] = 0
                left = problem.node_cost(index, tuple(rest)) if any(rest) else None
                savings[(index, position)] = cost.objective - (left.objective if left else 0.0)
    for facts in problem.candidates:
        if facts.index in plan:
            continue
        handling = facts.node.handling.per_unit
        trial = {index: list(counts) for index, counts in plan.items()}
        moved = False
        for (index, position), saving in sorted(savings.items()):
            count = trial[index][position]
            demand = problem.demands[position]
            if saving <= handling * demand.sku_units * count:
                continue
            if _free_units(problem, trial, facts.index, position) < count:
                continue
            trial = _with(trial, index, position, -count, size)
            trial = _with(trial, facts.index, position, count, size)
            moved = True
        if moved:
            yield trial


def _swaps(problem: Problem, plan: _Plan) -> Iterator[_Plan]:
    """Hand everything a used node ships to an unused node that holds it all."""
    for source in sorted(plan):
        counts = plan[source]
        for facts in problem.candidates:
            if facts.index in plan or not problem.units_fit(facts, tuple(counts)):
                continue
            swapped = {index: list(units) for index, units in plan.items() if index != source}
            swapped[facts.index] = list(counts)
            yield swapped
