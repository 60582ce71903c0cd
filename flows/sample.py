"""The bundled offline sample: a feed and article pages served from 127.0.0.1 by a real HTTP server."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

SAMPLE_DIR = Path(str(resources.files("oversight.flows").joinpath("sample")))
_TYPES = {".xml": "application/rss+xml; charset=utf-8", ".html": "text/html; charset=utf-8",
          ".json": "application/json"}


class LoopbackHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP server whose listen backlog fits the fetcher's concurrency.

    socketserver's default backlog of 5 drops the SYNs of a 16-request burst, and the kernel retries them
    only after a second: a page then looks like a timeout.
    """

    request_queue_size = 128
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (a killed run, a timed-out fetch) is normal here; anything else is printed."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class SampleError(RuntimeError):
    """The sample server cannot start (usually: its port is taken)."""


def send_body(handler: BaseHTTPRequestHandler, status: int, content_type: str, body: bytes) -> None:
    """Answer a request with a whole body (Content-Length set): the loopback servers' one way to reply."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def _handler(base_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            path = self.path.split("?", 1)[0].lstrip("/")
            if path == "robots.txt":
                return send_body(self, 200, "text/plain", b"User-agent: *\nAllow: /\n")
            target = (SAMPLE_DIR / path).resolve()
            if not path or SAMPLE_DIR.resolve() not in target.parents or not target.is_file():
                return send_body(self, 404, "text/plain", b"not found\n")
            body = target.read_bytes().replace(b"{BASE_URL}", base_url.encode())
            send_body(self, 200, _TYPES.get(target.suffix, "application/octet-stream"), body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: the pipeline logs outcomes
            return

    return Handler


@contextmanager
def serve_sample(port: int) -> Iterator[str]:
    """Serve the sample on 127.0.0.1:port for the duration of the block; yield its base URL."""
    base_url = f"http://127.0.0.1:{port}"
    try:
        server = LoopbackHTTPServer(("127.0.0.1", port), _handler(base_url))
    except OSError as exc:
        raise SampleError(
            f"cannot serve the sample on 127.0.0.1:{port} ({exc}); set OVERSIGHT_SAMPLE_PORT to a free port"
        ) from exc
    thread = threading.Thread(target=server.serve_forever, name="sample-http", daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        server.server_close()


def sample_feed_urls(base_url: str) -> list[str]:
    return [f"{base_url}/{p.name}" for p in sorted(SAMPLE_DIR.glob("feed*.xml"))]
