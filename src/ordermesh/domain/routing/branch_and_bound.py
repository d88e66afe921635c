"""Exact search: branch and bound over demands, choosing the nodes that ship each one.

Demands are placed one after another, the most constrained first (fewest nodes hold it,
then heaviest). A demand's units go to one node, or are split over several in increasing
candidate order (so each split is generated once), or the rest is backordered; the nodes
where the units add least come first, which is usually a node already in the plan.

A branch is cut when even its best completion cannot beat the best plan found so far
(or the runner-up, on request, which makes the explanation's runner-up exact too, at the
price of a larger search). The bound:

* backorders: the units already backordered, plus those no candidate could ever ship,
  plus, mid-split, those the candidates after the split point cannot take;
* objective, when backorders are at that floor: the exact cost of the parcels planned so
  far, plus each demand still to place at the cheaper of a planned node (its per-unit
  floor from ``relaxation``) and a new node (per-unit floor plus a share of its fixed
  parcel floor: a node opened now ships at most the demands from here on that it holds,
  so charging each of them an equal share never overstates its fixed cost), less what
  the planned nodes' slack over their floor (billable weight already rounded up, a
  dearer service) may absorb.

Plans start from the seeds given (a heuristic's), so good incumbents prune from the start.

The search is exact when it finishes within its expansion budget; otherwise it returns
the best plans it has seen and says it was not exact.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

from ordermesh.domain.routing.pricing import NodeCost
from ordermesh.domain.routing.problem import Podium, Problem, Scored, SearchResult
from ordermesh.domain.routing.relaxation import CostFloor, cost_floor, uses_dimensional_weight

# Objectives are compared after rounding to 6 decimals; a bound within this of the target
# may still tie it and win on the tie-breaks.
_TOLERANCE = 1e-6
_UNREACHABLE = float("inf")


class _OutOfBudget(Exception):
    pass


def branch_and_bound(
    problem: Problem, seeds: Iterable[Scored], budget: int, exact_runner_up: bool = False
) -> SearchResult:
    search = _BranchAndBound(problem, budget, exact_runner_up, seeds)
    try:
        search.start()
    except _OutOfBudget:
        return SearchResult(search.podium, "branch_and_bound", False, search.expansions)
    return SearchResult(search.podium, "branch_and_bound", True, search.expansions)


class _BranchAndBound:
    def __init__(
        self, problem: Problem, budget: int, exact_runner_up: bool, seeds: Iterable[Scored]
    ) -> None:
        self.problem = problem
        self.budget = budget
        self.exact_runner_up = exact_runner_up
        self.expansions = 0
        self.podium = Podium()
        for seed in seeds:
            self.podium.offer(seed)
        demands = problem.demands
        candidates = problem.candidates
        self.kits = [tuple((sku.id, per_unit) for sku, per_unit in d.kit) for d in demands]
        self.counts = [[0] * len(demands) for _ in candidates]
        self.stock_left = [dict(facts.stock) for facts in candidates]
        self.costs: list[NodeCost | None] = [None] * len(candidates)
        self.slacks = [0.0] * len(candidates)
        self.open: list[int] = []  # candidate indices with units planned, in opening order
        self.objective = 0.0  # sum of the planned nodes' objectives
        self.parcels = 0
        self.backordered = 0  # SKU units
        self.contribution = 0.0  # of the units planned, under the margin goal
        by_volume = uses_dimensional_weight(demands)
        self.floors: list[CostFloor] = [
            cost_floor(facts, problem.pricer, by_volume) for facts in candidates
        ]
        self._prepare_bounds()

    # -- bounds ----------------------------------------------------------------------

    def _static_capacity(self, index: int, position: int) -> int:
        stock = self.problem.candidates[index].stock
        return min(stock.get(sku, 0) // k for sku, k in self.kits[position])

    def _prepare_bounds(self) -> None:
        problem = self.problem
        demands = problem.demands
        size = len(demands)
        separate = problem.separates_ship_alone
        holders: list[list[int]] = [
            [
                facts.index
                for facts in problem.candidates
                if self._static_capacity(facts.index, position) > 0
            ]
            for position in range(size)
        ]
        # Units of each demand no candidate could ship. Dropping dear nodes below leaves
        # it as it is: they are dropped only when the nodes kept can place every unit.
        self.unplaceable: list[int] = [
            max(0, demand.quantity - sum(self._static_capacity(i, p) for i in holders[p]))
            for p, demand in enumerate(demands)
        ]
        self.per_unit = [
            [floor.packed[p] + floor.alone[p] for p in range(size)] for floor in self.floors
        ]
        if not problem.has_alone_parcels:
            # Every node used then ships a packed parcel and pays its fixed floor.
            holders = self._without_dear_nodes(holders)
        self.packing = [
            not separate or any(not sku.ship_alone for sku, _ in demand.kit) for demand in demands
        ]
        self.alone_parcels: list[int] = []  # parcels of its own one unit needs
        self.value: list[float] = []  # contribution of a unit, under the margin goal
        self.least_unit: list[float] = []  # least per-unit floor at any node holding it
        for position, demand in enumerate(demands):
            indices = holders[position]
            alone = sum(k for sku, k in demand.kit if sku.ship_alone) if separate else 0
            self.alone_parcels.append(alone)
            self.value.append(demand.contribution if problem.margin else 0.0)
            self.least_unit.append(min((self.per_unit[i][position] for i in indices), default=0.0))
        # The most constrained demand first: its few nodes then anchor the others.
        self.sequence = sorted(
            range(size),
            key=lambda p: (
                len(holders[p]),
                -sum(sku.weight_lb * k for sku, k in demands[p].kit) * demands[p].quantity,
                p,
            ),
        )
        # Nodes worth trying for each demand, cheapest alone first.
        self.holders = [
            sorted(indices, key=lambda i, p=position: (self._alone_cost(i, p), i))  # type: ignore[misc]
            for position, indices in enumerate(holders)
        ]
        self.by_index = [sorted(indices) for indices in holders]
        self._prepare_shares(holders)
        # Suffix sums over the sequence, for the demands from step s on, when every unit
        # that can be placed is placed: backorders and ship-alone parcels at the least.
        self.backorder_floor = [0] * (size + 1)
        self.parcel_floor = [0] * (size + 1)
        for step in range(size - 1, -1, -1):
            position = self.sequence[step]
            demand = demands[position]
            missing = self.unplaceable[position]
            self.backorder_floor[step] = self.backorder_floor[step + 1] + missing * demand.sku_units
            self.parcel_floor[step] = self.parcel_floor[step + 1] + (
                (demand.quantity - missing) * self.alone_parcels[position]
            )

    def _without_dear_nodes(self, holders: list[list[int]]) -> list[list[int]]:
        """The holders, less the nodes no plan that beats the target can use.

        When the target plan backorders no more than it must, a plan that beats it
        places every placeable unit at no greater objective. Any such plan using node i
        costs at least i's own floor for those units, if i holds them all; otherwise at
        least i's fixed floor, another node's, each unit's least per-unit floor and the
        split penalty. A node whose least is above the target is never opened. Plans on
        the remaining nodes place every placeable unit, since the target does."""
        target = self.podium.runner_up if self.exact_runner_up else self.podium.best
        problem = self.problem
        if target is None or problem.split_penalty < 0:
            return holders
        demands = problem.demands
        placeable: list[int] = []
        least_units = 0.0
        for position, demand in enumerate(demands):
            units = demand.quantity - self.unplaceable[position]
            placeable.append(units)
            if units:
                least_units += units * min(self.per_unit[i][position] for i in holders[position])
            if problem.margin:
                least_units -= units * demand.contribution
        backorders = sum(
            (demand.quantity - units) * demand.sku_units
            for demand, units in zip(demands, placeable, strict=True)
        )
        if target.score.backordered_units != backorders:
            return holders
        fixed = sorted((floor.fixed, index) for index, floor in enumerate(self.floors))
        limit = target.score.objective + _TOLERANCE
        useful: set[int] = set()
        for index, floor in enumerate(self.floors):
            other = next(f for f, i in fixed if i != index) if len(fixed) > 1 else _UNREACHABLE
            least = floor.fixed + other + least_units + problem.split_penalty
            if least > limit and all(
                self._static_capacity(index, p) >= units for p, units in enumerate(placeable)
            ):
                alone = floor.fixed
                for position, units in enumerate(placeable):
                    alone += units * self.per_unit[index][position]
                    if problem.margin:
                        alone -= units * demands[position].contribution
                least = min(least, alone)
            if least <= limit:
                useful.add(index)
        return [[index for index in holding if index in useful] for holding in holders]

    def _prepare_shares(self, holders: list[list[int]]) -> None:
        """A node opened from step s on ships only demands placed from step s on, at most
        those of them it holds: charging each such demand an equal share of the node's
        fixed parcel floor never overstates what the node costs."""
        demands = self.problem.demands
        size = len(demands)
        count = len(self.problem.candidates)
        # held_from[i][s]: demands from step s on that node i holds.
        self.held_from = [[0] * (size + 1) for _ in range(count)]
        for step in range(size - 1, -1, -1):
            holding = set(holders[self.sequence[step]])
            for index in range(count):
                self.held_from[index][step] = self.held_from[index][step + 1] + (
                    1 if index in holding else 0
                )
        self.shares_at = [
            [
                floor.fixed / max(1, self.held_from[index][step])
                for index, floor in enumerate(self.floors)
            ]
            for step in range(size)
        ]
        # least_share[s]: the least share a new node charges the demand at step s.
        # opening_floor[s][t]: the least the demand at step t >= s costs at a new node.
        self.least_share = [0.0] * size
        self.opening_floor = [[0.0] * size for _ in range(size)]
        for step in range(size):
            for later in range(step, size):
                position = self.sequence[later]
                units = demands[position].quantity - self.unplaceable[position]
                least_share = least = _UNREACHABLE
                for index in holders[position]:
                    share = self._share(index, step, position)
                    least_share = min(least_share, share)
                    least = min(least, units * self.per_unit[index][position] + share)
                if later == step:
                    self.least_share[step] = 0.0 if least_share == _UNREACHABLE else least_share
                self.opening_floor[step][later] = 0.0 if least == _UNREACHABLE else least

    def _share(self, index: int, step: int, position: int) -> float:
        return self.shares_at[step][index] if self.packing[position] else 0.0

    def _alone_cost(self, index: int, position: int) -> float:
        take = min(self._static_capacity(index, position), self.problem.demands[position].quantity)
        counts = [0] * len(self.problem.demands)
        counts[position] = take
        cost = self.problem.node_cost(index, tuple(counts))
        return _UNREACHABLE if cost is None else cost.objective

    def _promising(self, step: int, remaining: int, after: int) -> bool:
        """Whether a completion of the partial plan could still beat the target plan.

        ``after`` > -1 means the current demand is being split: its remaining units may
        only go to candidates after that index."""
        target = self.podium.runner_up if self.exact_runner_up else self.podium.best
        if target is None:
            return True
        score = target.score
        demands = self.problem.demands
        if step == len(self.sequence):
            if self.backordered != score.backordered_units:
                return self.backordered < score.backordered_units
            bound = self.objective - self.contribution
            bound += self.problem.split_penalty * max(0, self.parcels - 1)
            return bound <= score.objective + _TOLERANCE
        position = self.sequence[step]
        demand = demands[position]
        missing = self.unplaceable[position]
        if after >= 0:
            missing = max(missing, remaining - self._available_after(position, after))
        backorder_bound = (
            self.backordered + missing * demand.sku_units + self.backorder_floor[step + 1]
        )
        if backorder_bound != score.backordered_units:
            return backorder_bound < score.backordered_units
        # With backorders at their floor, every unit that can be placed is placed.
        to_place = max(0, remaining - missing)
        parcels = self.parcels + to_place * self.alone_parcels[position]
        parcels += self.parcel_floor[step + 1]
        bound = self.objective - self.contribution + self._placing_floor(step, to_place, after)
        bound += self.problem.split_penalty * max(0, parcels - 1)
        return bound <= score.objective + _TOLERANCE

    def _available_after(self, position: int, after: int) -> int:
        """Units of a demand being split that the candidates after ``after`` can take."""
        holders = self.by_index[position]
        return sum(
            max(0, self._capacity_for(index, position))
            for index in holders[bisect_right(holders, after) :]
        )

    def _placing_floor(self, step: int, to_place: int, after: int) -> float:
        """The least the units still to place add: each demand at the cheaper of a node
        already planned (per-unit floor only) or a new node (per-unit floor plus its share
        of the node's fixed parcel floor); less what the planned nodes' slack may absorb,
        which is at most the packed floor of the units they could still take. Mid-split
        (``after`` > -1) the current demand may only use candidates after ``after``."""
        demands = self.problem.demands
        per_unit = self.per_unit
        floors = self.floors
        open_nodes = self.open
        absorbable = [0.0] * len(open_nodes)
        total = 0.0
        for later in range(step, len(self.sequence)):
            position = self.sequence[later]
            first = after + 1 if later == step else 0
            if later == step:
                units = to_place
                if after >= 0:
                    cheapest = self._split_floor(step, position, units, after)
                else:
                    cheapest = units * self.least_unit[position] + self.least_share[step]
            else:
                units = demands[position].quantity - self.unplaceable[position]
                cheapest = self.opening_floor[step][later]
            if units <= 0:
                continue
            for slot, index in enumerate(open_nodes):
                if index < first or self._capacity_for(index, position) <= 0:
                    continue
                absorbable[slot] += units * floors[index].packed[position]
                planned = units * per_unit[index][position]
                if planned < cheapest:
                    cheapest = planned
            total += cheapest - units * self.value[position]
        for slot, index in enumerate(open_nodes):
            total -= min(self.slacks[index], absorbable[slot])
        return total

    def _split_floor(self, step: int, position: int, units: int, after: int) -> float:
        """The least ``units`` of a demand being split cost at a new node after ``after``
        (planned nodes are weighed by the caller)."""
        holders = self.by_index[position]
        shares = self.shares_at[step]
        packing = self.packing[position]
        cheapest = _UNREACHABLE
        for index in holders[bisect_right(holders, after) :]:
            if self.costs[index] is not None or self._capacity_for(index, position) <= 0:
                continue
            share = shares[index] if packing else 0.0
            cheapest = min(cheapest, units * self.per_unit[index][position] + share)
        return cheapest

    # -- moves -----------------------------------------------------------------------

    def _capacity_for(self, index: int, position: int) -> int:
        stock = self.stock_left[index]
        kit = self.kits[position]
        if len(kit) == 1:  # the common case, and the hottest line of the search
            sku, k = kit[0]
            return stock.get(sku, 0) // k
        return min(stock.get(sku, 0) // k for sku, k in kit)

    def _priced(self, index: int, position: int, count: int) -> NodeCost | None:
        counts = self.counts[index]
        counts[position] += count
        cost = self.problem.node_cost(index, tuple(counts))
        counts[position] -= count
        return cost

    def _slack_of(self, index: int, cost: NodeCost) -> float:
        packed = [parcel for parcel in cost.parcels if not parcel.ship_alone]
        if not packed:
            return 0.0
        floor = self.floors[index]
        return max(0.0, packed[0].objective - floor.fixed - floor.packed_floor(self.counts[index]))

    def _apply(self, index: int, position: int, count: int) -> NodeCost | None:
        """Plans ``count`` more units of the demand at the node; returns the node's cost
        before, or None (and changes nothing) when the move breaks a hard rule."""
        cost = self._priced(index, position, count)
        if cost is None:
            return None
        before = self.costs[index]
        parcels = self.parcels + cost.parcel_count - (before.parcel_count if before else 0)
        limit = self.problem.max_parcels
        if limit is not None and parcels > limit:
            return None
        if before is None:
            self.open.append(index)
        self.counts[index][position] += count
        stock = self.stock_left[index]
        for sku, k in self.kits[position]:
            stock[sku] -= count * k
        self.costs[index] = cost
        self.objective += cost.objective - (before.objective if before else 0.0)
        self.slacks[index] = self._slack_of(index, cost)
        self.parcels = parcels
        if self.problem.margin:
            self.contribution += count * self.problem.demands[position].contribution
        return before if before is not None else _NO_COST

    def _undo(self, index: int, position: int, count: int, before: NodeCost) -> None:
        cost = self.costs[index]
        assert cost is not None
        self.counts[index][position] -= count
        stock = self.stock_left[index]
        for sku, k in self.kits[position]:
            stock[sku] += count * k
        restored = None if before is _NO_COST else before
        self.costs[index] = restored
        self.objective += (restored.objective if restored else 0.0) - cost.objective
        self.parcels += (restored.parcel_count if restored else 0) - cost.parcel_count
        self.slacks[index] = self._slack_of(index, restored) if restored else 0.0
        if restored is None:
            self.open.remove(index)
        if self.problem.margin:
            self.contribution -= count * self.problem.demands[position].contribution

    # -- search ----------------------------------------------------------------------

    def start(self) -> None:
        if self.sequence:
            self._visit(0, self.problem.demands[self.sequence[0]].quantity, -1)
        else:
            self._leaf()

    def _visit(self, step: int, remaining: int, after: int) -> None:
        self.expansions += 1
        if self.expansions > self.budget:
            raise _OutOfBudget
        if remaining == 0:
            step += 1
            if step == len(self.sequence):
                if self._promising(step, 0, -1):
                    self._leaf()
                return
            remaining = self.problem.demands[self.sequence[step]].quantity
            after = -1
        if not self._promising(step, remaining, after):
            return
        position = self.sequence[step]
        for _, index, take in self._options(position, remaining, after):
            for count in range(take, 0, -1):
                before = self._apply(index, position, count)
                if before is None:
                    continue
                self._visit(step, remaining - count, index)
                self._undo(index, position, count, before)
        units = remaining * self.problem.demands[position].sku_units
        self.backordered += units
        self._visit(step, 0, after)
        self.backordered -= units

    def _options(self, position: int, remaining: int, after: int) -> list[tuple[float, int, int]]:
        """Nodes after ``after`` that can take units of the demand, cheapest first."""
        options = []
        candidates = self.problem.candidates
        for index in self.holders[position]:
            if index <= after:
                continue
            cap = self._capacity_for(index, position)
            if cap <= 0:
                continue
            take = min(cap, remaining)
            cost = self._priced(index, position, take)
            before = self.costs[index]
            delta = _UNREACHABLE
            if cost is not None:
                delta = cost.objective - (before.objective if before else 0.0)
            options.append((delta, index, take))
        options.sort(key=lambda option: (option[0], candidates[option[1]].tie_key))
        return options

    def _leaf(self) -> None:
        assignment = tuple((index, tuple(self.counts[index])) for index in sorted(self.open))
        scored = self.problem.scored(assignment)
        if scored is not None:
            self.podium.offer(scored)


# Marks "the node had no cost before the move" on the undo path.
_NO_COST = NodeCost(parcels=(), objective=0.0, delivered=0.0)
