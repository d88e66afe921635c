"""A seeded generator of realistic fulfillment networks, written as network documents.

The output is a plain dict in the format of docs/formats/network.md (dates as ISO strings, zone
keys as ints), so it can be dumped to YAML or JSON as-is and goes through the same validator as
a hand-written file. Everything random comes from one ``random.Random(seed)``: the same seed and
arguments give the same document on every machine, and the clock is never read.

Nodes sit at real US ZIP codes. The first nodes of each type come from curated lists of
real logistics hubs and metro centres; larger networks draw further ZIPs from the offline
``zipcodes`` database, biased toward big metros.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Final, TypedDict

import zipcodes

__all__ = [
    "ANCHOR_SKU_IDS",
    "CALENDAR_YEARS",
    "DROPSHIP_SITES",
    "STORE_SITES",
    "THREE_PL_SITES",
    "WAREHOUSE_SITES",
    "InventoryRow",
    "Site",
    "generate_inventory",
    "generate_network",
]


@dataclass(frozen=True, slots=True)
class Site:
    """A real place a node can stand: a US ZIP code with its city, state and IANA timezone."""

    code: str  # short tag used in node ids, e.g. "RENO"
    postal_code: str
    city: str
    state: str
    timezone: str


def _sites(rows: str) -> tuple[Site, ...]:
    sites = []
    for line in rows.strip().splitlines():
        code, postal_code, city, state, timezone = (part.strip() for part in line.split("|"))
        sites.append(Site(code, postal_code, city, state, timezone))
    return tuple(sites)


# Distribution centres at real logistics clusters. The order is the build-out order: the first
# six already cover the lower 48 within about two days of ground transit, so small networks are
# plausible without a seed-dependent choice.
WAREHOUSE_SITES: Final = _sites("""
RENO        | 89502 | Reno            | NV | America/Los_Angeles
DALLAS      | 75241 | Dallas          | TX | America/Chicago
MEMPHIS     | 38118 | Memphis         | TN | America/Chicago
COLUMBUS    | 43217 | Columbus        | OH | America/New_York
ALLENTOWN   | 18106 | Allentown       | PA | America/New_York
ATLANTA     | 30336 | Atlanta         | GA | America/New_York
ONTARIO     | 91761 | Ontario         | CA | America/Los_Angeles
KC          | 64161 | Kansas City     | MO | America/Chicago
SLC         | 84104 | Salt Lake City  | UT | America/Denver
INDY        | 46241 | Indianapolis    | IN | America/Indiana/Indianapolis
ROMEOVILLE  | 60446 | Romeoville      | IL | America/Chicago
MONROE      | 08831 | Monroe Township | NJ | America/New_York
PHOENIX     | 85043 | Phoenix         | AZ | America/Phoenix
KENT        | 98032 | Kent            | WA | America/Los_Angeles
HOUSTON     | 77032 | Houston         | TX | America/Chicago
DENVER      | 80216 | Denver          | CO | America/Denver
CHARLOTTE   | 28273 | Charlotte       | NC | America/New_York
LOUISVILLE  | 40218 | Louisville      | KY | America/Kentucky/Louisville
STPAUL      | 55121 | Saint Paul      | MN | America/Chicago
PORTLAND    | 97220 | Portland        | OR | America/Los_Angeles
JAX         | 32218 | Jacksonville    | FL | America/New_York
STOCKTON    | 95206 | Stockton        | CA | America/Los_Angeles
RICHMOND    | 23234 | Richmond        | VA | America/New_York
MIAMI       | 33178 | Miami           | FL | America/New_York
CARLISLE    | 17013 | Carlisle        | PA | America/New_York
""")

# Third-party logistics campuses, likewise in build-out order.
THREE_PL_SITES: Final = _sites("""
MORENO      | 92551 | Moreno Valley   | CA | America/Los_Angeles
HEBRON      | 41048 | Hebron          | KY | America/New_York
DAYTON-NJ   | 08810 | Dayton          | NJ | America/New_York
LAVERGNE    | 37086 | La Vergne       | TN | America/Chicago
FTWORTH     | 76177 | Fort Worth      | TX | America/Chicago
MECHANICSBG | 17055 | Mechanicsburg   | PA | America/New_York
UNIONCITY   | 30291 | Union City      | GA | America/New_York
JOLIET      | 60436 | Joliet          | IL | America/Chicago
MIAMISBURG  | 45342 | Miamisburg      | OH | America/New_York
BALTIMORE   | 21224 | Baltimore       | MD | America/New_York
NLV         | 89115 | Las Vegas       | NV | America/Los_Angeles
EARTHCITY   | 63045 | Earth City      | MO | America/Chicago
GREER       | 29651 | Greer           | SC | America/New_York
TOLLESON    | 85353 | Tolleson        | AZ | America/Phoenix
""")

# Stores in the centres of big metros; a seeded sample of these is used.
STORE_SITES: Final = _sites("""
NYC         | 10001 | New York        | NY | America/New_York
BROOKLYN    | 11201 | Brooklyn        | NY | America/New_York
LA          | 90012 | Los Angeles     | CA | America/Los_Angeles
CHICAGO     | 60611 | Chicago         | IL | America/Chicago
HOUSTON     | 77002 | Houston         | TX | America/Chicago
PHOENIX     | 85004 | Phoenix         | AZ | America/Phoenix
PHILLY      | 19103 | Philadelphia    | PA | America/New_York
SANANTONIO  | 78205 | San Antonio     | TX | America/Chicago
SANDIEGO    | 92101 | San Diego       | CA | America/Los_Angeles
DALLAS      | 75201 | Dallas          | TX | America/Chicago
SANJOSE     | 95113 | San Jose        | CA | America/Los_Angeles
AUSTIN      | 78701 | Austin          | TX | America/Chicago
JAX         | 32202 | Jacksonville    | FL | America/New_York
SF          | 94103 | San Francisco   | CA | America/Los_Angeles
COLUMBUS    | 43215 | Columbus        | OH | America/New_York
CHARLOTTE   | 28202 | Charlotte       | NC | America/New_York
SEATTLE     | 98101 | Seattle         | WA | America/Los_Angeles
DENVER      | 80202 | Denver          | CO | America/Denver
DC          | 20001 | Washington      | DC | America/New_York
BOSTON      | 02116 | Boston          | MA | America/New_York
NASHVILLE   | 37203 | Nashville       | TN | America/Chicago
PORTLAND    | 97205 | Portland        | OR | America/Los_Angeles
ATLANTA     | 30303 | Atlanta         | GA | America/New_York
MIAMI       | 33131 | Miami           | FL | America/New_York
MPLS        | 55401 | Minneapolis     | MN | America/Chicago
DETROIT     | 48226 | Detroit         | MI | America/Detroit
STL         | 63101 | Saint Louis     | MO | America/Chicago
PITTSBURGH  | 15222 | Pittsburgh      | PA | America/New_York
VEGAS       | 89109 | Las Vegas       | NV | America/Los_Angeles
SLC         | 84111 | Salt Lake City  | UT | America/Denver
NOLA        | 70112 | New Orleans     | LA | America/Chicago
KC          | 64105 | Kansas City     | MO | America/Chicago
INDY        | 46204 | Indianapolis    | IN | America/Indiana/Indianapolis
MILWAUKEE   | 53202 | Milwaukee       | WI | America/Chicago
OKC         | 73102 | Oklahoma City   | OK | America/Chicago
ABQ         | 87102 | Albuquerque     | NM | America/Denver
SACRAMENTO  | 95814 | Sacramento      | CA | America/Los_Angeles
TAMPA       | 33602 | Tampa           | FL | America/New_York
ORLANDO     | 32801 | Orlando         | FL | America/New_York
RALEIGH     | 27601 | Raleigh         | NC | America/New_York
""")

# Drop-ship suppliers: apparel and home goods wholesalers (LA, New Jersey) first, then the
# furniture and flooring belts.
DROPSHIP_SITES: Final = _sites("""
LA          | 90021 | Los Angeles     | CA | America/Los_Angeles
SECAUCUS    | 07094 | Secaucus        | NJ | America/New_York
HIGHPOINT   | 27260 | High Point      | NC | America/New_York
GRANDRAPIDS | 49503 | Grand Rapids    | MI | America/Detroit
DALTON      | 30720 | Dalton          | GA | America/New_York
TUPELO      | 38801 | Tupelo          | MS | America/Chicago
""")

# Three-digit ZIP prefixes of the ~50 largest US metros. zipcodes carries no population, and
# ZIP density roughly tracks population, so drawing from these prefixes stands in for
# population weighting.
_METRO_ZIP_PREFIX_TEXT: Final = """
    100 101 102 103 104 110 111 112 113 114 116 070 071 072 073 074 075 076
    900 902 903 904 905 906 907 908 910 911 912 913 914 915 916 917 918 926 927 928
    600 601 602 603 604 605 606 607 608 750 751 752 753 760 761 770 771 772 773 774 775
    200 201 202 203 204 205 207 208 209 220 221 222 223 330 331 332 333 334 190 191
    300 301 302 303 850 851 852 853 021 022 023 024 940 941 945 946 947 948 922 923 924 925
    480 481 482 483 980 981 553 554 919 920 921 335 336 337 800 801 802 210 211 212 630 631
    327 328 280 281 282 780 781 782 970 971 972 956 957 958 150 151 152 889 890 891 786 787
    450 451 452 640 641 660 661 662 430 431 432 460 461 462 440 441 950 951 370 371 372
    233 234 235 028 029 320 321 322 530 531 532 275 276 730 731 380 381 230 231 232
    400 401 402 700 701 840 841 060 061 140 141 142 350 351 352
