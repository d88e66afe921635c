"""Available to sell (ATS): what can be promised from each node, channel and bundle."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ordermesh.domain.model import Bundle, Channel, Node


@dataclass(frozen=True, slots=True)
class Position:
    """The stock of one SKU at one node."""

    node_id: str
    sku: str
    on_hand: int = 0
    reserved: int = 0
    safety_stock: int = 0


def node_ats(position: Position, channel: Channel | None = None, node: Node | None = None) -> int:
    """max(0, on_hand - reserved - safety_stock), less the channel's buffer if a channel
    is given (the buffer depends on the node's type, so the node is needed then)."""
    buffer = 0
    if channel is not None:
        if node is None:
            raise ValueError("a channel buffer needs the node to know its type")
        buffer = channel.buffer.units(node.type, position.sku)
    return max(0, position.on_hand - position.reserved - position.safety_stock - buffer)


def bundle_ats(bundle: Bundle, component_ats: Mapping[str, int]) -> int:
    """min over components of floor(component ATS / quantity); a missing component is 0."""
    return min(
        (component_ats.get(c.sku, 0) // c.quantity for c in bundle.components),
        default=0,
    )


def network_ats(per_node: Mapping[str, int], nodes: Mapping[str, Node]) -> int:
    """Sum of ATS over enabled nodes only: a disabled node sells nothing."""
    return sum(ats for node_id, ats in per_node.items() if nodes[node_id].enabled)


@dataclass(frozen=True, slots=True)
class Availability:
    """ATS of one sellable item (SKU or bundle), per node and over the network."""

    item: str
    per_node: Mapping[str, int]
    network: int


def item_availability(
    item: str,
    positions: Iterable[Position],
    nodes: Mapping[str, Node],
    bundles: Mapping[str, Bundle],
    channel: Channel | None = None,
) -> Availability:
    """Availability of a SKU, or of a bundle derived from its components' positions.

    ``positions`` must cover the item (or every component of the bundle); nodes without a
    position count as zero.
    """
    ats: dict[tuple[str, str], int] = {}
    for p in positions:
        ats[(p.node_id, p.sku)] = node_ats(p, channel, nodes[p.node_id])
    per_node: dict[str, int] = {}
    bundle = bundles.get(item)
    for node_id in sorted(nodes):
        if bundle is not None:
            component_ats = {c.sku: ats.get((node_id, c.sku), 0) for c in bundle.components}
            per_node[node_id] = bundle_ats(bundle, component_ats)
        else:
            per_node[node_id] = ats.get((node_id, item), 0)
    return Availability(item=item, per_node=per_node, network=network_ats(per_node, nodes))
