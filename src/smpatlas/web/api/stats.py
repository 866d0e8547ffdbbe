"""``/api/v1/stats``, ``/api/v1/assessment`` and ``/api/v1/codebook``: figures over a selection."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request

from smpatlas import codebook
from smpatlas.web import data
from smpatlas.web import facets as fc
from smpatlas.web.api.models import FILTER_PARAMETERS, AnyOut
from smpatlas.web.deps import Reader, SessionDep, StateDep

router = APIRouter(tags=["statistics"])


def _query(request: Request) -> fc.Query:
    return fc.Query.from_params(list(request.query_params.multi_items()))


@router.get("/stats", response_model=AnyOut, openapi_extra={"parameters": FILTER_PARAMETERS})
def stats(request: Request, conn: SessionDep, _user: Reader) -> dict[str, Any]:
    """Every field's distribution and the headline figures over the selection (same filters as the list)."""
    return data.stats(conn, _query(request))


@router.get("/assessment", response_model=AnyOut, openapi_extra={"parameters": FILTER_PARAMETERS})
def portfolio(request: Request, state: StateDep, conn: SessionDep, _user: Reader) -> dict[str, Any]:
    """The portfolio assessment: dimension distributions, gap flags and balance over the selection."""
    return data.portfolio(state.atlas, conn, _query(request))


@router.get("/codebook", response_model=AnyOut)
def get_codebook(_user: Reader) -> dict[str, Any]:
    """The codebook: every field, its kind and vocabulary."""
    return {"ok": True, "codebook": json.loads(codebook.to_json())}