"""
_METRO_ZIP_PREFIXES: Final = frozenset(_METRO_ZIP_PREFIX_TEXT.split())

# Lower 48 plus DC: the area a single US ground network serves, and where every state has a
# holiday calendar in the ``holidays`` package.
_OUTSIDE_LOWER_48: Final = frozenset(
    {"AK", "HI", "PR", "VI", "GU", "AS", "MP", "FM", "MH", "PW", "AA", "AE", "AP"}
)

# Blackout dates are written out for these years; holidays are expanded by the loader.
CALENDAR_YEARS: Final = (2026, 2027)

# --------------------------------------------------------------------------------------------
# ZIP pool for networks larger than the curated lists
# --------------------------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "", text.upper())[:12] or "X"


# zipcodes ships no type hints; this pins down the shape of what we use.
_list_all_zips: Callable[[], list[dict[str, Any]]] = zipcodes.list_all


@lru_cache(maxsize=1)
def _zip_pool() -> tuple[tuple[Site, ...], tuple[Site, ...]]:
    """Active standard ZIPs in the lower 48 with a timezone: (big-metro ones, the rest).

    Sorted by ZIP so the draw depends only on the seed, not on the database's ordering.
    """
    metro: list[Site] = []
    rest: list[Site] = []
    for record in _list_all_zips():
        if (
            record.get("zip_code_type") != "STANDARD"
            or not record.get("active")
            or record.get("state") in _OUTSIDE_LOWER_48
            or not record.get("timezone")
        ):
            continue
        postal_code = str(record["zip_code"])
        city = str(record["city"])
        site = Site(
            code=f"{_slug(city)}-{postal_code}",
            postal_code=postal_code,
            city=city,
            state=str(record["state"]),
            timezone=str(record["timezone"]),
        )
        (metro if postal_code[:3] in _METRO_ZIP_PREFIXES else rest).append(site)
    metro.sort(key=lambda s: s.postal_code)
    rest.sort(key=lambda s: s.postal_code)
    return tuple(metro), tuple(rest)


def _pick_sites(
    rng: random.Random,
    curated: Sequence[Site],
    count: int,
    used: set[str],
    *,
    sample_curated: bool,
    metro_share: float,
) -> list[Site]:
    available = [site for site in curated if site.postal_code not in used]
    if sample_curated:
        chosen = rng.sample(available, min(count, len(available)))
    else:
        chosen = available[:count]
    used.update(site.postal_code for site in chosen)
    if len(chosen) < count:
        metro, rest = _zip_pool()
        if count - len(chosen) > len(metro) + len(rest) - len(used):
            raise ValueError(f"not enough distinct US ZIP codes for {count} nodes of one type")
        while len(chosen) < count:
            site = rng.choice(metro if rng.random() < metro_share else rest)
            if site.postal_code not in used:
                used.add(site.postal_code)
                chosen.append(site)
    return chosen


# --------------------------------------------------------------------------------------------
# Nodes
# --------------------------------------------------------------------------------------------


def _money(value: float) -> float:
    return round(value, 2)


def _thanksgiving(year: int) -> date:
    first = date(year, 11, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=3)


def _inventory_count_days(rng: random.Random) -> list[str]:
    """An annual physical count in the first half of January, on a weekday."""
    day_of_january = rng.randint(5, 16)
    days = []
    for year in CALENDAR_YEARS:
        day = date(year, 1, day_of_january)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        days.append(day.isoformat())
    return days


def _location(site: Site) -> dict[str, Any]:
    return {"postal_code": site.postal_code, "country": "US"}


def _node(
    *,
    node_id: str,
    name: str,
    node_type: str,
    site: Site,
    capabilities: list[str],
    per_shipment: float,
    per_unit: float,
    shipments_per_day: int,
    cutoff: str,
    calendar: dict[str, Any],
    priority: int,
    hazmat_capable: bool,
) -> dict[str, Any]:
    return {
        "id": node_id,
        "name": name,
        "type": node_type,
        "location": _location(site),
        "timezone": site.timezone,
        "enabled": True,
        "capabilities": capabilities,
        "handling": {"per_shipment": _money(per_shipment), "per_unit": _money(per_unit)},
        "capacity": {"shipments_per_day": shipments_per_day},
        "cutoff": cutoff,
        "calendar": calendar,
        "priority": priority,
        "hazmat_capable": hazmat_capable,
    }


def _warehouse(rng: random.Random, site: Site) -> dict[str, Any]:
    # Most DCs run Monday to Saturday; some are weekday-only.
    closed = ["sun"] if rng.random() < 0.5 else ["sat", "sun"]
    calendar: dict[str, Any] = {"closed_weekdays": closed}
    if rng.random() < 0.5:
        calendar["blackout_dates"] = _inventory_count_days(rng)
    calendar["holidays"] = {"country": "US", "subdivision": site.state}
    return _node(
        node_id=f"DC-{site.code}",
        name=f"{site.city} DC",
        node_type="warehouse",
        site=site,
        capabilities=["ship"],
        per_shipment=rng.uniform(2.30, 2.70),
        per_unit=rng.uniform(0.26, 0.34),
        shipments_per_day=rng.randrange(3000, 12001, 500),
        cutoff=rng.choice(("14:00", "15:00", "16:00", "17:00")),
        calendar=calendar,
        priority=rng.choice((10, 10, 20, 30)),
        hazmat_capable=rng.random() < 0.75,
    )


def _three_pl(rng: random.Random, site: Site) -> dict[str, Any]:
    calendar: dict[str, Any] = {"closed_weekdays": ["sat", "sun"]}
    if rng.random() < 0.3:
        calendar["blackout_dates"] = _inventory_count_days(rng)
    calendar["holidays"] = {"country": "US", "subdivision": site.state}
    return _node(
        node_id=f"3PL-{site.code}",
        name=f"{site.city} 3PL",
        node_type="3pl",
        site=site,
        capabilities=["ship"],
        per_shipment=rng.uniform(2.90, 3.40),
        per_unit=rng.uniform(0.38, 0.50),
        shipments_per_day=rng.randrange(1500, 5001, 250),
        cutoff=rng.choice(("13:00", "14:00", "15:00")),
        calendar=calendar,
        priority=rng.choice((40, 50, 60)),
        hazmat_capable=rng.random() < 0.5,
    )


def _store(rng: random.Random, site: Site) -> dict[str, Any]:
    # Stores trade seven days a week; the federal holiday list (Columbus Day, Veterans Day...)
    # would close them on days they are open, so only the two big closures are blacked out.
    blackouts = sorted(
        d.isoformat() for year in CALENDAR_YEARS for d in (_thanksgiving(year), date(year, 12, 25))
    )
    return _node(
        node_id=f"ST-{site.code}",
        name=f"{site.city} store",
        node_type="store",
        site=site,
        capabilities=["ship", "pickup"],
        per_shipment=rng.uniform(3.75, 4.50),
        per_unit=rng.uniform(0.65, 0.90),
        shipments_per_day=rng.randrange(40, 121, 10),
        cutoff=rng.choice(("15:00", "16:00")),
        calendar={"closed_weekdays": [], "blackout_dates": blackouts},
        priority=150,
        hazmat_capable=False,
    )


def _dropship(rng: random.Random, site: Site) -> dict[str, Any]:
    return _node(
        node_id=f"DS-{site.code}",
        name=f"{site.city} drop-ship supplier",
        node_type="dropship",
        site=site,
        capabilities=["ship"],
        per_shipment=rng.uniform(4.50, 6.50),
        per_unit=rng.uniform(0.50, 1.00),
        shipments_per_day=rng.randrange(150, 601, 50),
        # Suppliers pick from order feeds in batches, so they need the order by midday.
        cutoff="12:00",
        calendar={
            "closed_weekdays": ["sat", "sun"],
            "holidays": {"country": "US", "subdivision": site.state},
        },
        priority=200,
        hazmat_capable=False,
    )


# --------------------------------------------------------------------------------------------
# SKUs and bundles
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Product:
    code: str
    name: str
    category: str
    weight_lb: tuple[float, float]
    # Packed density in lb per cubic inch. Below 1/139 (the common DIM divisor) the carton's
    # dimensional weight beats its actual weight, as with pillows, lamps and coolers.
    density: float
    shape: tuple[float, float, float]  # relative length : width : height
    price: tuple[float, float]
    share: float  # relative frequency in the catalogue
    hazmat: bool
    ship_alone: bool
    variants: tuple[str, ...]


def _pair(text: str, sep: str = "-") -> tuple[float, float]:
    low, high = (float(part) for part in text.split(sep))
    return low, high


def _triple(text: str) -> tuple[float, float, float]:
    a, b, c = (float(part) for part in text.split("x"))
    return a, b, c


_MARGINS: Final[Mapping[str, tuple[float, float]]] = {
    "apparel": (0.55, 0.70),
    "home": (0.45, 0.62),
    "kitchen": (0.40, 0.58),
    "electronics": (0.22, 0.38),
    "outdoor": (0.40, 0.55),
    "furniture": (0.45, 0.60),
}

# Variant codes per product (id stem): colours, sizes, capacities as a shopper sees them.
_VARIANTS: Final[Mapping[str, str]] = {
    "TEE": "BLACK-S BLACK-M BLACK-L WHITE-S WHITE-M WHITE-L NAVY-M NAVY-L OLIVE-M GREY-XL",
    "HOODIE": "BLACK-M BLACK-L GREY-S GREY-M GREY-L NAVY-M NAVY-XL",
    "JEANS": "INDIGO-30 INDIGO-32 INDIGO-34 BLACK-32 BLACK-34",
    "SOCKS": "BLACK WHITE GREY",
    "JACKET": "BLACK-S BLACK-M BLACK-L NAVY-M OLIVE-L",
    "BOOTS": "BROWN-9 BROWN-10 BROWN-11 BLACK-10",
    "SNEAKER": "WHITE-9 WHITE-10 BLACK-9 BLACK-10 BLUE-11",
    "CAP": "BLACK WHITE NAVY OLIVE RED SAND",
    "PILLOW": "STANDARD QUEEN KING",
    "COMFORTER": "TWIN QUEEN KING",
    "SHEETS": "WHITE-QUEEN WHITE-KING GREY-QUEEN SAGE-QUEEN",
    "TOWEL": "WHITE GREY NAVY SAGE SAND",
    "LAMP": "WHITE SAGE SAND BLACK",
    "RUG": "5X8-IVORY 5X8-GREY 8X10-IVORY 8X10-NAVY",
    "FRAME": "BLACK WHITE OAK WALNUT BRASS",
    "CANDLE": "CEDAR FIG LINEN AMBER",
    "BASKET": "NATURAL GREY BLACK",
    "MUG": "BLACK WHITE NAVY OLIVE GREY RED SAGE SAND",
    "SKILLET": "8IN 10IN 12IN",
    "KNIFE": "6IN 8IN 10IN",
    "DUTCHOVEN": "RED NAVY SAGE WHITE",
    "KETTLE": "STEEL BLACK WHITE",
    "BLENDER": "BLACK STEEL RED",
    "GLASSES": "CLEAR SMOKE AMBER",
    "BOARD": "SMALL LARGE",
    "COFFEE": "HOUSE DECAF ESPRESSO ETHIOPIA",
    "EARBUDS": "BLACK WHITE",
    "CABLE": "1M 2M 3M",
    "SPEAKER": "BLACK BLUE RED",
    "MONITOR": "QHD UHD",
    "KEYBOARD": "TKL FULL",
    "ROUTER": "AX3000 AX5400",
    "PWRBANK": "10K 20K",
    "BATT": "AA AAA",
    "TENT": "1P 2P 3P",
    "SLEEPBAG": "30F 15F",
    "LANTERN": "GREEN ORANGE",
    "BOTTLE": "BLACK WHITE NAVY OLIVE SAGE",
    "COOLER": "45QT 65QT",
    "CAMPCHAIR": "GREEN NAVY GREY",
    "FUEL": "4PK",
    "BUGSPRAY": "6OZ",
    "BOOKCASE": "OAK WALNUT WHITE",
    "DESK": "OAK WALNUT",
    "ARMCHAIR": "GREY SAGE SAND",
    "OFFICECHAIR": "BLACK GREY",
}

# Hazmat goods (lithium cells, aerosols, fuel) are rare, about 2% of a catalogue.
_HAZMAT_PRODUCTS: Final = frozenset({"PWRBANK", "BATT", "FUEL", "BUGSPRAY"})
# Furniture ships in its own carton, never consolidated with other lines.
_SHIP_ALONE_PRODUCTS: Final = frozenset({"BOOKCASE", "DESK", "ARMCHAIR", "OFFICECHAIR"})

# Per category: code | name | weight lb | packed lb/in3 | shape | price $ | catalogue share
_PRODUCT_TABLES: Final[Mapping[str, str]] = {
    "apparel": """
