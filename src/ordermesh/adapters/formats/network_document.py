"""The network document (YAML or JSON): parse, validate, and build the domain ``Network``.

Validation happens in two passes, and every problem of both is reported at once:
1. shape: types, ranges and unknown keys, by pydantic models that forbid extra keys;
2. meaning: unique ids, cross references, zones and rate cards that fit together,
   postal codes that exist, holiday regions that exist.
The format is documented in docs/formats/network.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, time
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ordermesh.adapters.formats.validation_messages import problems_from_pydantic
from ordermesh.adapters.geocoding import UnknownPostalCode, geocode
from ordermesh.adapters.holiday_calendar import UnknownHolidayRegion, holiday_dates
from ordermesh.domain.errors import InvalidNetwork, Problem
from ordermesh.domain.model import (
    Bundle,
    BundleComponent,
    Calendar,
    Capability,
    Channel,
    ChannelBuffer,
    Co2eFactors,
    Connector,
    ConnectorType,
    Handling,
    Location,
    Node,
    NodeType,
    Rate,
    ServiceLevel,
    ShippingService,
    ShopifySettings,
    Sku,
    Zone,
)
from ordermesh.domain.network import DEFAULT_TIMEZONE, Network
from ordermesh.domain.routing.rule_document import rule_sets_from_list

NonNegative = Annotated[float, Field(ge=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
PositiveInt = Annotated[int, Field(ge=1)]
Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$")]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LocationDoc(_Strict):
    postal_code: str | None = None
    country: str | None = None
    state: str | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class HandlingDoc(_Strict):
    per_shipment: NonNegative = 0.0
    per_unit: NonNegative = 0.0


class CapacityDoc(_Strict):
    shipments_per_day: PositiveInt | None = None


class HolidaysDoc(_Strict):
    country: Annotated[str, Field(min_length=2, max_length=3)]
    subdivision: str | None = None


class CalendarDoc(_Strict):
    closed_weekdays: list[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]] = []
    blackout_dates: list[date] = []
    holidays: HolidaysDoc | None = None


Separator = Annotated[str, Field(min_length=1, max_length=1)]


class ConnectorDoc(_Strict):
    type: ConnectorType = ConnectorType.API
    inbox: str | None = None
    outbox: str | None = None
    partner_id: Annotated[str, Field(min_length=1, max_length=15)] | None = None
    our_id: Annotated[str, Field(min_length=1, max_length=15)] | None = None
    id_qualifier: Annotated[str, Field(min_length=2, max_length=2)] = "ZZ"
    element_separator: Separator = "*"
    segment_terminator: Separator = "~"
    component_separator: Separator = ">"
    url: str | None = None
    secret: Annotated[str, Field(min_length=8)] | None = None
    # Shopify channels only (ShopifySettings): location id -> pickup node, shipping-line
    # words -> service level, shop currency -> rate into the network's currency.
    locations: dict[Annotated[str, Field(min_length=1, max_length=100)], Id] = {}
    service_levels: dict[Annotated[str, Field(min_length=1, max_length=100)], str] = {}
    currency_rates: dict[
        Annotated[str, Field(pattern=r"^[A-Z]{3}$")], Annotated[float, Field(gt=0)]
    ] = {}

    @field_validator("url")
    @classmethod
    def _url_is_http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http:// or https:// URL, not {value!r}")
        return value


class NodeDoc(_Strict):
    id: Id
    name: Annotated[str, Field(min_length=1)]
    type: NodeType
    location: LocationDoc
    timezone: str = "America/New_York"
    enabled: bool = True
    capabilities: Annotated[list[Capability], Field(min_length=1)] = [Capability.SHIP]
    handling: HandlingDoc = HandlingDoc()
    capacity: CapacityDoc = CapacityDoc()
    cutoff: str = "14:00"
    calendar: CalendarDoc = CalendarDoc()
    priority: NonNegativeInt = 100
    hazmat_capable: bool = False
    connector: ConnectorDoc = ConnectorDoc()

    @field_validator("cutoff", mode="before")
    @classmethod
    def _cutoff_is_hh_mm(cls, value: object) -> object:
        # YAML 1.1 reads an unquoted 14:00 as the base-60 integer 840; say so plainly.
        if isinstance(value, int):
            raise ValueError('must be a quoted "HH:MM" time (unquoted YAML reads 14:00 as 840)')
        if isinstance(value, str):
            try:
                time.fromisoformat(value)
            except ValueError:
                raise ValueError('must be a time "HH:MM"') from None
        return value


class SkuDoc(_Strict):
    id: Id
    name: str = ""
    weight_lb: NonNegative
    dims_in: tuple[NonNegative, NonNegative, NonNegative]
    unit_cost: NonNegative
    price: NonNegative
    hazmat: bool = False
    ship_alone: bool = False


class ComponentDoc(_Strict):
    sku: Id
    quantity: PositiveInt


class BundleDoc(_Strict):
    id: Id
    name: str = ""
    components: Annotated[list[ComponentDoc], Field(min_length=1)]
    price: NonNegative | None = None


class BufferDoc(_Strict):
    default: NonNegativeInt = 0
    node_types: dict[NodeType, NonNegativeInt] = {}
    skus: dict[str, NonNegativeInt] = {}


class ChannelDoc(_Strict):
    id: Id
    name: str = ""
    service_level: str
    buffer: BufferDoc = BufferDoc()
    connector: ConnectorDoc = ConnectorDoc()


class ZoneDoc(_Strict):
    zone: NonNegativeInt
    max_miles: Annotated[float, Field(gt=0)] | None = None


class RateDoc(_Strict):
    base: NonNegative
    per_lb: NonNegative


class ServiceDoc(_Strict):
    id: Id
    carrier: str = ""
    transit_days: dict[int, PositiveInt]
    rates: dict[int, RateDoc]


class ShippingDoc(_Strict):
    zones: Annotated[list[ZoneDoc], Field(min_length=1)]
    services: Annotated[list[ServiceDoc], Field(min_length=1)]


_CO2E_DEFAULTS = Co2eFactors()


class Co2eDoc(_Strict):
    g_per_tonne_km: NonNegative = _CO2E_DEFAULTS.g_per_tonne_km
    road_circuity: Annotated[float, Field(ge=1)] = _CO2E_DEFAULTS.road_circuity
    last_mile_g_per_parcel: NonNegative = _CO2E_DEFAULTS.last_mile_g_per_parcel


class NetworkDoc(_Strict):
    name: str = "network"
    currency: Annotated[str, Field(min_length=3, max_length=3)] = "USD"
    timezone: str = DEFAULT_TIMEZONE
    co2e: Co2eDoc = Co2eDoc()
    service_levels: Annotated[dict[str, PositiveInt], Field(min_length=1)]
    shipping: ShippingDoc
    nodes: Annotated[list[NodeDoc], Field(min_length=1)]
    skus: Annotated[list[SkuDoc], Field(min_length=1)]
    bundles: list[BundleDoc] = []
    channels: Annotated[list[ChannelDoc], Field(min_length=1)]
    # Checked by the routing core's own reader, against the network built from the rest.
    rule_sets: list[dict[str, Any]] = []


# libyaml's safe loader where PyYAML was built with it (its wheels are): the pure-Python one
# takes seconds over a network of thousands of SKUs.
SAFE_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_network_text(data: bytes, source: str) -> dict[str, Any]:
    """Decode and parse YAML or JSON (YAML is a superset) into a mapping, or say where not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidNetwork(
            source, [Problem(f"byte {error.start}", "is not valid UTF-8")]
        ) from None
    try:
        loaded = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise InvalidNetwork(source, [Problem(where, f"not valid YAML/JSON: {problem}")]) from None
    if loaded is None:
        raise InvalidNetwork(source, [Problem("", "the file is empty")])
    if not isinstance(loaded, dict):
        raise InvalidNetwork(source, [Problem("", "the document must be a mapping")])
    return loaded


