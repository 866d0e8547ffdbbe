"""Server-rendered pages that write: edit, new partnership, delete, import (upload → report → confirm).

Owns the HTML routes for editors. Every post carries a CSRF token (checked by
the ``Editor`` dependency); every write goes through :class:`~smpatlas.atlas.Atlas`
or the importer with the user's name, so the history records who did it. An
edit against an outdated version answers 409 with what changed meanwhile and
keeps the editor's values in the form.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from smpatlas import record as rec_mod
from smpatlas.errors import ConflictError, ValidationFailed
from smpatlas.io.importer import MODES
from smpatlas.problems import Problem, Report
from smpatlas.store import repository as repo
from smpatlas.web import data, forms, uploads
from smpatlas.web.deps import Editor, SessionDep, StateDep
from smpatlas.web.format import when
from smpatlas.web.pages import render

router = APIRouter(include_in_schema=False)


def _all_fields() -> list[Any]:
    return forms.fields_of()


def _edit_page(request: Request, rec: dict[str, Any], version: int | None, values: dict[str, Any],
               *, errors: dict[str, str] | None = None, conflict: ConflictError | None = None,
               message: str | None = None, status: int = 200, new: bool = False) -> Response:
    changes = [{**c, "at": when(c.get("at"))} for c in (conflict.changes if conflict else [])]
    return render(request, "edit.html", {
        "rec": rec, "version": version, "new": new, "message": message, "conflict": str(conflict) if conflict else None,
        "changes": changes, "sections": forms.sections(_all_fields(), values, errors,
                                                       readonly=frozenset() if new else frozenset({"id"})),
    }, status=status)


def _check_version(conn: Any, rid: str, expected: int | None) -> None:
    """A stale form is a conflict before it is anything else (the editor must see what changed first)."""
    meta = repo.get_meta(conn, rid)
    if meta is None or expected is None or meta["version"] == expected:
        return
    changed = [e for e in repo.history_of(conn, rid) if e["version"] > expected]
    fields = ", ".join(sorted({e["field"] or e["action"] for e in changed})) or "it"
    raise ConflictError(f"Partnership {rid!r} is at version {meta['version']}, not {expected}: {fields} changed "
                        "meanwhile; check the changes below and save again to apply yours.", changes=changed)


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
    except ConflictError as exc:
        with state.engine.connect() as conn:
            d = data.partnership(conn, rid, history=False)
        return _edit_page(request, d["partnership"], d["version"], {**values, "id": rid}, conflict=exc, status=409)
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
            if repo.existing_ids(conn, [record["id"]]):
                report.add(Problem("a partnership with this id exists already", field="id", value=record["id"]))
            else:
                repo.write(conn, [record], mode="insert", change=repo.Change(user=str(user.name), context="web: create"))
                return RedirectResponse(f"/partnerships/{record['id']}", status_code=303)
    return _edit_page(request, {}, None, values, errors=forms.errors_by_field(report), message=report.summary(),
                      status=422, new=True)


@router.post("/partnerships/{rid}/delete")
def delete(rid: str, state: StateDep, user: Editor) -> Response:
    state.atlas.delete(rid, user=str(user.name))
    return RedirectResponse("/partnerships", status_code=303)


@router.get("/import")
def import_form(request: Request, _user: Editor) -> Response:
    return render(request, "import.html", {"modes": MODES, "report": None, "token": None})


@router.post("/import")
async def upload(request: Request, state: StateDep, user: Editor) -> Response:
    form = await request.form()
    file, mode = form.get("file"), str(form.get("mode") or "insert")
    if file is None or isinstance(file, str) or not file.filename:
        return render(request, "import.html", {"modes": MODES, "report": None, "token": None,
                                               "message": "Choose a file to import."}, status=400)
    from starlette.concurrency import run_in_threadpool

    def check() -> tuple[str, Report]:
        token, _ = uploads.save(state, file.file, file.filename, user=str(user.name), mode=mode)
        return token, uploads.check(state, token)

    token, report = await run_in_threadpool(check)
    if not report.valid:
        uploads.forget(state, token)
    return render(request, "import.html", {"modes": MODES, "report": report, "mode": mode,
                                           "token": token if report.valid else None},
                  status=200 if report.valid else 422)


@router.post("/import/{token}/confirm")
def confirm(token: str, request: Request, state: StateDep, user: Editor) -> Response:
    report = uploads.confirm(state, token, user=str(user.name))
    return render(request, "import.html", {"modes": MODES, "report": report, "token": None, "done": report.valid},
                  status=200 if report.valid else 422)