TEE         | Cotton crew tee              | 0.3-0.5   | 0.009  | 11x9x1.5  | 14-29   | 2.0
HOODIE      | Fleece hoodie                | 1.0-1.6   | 0.008  | 13x11x3   | 39-79   | 1.0
JEANS       | Slim denim jeans             | 1.2-1.8   | 0.010  | 14x10x2.5 | 49-98   | 1.0
SOCKS       | Crew socks 6-pack            | 0.3-0.6   | 0.010  | 9x6x2     | 12-24   | 1.0
JACKET      | Packable down jacket         | 0.8-1.6   | 0.004  | 14x12x4   | 89-199  | 1.0
BOOTS       | Leather hiking boots         | 3.0-4.5   | 0.007  | 14x10x6   | 119-199 | 1.0
SNEAKER     | Running sneakers             | 1.8-2.6   | 0.006  | 13x8x5    | 69-139  | 1.0
CAP         | Baseball cap                 | 0.2-0.35  | 0.0015 | 10x8x6    | 18-32   | 1.0
""",
    "home": """
PILLOW      | Down-alternative pillow      | 1.5-3.0   | 0.0012 | 26x20x8   | 29-69   | 1.0
COMFORTER   | Quilted comforter            | 4.0-8.0   | 0.0018 | 24x20x10  | 79-179  | 1.0
SHEETS      | Percale sheet set            | 2.5-4.0   | 0.008  | 14x12x4   | 49-129  | 1.0
TOWEL       | Bath towel set               | 2.0-4.0   | 0.006  | 14x12x6   | 29-69   | 1.0
LAMP        | Ceramic table lamp           | 4.0-9.0   | 0.0025 | 16x16x24  | 49-149  | 1.0
RUG         | Woven area rug               | 10.0-28.0 | 0.008  | 62x9x9    | 129-399 | 0.6
FRAME       | Picture frame                | 1.0-3.0   | 0.010  | 14x11x2   | 14-39   | 1.0
CANDLE      | Soy wax candle               | 0.8-1.6   | 0.020  | 5x5x5     | 16-36   | 1.0
BASKET      | Woven storage basket         | 1.0-2.5   | 0.0015 | 16x12x10  | 24-49   | 1.0
""",
    "kitchen": """
