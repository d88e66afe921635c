"""``ordermesh serve``: run the HTTP API under uvicorn.

The database is migrated once, here, before any worker starts; each worker then builds its
own app and engine through the factory ``api.app:app_from_environment`` (``factory=True``),
so no connection is ever shared across processes. With more than one worker, Prometheus
metrics are kept in multiprocess mode in a fresh temporary directory (see api/metrics.py).

Without ``--workers``, PostgreSQL gets one worker per usable CPU. SQLite gets at most two:
several processes on one WAL database are safe (writers queue on BEGIN IMMEDIATE and
busy_timeout, readers take no lock), but every order is written under the one write lock,
so past two the extra processes only add queued writers; two let one process parse, route
and answer while the other holds the lock.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import tempfile

import typer
from rich.console import Console

from ordermesh.entrypoints.access_log import log_config

# prometheus-client reads this when it is imported, i.e. in each worker (api/metrics.py).
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
FACTORY = "ordermesh.entrypoints.api.app:app_from_environment"
WORKER_HEALTHCHECK_S = 60

out = Console()


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, min=0, max=65535, help="TCP port (0: any free port)."),
    workers: int | None = typer.Option(
        None,
        min=1,
        help="Worker processes, each with its own engine "
        "[default: the CPUs on PostgreSQL, at most 2 on SQLite].",
    ),
    log_level: str = typer.Option("info", help="uvicorn log level."),
    access_log: bool = typer.Option(
        True, help="One line per request (no headers; secret query values redacted)."
    ),
) -> None:
    """Run the REST API and the operations console (console at /, OpenAPI docs at /docs)."""
    from ordermesh.bootstrap import bootstrap  # here: `ordermesh --help` imports this module

    application = bootstrap()  # migrates, once, before the workers race for it
    url = application.settings.database_url
    application.close()
    if workers is None:
        workers = default_workers(url)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    out.print(
        f"ordermesh console on http://{shown}:{port}/  (API docs: http://{shown}:{port}/docs)"
    )
    out.print(f"database: {url}; workers: {workers}")
    metrics_dir: str | None = None
    if workers > 1 and not os.environ.get(MULTIPROC_ENV):
        metrics_dir = tempfile.mkdtemp(prefix="ordermesh-metrics-")
        os.environ[MULTIPROC_ENV] = metrics_dir
    os.environ["ORDERMESH_MIGRATED"] = "1"
    import uvicorn  # only here: the rest of the CLI starts without it

    try:
        uvicorn.run(
            FACTORY,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            # Both in uvicorn[standard]; named so that a missing one is not silently
            # replaced by the slower asyncio loop and h11 parser.
            loop=_if_installed("uvloop", "auto"),
            http=_if_installed("httptools", "auto"),
            log_level=log_level,
            # uvicorn kills a worker that does not answer its ping within this; a worker
            # still importing the app on a loaded machine (over 5 s, uvicorn's default,
            # seen with two workers on a busy 2-core host) was killed and respawned forever.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
            access_log=access_log,
            log_config=log_config(),
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity, where the platform tells), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def default_workers(database_url: str) -> int:
    cpus = usable_cpus()
    return min(cpus, 2) if database_url.startswith("sqlite") else cpus


def _if_installed(module: str, otherwise: str) -> str:
    return module if importlib.util.find_spec(module) is not None else otherwise
