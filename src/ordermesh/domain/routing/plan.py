"""What a routing decision plans: parcels from nodes, and the units left waiting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class ShipmentLine:
    line_id: str
    sku: str
    quantity: int
    bundle_id: str | None = None  # the bundle this SKU was ordered in, if any


@dataclass(frozen=True, slots=True)
class Penalties:
    """Objective terms beyond the delivered cost, in currency; none is paid to anyone."""

    split: float = 0.0
    store: float = 0.0
    co2e: float = 0.0
    capacity: float = 0.0
    late: float = 0.0
    # The inventory-aware policy's price of the units taken: what they are expected to be
    # worth to later orders (shadow prices). Kept apart so delivered cost stays the contract.
    opportunity: float = 0.0

    @property
    def total(self) -> float:
        return self.split + self.store + self.co2e + self.capacity + self.late + self.opportunity


@dataclass(frozen=True, slots=True)
class PlannedShipment:
    """One parcel: from a node, by a service, with its cost breakdown and dates."""

    node_id: str
    service_id: str
    lines: tuple[ShipmentLine, ...]
    zone: int
    billable_lb: int
    shipping: float
    handling: float
    penalties: Penalties
    co2e_g: float
    transit_days: int
    ship_date: date
    promise_date: date  # when this parcel arrives
    meets_promise: bool
    ship_alone: bool = False  # a parcel holding one unit of a ship-alone SKU

    @property
    def cost(self) -> float:
        """Delivered cost: what the carrier and the node charge."""
        return self.shipping + self.handling

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True, slots=True)
class Backorder:
    """Units of a line no node ships now; they wait for stock (or for the whole order)."""

    line_id: str
    item: str  # the SKU, or for a bundle the component SKU (or the bundle when kept whole)
    quantity: int
    reason: str
    bundle_id: str | None = None


@dataclass(frozen=True, slots=True)
class Plan:
    """Parcels and backorders: what a decision does, or what a rejected plan would do."""

    shipments: tuple[PlannedShipment, ...]
    backordered: tuple[Backorder, ...]

    @property
    def node_ids(self) -> tuple[str, ...]:
        return tuple(sorted({shipment.node_id for shipment in self.shipments}))

    @property
    def delivered_cost(self) -> float:
        return sum((shipment.cost for shipment in self.shipments), 0.0)

    @property
    def penalties(self) -> float:
        return sum((shipment.penalties.total for shipment in self.shipments), 0.0)

    @property
    def co2e_g(self) -> float:
        return sum((shipment.co2e_g for shipment in self.shipments), 0.0)