MUG         | Stoneware mug                | 0.9-1.3   | 0.011  | 5x5x6     | 12-22   | 1.5
SKILLET     | Cast-iron skillet            | 5.0-8.5   | 0.035  | 18x11x3   | 29-79   | 1.0
KNIFE       | Chef's knife                 | 0.6-1.1   | 0.012  | 15x4x2    | 39-149  | 1.0
DUTCHOVEN   | Enamelled Dutch oven         | 11.0-16.0 | 0.025  | 14x12x8   | 99-299  | 0.6
KETTLE      | Electric kettle              | 2.5-3.5   | 0.005  | 10x8x11   | 39-89   | 1.0
BLENDER     | High-speed blender           | 8.0-12.0  | 0.006  | 10x10x18  | 99-399  | 1.0
GLASSES     | Tumbler glasses 4-pack       | 2.0-3.5   | 0.007  | 12x9x6    | 19-39   | 1.0
BOARD       | Maple cutting board          | 2.0-5.0   | 0.020  | 18x12x1.5 | 29-79   | 1.0
COFFEE      | Whole bean coffee 2 lb       | 2.0-2.2   | 0.020  | 10x6x4    | 18-29   | 1.0
""",
    "electronics": """
EARBUDS     | Wireless earbuds             | 0.2-0.4   | 0.008  | 5x4x2     | 49-199  | 1.0
CABLE       | USB-C cable                  | 0.2-0.3   | 0.006  | 7x4x1     | 9-19    | 1.0
SPEAKER     | Bluetooth speaker            | 1.0-3.5   | 0.010  | 9x5x5     | 39-149  | 1.0
MONITOR     | 27-inch monitor              | 12.0-18.0 | 0.0045 | 28x8x19   | 199-449 | 0.6
KEYBOARD    | Mechanical keyboard          | 1.8-3.0   | 0.006  | 18x7x2.5  | 59-169  | 1.0
ROUTER      | Wi-Fi router                 | 1.5-3.0   | 0.005  | 11x9x4    | 79-249  | 1.0
PWRBANK     | Lithium power bank           | 0.5-1.1   | 0.015  | 6x3x1.5   | 29-69   | 0.25
BATT        | Lithium AA batteries 12-pack | 0.4-0.6   | 0.015  | 6x4x1.5   | 16-26   | 0.2
""",
    "outdoor": """