def validate_network_document(
    document: Mapping[str, Any], source: str = "network"
) -> tuple[dict[str, Any], Network]:
    """Validate a parsed document; return its normalised JSON form and the ``Network``.

    The normalised form is what gets stored: re-validating it gives the same network.
    """
    try:
        doc = NetworkDoc.model_validate(document)
    except ValidationError as error:
        raise InvalidNetwork(source, problems_from_pydantic(error)) from None
    problems: list[Problem] = []
    network = _build(doc, problems)
    if not problems and doc.rule_sets:
        try:
            network = replace(
                network, rule_sets=rule_sets_from_list(doc.rule_sets, "rule_sets", network)
            )
        except InvalidNetwork as error:
            problems.extend(error.problems)
    if problems:
        raise InvalidNetwork(source, problems)
    return doc.model_dump(mode="json", exclude_defaults=False), network


def network_from_document(document: Mapping[str, Any]) -> Network:
    return validate_network_document(document)[1]


def load_network_file(data: bytes, source: str) -> tuple[dict[str, Any], Network]:
    return validate_network_document(parse_network_text(data, source), source)


def checksum(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _duplicates(ids: Sequence[str]) -> dict[str, int]:
    """Each id seen before, with the index of its second appearance."""
    seen: set[str] = set()
    dupes: dict[str, int] = {}
    for index, item in enumerate(ids):
        if item in seen and item not in dupes:
            dupes[item] = index
        seen.add(item)
    return dupes


def _check_unique(kind: str, ids: Sequence[str], problems: list[Problem]) -> None:
    for item, index in _duplicates(ids).items():
        problems.append(Problem(f"{kind}[{index}].id", f"duplicate id {item!r}"))


def _build(doc: NetworkDoc, problems: list[Problem]) -> Network:
    _check_timezone("timezone", doc.timezone, problems)
    _check_unique("nodes", [n.id for n in doc.nodes], problems)
    _check_unique("skus", [s.id for s in doc.skus], problems)
    _check_unique("channels", [c.id for c in doc.channels], problems)
    _check_unique("shipping.services", [s.id for s in doc.shipping.services], problems)
    sku_ids = {s.id for s in doc.skus}
    for index, bundle in enumerate(doc.bundles):
        if bundle.id in sku_ids:
            problems.append(Problem(f"bundles[{index}].id", f"{bundle.id!r} is already a SKU id"))
    _check_unique("bundles", [b.id for b in doc.bundles], problems)

    zones = _zones(doc.shipping.zones, problems)
    zone_numbers = {z.zone for z in zones}
    services = {
        s.id: _service(i, s, zone_numbers, problems) for i, s in enumerate(doc.shipping.services)
    }
    levels = {name: ServiceLevel(name, days) for name, days in doc.service_levels.items()}
    nodes = {n.id: _node(i, n, problems) for i, n in enumerate(doc.nodes)}
    skus = {
        s.id: Sku(
            s.id, s.weight_lb, s.dims_in, s.unit_cost, s.price, s.hazmat, s.ship_alone, s.name
        )
        for s in doc.skus
    }
    bundles = {b.id: _bundle(i, b, sku_ids, problems) for i, b in enumerate(doc.bundles)}
    channels = {c.id: _channel(i, c, levels, sku_ids, problems) for i, c in enumerate(doc.channels)}
    _check_shopify_settings(list(channels.values()), nodes, levels, doc.currency, problems)
    return Network(
        nodes=nodes,
        skus=skus,
        bundles=bundles,
        channels=channels,
        zones=zones,
        services=services,
        service_levels=levels,
        co2e=Co2eFactors(**doc.co2e.model_dump()),
        name=doc.name,
        currency=doc.currency,
        timezone=doc.timezone,
    )


def _zones(docs: Sequence[ZoneDoc], problems: list[Problem]) -> tuple[Zone, ...]:
    previous = 0.0
    for index, band in enumerate(docs):
        where = f"shipping.zones[{index}]"
        last = index == len(docs) - 1
        if band.max_miles is None and not last:
            problems.append(Problem(f"{where}.max_miles", "only the last zone may be open-ended"))
        elif band.max_miles is not None and last:
            problems.append(Problem(f"{where}.max_miles", "the last zone must be open-ended"))
        elif band.max_miles is not None:
            if band.max_miles <= previous:
                problems.append(
                    Problem(f"{where}.max_miles", f"must be greater than the previous {previous:g}")
                )
            previous = band.max_miles
    for number, index in _duplicates([str(z.zone) for z in docs]).items():
        problems.append(Problem(f"shipping.zones[{index}].zone", f"duplicate zone {number}"))
    return tuple(Zone(z.zone, z.max_miles) for z in docs)


def _service(
    index: int, doc: ServiceDoc, zones: set[int], problems: list[Problem]
) -> ShippingService:
    where = f"shipping.services[{index}]"
    for field_name, table in (("transit_days", doc.transit_days), ("rates", doc.rates)):
        for zone in sorted(zones - table.keys()):
            problems.append(Problem(f"{where}.{field_name}", f"zone {zone} is missing"))
        for zone in sorted(table.keys() - zones):
            problems.append(Problem(f"{where}.{field_name}.{zone}", "is not a declared zone"))
    return ShippingService(
        id=doc.id,
        transit_days=dict(doc.transit_days),
        rates={zone: Rate(rate.base, rate.per_lb) for zone, rate in doc.rates.items()},
        carrier=doc.carrier,
    )


def _location(where: str, doc: LocationDoc, problems: list[Problem]) -> Location:
    if doc.lat is not None and doc.lon is not None:
        return Location(doc.lat, doc.lon, doc.postal_code, doc.country, doc.state)
    if doc.lat is not None or doc.lon is not None:
        problems.append(Problem(where, "give both lat and lon, or a postal_code and country"))
    elif doc.postal_code is None or doc.country is None:
        problems.append(Problem(where, "give a postal_code and country, or lat and lon"))
    else:
        try:
            return geocode(doc.postal_code, doc.country)
        except UnknownPostalCode as error:
            problems.append(Problem(f"{where}.postal_code", str(error)))
    return Location(0.0, 0.0)  # never used: the problems above reject the document


def _check_timezone(where: str, name: str, problems: list[Problem]) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(where, f"unknown IANA timezone {name!r}"))


