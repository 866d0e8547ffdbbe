"""``smpatlas user add|passwd|list|role|disable|enable`` and ``smpatlas token create|list|revoke``: accounts and API
tokens for the web app, the same store functions as the web app's Users page (:mod:`smpatlas.store.users`)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.errors import ConfigError

user_app = typer.Typer(help="Accounts of the web app (viewer, editor, admin).\n\n"
                       "Example:\n\n    smpatlas user add anna --role editor\n\n    smpatlas user passwd anna"
                       "\n\n    smpatlas user disable anna",
                       no_args_is_help=True, rich_markup_mode=None)
token_app = typer.Typer(help="API tokens for scripts.\n\nExample:\n\n    smpatlas token create anna"
                        "\n\n    smpatlas token list anna\n\n    smpatlas token revoke anna 3",
                        no_args_is_help=True, rich_markup_mode=None)
app.add_typer(user_app, name="user")
app.add_typer(token_app, name="token")


def _read_password(name: str, from_stdin: bool, command: str) -> str:
    """The password, from the first line of stdin or typed twice at a hidden prompt (never from a pipe unasked).

    Without a terminal there is nobody to prompt, and a pipe read as if it were one would fall back to echoing
    the password: say to use ``--password-stdin`` instead.
    """
    if from_stdin:
        try:
            password = sys.stdin.readline().rstrip("\r\n")
        except UnicodeDecodeError:
            raise ConfigError("The password on standard input is not UTF-8 text.") from None
        if not password:
            raise ConfigError("No password given: standard input was empty (--password-stdin reads its first line).")
        return password
    if not sys.stdin.isatty():
        raise ConfigError(f"No terminal to type the password of {name!r} in (standard input is not a terminal); "
                          "pipe the password in with --password-stdin, e.g. "
                          f"echo \"$PASSWORD\" | smpatlas {command} {shlex.quote(name)} --password-stdin")
    password = str(typer.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True))
    if not password:
        raise ConfigError("No password given.")
    return password


T = TypeVar("T")
UserName = Annotated[str, typer.Argument(metavar="NAME", help="The user, as 'smpatlas user list' shows the name.")]


def _with_user(db: str | None, name: str, work: Callable[[Any], T]) -> T:
    """Run ``work(conn)`` in one transaction of an existing inventory, once ``name`` is known to be a user
    (:func:`_require_user`)."""
    from smpatlas.store import database

    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.begin() as conn:
            _require_user(conn, name)
            return work(conn)
    finally:
        engine.dispose()


def _require_user(conn: Any, name: str) -> dict[str, Any]:
    """The user ``name``, else a clear error (:func:`~smpatlas.store.users.require_user`)."""
    from smpatlas.store import users as users_store

    return users_store.require_user(conn, name, listed_by="'smpatlas user list'")


PasswordStdin = Annotated[bool, typer.Option(
    "--password-stdin", help="Read the password from the first line of stdin (for scripts; no prompt).")]


@user_app.command("add")
def add(
    name: Annotated[str, typer.Argument(metavar="NAME")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin.")] = "viewer",
    password_stdin: PasswordStdin = False,
    db: c.DbOption = None,
) -> None:
    """Add a user with a role; the password is prompted for (or read from stdin).

    Viewers read (also a --private inventory), editors also write records and import, admins also manage users.
    To give an existing user a new password, use 'smpatlas user passwd'.

    Example:

        smpatlas user add anna --role editor

        echo "$PASSWORD" | smpatlas user add ci-bot --role editor --password-stdin
    """
    from smpatlas.store import database
    from smpatlas.store import users as users_store

    role = c.check_choice(role, users_store.ROLES, "--role")
    users_store.check_name(name)  # before the prompt: do not ask for a password to refuse the name after
    password = _read_password(name, password_stdin, "user add")
    engine = database.open_engine(db)
    try:
        with engine.begin() as conn:
            users_store.create_user(conn, name=name, role=role, password=password)
    finally:
        engine.dispose()
    c.out.print(f"Added {name} ({role}).", markup=False)


@user_app.command("passwd")
def passwd(
    name: Annotated[str, typer.Argument(metavar="NAME", help="The user, as 'smpatlas user list' shows the name.")],
    password_stdin: PasswordStdin = False,
    db: c.DbOption = None,
) -> None:
    """Give an existing user a new password; it is prompted for (or read from stdin).

    Their web sessions end (API tokens keep working). Users restored by 'smpatlas restore' have no usable
    password until they are given one here (or on the web app's Users page).

    Example:

        smpatlas user passwd anna

        echo "$PASSWORD" | smpatlas user passwd ci-bot --password-stdin
    """
    from smpatlas.store import database
    from smpatlas.store import users as users_store

    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:  # before the prompt: do not ask for the password of nobody
            found = _require_user(conn, name)
        password = _read_password(name, password_stdin, "user passwd")
        with engine.begin() as conn:
            users_store.set_password(conn, name=name, password=password)
    finally:
        engine.dispose()
    c.out.print(f"New password set for {name}; their web sessions have ended.", markup=False)
    if not found["active"]:
        c.err.print(f"Note: {name} is disabled and cannot log in until enabled again: smpatlas user enable "
                    f"{shlex.quote(name)}", markup=False)


@user_app.command("list")
def list_(db: c.DbOption = None, fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text"
          ) -> None:
    """List the users: name, role, the day they were added, and whether they are active or disabled.

    Users restored from an archive (which holds no passwords) are marked as having none yet: give them one with
    'smpatlas user passwd NAME'.

    Example:

        smpatlas user list --db atlas.db
    """
    from smpatlas.store import database
    from smpatlas.store import users as users_store

    fmt = c.check_choice(fmt, ("text", "json"), "--format")
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            rows = users_store.list_users(conn)
            no_password = users_store.without_password(conn)
    finally:
        engine.dispose()
    if fmt == "json":
        c.print_json([{**r, "password_set": r["name"] not in no_password} for r in rows])
        return
    for r in rows:  # name, role, added on, and whether the user may log in (disabled users may not)
        state = "active" if r["active"] else "disabled"
        if r["name"] in no_password:  # restored: cannot log in yet
            state += f"\tno password yet: smpatlas user passwd {shlex.quote(r['name'])}"
        c.out.print(f"{r['name']}\t{r['role']}\t{r['created_at']:%Y-%m-%d}\t{state}", markup=False)
    if not rows:
        c.out.print("No users yet: add one with 'smpatlas user add NAME --role admin'.")


@user_app.command("role")
def role_(name: UserName,
          role: Annotated[str, typer.Argument(metavar="ROLE", help="viewer, editor or admin.")],
          db: c.DbOption = None) -> None:
    """Give a user another role (viewer, editor or admin); the only active admin keeps theirs.

    Example:

        smpatlas user role anna admin
    """
    from smpatlas.store import users as users_store

    role = c.check_choice(role, users_store.ROLES, "ROLE")

    def work(conn: Any) -> str:
        before = str(users_store.get_user(conn, name=name)["role"])  # type: ignore[index]
        users_store.set_role(conn, name=name, role=role)
        return before

    before = _with_user(db, name, work)
    said = f"{name} is {'already' if before == role else 'now'} {'an' if role == 'admin' else 'a'} {role}"
    c.out.print(said + ("." if before == role else f" (was {before})."), markup=False)


def _set_active(db: str | None, name: str, active: bool) -> None:
    from smpatlas.store import users as users_store

    def work(conn: Any) -> bool:
        was = bool(users_store.get_user(conn, name=name)["active"])  # type: ignore[index]
        users_store.set_active(conn, name=name, active=active)
        return was

    was = _with_user(db, name, work)
    if was == active:
        c.out.print(f"{name} is already {'active' if active else 'disabled'}; nothing changed.", markup=False)
    elif active:
        c.out.print(f"{name} is active again: they can log in, and their API tokens work again.", markup=False)
    else:
        c.out.print(f"{name} is disabled: they cannot log in, and their open sessions and API tokens stop working "
                    f"(enable them again with 'smpatlas user enable {shlex.quote(name)}').", markup=False)


@user_app.command("disable")
def disable(name: UserName, db: c.DbOption = None) -> None:
    """Disable a user: they cannot log in, and their open web sessions and API tokens stop working.

    Nothing of theirs is deleted (their name stays in the history); 'smpatlas user enable' undoes it.
    The only active admin cannot be disabled.

    Example:

        smpatlas user disable anna
    """
    _set_active(db, name, False)


@user_app.command("enable")
def enable(name: UserName, db: c.DbOption = None) -> None:
    """Enable a disabled user again: they can log in, and their API tokens work again.

    Example:

        smpatlas user enable anna
    """
    _set_active(db, name, True)


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


@token_app.command("list")
def list_tokens(name: UserName, db: c.DbOption = None,
                fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text") -> None:
    """List a user's API tokens: number, label and the day it was created (never the secret).

    Example:

        smpatlas token list anna
    """
    from smpatlas.store import users as users_store

    fmt = c.check_choice(fmt, ("text", "json"), "--format")
    # last_used_at is not kept up to date (that would write on every API request): not shown
    rows = [{"number": r["id"], "label": r["label"], "created_at": r["created_at"]}
            for r in _with_user(db, name, lambda conn: users_store.list_tokens(conn, user_name=name))]
    if fmt == "json":
        c.print_json(rows)
        return
    for r in rows:
        c.out.print(f"{r['number']}\t{r['label'] or '(no label)'}\tcreated {r['created_at']:%Y-%m-%d}", markup=False)
    if not rows:
        c.out.print(f"{name} has no API tokens: create one with 'smpatlas token create {shlex.quote(name)}'.",
                    markup=False)


@token_app.command("revoke")
def revoke(name: UserName,
           number: Annotated[int | None, typer.Argument(metavar="[NUMBER]",
                                                        help="The token's number, as 'smpatlas token list' shows.")]
           = None,
           every: Annotated[bool, typer.Option("--all", help="Revoke every token of the user.")] = False,
           db: c.DbOption = None) -> None:
    """Revoke one API token of a user (by its number) or all of them (--all); scripts using it are refused at once.

    Example:

        smpatlas token revoke anna 3

        smpatlas token revoke anna --all
    """
    from smpatlas.store import users as users_store

    if (number is None) == (not every):
        raise ConfigError("Give the number of the token to revoke ('smpatlas token list NAME' shows them) or --all, "
                          "not both." if every else "Give the number of the token to revoke ('smpatlas token list "
                          f"{shlex.quote(name)}' shows them), or --all to revoke every token of {name!r}.")
    if every:
        gone = _with_user(db, name, lambda conn: users_store.revoke_tokens(conn, user_name=name))
        c.out.print(f"Revoked {gone} API token{'' if gone == 1 else 's'} of {name}.", markup=False)
        return
    assert number is not None
    _with_user(db, name, lambda conn: users_store.revoke_token(conn, user_name=name, token_id=number))
    c.out.print(f"Revoked API token {number} of {name}.", markup=False)
