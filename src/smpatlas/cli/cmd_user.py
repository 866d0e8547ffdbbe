"""``smpatlas user add|list`` and ``smpatlas token create``: accounts and API tokens for the web app."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.errors import ConfigError

user_app = typer.Typer(help="Accounts of the web app (viewer, editor, admin).\n\n"
                       "Example:\n\n    smpatlas user add anna --role editor",
                       no_args_is_help=True, rich_markup_mode=None)
token_app = typer.Typer(help="API tokens for scripts.\n\nExample:\n\n    smpatlas token create anna",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin.")] = "viewer",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    db: c.DbOption = None,
) -> None:
    """Add a user with a role; the password is prompted for (or read from stdin).

    Viewers read (also a --private inventory), editors also write records and import, admins also manage users.

    Example:

        smpatlas user add anna --role editor

        echo "$PASSWORD" | smpatlas user add ci-bot --role editor --password-stdin
    """
    from smpatlas.store import database
    from smpatlas.store import users as users_store

    c.check_choice(role, users_store.ROLES, "--role")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    if not password:
        raise ConfigError("No password given.")
    engine = database.open_engine(db)
    try:
        with engine.begin() as conn:
            users_store.create_user(conn, name=name, role=role, password=password)
    finally:
        engine.dispose()
    c.out.print(f"Added {name} ({role}).", markup=False)


@user_app.command("list")
def list_(db: c.DbOption = None, fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text"
          ) -> None:
    """List the users and their roles.

    Example:

        smpatlas user list --db atlas.db
    """
    from smpatlas.store import database
    from smpatlas.store import users as users_store

    c.check_choice(fmt, ("text", "json"), "--format")
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            rows = users_store.list_users(conn)
    finally:
        engine.dispose()
    if fmt == "json":
        c.print_json(rows)
        return
    for r in rows:
        c.out.print(f"{r['name']}\t{r['role']}\t{r['created_at']:%Y-%m-%d}", markup=False)
    if not rows:
        c.out.print("No users yet: add one with 'smpatlas user add NAME --role admin'.")


@token_app.command("create")
def create(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user the token acts as.")],
    label: Annotated[str | None, typer.Option("--label", help="What the token is for.")] = None,
    db: c.DbOption = None,
) -> None:
    """Create an API token for a user; it is shown once (only its hash is stored).

    Send it as 'Authorization: Bearer TOKEN'.

    Example:

        smpatlas token create anna --label "nightly import"
    """
    from smpatlas.store import database
    from smpatlas.store import users as users_store

    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.begin() as conn:
            token = users_store.create_token(conn, user_name=name, label=label)
    finally:
        engine.dispose()
    sys.stdout.write(token + "\n")
    c.err.print("Keep this token secret; it is not shown again. Use: Authorization: Bearer <token>", markup=False)
