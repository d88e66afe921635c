"""Draft rule sets, as the API, the console and the CLI take them: parse and check a draft,
replay it on stored orders (in the background for the API and the console), publish it as
the next network version. The replay itself is ``services.replays``."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ordermesh.adapters.formats.network_document import (
    parse_network_text,
)
from ordermesh.bootstrap import Application
from ordermesh.domain.errors import NetworkNotLoaded
from ordermesh.domain.routing import RuleSet
from ordermesh.entrypoints import network_edits
from ordermesh.services import network as network_service
from ordermesh.services import replays

DRAFT_SOURCE = "draft"


def parse_draft(text: str) -> dict[str, Any]:
    """A draft's YAML (or JSON) text: a mapping with ``rule_sets:``; problems name lines."""
    return parse_network_text(text.encode("utf-8"), DRAFT_SOURCE)


def check_draft(application: Application, draft: object) -> tuple[RuleSet, ...]:
    network = network_service.current_network(application.uow()).network
    return replays.draft_rule_sets(network, draft)


def live_draft(application: Application) -> str:
    """The live network's rule sets as a YAML draft to start editing from."""
    import yaml

    with application.uow() as uow:
        document = uow.network.current_document()
    if document is None:
        raise NetworkNotLoaded()
    return yaml.safe_dump(
        {"rule_sets": document.get("rule_sets") or []}, sort_keys=False, allow_unicode=True
    )


def start_replay(
    application: Application,
    draft: Mapping[str, Any],
    since: datetime,
    until: datetime | None,
    actor: str,
) -> str:
    """Queue a replay of the orders placed since ``since`` under ``draft`` and run it on a
    thread of this process; its progress and result are read back with ``replays.get_job``."""
    rule_sets = check_draft(application, draft)
    parameters: dict[str, Any] = {
        "since": since.isoformat(),
        "until": None if until is None else until.isoformat(),
        "draft": dict(draft),
    }
    job_id = replays.start_job(application.uow(), parameters, actor, application.clock)
    threading.Thread(
        target=replays.run_job,
        args=(application.uow, job_id, since, until, rule_sets, application.clock),
        name=f"replay-{job_id}",
        daemon=True,
    ).start()
    return job_id


def publish(application: Application, draft: Mapping[str, Any]) -> tuple[int, bool]:
    """Load the live network document with the draft's rule sets as the next version."""
    document = network_edits.live_document(application)
    return network_edits.load_edited(
        application, replays.published_document(document, draft), DRAFT_SOURCE
    )
