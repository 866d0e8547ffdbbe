"""``smpatlas show``: one partnership in plain language, with sources and history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer

from smpatlas import display
from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.codebook import Field
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import NotFound

if TYPE_CHECKING:
    from smpatlas.store import repository as repo

NOT_CODED = "— (not coded)"


def plain(f: Field, value: Any) -> str:
    """A field value as a person reads it; missing values marked for the terminal."""
    return NOT_CODED if value is None else display.plain(f, value)


@app.command("show")
def show(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The partnership's id.")],
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    show_history: Annotated[bool, typer.Option("--history", help="Show the change history (the default).")] = False,
    no_history: Annotated[bool, typer.Option("--no-history", help="Leave the change history out.")] = False,
    version: Annotated[int | None, typer.Option(
        "--version", metavar="N", help="The partnership as it stood at version N, rebuilt from its history "
        "(also of a deleted partnership).")] = None,
) -> None:
    """Show every coded field of one partnership, its sources and its history.

    A deleted partnership's history is kept: for its id, show prints that history (with --format json:
    {"record": null, "deleted": {...}, "history": [...]}) and exits 1 saying when and by whom it was
    deleted; --no-history prints only that message. Its id is never reused.

    --version N shows the record as it stood at version N (the history keeps every change, so every past
    version can be rebuilt), saying who made that version, when, and which fields it changed.

    Example:

        smpatlas show de-ph-triple-win

        smpatlas show de-ph-triple-win --version 1 --no-history
    """
    from smpatlas.store import database
    from smpatlas.store import repository as repo

    fmt = c.check_choice(fmt, ("text", "json"), "--format")
    c.require_id(record_id, "show")
    history = c.one_of(show_history, no_history, "--history", "--no-history",
                       "(the history is shown unless --no-history is given)") is not False
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            rec = repo.get(conn, record_id)
            gone = repo.deletion(conn, record_id) if rec is None else None
            if rec is None and gone is None:
                close = [i for i in repo.all_ids(conn) if record_id.lower() in i][:3]
                raise NotFound(record_id, f"Similar ids: {', '.join(close)}." if close else
                               "See 'smpatlas list'.")
            meta = repo.get_meta(conn, record_id) or {}
            hist = repo.history_of(conn, record_id) if history or version is not None else []
    finally:
        engine.dispose()
    if version is not None:
        _show_version(record_id, _last_life(hist, deleted=gone is not None), version, gone, fmt,
                      hist if history else [])
        return
    if gone is not None:
        _deleted(gone, hist, fmt, history)
    assert rec is not None
    if fmt == "json":
        c.print_json({"record": rec, "version": meta.get("version"), "history": hist})
        return
    c.out.print(f"[bold]{rec['name']}[/bold]  ({rec['id']}, version {meta.get('version')})")
    _print_record(rec)
    if history:
        _print_history(hist)


def _show_version(record_id: str, life: list[dict[str, Any]], version: int, gone: repo.Deletion | None, fmt: str,
                  hist: list[dict[str, Any]]) -> None:
    """``show --version N``: the record at version N (:func:`smpatlas.store.versions.record_at`), who made it,
    when, and what it changed; then the history unless --no-history."""
    from smpatlas.store.versions import record_at

    v = record_at(life, version)
    made = {"at": v.at, "user": v.user, "context": v.context, "fields": list(v.fields)}
    if fmt == "json":
        c.print_json({"record": v.record, "version": v.version, "latest_version": v.latest, "made": made,
                      "deleted": None if gone is None else {"at": gone.at, "user": gone.user,
                                                            "version": gone.version},
                      "history": hist})
        return
    when = v.at.strftime("%Y-%m-%d %H:%M") if hasattr(v.at, "strftime") else str(v.at)
    now = (f"deleted in version {gone.version}" if gone is not None else
           "the current version" if v.version == v.latest else f"the current version is {v.latest}")
    c.out.print(f"{v.record.get('name', record_id)}  ({record_id}, version {v.version}; {now})", markup=False,
                style="bold")
    cb = default_codebook()
    what = "created it" if v.version == 1 else "changed " + ", ".join(cb[f].label if f in cb else f for f in v.fields)
    c.out.print(f"As it stood after {v.user} {what} on {when}" + (f" ({v.context})" if v.context else "") + ".",
                markup=False)
    _print_record(v.record)
    if hist:
        _print_history(hist)


def _last_life(hist: list[dict[str, Any]], *, deleted: bool) -> list[dict[str, Any]]:
    """The entries of the partnership's current record, or, when it is deleted, of the record deleted last (in
    older inventories an id may have been used again after a delete)."""
    from smpatlas.store import repository as repo

    if deleted:
        last = max((i for i, e in enumerate(hist) if e["action"] == "delete"), default=len(hist))
        hist = hist[:last]
    return repo.current_life(hist)


def _print_record(rec: dict[str, Any]) -> None:
    """Every coded field by section, then the sources."""
    cb = default_codebook()
    for key, title in cb.sections.items():
        fields = [f for f in cb.in_section(key) if f.name not in ("id", "name")]
        if not fields:
            continue
        c.out.print(f"\n[bold]{title}[/bold]")
        for f in fields:
            items = _one_per_line(f, rec.get(f.name))
            value = plain(f, rec.get(f.name)) if items is None else f"{len(items)} (one per line)"
            c.out.print(f"  {f.label + ':':<34} ", end="")
            c.out.print(value, markup=False, style="dim" if value == NOT_CODED else None)
            for item in items or []:
                c.out.print(f"    {item}", markup=False)
    c.out.print("\n[bold]Sources[/bold]")
    for i, s in enumerate(rec.get("sources") or [], 1):
        c.out.print(f"  {i}. " + " — ".join(x for x in (s.get("title"), s.get("url")) if x)
                    + (f" (accessed {s['accessed']})" if s.get("accessed") else ""), markup=False)
    if not rec.get("sources"):
        c.out.print("  none: this record cannot be published until a source is added", style="yellow")


def _one_per_line(f: Field, value: Any) -> list[str] | None:
    """Actors and outcomes, when there are several: one per line (outcomes in the order of their periods, so a
    series reads over time), rather than all on one line; None for every other value."""
    if f.kind not in ("actors", "outcomes") or not isinstance(value, list) or len(value) < 2:
        return None
    if f.kind == "outcomes":
        value = sorted(value, key=lambda o: str(o.get("period", "")))
    return [display.plain(f, [item]) for item in value]


def _print_history(hist: list[dict[str, Any]]) -> None:
    """The history in the order it happened; in older inventories an id may have been used again after a
    delete (versions restart at 1 there): that point is marked. A change says what it did in words
    (:func:`display.change`): the item lines a nested field gained (+) and lost (-), the values a set
    gained and lost, and where it came from (the edit, or the import and its file)."""
    c.out.print("\n[bold]History[/bold]")
    fields = {f.name: f for f in default_codebook().fields}
    after_delete = False
    for e in hist:
        if after_delete and e["action"] == "create":
            c.out.print("  — the id was used again for a new partnership (older inventories allowed it); "
                        "its versions start again at 1:", markup=False)
        after_delete = e["action"] == "delete"
        when = e["at"].strftime("%Y-%m-%d %H:%M") if hasattr(e["at"], "strftime") else str(e["at"])
        if e["action"] == "update":
            summary, lines = display.change(fields.get(e["field"]), e["old_value"], e["new_value"])
            c.out.print(f"  v{e['version']} {when} {e['user_name']}: {e['field']}: {summary}"
                        + (f" ({e['context']})" if e.get("context") else ""), markup=False)
            for line in lines:
                c.out.print(f"      {line}", markup=False)
        else:
            c.out.print(f"  v{e['version']} {when} {e['user_name']}: {e['action']}"
                        + (f" ({e['context']})" if e.get("context") else ""), markup=False)


def _deleted(gone: repo.Deletion, hist: list[dict[str, Any]], fmt: str, history: bool) -> NoReturn:
    """A deleted partnership: its kept history (unless --no-history), then exit 1 saying when and by whom."""
    if fmt == "json":
        c.print_json({"record": None, "version": None,
                      "deleted": {"at": gone.at, "user": gone.user, "context": gone.context,
                                  "version": gone.version, "name": gone.name},
                      "history": hist})
    elif history:
        c.out.print(f"{gone.name or gone.id}  ({gone.id}, deleted in version {gone.version})", markup=False,
                    style="bold")
        _print_history(hist)
    see = ("Its kept history is shown above." if history else
           f"Run 'smpatlas show {gone.id}' without --no-history to see its kept history.")
    raise NotFound(gone.id, f"It was deleted on {gone.day} by {gone.user}"
                   + (f" ({gone.context})" if gone.context and gone.context != "delete" else "")
                   + f"; its id is never reused. {see}")
