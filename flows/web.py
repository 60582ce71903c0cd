"""`oversight web`: the review pages (events list, event page, review forms) and Atom feeds, server-rendered.

Every page is rendered by Jinja2 with autoescaping on (article text is hostile) and served with a strict
Content-Security-Policy (no inline script: the keyboard shortcuts are one static file). Bound to loopback by
default, where the Host header must name loopback (no DNS rebinding); bound elsewhere, a token is required.
Every form carries a token tied to a SameSite=Strict cookie, and a POST from another origin is refused.
Writes go through the lake's optimistic commits (retried on conflict), so reviewing never waits for landing
and landing never waits for a review.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
import subprocess
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, Response
from starlette.routing import Route

from oversight.schemas.settings import Settings

CSRF_COOKIE = "oversight_csrf"
TOKEN_COOKIE = "oversight_token"
REVIEWER_COOKIE = "oversight_reviewer"
MAX_FORM_BYTES = 64 * 1024
HERE = Path(str(resources.files("oversight.flows").joinpath("web_files")))
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # the Origin a same-site form needs is sent; sources get no referrer
    "X-Frame-Options": "DENY",
}


class WebError(RuntimeError):
    """`oversight web` cannot start as configured: the message says why and what to set."""


def is_loopback(host: str) -> bool:
    """Whether a bind address or Host name is this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_binding(settings: Settings) -> None:
    """Refuse to listen beyond loopback without a token."""
    if not is_loopback(settings.web_host) and not settings.web_token:
        raise WebError(f"OVERSIGHT_WEB_HOST={settings.web_host} is not loopback: set OVERSIGHT_WEB_TOKEN to a long "
                       "random secret first (every request must then carry it), or leave the host at 127.0.0.1")


def safe_href(url: Any) -> str:
    """An article's URL as a link target: http(s) only (a javascript: or data: URL would run in the page)."""
    text = str(url or "")
    return text if urlsplit(text).scheme in ("http", "https") else "#"


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(HERE / "templates")),
                      autoescape=select_autoescape(["html", "xml"], default=True), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["href"] = safe_href
    env.filters["qs"] = lambda params: urlencode(params)
    env.filters["day"] = lambda ts: ts.astimezone(UTC).strftime("%Y-%m-%d") if ts else ""
    env.filters["iso"] = lambda ts: (ts or datetime(1970, 1, 1, tzinfo=UTC)).astimezone(UTC).isoformat()
    return env


def create_app(settings: Settings) -> Starlette:
    """The web application over the lake of these settings."""
    from oversight.flows.web_routes import Pages

    check_binding(settings)
    pages = Pages(settings, _environment())
    routes = [
        Route("/", pages.events_list),
        Route("/events/{event_id:str}", pages.event),
        Route("/events/{event_id:str}/review", pages.review, methods=["POST"]),
        Route("/queue", pages.queue),
        Route("/feed.atom", pages.feed),
        Route("/saved", pages.save, methods=["POST"]),
        Route("/saved/{name:str}.atom", pages.saved_feed),
        Route("/saved/{name:str}", pages.saved_list),
        Route("/saved/{name:str}/delete", pages.delete_saved, methods=["POST"]),
        Route("/static/{name:str}", static),
    ]
    token = settings.web_token.get_secret_value() if settings.web_token else None
    return Starlette(routes=routes, middleware=[Middleware(BaseHTTPMiddleware,
                                                           dispatch=guard(settings.web_host, token))])


async def static(request: Request) -> Response:
    name = request.path_params["name"]
    if name not in ("app.js", "app.css"):
        return PlainTextResponse("not found", 404)
    return FileResponse(HERE / "static" / name, headers={"Cache-Control": "max-age=300"})


Handler = Callable[[Request], Awaitable[Response]]


def guard(bound_host: str, token: str | None) -> Callable[[Request, Handler], Awaitable[Response]]:
    """Middleware: Host check on loopback, the token when one is set, CSRF on POST, security headers."""

    async def check(request: Request, call_next: Handler) -> Response:
        given = None
        if token:
            given = _given_token(request)
            if given is None or not hmac.compare_digest(given, token):
                return _plain(401, "a token is required: open the page with ?token=... (OVERSIGHT_WEB_TOKEN)")
        elif is_loopback(bound_host) and not is_loopback(request.url.hostname or ""):
            return _plain(421, f"this server answers to 127.0.0.1 or localhost only, not {request.url.hostname!r}")
        if request.method == "POST" and not _same_origin(request):
            return _plain(403, "refused: a form posted from another site")
        csrf_token(request)
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if CSRF_COOKIE not in request.cookies:
            response.set_cookie(CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict")
        if token and request.query_params.get("token") and request.cookies.get(TOKEN_COOKIE) != given:
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict")
        return response

    return check


def _given_token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.query_params.get("token") or request.cookies.get(TOKEN_COOKIE)


def _plain(status: int, text: str) -> Response:
    return PlainTextResponse(text + "\n", status, headers=SECURITY_HEADERS)


def _same_origin(request: Request) -> bool:
    """A POST's Origin, when the browser sends one, is this site (a browser always sends it cross-site)."""
    origin = request.headers.get("origin")
    return not origin or urlsplit(origin).netloc == request.headers.get("host")


class FormRefused(ValueError):
    """A POST whose form cannot be trusted or read: the message says why."""


async def trusted_form(request: Request) -> dict[str, str]:
    """The URL-encoded form of a POST, bounded in size, whose token matches this browser's cookie (the
    cookie is SameSite=Strict and unreadable by script, so another site can neither send nor copy it)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise FormRefused(f"form larger than {MAX_FORM_BYTES} bytes")
    try:
        parsed = parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=50, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise FormRefused(f"unreadable form: {exc}") from exc
    form = {k: v[-1] for k, v in parsed.items()}
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not hmac.compare_digest(form.get("csrf", ""), cookie):
        raise FormRefused("the form's token does not match this browser's (a stale page or a form from another "
                          "site): reload the page and submit again")
    return form


def csrf_token(request: Request) -> str:
    """The form token of this browser (set as a cookie by the middleware on first visit)."""
    if not hasattr(request.state, "csrf"):
        request.state.csrf = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(32)
    return str(request.state.csrf)


def serve_web(settings: Settings) -> None:
    """Run the web server in the foreground until Ctrl-C."""
    import uvicorn

    from oversight.warehouse import db, lake

    app = create_app(settings)
    if lake.exists(settings.lake):
        with db.writer(settings.lake):  # a lake made by older code gets the corrections table now
            pass
    uvicorn.run(app, host=settings.web_host, port=settings.web_port, log_level="warning", access_log=False,
                server_header=False)


def start_web_process(settings: Settings) -> subprocess.Popen[bytes]:
    """`oversight web` as a child process (for `oversight serve`), stopped with its parent; its log beside the
    warehouse. Fails at once if the web settings are refused."""
    import os
    import sys

    from oversight.flows.prefect_api import die_with_parent

    check_binding(settings)
    log_path = settings.home / "web.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        return subprocess.Popen([sys.executable, "-m", "oversight.flows", "web"], env=dict(os.environ), stdin=subprocess.DEVNULL,
                                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                preexec_fn=die_with_parent if sys.platform == "linux" else None)


def stop_process(process: subprocess.Popen[bytes], grace_s: float = 5.0) -> None:
    """SIGTERM, then SIGKILL after `grace_s`."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
