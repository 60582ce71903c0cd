"""A real threaded HTTP server on 127.0.0.1 for tests: serves routes, records requests."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from oversight.flows.sample import LoopbackHTTPServer


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # header names lower-cased
    time: float  # time.monotonic() when it arrived
    body: bytes = b""  # what a POST sent (capped at 1 MB)


@dataclass
class Response:
    """What a route answers. `body` may be bytes, str, or an iterable of byte chunks (streamed).

    `delay` waits before answering; `chunk_delay` waits between streamed chunks.
    """

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes | str | Iterable[bytes] = b""
    delay: float = 0.0
    chunk_delay: float = 0.0


RouteValue = Response | tuple[int, Mapping[str, str], bytes | str] | Callable[[Request], Any]


class HTTPTestServer:
    """Serves `routes` (path -> Response, (status, headers, body) tuple, or callable(Request)).

    A route key with a query string matches only that exact path+query; a key without
    one matches any query. Unknown paths get 404. Every request is kept in `requests`.
    """

    def __init__(self, routes: Mapping[str, RouteValue] | None = None, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, RouteValue] = dict(routes or {})
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server = LoopbackHTTPServer((host, 0), self._handler_class())
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self._server.server_address[0]}:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base_url + path

    def add(self, path: str, body: bytes | str | Iterable[bytes] = b"", status: int = 200,
            headers: Mapping[str, str] | None = None, **options: float) -> str:
        """Add a route and return its full URL."""
        self.routes[path] = Response(status, dict(headers or {}), body, **options)
        return self.url(path)

    def requests_to(self, path: str) -> list[Request]:
        """The requests whose path (without query) is `path`."""
        with self._lock:
            return [r for r in self.requests if urlsplit(r.path).path == path]

    def start(self) -> HTTPTestServer:
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="test-http", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> HTTPTestServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _resolve(self, request: Request) -> Response:
        route = self.routes.get(request.path) or self.routes.get(urlsplit(request.path).path)
        if route is None:
            return Response(404, {"Content-Type": "text/plain"}, b"not found")
        if callable(route) and not isinstance(route, Response):
            route = route(request)
        if isinstance(route, tuple):
            return Response(*route)
        assert isinstance(route, Response), f"route {request.path} gave {route!r}"
        return route

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                  time.monotonic())
                with server._lock:
                    server.requests.append(request)
                _send(self, server._resolve(request))

            do_HEAD = do_GET

            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = min(int(self.headers.get("Content-Length") or 0), 1 << 20)
                request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                  time.monotonic(), self.rfile.read(length))
                with server._lock:
                    server.requests.append(request)
                _send(self, server._resolve(request))

            def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
                pass

        return Handler


def _send(handler: BaseHTTPRequestHandler, response: Response) -> None:
    if response.delay:
        time.sleep(response.delay)
    body = response.body.encode("utf-8") if isinstance(response.body, str) else response.body
    headers = {k.lower(): v for k, v in response.headers.items()}
    streamed = not isinstance(body, bytes)
    handler.send_response(response.status)
    for name, value in response.headers.items():
        handler.send_header(name, value)
    if streamed and "content-length" not in headers:
        handler.send_header("Connection", "close")
        handler.close_connection = True
    elif not streamed and "content-length" not in headers:
        handler.send_header("Content-Length", str(len(body)))  # type: ignore[arg-type]
    handler.end_headers()
    if handler.command == "HEAD":
        return
    try:
        for chunk in [body] if isinstance(body, bytes) else body:
            handler.wfile.write(chunk)
            if response.chunk_delay:
                time.sleep(response.chunk_delay)
        handler.wfile.flush()
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True  # the client hung up on purpose (size cap, timeout)
