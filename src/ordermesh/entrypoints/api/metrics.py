"""Prometheus metrics of one app, and their exposition at ``/metrics``.

Metrics live in a registry of their own per app (tests build many apps in one process).
With several worker processes (``ordermesh serve --workers N``) each worker counts its own
requests; ``serve`` then sets ``PROMETHEUS_MULTIPROC_DIR`` to a fresh directory before the
workers start, the client library writes every value to a file there, and ``/metrics``
(answered by any worker) sums the files of all workers. Without that variable, ``/metrics``
shows the one process that answered.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client import multiprocess as prometheus_multiprocess

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


@dataclass(frozen=True, slots=True)
class Metrics:
    registry: CollectorRegistry
    requests: Counter
    request_seconds: Histogram
    orders: Counter
    order_transitions: Counter
    routing_seconds: Histogram
    reservations: Counter
    reserved_units: Counter
    rejections: Counter

    @classmethod
    def create(cls) -> Metrics:
        registry = CollectorRegistry(auto_describe=True)
        return cls(
            registry=registry,
            requests=Counter(
                "ordermesh_http_requests",
                "HTTP requests answered, by route template, method and status.",
                ["method", "route", "status"],
                registry=registry,
            ),
            request_seconds=Histogram(
                "ordermesh_http_request_seconds",
                "Time to answer an HTTP request, by route template.",
                ["method", "route"],
                buckets=_LATENCY_BUCKETS,
                registry=registry,
            ),
            orders=Counter(
                "ordermesh_orders",
                "Orders accepted (new, not repeats), by the status routing gave them.",
                ["status"],
                registry=registry,
            ),
            order_transitions=Counter(
                "ordermesh_order_transitions",
                "Order state changes made through the API, by the status reached.",
                ["status"],
                registry=registry,
            ),
            routing_seconds=Histogram(
                "ordermesh_routing_seconds",
                "Time to route and reserve one new order (place_order, end to end).",
                buckets=_LATENCY_BUCKETS,
                registry=registry,
            ),
            reservations=Counter(
                "ordermesh_reservations",
                "Shipment reservations made for new orders (one per shipment).",
                registry=registry,
            ),
            reserved_units=Counter(
                "ordermesh_reserved_units",
                "Units reserved for new orders.",
                registry=registry,
            ),
            rejections=Counter(
                "ordermesh_fulfillment_rejections",
                "Fulfillment requests rejected by nodes, by node.",
                ["node"],
                registry=registry,
            ),
        )

    def exposition(self) -> tuple[bytes, str]:
        """The text format of every metric, summed over workers in multiprocess mode."""
        directory = os.environ.get(MULTIPROC_ENV)
        if directory:
            registry = CollectorRegistry()
            prometheus_multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
            return generate_latest(registry), CONTENT_TYPE_LATEST
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
