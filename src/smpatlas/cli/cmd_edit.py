"""``smpatlas edit`` and ``smpatlas delete``: change one record, with history."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from smpatlas.atlas import Atlas
from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.store import database


def parse_sets(pairs: list[str], clears: list[str]) -> dict[str, Any]:
    cb = default_codebook()
    changes: dict[str, Any] = {}
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"--set {pair!r}: write FIELD=VALUE, e.g. --set status=completed.")
        key, value = pair.split("=", 1)
        name = cb.field_for_header(key)
        if name is None:
            raise ConfigError(f"--set {pair!r}: unknown field {key!r}; see 'smpatlas codebook'.")
        changes[name] = value
    for key in clears:
        name = cb.field_for_header(key)
        if name is None:
            raise ConfigError(f"--clear {key!r}: unknown field; see 'smpatlas codebook'.")
        changes[name] = None
    return changes


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
    changes = parse_sets(set_ or [], clear or [])
    if not changes:
        raise ConfigError("Nothing to change: give --set FIELD=VALUE or --clear FIELD.")
    atlas = Atlas(database.open_engine(db, create_if_missing=False), user=user)
    try:
        atlas.edit(record_id, changes, expected_version=expected_version)
        with atlas.engine.connect() as conn:
            from smpatlas.store import repository as repo

            meta = repo.get_meta(conn, record_id) or {}
    finally:
        atlas.close()
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
    if not yes:
        typer.confirm(f"Delete {record_id}?", abort=True)
    atlas = Atlas(database.open_engine(db, create_if_missing=False), user=user)
    try:
        atlas.delete(record_id)
    finally:
        atlas.close()
    c.out.print(f"Deleted {record_id}; its history is kept.", markup=False)
