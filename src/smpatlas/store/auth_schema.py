"""The tables of accounts: ``users``, ``api_tokens`` and ``login_attempts``.

Owns the three table definitions, added to the one shared ``metadata`` of
:mod:`smpatlas.store.schema` so migrations and the schema test see them.
Passwords and tokens are stored only as hashes (see :mod:`smpatlas.store.users`).
``login_attempts`` holds recent failed (and in-progress) log-ins so every web
worker sharing the database shares one limit; old rows are pruned.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, String, Table

from smpatlas.store.schema import metadata

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("role", String(10), nullable=False),
    Column("password_hash", String(200), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_login_at", DateTime(timezone=True)),  # NULL = never logged in through the web form
    Column("disabled_at", DateTime(timezone=True)),  # NULL = active; disabled users cannot log in or use tokens
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(200), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("label", String(200)),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_used_at", DateTime(timezone=True)),
    Index(None, "user_name"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", String(200), nullable=False),  # users.name_key of the name as typed (need not exist)
    Column("address", String(100), nullable=False),  # the client address the web app saw
    Column("attempted_at", DateTime(timezone=True), nullable=False),
    Index(None, "user_name", "address"),
    Index(None, "attempted_at"),
)
