"""Accounts and API tokens: reading and writing the ``users`` and ``api_tokens`` tables.

Owns creating users with a role, checking passwords (Argon2 hashes only, never
the password), issuing API tokens (a random secret shown once; only its
SHA-256 is stored) and resolving a token back to its user. Functions are
keyword-only and take the connection explicitly; transactions belong to the
caller. Knows nothing of HTTP.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import Connection, insert, select, update

from smpatlas.errors import ConfigError, NotFound
from smpatlas.store.auth_schema import api_tokens, users

ROLES = ("viewer", "editor", "admin")
#: What each role may do, cumulative.
RANK = {"viewer": 1, "editor": 2, "admin": 3}
TOKEN_PREFIX = "smpa_"
MIN_PASSWORD = 8

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of nothing, so a login for an unknown user costs as much as a real one (made on first use)."""
    return _hasher.hash("no such user: constant-time dummy")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(conn: Connection, *, name: str, role: str, password: str) -> dict[str, Any]:
    """Add a user; the name must be new, the role known and the password at least 8 characters."""
    name = name.strip()
    if not name or len(name) > 200:
        raise ConfigError("A user name must have 1 to 200 characters.")
    if role not in ROLES:
        raise ConfigError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"The password of {name!r} is too short: use at least {MIN_PASSWORD} characters.")
    if get_user(conn, name=name) is not None:
        raise ConfigError(f"A user named {name!r} exists already.")
    row = {"name": name, "role": role, "password_hash": hash_password(password), "created_at": _now()}
    conn.execute(insert(users).values(**row))
    return {"name": name, "role": role, "created_at": row["created_at"]}


def set_role(conn: Connection, *, name: str, role: str) -> None:
    if role not in ROLES:
        raise ConfigError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if conn.execute(update(users).where(users.c.name == name).values(role=role)).rowcount != 1:
        raise ConfigError(f"No user named {name!r}.")


def get_user(conn: Connection, *, name: str) -> dict[str, Any] | None:
    row = conn.execute(select(users.c.name, users.c.role, users.c.created_at).where(users.c.name == name)).first()
    return None if row is None else dict(row._mapping)


def list_users(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(users.c.name, users.c.role, users.c.created_at).order_by(users.c.name))
    return [dict(r._mapping) for r in rows]


def authenticate(conn: Connection, *, name: str, password: str) -> dict[str, Any] | None:
    """The user when the password is right, else None (same work either way)."""
    row = conn.execute(select(users).where(users.c.name == name)).first()
    stored = row.password_hash if row is not None else _dummy_hash()
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _hasher.check_needs_rehash(stored):
        conn.execute(update(users).where(users.c.id == row.id).values(password_hash=hash_password(password)))
    return {"name": row.name, "role": row.role}


def create_token(conn: Connection, *, user_name: str, label: str | None = None) -> str:
    """A new API token for ``user_name``; the secret is returned once and only its hash is kept."""
    if get_user(conn, name=user_name) is None:
        raise ConfigError(f"No user named {user_name!r}; add it first with 'smpatlas user add'.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    conn.execute(insert(api_tokens).values(user_name=user_name, token_hash=hash_token(token), label=label,
                                           created_at=_now()))
    return token


def user_for_token(conn: Connection, *, token: str) -> dict[str, Any] | None:
    """The user a bearer token belongs to, or None."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = conn.execute(select(api_tokens.c.id, api_tokens.c.user_name)
                       .where(api_tokens.c.token_hash == hash_token(token))).first()
    if row is None:
        return None
    return get_user(conn, name=row.user_name)


def revoke_tokens(conn: Connection, *, user_name: str) -> int:
    from sqlalchemy import delete

    if get_user(conn, name=user_name) is None:
        raise NotFound(user_name)
    return int(conn.execute(delete(api_tokens).where(api_tokens.c.user_name == user_name)).rowcount)
