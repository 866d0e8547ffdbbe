"""The tables of accounts: ``users`` and ``api_tokens``.

Owns the two table definitions, added to the one shared ``metadata`` of
:mod:`smpatlas.store.schema` so migrations and the schema test see them.
Passwords and tokens are stored only as hashes (see :mod:`smpatlas.store.users`).
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
