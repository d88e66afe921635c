"""The network document: read the current version's summary, load a new version (admin)."""

from __future__ import annotations

from dataclasses import asdict
from enum import Enum
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response, status

from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.bootstrap import Application
from ordermesh.domain.routing import DEFAULT_RULE_SET, RuleSet, WindowState, rule_set_schedule
from ordermesh.entrypoints.api.auth import CallerDep
from ordermesh.entrypoints.api.dtos import NetworkLoaded, NetworkSummary, RuleSets, RuleSetView
from ordermesh.services import network as network_service

router = APIRouter(prefix="/v1", tags=["network"])


@router.get("/network", response_model=NetworkSummary, summary="The current network version")
def get_network(request: Request, caller: CallerDep) -> NetworkSummary:
    caller.allow("channel", "node")
    application: Application = request.app.state.application
    current = network_service.current_network(application.read_uow())
    network = current.network
    by_type: dict[str, int] = {}
    for node in network.nodes.values():
        by_type[node.type.value] = by_type.get(node.type.value, 0) + 1
    return NetworkSummary(
        version=current.version,
        loaded_at=current.loaded_at,
        checksum=current.checksum,
        name=network.name,
        currency=network.currency,
        nodes=len(network.nodes),
        nodes_by_type=by_type,
        enabled_nodes=sorted(n.id for n in network.enabled_nodes()),
        skus=len(network.skus),
        bundles=len(network.bundles),
        channels={c.id: c.service_level for c in network.channels.values()},
        services=sorted(network.services),
        service_levels={k: v.max_transit_days for k, v in network.service_levels.items()},
    )


@router.put(
    "/network",
    response_model=NetworkLoaded,
    summary="Load a network document (JSON) as the next version (admin)",
    responses={201: {"model": NetworkLoaded, "description": "a new version was stored"}},
)
def put_network(
    request: Request,
    response: Response,
    caller: CallerDep,
    document: Annotated[
        dict[str, Any], Body(description="the network document (docs/formats/network.md)")
    ],
) -> NetworkLoaded:
    caller.allow()
    application: Application = request.app.state.application
    normalised, _ = validate_network_document(document, "request body")
    version, created = network_service.load_network(
        application.uow(),
        normalised,
        checksum(normalised),
        application.clock,
        routing=application.routing,
    )
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return NetworkLoaded(version=version, created=created)


def _plain(value: Any) -> Any:
    """Frozensets as sorted lists and enums as their values, for JSON."""
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def rule_set_view(rule_set: RuleSet, state: WindowState) -> RuleSetView:
    data = {key: _plain(value) for key, value in asdict(rule_set).items()}
    return RuleSetView.model_validate({**data, "state": state.value})


@router.get("/rule-sets", response_model=RuleSets, summary="The routing rule sets in force")
def get_rule_sets(request: Request, caller: CallerDep) -> RuleSets:
    caller.allow("channel", "node")
    application: Application = request.app.state.application
    network = network_service.current_network(application.read_uow()).network
    if not network.rule_sets:
        return RuleSets(
            source="default", rule_sets=[rule_set_view(DEFAULT_RULE_SET, WindowState.LIVE)]
        )
    schedule = rule_set_schedule(network.rule_sets, application.clock.now())
    return RuleSets(source="network", rule_sets=[rule_set_view(*entry) for entry in schedule])
