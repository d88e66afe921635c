"""Pydantic errors turned into ordermesh ``Problem``s with readable paths and messages.

``nodes[3].handling.per_unit: must be >= 0`` reads better to an operator than pydantic's
``nodes.3.handling.per_unit  Input should be greater than or equal to 0``.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from ordermesh.domain.errors import Problem


def field_path(location: Sequence[int | str]) -> str:
    path = ""
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else part
    return path


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    ctx = error.get("ctx", {})
    given = error.get("input")
    simple = {
        "missing": "is required",
        "extra_forbidden": "is not a known field",
        "int_parsing": f"must be a whole number, not {given!r}",
        "int_type": f"must be a whole number, not {given!r}",
        "int_from_float": f"must be a whole number, not {given!r}",
        "float_parsing": f"must be a number, not {given!r}",
        "float_type": f"must be a number, not {given!r}",
        "bool_parsing": f"must be true or false, not {given!r}",
        "bool_type": f"must be true or false, not {given!r}",
        "string_type": f"must be a text, not {given!r}",
        "dict_type": "must be a mapping",
        "list_type": "must be a list",
        "tuple_type": "must be a list",
        "model_type": "must be a mapping",
        "date_from_datetime_parsing": f"must be a date YYYY-MM-DD, not {given!r}",
        "date_parsing": f"must be a date YYYY-MM-DD, not {given!r}",
        "date_type": f"must be a date YYYY-MM-DD, not {given!r}",
    }
    if kind in simple:
        return simple[kind]
    if kind == "greater_than_equal":
        return f"must be >= {ctx['ge']:g}"
    if kind == "greater_than":
        return f"must be > {ctx['gt']:g}"
    if kind == "less_than_equal":
        return f"must be <= {ctx['le']:g}"
    if kind in ("enum", "literal_error"):
        return f"must be one of {ctx.get('expected', '')}, not {given!r}"
    if kind == "too_short":
        return f"must have at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must have at most {ctx.get('max_length')} item(s)"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_pattern_mismatch":
        return f"{given!r} is not a valid id (letters, digits, _ . : - only)"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    return error["msg"]


def problems_from_pydantic(error: ValidationError) -> list[Problem]:
    return [
        Problem(field_path(detail["loc"]), _message(detail))
        for detail in error.errors(include_url=False)
    ]
