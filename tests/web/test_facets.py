"""Facet counts: the in-memory index and the SQL GROUP BY path agree exactly, also after writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smpatlas.store import database
from smpatlas.web import data
from smpatlas.web import facets as fc
from smpatlas.web.facet_index import FacetCache
from tests.conftest import minimal
from tests.web.conftest import token_for

BOTH_ENGINES = True  # every test over the app's database runs on SQLite and PostgreSQL
QUERIES = [
    [],                                                              # everything
    [("destination", "DEU")],                                        # one multi-valued filter
    [("destination", "DEU"), ("status", "ongoing"), ("sector", "health_care")],
    [("origin", "PHL"), ("origin", "IND"), ("sort", "-start_year"), ("page", "2"), ("per_page", "10")],
    [("text", "nurse"), ("year_from", "2015"), ("g2g", "true")],     # SQL conditions intersected with bitmaps
    [("target_groups", "women"), ("extension_possible", "unspecified")],
    [("g2g", "false"), ("sort", "-name")],
]


def _both(conn: Any, cache: FacetCache, params: list[tuple[str, str]]) -> tuple[dict[str, Any], dict[str, Any]]:
    q = fc.Query.from_params(params)
    return data.browse(conn, q, None, cache.get(conn)), data.browse(conn, q, None, None)


@pytest.mark.parametrize("params", QUERIES)
def test_index_equals_sql(db_copy: Path | str, params: list[tuple[str, str]]) -> None:
    engine = database.open_engine(str(db_copy))
    with engine.connect() as conn:
        fast, slow = _both(conn, FacetCache(), params)
    engine.dispose()
    assert fast == slow


def test_index_follows_writes(client: Any, db_copy: Path) -> None:
    h = token_for(db_copy, "erin")
    state = client.app.state.smpatlas
    before = client.get("/api/v1/partnerships?destination=DEU&facet=none").json()["count"]  # builds the index
    assert client.post("/api/v1/partnerships", json=minimal("xx-new", destination_countries=["DEU"],
                                                            sectors=["health_care"]), headers=h).status_code == 201
    assert client.patch("/api/v1/partnerships/de-ph-triple-win", json={"changes": {"status": "completed",
                        "sectors": "agriculture"}}, headers=h).status_code == 200
    assert client.post("/api/v1/partnerships", json=minimal("xx-gone"), headers=h).status_code == 201
    assert client.delete("/api/v1/partnerships/xx-gone", headers=h).status_code == 200
    with state.engine.connect() as conn:
        for params in QUERIES:
            fast, slow = _both(conn, state.facet_cache, params)
            assert fast == slow, params
    assert client.get("/api/v1/partnerships?destination=DEU&facet=none").json()["count"] == before + 1
