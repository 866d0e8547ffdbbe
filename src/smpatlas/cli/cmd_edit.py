"""``smpatlas edit`` and ``smpatlas delete``: change one record, with history (``--user`` named as accounts are)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.codebook import default as default_codebook
from smpatlas.codebook import fold_header
from smpatlas.errors import ConfigError, ConflictError, ValidationFailed
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


#: How often ``--add`` reads the record again when an edit was saved between its read and its write.
ADD_ATTEMPTS = 3


def parse_adds(pairs: list[str], changes: dict[str, Any], record_id: str = "") -> dict[str, str]:
    """Additions by field from ``--add FIELD=VALUE``: item lines of a nested field (actors, sources, outcomes)
    or values of a set, added to what the field holds. Several ``--add`` of one field add all their lines.
    A field that holds one value, or that ``--set``/``--clear`` also change, is refused (exit 1); an unknown
    field is a validation problem (exit 2), as for ``--set``."""
    cb = default_codebook()
    adds: dict[str, str] = {}
    report = Report(files=[f"edit of {record_id}" if record_id else "--add"])
    for pair in pairs:
        if "=" not in pair:
            raise ConfigError(f"--add {pair!r}: write FIELD=VALUE, e.g. --add \"outcomes=2024 | departed | 120 | "
                              "Annual report 2024\".")
        key, value = pair.split("=", 1)
        name = cb.field_for_header(key.strip())
        if name is None:
            guess = suggest(fold_header(key), cb.names)
            report.add(Problem(f"unknown field {key.strip()!r} (in --add {pair!r})", code="unknown_field",
                               hint=(guess + " " if guess else "") + "see 'smpatlas codebook' for the fields"))
            continue
        if not cb[name].multi:
            raise ConfigError(f"--add {pair!r}: {name} holds one value, so nothing can be added to it: "
                              f"use --set \"{name}=...\" to change it.")
        if name in changes:
            raise ConfigError(f"--add {pair!r} and --set/--clear of {name} contradict each other: --set replaces "
                              f"what {name} holds, --add keeps it and adds to it. Give one of them.")
        if not value.strip():
            raise ConfigError(f"--add {pair!r}: nothing to add to {name}.")
        adds[name] = f"{adds[name]}\n{value}" if name in adds else value
    if report.problems:
        raise ValidationFailed(report)
    return adds


def _added(record_id: str, current: dict[str, Any], adds: dict[str, str]) -> dict[str, Any]:
    """The changes that add ``adds`` to what ``current`` holds. Nested lines are read on their own first, so a
    problem names the line as given; a line the field already holds is refused (it would be there twice)."""
    from smpatlas.cells import format_nested, parse_nested
    from smpatlas.problems import CellError

    cb = default_codebook()
    changes: dict[str, Any] = {}
    report = Report(files=[f"edit of {record_id}"])
    for name, text in adds.items():
        held = current.get(name) or []
        if not cb[name].nested:
            changes[name] = "; ".join([*map(str, held), text])
            continue
        try:
            items = parse_nested(cb[name].kind, text)
        except CellError as exc:
            report.add(Problem(exc.message, field=name, column=name, value=text, hint=exc.hint, code=exc.code,
                               record_id=record_id))
            continue
        lines = [format_nested(cb[name].kind, [i]) for i in held]
        for item in items:
            line = format_nested(cb[name].kind, [item])
            if line in lines:
                report.add(Problem(f"{name} already holds the line {line!r}", field=name, column=name, value=text,
                                   hint="leave it out; to change a line, give the whole field with --set",
                                   code="invalid", record_id=record_id))
            lines.append(line)
        changes[name] = [*held, *items]
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
    add: Annotated[list[str] | None, typer.Option(
        "--add", help="FIELD=VALUE: add item lines (actors, sources, outcomes) or values (sets) to what the field "
                      "holds; repeatable.")] = None,
    clear: Annotated[list[str] | None, typer.Option("--clear", help="FIELD to make missing; repeatable.")] = None,
    expected_version: Annotated[int | None, typer.Option("--expected-version",
                                                         help="Refuse if the record is no longer at this version.")] = None,
    db: c.DbOption = None,
    user: c.UserOption = None,
) -> None:
    """Change fields of one partnership; validated, versioned and recorded in the history.

    --set replaces what a field holds (give every line of actors, sources or outcomes); --add keeps it and adds
    lines or values. What changed is printed, as 'smpatlas show' lists it in the history.

    Example:

        smpatlas edit de-ph-triple-win --set "reintegration_support=career_guidance; job_placement"

        smpatlas edit de-ph-triple-win --add "outcomes=2024 | departed | 120 | Annual report 2024"

        smpatlas edit de-ph-triple-win --clear budget_eur --user anna
    """
    c.require_id(record_id, "edit")
    check_user(user)
    changes = parse_sets(set_ or [], clear or [], record_id)
    adds = parse_adds(add or [], changes, record_id)
    if not changes and not adds:
        raise ConfigError("Nothing to change: give --set FIELD=VALUE, --add FIELD=VALUE or --clear FIELD.")
    from smpatlas import display
    from smpatlas.atlas import Atlas
    from smpatlas.store import database
    from smpatlas.store import repository as repo

    atlas = Atlas(database.open_engine(db, create_if_missing=False), user=user)
    try:
        for attempt in range(ADD_ATTEMPTS):
            with atlas.engine.connect() as conn:
                before = (repo.get_meta(conn, record_id) or {}).get("version")
                old = repo.get(conn, record_id) or {}
            todo, pinned = dict(changes), expected_version
            if adds and old:
                todo.update(_added(record_id, old, adds))
                # What was added to must not have changed meanwhile (else another edit's lines would be lost): the
                # version read is pinned, and an edit saved meanwhile makes --add read the record again.
                pinned = before if expected_version is None else expected_version
            try:
                new = atlas.edit(record_id, todo, expected_version=pinned)
                break
            except ConflictError:
                if expected_version is not None or not adds or attempt == ADD_ATTEMPTS - 1:
                    raise
        with atlas.engine.connect() as conn:
            meta = repo.get_meta(conn, record_id) or {}
            version = meta.get("version")
            # this edit's own changes (its history entries), not a difference with what was read before, which
            # would also show an edit another person saved in between
            own = [e for e in repo.history_of(conn, record_id) if e["action"] == "update" and e["version"] == version]
    finally:
        atlas.close()
    if before is not None and version == before:
        c.out.print(f"No change: {record_id} is already so (version {before}).", markup=False)
        return
    c.out.print(f"Saved {record_id} (now version {version}).", markup=False)
    fields = {f.name: f for f in default_codebook().fields}
    for e in own:
        summary, lines = display.change(fields.get(e["field"]), e["old_value"], e["new_value"])
        c.out.print(f"  {e['field']}: {summary}", markup=False)
        for line in lines:
            c.out.print(f"      {line}", markup=False)
    _warn(new, todo)


def _warn(record: dict[str, Any], changes: dict[str, Any]) -> None:
    """What an import of the same values would warn about (``1.500`` read as 1.5, occupation titles mapped, no
    source), for the fields this edit changed."""
    from smpatlas import record as rec

    for w in rec.warnings(record, changes):
        if w.field in changes:
            shown = f"{w.value!r}: " if w.value is not None else ""
            c.err.print(f"warning: {w.field}: {shown}{w.error.message}"
                        + (f" (hint: {w.error.hint})" if w.error.hint else ""), markup=False)


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
