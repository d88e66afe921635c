"""The searches of one service call: the routing port's strategy, with its slow solves
run while no transaction is open.

Orders are routed inside the unit of work that reserves their stock, between reading the
stock and reserving it, and that unit of work holds locks: on SQLite the database's one
write lock from its first statement (BEGIN IMMEDIATE), so every other writer waits; on
PostgreSQL the order's row, and on a last attempt every position of its SKUs. A solve of
seconds (the HiGHS MIP of a large order) must not run there. So when the port says a
problem is slow, the strategy given to ``route`` raises ``Deferred`` with that problem
(the domain's ``route`` is pure, so abandoning it mid-way leaves nothing behind); the
unit of work rolls back, ``retrying`` runs the solve with no transaction open and runs
the unit of work again. That run re-reads everything and searches the same order with
the domain's default strategy (local search on a large order: milliseconds, what the
services always ran there), and offers it the plan the solve found. ``Problem.score``
judges that plan against the stock read now, so a unit taken meanwhile can never be
reserved twice (the reservations stay compare-and-set), and the result is never worse
than local search. When nothing moved, the run reproduces exactly what the strategy
returned outside.

Partner files run each file in one transaction whose services' units of work are
savepoints: there the solve still runs under the file's transaction.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from functools import partial

from ordermesh.domain.routing.demand import Demand
from ordermesh.domain.routing.problem import Counts, Problem, SearchResult
from ordermesh.domain.routing.search import SearchOptions, Strategy, default_strategy
from ordermesh.services.ports import DEFAULT_ROUTING, Routing
from ordermesh.services.retry import Deferred

# Solves a service call may run outside its unit of work. Each one runs the unit of work
# again up to the order it is for; past this many (a receipt that fills many large
# backorders), the rest are solved in place, as they would be without the port's hint.
MAX_DEFERRED = 8

DemandKey = tuple[str, str, bool, tuple[tuple[str, int], ...]]


@dataclass(frozen=True, slots=True)
class _Found:
    """A solve's best plan, by node id (candidate indexes shift with stock), and the
    strategy that found it."""

    plan: tuple[tuple[str, Counts], ...]
    strategy: str


def _demand_key(demand: Demand) -> DemandKey:
    return (
        demand.line_id,
        demand.item,
        demand.whole_bundle,
        tuple((sku.id, units) for sku, units in demand.kit),
    )


def _signature(problem: Problem) -> Hashable:
    """What a plan's counts are aligned with, and the constraints it was found under (a
    decision may search twice: under its rule set, and without its constraints)."""
    return (
        tuple(_demand_key(demand) for demand in problem.demands),
        problem.ship_complete,
        problem.max_parcels,
    )


class Searches:
    """The searches of one service call, across the runs of its unit of work, which must
    run under ``retrying``."""

    def __init__(self, routing: Routing = DEFAULT_ROUTING) -> None:
        self.routing = routing
        self._found: dict[Hashable, _Found] = {}
        self._deferred = 0

    def strategy(self, question: Hashable) -> Strategy:
        """The strategy for one decision. ``question`` names the order being routed the
        same way in every run of the unit of work (not by an id made in that run)."""

        def search(problem: Problem, options: SearchOptions) -> SearchResult:
            if not self.routing.slow(problem, options):
                return self.routing.strategy(problem, options)
            key = (question, _signature(problem))
            found = self._found.get(key)
            if found is not None:
                return _offered(problem, options, found)
            if self._deferred < MAX_DEFERRED:
                self._deferred += 1
                raise Deferred(partial(self._solve, key, problem, options))
            return self.routing.strategy(problem, options)

        return search

    def _solve(self, key: Hashable, problem: Problem, options: SearchOptions) -> None:
        result = self.routing.strategy(problem, options)
        best = result.podium.best
        assert best is not None, "backordering everything is always a feasible plan"
        plan = tuple(
            (problem.candidates[index].node.id, counts) for index, counts in best.assignment
        )
        self._found[key] = _Found(plan, result.strategy)


def _offered(problem: Problem, options: SearchOptions, found: _Found) -> SearchResult:
    """The default search, offered the plan found outside, as a solver strategy offers
    its own plan beside local search's."""
    result = default_strategy(problem, options)
    position = {facts.node.id: index for index, facts in enumerate(problem.candidates)}
    if any(node_id not in position for node_id, _ in found.plan):
        return result  # a node it used is no longer a candidate (stock, dominance)
    scored = problem.scored(
        tuple(sorted((position[node_id], counts) for node_id, counts in found.plan))
    )
    if scored is None:
        return result  # it needs stock or capacity taken since
    before = result.podium.best
    result.podium.offer(scored)
    if result.podium.best is scored and (before is None or scored.score.key < before.score.key):
        result.strategy = found.strategy
    result.expansions += 1
    return result
