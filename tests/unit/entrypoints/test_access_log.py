"""The access log of ``ordermesh serve``: a line per request, with no secret in it."""

from __future__ import annotations

import logging

import pytest

from ordermesh.entrypoints.access_log import RedactSecrets, log_config, redact_query


@pytest.mark.parametrize(
    ("path", "logged"),
    [
        ("/v1/orders", "/v1/orders"),
        ("/v1/orders?channel=web&limit=5", "/v1/orders?channel=web&limit=5"),
        ("/v1/orders?api_key=om_secret&channel=web", "/v1/orders?api_key=***&channel=web"),
        ("/x?token=t1&Signature=s&access_token=a", "/x?token=***&Signature=***&access_token=***"),
    ],
)
def test_a_secret_query_value_never_reaches_the_log(path: str, logged: str) -> None:
    assert redact_query(path) == logged


def test_the_filter_rewrites_uvicorns_access_record() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/v1/x?key=om_abc", "1.1", 200),
        None,
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == '127.0.0.1:5000 - "GET /v1/x?key=*** HTTP/1.1" 200'


def test_the_access_handler_carries_the_filter_and_ordermesh_logs_at_info() -> None:
    config = log_config()
    assert config["handlers"]["access"]["filters"] == ["redact_secrets"]
    assert config["loggers"]["ordermesh"]["level"] == "INFO"
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["access"]
