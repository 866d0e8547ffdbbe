"""The web application: ``create_app(settings)`` assembles pages, API, errors and security headers.

Owns the app factory (no import-time app: tests and ``smpatlas serve`` each
build their own from a :class:`~smpatlas.web.settings.Settings`), the
template environment and its filters, the one error handler family (JSON
``{"ok": false, "error", "status"}`` under ``/api/``, an HTML page elsewhere,
the message always ``str(SmpAtlasError)`` as is), and the ASGI middleware
that sets the session cookie and security headers (CSP without inline
scripts, nosniff, no framing) and answers ``HEAD`` as ``GET`` without the body.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smpatlas import __version__
from smpatlas.atlas import Atlas
from smpatlas.errors import SmpAtlasError, ValidationFailed
from smpatlas.problems import displayable
from smpatlas.store import database
from smpatlas.web import auth, data, format
from smpatlas.web.deps import AppState
from smpatlas.web.errors import INVALID_REQUEST, error_body, invalid_request, status_of
from smpatlas.web.facet_index import FacetCache
from smpatlas.web.settings import MAX_PROBLEMS_SHOWN, Settings

HERE = Path(__file__).parent
log = logging.getLogger("smpatlas.web")
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CSP.encode()),
]


class SecurityMiddleware:
    """Adds the security headers and, when the session changed, the session cookie."""

    def __init__(self, app: ASGIApp, sessions: auth.Sessions) -> None:
        self.app, self.sessions = app, sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                headers += [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                state = scope.get("state") or {}
                if state.get("session_dirty"):
                    probe = Response()
                    req = Request(scope)
                    self.sessions.apply(req, probe)
                    headers += [(k, v) for k, v in probe.raw_headers if k == b"set-cookie"]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, wrapped)


class HeadAsGet:
    """Answers ``HEAD`` as ``GET`` without the body: the same status and headers (``Content-Length`` too), as HTTP
    requires. FastAPI's routes list GET alone, so monitors and link checkers got 405 for every page."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        finished = False

        async def headers_only(message: Message) -> None:
            nonlocal finished
            if message["type"] in ("http.response.body", "http.response.pathsend"):
                if finished or message.get("more_body", False):
                    return
                finished, message = True, {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)  # a copy: the server's scope says HEAD


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or (
        "application/json" in request.headers.get("accept", "") and "text/html" not in request.headers.get("accept", ""))


def error_response(request: Request, message: str, status: int, **extra: Any) -> Response:
    """The one way errors are answered: JSON under /api/, an HTML page (or htmx fragment) elsewhere."""
    if wants_json(request):
        return JSONResponse(error_body(message, status, **extra), status_code=status)
    if status == 401 and request.method == "GET":
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")  # filters survive log-in
        target = f"/login?next={quote(here, safe='')}"
        if request.headers.get("hx-request"):  # htmx would swap the log-in page into a fragment: go there instead
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    from smpatlas.web.pages import render

    name = "_error.html" if request.headers.get("hx-request") else "error.html"
    return render(request, name, displayable({"message": message, "status": status, **extra}), status=status)


