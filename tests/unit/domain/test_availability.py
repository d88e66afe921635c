from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ordermesh.domain.availability import Position, bundle_ats, item_availability, node_ats
from ordermesh.domain.model import (
    Bundle,
    BundleComponent,
    Channel,
    ChannelBuffer,
    Location,
    Node,
    NodeType,
)

DC = Node("DC", "DC", NodeType.WAREHOUSE, Location(40, -75))
STORE = Node("STORE", "Store", NodeType.STORE, Location(41, -75))
CLOSED = Node("CLOSED", "Closed", NodeType.STORE, Location(42, -75), enabled=False)
NODES = {n.id: n for n in (DC, STORE, CLOSED)}
AMAZON = Channel(
    "amazon",
    "standard",
    ChannelBuffer(default=2, node_types={NodeType.STORE: 3}, skus={"MUG": 1}),
)
MUG_PAIR = Bundle("MUG-PAIR", (BundleComponent("MUG", 2), BundleComponent("COASTER", 1)))


def test_ats_is_on_hand_less_reserved_less_safety_stock() -> None:
    assert node_ats(Position("DC", "MUG", on_hand=10, reserved=3, safety_stock=2)) == 5


def test_ats_is_never_negative_when_reservations_exceed_stock() -> None:
    assert node_ats(Position("DC", "MUG", on_hand=2, reserved=3, safety_stock=1)) == 0


def test_a_channel_buffer_holds_units_back_from_that_channel() -> None:
    position = Position("DC", "PAN", on_hand=10)
    assert node_ats(position, AMAZON, DC) == 8  # default buffer 2


def test_no_channel_means_no_buffer() -> None:
    assert node_ats(Position("DC", "PAN", on_hand=10)) == 10


def test_a_node_type_buffer_overrides_the_channel_default() -> None:
    assert node_ats(Position("STORE", "PAN", on_hand=10), AMAZON, STORE) == 7


def test_a_sku_buffer_overrides_the_node_type_buffer() -> None:
    assert node_ats(Position("STORE", "MUG", on_hand=10), AMAZON, STORE) == 9


def test_bundle_ats_is_limited_by_its_scarcest_component() -> None:
    assert bundle_ats(MUG_PAIR, {"MUG": 9, "COASTER": 10}) == 4  # floor(9 / 2)
    assert bundle_ats(MUG_PAIR, {"MUG": 20, "COASTER": 3}) == 3


def test_bundle_ats_is_zero_when_a_component_is_missing() -> None:
    assert bundle_ats(MUG_PAIR, {"MUG": 20}) == 0


def test_network_ats_sums_enabled_nodes_only() -> None:
    positions = [
        Position("DC", "MUG", on_hand=5),
        Position("STORE", "MUG", on_hand=2),
        Position("CLOSED", "MUG", on_hand=100),
    ]
    result = item_availability("MUG", positions, NODES, {})
    assert result.network == 7
    assert result.per_node == {"CLOSED": 100, "DC": 5, "STORE": 2}


def test_bundle_availability_is_derived_per_node_from_components() -> None:
    positions = [
        Position("DC", "MUG", on_hand=5),
        Position("DC", "COASTER", on_hand=1),
        Position("STORE", "MUG", on_hand=4),
        Position("STORE", "COASTER", on_hand=9),
    ]
    result = item_availability("MUG-PAIR", positions, NODES, {"MUG-PAIR": MUG_PAIR})
    # Units at different nodes cannot be combined into one bundle.
    assert result.per_node["DC"] == 1
    assert result.per_node["STORE"] == 2
    assert result.network == 3


quantities = st.integers(min_value=0, max_value=1_000)


@given(on_hand=quantities, reserved=quantities, safety=quantities, buffer=quantities)
def test_ats_is_never_negative(on_hand: int, reserved: int, safety: int, buffer: int) -> None:
    channel = Channel("c", "standard", ChannelBuffer(default=buffer))
    position = Position("DC", "X", on_hand, reserved, safety)
    assert node_ats(position) >= 0
    assert node_ats(position, channel, DC) >= 0
    assert node_ats(position, channel, DC) <= node_ats(position)


@given(
    component_ats=st.lists(st.integers(0, 500), min_size=1, max_size=4),
    quantities_per_bundle=st.lists(st.integers(1, 6), min_size=4, max_size=4),
)
def test_bundle_ats_never_exceeds_what_its_components_allow(
    component_ats: list[int], quantities_per_bundle: list[int]
) -> None:
    components = tuple(
        BundleComponent(f"C{i}", quantities_per_bundle[i]) for i in range(len(component_ats))
    )
    bundle = Bundle("B", components)
    stock = {f"C{i}": ats for i, ats in enumerate(component_ats)}
    sellable = bundle_ats(bundle, stock)
    assert sellable >= 0
    for component in components:
        assert sellable * component.quantity <= stock[component.sku]
    # and it is the most: one more bundle would need more of some component
    assert any((sellable + 1) * c.quantity > stock[c.sku] for c in components)
