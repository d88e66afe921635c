"""The access log of ``ordermesh serve``: one line per request, and no secret in it.

uvicorn's access line never holds a header (so never ``Authorization``); its path does
hold the query string, where a client may have put a key or a token, so the value of
every query parameter whose name says it is a secret is replaced by ``***`` before the
line is written. ordermesh's own loggers (``ordermesh.*``: kept intake exceptions,
Shopify deliveries) write to the same stream as uvicorn's messages.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

SECRET_NAME = re.compile(r"key|token|secret|password|passwd|signature|sig|hmac|auth", re.I)
REDACTED = "***"


def redact_query(path: str) -> str:
    """``/v1/x?api_key=abc&channel=web`` -> ``/v1/x?api_key=***&channel=web``."""
    base, separator, query = path.partition("?")
    if not separator:
        return path
    pairs = [
        (name, REDACTED if SECRET_NAME.search(name) else value)
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return f"{base}?{urlencode(pairs, safe='*')}"


class RedactSecrets(logging.Filter):
    """On uvicorn's access logger: ``args`` are (client, method, path, http version,
    status); the path loses its secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_query(args[2]), *args[3:])
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration, with the filter on its access handler."""
    from uvicorn.config import LOGGING_CONFIG  # only here: the CLI starts without uvicorn

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": RedactSecrets}
    config["handlers"]["access"]["filters"] = ["redact_secrets"]
    config["loggers"]["ordermesh"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config
