"""``/api/v1/outcomes``: outcomes over time across a selection (``smpatlas outcomes``, ``Atlas.outcomes``).

Owns the route and its ``indicator`` parameter; the figures come from :func:`smpatlas.web.data.outcomes_of`,
the one call behind this route, the Outcomes page and its CSV download (:mod:`smpatlas.web.pages`).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from smpatlas.analysis import outcomes as oc
from smpatlas.web import facets as fc
from smpatlas.web.api.models import FILTER_PARAMETERS, AnyOut, _query_parameter
from smpatlas.web.data import outcomes_of
from smpatlas.web.deps import Reader, SessionDep

router = APIRouter(tags=["statistics"])
#: The route's own parameter, besides the filters.
INDICATOR = "indicator"
OUTCOME_PARAMETERS: list[dict[str, Any]] = [
    *FILTER_PARAMETERS,
    _query_parameter(INDICATOR, {"type": "string"},
                     f"Only this outcome indicator (repeat for several; default all): {', '.join(oc.indicators())}.",
                     many=True),
]


def indicators_of(request: Request) -> list[str]:
    """The ``indicator`` values given (empty ones, as a form sends them, are none)."""
    return [v.strip() for v in request.query_params.getlist(INDICATOR) if v.strip()]


@router.get("/outcomes", response_model=AnyOut, openapi_extra={"parameters": OUTCOME_PARAMETERS})
def outcomes(request: Request, conn: SessionDep, _user: Reader) -> dict[str, Any]:
    """Outcomes over time across the selection (same filters as ``/stats``, plus ``indicator``): per indicator and
    year the people, how many partnerships of those reporting and which; lines spanning years apart, by end year;
    lines left out with their rule; notes naming partnerships (docs/statistics.md, "Outcomes over time")."""
    query = fc.Query.from_params(list(request.query_params.multi_items()), others=(INDICATOR,))
    return {"ok": True, **outcomes_of(conn, query, indicators_of(request)).to_dict()}