TENT        | Backpacking tent             | 4.0-7.0   | 0.004  | 20x8x8    | 149-399 | 1.0
SLEEPBAG    | Synthetic sleeping bag       | 2.5-4.5   | 0.003  | 16x10x10  | 69-179  | 1.0
LANTERN     | LED camp lantern             | 0.8-1.5   | 0.006  | 7x5x5     | 19-49   | 1.0
BOTTLE      | Insulated water bottle       | 0.8-1.2   | 0.008  | 11x4x4    | 24-44   | 1.0
COOLER      | Hard-sided cooler            | 15.0-28.0 | 0.0018 | 26x17x17  | 149-349 | 0.6
CAMPCHAIR   | Folding camp chair           | 5.0-9.0   | 0.004  | 36x8x8    | 39-99   | 1.0
FUEL        | Butane fuel canister 4-pack  | 1.8-2.4   | 0.020  | 8x8x5     | 19-29   | 0.2
BUGSPRAY    | Insect repellent aerosol     | 0.5-0.8   | 0.015  | 8x3x3     | 8-14    | 0.2
""",
    "furniture": """
BOOKCASE    | Flat-pack bookcase           | 24.0-30.0 | 0.012  | 48x13x4   | 149-349 | 0.15
DESK        | Writing desk                 | 24.0-30.0 | 0.006  | 46x24x6   | 179-399 | 0.15
ARMCHAIR    | Upholstered accent chair     | 20.0-30.0 | 0.002  | 32x30x24  | 199-499 | 0.15
OFFICECHAIR | Ergonomic office chair       | 22.0-30.0 | 0.003  | 28x26x14  | 249-599 | 0.15
""",
}


def _products(tables: Mapping[str, str]) -> tuple[_Product, ...]:
    products = []
    for category, table in tables.items():
        for line in table.strip().splitlines():
            code, name, weight, density, shape, price, share = (
                part.strip() for part in line.split("|")
            )
            products.append(
                _Product(
                    code=code,
                    name=name,
                    category=category,
                    weight_lb=_pair(weight),
                    density=float(density),
                    shape=_triple(shape),
                    price=_pair(price),
                    share=float(share),
                    hazmat=code in _HAZMAT_PRODUCTS,
                    ship_alone=code in _SHIP_ALONE_PRODUCTS,
                    variants=tuple(_VARIANTS[code].split()),
                )
            )
    return tuple(products)


_PRODUCTS: Final = _products(_PRODUCT_TABLES)


# Fixed, memorable SKUs at the head of every catalogue (its best sellers), so docs, examples
# and the demo bundles can name them whatever the seed.
# Per category, in popularity order: id | name | weight lb | dims in | unit cost $ | price $
_ANCHOR_TABLES: Final[Mapping[str, str]] = {
    "kitchen": """
MUG-BLUE         | Blue stoneware mug            | 1.1  | 5x5x6    | 4.20   | 16.00
MUG-WHITE        | White stoneware mug           | 1.1  | 5x5x6    | 4.20   | 16.00
KETTLE-GOOSENECK | Gooseneck pour-over kettle    | 2.9  | 12x8x10  | 22.00  | 69.00
GRINDER-BURR     | Conical burr coffee grinder   | 4.4  | 10x7x14  | 38.00  | 129.00
COFFEE-BEANS-2LB | Whole bean coffee 2 lb        | 2.1  | 10x6x4   | 9.50   | 24.99
SKILLET-CI-12    | 12-inch cast-iron skillet     | 8.0  | 19x12x3  | 14.00  | 44.99
""",
    "apparel": """