def _node(index: int, doc: NodeDoc, problems: list[Problem]) -> Node:
    where = f"nodes[{index}]"
    _check_timezone(f"{where}.timezone", doc.timezone, problems)
    holidays: frozenset[date] = frozenset()
    region = None
    if doc.calendar.holidays is not None:
        spec = doc.calendar.holidays
        region = spec.country + (f"-{spec.subdivision}" if spec.subdivision else "")
        try:
            holidays = holiday_dates(spec.country, spec.subdivision)
        except UnknownHolidayRegion as error:
            problems.append(Problem(f"{where}.calendar.holidays", str(error)))
    return Node(
        id=doc.id,
        name=doc.name,
        type=doc.type,
        location=_location(f"{where}.location", doc.location, problems),
        timezone=doc.timezone,
        enabled=doc.enabled,
        capabilities=frozenset(doc.capabilities),
        handling=Handling(doc.handling.per_shipment, doc.handling.per_unit),
        shipments_per_day=doc.capacity.shipments_per_day,
        cutoff=time.fromisoformat(doc.cutoff),
        calendar=Calendar(
            closed_weekdays=frozenset(WEEKDAYS.index(d) for d in doc.calendar.closed_weekdays),
            blackout_dates=frozenset(doc.calendar.blackout_dates),
            holidays=holidays,
            holiday_region=region,
        ),
        priority=doc.priority,
        hazmat_capable=doc.hazmat_capable,
        connector=_connector(f"{where}.connector", doc.connector, problems, for_channel=False),
    )


