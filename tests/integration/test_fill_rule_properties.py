"""The fill rule, as properties over small random networks and order streams: every policy
ships each order at least the SKU units that routing it alone, against the same stock,
would ship now. Opportunity costs and forecasts may change which node ships a unit, never
whether it ships. With HiGHS, for the batch and shadow-price policies."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordermesh.adapters.solver import highs_solvers
from ordermesh.domain.model import Handling, NodeType
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order
from ordermesh.domain.routing import DEFAULT_RULE_SET, route
from ordermesh.services.simulation import (
    BatchPolicy,
    Policy,
    PolicyDecision,
    PolicySettings,
    make_policy,
    ordermesh_policy,
    shipped_units,
    simulate,
)

# The routing unit tests' builders, shared rather than copied.
sys.path.insert(0, str(Path(__file__).parents[1] / "unit" / "domain" / "routing"))
from builders import (
    ATLANTA,
    BOSTON,
    CHICAGO,
    COLUMBUS,
    GROUND,
    LOS_ANGELES,
    MANHATTAN,
    NEWARK,
    PHILADELPHIA,
    RENO,
    TWO_DAY,
    WEDNESDAY_MORNING,
    line,
    network,
    node,
    order,
    sku,
)

PLACES = (NEWARK, PHILADELPHIA, BOSTON, COLUMBUS, CHICAGO, ATLANTA, RENO)
CUSTOMERS = (MANHATTAN, CHICAGO, LOS_ANGELES, BOSTON, ATLANTA)
Stock = dict[tuple[str, str], int]
Stream = tuple[Network, Stock, list[Order]]


@st.composite
def streams(draw: st.DrawFn, capacity: bool = True) -> Stream:
    """2-5 nodes (warehouses and stores, some with little daily capacity unless not
    ``capacity``) holding 0-3 units of 2-3 SKUs, and 2-6 orders of 1-2 lines for 1-2
    units, a few minutes apart."""
    skus = [
        sku(
            f"S{i}",
            weight_lb=draw(st.sampled_from([0.5, 2.0, 9.0])),
            ship_alone=draw(st.booleans()) and draw(st.booleans()),
        )
        for i in range(draw(st.integers(2, 3)))
    ]
    nodes = [
        node(
            f"N{i}",
            draw(st.sampled_from(PLACES)),
            draw(st.sampled_from([NodeType.WAREHOUSE, NodeType.STORE])),
            handling=Handling(draw(st.sampled_from([0.0, 1.5])), 0.4),
            shipments_per_day=draw(st.sampled_from([None, None, None, 1, 2])) if capacity else None,
        )
        for i in range(draw(st.integers(2, 5)))
    ]
    stock = {(n.id, s.id): draw(st.integers(0, 3)) for n in nodes for s in skus}
    orders = []
    for i in range(draw(st.integers(2, 6))):
        chosen = draw(st.lists(st.sampled_from([s.id for s in skus]), min_size=1, max_size=2,
                               unique=True))  # fmt: skip
        orders.append(
            order(
                *(line(item, draw(st.integers(1, 2)), f"L{j}") for j, item in enumerate(chosen)),
                to=draw(st.sampled_from(CUSTOMERS)),
                service_level=draw(st.sampled_from(["standard", "standard", "expedited"])),
                placed_at=WEDNESDAY_MORNING + timedelta(minutes=5 * i),
                order_id=f"O-{i}",
            )
        )
    return network(nodes, skus, services=(GROUND, TWO_DAY)), stock, orders


def _assert_each_order_ships_what_myopic_would(
    net: Network, stream: Stream, policy: Policy
) -> None:
    """Replay the stream through ``policy``; at each decision, route the same order alone
    against the same stock and capacity, and compare the units shipped."""
    _, stock, orders = stream
    alone = ordermesh_policy(net)

    def checked(
        each: Order, at: Mapping[tuple[str, str], int], capacity: Mapping[str, int]
    ) -> PolicyDecision:
        myopic = alone(each, dict(at), capacity)
        decided = policy(each, at, capacity)
        assert shipped_units(decided) >= shipped_units(myopic), each.id
        return decided

    assert len(simulate(net, stock, orders, checked)) == len(orders)


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(streams())
def test_myopic_routing_ships_each_order_what_routing_it_alone_ships(stream: Stream) -> None:
    net = stream[0]
    _assert_each_order_ships_what_myopic_would(net, stream, ordermesh_policy(net))


@PROPERTY
@given(streams(capacity=False), st.sampled_from(["nearest", "priority"]))
def test_the_baselines_ship_each_order_what_routing_it_alone_ships_where_capacity_is_free(
    stream: Stream, name: str
) -> None:
    """The baselines stand for other systems' rules and stay greedy: each visits a node
    once, so under node capacity limits they can ship less than routing alone does (a
    node with room for one parcel spent on a unit another node also holds). Without
    capacity limits they take every unit a node can ship on time."""
    net = stream[0]
    policy = make_policy(name, net)
    assert not isinstance(policy, BatchPolicy)
    _assert_each_order_ships_what_myopic_would(net, stream, policy)


@PROPERTY
@given(streams(), st.data())
def test_opportunity_costs_change_which_node_ships_never_whether_it_ships(
    stream: Stream, data: st.DataObject
) -> None:
    """Any opportunity costs, even far above a parcel's price, leave the fill as it was."""
    net, stock, _ = stream
    prices = {key: data.draw(st.sampled_from([0.0, 3.0, 40.0, 5_000.0])) for key in stock}

    def priced(
        each: Order, at: Mapping[tuple[str, str], int], capacity: Mapping[str, int]
    ) -> PolicyDecision:
        decision = route(each, net, at, capacity, DEFAULT_RULE_SET, opportunity_cost=prices)
        return PolicyDecision(
            decision.shipments, decision.backordered, decision.promised_by, decision.explanation
        )

    _assert_each_order_ships_what_myopic_would(net, stream, priced)


