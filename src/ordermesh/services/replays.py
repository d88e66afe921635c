"""Replay stored orders under a draft rule set, beside the live rules, before publishing it.

The orders placed in a period are routed again, in memory, in the order they were placed,
twice against the same stock: once under the rule sets of the live network and once under
the draft's. The stock is what those orders could have used (``domain.inventory.
stock_for_replay``): on hand now plus what they already shipped, less safety stock and
less what older orders still hold; stock received during the period counts from its start
(docs/console.md says so). Nothing here writes an order, a reservation or a position: the
only rows written are the job's own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ordermesh.domain.errors import InvalidInput, NetworkNotLoaded, Problem, UnknownReplay
from ordermesh.domain.inventory import stock_for_replay
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.routing import RuleSet, rule_sets_from_list
from ordermesh.domain.routing.explain import JsonValue
from ordermesh.services.order_history import as_placed, stored_orders
from ordermesh.services.ports import Clock, OrderFilter, ReplayJob, UnitOfWork
from ordermesh.services.simulation import Routed, kpis, ordermesh_policy, simulate

MAX_CHANGED = 200  # orders whose routing changed, listed with both plans

Progress = Callable[[int, int], None]  # (orders replayed, orders to replay over both runs)


@dataclass(frozen=True, slots=True)
class ReplayInput:
    """What a replay needs, loaded in one read: the network, the stored orders of the
    period in the order they were placed, and the stock when it began."""

    network: Network
    orders: tuple[Order, ...]
    stock: Mapping[tuple[str, str], int]


def load_replay_input(uow: UnitOfWork, since: datetime, until: datetime | None) -> ReplayInput:
    if until is not None and until <= since:
        raise InvalidInput("replay", [Problem("until", "must be after since")])
    with uow:
        current = uow.network.current()
        if current is None:
            raise NetworkNotLoaded()
        network = current.network
        states = stored_orders(uow, OrderFilter(created_from=since, created_to=until))
        held: Counter[tuple[str, str]] = Counter()
        shipped: Counter[tuple[str, str]] = Counter()
        for request in uow.orders.requests_of([state.id for state in states]):
            for line in request.lines:
                key = (request.node_id, line.sku)
                shipped[key] += line.shipped_quantity
                if request.status.holds_stock:
                    held[key] += line.wanted - line.shipped_quantity
        stock = stock_for_replay(uow.inventory.positions(), held, shipped)
    orders = tuple(as_placed(state) for state in sorted(states, key=lambda s: (s.placed_at, s.id)))
    return ReplayInput(network, orders, stock)


def draft_rule_sets(network: Network, data: object) -> tuple[RuleSet, ...]:
    """The rule sets of a draft (a ``rule_sets:`` document or the bare list), checked
    against the network: ``InvalidNetwork`` names the path of every bad field."""
    items = data.get("rule_sets") if isinstance(data, Mapping) else data
    return rule_sets_from_list(items, "rule_sets", network)


def published_document(document: Mapping[str, Any], draft: object) -> dict[str, Any]:
    """The network document with its rule sets replaced by the draft's."""
    items = draft.get("rule_sets") if isinstance(draft, Mapping) else draft
    return {**document, "rule_sets": items}


def compare(
    replay: ReplayInput, draft: Sequence[RuleSet], progress: Progress | None = None
) -> dict[str, JsonValue]:
    """KPIs of the live rule sets and of ``draft`` over the same orders and stock, and the
    orders the draft routes differently, with both plans."""
    total = 2 * len(replay.orders)
    done = 0

    def tick(_: Routed) -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 50 == 0 or done == total):
            progress(done, total)

    runs = {}
    for name, rule_sets in (("live", replay.network.rule_sets), ("draft", tuple(draft))):
        policy = ordermesh_policy(replay.network, rule_sets)
        runs[name] = simulate(
            replay.network, replay.stock, replay.orders, policy, tick, keep_explanations=False
        )
    if progress is not None:
        progress(total, total)
    changed: list[JsonValue] = []
    count = 0
    for live, drafted in zip(runs["live"], runs["draft"], strict=True):
        if _plan(live) == _plan(drafted):
            continue
        count += 1
        if len(changed) < MAX_CHANGED:
            changed.append(
                {"order_id": live.order.id, "live": _plan(live), "draft": _plan(drafted)}
            )
    return {
        "orders": len(replay.orders),
        "live": dict(kpis(runs["live"]).to_json_dict()),
        "draft": dict(kpis(runs["draft"]).to_json_dict()),
        "changed_orders": count,
        "changed": changed,
    }


def _plan(routed: Routed) -> dict[str, Any]:
    decision = routed.decision
    return {
        "shipments": [
            {
                "node": s.node_id,
                "service": s.service_id,
                "units": s.units,
                "cost": round(s.cost, 2),
            }
            for s in decision.shipments
        ],
        "backordered_units": sum(b.quantity for b in decision.backordered),
        "cost": round(decision.cost, 2),
    }


# -- background jobs --------------------------------------------------------------------------


def start_job(
    uow: UnitOfWork, parameters: Mapping[str, JsonValue], requested_by: str, clock: Clock
) -> str:
    with uow:
        job_id = uow.replays.add(parameters, requested_by, clock.now())
        uow.commit()
    return job_id


def get_job(uow: UnitOfWork, job_id: str) -> ReplayJob:
    with uow:
        job = uow.replays.get(job_id)
    if job is None:
        raise UnknownReplay(job_id)
    return job


def run_job(
    uow_factory: Callable[[], UnitOfWork],
    job_id: str,
    since: datetime,
    until: datetime | None,
    draft: Sequence[RuleSet],
    clock: Clock,
) -> None:
    """Run the replay of a queued job, writing its progress and then its result (or the
    reason it failed) to the job's row; never raises for a failed replay."""

    def progress(done: int, total: int) -> None:
        with uow_factory() as uow:
            uow.replays.progress(job_id, done, total)
            uow.commit()

    try:
        result: Mapping[str, JsonValue] | None = compare(
            load_replay_input(uow_factory(), since, until), draft, progress
        )
        error = None
    except Exception as failure:  # the job's row says why; the server goes on
        result, error = None, f"{type(failure).__name__}: {failure}"
    with uow_factory() as uow:
        uow.replays.finish(job_id, clock.now(), result, error)
        uow.commit()
