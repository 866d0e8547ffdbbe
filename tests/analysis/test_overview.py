"""The inventory overview: counts over a selection, on both engines."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine

from smpatlas.analysis.overview import overview
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters


def _rec(rid: str, **kw: Any) -> dict[str, Any]:
    return {"id": rid, "name": rid.title(), "partnership_type": "pilot_project", "origin_countries": ["PHL"],
            "destination_countries": ["DEU"], "start_year": 2019, "status": "ongoing", **kw}


def test_overview_counts_what_it_says(engine: Engine) -> None:
    records = [
        _rec("a-one", sources=[{"url": "https://example.org/a"}]),
        _rec("b-two", origin_countries=["IND", "NPL"], start_year=2015, status="completed"),  # no sources
        _rec("c-three", destination_countries=["BEL"], start_year=2022,
             sources=[{"title": "Report", "url": "https://example.org/c"}]),
    ]
    with engine.begin() as conn:
        repo.write(conn, records, mode="insert", change=repo.Change(user="test"))
    with engine.connect() as conn:
        o = overview(conn)
        assert (o.n, o.start_year_min, o.start_year_max, o.ongoing) == (3, 2015, 2022, 2)
        assert o.with_sources == 2  # a record without sources is not counted as citing one
        assert o.origins == ["IND", "NPL", "PHL"] and o.destinations == ["BEL", "DEU"]
        assert o.countries == ["BEL", "DEU", "IND", "NPL", "PHL"]
        assert "2 of 3 records cite at least one source." in o.sentences()
        sel = overview(conn, Filters(destination=["DEU"]).normalised())
        assert (sel.n, sel.with_sources, sel.destinations) == (2, 1, ["DEU"])