TEE-BLACK-M      | Cotton crew tee - black m     | 0.4  | 11x9x1.5 | 6.10   | 19.99
TEE-WHITE-M      | Cotton crew tee - white m     | 0.4  | 11x9x1.5 | 6.10   | 19.99
TEE-NAVY-M       | Cotton crew tee - navy m      | 0.4  | 11x9x1.5 | 6.10   | 19.99
""",
    "electronics": """
HEADPHONES-BT    | Bluetooth over-ear headphones | 0.9  | 9x8x4    | 48.00  | 149.00
CABLE-USBC       | USB-C cable 1 m               | 0.2  | 7x4x1    | 1.80   | 12.99
CHARGER-USBC     | USB-C wall charger 30 W       | 0.4  | 4x3x2    | 6.50   | 24.99
BATT-AA-LI-12    | Lithium AA batteries 12-pack  | 0.5  | 6x4x1.5  | 7.50   | 21.99
""",
    "home": """
LAMP-DESK        | LED desk lamp                 | 3.2  | 18x8x6   | 14.50  | 44.99
ORGANIZER-DESK   | Bamboo desk organizer         | 1.8  | 12x6x5   | 7.00   | 24.99
PILLOW-KING      | King down-alternative pillow  | 2.6  | 28x20x8  | 11.00  | 39.99
COMFORTER-QUEEN  | Queen quilted comforter       | 6.5  | 24x20x10 | 38.00  | 129.00
SHEETS-QUEEN     | Queen percale sheet set       | 3.4  | 14x12x4  | 21.00  | 79.00
RUG-5X8          | Woven area rug 5x8            | 22.0 | 62x9x9   | 60.00  | 229.00
""",
    "outdoor": """
TENT-2P          | Two-person backpacking tent   | 4.8  | 20x8x8   | 88.00  | 249.00
SLEEPBAG-30F     | 30F synthetic sleeping bag    | 3.1  | 16x10x10 | 35.00  | 119.00
LANTERN-LED      | LED camp lantern              | 1.2  | 7x5x5    | 9.00   | 29.99
SPRAY-SUNSCREEN  | Sunscreen spray SPF 50        | 0.6  | 8x3x3    | 3.20   | 11.99
""",
    "furniture": """
CHAIR-ACCENT     | Upholstered accent chair      | 28.0 | 32x30x24 | 160.0  | 399.00
BOOKCASE-5S      | Five-shelf bookcase           | 29.5 | 48x13x4  | 70.00  | 189.00
""",
}
_HAZMAT_ANCHORS: Final = frozenset({"BATT-AA-LI-12", "SPRAY-SUNSCREEN"})
_SHIP_ALONE_ANCHORS: Final = frozenset({"CHAIR-ACCENT", "BOOKCASE-5S"})


def _anchors(tables: Mapping[str, str]) -> tuple[tuple[dict[str, Any], str], ...]:
    anchors = []
    for category, table in tables.items():
        for line in table.strip().splitlines():
            sku_id, name, weight, dims, cost, price = (part.strip() for part in line.split("|"))
            sku: dict[str, Any] = {
                "id": sku_id,
                "name": name,
                "weight_lb": float(weight),
                "dims_in": list(_triple(dims)),
                "unit_cost": float(cost),
                "price": float(price),
                "hazmat": sku_id in _HAZMAT_ANCHORS,
                "ship_alone": sku_id in _SHIP_ALONE_ANCHORS,
            }
            anchors.append((sku, category))
    return tuple(anchors)


_ANCHOR_SKUS: Final = _anchors(_ANCHOR_TABLES)

ANCHOR_SKU_IDS: Final = tuple(str(sku["id"]) for sku, _ in _ANCHOR_SKUS)

# Kits over the anchor SKUs: (id, price, ((sku, quantity), ...)).
_ANCHOR_BUNDLES: Final = (
    ("KIT-POUR-OVER", 199.00, (("KETTLE-GOOSENECK", 1), ("GRINDER-BURR", 1), ("MUG-BLUE", 2))),
    ("KIT-CAMP-2P", 379.00, (("TENT-2P", 1), ("SLEEPBAG-30F", 2), ("LANTERN-LED", 1))),
    ("KIT-DESK", 79.00, (("LAMP-DESK", 1), ("ORGANIZER-DESK", 1), ("MUG-WHITE", 1))),
    ("KIT-BED-QUEEN", 249.00, (("PILLOW-KING", 2), ("COMFORTER-QUEEN", 1), ("SHEETS-QUEEN", 1))),
    ("KIT-TEE-3PK", 49.00, (("TEE-BLACK-M", 1), ("TEE-WHITE-M", 1), ("TEE-NAVY-M", 1))),
    ("KIT-AUDIO", 169.00, (("HEADPHONES-BT", 1), ("CABLE-USBC", 2), ("CHARGER-USBC", 1))),
)


def _retail_price(rng: random.Random, low: float, high: float) -> float:
    # Log-uniform so cheap and dear items are equally represented, then charm-priced (.99).
    raw = low * math.pow(high / low, rng.random())
    return _charm(raw)


def _charm(amount: float) -> float:
    return round(math.floor(amount) + 0.99, 2)


def _dims(rng: random.Random, product: _Product, weight_lb: float) -> list[float]:
    volume = weight_lb / product.density * rng.uniform(0.85, 1.15)
    length, width, height = product.shape
    scale = (volume / (length * width * height)) ** (1 / 3)
    return [max(1.0, round(side * scale * 2) / 2) for side in (length, width, height)]


def _generated_sku(rng: random.Random, product: _Product, serial: str) -> dict[str, Any]:
    low, high = product.weight_lb
    # Skewed toward the light end of the range: most variants are the small ones.
    weight = round(min(30.0, max(0.2, low * (high / low) ** (rng.random() ** 1.5))), 1)
    price = _retail_price(rng, *product.price)
    margin = rng.uniform(*_MARGINS[product.category])
    variant = rng.choice(product.variants)
    return {
        "id": f"{product.code}-{variant}-{serial}",
        "name": f"{product.name} - {variant.replace('-', ' ').lower()}",
        "weight_lb": weight,
        "dims_in": _dims(rng, product, weight),
        "unit_cost": _money(price * (1 - margin)),
        "price": price,
        "hazmat": product.hazmat,
        "ship_alone": product.ship_alone,
    }


def _generate_skus(rng: random.Random, count: int) -> tuple[list[dict[str, Any]], list[str]]:
    """The catalogue, most popular first, and each SKU's category (a parallel list)."""
    skus = [dict(sku) for sku, _ in _ANCHOR_SKUS]
    categories = [category for _, category in _ANCHOR_SKUS]
    width = max(4, len(str(count)))
    shares = [product.share for product in _PRODUCTS]
    for index in range(len(skus), count):
        (product,) = rng.choices(_PRODUCTS, weights=shares)
        skus.append(_generated_sku(rng, product, f"{index:0{width}d}"))
        categories.append(product.category)
    return skus, categories