def _install_errors(app: FastAPI) -> None:
    @app.exception_handler(SmpAtlasError)
    async def on_error(request: Request, exc: SmpAtlasError) -> Response:
        extra: dict[str, Any] = {}
        message = str(exc)
        if isinstance(exc, database.DatabaseRefused):  # the deployment's, not the visitor's: said in the log
            log.error("%s %s: %s", request.method, request.url.path, message)
            message = ("The server's database refused this (a setting of the server, not of your request); nothing "
                       "was changed. Tell the server's administrator: its log says what the database user needs.")
        if isinstance(exc, ValidationFailed):  # the first problems, unless ?problems=all (see data.report)
            limit = None if request.query_params.get("problems") == "all" else MAX_PROBLEMS_SHOWN
            shown = data.report(exc.report, limit=limit)
            extra = {k: v for k, v in shown.items() if k.startswith("problems")}
            message += f" {shown['problems_note']}" if shown["problems_note"] else ""
        changes = getattr(exc, "changes", None)
        if changes:
            extra["changes"] = [{**c, "at": format.when(c.get("at"))} for c in changes]
        return error_response(request, message, status_of(exc), **extra)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> Response:
        # A parameter, form field or body FastAPI could not read: 400 like every ConfigError, in our words.
        message = invalid_request(exc.errors(), api=request.url.path.startswith("/api/"))
        return error_response(request, message, INVALID_REQUEST)

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> Response:
        message = "Not found." if exc.status_code == 404 else str(exc.detail)
        return error_response(request, message, exc.status_code)

    @app.exception_handler(Exception)
    async def on_bug(request: Request, exc: Exception) -> Response:
        log.exception("internal error on %s", request.url.path)
        return error_response(request, "Internal error: this is a bug in SMP Atlas; the server log has the details.",
                              500)


def templates() -> Jinja2Templates:
    t = Jinja2Templates(directory=str(HERE / "templates"))
    env = t.env
    env.autoescape = True
    env.filters.update(plain=format.plain, when=format.when, short_json=format.short_json, score=format.score,
                       gain=format.gain, signed=format.signed, safe_url=format.safe_url, change=format.change)
    env.globals["version"] = __version__
    return t


def _warn_of_a_made_up_secret(settings: Settings, atlas: Atlas) -> None:
    """Log a warning when no ``SMPATLAS_SECRET_KEY`` was given and people can log in (the inventory has users, or
    it is a shared PostgreSQL database): each process then signs sessions with its own key, so a log-in is not
    understood by the other workers and ends when the server restarts. (A lone demo server needs no key.)"""
    if not settings.generated_secret:
        return
    from smpatlas.store import users as users_store

    shared = atlas.engine.dialect.name != "sqlite"
    try:
        with atlas.engine.connect() as conn:
            has_users = bool(users_store.list_users(conn))
    except Exception:  # an inventory without the users table yet, or unreadable: other errors say so
        has_users = False
    if shared or has_users:
        log.warning("SMPATLAS_SECRET_KEY is not set: this process signs log-ins with a key of its own, so they end "
                    "when the server restarts and fail on any other worker. Set one long random value for every "
                    "worker (python -c 'import secrets; print(secrets.token_urlsafe(48))'); see docs/deployment.md.")


def create_app(settings: Settings | None = None, *, atlas: Atlas | None = None) -> FastAPI:
    """A new web app over the inventory that ``settings.database_url`` names (or ``atlas``)."""
    settings = settings or Settings.from_env()
    atlas = atlas or Atlas(database.open_engine(settings.database_url))
    upload_dir = settings.upload_dir or tempfile.mkdtemp(prefix="smpatlas-uploads-")
    Path(upload_dir).mkdir(parents=True, exist_ok=True)
    app = FastAPI(
        title="SMP Atlas API", version=__version__,
        description="Browse, assess and edit an inventory of skills mobility partnerships. "
                    "Errors are always {\"ok\": false, \"error\": message, \"status\": code}.",
        openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None,
    )
    sessions = auth.Sessions(settings)
    app.state.smpatlas = AppState(
        settings=settings, atlas=atlas, sessions=sessions,
        limiter=auth.LoginLimiter(atlas.engine, settings.login_attempts, settings.login_window_seconds),
        upload_dir=upload_dir, templates=templates(), facet_cache=FacetCache(atlas.engine) if settings.facet_cache else None,
    )
    _install_errors(app)
    _warn_of_a_made_up_secret(settings, atlas)
    from smpatlas.web import pages, pages_admin, pages_write
    from smpatlas.web.api.main import api_router

    app.include_router(api_router)
    app.include_router(pages.router)
    app.include_router(pages_write.router)
    app.include_router(pages_admin.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.add_middleware(SecurityMiddleware, sessions=sessions)
    app.add_middleware(HeadAsGet)  # outermost: every layer below sees a GET
    return app
