"""The operations console in a real browser: Debian's Chromium driven by Playwright against
a real ``ordermesh serve`` holding the demo network, its inventory and a few hundred orders,
on SQLite and PostgreSQL.

Every test checks that the browser sent no request beyond 127.0.0.1 (every asset is
vendored) and that the page logged no console error. Screenshots of each page go to
``docs/console/`` when ``ORDERMESH_SCREENSHOTS`` names that folder (docs/console.md).
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from api_server import api_database_url, start_server, stop_server  # noqa: F401

from ordermesh.adapters.formats.inventory_csv import parse_inventory_csv
from ordermesh.adapters.formats.network_document import checksum, load_network_file
from ordermesh.adapters.geocoding import geocode
from ordermesh.bootstrap import bootstrap
from ordermesh.config import Settings
from ordermesh.demo import demo_inventory_path, demo_network_path
from ordermesh.domain.errors import Problem
from ordermesh.domain.intake import IntakeSource
from ordermesh.domain.order import OrderLine, ShipTo
from ordermesh.entrypoints.api.api_keys import create_key
from ordermesh.services import intake_exceptions as intake_service
from ordermesh.services import inventory as inventory_service
from ordermesh.services import network as network_service
from ordermesh.services import orders as order_service
from ordermesh.services.intake_ports import NewIntakeException
from ordermesh.services.orders import PlaceOrder

playwright_sync = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ROLES = ("admin", "channel:web", "channel:amazon", "node:DC-RENO")
ORDERS = 240
SKUS = ("MUG-BLUE", "MUG-WHITE")
POSTAL_CODES = ("60610", "10001", "94103", "30303", "98101", "75201", "02108", "80202")


@dataclass
class Console:
    base_url: str
    keys: dict[str, str]
    orders: dict[str, list[str]] = field(default_factory=dict)  # channel -> order ids
    database_url: str = ""


def _prepare(database_url: str) -> tuple[dict[str, str], dict[str, list[str]]]:
    """The demo network and inventory, a key per role, and ``ORDERS`` orders placed through
    the order service (as the API would, without paying for HTTP here)."""
    application = bootstrap(Settings(database_url=database_url))
    try:
        document, network = load_network_file(demo_network_path().read_bytes(), "demo")
        network_service.load_network(
            application.uow(), document, checksum(document), application.clock
        )
        snapshots = parse_inventory_csv(demo_inventory_path().read_bytes(), network, "demo")
        inventory_service.apply_snapshots(application.uow(), snapshots, "e2e", application.clock)
        keys = {role: create_key(application, role, label=f"console {role}") for role in ROLES}
        placed: dict[str, list[str]] = {"web": [], "amazon": []}
        pick = random.Random(7)
        for number in range(ORDERS):
            channel = "web" if number % 4 else "amazon"
            lines = [OrderLine("1", SKUS[0], 1 + number % 3)]
            if number % 5 == 0:
                lines.append(OrderLine("2", SKUS[1], 1))
            view, _ = order_service.place_order(
                application.uow(),
                PlaceOrder(
                    channel=channel,
                    ship_to=ShipTo(geocode(pick.choice(POSTAL_CODES), "US")),
                    service_level="standard",
                    lines=tuple(lines),
                    external_id=f"console-{number}",
                ),
                application.clock,
                actor=f"e2e:channel:{channel}",
            )
            placed[channel].append(view.id)
        return keys, placed
    finally:
        application.close()


@pytest.fixture(scope="module")
def console(api_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:  # noqa: F811
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: `make test` installs it (apt-get install chromium)")
    keys, placed = _prepare(api_database_url)
    log = tmp_path_factory.mktemp("console") / "server.log"
    process, base_url = start_server(api_database_url, log)
    try:
        yield Console(base_url, keys, placed, api_database_url)
    finally:
        stop_server(process)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_sync.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


class Watched:
    """A page with a record of every request it sent and every console error it logged."""

    def __init__(self, browser: object, base_url: str) -> None:
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": 1280, "height": 800}, base_url=base_url
        )
        self.page = self.context.new_page()
        self.hosts: set[str] = set()
        self.errors: list[str] = []
        self.page.on("request", self._sent)
        self.page.on(
            "console", lambda message: message.type == "error" and self.errors.append(message.text)
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _sent(self, request: object) -> None:
        url = urlsplit(request.url)  # type: ignore[attr-defined]
        if url.scheme not in ("data", "blob", "about"):  # those stay in the browser
            self.hosts.add(url.hostname or url.scheme)

    def sign_in(self, key: str) -> None:
        self.page.goto("/")
        assert urlsplit(self.page.url).path == "/sign-in"
        self.page.get_by_label("API key").fill(key)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()

    def shot(self, name: str) -> None:
        folder = os.environ.get("ORDERMESH_SCREENSHOTS")
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            # The top of a long page (at most 1,100 px) keeps each image small in docs/.
            height = min(self.page.evaluate("document.documentElement.scrollHeight"), 1100)
            self.page.screenshot(
                path=str(Path(folder) / f"{name}.png"),
                full_page=True,
                clip={"x": 0, "y": 0, "width": 1280, "height": height},
            )

    def close(self) -> None:
        self.context.close()
        assert self.hosts <= {"127.0.0.1"}, f"requests left the machine: {self.hosts}"
        assert not self.errors, f"the browser logged errors: {self.errors}"


@pytest.fixture
def watched(browser: object, console: Console) -> Iterator[Watched]:
    page = Watched(browser, console.base_url)
    yield page
    page.close()


def _api(console: Console, role: str = "admin") -> httpx.Client:
    return httpx.Client(
        base_url=console.base_url,
        headers={"Authorization": f"Bearer {console.keys[role]}"},
        timeout=30.0,
    )


def test_the_overview_shows_the_same_figures_as_the_api(console: Console, watched: Watched) -> None:
    watched.sign_in(console.keys["admin"])
    page = watched.page
    assert page.get_by_test_id("role").inner_text() == "admin"
    with _api(console) as api:
        figures = api.get("/v1/overview", params={"period": "today"}).json()
    assert figures["orders"] == ORDERS
    assert page.get_by_test_id("today-orders").inner_text().split()[0] == str(ORDERS)
    for status, count in figures["orders_by_status"].items():
        assert page.get_by_test_id(f"today-{status}").inner_text().split()[0] == str(count)
    assert page.get_by_test_id("today-backordered-units").inner_text() == str(
        figures["backordered_units"]
    )
    bars = page.get_by_test_id("orders-per-day").locator("rect.day")
    assert bars.count() == 30
    assert bars.last.locator("title").text_content().endswith(f": {ORDERS}")
    watched.shot("overview")
    page.get_by_test_id("today-routed").click()
    page.wait_for_load_state()
    assert "status=routed" in page.url
    watched.shot("orders")


def test_an_order_shows_its_explanation_and_map(console: Console, watched: Watched) -> None:
    order_id = console.orders["web"][1]
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto(f"/orders/{order_id}")
    with _api(console) as api:
        order = api.get(f"/v1/orders/{order_id}").json()
    chosen = order["explanation"]["chosen"]["nodes"]
    summary = page.get_by_test_id("explanation-summary").inner_text()
    assert order["explanation"]["rule_set"]["id"] in summary
    plan = page.get_by_test_id("chosen-plan").inner_text()
    assert all(node in plan for node in chosen)
    verdicts = page.get_by_test_id("verdicts")
    assert verdicts.locator("tbody tr").count() == len(order["explanation"]["nodes"])
    assert page.locator("svg.map circle.chosen").count() == len(chosen)
    assert page.locator("svg.map .customer").count() == 1
    watched.shot("order")


def test_cancelling_a_line_puts_its_units_back_on_sale(console: Console, watched: Watched) -> None:
    order_id = console.orders["web"][2]
    with _api(console) as api:
        before = api.get(f"/v1/orders/{order_id}").json()
        line = before["lines"][0]
        available = api.get("/v1/availability", params={"sku": line["sku"]}).json()
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto(f"/orders/{order_id}")
    page.get_by_label(f"Units of line {line['line_id']} to cancel").fill(str(line["quantity"]))
    page.get_by_role("button", name="Cancel these units").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Units cancelled."
    page.goto(f"/inventory?sku={line['sku']}")
    shown = int(page.get_by_test_id("network-ats").inner_text())
    assert shown == available["network_ats"] + line["quantity"]
    watched.shot("inventory")


def test_a_node_accepts_and_ships_from_its_work_queue(console: Console, watched: Watched) -> None:
    with _api(console, "node:DC-RENO") as api:
        queue = api.get("/v1/nodes/DC-RENO/fulfillment-requests").json()["items"]
    assert queue, "the demo orders give DC-RENO work"
    request_id = queue[0]["id"]
    watched.sign_in(console.keys["node:DC-RENO"])
    page = watched.page
    assert urlsplit(page.url).path == "/work"
    watched.shot("work-queue")
    row = page.locator(f"#req-{request_id}")
    row.get_by_role("button", name="Accept").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == f"Accepted {request_id}."
    row = page.locator(f"#req-{request_id}")
    row.get_by_label(f"Tracking number for {request_id}").fill("1Z999AA10123456784")
    row.get_by_role("button", name="Ship").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == f"Shipped {request_id}."
    with _api(console) as api:
        shipped = api.get(f"/v1/fulfillment-requests/{request_id}").json()
    assert shipped["status"] == "shipped"
    assert shipped["tracking_number"] == "1Z999AA10123456784"


def test_a_channel_key_cannot_see_another_channels_order(
    console: Console, watched: Watched
) -> None:
    watched.sign_in(console.keys["channel:amazon"])
    page = watched.page
    response = page.goto(f"/orders/{console.orders['web'][0]}")
    assert response is not None and response.status == 403
    # The browser logs the refused page itself as an error: the one error expected here.
    assert watched.errors == [
        "Failed to load resource: the server responded with a status of 403 (Forbidden)"
    ]
    watched.errors.clear()
    page.goto("/orders")
    listed = page.locator("table.list tbody tr td:nth-child(2)").all_inner_texts()
    assert listed and set(listed) == {"amazon"}


def test_a_form_without_the_session_token_changes_nothing(console: Console) -> None:
    order_id = console.orders["web"][3]
    with httpx.Client(base_url=console.base_url, timeout=30.0) as client:
        signed = client.post("/sign-in", data={"key": console.keys["admin"], "next": "/"})
        assert signed.status_code == 303
        refused = client.post(f"/orders/{order_id}/cancel", data={"whole": "1"})
        assert refused.status_code == 403
    with _api(console) as api:
        assert api.get(f"/v1/orders/{order_id}").json()["status"] != "cancelled"


def test_signing_out_ends_the_session(console: Console, watched: Watched) -> None:
    watched.sign_in(console.keys["admin"])
    page = watched.page
    cookie = next(c for c in watched.context.cookies() if c["name"] == "ordermesh_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    assert urlsplit(page.url).path == "/sign-in"
    with httpx.Client(base_url=console.base_url, timeout=30.0) as client:
        client.cookies.set("ordermesh_session", cookie["value"])
        assert client.get("/").status_code == 303


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_api_docs_render_offline(console: Console, watched: Watched, path: str) -> None:
    page = watched.page
    page.goto(path)
    if path == "/docs":
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
    else:
        page.wait_for_selector("h1", timeout=20_000)
    assert "ordermesh" in page.content()
    watched.shot(path.strip("/"))


def test_a_draft_with_an_error_shows_it_beside_the_editor(
    console: Console, watched: Watched
) -> None:
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/rules")
    page.get_by_label("Draft rule sets (YAML)").fill(
        "rule_sets:\n  - id: near\n    filters: {max_distance_miles: -5}\n"
    )
    page.get_by_role("button", name="Replay the draft").click()
    page.wait_for_load_state()
    problems = page.get_by_test_id("draft-problems").inner_text()
    assert "rule_sets[0].filters.max_distance_miles" in problems
    assert page.get_by_label("Draft rule sets (YAML)").input_value().startswith("rule_sets:")
    # The refused form answers 422, which the browser logs: the one error expected here.
    assert all("422" in error for error in watched.errors)
    watched.errors.clear()
    watched.shot("rules-draft-error")


def test_a_draft_is_replayed_on_history_compared_and_published(
    console: Console, watched: Watched
) -> None:
    with _api(console) as api:
        version = api.get("/v1/network").json()["version"]
        orders_before = api.get("/v1/orders", params={"limit": 200}).json()
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/rules")
    page.get_by_label("Draft rule sets (YAML)").fill(
        "rule_sets:\n  - id: no-warehouses\n    filters: {node_types: {out: [warehouse]}}\n"
    )
    page.get_by_role("button", name="Replay the draft").click()
    page.get_by_test_id("replay-result").wait_for(timeout=120_000)
    kpis = page.get_by_test_id("replay-kpis").inner_text()
    assert "Cost per order" in kpis and "Split rate" in kpis
    assert int(page.get_by_test_id("changed-count").inner_text()) > 0
    assert page.get_by_test_id("changed-orders").locator("tbody tr").count() > 0
    watched.shot("rules-replay")
    with _api(console) as api:  # the replay changed nothing live
        assert api.get("/v1/orders", params={"limit": 200}).json() == orders_before
    page.get_by_role("button", name="Publish this draft").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == f"Published as network version {version + 1}."
    assert "no-warehouses" in page.get_by_test_id("live-rule-sets").inner_text()
    watched.shot("rules")


def test_stock_received_from_the_console_resolves_a_backorder_in_the_exceptions_queue(
    console: Console, watched: Watched
) -> None:
    chair = "OFFICECHAIR-GREY-0345"  # the demo holds it at DS-LA alone
    with _api(console) as admin:
        counted = admin.post(
            "/v1/nodes/DS-LA/inventory/snapshot", json={"lines": [{"sku": chair, "on_hand": 1}]}
        )
        assert counted.status_code == 200, counted.text
    with _api(console, "channel:web") as web:
        placed = web.post(
            "/v1/orders",
            json={
                "channel": "web",
                "external_id": f"chairs-{uuid.uuid4().hex[:8]}",
                "ship_to": {"postal_code": "90012", "country": "US"},
                "lines": [{"sku": chair, "quantity": 3}],
            },
        )
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["id"]
    assert placed.json()["status"] == "partially_backordered"
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/exceptions")
    assert order_id in page.get_by_test_id("backorders").inner_text()
    watched.shot("exceptions")
    page.goto(f"/inventory?sku={chair}")
    page.get_by_label("Node").select_option("DS-LA")
    page.get_by_label("Units (+ or -)").fill("5")
    page.get_by_label("Reason").select_option("receipt")
    page.get_by_role("button", name="Adjust").click()
    page.wait_for_load_state()
    assert not page.get_by_role("alert").count(), page.get_by_role("alert").all_inner_texts()
    assert page.get_by_role("status").inner_text() == f"DS-LA: +5 x {chair} (receipt)."
    page.goto("/exceptions")
    assert order_id not in page.get_by_test_id("backorders").inner_text()
    with _api(console) as admin:
        assert admin.get(f"/v1/orders/{order_id}").json()["status"] == "routed"


def _keep_intake_exception(console: Console, channel: str, sku: str) -> str:
    """An order a Shopify-like channel sent with a SKU the network does not sell, kept as
    the webhook would keep it."""
    application = bootstrap(Settings(database_url=console.database_url))
    try:
        kept = intake_service.keep(
            application.uow(),
            NewIntakeException(
                channel=channel,
                source=IntakeSource.API,
                topic="orders/create",
                external_id=f"#{uuid.uuid4().hex[:6]}",
                payload=f'{{"line_items": [{{"sku": "{sku}", "quantity": 1}}]}}',
                reasons=(Problem("line_items[0].sku", f"unknown SKU or bundle {sku!r}"),),
            ),
            application.clock,
        )
        return kept.id
    finally:
        application.close()


def test_an_intake_exception_is_retried_then_dismissed_with_a_reason(
    console: Console, watched: Watched
) -> None:
    exception_id = _keep_intake_exception(console, "web", "GHOST-SKU-1")
    watched.sign_in(console.keys["channel:web"])
    page = watched.page
    page.goto("/exceptions")
    row = page.locator(f"#intake-{exception_id}")
    assert "unknown SKU or bundle 'GHOST-SKU-1'" in row.inner_text()
    watched.shot("exceptions-intake")
    row.get_by_role("button", name=f"Retry {exception_id}").click()
    page.wait_for_load_state()
    # An API payload cannot be read again: the retry says so and the exception stays open.
    assert "still cannot be placed" in page.get_by_role("alert").inner_text()
    row = page.locator(f"#intake-{exception_id}")
    row.get_by_label(f"Why dismiss {exception_id}").fill("customer reordered by phone")
    row.get_by_role("button", name=f"Dismiss {exception_id}").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == f"{exception_id} dismissed."
    assert not page.locator(f"#intake-{exception_id}").count()
    with _api(console) as api:
        dismissed = api.get(f"/v1/intake-exceptions/{exception_id}").json()
    assert dismissed["status"] == "dismissed"
    assert dismissed["resolution"] == "customer reordered by phone"


def test_a_channel_key_sees_only_its_own_channels_intake_exceptions(
    console: Console, watched: Watched
) -> None:
    theirs = _keep_intake_exception(console, "web", "GHOST-SKU-2")
    watched.sign_in(console.keys["channel:amazon"])
    page = watched.page
    page.goto("/exceptions")
    assert theirs not in page.get_by_test_id("intake-exceptions").inner_text()
    assert not page.get_by_test_id("backorders").count()  # the admin's queue is not shown
    with httpx.Client(base_url=console.base_url, timeout=30.0) as client:
        client.post("/sign-in", data={"key": console.keys["channel:amazon"], "next": "/"})
        form = client.get("/exceptions").text
        token = form.split('name="csrf_token" value="')[1].split('"')[0]
        refused = client.post(
            f"/exceptions/intake/{theirs}/dismiss", data={"csrf_token": token, "reason": "x"}
        )
        assert refused.status_code == 303 and "error=" in refused.headers["location"]
    with _api(console) as api:
        assert api.get(f"/v1/intake-exceptions/{theirs}").json()["status"] == "open"


def test_orders_are_found_by_external_id_node_and_date(console: Console, watched: Watched) -> None:
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/orders")
    page.get_by_label("External id").fill("console-7")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    rows = page.locator("table.list tbody tr")
    assert rows.count() == 1 and "console-7" in rows.inner_text()
    page.goto("/orders")
    page.get_by_label("Node").select_option("DC-RENO")
    page.get_by_label("From").fill("2000-01-01")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_load_state()
    assert "node=DC-RENO" in page.url
    with _api(console) as api:
        at_reno = api.get("/v1/nodes/DC-RENO/fulfillment-requests", params={"limit": 200}).json()
    listed = set(page.locator("table.list tbody tr td:first-child").all_inner_texts())
    assert {r["order_id"] for r in at_reno["items"]} & listed
    watched.shot("orders-filtered")
    page.goto("/orders?to=2000-01-01")
    assert page.locator("table.list tbody tr").inner_text() == "No orders match."


def test_an_address_change_routes_the_order_again_and_a_refusal_shows_on_the_page(
    console: Console, watched: Watched
) -> None:
    moved, kept = console.orders["web"][10], console.orders["web"][11]
    with _api(console) as api:
        request_id = api.get(f"/v1/orders/{kept}").json()["shipments"][0]["id"]
        assert api.post(f"/v1/fulfillment-requests/{request_id}/accept").status_code == 200
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto(f"/orders/{moved}")
    page.get_by_text("Change address", exact=True).first.click()
    form = page.get_by_test_id("address-form")
    form.get_by_label("Postal code").fill("33101")
    form.get_by_label("Recipient name").fill("Ada Lovelace")
    form.get_by_label("City").fill("New York")
    form.get_by_role("button", name="Change address").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == "Address changed; the order was routed again."
    with _api(console) as api:
        after = api.get(f"/v1/orders/{moved}").json()
    assert after["ship_to"]["postal_code"] == "33101"
    assert after["ship_to"]["name"] == "Ada Lovelace"
    watched.shot("order-address")
    page.goto(f"/orders/{kept}")
    page.get_by_text("Change address", exact=True).first.click()
    page.get_by_test_id("address-form").get_by_label("Postal code").fill("33101")
    page.get_by_test_id("address-form").get_by_role("button", name="Change address").click()
    page.wait_for_load_state()
    assert "accepted" in page.get_by_role("alert").inner_text()
    with _api(console) as api:
        assert api.get(f"/v1/orders/{kept}").json()["ship_to"]["postal_code"] != "33101"


def test_the_nodes_page_maps_every_node_and_disables_and_enables_one(
    console: Console, watched: Watched
) -> None:
    with _api(console) as api:
        version = api.get("/v1/network").json()["version"]
    network = load_network_file(demo_network_path().read_bytes(), "demo")[1]
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/nodes")
    assert page.get_by_test_id("nodes").locator("tbody tr").count() == len(network.nodes)
    assert page.locator("svg.map circle.node").count() == len(network.nodes)
    reno = page.locator("#node-DC-RENO").inner_text()
    assert "warehouse" in reno and "/ 8500" in reno
    watched.shot("nodes")
    page.get_by_role("button", name="Disable ST-VEGAS").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").inner_text() == (
        f"ST-VEGAS disabled: network version {version + 1}."
    )
    assert page.get_by_test_id("enabled-ST-VEGAS").inner_text() == "no"
    page.get_by_role("button", name="Enable ST-VEGAS").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("enabled-ST-VEGAS").inner_text() == "yes"
    csv_text = page.request.get("/nodes?format=csv").text()
    assert csv_text.startswith("node,name,type,enabled") and "ST-VEGAS" in csv_text


def test_the_inventory_page_shows_a_skus_movements_and_its_stock_on_the_map(
    console: Console, watched: Watched
) -> None:
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/inventory?sku=MUG-WHITE")
    page.get_by_label("Node").select_option("DC-RENO")
    page.get_by_label("Units (+ or -)").fill("-2")
    page.get_by_label("Reason").select_option("damage")
    page.get_by_role("button", name="Adjust").click()
    page.wait_for_load_state()
    latest = page.get_by_test_id("journal").locator("tbody tr").first.inner_text()
    assert "DC-RENO" in latest and "damage" in latest and "console:admin" in latest
    assert page.get_by_test_id("ats-map").locator("circle.node").count() > 0
    watched.shot("inventory-journal")
    csv_text = page.request.get("/inventory?sku=MUG-WHITE&format=journal").text()
    assert csv_text.splitlines()[1].split(",")[2] == "DC-RENO"


def _tab_to(page: object, wanted: str, most: int = 30) -> list[str]:
    """Press Tab until the focused element's text or id is ``wanted``; the texts passed."""
    seen: list[str] = []
    for _ in range(most):
        page.keyboard.press("Tab")  # type: ignore[attr-defined]
        focused = page.evaluate(  # type: ignore[attr-defined]
            "() => document.activeElement.id || document.activeElement.textContent.trim()"
        )
        seen.append(focused)
        if focused == wanted:
            return seen
    raise AssertionError(f"{wanted!r} is not reachable by Tab: {seen}")


