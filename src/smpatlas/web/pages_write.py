"""Server-rendered pages that write: edit, new partnership, delete, import (upload → report → confirm).

Owns the HTML routes for editors. Every post carries a CSRF token (checked by
the ``Editor`` dependency); every write goes through :class:`~smpatlas.atlas.Atlas`
or the importer with the user's name, so the history records who did it. An
edit against an outdated version answers 409 with what changed meanwhile and a
three-way merge in the form: the record as it is now, with only the editor's own
changes (their values against the version they loaded, rebuilt from the history)
on top, and the fields both changed marked. An edit of a record deleted meanwhile
says so and keeps the editor's values in a new-partnership form.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from smpatlas import record as rec_mod
from smpatlas.codebook import Field
from smpatlas.errors import ConfigError, ConflictError, NotFound, ValidationFailed
from smpatlas.io.importer import MODES
from smpatlas.problems import Problem, Report
from smpatlas.store import repository as repo
from smpatlas.web import data, forms, uploads
from smpatlas.web.deps import Editor, SessionDep, StateDep
from smpatlas.web.format import form_value, short_json, when
from smpatlas.web.pages import render

router = APIRouter(include_in_schema=False)


def _all_fields() -> list[Any]:
    return forms.fields_of()


def _edit_page(request: Request, rec: dict[str, Any], version: int | None, values: dict[str, Any],
               *, errors: dict[str, str] | None = None, conflict: Conflict | None = None,
               message: str | None = None, status: int = 200, new: bool = False) -> Response:
    changes = [{**c, "at": when(c.get("at"))} for c in (conflict.changes if conflict else [])]
    return render(request, "edit.html", {
        "rec": rec, "version": version, "new": new, "message": message, "conflict": conflict,
        "changes": changes, "sections": forms.sections(_all_fields(), values, errors,
                                                       readonly=frozenset() if new else frozenset({"id"})),
    }, status=status)


@dataclass
class Conflict:
    """What the 409 page says: what happened (``lead``), what changed (``changes``), what saving will do (``after``)."""

    lead: str
    after: list[str]
    changes: list[dict[str, Any]] = dc_field(default_factory=list)


def _check_version(conn: Any, rid: str, expected: int | None) -> None:
    """A stale form is a conflict before it is anything else (the editor must see what changed first)."""
    meta = repo.get_meta(conn, rid)
    if meta is None or meta["version"] == expected:
        return
    if expected is None:  # the form always sends one: without it, an older edit could overwrite a newer one
        raise ConflictError(f"The form for {rid!r} does not say which version it edits; nothing was saved.")
    raise ConflictError(f"Partnership {rid!r} is at version {meta['version']}, not {expected}.")


def _as_loaded(current: dict[str, Any], changed: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The record as the editor loaded it: ``current`` with every field changed since put back to its value
    before the first of those changes; ``None`` when it cannot be told (deleted and created again meanwhile)."""
    if any(e["action"] != "update" for e in changed):
        return None
    base = dict(current)
    for e in reversed(changed):  # oldest last, so the value before the earliest change wins
        base[e["field"]] = e["old_value"]
    return {k: v for k, v in base.items() if v is not None}


