"""FastAPI dependencies as named ``Annotated`` aliases, and the state they share.

Owns :class:`AppState` (settings, engine, the :class:`~smpatlas.atlas.Atlas`,
sessions, the log-in limiter, pending uploads) and the aliases every route
uses: ``StateDep``, ``SessionDep`` (a connection for the request),
``CurrentUser`` and the role gates ``Reader``, ``Editor`` and ``Admin``
(``Editor`` and ``Admin`` also check the CSRF token of cookie-authenticated writes).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates
from sqlalchemy import Connection, Engine

from smpatlas.atlas import Atlas
from smpatlas.web import auth
from smpatlas.web.auth import User
from smpatlas.web.facet_index import FacetCache, FacetIndex
from smpatlas.web.settings import Settings


@dataclass
class AppState:
    """What one running app shares between requests."""

    settings: Settings
    atlas: Atlas
    sessions: auth.Sessions
    limiter: auth.LoginLimiter
    upload_dir: str
    templates: Jinja2Templates
    uploads: dict[str, dict[str, Any]] = field(default_factory=dict)
    facet_cache: FacetCache | None = None

    def facet_index(self, conn: Connection) -> FacetIndex | None:
        """The in-memory facet index for the current data (None when the setting turns it off)."""
        return self.facet_cache.get(conn) if self.facet_cache is not None else None

    @property
    def engine(self) -> Engine:
        return self.atlas.engine


def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.smpatlas
    return state


StateDep = Annotated[AppState, Depends(get_state)]


def get_session(state: StateDep) -> Iterator[Connection]:
    with state.engine.connect() as conn:
        yield conn


SessionDep = Annotated[Connection, Depends(get_session)]


def get_current_user(request: Request, state: StateDep) -> User:
    return auth.current_user(request, state.engine, state.sessions)


CurrentUser = Annotated[User, Depends(get_current_user)]


def get_reader(state: StateDep, user: CurrentUser) -> User:
    return auth.require(user, "reader", public=state.settings.public)


Reader = Annotated[User, Depends(get_reader)]


async def _csrf(request: Request, state: AppState, user: User) -> None:
    if user.via != "session" or request.method not in auth.UNSAFE:
        return
    submitted = None
    ctype = request.headers.get("content-type", "")
    if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(auth.CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    auth.check_csrf(request, state.sessions, submitted)


async def get_editor(request: Request, state: StateDep, user: CurrentUser) -> User:
    auth.require(user, "editor")
    await _csrf(request, state, user)
    return user


Editor = Annotated[User, Depends(get_editor)]


async def get_admin(request: Request, state: StateDep, user: CurrentUser) -> User:
    auth.require(user, "admin")
    await _csrf(request, state, user)
    return user


Admin = Annotated[User, Depends(get_admin)]
