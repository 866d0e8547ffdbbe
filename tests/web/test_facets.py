"""Facet counts: the in-memory index and the SQL GROUP BY path agree exactly, also after writes."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from smpatlas.store import database
from smpatlas.web import data
from smpatlas.web import facets as fc
from smpatlas.web.facet_index import FacetCache, FacetIndex
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
    index = cache.get(conn, wait=True)
    assert index is not None
    return data.browse(conn, q, None, index), data.browse(conn, q, None, None)


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


def _settled(cache: FacetCache, conn: Any, timeout: float = 30.0) -> Any:
    """The index once the background build is done (None answers until then)."""
    import time

    deadline = time.monotonic() + timeout
    while (index := cache.get(conn)) is None:
        assert time.monotonic() < deadline, "the background build never finished"
        time.sleep(0.02)
    return index


def test_the_index_is_built_in_the_background_and_never_served_stale(db_copy: Path | str,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """With an engine, the first request is not held for the build (None: the caller counts with SQL), and after
    more changes than a patch takes, the old index is not served while the new one is built."""
    from smpatlas.atlas import Atlas

    engine = database.open_engine(str(db_copy))
    cache = FacetCache(engine)
    built = threading.Event()
    real_build = FacetIndex.build

    def slow_build(conn: Any, stamp: Any) -> FacetIndex:
        assert threading.current_thread().name == "smpatlas-facet-index"  # never the request's thread
        built.wait(10)  # held until the test has seen the first answer
        return real_build(conn, stamp)

    monkeypatch.setattr(FacetIndex, "build", staticmethod(slow_build))
    with engine.connect() as conn:
        assert cache.get(conn) is None  # building: answer with SQL meanwhile
        assert cache.get(conn) is None  # one build, not one per request
        assert [t.name for t in threading.enumerate()].count("smpatlas-facet-index") == 1
        built.set()
        first = _settled(cache, conn)
        assert first.stamp == FacetCache.stamp(conn)
    monkeypatch.setattr(FacetCache, "PATCH_LIMIT", 0)  # every change now needs a rebuild
    built.clear()
    Atlas(engine).edit("de-ph-triple-win", {"status": "completed"})
    with engine.connect() as conn:
        assert cache.get(conn) is None  # not the index of before the edit
        built.set()
        second = _settled(cache, conn)
        assert second.stamp == FacetCache.stamp(conn) != first.stamp
        fast = data.browse(conn, fc.Query.from_params([("status", "completed")]), None, second)
        slow = data.browse(conn, fc.Query.from_params([("status", "completed")]), None, None)
        assert fast == slow
    engine.dispose()


@pytest.mark.parametrize("cache", [True, False])
def test_the_api_says_how_it_counted_and_counts_the_same_either_way(app_factory: Any, cache: bool) -> None:
    import time

    client = app_factory(facet_cache=cache)
    url = "/api/v1/partnerships?destination=DEU&facet=status&facet=sector"
    first = client.get(url)
    assert first.headers["X-SMP-Atlas-Facets"] == "sql"  # the index is being built (or is off): SQL meanwhile
    deadline = time.monotonic() + 30
    while (later := client.get(url)).headers["X-SMP-Atlas-Facets"] == "sql" and cache:
        assert time.monotonic() < deadline, "the index never became ready"
        time.sleep(0.02)
    assert later.headers["X-SMP-Atlas-Facets"] == ("index" if cache else "sql")
    assert later.json() == first.json()
