"""``/api/v1/me`` and ``/api/v1/users``: who am I; list, add and change users, list and revoke their API tokens
(admins) — what the Users page and ``smpatlas user``/``token`` do, over the same store functions."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from sqlalchemy import Connection

from smpatlas.errors import ConfigError
from smpatlas.store import users as users_store
from smpatlas.web.api.models import RevokedOut, TokensOut, UserDetailOut, UserIn, UserOut, UserPatch, UsersOut
from smpatlas.web.deps import Admin, CurrentUser, StateDep

router = APIRouter(tags=["users"])


@router.get("/me", response_model=UserOut)
def me(user: CurrentUser) -> dict[str, Any]:
    """The user this request is made as (name null when anonymous)."""
    return {"ok": True, "name": user.name, "role": user.role}


@router.get("/users", response_model=UsersOut)
def list_users(state: StateDep, _admin: Admin) -> dict[str, Any]:
    """Every user and role (admins)."""
    with state.engine.connect() as conn:
        return {"ok": True, "users": users_store.list_users(conn)}


@router.post("/users", response_model=UserOut, status_code=201)
def add_user(body: UserIn, state: StateDep, _admin: Admin) -> dict[str, Any]:
    """Add a user with a role (admins)."""
    with state.engine.begin() as conn:
        u = users_store.create_user(conn, name=body.name, role=body.role, password=body.password)
    return {"ok": True, "name": u["name"], "role": u["role"]}


def _user(conn: Connection, name: str) -> dict[str, Any]:
    return users_store.require_user(conn, name, listed_by="GET /api/v1/users")


@router.patch("/users/{name}", response_model=UserDetailOut)
def change_user(name: str, body: UserPatch, state: StateDep, _admin: Admin) -> dict[str, Any]:
    """Change a user's role and/or enable or disable the account (admins), in one transaction. A disabled user
    cannot log in, and their sessions and tokens stop working; the only active admin keeps their role and
    cannot be disabled."""
    if body.role is None and body.active is None:
        raise ConfigError('Nothing to change: give "role" (viewer, editor or admin) and/or "active" (true or false).')
    with state.engine.begin() as conn:
        _user(conn, name)
        if body.role is not None:
            users_store.set_role(conn, name=name, role=body.role)
        if body.active is not None:
            users_store.set_active(conn, name=name, active=body.active)
        return {"ok": True, "user": _user(conn, name)}


@router.get("/users/{name}/tokens", response_model=TokensOut)
def list_tokens(name: str, state: StateDep, _admin: Admin) -> dict[str, Any]:
    """A user's API tokens: number, label, created (admins; never the secret)."""
    with state.engine.connect() as conn:
        _user(conn, name)
        rows = users_store.list_tokens(conn, user_name=name)
    return {"ok": True, "name": name,
            "tokens": [{"number": r["id"], "label": r["label"], "created_at": r["created_at"]} for r in rows]}


@router.delete("/users/{name}/tokens/{number}", response_model=RevokedOut)
def revoke_token(name: str, number: int, state: StateDep, _admin: Admin) -> dict[str, Any]:
    """Revoke one API token of a user, by the number the token list shows (admins); scripts using it are refused
    at once."""
    with state.engine.begin() as conn:
        _user(conn, name)
        users_store.revoke_token(conn, user_name=name, token_id=number)
    return {"ok": True, "name": name, "revoked": 1}


@router.delete("/users/{name}/tokens", response_model=RevokedOut)
def revoke_tokens(name: str, state: StateDep, _admin: Admin) -> dict[str, Any]:
    """Revoke every API token of a user (admins)."""
    with state.engine.begin() as conn:
        _user(conn, name)
        gone = users_store.revoke_tokens(conn, user_name=name)
    return {"ok": True, "name": name, "revoked": gone}