def _bundle(index: int, doc: BundleDoc, skus: set[str], problems: list[Problem]) -> Bundle:
    for c_index, component in enumerate(doc.components):
        if component.sku not in skus:
            problems.append(
                Problem(
                    f"bundles[{index}].components[{c_index}].sku", f"unknown SKU {component.sku!r}"
                )
            )
    for sku, c_index in _duplicates([c.sku for c in doc.components]).items():
        problems.append(
            Problem(f"bundles[{index}].components[{c_index}].sku", f"{sku!r} is listed twice")
        )
    return Bundle(
        id=doc.id,
        components=tuple(BundleComponent(c.sku, c.quantity) for c in doc.components),
        price=doc.price,
        name=doc.name,
    )


def _channel(
    index: int,
    doc: ChannelDoc,
    levels: Mapping[str, ServiceLevel],
    skus: set[str],
    problems: list[Problem],
) -> Channel:
    where = f"channels[{index}]"
    if doc.service_level not in levels:
        problems.append(
            Problem(f"{where}.service_level", f"unknown service level {doc.service_level!r}")
        )
    for sku in doc.buffer.skus:
        if sku not in skus:
            problems.append(Problem(f"{where}.buffer.skus.{sku}", f"unknown SKU {sku!r}"))
    return Channel(
        id=doc.id,
        service_level=doc.service_level,
        buffer=ChannelBuffer(
            doc.buffer.default, dict(doc.buffer.node_types), dict(doc.buffer.skus)
        ),
        name=doc.name,
        connector=_connector(f"{where}.connector", doc.connector, problems, for_channel=True),
    )


