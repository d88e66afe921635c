"""What an order asks the network for, as units the search places on nodes.

A plain SKU line is one demand. A bundle line becomes its component SKUs: one demand per
component when components may ship from anywhere, or one demand whose unit is a whole
bundle (a kit of components) when the rule set keeps bundles together, so a node either
ships every component of a bundle unit or none.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from ordermesh.domain.model import Bundle, Sku
from ordermesh.domain.network import Network
from ordermesh.domain.order import Order, OrderLine


@dataclass(frozen=True, slots=True)
class Demand:
    """``quantity`` units of ``kit`` (SKUs per unit) for one order line."""

    line_id: str
    item: str  # what the line ordered: a SKU or a bundle id
    bundle_id: str | None
    kit: tuple[tuple[Sku, int], ...]
    quantity: int
    # Price less unit cost of one unit, for the margin objective; a bundle's price is
    # shared among its components in proportion to their own prices.
    contribution: float
    whole_bundle: bool = False  # a unit is a whole bundle, kept together
    # SKU units in one unit of this demand (a bundle unit holds several); derived from
    # ``kit`` once, as the search reads it in every plan it scores.
    sku_units: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "sku_units", sum(quantity for _, quantity in self.kit))

    @property
    def backorder_item(self) -> str:
        """How a backorder names this demand: the bundle when kept whole, else the SKU."""
        return self.item if self.whole_bundle else self.kit[0][0].id

    @property
    def skus(self) -> Iterator[str]:
        return (sku.id for sku, _ in self.kit)


def expand_order(order: Order, network: Network, keep_bundles_together: bool) -> tuple[Demand, ...]:
    demands: list[Demand] = []
    for line in order.lines:
        bundle = network.bundles.get(line.item)
        if bundle is None:
            demands.append(_sku_demand(line, network.sku(line.item)))
        elif keep_bundles_together:
            demands.append(_kit_demand(line, bundle, network))
        else:
            demands.extend(_component_demands(line, bundle, network))
    return tuple(demands)


def _sku_demand(line: OrderLine, sku: Sku) -> Demand:
    price = sku.price if line.unit_price is None else line.unit_price
    return Demand(
        line_id=line.line_id,
        item=line.item,
        bundle_id=None,
        kit=((sku, 1),),
        quantity=line.quantity,
        contribution=price - sku.unit_cost,
    )


def _components(bundle: Bundle, network: Network) -> tuple[tuple[Sku, int], ...]:
    return tuple((network.sku(c.sku), c.quantity) for c in bundle.components)


def _bundle_price(line: OrderLine, bundle: Bundle, kit: tuple[tuple[Sku, int], ...]) -> float:
    if line.unit_price is not None:
        return line.unit_price
    if bundle.price is not None:
        return bundle.price
    return sum(sku.price * quantity for sku, quantity in kit)


def _kit_demand(line: OrderLine, bundle: Bundle, network: Network) -> Demand:
    kit = _components(bundle, network)
    return Demand(
        line_id=line.line_id,
        item=line.item,
        bundle_id=bundle.id,
        kit=kit,
        quantity=line.quantity,
        contribution=_bundle_price(line, bundle, kit)
        - sum(sku.unit_cost * quantity for sku, quantity in kit),
        whole_bundle=True,
    )


def _component_demands(line: OrderLine, bundle: Bundle, network: Network) -> list[Demand]:
    kit = _components(bundle, network)
    price = _bundle_price(line, bundle, kit)
    list_value = sum(sku.price * quantity for sku, quantity in kit)
    units = sum(quantity for _, quantity in kit)
    demands = []
    for sku, quantity in kit:
        # Price share of one component unit; even shares when the catalogue gives no prices.
        share = price * sku.price / list_value if list_value > 0 else price / units
        demands.append(
            Demand(
                line_id=line.line_id,
                item=line.item,
                bundle_id=bundle.id,
                kit=((sku, 1),),
                quantity=line.quantity * quantity,
                contribution=share - sku.unit_cost,
            )
        )
    return demands