def _generate_bundles(
    rng: random.Random, count: int, skus: Sequence[Mapping[str, Any]], categories: Sequence[str]
) -> list[dict[str, Any]]:
    bundles: list[dict[str, Any]] = [
        {
            "id": bundle_id,
            "components": [{"sku": sku, "quantity": quantity} for sku, quantity in components],
            "price": price,
        }
        for bundle_id, price, components in _ANCHOR_BUNDLES[:count]
    ]
    # Beyond the fixed kits: same-category kits of ordinary (parcel-safe) generated SKUs.
    by_category: dict[str, list[int]] = {}
    for index in range(len(_ANCHOR_SKUS), len(skus)):
        sku = skus[index]
        if not sku["hazmat"] and not sku["ship_alone"]:
            by_category.setdefault(categories[index], []).append(index)
    pools = [indexes for _, indexes in sorted(by_category.items()) if len(indexes) >= 4]
    serial = 1
    while len(bundles) < count:
        if not pools:
            raise ValueError("not enough SKUs to build the requested number of bundles")
        members = sorted(rng.sample(rng.choice(pools), rng.randint(2, 4)))
        components = [{"sku": skus[i]["id"], "quantity": rng.choice((1, 1, 2))} for i in members]
        # Kits sell at roughly a tenth off the sum of their parts.
        total = sum(
            float(skus[i]["price"]) * int(c["quantity"])
            for i, c in zip(members, components, strict=True)
        )
        bundles.append(
            {
                "id": f"KIT-{serial:03d}",
                "components": components,
                "price": _charm(total * 0.9),
            }
        )
        serial += 1
    return bundles


# --------------------------------------------------------------------------------------------
# Shipping, service levels, channels
# --------------------------------------------------------------------------------------------

# US parcel zones by great-circle miles, as carriers publish them.
_ZONES: Final = ((1, 50), (2, 150), (3, 300), (4, 600), (5, 1000), (6, 1400), (7, 1800), (8, None))
_ZONE_IDS: Final = tuple(zone for zone, _ in _ZONES)

_GROUND_TRANSIT: Final = (1, 1, 2, 2, 3, 4, 5, 5)
_GROUND_BASE: Final = (9.00, 9.45, 10.05, 10.70, 11.40, 12.20, 13.05, 14.00)
_GROUND_PER_LB: Final = (0.45, 0.55, 0.70, 0.90, 1.15, 1.40, 1.65, 1.90)


def _linear(low: float, high: float) -> tuple[float, ...]:
    step = (high - low) / (len(_ZONE_IDS) - 1)
    return tuple(low + step * i for i in range(len(_ZONE_IDS)))


def _service(
    rng: random.Random,
    service_id: str,
    carrier: str,
    transit: Sequence[int],
    base: Sequence[float],
    per_lb: Sequence[float],
) -> dict[str, Any]:
    # A shipper's negotiated discount off the published rates differs per account.
    discount = rng.uniform(0.0, 0.10)
    return {
        "id": service_id,
        "carrier": carrier,
        "transit_days": dict(zip(_ZONE_IDS, transit, strict=True)),
        "rates": {
            zone: {"base": _money(b * (1 - discount)), "per_lb": _money(p * (1 - discount))}
            for zone, b, p in zip(_ZONE_IDS, base, per_lb, strict=True)
        },
    }


def _shipping(rng: random.Random) -> dict[str, Any]:
    zones: list[dict[str, Any]] = [
        {"zone": zone} if max_miles is None else {"zone": zone, "max_miles": max_miles}
        for zone, max_miles in _ZONES
    ]
    return {
        "zones": zones,
        "services": [
            _service(rng, "ground", "UPS", _GROUND_TRANSIT, _GROUND_BASE, _GROUND_PER_LB),
            _service(rng, "two_day", "UPS", (2,) * 8, _linear(18.0, 30.0), _linear(1.60, 3.40)),
            _service(rng, "overnight", "FedEx", (1,) * 8, _linear(30.0, 60.0), _linear(2.80, 5.60)),
        ],
    }


