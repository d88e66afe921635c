"""What every CSV input of ordermesh checks the same way: its encoding, its header, and
whole-number cells. Each reader adds the columns and rules of its own format."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence

from ordermesh.domain.errors import InvalidInput, Problem


def read_rows(
    data: bytes, source: str, error: type[InvalidInput] = InvalidInput
) -> list[list[str]]:
    """Decode UTF-8 (a byte order mark is allowed) and split into rows; the first row is
    the header, lower-cased and stripped. Refuses undecodable bytes and a missing header."""
    # Strip a byte order mark first, so an error's offset counts in the bytes we hold.
    data = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as failure:
        line = data[: failure.start].count(b"\n") + 1
        raise error(
            source, [Problem(f"line {line}", f"is not valid UTF-8 (byte {failure.start})")]
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as failure:  # a field over the csv module's limit (128 KiB), a NUL...
        raise error(source, [Problem(f"line {reader.line_num}", str(failure))]) from None
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise error(source, [Problem("line 1", "the file is empty: expected a header")])
    rows[0] = [cell.strip().lower() for cell in rows[0]]
    return rows


def header_problems(
    header: Sequence[str], required: Sequence[str], optional: Sequence[str]
) -> list[Problem]:
    """Missing, unknown and duplicate columns, each with its position."""
    problems = [
        Problem("line 1", f"missing column {name!r}") for name in required if name not in header
    ]
    known = (*required, *optional)
    for index, name in enumerate(header):
        if name not in known:
            problems.append(Problem(f"line 1, column {index + 1}", f"unknown column {name!r}"))
        elif header.index(name) != index:
            problems.append(Problem(f"line 1, column {index + 1}", f"duplicate column {name!r}"))
    return problems


def whole_number(text: str, where: str, problems: list[Problem], minimum: int) -> int | None:
    """A whole number >= ``minimum``, or None with the reason added to ``problems``."""
    value = text.strip()
    try:
        number = int(value)
    except ValueError:
        problems.append(Problem(where, f"must be a whole number, not {value!r}"))
        return None
    if number < minimum:
        problems.append(Problem(where, f"must be >= {minimum}, not {number}"))
        return None
    return number


def data_rows(
    rows: Sequence[Sequence[str]], problems: list[Problem]
) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, stripped cells by column) for each row after the header. Blank lines
    are skipped (a trailing newline is harmless); a row whose width differs from the
    header's is reported in ``problems`` and skipped."""
    header = rows[0]
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(
                Problem(f"line {line}", f"has {len(row)} fields, the header has {len(header)}")
            )
            continue
        yield line, {name: cell.strip() for name, cell in zip(header, row, strict=True)}
