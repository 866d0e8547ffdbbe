"""``/api/v1/import``: import a CSV, XLSX, JSON or JSONL file, all or nothing (editors)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile

from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.web import uploads
from smpatlas.web.api.models import ImportOut
from smpatlas.web.deps import Editor, StateDep

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
) -> dict[str, Any]:
    """Validate and (unless ``dry_run``) write every row, or nothing; 422 lists every problem."""
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
    return {"ok": True, "report": report.to_dict()}
