"""A US map drawn on the server as SVG: the states, the network's nodes, the customer and
the parcels of the chosen plan. No script and no tile server: the page shows it offline.

The states come from us-atlas's ``states-albers-10m.json`` (vendored, see VERSIONS), which
is already projected with d3's Albers USA at scale 1300 into a 975 x 610 frame; points are
projected here with the same conic equal-area projection of the lower 48 states. Points
outside the lower 48 (Alaska, Hawaii, abroad) are listed beside the map rather than drawn at
a wrong place.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from ordermesh.domain.model import Location
from ordermesh.domain.network import Network

WIDTH, HEIGHT = 975, 610

# d3.geoAlbersUsa's lower-48 projection: conic equal area, parallels 29.5 and 45.5,
# rotated 96 degrees, centred at (-0.6, 38.7) of the rotated frame, scale 1300.
_PHI0, _PHI1 = math.radians(29.5), math.radians(45.5)
_N = (math.sin(_PHI0) + math.sin(_PHI1)) / 2
_C = 1 + math.sin(_PHI0) * (2 * _N - math.sin(_PHI0))
_R0 = math.sqrt(_C) / _N
_SCALE = 1300.0
_TRANSLATE = (487.5, 305.0)


def _raw(lon_deg: float, lat_deg: float) -> tuple[float, float]:
    lam, phi = math.radians(lon_deg), math.radians(lat_deg)
    r = math.sqrt(max(_C - 2 * _N * math.sin(phi), 0.0)) / _N
    return r * math.sin(lam * _N), _R0 - r * math.cos(lam * _N)


_CENTER = _raw(-0.6, 38.7)


def project(location: Location) -> tuple[float, float] | None:
    """Map coordinates of a point of the lower 48 states; None elsewhere."""
    if not (24.0 <= location.lat <= 50.0 and -125.0 <= location.lon <= -66.0):
        return None
    x, y = _raw(location.lon + 96.0, location.lat)
    return (
        _TRANSLATE[0] + _SCALE * (x - _CENTER[0]),
        _TRANSLATE[1] - _SCALE * (y - _CENTER[1]),
    )


@cache
def states_path() -> str:
    """One SVG path of every state's outline, decoded once from the TopoJSON."""
    source = resources.files("ordermesh.entrypoints.console").joinpath(
        "static/vendor/us-atlas/states-albers-10m.json"
    )
    topology = json.loads(source.read_text(encoding="utf-8"))
    arcs = _decoded_arcs(topology)
    parts: list[str] = []
    for geometry in topology["objects"]["states"]["geometries"]:
        polygons = geometry["arcs"] if geometry["type"] == "MultiPolygon" else [geometry["arcs"]]
        for polygon in polygons:
            for ring in polygon:
                points = _ring(arcs, ring)
                parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in points) + "Z")
    return "".join(parts)


def _decoded_arcs(topology: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        decoded.append(points)
    return decoded


Point = tuple[float, float]


def _ring(arcs: Sequence[list[Point]], indices: Sequence[int]) -> list[Point]:
    points: list[Point] = []
    for index in indices:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


@dataclass(frozen=True, slots=True)
class Marker:
    label: str
    kind: str  # customer, chosen, candidate, removed; on the nodes map enabled, disabled
    at: tuple[float, float] | None
    title: str | None = None  # the tooltip after the label; the kind when None


def network_map(network: Network, customer: Location, explanation: Mapping[str, Any]) -> Markup:
    """The order's map: every node coloured by its verdict in the explanation, the customer,
    and a line from each shipping node to the customer."""
    verdicts = {
        str(entry.get("node")): str(entry.get("status"))
        for entry in explanation.get("nodes", [])
        if isinstance(entry, Mapping)
    }
    markers = [
        Marker(node.id, verdicts.get(node.id, "other"), project(node.location))
        for node in sorted(network.nodes.values(), key=lambda n: n.id)
    ]
    home = project(customer)
    lines = []
    if home is not None:
        for marker in markers:
            if marker.kind == "chosen" and marker.at is not None:
                (x1, y1), (x2, y2) = marker.at, home
                lines.append(
                    f'<line class="parcel" x1="{x1:.1f}" y1="{y1:.1f}" '
                    f'x2="{x2:.1f}" y2="{y2:.1f}"/>'
                )
    dots = _dots(sorted(markers, key=lambda m: m.kind == "chosen"))
    if home is not None:
        x, y = home
        dots.append(
            f'<rect class="customer" x="{x - 6:.1f}" y="{y - 6:.1f}" width="12" height="12" '
            f'transform="rotate(45 {x:.1f} {y:.1f})"><title>customer</title></rect>'
        )
    return _svg("Map of the customer, the nodes considered and the parcels chosen", lines + dots)


def _dots(markers: Sequence[Marker], radius: Mapping[str, float] | None = None) -> list[str]:
    dots = []
    for marker in markers:
        if marker.at is None:
            continue
        x, y = marker.at
        r = (radius or {}).get(marker.label, 7 if marker.kind == "chosen" else 4.5)
        dots.append(
            f'<circle class="node {escape(marker.kind)}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}">'
            f"<title>{escape(marker.label)}: {escape(marker.title or marker.kind)}</title>"
            "</circle>"
        )
    return dots


def _svg(label: str, parts: Sequence[str]) -> Markup:
    return Markup(
        f'<svg class="map" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(label)}">'
        f'<path class="states" d="{states_path()}"/>' + "".join(parts) + "</svg>"
    )


def nodes_map(
    network: Network,
    label: str,
    kinds: Mapping[str, str],
    titles: Mapping[str, str],
    radius: Mapping[str, float] | None = None,
) -> Markup:
    """Every node of the network as a dot of its ``kinds`` class (``other`` when absent),
    titled as ``titles`` says and sized by ``radius`` (pixels)."""
    markers = [
        Marker(node.id, kinds.get(node.id, "other"), project(node.location), titles.get(node.id))
        for node in sorted(network.nodes.values(), key=lambda n: n.id)
    ]
    return _svg(label, _dots(markers, radius))


def off_map(network: Network, customer: Location) -> list[str]:
    """What the map cannot place: the customer or nodes outside the lower 48 states."""
    missing = [node.id for node in network.nodes.values() if project(node.location) is None]
    if project(customer) is None:
        missing.insert(0, "the customer")
    return missing
