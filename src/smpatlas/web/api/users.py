"""``/api/v1/me`` and ``/api/v1/users``: who am I; list and add users (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from smpatlas.store import users as users_store
from smpatlas.web.api.models import UserIn, UserOut, UsersOut
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
