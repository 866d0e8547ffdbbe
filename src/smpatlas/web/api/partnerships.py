"""``/api/v1/partnerships``: list with filters and facets, read, create, update, delete, history, assess, what-if."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response

from smpatlas import record as rec
from smpatlas.errors import ConfigError, ValidationFailed
from smpatlas.problems import Problem, Report
from smpatlas.store import repository as repo
from smpatlas.web import data
from smpatlas.web import facets as fc
from smpatlas.web.api.models import (
    LIST_PARAMETERS,
    AnyOut,
    Deleted,
    HistoryOut,
    PartnershipPublic,
    PartnershipsPublic,
    PartnershipUpdate,
    VersionOut,
    WhatIfIn,
)
from smpatlas.web.deps import Editor, Reader, SessionDep, StateDep

router = APIRouter(prefix="/partnerships", tags=["partnerships"])


#: Response header of ``GET /api/v1/partnerships``: ``index`` or ``sql``, how its counts were made.
FACETS_HEADER = "X-SMP-Atlas-Facets"


def facet_names(requested: list[str] | None) -> list[str] | None:
    """Field names from ``facet=`` parameters (parameter or field names; ``none`` = no facets)."""
    if not requested:
        return None
    names: list[str] = []
    for raw in requested:
        for item in raw.split(","):
            item = item.strip()
            if not item or item == "none":
                continue
            name = fc.PARAM_FIELD.get(item) or (item if item in fc.FIELD_PARAM else None)
            if name is None:
                raise ConfigError(f"facet={item!r}: no facet by that name; use one of {', '.join(fc.PARAM_FIELD)}.")
            if name not in names:
                names.append(name)
    return names


@router.get("", response_model=PartnershipsPublic, openapi_extra={"parameters": LIST_PARAMETERS})
def list_partnerships(request: Request, response: Response, state: StateDep, conn: SessionDep, _user: Reader
                      ) -> dict[str, Any]:
    """Partnerships matching the filters (the CLI's, plus any enumerated field by name), with facet counts.

    A repeated filter means OR; different filters combine with AND. Every parameter is read by the Browse
    page's reader, so a bad one gets the same 400 and the same words here, there and in ``/stats``.
    """
    facet = request.query_params.getlist("facet")
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "facet"]
    index = state.facet_index(conn)
    # how the counts were made (the same either way): by the in-memory index, or by SQL (index off or being built)
    response.headers[FACETS_HEADER] = "index" if index is not None else "sql"
    return data.browse(conn, fc.Query.from_params(params, others=("facet",)), facet_names(facet), index)


@router.post("", response_model=PartnershipPublic, status_code=201)
def create_partnership(state: StateDep, user: Editor, body: Annotated[dict[str, Any], Body()]) -> dict[str, Any]:
    """Add a partnership (editors). Raw spreadsheet values are accepted; every problem is reported.

    The id must be new: neither a current partnership's nor a deleted one's (ids are never reused; 422).
    """
    record, issues = rec.normalise({k: v for k, v in body.items() if v is not None})
    report = Report(files=["new partnership"])
    for i in issues:
        report.add(Problem(i.error.message, field=i.field, column=i.field, value=i.value, hint=i.error.hint,
                           code=i.error.code, record_id=body.get("id") if isinstance(body.get("id"), str) else None))
    with state.engine.begin() as conn:
        if not issues and repo.existing_ids(conn, [record["id"]]):
            report.add(Problem(f"a partnership with id {record['id']!r} exists already", field="id",
                               value=record["id"], code="id_exists", hint="choose another id or edit that one"))
        elif not issues and (gone := repo.deletion(conn, record["id"])) is not None:
            report.add(Problem(gone.refusal(), field="id", value=record["id"], code="id_retired",
                               record_id=record["id"], hint="choose another id; GET /api/v1/partnerships/"
                               f"{record['id']}/history shows the deleted partnership's history"))
        if not report.valid:
            raise ValidationFailed(report)
        repo.write(conn, [record], mode="insert", change=repo.Change(user=str(user.name), context="web: create"))
        return data.partnership(conn, record["id"], history=False)


@router.get("/{rid}", response_model=PartnershipPublic)
def get_partnership(rid: str, conn: SessionDep, _user: Reader) -> dict[str, Any]:
    """One partnership with its version."""
    return data.partnership(conn, rid, history=False)


@router.patch("/{rid}", response_model=PartnershipPublic)
def update_partnership(rid: str, body: PartnershipUpdate, state: StateDep, user: Editor) -> dict[str, Any]:
    """Change fields (editors). With ``expected_version``, an outdated edit gets 409 and what changed."""
    if not body.changes:
        raise ConfigError("Nothing to change: send {\"changes\": {field: value}}.")
    state.atlas.edit(rid, body.changes, expected_version=body.expected_version, user=str(user.name))
    with state.engine.connect() as conn:
        return data.partnership(conn, rid, history=False)


@router.delete("/{rid}", response_model=Deleted)
def delete_partnership(rid: str, state: StateDep, user: Editor) -> dict[str, Any]:
    """Delete a partnership (editors); its history is kept."""
    state.atlas.delete(rid, user=str(user.name))
    return {"ok": True, "deleted": rid}


@router.get("/{rid}/history", response_model=HistoryOut)
def history(rid: str, state: StateDep, _user: Reader) -> dict[str, Any]:
    """Every change to one partnership: who, when, field, old → new."""
    return {"ok": True, "id": rid, "history": state.atlas.history(rid)}


@router.get("/{rid}/versions/{version}", response_model=VersionOut)
def version_of(rid: str, version: int, conn: SessionDep, _user: Reader) -> dict[str, Any]:
    """One partnership as it stood at ``version`` (1 to its current version), rebuilt from its history; who made
    that version, when, and which fields it changed (``made``). A version it never had is a 404."""
    return data.version(conn, rid, version)


@router.get("/{rid}/assessment", response_model=AnyOut)
def assessment(rid: str, state: StateDep, _user: Reader) -> dict[str, Any]:
    """The six-dimension assessment (see docs/assessment.md; its keys: docs/assessment-json.md)."""
    return {"ok": True, "assessment": state.atlas.assess(rid).to_dict()}


@router.post("/{rid}/whatif", response_model=AnyOut)
def whatif(rid: str, body: WhatIfIn, state: StateDep, _user: Reader) -> dict[str, Any]:
    """The assessment after changing design fields, with the delta; nothing is saved."""
    return data.whatif(state.atlas, rid, body.changes)
