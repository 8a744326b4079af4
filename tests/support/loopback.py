"""Real servers on loopback for tests, started and stopped in one place.

Every server listens on 127.0.0.1 port 0, so the kernel picks a free port at bind time (no
other process can take it between choosing and binding), and runs on a daemon thread that
leaving the ``with`` block stops and joins:

    with serving(http_server(Handler), name="help-site") as server:
        get(url_of(server) + "/faq")

:class:`LoopbackService` is the same for a fake provider (embeddings, chat completions) that
keeps state between requests. :func:`free_port` is only for a server in another process that
must be told its port up front."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self, TypeVar

HOST = "127.0.0.1"
JOIN_TIMEOUT_SECONDS = 10.0

ServerT = TypeVar("ServerT", bound=socketserver.BaseServer)


@contextmanager
def in_thread(
    run: Callable[[], object], stop: Callable[[], object], *, name: str
) -> Iterator[None]:
    """Call ``run`` on a daemon thread for the duration of the block; then ``stop`` it (a
    call that makes ``run`` return) and join the thread."""
    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop()
        thread.join(timeout=JOIN_TIMEOUT_SECONDS)


@contextmanager
def serving(server: ServerT, *, name: str, poll_interval: float = 0.05) -> Iterator[ServerT]:
    """Serve ``server`` (already bound) on a daemon thread until the block ends; then shut it
    down and close it, which joins its request threads when ``block_on_close`` is set."""
    try:
        run = partial(server.serve_forever, poll_interval=poll_interval)
        with in_thread(run, server.shutdown, name=name):
            yield server
    finally:
        server.server_close()


def http_server(handler: type[BaseHTTPRequestHandler]) -> ThreadingHTTPServer:
    """A threading HTTP server bound to an ephemeral loopback port, serving with ``handler``."""
    server = ThreadingHTTPServer((HOST, 0), handler)
    server.daemon_threads = True
    server.block_on_close = True  # server_close() joins the request threads
    return server


def url_of(server: socketserver.TCPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host!s}:{port}"


@contextmanager
def asyncio_serving(
    start: Callable[[asyncio.AbstractEventLoop], asyncio.AbstractServer], *, name: str
) -> Iterator[asyncio.AbstractServer]:
    """An asyncio server on its own event loop in a daemon thread. ``start`` creates the
    server on the loop it is given (``loop.run_until_complete(loop.create_server(...))``);
    on exit the loop stops, the server closes and unfinished connections are cancelled."""
    loop = asyncio.new_event_loop()
    server = start(loop)
    try:
        with in_thread(loop.run_forever, lambda: loop.call_soon_threadsafe(loop.stop), name=name):
            yield server
        server.close()
        loop.run_until_complete(server.wait_closed())
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.wait(pending))
    finally:
        loop.close()


class LoopbackService:
    """A fake provider served over HTTP on loopback while used as a context manager.

    Subclasses give the request handler class (``handler_class``) and may free requests they
    keep waiting (``release``) before the server shuts down."""

    thread_name = "loopback-server"

    def __init__(self) -> None:
        self._stack: ExitStack | None = None
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "server not started"
        return url_of(self._server)

    def handler_class(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    def release(self) -> None:
        """Let blocked handlers answer (called before the server shuts down)."""

    def __enter__(self) -> Self:
        with ExitStack() as stack:
            self._server = stack.enter_context(
                serving(http_server(self.handler_class()), name=self.thread_name)
            )
            stack.callback(self.release)  # first on exit: before the server shuts down
            self._stack = stack.pop_all()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._stack is not None:
            self._stack.close()
        self._stack = None
        self._server = None


def free_port(host: str = HOST) -> int:
    """A port free a moment ago, for a server in another process that needs it on its command
    line. In-process servers bind to port 0 instead (see :func:`http_server`)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
    return port
