"""``python -m bench.console_pages``: the server time of each console page.

The issue's target is at most 300 ms per page with 100,000 orders. This places ``--orders``
orders on the demo network through the order service into a fresh SQLite database (or the
``--database-url`` given), signs in with an admin key, then requests each page
``--repeat`` times in process (FastAPI's test client: no network, no browser) and prints
the median and the slowest time per page. Placing orders routes each one, so 100,000 takes
hours on a shared 2-core machine; the default is 2,000, and the figures say which N they had.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.adapters.geocoding import geocode
from ordermesh.bootstrap import Application, bootstrap
from ordermesh.config import Settings
from ordermesh.demo import demo_inventory_path, demo_network_path
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.entrypoints.api.api_keys import create_key
from ordermesh.entrypoints.api.app import create_app
from ordermesh.services import inventory as inventory_service
from ordermesh.services import network as network_service
from ordermesh.services import orders as order_service
from ordermesh.services.orders import PlaceOrder

TARGET_MS = 300.0
POSTAL_CODES = ("60610", "10001", "94103", "30303", "98101", "75201", "02108", "80202")
SKUS = ("MUG-BLUE", "MUG-WHITE")


def prepare(application: Application, orders: int) -> tuple[str, str, str]:
    """The demo network and stock, ``orders`` orders; (admin key, an order id, a SKU)."""
    document, network = load_network_file(demo_network_path().read_bytes(), "demo")
    network_service.load_network(application.uow(), document, checksum(document), application.clock)
    snapshots = parse_inventory_csv(demo_inventory_path().read_bytes(), network, "demo")
    # Stock enough for every order, so the figures are of routed orders, not backorders.
    inventory_service.apply_snapshots(application.uow(), snapshots, "bench", application.clock)
    pick = random.Random(1)
    last = ""
    for number in range(orders):
        view, _ = order_service.place_order(
            application.uow(),
            PlaceOrder(
                channel="web" if number % 4 else "amazon",
                ship_to=ShipTo(geocode(pick.choice(POSTAL_CODES), "US")),
                service_level="standard",
                lines=(OrderLine("1", SKUS[number % 2], 1),),
                external_id=f"bench-{number}",
            ),
            application.clock,
            actor="bench",
        )
        last = view.id
    return create_key(application, "admin", label="bench"), last, SKUS[0]


def pages(order_id: str, sku: str) -> list[str]:
    return [
        "/",
        "/orders",
        f"/orders?sku={sku}&node=DC-RENO",
        "/orders?external_id=bench-7",
        f"/orders/{order_id}",
        "/work?node=DC-RENO",
        "/exceptions",
        "/nodes",
        f"/inventory?sku={sku}",
        "/rules",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", default="")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = options.database_url or f"sqlite:///{Path(folder) / 'bench.db'}"
        application = bootstrap(Settings(database_url=url))
        try:
            started = time.perf_counter()
            key, order_id, sku = prepare(application, options.orders)
            print(f"{options.orders} orders placed in {time.perf_counter() - started:.0f} s")
            with TestClient(create_app(application), base_url="http://127.0.0.1") as client:
                signed = client.post("/sign-in", data={"key": key}, follow_redirects=False)
                assert signed.status_code == 303, signed.text
                print(f"| page ({options.orders} orders) | median ms | slowest ms |")
                print("| --- | ---: | ---: |")
                for path in pages(order_id, sku):
                    times = []
                    for _ in range(options.repeat):
                        begun = time.perf_counter()
                        answer = client.get(path)
                        times.append((time.perf_counter() - begun) * 1000)
                        assert answer.status_code == 200, (path, answer.status_code)
                    flag = "" if max(times) <= TARGET_MS else " (over 300)"
                    print(f"| `{path}` | {statistics.median(times):.0f} | {max(times):.0f}{flag} |")
        finally:
            application.close()


if __name__ == "__main__":
    main()
