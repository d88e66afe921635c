"""Changes to the live network document made from the console or the API (rule sets from a
draft, a node enabled or disabled), each checked as a network file is and loaded as the
next network version, which re-routes the work a disabled node had not accepted
(``services.network``)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ordermesh.adapters.formats.network_document import checksum, validate_network_document
from ordermesh.bootstrap import Application
from ordermesh.domain.errors import NetworkNotLoaded, UnknownNode
from ordermesh.services import network as network_service

EDIT_SOURCE = "console"


def live_document(application: Application) -> Mapping[str, Any]:
    with application.uow() as uow:
        document = uow.network.current_document()
    if document is None:
        raise NetworkNotLoaded()
    return document


def load_edited(
    application: Application, document: Mapping[str, Any], source: str = EDIT_SOURCE
) -> tuple[int, bool]:
    """Check the edited document and load it: (version, whether it is a new one)."""
    normalised, _ = validate_network_document(document, source)
    return network_service.load_network(
        application.uow(),
        normalised,
        checksum(normalised),
        application.clock,
        routing=application.routing,
    )


def set_node_enabled(application: Application, node_id: str, enabled: bool) -> tuple[int, bool]:
    document = copy.deepcopy(dict(live_document(application)))
    nodes = [node for node in document.get("nodes", []) if node.get("id") == node_id]
    if not nodes:
        raise UnknownNode(node_id)
    nodes[0]["enabled"] = enabled
    return load_edited(application, document)
