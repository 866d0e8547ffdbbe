"""``/api/v1/import``: import a CSV, XLSX, JSON or JSONL file, all or nothing (editors)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile

from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.web import data, uploads
from smpatlas.web.api.models import ImportOut
from smpatlas.web.deps import Editor, StateDep
from smpatlas.web.settings import MAX_PROBLEMS_SHOWN

router = APIRouter(tags=["import"])


async def _one_of_each(request: Request) -> None:
    """``mode`` and ``dry_run`` at most once: with ``mode=insert&mode=replace`` the last would win, and
    ``dry_run=true&dry_run=false`` would write what the caller may have meant to check."""
    form = await request.form()  # parsed once per request (Starlette keeps it)
    for name in ("mode", "dry_run", "file"):
        given = form.getlist(name)
        if len(given) > 1:
            shown = ", ".join(repr(v) if isinstance(v, str) else repr(getattr(v, "filename", "?")) for v in given)
            raise ConfigError(f"{name} was given {len(given)} times ({shown}); give it once. Nothing was imported.")


@router.post("/import", response_model=ImportOut, dependencies=[Depends(_one_of_each)])
def import_file(
    state: StateDep, user: Editor, file: Annotated[UploadFile, File(description="CSV, XLSX, JSON or JSONL")],
    mode: Annotated[str, Form(description="insert, upsert or replace")] = "insert",
    dry_run: Annotated[bool, Form(description="Validate only")] = False,
    problems: Annotated[Literal["all"] | None, Query(
        description=f"'all': list every problem of the report (default: the first {MAX_PROBLEMS_SHOWN}, errors "
                    "first when cut, and how many more by problem code)")] = None,
) -> dict[str, Any]:
    """Validate and (unless ``dry_run``) write every row, or nothing; 422 lists the problems.

    A long report lists its first problems only (errors first; ``problems_note`` says how many) and counts the
    others by problem code (``problems_omitted``); ``?problems=all`` lists every one. The counts (``errors``,
    ``warnings``, ``problems_total``) are always exact.
    """
    token, _ = uploads.save(state, file.file, file.filename, user=str(user.name), mode=mode)
    try:
        report = uploads.check(state, token)
        if not report.valid:
            raise ValidationFailed(report)
        if not dry_run:
            report = uploads.confirm(state, token, user=str(user.name), deleting=True)  # mode=replace says so
            if not report.valid:  # changed between check and write
                raise ValidationFailed(report)
    finally:
        uploads.forget(state, token)
    limit = None if problems == "all" else MAX_PROBLEMS_SHOWN
    return {"ok": True, "report": data.report(report, limit=limit, mode=mode)}