def _channels(has_stores: bool) -> list[dict[str, Any]]:
    def buffer(default: int, store: int, skus: dict[str, int] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = {"default": default}
        if has_stores:
            result["node_types"] = {"store": store}
        if skus:
            result["skus"] = skus
        return result

    return [
        {"id": "web", "service_level": "standard", "buffer": buffer(0, 1)},
        # Marketplaces penalise cancellations, so they see less stock than our own site.
        {
            "id": "amazon",
            "service_level": "standard",
            "buffer": buffer(2, 3, {"HEADPHONES-BT": 5}),
        },
        {"id": "b2b", "service_level": "standard", "buffer": {"default": 0}},
        {"id": "shopify", "service_level": "expedited", "buffer": buffer(0, 1)},
    ]


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate_network(
    seed: int,
    *,
    warehouses: int = 6,
    three_pls: int = 3,
    stores: int = 20,
    dropship: int = 2,
    skus: int = 520,
    bundles: int = 6,
    name: str | None = None,
) -> dict[str, Any]:
    """A network document (docs/formats/network.md) for ``seed``, as plain JSON-able data.

    The first ``len(ANCHOR_SKU_IDS)`` SKUs are fixed, memorable ones (``MUG-BLUE``...), so
    ``skus`` must be at least that many.
    """
    counts = {
        "warehouses": warehouses,
        "three_pls": three_pls,
        "stores": stores,
        "dropship": dropship,
        "bundles": bundles,
    }
    for label, value in counts.items():
        if value < 0:
            raise ValueError(f"{label} must be >= 0, got {value}")
    if skus < len(_ANCHOR_SKUS):
        raise ValueError(f"skus must be >= {len(_ANCHOR_SKUS)}, got {skus}")

    rng = random.Random(seed)
    used: set[str] = set()
    # Fulfilment centres sit in industrial areas; drawing them anywhere in the lower 48 is
    # closer to reality than metro centres.
    warehouse_sites = _pick_sites(
        rng, WAREHOUSE_SITES, warehouses, used, sample_curated=False, metro_share=0.5
    )
    three_pl_sites = _pick_sites(
        rng, THREE_PL_SITES, three_pls, used, sample_curated=False, metro_share=0.5
    )
    store_sites = _pick_sites(rng, STORE_SITES, stores, used, sample_curated=True, metro_share=0.85)
    dropship_sites = _pick_sites(
        rng, DROPSHIP_SITES, dropship, used, sample_curated=False, metro_share=0.5
    )

    nodes = (
        [_warehouse(rng, site) for site in warehouse_sites]
        + [_three_pl(rng, site) for site in three_pl_sites]
        + [_store(rng, site) for site in store_sites]
        + [_dropship(rng, site) for site in dropship_sites]
    )
    catalogue, categories = _generate_skus(rng, skus)
    kits = _generate_bundles(rng, bundles, catalogue, categories)
    shipping = _shipping(rng)

    return {
        "name": name if name is not None else f"generated-{seed}",
        "currency": "USD",
        "co2e": {"g_per_tonne_km": 105, "road_circuity": 1.2, "last_mile_g_per_parcel": 180},
        "service_levels": {"standard": 5, "expedited": 2, "next_day": 1},
        "shipping": shipping,
        "nodes": nodes,
        "skus": catalogue,
        "bundles": kits,
        "channels": _channels(has_stores=stores > 0),
    }


class InventoryRow(TypedDict):
    node: str
    sku: str
    on_hand: int
    safety_stock: int


def _popularity(rank: int) -> float:
    """Zipf-like demand share of the SKU at ``rank`` (0 = best seller), 1.0 at the top."""
    return 1.0 / (rank + 1)


def _is_dropship_goods(sku: Mapping[str, Any]) -> bool:
    # Furniture and other heavy, bulky goods are what suppliers ship direct.
    return bool(sku.get("ship_alone")) or float(sku["weight_lb"]) >= 12.0


def generate_inventory(
    document: Mapping[str, Any],
    seed: int,
    *,
    warehouse_coverage: float = 0.92,
    three_pl_coverage: float = 0.65,
    store_assortment: int = 200,
) -> list[InventoryRow]:
    """On-hand stock for every node of ``document``, in node then SKU order.

    SKU popularity follows catalogue order (the generator puts best sellers first): DCs stock
    most SKUs deeply, 3PLs a subset, stores a few units of the popular SKUs they can sell
    over the counter, and drop-ship suppliers deep stock of their own slice of bulky goods.
    """
    rng = random.Random(seed)
    skus: list[Mapping[str, Any]] = list(document["skus"])
    nodes: list[Mapping[str, Any]] = list(document["nodes"])
    suppliers = [node for node in nodes if node["type"] == "dropship"]

    # Each supplier carries its own slice of the bulky goods; ship-alone furniture is only
    # available from suppliers when there are any.
    bulky = [rank for rank, sku in enumerate(skus) if _is_dropship_goods(sku)]
    rng.shuffle(bulky)
    slices: dict[str, set[int]] = {str(node["id"]): set() for node in suppliers}
    for position, rank in enumerate(bulky):
        if suppliers:
            slices[str(suppliers[position % len(suppliers)]["id"])].add(rank)
    supplier_only = {rank for rank in bulky if suppliers and skus[rank].get("ship_alone")}

    store_range = min(len(skus), store_assortment)
    rows: list[InventoryRow] = []
    for node in nodes:
        node_id = str(node["id"])
        node_type = node["type"]
        if node_type == "dropship":
            for rank in sorted(slices[node_id]):
                rows.append(_row(node_id, skus[rank], rng.randint(40, 400), 0))
        elif node_type == "store":
            for rank in range(store_range):
                sku = skus[rank]
                if _is_dropship_goods(sku):
                    continue
                share = _popularity(rank)
                if rng.random() > max(0.2, share**0.25):
                    continue
                mean = 1.0 + 4.5 * share**0.3
                on_hand = min(6, max(0, round(rng.gauss(mean, 1.2))))
                safety = 1 if rng.random() < 0.3 else 0
                rows.append(_row(node_id, sku, on_hand, safety))
        else:
            is_dc = node_type == "warehouse"
            coverage = warehouse_coverage if is_dc else three_pl_coverage
            depth = 1.0 if is_dc else 0.5
            for rank, sku in enumerate(skus):
                if rank in supplier_only:
                    continue
                share = _popularity(rank)
                if rank >= 50 and rng.random() > coverage:
                    continue
                units = depth * rng.uniform(0.6, 1.4) * (40 + 2400 * share**0.5)
                # A few positions are stocked out: the slot exists, the shelf is empty.
                on_hand = 0 if rng.random() < 0.02 else round(units)
                safety = 5 if is_dc and rank < 50 else 0
                rows.append(_row(node_id, sku, on_hand, safety))
    return rows


def _row(node_id: str, sku: Mapping[str, Any], on_hand: int, safety_stock: int) -> InventoryRow:
    return {
        "node": node_id,
        "sku": str(sku["id"]),
        "on_hand": on_hand,
        "safety_stock": safety_stock,
    }
