"""The console's pages: overview, orders, an order with its routing explanation, a node's
work queue, inventory. Each page loads through the services and renders a template; each
action is a form post that calls a service and redirects back with a notice (post, redirect,
get), so a reload never repeats it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError

from ordermesh.bootstrap import Application
from ordermesh.domain.errors import InvalidInput, OrdermeshError, Problem, UnknownIntakeException
from ordermesh.domain.intake import IntakeStatus
from ordermesh.domain.inventory import AdjustmentReason
from ordermesh.domain.lifecycle import OrderStatus, RejectReason, RequestStatus
from ordermesh.domain.order import RECIPIENT_FIELDS
from ordermesh.domain.routing import ActiveWindow, rule_set_schedule
from ordermesh.entrypoints import network_edits, rule_drafts
from ordermesh.entrypoints.api.dtos import ShipToIn
from ordermesh.entrypoints.api.errors import ApiError
from ordermesh.entrypoints.api.routes.intake_exceptions import intake_for
from ordermesh.entrypoints.api.routes.orders import ship_to
from ordermesh.entrypoints.console import session as sessions
from ordermesh.entrypoints.console.chart_view import daily_bars
from ordermesh.entrypoints.console.map_view import network_map, nodes_map
from ordermesh.entrypoints.console.session import FormViewerDep, Viewer, ViewerDep, application
from ordermesh.services import console_sessions, events_delivery, replays
from ordermesh.services import fulfillment as fulfillment_service
from ordermesh.services import intake_exceptions as intake_service
from ordermesh.services import inventory as inventory_service
from ordermesh.services import network as network_service
from ordermesh.services import orders as order_service
from ordermesh.services.exception_queue import exception_queue
from ordermesh.services.intake_ports import IntakeException
from ordermesh.services.node_status import node_statuses
from ordermesh.services.overview import PERIODS, orders_per_day, overview

router = APIRouter(include_in_schema=False)

ORDER_PAGE = 50

Done = TypeVar("Done")


def templates(request: Request) -> Jinja2Templates:
    found: Jinja2Templates = request.app.state.console_templates
    return found


def render(
    request: Request, viewer: Viewer | None, name: str, status_code: int = 200, **context: Any
) -> HTMLResponse:
    context.update(
        viewer=viewer,
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
    )
    return templates(request).TemplateResponse(request, name, context, status_code=status_code)


def back(path: str, **message: str) -> RedirectResponse:
    query = urlencode({k: v for k, v in message.items() if v})
    joint = "&" if "?" in path else "?"
    return RedirectResponse(f"{path}{joint}{query}" if query else path, status_code=303)


def act(path: str, action: Callable[[], object], done: str) -> RedirectResponse:
    """Run a console action; its refusal (bad input, a conflict, a role that may not) is
    shown on the page it came from rather than as JSON."""
    return act_then(path, action, lambda _: back(path, notice=done))


def act_then(
    path: str, action: Callable[[], Done], answer: Callable[[Done], RedirectResponse]
) -> RedirectResponse:
    """``act``, answering with what the action returned when it was not refused."""
    try:
        result = action()
    except (OrdermeshError, ApiError) as error:
        return back(path, error=_message(error))
    return answer(result)


def _message(error: Exception) -> str:
    if isinstance(error, InvalidInput):
        return "; ".join(str(problem) for problem in error.problems)
    if isinstance(error, ApiError):
        return error.message
    return str(error)


def _safe_next(target: str) -> str:
    """Only a path on this site: never ``//host`` or a full URL."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# -- signing in and out -----------------------------------------------------------------------


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_form(request: Request, next: str = "/") -> HTMLResponse:
    return render(request, None, "sign_in.html", next=_safe_next(next))


