"""Progress bars for long CLI work (silent when output is for machines)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn


@contextmanager
def progress_bar(
    description: str, total: int, quiet: bool = False
) -> Iterator[Callable[[str], None]]:
    """Yield ``advance(label)``; call it once per unit of work done."""
    if quiet:
        yield lambda _label: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda _label: progress.advance(task)
