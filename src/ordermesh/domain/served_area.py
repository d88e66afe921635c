"""Where the network delivers: the destinations an order may be sent to.

A network's carrier zones are distance bands whose last band is open-ended, so every point
on Earth gets *a* zone, the South Pole included: a zone alone cannot say "we do not go
there". ordermesh therefore takes the served area from the nodes that ship:

- the **served countries** are the countries of the nodes that can ship (enabled or not: a
  node closed for a day does not shrink the map). A destination that names another country
  is refused, naming ``ship_to.country``. A network none of whose shipping nodes names a
  country has no country rule.
- a destination **has a zone** when it lies within ``REACH_MILES`` great-circle miles of at
  least one shipping node. Farther than that is across an ocean from every node (a US
  network reaches Hawaii, Alaska and Puerto Rico from its western or southern nodes, not
  Europe or Antarctica), so the point is refused, naming ``ship_to.lat``.

A pickup order goes to its node's own location, which is served by definition.
"""

from __future__ import annotations

from ordermesh.domain.distance import great_circle_miles
from ordermesh.domain.errors import Problem
from ordermesh.domain.model import Capability, Location, Node
from ordermesh.domain.network import Network

REACH_MILES = 3000.0


def shipping_nodes(network: Network) -> list[Node]:
    return [node for node in network.nodes.values() if node.can(Capability.SHIP)]


def served_countries(network: Network) -> frozenset[str]:
    """The ISO country codes of the nodes that ship, upper case."""
    return frozenset(
        node.location.country.upper() for node in shipping_nodes(network) if node.location.country
    )


def destination_problems(destination: Location, network: Network) -> list[Problem]:
    """Why the network cannot deliver to ``destination`` (nothing when it can)."""
    problems: list[Problem] = []
    countries = served_countries(network)
    country = (destination.country or "").upper()
    if country and countries and country not in countries:
        problems.append(
            Problem(
                "ship_to.country",
                f"{country!r} is not served: the network ships to {', '.join(sorted(countries))}",
            )
        )
    nodes = shipping_nodes(network)
    if nodes:
        nearest = min(nodes, key=lambda node: great_circle_miles(node.location, destination))
        miles = great_circle_miles(nearest.location, destination)
        if miles > REACH_MILES:
            problems.append(
                Problem(
                    "ship_to.lat",
                    f"({destination.lat:g}, {destination.lon:g}) is in no served zone: "
                    f"{miles:,.0f} miles from the nearest shipping node {nearest.id}, "
                    f"the network ships up to {REACH_MILES:,.0f}",
                )
            )
    return problems