@router.post("/sign-in", response_model=None)
def sign_in(
    request: Request,
    key: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    opened = sessions.open_session(application(request), key)
    if opened is None:
        return render(
            request,
            None,
            "sign_in.html",
            status_code=401,
            next=_safe_next(next),
            failed="That key is unknown or revoked.",
        )
    token, _ = opened
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        sessions.COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/sign-out")
def sign_out(request: Request, viewer: FormViewerDep) -> RedirectResponse:
    app = application(request)
    console_sessions.sign_out(app.uow(), viewer.token_hash, app.clock)
    response = back("/sign-in", notice="Signed out.")
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


# -- overview ----------------------------------------------------------------------------------


def _channel_scope(viewer: Viewer) -> str | None:
    return viewer.caller.scope if viewer.caller.kind == "channel" else None


@router.get("/", response_class=HTMLResponse, response_model=None)
def overview_page(request: Request, viewer: ViewerDep) -> Response:
    if viewer.caller.kind == "node":
        return RedirectResponse("/work", status_code=303)
    app = application(request)
    channel = _channel_scope(viewer)
    periods = [overview(app.read_uow(), app.clock, period, channel) for period in PERIODS]
    per_day = orders_per_day(app.read_uow(), app.clock, 30, channel)
    return render(
        request,
        viewer,
        "overview.html",
        periods=periods,
        statuses=[str(s) for s in OrderStatus],
        per_day=per_day,
        per_day_svg=daily_bars(per_day, "Orders per day over the last 30 days"),
    )


@router.get("/live/overview", response_class=HTMLResponse, response_model=None)
def overview_tiles(request: Request, viewer: ViewerDep) -> Response:
    """The tiles alone, polled by the overview page so new orders show without a reload."""
    app = application(request)
    channel = _channel_scope(viewer)
    periods = [overview(app.read_uow(), app.clock, period, channel) for period in PERIODS]
    return render(
        request, viewer, "overview_tiles.html", periods=periods, statuses=list(OrderStatus)
    )


# -- orders ------------------------------------------------------------------------------------


def _day(value: str, field: str, problems: list[Problem]) -> datetime | None:
    """A ``YYYY-MM-DD`` date field as the UTC midnight starting that day."""
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
    except ValueError:
        problems.append(Problem(field, f"{value!r} is not a date (YYYY-MM-DD)"))
        return None


@router.get("/orders", response_class=HTMLResponse, response_model=None)
def orders_page(
    request: Request,
    viewer: ViewerDep,
    status: Annotated[str, Query(max_length=40)] = "",
    channel: Annotated[str, Query(max_length=100)] = "",
    node: Annotated[str, Query(max_length=100)] = "",
    sku: Annotated[str, Query(max_length=100)] = "",
    external_id: Annotated[str, Query(max_length=200)] = "",
    created_from: Annotated[str, Query(alias="from", max_length=10)] = "",
    created_to: Annotated[str, Query(alias="to", max_length=10)] = "",
    cursor: Annotated[str, Query(max_length=500)] = "",
    format: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    caller = viewer.caller.allow("channel")
    scope = _channel_scope(viewer)
    wanted_status = OrderStatus(status) if status in set(OrderStatus) else None
    problems: list[Problem] = []
    since = _day(created_from.strip(), "from", problems)
    until = _day(created_to.strip(), "to", problems)
    filters = {
        "status": status,
        "channel": "" if scope else channel,
        "node": node,
        "sku": sku,
        "external_id": external_id,
        "from": created_from,
        "to": created_to,
    }
    page = order_service.list_orders(
        application(request).read_uow(),
        status=wanted_status,
        channel=scope if scope is not None else (channel.strip() or None),
        node=node.strip() or None,
        sku=sku.strip() or None,
        external_id=external_id.strip() or None,
        created_from=since,
        created_to=None if until is None else until + timedelta(days=1),  # the whole day
        cursor=cursor or None,
        limit=ORDER_PAGE if format != "csv" else order_service.MAX_PAGE,
    )
    if format == "csv":
        return _csv(
            "orders.csv",
            ["id", "channel", "external_id", "status", "units", "shipments", "created_at"],
            (
                [
                    view.id,
                    view.channel,
                    view.external_id or "",
                    str(view.status),
                    sum(line.quantity - line.cancelled_quantity for line in view.lines),
                    len(view.shipments),
                    view.created_at.isoformat(),
                ]
                for view in page.items
            ),
        )
    network = network_service.current_network(application(request).uow()).network
    return render(
        request,
        viewer,
        "orders.html",
        page=page,
        filters=filters,
        problem="; ".join(str(p) for p in problems),
        statuses=[str(s) for s in OrderStatus],
        nodes=sorted(network.nodes),
        is_admin=caller.is_admin,
        next_query=urlencode({**filters, "cursor": page.next_cursor or ""}),
        csv_query=urlencode({**filters, "format": "csv"}),
    )


def _csv(name: str, header: list[str], rows: Iterable[list[Any]]) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _own_order(request: Request, viewer: Viewer, order_id: str) -> order_service.OrderView:
    viewer.caller.allow("channel")
    view = order_service.get_order(application(request).read_uow(), order_id)
    viewer.caller.for_channel(view.channel)
    return view


@router.get("/orders/{order_id}", response_class=HTMLResponse, response_model=None)
def order_page(request: Request, viewer: ViewerDep, order_id: str) -> Response:
    app = application(request)
    try:
        view = _own_order(request, viewer, order_id)
    except (OrdermeshError, ApiError) as error:
        return render(request, viewer, "refused.html", status_code=_status(error), why=error)
    network = network_service.current_network(app.read_uow()).network
    history = order_service.order_history(app.read_uow(), order_id)
    explanation: Mapping[str, Any] = view.explanation or {}
    return render(
        request,
        viewer,
        "order.html",
        order=view,
        history=history,
        explanation=explanation,
        map_svg=network_map(network, view.ship_to.location, explanation),
        hold_reasons=[],
    )


def _status(error: Exception) -> int:
    if isinstance(error, ApiError):
        return error.status
    return 404 if error.__class__.__name__.startswith("Unknown") else 409


@router.post("/orders/{order_id}/cancel")
async def cancel(request: Request, viewer: FormViewerDep, order_id: str) -> RedirectResponse:
    """Cancel the units typed into the form's ``line:<id>`` fields, or the whole order."""
    form = await request.form()
    whole = form.get("whole") == "1"
    lines: dict[str, int] = {}
    problems: list[Problem] = []
    for name, value in form.items():
        if not name.startswith("line:") or not isinstance(value, str) or not value.strip():
            continue
        try:
            quantity = int(value)
        except ValueError:
            problems.append(Problem(name[5:], f"{value!r} is not a whole number"))
            continue
        if quantity:
            lines[name[5:]] = quantity
    path = f"/orders/{order_id}"
    if problems:
        return back(path, error=_message(InvalidInput("cancel", problems)))
    if not whole and not lines:
        return back(path, error="Type how many units to cancel, or cancel the whole order.")
    app = application(request)
    reason = str(form.get("reason", ""))[:500]

    def run() -> None:
        _own_order(request, viewer, order_id)
        order_service.cancel_order(
            app.uow(),
            order_id,
            app.clock,
            actor=f"console:{viewer.caller.role}",
            lines=None if whole else lines,
            reason=reason,
            routing=app.routing,
        )

    return act(path, run, "Order cancelled." if whole else "Units cancelled.")


@router.post("/orders/{order_id}/hold")
def hold(
    request: Request,
    viewer: FormViewerDep,
    order_id: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    app = application(request)

    def run() -> None:
        _own_order(request, viewer, order_id)
        order_service.hold_order(
            app.uow(), order_id, app.clock, actor=f"console:{viewer.caller.role}", reason=reason
        )

    return act(f"/orders/{order_id}", run, "Order on hold.")


@router.post("/orders/{order_id}/release")
def release(request: Request, viewer: FormViewerDep, order_id: str) -> RedirectResponse:
    app = application(request)

    def run() -> None:
        _own_order(request, viewer, order_id)
        order_service.release_order(
            app.uow(), order_id, app.clock, actor=f"console:{viewer.caller.role}"
        )

    return act(f"/orders/{order_id}", run, "Order released.")


ADDRESS_FIELDS = ("postal_code", "country", *RECIPIENT_FIELDS)


@router.post("/orders/{order_id}/address")
async def change_address(
    request: Request, viewer: FormViewerDep, order_id: str
) -> RedirectResponse:
    """Ship to the address typed in; a node that has accepted any of it refuses (409)."""
    form = await request.form()
    given = {name: str(form.get(name, "")).strip() or None for name in ADDRESS_FIELDS}
    path = f"/orders/{order_id}"
    try:
        body = ShipToIn.model_validate({k: v for k, v in given.items() if v is not None})
    except ValidationError as error:
        problems = [
            Problem(".".join(str(part) for part in e["loc"]) or "address", e["msg"])
            for e in error.errors()
        ]
        return back(path, error=_message(InvalidInput("address", problems)))
    app = application(request)

    def run() -> None:
        _own_order(request, viewer, order_id)
        order_service.change_address(
            app.uow(),
            order_id,
            ship_to(body, "ship_to"),
            app.clock,
            actor=f"console:{viewer.caller.role}",
            routing=app.routing,
        )

    return act(path, run, "Address changed; the order was routed again.")


# -- a node's work queue ------------------------------------------------------------------------


def _queue_node(viewer: Viewer, node: str) -> str:
    caller = viewer.caller.allow("node")
    chosen = node if caller.is_admin else str(caller.scope)
    caller.for_node(chosen)
    return chosen


@router.get("/work", response_class=HTMLResponse, response_model=None)
def work_page(
    request: Request, viewer: ViewerDep, node: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    app = application(request)
    network = network_service.current_network(app.read_uow()).network
    try:
        node_id = _queue_node(viewer, node) if (node or not viewer.caller.is_admin) else ""
    except (OrdermeshError, ApiError) as error:
        return render(request, viewer, "refused.html", status_code=_status(error), why=error)
    requests = (
        [view.request for view in fulfillment_service.list_requests(app.read_uow(), node_id).items]
        if node_id in network.nodes
        else []
    )
    return render(
        request,
        viewer,
        "work.html",
        node=node_id,
        nodes=sorted(network.nodes),
        requests=requests,
        reasons=[str(r) for r in RejectReason],
        released=RequestStatus.RELEASED,
    )


def _work_action(
    request: Request, viewer: Viewer, request_id: str, act_on: Callable[[str, str], object]
) -> Callable[[], None]:
    """Check the request is at the viewer's node before ``act_on(request_id, actor)``."""
    app = application(request)

    def run() -> None:
        found = fulfillment_service.get_request(app.read_uow(), request_id)
        _queue_node(viewer, found.node_id)
        act_on(request_id, f"console:{viewer.caller.role}")

    return run


def _work_path(viewer: Viewer, node: str) -> str:
    return f"/work?{urlencode({'node': node})}" if viewer.caller.is_admin else "/work"


@router.post("/work/{request_id}/accept")
def accept(
    request: Request,
    viewer: FormViewerDep,
    request_id: str,
    node: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    app = application(request)
    run = _work_action(
        request,
        viewer,
        request_id,
        lambda rid, actor: fulfillment_service.accept(app.uow(), rid, app.clock, actor=actor),
    )
    return act(_work_path(viewer, node), run, f"Accepted {request_id}.")


@router.post("/work/{request_id}/reject")
def reject(
    request: Request,
    viewer: FormViewerDep,
    request_id: str,
    reason: Annotated[str, Form(max_length=40)],
    note: Annotated[str, Form(max_length=500)] = "",
    node: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    app = application(request)
    path = _work_path(viewer, node)
    if reason not in set(RejectReason):
        return back(path, error=f"Unknown reason {reason!r}.")
    run = _work_action(
        request,
        viewer,
        request_id,
        lambda rid, actor: fulfillment_service.reject(
            app.uow(),
            rid,
            RejectReason(reason),
            app.clock,
            actor=actor,
            note=note,
            routing=app.routing,
        ),
    )
    return act(path, run, f"Rejected {request_id}.")


@router.post("/work/{request_id}/ship")
def ship(
    request: Request,
    viewer: FormViewerDep,
    request_id: str,
    tracking_number: Annotated[str, Form(max_length=100)] = "",
    carrier: Annotated[str, Form(max_length=40)] = "",
    node: Annotated[str, Form(max_length=100)] = "",
) -> RedirectResponse:
    app = application(request)
    run = _work_action(
        request,
        viewer,
        request_id,
        lambda rid, actor: fulfillment_service.confirm_shipment(
            app.uow(),
            rid,
            app.clock,
            actor=actor,
            tracking_number=tracking_number or None,
            carrier=carrier or None,
            routing=app.routing,
        ),
    )
    return act(_work_path(viewer, node), run, f"Shipped {request_id}.")


# -- inventory -----------------------------------------------------------------------------------


@router.get("/inventory", response_class=HTMLResponse, response_model=None)
def inventory_page(
    request: Request,
    viewer: ViewerDep,
    sku: Annotated[str, Query(max_length=100)] = "",
    channel: Annotated[str, Query(max_length=100)] = "",
    format: Annotated[str, Query(max_length=10)] = "",
) -> Response:
    app = application(request)
    scope = _channel_scope(viewer)
    found = None
    problem = None
    if sku:
        try:
            found = inventory_service.availability(
                app.read_uow(), sku.strip(), channel_id=scope or channel or None
            )
        except (OrdermeshError, ApiError) as error:
            problem = _message(error)
    if found is not None and format == "csv":
        return _csv(
            f"availability-{found.item}.csv",
            ["node", "available_to_sell"],
            ([node, units] for node, units in sorted(found.per_node.items())),
        )
    movements = (
        inventory_service.journal(app.uow(), sku.strip())
        if sku and found is not None and scope is None
        else []
    )
    if viewer.caller.kind == "node":
        movements = [m for m in movements if m.change.node_id == viewer.caller.scope]
    if found is not None and format == "journal":
        return _csv(
            f"journal-{found.item}.csv",
            [
                "id",
                "at",
                "node",
                "sku",
                "kind",
                "on_hand_before",
                "on_hand_after",
                "safety_stock_before",
                "safety_stock_after",
                "reason",
                "actor",
            ],
            (
                [
                    m.id,
                    m.at.isoformat(),
                    m.change.node_id,
                    m.change.sku,
                    str(m.change.kind),
                    m.change.on_hand_before,
                    m.change.on_hand_after,
                    m.change.safety_stock_before,
                    m.change.safety_stock_after,
                    m.change.reason,
                    m.actor,
                ]
                for m in movements
            ),
        )
    network = network_service.current_network(app.uow()).network
    ats_map = None
    if found is not None:
        most = max(found.per_node.values(), default=0) or 1
        ats_map = nodes_map(
            network,
            f"Map of where {found.item} is available to sell",
            {n: ("candidate" if units > 0 else "removed") for n, units in found.per_node.items()},
            {n: f"{units} available to sell" for n, units in found.per_node.items()},
            {n: 4 + 10 * (units / most) ** 0.5 for n, units in found.per_node.items()},
        )
    return render(
        request,
        viewer,
        "inventory.html",
        sku=sku,
        channel=channel,
        found=found,
        problem=problem,
        movements=movements,
        ats_map=ats_map,
        csv_query=urlencode({"sku": sku, "channel": channel, "format": "csv"}),
        journal_csv_query=urlencode({"sku": sku, "format": "journal"}),
        reasons=[str(r) for r in AdjustmentReason],
        nodes=sorted(network_service.current_network(app.read_uow()).network.nodes)
        if viewer.caller.is_admin
        else [str(viewer.caller.scope)]
        if viewer.caller.kind == "node"
        else [],
    )


# -- nodes -------------------------------------------------------------------------------------


@router.get("/nodes", response_class=HTMLResponse, response_model=None)
def nodes_page(
    request: Request, viewer: ViewerDep, format: Annotated[str, Query(max_length=10)] = ""
) -> Response:
    viewer.caller.allow()
    app = application(request)
    statuses = node_statuses(app.uow(), app.clock)
    if format == "csv":
        return _csv(
            "nodes.csv",
            [
                "node",
                "name",
                "type",
                "enabled",
                "ships_on",
                "shipments",
                "shipments_per_day",
                "open_requests",
            ],
            (
                [
                    s.node.id,
                    s.node.name,
                    str(s.node.type),
                    s.node.enabled,
                    s.ships_on.isoformat() if s.ships_on else "",
                    s.shipments,
                    s.node.shipments_per_day or "",
                    s.open_requests,
                ]
                for s in statuses
            ),
        )
    network = network_service.current_network(app.uow()).network
    most = max((s.open_requests for s in statuses), default=0) or 1
    return render(
        request,
        viewer,
        "nodes.html",
        statuses=statuses,
        nodes_svg=nodes_map(
            network,
            "Map of the network's nodes, sized by open requests",
            {s.node.id: ("candidate" if s.node.enabled else "removed") for s in statuses},
            {
                s.node.id: f"{s.node.type}, {'enabled' if s.node.enabled else 'disabled'}, "
                f"{s.open_requests} open requests"
                for s in statuses
            },
            {s.node.id: 4 + 8 * (s.open_requests / most) ** 0.5 for s in statuses},
        ),
    )


@router.post("/nodes/{node_id}/enabled")
def switch_node(
    request: Request,
    viewer: FormViewerDep,
    node_id: str,
    enabled: Annotated[str, Form(max_length=5)],
) -> RedirectResponse:
    """Load the live network with the node enabled or disabled as the next version; the
    requests a disabled node had not accepted are routed elsewhere."""
    viewer.caller.allow()
    turn_on = enabled == "1"
    state = "enabled" if turn_on else "disabled"

    def answer(loaded: tuple[int, bool]) -> RedirectResponse:
        version, created = loaded
        if not created:
            return back("/nodes", notice=f"{node_id} was already {state}.")
        return back("/nodes", notice=f"{node_id} {state}: network version {version}.")

    return act_then(
        "/nodes",
        lambda: network_edits.set_node_enabled(application(request), node_id, turn_on),
        answer,
    )


# -- rules: read, draft, replay on history, publish ---------------------------------------------


@router.get("/rules", response_class=HTMLResponse, response_model=None)
def rules_page(request: Request, viewer: ViewerDep) -> Response:
    viewer.caller.allow()
    app = application(request)
    live = rule_drafts.live_draft(app)
    return render(
        request,
        viewer,
        "rules.html",
        live=live,
        draft=live,
        days=7,
        problems=[],
        **_live_rule_sets(app),
    )


def _live_rule_sets(app: Application) -> dict[str, Any]:
    """The live rule sets in order, each with its state now and its window in words, on the
    network's clock."""
    network = network_service.current_network(app.uow()).network
    schedule = rule_set_schedule(network.rule_sets, app.clock.now())
    rows = [(rule_set, state.value, _window(rule_set.active)) for rule_set, state in schedule]
    return {"rule_sets": rows, "timezone": network.timezone}


def _window(window: ActiveWindow) -> str:
    bounds = [("from", window.start), ("until", window.until)]
    return " ".join(f"{word} {_moment(at)}" for word, at in bounds if at is not None)


def _moment(at: datetime) -> str:
    # A bound written as a date is midnight: show it as the date it was written as.
    return at.strftime("%Y-%m-%d" if at.time() == time() else "%Y-%m-%d %H:%M")


@router.post("/rules/replay", response_class=HTMLResponse, response_model=None)
def replay_draft(
    request: Request,
    viewer: FormViewerDep,
    draft: Annotated[str, Form(max_length=200_000)],
    days: Annotated[int, Form(ge=1, le=366)] = 7,
) -> Response:
    """Check the draft; with problems, show them beside the editor; else start the replay."""
    viewer.caller.allow()
    app = application(request)
    try:
        parsed = rule_drafts.parse_draft(draft)
        since = app.clock.now() - timedelta(days=days)
        job_id = rule_drafts.start_replay(app, parsed, since, None, f"console:{viewer.caller.role}")
    except InvalidInput as error:
        return render(
            request,
            viewer,
            "rules.html",
            status_code=422,
            live=rule_drafts.live_draft(app),
            draft=draft,
            days=days,
            problems=list(error.problems),
            **_live_rule_sets(app),
        )
    return RedirectResponse(f"/rules/replays/{job_id}", status_code=303)


@router.get("/rules/replays/{job_id}", response_class=HTMLResponse, response_model=None)
def replay_page(request: Request, viewer: ViewerDep, job_id: str) -> Response:
    viewer.caller.allow()
    job = replays.get_job(application(request).read_uow(), job_id)
    template = "replay_status.html" if request.headers.get("HX-Request") else "replay.html"
    return render(request, viewer, template, job=job, kpi_rows=REPLAY_KPIS)


@router.post("/rules/replays/{job_id}/publish")
def publish_draft(request: Request, viewer: FormViewerDep, job_id: str) -> RedirectResponse:
    viewer.caller.allow()
    app = application(request)
    job = replays.get_job(app.read_uow(), job_id)
    draft = job.parameters.get("draft")
    if job.status != "done" or not isinstance(draft, dict):
        return back(f"/rules/replays/{job_id}", error="Only a finished replay can be published.")
    try:
        version, created = rule_drafts.publish(app, draft)
    except OrdermeshError as error:
        return back(f"/rules/replays/{job_id}", error=_message(error))
    message = (
        f"Published as network version {version}."
        if created
        else f"The draft is what network version {version} already holds."
    )
    return back("/rules", notice=message)


REPLAY_KPIS = (
    ("Cost per order", "cost_per_order", "money"),
    ("Shipping per order", "shipping_per_order", "money"),
    ("Handling per order", "handling_per_order", "money"),
    ("Split rate", "split_rate", "share"),
    ("Unit fill rate", "fill_rate", "share"),
    ("Promise hit rate", "promise_hit_rate", "share"),
    ("CO2e per order (kg)", "co2e_kg_per_order", "number"),
    ("Shipments per order", "shipments_per_order", "number"),
)


# -- exceptions ----------------------------------------------------------------------------------


@router.get("/exceptions", response_class=HTMLResponse, response_model=None)
def exceptions_page(request: Request, viewer: ViewerDep) -> Response:
    """Admin sees the whole queue; a channel key its own channel's intake exceptions."""
    caller = viewer.caller.allow("channel")
    app = application(request)
    intake = intake_service.list_exceptions(
        app.uow(),
        status=IntakeStatus.OPEN,
        channel=_channel_scope(viewer),
        limit=intake_service.MAX_PAGE,
    )
    queue = exception_queue(app.uow(), app.deliveries(), app.partners) if caller.is_admin else None
    return render(request, viewer, "exceptions.html", queue=queue, intake=intake.items)


def _own_intake(request: Request, viewer: Viewer, exception_id: str) -> IntakeException:
    """The exception, if the viewer may act on it: another channel's is unknown to it."""
    caller = viewer.caller.allow("channel")
    found = intake_service.get_exception(application(request).uow(), exception_id)
    if not caller.is_admin and caller.scope != found.channel:
        raise UnknownIntakeException(exception_id)
    return found


@router.post("/exceptions/intake/{exception_id}/retry")
def retry_intake(request: Request, viewer: FormViewerDep, exception_id: str) -> RedirectResponse:
    app = application(request)

    def run() -> IntakeException:
        found = _own_intake(request, viewer, exception_id)
        return intake_service.retry(
            app.uow,
            exception_id,
            intake_for(found.source),
            app.clock,
            actor=f"console:{viewer.caller.role}",
            routing=app.routing,
        )

    def answer(retried: IntakeException) -> RedirectResponse:
        if retried.status is IntakeStatus.RESOLVED:
            return back("/exceptions", notice=f"{exception_id} placed as order {retried.order_id}.")
        reasons = "; ".join(str(reason) for reason in retried.reasons)
        return back("/exceptions", error=f"{exception_id} still cannot be placed: {reasons}")

    return act_then("/exceptions", run, answer)


@router.post("/exceptions/intake/{exception_id}/dismiss")
def dismiss_intake(
    request: Request,
    viewer: FormViewerDep,
    exception_id: str,
    reason: Annotated[str, Form(max_length=500)] = "",
) -> RedirectResponse:
    app = application(request)
    if not reason.strip():
        return back("/exceptions", error="Say why the exception is dismissed.")

    def run() -> None:
        _own_intake(request, viewer, exception_id)
        intake_service.dismiss(
            app.uow(),
            exception_id,
            reason.strip(),
            app.clock,
            actor=f"console:{viewer.caller.role}",
        )

    return act("/exceptions", run, f"{exception_id} dismissed.")


@router.post("/exceptions/dead-letters/{dead_letter_id}/replay")
def replay_dead_letter(
    request: Request, viewer: FormViewerDep, dead_letter_id: int
) -> RedirectResponse:
    viewer.caller.allow()
    app = application(request)
    return act(
        "/exceptions",
        lambda: events_delivery.replay_dead_letter(app.deliveries(), dead_letter_id, app.clock),
        f"Dead letter {dead_letter_id} queued for delivery again.",
    )


@router.post("/inventory/adjust")
def adjust_inventory(
    request: Request,
    viewer: FormViewerDep,
    node: Annotated[str, Form(max_length=100)],
    sku: Annotated[str, Form(max_length=100)],
    delta: Annotated[str, Form(max_length=12)],
    reason: Annotated[str, Form(max_length=40)],
) -> RedirectResponse:
    """Add ``delta`` to on hand at ``node`` (a node key: its own node only), with a reason."""
    app = application(request)
    path = f"/inventory?{urlencode({'sku': sku})}"
    problems = []
    if reason not in set(AdjustmentReason):
        problems.append(Problem("reason", f"must be one of {', '.join(AdjustmentReason)}"))
    try:
        units = int(delta)
    except ValueError:
        problems.append(Problem("delta", f"{delta!r} is not a whole number"))
        units = 0
    if problems:
        return back(path, error=_message(InvalidInput("adjustment", problems)))

    def run() -> None:
        viewer.caller.allow("node").for_node(node)
        inventory_service.adjust(
            app.uow(),
            node.strip(),
            sku.strip(),
            units,
            AdjustmentReason(reason),
            f"console:{viewer.caller.role}",
            app.clock,
            routing=app.routing,
        )

    return act(path, run, f"{node}: {units:+d} x {sku} ({reason}).")