@PROPERTY
@given(streams())
def test_the_shadow_price_policy_ships_each_order_what_routing_it_alone_ships(
    stream: Stream,
) -> None:
    """Its forecast is the stream itself three times over: it expects far more than the
    stock, so every unit looks scarce."""
    net, _, orders = stream
    history = [o for copy in range(3) for o in orders]
    policy = make_policy(
        "ordermesh-shadow", net, solvers=highs_solvers(), settings=PolicySettings(
            refresh_orders=1, horizon_days=2.0), history=history,
    )  # fmt: skip
    assert not isinstance(policy, BatchPolicy)

    def refreshed(
        each: Order, at: Mapping[tuple[str, str], int], capacity: Mapping[str, int]
    ) -> PolicyDecision:
        policy.between_orders(each, at)  # type: ignore[union-attr]
        return policy(each, at, capacity)

    _assert_each_order_ships_what_myopic_would(net, stream, refreshed)


@PROPERTY
@given(streams(), st.sampled_from([0.5, 0.99]))
def test_a_batch_window_ships_each_order_what_routing_the_window_in_turn_ships(
    stream: Stream, confidence: float
) -> None:
    """The window's MIP plans for a forecast of three times the window's demand over the
    next two days, sure to come; still no order of the window gets fewer units than
    routing the window one order at a time gives it."""
    net, stock, orders = stream
    history = [o for copy in range(3) for o in orders]
    planning = PolicySettings(horizon_days=2.0, batch_future_share=1.0, batch_confidence=confidence)
    policy = make_policy(
        "ordermesh-batch", net, solvers=highs_solvers(), settings=planning, history=history
    )
    assert isinstance(policy, BatchPolicy)
    decisions = policy.decide_batch(orders, stock, {})
    in_turn = simulate(net, stock, orders, ordermesh_policy(net))
    for decided, myopic in zip(decisions, in_turn, strict=True):
        assert shipped_units(decided) >= shipped_units(myopic.decision), myopic.order.id