def _names(items: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else ""


def _shown(f: Field, value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) if value else "(none)"
    return f"\u2018{short_json(value, 120)}\u2019" if str(value).strip() else "(empty)"


def _merged_page(request: Request, rid: str, expected: int | None, values: dict[str, Any],
                 fields: list[Field], conn: Any) -> Response:
    """The 409 page: the current record with the editor's own changes on top, both-changed fields marked."""
    meta = repo.get_meta(conn, rid)  # the version before the record: a race can only make the next save conflict
    current = repo.get(conn, rid)
    if meta is None or current is None:
        return _deleted_page(request, rid, values, conn)
    version = meta["version"]
    changed = [e for e in repo.history_of(conn, rid) if expected is not None and e["version"] > expected]
    base = _as_loaded(current, changed) if expected is not None else None
    merged = forms.merge(base, current, values, fields)
    by_name = {f.name: f for f in fields}

    def users(entries: list[dict[str, Any]]) -> str:
        return _names(list(dict.fromkeys(str(e["user_name"]) for e in entries))) or "someone else"

    notes = {}
    for name in merged.both:
        f = by_name[name]
        theirs = [e for e in changed if e["field"] == name] or changed
        notes[name] = (f"Also changed meanwhile by {users(theirs)}, to {_shown(f, form_value(f, current.get(name)))}; "
                       "your value is shown, and saving keeps yours (put theirs back to keep it instead).")
    what = [by_name[n].label if n in by_name else n for n in dict.fromkeys(e["field"] or e["action"] for e in changed)]
    lead = (f"While you were editing, {users(changed)} saved changes to this partnership"
            + (f" (you loaded version {expected}; it is now version {version}): {_names(what)} changed."
               if what else "."))
    if expected is None:
        lead = (f"Your form did not say which version of this partnership you edited, so nothing was saved: "
                f"it is now at version {version}.")
    after = []
    if merged.mine:
        after.append(f"The form below shows version {version} with your changes to "
                     f"{_names([by_name[n].label for n in merged.mine])} applied on top; "
                     "the other fields show the partnership as it is now.")
    else:
        after.append(f"You had not changed anything, so the form below shows version {version} as it is now.")
    if merged.both and base is None:
        after.append("It cannot be told which values you changed (the partnership was deleted and created again, "
                     "or your form had no version): every field where your value differs from the current one "
                     "is marked below.")
    elif merged.both:
        theirs = [e for e in changed if e["field"] in merged.both]
        after.append(f"{_names([by_name[n].label for n in merged.both])} "
                     f"{'was' if len(merged.both) == 1 else 'were'} changed by both you and {users(theirs)}: "
                     "your value is shown and marked below.")
    if merged.mine:
        after.append(f"Saving again applies your changes over version {version}; the changes saved meanwhile to "
                     "fields you did not touch are kept.")
    conflict = Conflict(lead=lead, after=after, changes=changed)
    return _edit_page(request, current, version, {**merged.values, "id": rid}, errors=notes, conflict=conflict,
                      status=409)


def _deleted_page(request: Request, rid: str, values: dict[str, Any], conn: Any) -> Response:
    """The record was deleted while being edited: say so, and keep the editor's values in a new-partnership form
    (ids are never reused: saving it needs a new id)."""
    deleted = [e for e in repo.history_of(conn, rid) if e["action"] == "delete"]
    if not deleted:
        raise NotFound(rid)
    e = deleted[-1]
    conflict = Conflict(
        lead=f"While you were editing, {e['user_name']} deleted partnership {rid!r} ({when(e['at'])}), "
             "so your changes were not saved.",
        after=["Your values are kept below, to save as a new partnership: ids are never reused, so give it a new "
               "id first. To let the deletion stand, leave this page."])
    return _edit_page(request, {}, None, {**values, "id": rid}, conflict=conflict, status=409, new=True)


@router.get("/partnerships/{rid}/edit")
def edit_form(rid: str, request: Request, conn: SessionDep, _user: Editor) -> Response:
    d = data.partnership(conn, rid, history=False)
    return _edit_page(request, d["partnership"], d["version"], forms.initial(d["partnership"], _all_fields()))


@router.post("/partnerships/{rid}/edit")
async def edit(rid: str, request: Request, state: StateDep, user: Editor) -> Response:
    form = await request.form()
    fields = [f for f in _all_fields() if f.name != "id"]
    values = forms.submitted(form, fields)
    raw_version = str(form.get("version") or "")
    expected = int(raw_version) if raw_version.isdigit() else None
    from starlette.concurrency import run_in_threadpool

    def save() -> None:
        with state.engine.connect() as conn:
            _check_version(conn, rid, expected)
        state.atlas.edit(rid, forms.changes_from_form(values, fields), expected_version=expected, user=str(user.name))

    try:
        await run_in_threadpool(save)
    except ValidationFailed as exc:
        with state.engine.connect() as conn:
            d = data.partnership(conn, rid, history=False)
        return _edit_page(request, d["partnership"], expected, {**values, "id": rid},
                          errors=forms.errors_by_field(exc.report), message=str(exc), status=422)
    except (ConflictError, NotFound):
        with state.engine.connect() as conn:
            return _merged_page(request, rid, expected, values, fields, conn)
    return RedirectResponse(f"/partnerships/{rid}#history", status_code=303)


@router.get("/new")
def new_form(request: Request, _user: Editor) -> Response:
    return _edit_page(request, {}, None, forms.initial({}, _all_fields()), new=True)


@router.post("/new")
async def create(request: Request, state: StateDep, user: Editor) -> Response:
    form = await request.form()
    fields = _all_fields()
    values = forms.submitted(form, fields)
    raw = {k: v for k, v in forms.changes_from_form(values, fields).items() if v is not None}
    record, issues = rec_mod.normalise(raw)
    report = Report(files=["new partnership"])
    for i in issues:
        report.add(Problem(i.error.message, field=i.field, value=i.value, hint=i.error.hint, code=i.error.code))
    if report.valid:
        with state.engine.begin() as conn:
            gone = repo.deletion(conn, record["id"])
            if repo.existing_ids(conn, [record["id"]]):
                report.add(Problem("a partnership with this id exists already", field="id", value=record["id"],
                                   code="id_exists", hint="choose another id, or edit that partnership"))
            elif gone is not None:  # ids are never reused: the deleted one's history stays under it
                report.add(Problem(gone.refusal() + " \u2014 choose another id", field="id", value=record["id"],
                                   code="id_retired", record_id=record["id"]))
            else:
                repo.write(conn, [record], mode="insert", change=repo.Change(user=str(user.name), context="web: create"))
                return RedirectResponse(f"/partnerships/{record['id']}", status_code=303)
    return _edit_page(request, {}, None, values, errors=forms.errors_by_field(report), message=report.summary(),
                      status=422, new=True)


@router.post("/partnerships/{rid}/delete")
def delete(rid: str, state: StateDep, user: Editor) -> Response:
    state.atlas.delete(rid, user=str(user.name))
    return RedirectResponse("/partnerships", status_code=303)


def _import_page(request: Request, report: Report | None, *, mode: str | None = None, token: str | None = None,
                 status: int = 200, **context: Any) -> Response:
    """The import page; a report shows its first problems and how many more by code (:func:`data.report`)."""
    shown = data.report(report, mode=mode if mode in MODES else None) if report is not None else None
    return render(request, "import.html", {"modes": MODES, "report": report, "shown": shown, "token": token,
                                           "mode": mode if mode in MODES else None, **context}, status=status)


@router.get("/import")
def import_form(request: Request, _user: Editor) -> Response:
    return _import_page(request, None)


@router.post("/import")
async def upload(request: Request, state: StateDep, user: Editor) -> Response:
    form = await request.form()
    file, mode = form.get("file"), str(form.get("mode") or "insert")
    if file is None or isinstance(file, str) or not file.filename:
        return _import_page(request, None, message="Choose a file to import.", status=400)
    from starlette.concurrency import run_in_threadpool

    from smpatlas.web.errors import TooLarge, status_of

    def check() -> tuple[str, Report]:
        token, _ = uploads.save(state, file.file, file.filename, user=str(user.name), mode=mode)
        try:
            return token, uploads.check(state, token)
        except Exception:
            uploads.forget(state, token)
            raise

    try:
        token, report = await run_in_threadpool(check)
    except (ConfigError, TooLarge) as exc:  # a wrong file type, an unknown mode, too big: the form again, with why
        return _import_page(request, None, mode=mode, message=str(exc), status=status_of(exc))
    if not report.valid:
        uploads.forget(state, token)
    return _import_page(request, report, mode=mode, token=token if report.valid else None,
                        status=200 if report.valid else 422)


@router.post("/import/{token}/confirm")
async def confirm(token: str, request: Request, state: StateDep, user: Editor) -> Response:
    from starlette.concurrency import run_in_threadpool

    deleting = (await request.form()).get("deleting") == "yes"
    mode = str(state.uploads.get(token, {}).get("mode") or "") or None
    try:
        report = await run_in_threadpool(uploads.confirm, state, token, user=str(user.name), deleting=deleting)
    except ConfigError as exc:  # a replace that deletes, not ticked: show the check again, with the message
        again = await run_in_threadpool(uploads.check, state, token)
        return _import_page(request, again, mode="replace", token=token, message=str(exc), status=400)
    return _import_page(request, report, mode=mode, done=report.valid, status=200 if report.valid else 422)