def _connector(
    where: str, doc: ConnectorDoc, problems: list[Problem], *, for_channel: bool
) -> Connector:
    kind = doc.type
    needs: tuple[str, ...] = ()
    if kind in (ConnectorType.CSV, ConnectorType.X12):
        needs = ("inbox", "outbox")
    if kind is ConnectorType.X12:
        needs += ("partner_id", "our_id")
    if kind is ConnectorType.WEBHOOK:
        needs = ("url", "secret")
    if kind is ConnectorType.SHOPIFY:
        needs = ("secret",)
        if not for_channel:
            problems.append(Problem(f"{where}.type", "shopify connects channels, not nodes"))
    for name in needs:
        if getattr(doc, name) is None:
            problems.append(Problem(f"{where}.{name}", f"is required for a {kind.value} connector"))
    separators = (doc.element_separator, doc.segment_terminator, doc.component_separator)
    if len(set(separators)) != len(separators):
        problems.append(Problem(where, "the three X12 separators must differ"))
    shopify_only = ("locations", "service_levels", "currency_rates")
    if kind is not ConnectorType.SHOPIFY:
        for name in shopify_only:
            if getattr(doc, name):
                problems.append(Problem(f"{where}.{name}", "only a shopify connector has it"))
    fields = doc.model_dump(exclude=set(shopify_only))
    settings = ShopifySettings(
        locations=tuple(doc.locations.items()),
        service_levels=tuple(doc.service_levels.items()),
        currency_rates=tuple(doc.currency_rates.items()),
    )
    return Connector(**fields, shopify=settings)


def _check_shopify_settings(
    channels: Sequence[Channel],
    nodes: Mapping[str, Node],
    levels: Mapping[str, ServiceLevel],
    currency: str,
    problems: list[Problem],
) -> None:
    """A Shopify channel's pickup locations name pickup nodes, its words name service
    levels, and its rates convert from another currency than the network's."""
    for index, channel in enumerate(channels):
        where = f"channels[{index}].connector"
        settings = channel.connector.shopify
        for location, node_id in settings.locations:
            node = nodes.get(node_id)
            if node is None:
                problems.append(
                    Problem(f"{where}.locations.{location}", f"unknown node {node_id!r}")
                )
            elif not node.can(Capability.PICKUP):
                problems.append(
                    Problem(f"{where}.locations.{location}", f"{node_id} does not offer pickup")
                )
        for words, level in settings.service_levels:
            if level not in levels:
                problems.append(
                    Problem(f"{where}.service_levels.{words}", f"unknown service level {level!r}")
                )
        for code, _rate in settings.currency_rates:
            if code == currency:
                problems.append(
                    Problem(f"{where}.currency_rates.{code}", "is the network's own currency")
                )
