"""The fulfillment network as one immutable, versioned value."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ordermesh.domain.errors import UnknownChannel, UnknownNode, UnknownSku
from ordermesh.domain.model import (
    Bundle,
    Channel,
    Co2eFactors,
    Node,
    ServiceLevel,
    ShippingService,
    Sku,
    Zone,
)

# Where a network document names no time zone: the default of its nodes too.
DEFAULT_TIMEZONE = "America/New_York"

if TYPE_CHECKING:  # routing imports this module; the annotation alone needs no import
    from ordermesh.domain.routing.rules import RuleSet


@dataclass(frozen=True, slots=True)
class Network:
    nodes: Mapping[str, Node]
    skus: Mapping[str, Sku]
    bundles: Mapping[str, Bundle]
    channels: Mapping[str, Channel]
    zones: tuple[Zone, ...]
    services: Mapping[str, ShippingService]
    service_levels: Mapping[str, ServiceLevel]
    co2e: Co2eFactors = field(default_factory=Co2eFactors)
    name: str = "network"
    currency: str = "USD"
    # IANA name: the wall clock of the rule sets' active windows.
    timezone: str = DEFAULT_TIMEZONE
    # Tried in order for each order, first match wins; none: the built-in default.
    rule_sets: tuple[RuleSet, ...] = ()

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise UnknownNode(node_id) from None

    def sku(self, sku_id: str) -> Sku:
        try:
            return self.skus[sku_id]
        except KeyError:
            raise UnknownSku(sku_id) from None

    def channel(self, channel_id: str) -> Channel:
        try:
            return self.channels[channel_id]
        except KeyError:
            raise UnknownChannel(channel_id) from None

    def is_sellable(self, item_id: str) -> bool:
        """A SKU or a bundle: anything an order line may name."""
        return item_id in self.skus or item_id in self.bundles

    def enabled_nodes(self) -> Iterator[Node]:
        return (node for node in self.nodes.values() if node.enabled)
