"""``smpatlas edit`` and ``smpatlas delete``: change one record, with history (``--user`` named as accounts are)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.codebook import default as default_codebook
from smpatlas.codebook import fold_header
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.normalise import suggest
from smpatlas.problems import Problem, Report


def parse_sets(pairs: list[str], clears: list[str], record_id: str = "") -> dict[str, Any]:
    """Changes by field from ``--set FIELD=VALUE`` and ``--clear FIELD``.

    Unknown fields are validation problems (exit 2), all reported at once with a did-you-mean hint. Two options
    that change one field differently (``--set F=a --set F=b``, ``--set F=a --clear F``) contradict each other:
    refused (exit 1) rather than the last one winning silently; the same change given twice is one change.
    """
    cb = default_codebook()
    changes: dict[str, Any] = {}
    given: dict[str, str] = {}  # field → the option that changes it, as typed
    report = Report(files=[f"edit of {record_id}" if record_id else "--set/--clear"])

    def field(key: str, option: str) -> str | None:
        name = cb.field_for_header(key.strip())
        if name is None:
            guess = suggest(fold_header(key), cb.names)
            report.add(Problem(f"unknown field {key.strip()!r} (in {option})", code="unknown_field",
                               hint=(guess + " " if guess else "") + "see 'smpatlas codebook' for the fields"))
        return name

    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"--set {pair!r}: write FIELD=VALUE, e.g. --set status=completed.")
        key, value = pair.split("=", 1)
        if (name := field(key, f"--set {pair!r}")) is not None:
            if name in changes and changes[name].strip() != value.strip():
                raise ConfigError(_twice(name, given[name], pair, cb[name].multi))
            changes[name], given[name] = value, f"--set {pair}"
    for key in clears:
        if (name := field(key, f"--clear {key!r}")) is not None:
            if (changes.get(name) or "").strip():  # '--set F=' is missing too, as an empty cell is
                raise ConfigError(f"{given[name]!r} and '--clear {key}' contradict each other: one sets {name}, the "
                                  "other makes it missing. Give one of them.")
            changes[name], given[name] = None, f"--clear {key}"
    if report.problems:
        raise ValidationFailed(report)
    return changes


def _twice(name: str, first: str, pair: str, multi: bool) -> str:
    """Why ``--set`` twice for one field is refused, and what to write instead."""
    message = f"{first!r} and '--set {pair}' both set {name}, to different values: give it once."
    if multi:
        values = "; ".join(v.strip() for v in (first.split("=", 1)[1], pair.split("=", 1)[1]))
        message += (f" {name} holds several values: give them all in one --set, separated by ';' "
                    f"(--set \"{name}={values}\").")
    return message


def check_user(user: str | None) -> None:
    """Refuse a ``--user`` the history could not keep as typed (the rules of account names; none = login name)."""
    if user is not None:
        from smpatlas.store.users import check_name

        check_name(user, option="--user")


@app.command("edit")
def edit(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="FIELD=VALUE (spreadsheet syntax); repeatable.")] = None,
    clear: Annotated[list[str] | None, typer.Option("--clear", help="FIELD to make missing; repeatable.")] = None,
    expected_version: Annotated[int | None, typer.Option("--expected-version",
                                                         help="Refuse if the record is no longer at this version.")] = None,
    db: c.DbOption = None,
    user: c.UserOption = None,
) -> None:
    """Change fields of one partnership; validated, versioned and recorded in the history.

    Example:

        smpatlas edit de-ph-triple-win --set "reintegration_support=career_guidance; job_placement"

        smpatlas edit de-ph-triple-win --clear budget_eur --user anna
    """
    c.require_id(record_id, "edit")
    check_user(user)
    changes = parse_sets(set_ or [], clear or [], record_id)
    if not changes:
        raise ConfigError("Nothing to change: give --set FIELD=VALUE or --clear FIELD.")
    from smpatlas.atlas import Atlas
    from smpatlas.store import database
    from smpatlas.store import repository as repo

    atlas = Atlas(database.open_engine(db, create_if_missing=False), user=user)
    try:
        with atlas.engine.connect() as conn:
            before = (repo.get_meta(conn, record_id) or {}).get("version")
        atlas.edit(record_id, changes, expected_version=expected_version)
        with atlas.engine.connect() as conn:
            meta = repo.get_meta(conn, record_id) or {}
    finally:
        atlas.close()
    if before is not None and meta.get("version") == before:
        c.out.print(f"No change: {record_id} is already so (version {before}).", markup=False)
        return
    c.out.print(f"Saved {record_id} (now version {meta.get('version')}).", markup=False)


@app.command("delete")
def delete(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    db: c.DbOption = None,
    user: c.UserOption = None,
) -> None:
    """Delete one partnership (its history is kept).

    Example:

        smpatlas delete old-pilot-2016 --yes
    """
    from smpatlas.atlas import Atlas
    from smpatlas.store import database

    c.require_id(record_id, "delete")
    check_user(user)  # before the confirmation: do not ask, then refuse
    if not yes:
        typer.confirm(f"Delete {record_id}?", abort=True)
    atlas = Atlas(database.open_engine(db, create_if_missing=False), user=user)
    try:
        atlas.delete(record_id)
    finally:
        atlas.close()
    c.out.print(f"Deleted {record_id}; its history is kept.", markup=False)
