"""The file system transport of partner files (docs/partners.md).

An inbox holds the files a partner drops for us; ``processed/`` and ``rejected/`` are its
subfolders, and a rejected file gets its report beside it as ``<name>.error.txt``. Files
whose name starts with ``.`` or ends with ``.tmp`` or ``.part`` are being written and are
left alone. Everything we write (outbound documents, reports) is written atomically: a temp
file in the same folder, flushed and fsynced, then renamed over the final name.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from ordermesh.services.partner_ports import InboxFile, OutboundFile, Outcome

PROCESSED = "processed"
REJECTED = "rejected"
_IN_PROGRESS_SUFFIXES = (".tmp", ".part")


def _fsync_directory(folder: Path) -> None:
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(descriptor)


def write_atomically(path: Path, data: bytes) -> None:
    """``path`` holds either its old content or all of ``data``, never a part of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{uuid.uuid4().hex}.tmp"
    try:
        with temp.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        temp.replace(path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


def _free_name(folder: Path, name: str) -> Path:
    """``name`` in ``folder``, or ``name.2``, ``name.3``... when taken (a file of the same
    name was processed before)."""
    candidate = folder / name
    number = 1
    while candidate.exists() or (folder / f"{candidate.name}.error.txt").exists():
        number += 1
        candidate = folder / f"{name}.{number}"
    return candidate


class FileSystemTransport:
    """Folders are taken as given: a relative one is relative to the working directory,
    or to ``base`` when given."""

    def __init__(self, base: Path | None = None) -> None:
        self._base = base

    def _path(self, folder: str) -> Path:
        path = Path(folder)
        if self._base is not None and not path.is_absolute():
            return self._base / path
        return path

    def inbox(self, folder: str) -> list[InboxFile]:
        root = self._path(folder)
        if not root.is_dir():
            return []
        files = []
        for path in sorted(root.iterdir()):
            if (
                not path.is_file()
                or path.name.startswith(".")
                or path.name.endswith(_IN_PROGRESS_SUFFIXES)
            ):
                continue
            try:
                data = path.read_bytes()
            except FileNotFoundError:  # taken by a concurrent worker
                continue
            files.append(InboxFile(name=path.name, location=str(path), data=data))
        return files

    def settle(self, file: InboxFile, outcome: Outcome, report: str | None) -> str | None:
        source = Path(file.location)
        if not source.exists():
            return None
        folder = source.parent / (PROCESSED if outcome is Outcome.APPLIED else REJECTED)
        folder.mkdir(parents=True, exist_ok=True)
        target = _free_name(folder, file.name)
        if report is not None:
            # The report first: a rejected file is never seen without its reason.
            write_atomically(folder / f"{target.name}.error.txt", report.encode())
        try:
            source.replace(target)
        except FileNotFoundError:
            return None
        _fsync_directory(folder)
        _fsync_directory(source.parent)
        return str(target)

    def write(self, file: OutboundFile) -> str:
        path = self._path(file.folder) / file.name
        write_atomically(path, file.content.encode())
        return str(path)
