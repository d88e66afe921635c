"""Mutations of valid documents, driven by a ``Chooser``: ``random.Random`` for the bulk
run, hypothesis's ``data.draw`` in the tests (so a failure shrinks to a small mutation)."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Chooser(Protocol):
    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        ...


class RandomChooser:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def integer(self, low: int, high: int) -> int:
        return self._rng.randint(low, high)


def pick(chooser: Chooser, options: Sequence[T]) -> T:
    return options[chooser.integer(0, len(options) - 1)]


@dataclass(frozen=True, slots=True)
class Grammar:
    """How a text format is cut into records and fields, for the structural mutations."""

    record: bytes  # X12 segment terminator, CSV line break
    field: bytes  # X12 element separator, CSV comma
    specials: tuple[bytes, ...]  # characters that mean something in the format


# What gets pushed inside values: every separator ordermesh or its partners use, quotes,
# line breaks, NUL, and characters outside ASCII (a BOM, a right-to-left mark, an emoji,
# a lone UTF-8 continuation byte, an overlong encoding).
HOSTILE = (
    b"*",
    b"~",
    b">",
    b"|",
    b":",
    b"^",
    b",",
    b'"',
    b"\n",
    b"\r",
    b"\r\n",
    b"\x00",
    b"\t",
    "\ufeff".encode(),
    "\u202e".encode(),
    "\U0001f4e6".encode(),
    "é".encode(),
    b"\x80",
    b"\xc0\xaf",
    b"\xff\xfe",
)
EXTREME_NUMBERS = (
    b"0",
    b"-1",
    b"-0",
    b"1e309",
    b"NaN",
    b"inf",
    b"99999999999999999999999999",
    b"0.0000001",
    b"1_000",
    b"\xd9\xa3",  # ARABIC-INDIC DIGIT THREE: str.isdigit() says yes
    b"\xc2\xb2",  # SUPERSCRIPT TWO: isdigit() too, int() refuses it
    b" 7 ",
    b"+5",
)


def _records(data: bytes, grammar: Grammar) -> list[bytes]:
    return data.split(grammar.record)


def _join(records: list[bytes], grammar: Grammar) -> bytes:
    return grammar.record.join(records)


def flip_byte(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    if not data:
        return bytes([chooser.integer(0, 255)])
    at = chooser.integer(0, len(data) - 1)
    return data[:at] + bytes([chooser.integer(0, 255)]) + data[at + 1 :]


def flip_bit(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    if not data:
        return data
    at = chooser.integer(0, len(data) - 1)
    return data[:at] + bytes([data[at] ^ (1 << chooser.integer(0, 7))]) + data[at + 1 :]


def delete_record(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    records = _records(data, grammar)
    del records[chooser.integer(0, len(records) - 1)]
    return _join(records, grammar)


def duplicate_record(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    records = _records(data, grammar)
    at = chooser.integer(0, len(records) - 1)
    records.insert(chooser.integer(0, len(records)), records[at])
    return _join(records, grammar)


def swap_records(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    records = _records(data, grammar)
    a, b = chooser.integer(0, len(records) - 1), chooser.integer(0, len(records) - 1)
    records[a], records[b] = records[b], records[a]
    return _join(records, grammar)


def _edit_field(
    data: bytes, chooser: Chooser, grammar: Grammar, edit: Callable[[list[bytes], int], None]
) -> bytes:
    records = _records(data, grammar)
    at = chooser.integer(0, len(records) - 1)
    fields = records[at].split(grammar.field)
    edit(fields, chooser.integer(0, len(fields) - 1))
    records[at] = grammar.field.join(fields)
    return _join(records, grammar)


def delete_field(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return _edit_field(data, chooser, grammar, lambda fields, at: fields.pop(at))


def duplicate_field(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return _edit_field(data, chooser, grammar, lambda fields, at: fields.insert(at, fields[at]))


def empty_field(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return _edit_field(data, chooser, grammar, lambda fields, at: fields.__setitem__(at, b""))


def number_field(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    number = pick(chooser, EXTREME_NUMBERS)
    return _edit_field(data, chooser, grammar, lambda fields, at: fields.__setitem__(at, number))


def _insert(data: bytes, chooser: Chooser, value: bytes) -> bytes:
    at = chooser.integer(0, len(data))
    return data[:at] + value + data[at:]


def insert_special(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return _insert(data, chooser, pick(chooser, (*grammar.specials, *HOSTILE)))


def special_in_value(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    """A separator or a line break inside one field's value, the rest intact: the input
    that stopped the worker (an echoed value holding a separator)."""
    special = pick(chooser, (*grammar.specials, *HOSTILE))

    def edit(fields: list[bytes], at: int) -> None:
        value = fields[at]
        cut = chooser.integer(0, len(value))
        fields[at] = value[:cut] + special + value[cut:]

    return _edit_field(data, chooser, grammar, edit)


def long_value(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    unit = pick(chooser, (b"X", b"9", "é".encode(), b" ", b"A1"))
    size = pick(chooser, (40, 256, 4_096, 70_000))

    def edit(fields: list[bytes], at: int) -> None:
        fields[at] = fields[at] + unit * size

    return _edit_field(data, chooser, grammar, edit)


def unicode_text(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    text = "".join(chr(chooser.integer(0x80, 0x2FFFF)) for _ in range(chooser.integer(1, 4)))
    return _insert(data, chooser, text.encode("utf-8", "surrogatepass"))


def truncate(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return data[: chooser.integer(0, len(data))]


def empty(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return pick(chooser, (b"", b" ", b"\n", grammar.record, b"\xef\xbb\xbf"))


def line_endings(data: bytes, chooser: Chooser, grammar: Grammar) -> bytes:
    return data.replace(b"\n", pick(chooser, (b"\r\n", b"\r", b"\n\n", b"")))


Mutation = Callable[[bytes, Chooser, Grammar], bytes]
MUTATIONS: tuple[Mutation, ...] = (
    flip_byte,
    flip_bit,
    delete_record,
    duplicate_record,
    swap_records,
    delete_field,
    duplicate_field,
    empty_field,
    number_field,
    insert_special,
    special_in_value,
    special_in_value,  # twice as likely: the case that stopped the worker
    long_value,
    unicode_text,
    truncate,
    empty,
    line_endings,
)


def mutate(seed: bytes, chooser: Chooser, grammar: Grammar, max_rounds: int = 3) -> bytes:
    """``seed`` with one to ``max_rounds`` mutations applied in turn."""
    data = seed
    for _ in range(chooser.integer(1, max_rounds)):
        data = pick(chooser, MUTATIONS)(data, chooser, grammar)
    return data


# -- JSON documents: mutate the tree, then write it -----------------------------------------

_ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    0,
    -1,
    2**70,
    1e308,
    -0.0,
    "",
    " ",
    "x" * 10_000,
    "60610\n",
    "MUG*BLUE~",
    "\u0000",
    "\U0001f4e6",
    [],
    {},
    [None],
    {"": None},
)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found.extend(_paths(item, (*path, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.extend(_paths(item, (*path, index)))
    return found


def _parent(document: Any, path: tuple[Any, ...]) -> Any:
    for key in path[:-1]:
        document = document[key]
    return document


def mutate_tree(document: Any, chooser: Chooser, max_rounds: int = 3) -> Any:
    """A deep copy of a JSON document with values replaced, removed or duplicated."""
    document = json.loads(json.dumps(document))
    for _ in range(chooser.integer(1, max_rounds)):
        paths = [path for path in _paths(document) if path]
        if not paths:
            return pick(chooser, _ODD_VALUES)
        path = pick(chooser, paths)
        parent = _parent(document, path)
        key = path[-1]
        action = chooser.integer(0, 4)
        if action == 0:
            parent[key] = pick(chooser, _ODD_VALUES)
        elif action == 1:
            del parent[key]
        elif action == 2 and isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        elif action == 3 and isinstance(parent[key], str):
            value = parent[key]
            cut = chooser.integer(0, len(value))
            special = pick(chooser, HOSTILE).decode("utf-8", "replace")
            parent[key] = value[:cut] + special + value[cut:]
        else:
            parent[key] = [parent[key]] if chooser.integer(0, 1) else {"k": parent[key]}
    return document
