"""Who is asking, and may they: sessions, CSRF tokens, API tokens, roles, log-in limits.

Owns the signed session cookie (HttpOnly, SameSite=Lax, Secure when the
setting says so) holding the user name and a CSRF secret; CSRF checks for
every form post and every cookie-authenticated API write; resolving
``Authorization: Bearer`` tokens (stored hashed, see
:mod:`smpatlas.store.users`); role checks; and the log-in rate limiter,
whose counts live in the database so every worker shares them. Passwords
are verified with Argon2 in the store module. A disabled user's session
and tokens stop working at their next request.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

from smpatlas.store import users as users_store
from smpatlas.web.errors import CsrfFailed, Forbidden, LoginRequired, TooManyAttempts
from smpatlas.web.settings import Settings

COOKIE = "smpatlas_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class User:
    """The person (or script) making a request; ``via`` is ``session``, ``token`` or ``anonymous``."""

    name: str | None
    role: str | None
    via: str = "anonymous"

    @property
    def anonymous(self) -> bool:
        return self.name is None

    def can(self, role: str) -> bool:
        return self.role is not None and users_store.RANK[self.role] >= users_store.RANK[role]


ANONYMOUS = User(None, None)


class Sessions:
    """Signs and reads the session cookie."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.serializer = URLSafeTimedSerializer(settings.secret_key, salt="smpatlas-session")
        self.max_age = settings.session_days * 86400

    def read(self, request: Request) -> dict[str, Any]:
        """The session of this request (a fresh anonymous one when absent or tampered with)."""
        cached = getattr(request.state, "session", None)
        if cached is not None:
            return dict(cached)
        raw = request.cookies.get(COOKIE)
        data: dict[str, Any] | None = None
        if raw:
            try:
                loaded = self.serializer.loads(raw, max_age=self.max_age)
                data = loaded if isinstance(loaded, dict) and isinstance(loaded.get("c"), str) else None
            except BadSignature:  # tampered with, expired, or signed with another key (another worker's)
                data = None
                request.state.session_foreign = True
        if data is None:
            data = {"u": None, "c": secrets.token_urlsafe(32)}
            request.state.session_dirty = True
        request.state.session = data
        return dict(data)

    def write(self, request: Request, data: dict[str, Any]) -> None:
        request.state.session = data
        request.state.session_dirty = True

    def apply(self, request: Request, response: Response) -> None:
        """Set the cookie on ``response`` when the session is new or changed."""
        if not getattr(request.state, "session_dirty", False):
            return
        response.set_cookie(COOKIE, self.serializer.dumps(request.state.session), max_age=self.max_age,
                            httponly=True, samesite="lax", secure=self.settings.secure_cookies, path="/")

    def csrf_token(self, request: Request) -> str:
        return str(self.read(request)["c"])

    def log_in(self, request: Request, name: str, stamp: str) -> None:
        """A new session (and CSRF secret) for ``name``: no session fixation. ``stamp`` ties it to the user's
        password of now (:func:`smpatlas.store.users.session_stamp`): a new password ends it."""
        self.write(request, {"u": name, "s": stamp, "c": secrets.token_urlsafe(32)})

    def log_out(self, request: Request) -> None:
        self.write(request, {"u": None, "c": secrets.token_urlsafe(32)})


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def current_user(request: Request, engine: Engine, sessions: Sessions) -> User:
    """The user of this request: a bearer token wins over the session cookie."""
    cached = getattr(request.state, "user", None)
    if isinstance(cached, User):
        return cached
    user = ANONYMOUS
    token = bearer(request)
    if token is not None:
        with engine.connect() as conn:
            found = users_store.user_for_token(conn, token=token)
        if found is None:
            raise LoginRequired("That API token is not valid (revoked, mistyped, or its user is disabled); "
                                "create one with 'smpatlas token create NAME'.")
        user = User(found["name"], found["role"], "token")
    else:
        session = sessions.read(request)
        name = session.get("u")
        if isinstance(name, str):
            with engine.connect() as conn:  # None when disabled, or the password changed since the log-in
                found = users_store.session_user(conn, name=name, stamp=session.get("s"))
            if found is not None:
                user = User(found["name"], found["role"], "session")
    request.state.user = user
    return user


def check_csrf(request: Request, sessions: Sessions, submitted: str | None) -> None:
    """Refuse a cookie-authenticated write whose CSRF token is missing or wrong."""
    expected = sessions.csrf_token(request)
    given = submitted or request.headers.get(CSRF_HEADER)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        why = ""
        if getattr(request.state, "session_foreign", False):  # the cookie's signature did not check out
            why = (" Your browser's session was signed with another key: the server restarted, or it runs several "
                   "workers without one shared SMPATLAS_SECRET_KEY (if reloading does not help, tell the server's "
                   "administrator).")
        raise CsrfFailed("This form has expired or did not come from this site (CSRF check failed); "
                         f"reload the page and submit it again.{why}")


def require(user: User, role: str, *, public: bool = True) -> User:
    """``user`` when allowed to act as ``role`` (``reader`` = anyone allowed to read)."""
    if role == "reader":
        if public or not user.anonymous:
            return user
        raise LoginRequired("This inventory is private: log in to read it.")
    if user.anonymous:
        raise LoginRequired(f"Log in as {_a(role)} {role} to do this.")
    if not user.can(role):
        raise Forbidden(f"User {user.name!r} is {_a(user.role or '')} {user.role}; only {role}s"
                        f"{' and admins' if role == 'editor' else ''} may do this.")
    return user


class LoginLimiter:
    """At most ``attempts`` failed log-ins per (address, user) within ``window`` seconds, shared through the database.

    Every web worker over the same database counts the same rows of ``login_attempts``
    (see :mod:`smpatlas.store.users`), so several uvicorn workers do not multiply the limit.
    An attempt is recorded *before* the password is checked and cleared when it was right,
    so parallel guesses against several workers cannot slip past the count either. Rows
    older than the window are pruned as new attempts arrive. The methods do database work:
    call them from a thread (``run_in_threadpool``) in async routes.
    """

    def __init__(self, engine: Engine, attempts: int, window: int,
                 clock: Callable[[], dt.datetime] | None = None) -> None:
        self.engine, self.attempts, self.window = engine, attempts, window
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def begin(self, address: str, name: str) -> int:
        """Record an attempt and return its id, or raise :class:`TooManyAttempts` when over the limit."""
        now = self.clock()
        since = now - dt.timedelta(seconds=self.window)
        with self.engine.begin() as conn:
            users_store.prune_login_attempts(conn, before=since)
            attempt = users_store.add_login_attempt(conn, name=name, address=address, at=now)
        with self.engine.begin() as conn:  # counted after our own row is committed: concurrent attempts see it
            count, oldest = users_store.login_failures(conn, name=name, address=address, since=since)
            if count <= self.attempts:
                return attempt
            users_store.forget_login_attempt(conn, attempt_id=attempt)  # a refused attempt is not a failure
        wait = max(1, int(((oldest or now) + dt.timedelta(seconds=self.window) - now).total_seconds()) + 1)
        raise TooManyAttempts(f"Too many failed log-ins for {name!r}; try again in {wait} seconds.")

    def succeeded(self, address: str, name: str) -> None:
        """The password was right: forget the failures of (``address``, ``name``)."""
        with self.engine.begin() as conn:
            users_store.clear_login_failures(conn, name=name, address=address)


def _a(role: str) -> str:
    """The article before a role's name: "an editor", "an admin", "a viewer"."""
    return "an" if role[:1] in "aeiou" else "a"