def test_the_console_is_usable_with_the_keyboard_alone(console: Console, watched: Watched) -> None:
    page = watched.page
    page.goto("/sign-in")
    # The key field has the focus when the page opens (autofocus): type, then Enter.
    # (Chromium applies autofocus after load; under load that can take a moment.)
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'key'")
    watched.shot("sign-in")
    page.keyboard.type(console.keys["admin"])
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/"
    passed = _tab_to(page, "Nodes")
    assert passed[:3] == ["Skip to content", "ordermesh", "Overview"]
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/nodes"
    _tab_to(page, "Exceptions")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert urlsplit(page.url).path == "/exceptions"


def test_the_rules_page_says_which_rule_sets_are_live_now_and_which_are_scheduled(
    console: Console, watched: Watched
) -> None:
    # Last in the module: it publishes a network version of its own.
    document = yaml.safe_load(demo_network_path().read_text())
    document["timezone"] = "America/Chicago"
    document["rule_sets"] = [
        {"id": "summer-sale", "active": {"from": "2020-06-01", "until": "2020-09-01"}},
        {"id": "peak-2999", "active": {"from": "2999-11-27", "until": "2999-12-01T18:00"}},
        {"id": "everyday"},
    ]
    with _api(console) as admin:
        loaded = admin.put("/v1/network", json=json.loads(json.dumps(document, default=str)))
        assert loaded.status_code == 201, loaded.text
    watched.sign_in(console.keys["admin"])
    page = watched.page
    page.goto("/rules")
    rows = page.get_by_test_id("live-rule-sets").locator("tbody tr")
    active = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]
    assert active == [
        "ended, from 2020-06-01 until 2020-09-01",
        "scheduled, from 2999-11-27 until 2999-12-01 18:00",
        "live now",
    ]
    assert "America/Chicago" in page.get_by_role("main").inner_text()
