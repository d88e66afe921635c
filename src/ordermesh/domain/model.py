"""The vocabulary of the fulfillment network: nodes, SKUs, bundles, channels, services.

Plain frozen dataclasses. They are built by the network document parser (an adapter) and
consumed by the pure cost, availability and routing functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from enum import StrEnum


class NodeType(StrEnum):
    WAREHOUSE = "warehouse"
    STORE = "store"
    THREE_PL = "3pl"
    DROPSHIP = "dropship"


class Capability(StrEnum):
    SHIP = "ship"
    PICKUP = "pickup"


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float
    postal_code: str | None = None
    country: str | None = None
    state: str | None = None  # US state or other first-level subdivision, e.g. "NV"


@dataclass(frozen=True, slots=True)
class Handling:
    """What a node charges to pick and pack: per shipment plus per unit, in currency."""

    per_shipment: float = 0.0
    per_unit: float = 0.0


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working days of a node. ``holidays`` are concrete dates resolved when the network
    is loaded, so the domain never consults a holiday library or a clock."""

    closed_weekdays: frozenset[int] = frozenset()  # 0 = Monday ... 6 = Sunday
    blackout_dates: frozenset[date] = frozenset()
    holidays: frozenset[date] = frozenset()
    holiday_region: str | None = None  # e.g. "US" or "US-CA", for display only

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() not in self.closed_weekdays
            and day not in self.blackout_dates
            and day not in self.holidays
        )


class ConnectorType(StrEnum):
    """How ordermesh talks to a partner (a node or a channel)."""

    API = "api"  # the partner calls the REST API
    CSV = "csv"  # flat files in an inbox and an outbox folder
    X12 = "x12"  # EDI X12 documents in an inbox and an outbox folder
    WEBHOOK = "webhook"  # ordermesh posts signed events to the partner's URL
    SHOPIFY = "shopify"  # a Shopify store's orders/create webhook (channels only)


@dataclass(frozen=True, slots=True)
class ShopifySettings:
    """How a Shopify channel's deliveries map onto the network. Pairs rather than dicts
    keep the connector (and so the node and channel) hashable."""

    # Shopify location id -> the node where the customer collects a local-pickup order.
    locations: tuple[tuple[str, str], ...] = ()
    # Words in a shipping line's title or code (case-insensitive) -> service level, tried
    # in order before the defaults (services.shopify).
    service_levels: tuple[tuple[str, str], ...] = ()
    # Shop currency -> units of the network's currency per unit, for a store that sells
    # in another currency than the network prices in.
    currency_rates: tuple[tuple[str, float], ...] = ()

    def pickup_node(self, location_id: str) -> str | None:
        return dict(self.locations).get(location_id)

    def rate(self, currency: str) -> float | None:
        return dict(self.currency_rates).get(currency)


@dataclass(frozen=True, slots=True)
class Connector:
    """A partner profile: changing it needs no code and loses no in-flight work, since
    documents already written stay in the old outbox and requests keep their state."""

    type: ConnectorType = ConnectorType.API
    inbox: str | None = None
    outbox: str | None = None
    # X12: the partner's and our interchange ids (ISA05-08), and the separators we write.
    partner_id: str | None = None
    our_id: str | None = None
    id_qualifier: str = "ZZ"
    element_separator: str = "*"
    segment_terminator: str = "~"
    component_separator: str = ">"
    url: str | None = None
    secret: str | None = None
    shopify: ShopifySettings = ShopifySettings()


API_CONNECTOR = Connector()


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    name: str
    type: NodeType
    location: Location
    timezone: str = "America/New_York"
    enabled: bool = True
    capabilities: frozenset[Capability] = frozenset({Capability.SHIP})
    handling: Handling = Handling()
    shipments_per_day: int | None = None  # None: no capacity limit
    cutoff: time = time(14, 0)
    calendar: Calendar = Calendar()
    priority: int = 100  # lower is preferred in tie-breaks
    hazmat_capable: bool = False
    connector: Connector = API_CONNECTOR

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


@dataclass(frozen=True, slots=True)
class Sku:
    id: str
    weight_lb: float
    dims_in: tuple[float, float, float]
    unit_cost: float
    price: float
    hazmat: bool = False
    ship_alone: bool = False
    name: str = ""

    @property
    def volume_in3(self) -> float:
        length, width, height = self.dims_in
        return length * width * height


@dataclass(frozen=True, slots=True)
class BundleComponent:
    sku: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Bundle:
    """A kit sold like a SKU; its availability follows its components."""

    id: str
    components: tuple[BundleComponent, ...]
    price: float | None = None
    name: str = ""


@dataclass(frozen=True, slots=True)
class ChannelBuffer:
    """Units held back from a channel at every (node, SKU) position.

    The most specific figure applies: a SKU's own, else the node type's, else the default.
    """

    default: int = 0
    node_types: dict[NodeType, int] = field(default_factory=dict)
    skus: dict[str, int] = field(default_factory=dict)

    def units(self, node_type: NodeType, sku: str) -> int:
        if sku in self.skus:
            return self.skus[sku]
        return self.node_types.get(node_type, self.default)


@dataclass(frozen=True, slots=True)
class Channel:
    id: str
    service_level: str
    buffer: ChannelBuffer = ChannelBuffer()
    name: str = ""
    connector: Connector = API_CONNECTOR


@dataclass(frozen=True, slots=True)
class Zone:
    zone: int
    max_miles: float | None  # None: the last, open-ended band


@dataclass(frozen=True, slots=True)
class Rate:
    base: float
    per_lb: float


@dataclass(frozen=True, slots=True)
class ShippingService:
    """A carrier service: transit days and rates by zone."""

    id: str
    transit_days: dict[int, int]
    rates: dict[int, Rate]
    carrier: str = ""


@dataclass(frozen=True, slots=True)
class ServiceLevel:
    id: str
    max_transit_days: int


@dataclass(frozen=True, slots=True)
class Co2eFactors:
    """Emission factors for parcel freight; see docs/carbon.md for their source."""

    g_per_tonne_km: float = 105.0
    road_circuity: float = 1.2
    last_mile_g_per_parcel: float = 180.0
