"""Server-rendered pages for admins: the users of the inventory (``/admin/users``).

Owns the HTML routes that list users, add one, change a role, disable or
enable an account, reset a password and revoke API tokens. A thin shell:
every action is one call to :mod:`smpatlas.store.users`, the same functions
the CLI and the JSON API use, so the rules (password length, known roles,
never leave the inventory without an active admin) are enforced there once.
Every post is checked by the ``Admin`` dependency (role and CSRF token); a
refused action re-renders the page with the :class:`~smpatlas.errors.SmpAtlasError`
message as it is. User names travel in the query string and form fields, never
in the path, so any name (slashes included) works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool

from smpatlas.errors import ConfigError, SmpAtlasError
from smpatlas.store import users as users_store
from smpatlas.web.auth import User
from smpatlas.web.deps import Admin, AppState, StateDep
from smpatlas.web.errors import status_of
from smpatlas.web.pages import render

router = APIRouter(include_in_schema=False)
LIST = "/admin/users"
ONE = "/admin/users/edit"
#: What a redirect after a successful action says (the query holds only the key, never free text).
DONE = {
    "added": "User added.",
    "role": "Role changed.",
    "disabled": "User disabled: they can no longer log in, and their sessions and API tokens stop working.",
    "enabled": "User enabled.",
    "password": "Password reset. Tell the user their new password through a safe channel.",
    "revoked": "API token revoked.",
    "revoked-all": "Every API token of this user was revoked.",
}


def _one_url(name: str, done: str) -> str:
    return f"{ONE}?{urlencode({'name': name, 'done': done})}"


def _field(form: Any, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _list_page(request: Request, state: AppState, *, message: str | None = None, status: int = 200,
               values: dict[str, str] | None = None) -> Response:
    with state.engine.connect() as conn:
        rows = users_store.list_users(conn)
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "admin_users.html", {
        "users": rows, "roles": users_store.ROLES, "min_password": users_store.MIN_PASSWORD,
        "message": message, "done": None if message else done, "values": values or {},
    }, status=status)


def _user_page(request: Request, state: AppState, name: str, *, message: str | None = None,
               status: int = 200) -> Response:
    with state.engine.connect() as conn:
        found = users_store.get_user(conn, name=name)
        if found is None:
            raise ConfigError(f"No user named {name!r}; the list of users shows who exists.")
        tokens = users_store.list_tokens(conn, user_name=name)
        admins = users_store.count_active_admins(conn)
    done = DONE.get(request.query_params.get("done", ""))
    return render(request, "admin_user.html", {
        "u": found, "tokens": tokens, "roles": users_store.ROLES, "min_password": users_store.MIN_PASSWORD,
        "last_admin": found["role"] == "admin" and found["active"] and admins <= 1,
        "message": message, "done": None if message else done,
    }, status=status)


@router.get(LIST)
def users_page(request: Request, state: StateDep, _admin: Admin) -> Response:
    return _list_page(request, state)


@router.get(ONE)
def user_page(request: Request, state: StateDep, _admin: Admin) -> Response:
    return _user_page(request, state, request.query_params.get("name", ""))


@router.post(LIST)
async def add_user(request: Request, state: StateDep, _admin: Admin) -> Response:
    form = await request.form()
    name, role = _field(form, "name").strip(), _field(form, "role")
    password, again = _field(form, "password"), _field(form, "password_again")

    def work() -> None:
        if password != again:
            raise ConfigError("The two passwords differ; type the same password twice.")
        with state.engine.begin() as conn:
            users_store.create_user(conn, name=name, role=role, password=password)

    try:
        await run_in_threadpool(work)
    except SmpAtlasError as exc:
        return _list_page(request, state, message=str(exc), status=status_of(exc),
                          values={"name": name, "role": role})
    return RedirectResponse(_one_url(name, "added"), status_code=303)


async def _act(request: Request, state: AppState, admin: User, action: Callable[[Connection, str, Any], str]) -> Response:
    """Run ``action(conn, name, form)`` in one transaction; redirect to the user's page, or show why not."""
    form = await request.form()
    name = _field(form, "name")

    def work() -> str:
        with state.engine.begin() as conn:
            return action(conn, name, form)

    try:
        done = await run_in_threadpool(work)  # Argon2 hashing and database writes: off the event loop
    except SmpAtlasError as exc:
        with state.engine.connect() as conn:
            exists = users_store.get_user(conn, name=name) is not None
        if not exists:
            return _list_page(request, state, message=str(exc), status=status_of(exc))
        return _user_page(request, state, name, message=str(exc), status=status_of(exc))
    if name == admin.name and done in ("role", "disabled"):
        with state.engine.connect() as conn:
            me = users_store.get_user(conn, name=name)
        if me is None or not me["active"] or me["role"] != "admin":
            return RedirectResponse("/", status_code=303)  # no longer allowed on the admin pages
    return RedirectResponse(_one_url(name, done), status_code=303)


def _role(conn: Connection, name: str, form: Any) -> str:
    users_store.set_role(conn, name=name, role=_field(form, "role"))
    return "role"


def _active(conn: Connection, name: str, form: Any) -> str:
    active = _field(form, "active") == "yes"
    users_store.set_active(conn, name=name, active=active)
    return "enabled" if active else "disabled"


def _password(conn: Connection, name: str, form: Any) -> str:
    password = _field(form, "password")
    if password != _field(form, "password_again"):
        raise ConfigError("The two passwords differ; type the same password twice.")
    users_store.set_password(conn, name=name, password=password)
    return "password"


def _revoke(conn: Connection, name: str, form: Any) -> str:
    raw = _field(form, "token_id")
    if raw == "all":
        users_store.revoke_tokens(conn, user_name=name)
        return "revoked-all"
    if not raw.isdigit():
        raise ConfigError(f"Not an API token number: {raw!r}.")
    users_store.revoke_token(conn, user_name=name, token_id=int(raw))
    return "revoked"


@router.post(LIST + "/role")
async def change_role(request: Request, state: StateDep, admin: Admin) -> Response:
    return await _act(request, state, admin, _role)


@router.post(LIST + "/active")
async def change_active(request: Request, state: StateDep, admin: Admin) -> Response:
    return await _act(request, state, admin, _active)


@router.post(LIST + "/password")
async def reset_password(request: Request, state: StateDep, admin: Admin) -> Response:
    return await _act(request, state, admin, _password)


@router.post(LIST + "/tokens/revoke")
async def revoke(request: Request, state: StateDep, admin: Admin) -> Response:
    return await _act(request, state, admin, _revoke)
