"""Storage: writes, versions, history, filters — on real SQLite files."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.errors import ConflictError, NotFound
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters
from tests.conftest import minimal


def _write(engine: Engine, records: list[dict[str, Any]], mode: str = "upsert", user: str = "anna") -> repo.WriteCounts:
    from smpatlas.record import normalise

    canon = [normalise(r)[0] for r in records]
    with engine.begin() as conn:
        return repo.write(conn, canon, mode=mode, change=repo.Change(user=user, context="test"))


def test_insert_then_read_back(engine: Engine) -> None:
    rec = minimal(sectors=["ict"], occupations=["25"], extension_possible="unspecified",
                  integration_starts_pre_departure=True)
    counts = _write(engine, [rec])
    assert counts.inserted == 1
    with engine.connect() as conn:
        got = repo.get(conn, rec["id"])
        meta = repo.get_meta(conn, rec["id"])
        hist = repo.history_of(conn, rec["id"])
    assert got is not None
    assert got["extension_possible"] == "unspecified" and got["integration_starts_pre_departure"] is True
    assert meta and meta["version"] == 1
    assert [(h["action"], h["user_name"]) for h in hist] == [("create", "anna")]


def test_upsert_records_each_changed_field_and_bumps_the_version(engine: Engine) -> None:
    _write(engine, [minimal(status="planned", sectors=["ict"])])
    counts = _write(engine, [minimal(status="ongoing", sectors=["ict", "health_care"])], user="ben")
    assert (counts.updated, counts.inserted) == (1, 0)
    with engine.connect() as conn:
        hist = repo.history_of(conn, "xx-yy-test")
        assert repo.get_meta(conn, "xx-yy-test")["version"] == 2  # type: ignore[index]
    updates = {(h["field"], str(h["old_value"]), str(h["new_value"]), h["user_name"]) for h in hist
               if h["action"] == "update"}
    assert updates == {("status", "planned", "ongoing", "ben"),
                       ("sectors", "['ict']", "['health_care', 'ict']", "ben")}


def test_unchanged_records_are_left_alone(engine: Engine) -> None:
    _write(engine, [minimal()])
    counts = _write(engine, [minimal()])
    assert (counts.unchanged, counts.updated) == (1, 0)
    with engine.connect() as conn:
        assert repo.get_meta(conn, "xx-yy-test")["version"] == 1  # type: ignore[index]


def test_stale_edit_is_refused_and_names_what_changed(engine: Engine) -> None:
    from smpatlas.record import normalise

    _write(engine, [minimal(status="planned")])
    _write(engine, [minimal(status="ongoing")], user="ben")  # now version 2
    edited, _ = normalise(minimal(status="completed"))
    with engine.begin() as conn, pytest.raises(ConflictError, match="status changed meanwhile"):
        repo.replace_one(conn, edited, expected_version=1, change=repo.Change(user="anna"))
    with engine.connect() as conn:
        assert repo.get(conn, "xx-yy-test")["status"] == "ongoing"  # type: ignore[index]


def test_delete_keeps_history(engine: Engine) -> None:
    _write(engine, [minimal()])
    with engine.begin() as conn:
        repo.delete_ids(conn, ["xx-yy-test"], change=repo.Change(user="anna"))
    with engine.connect() as conn:
        assert repo.get(conn, "xx-yy-test") is None
        assert [h["action"] for h in repo.history_of(conn, "xx-yy-test")] == ["create", "delete"]
        with pytest.raises(NotFound):
            repo.delete_ids(conn, ["nope"], change=repo.Change(user="anna"))


def _independent(records: list[dict[str, Any]], f: Filters) -> set[str]:
    """The same selection computed in plain Python, for comparison."""
    out = set()
    for r in records:
        if f.origin and not set(f.origin) & set(r["origin_countries"]):
            continue
        if f.destination and not set(f.destination) & set(r["destination_countries"]):
            continue
        if f.skill_level and not set(f.skill_level) & set(r.get("skill_levels", [])):
            continue
        if f.sector and not set(f.sector) & set(r.get("sectors", [])):
            continue
        if f.status and r["status"] not in f.status:
            continue
        if f.year_to is not None and r["start_year"] > f.year_to:
            continue
        if f.year_from is not None and r.get("end_year") is not None and r["end_year"] < f.year_from:
            continue
        if f.text:
            hay = " ".join([r["name"], r.get("acronym", ""), r.get("summary", ""), r.get("notes", "")]
                           + [a["name"] for a in r.get("actors", [])]).lower()
            if not all(w in hay for w in f.text.lower().split()):
                continue
        out.add(r["id"])
    return out


@pytest.mark.parametrize(
    "filters",
    [
        Filters(destination=["DEU"]),
        Filters(origin=["Philippines", "IND"]),  # names and codes, OR within
        Filters(destination=["DEU"], skill_level=["high"]),  # AND across
        Filters(sector=["health_care"], status=["ongoing"]),
        Filters(year_from=2020, year_to=2022),
        Filters(text="nurses"),
        Filters(text="GIZ triple"),
        Filters(text="100%_"),  # LIKE metacharacters are literal
    ],
)
def test_filters_match_an_independent_count(sample_engine: Engine, sample_records: list[dict[str, Any]],
                                            filters: Filters) -> None:
    f = filters.normalised()
    with sample_engine.connect() as conn:
        got = {r["id"] for r in repo.select_records(conn, f)}
        assert repo.count(conn, f) == len(got)
    assert got == _independent(sample_records, f)


# -- value rows (partnership_values) and stored bytes -------------------------------------------------

def _value_rows(engine: Engine) -> set[tuple[str, str, str]]:
    from sqlalchemy import select

    from smpatlas.store.schema import partnership_values as pv

    with engine.connect() as conn:
        return {(r.partnership_id, r.field, r.value) for r in conn.execute(select(pv))}


def _expected_values(records: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    from smpatlas.record import normalise
    from smpatlas.store.schema import value_rows

    return {row for r in records for row in value_rows(normalise(r)[0])}


def test_value_rows_follow_updates_and_deletes(engine: Engine) -> None:
    a = minimal("xx-yy-a", origin_countries=["PHL", "IND"], sectors=["ict", "health_care"])
    b = minimal("xx-yy-b", origin_countries=["PHL"], sectors=["ict"], skill_levels=["high"])
    _write(engine, [a, b], mode="insert")
    assert _value_rows(engine) == _expected_values([a, b])
    assert ("xx-yy-a", "sectors", "health_care") in _value_rows(engine)
    a2 = minimal("xx-yy-a", origin_countries=["IND", "VNM"], sectors=["ict"], skill_levels=["low"])  # sets change
    assert _write(engine, [a2, b]).updated == 1
    assert _value_rows(engine) == _expected_values([a2, b])
    from smpatlas.record import normalise

    a3, _ = normalise(minimal("xx-yy-a", destination_countries=["FRA", "DEU"]))  # a web edit
    with engine.begin() as conn:
        repo.replace_one(conn, a3, expected_version=2, change=repo.Change(user="ben"))
    assert _value_rows(engine) == _expected_values([a3, b])
    with engine.begin() as conn:
        repo.delete_ids(conn, ["xx-yy-a"], change=repo.Change(user="ben"))
    assert _value_rows(engine) == _expected_values([b])  # b's rows, with the same values, stay
    with engine.connect() as conn:
        assert {r["id"] for r in repo.select_records(conn, Filters(origin=["PHL"]).normalised())} == {"xx-yy-b"}
        assert repo.count(conn, Filters(origin=["IND"]).normalised()) == 0


def _stored(engine: Engine, rid: str) -> dict[str, Any]:
    """A ``partnerships`` row as the database holds it: every column as text (JSON as written)."""
    from sqlalchemy import Text, cast, select

    from smpatlas.store.schema import partnerships as p

    skip = {"id", "version", "created_at", "updated_at"}
    with engine.connect() as conn:
        row = conn.execute(select(*[cast(c, Text).label(c.name) for c in p.c if c.name not in skip])
                           .where(p.c.id == rid)).one()
    return dict(row._mapping)


def test_import_and_edit_store_the_same_text(engine: Engine) -> None:
    """The fast insert path writes exactly what a Core update (a web edit) writes: JSON text, missing values, types."""
    from smpatlas.record import normalise

    full = minimal("xx-yy-one", sectors=["ict", "health_care"], budget_eur=1500000, government_to_government=True,
                   extension_possible="unspecified", integration_starts_pre_departure=False,
                   actors=[{"name": "Ministry Ü", "role": "government", "country": "DEU"}],
                   notes="Ünïcode and \"quotes\"")
    bare = minimal("xx-yy-one", name="Test partnership xx-yy-two")
    _write(engine, [full], mode="insert")
    _write(engine, [{**bare, "id": "xx-yy-two"}], mode="insert")
    with engine.begin() as conn:  # one becomes bare, two becomes full: by Core UPDATE
        repo.replace_one(conn, normalise(bare)[0], expected_version=None, change=repo.Change(user="ben"))
        repo.replace_one(conn, normalise({**full, "id": "xx-yy-two", "name": "Test partnership xx-yy-one"})[0],
                         expected_version=None, change=repo.Change(user="ben"))
    edited_full, edited_bare = _stored(engine, "xx-yy-two"), _stored(engine, "xx-yy-one")
    _write(engine, [{**full, "id": "xx-yy-three", "name": "Test partnership xx-yy-one"},
                    {**bare, "id": "xx-yy-four"}], mode="insert")
    assert _stored(engine, "xx-yy-three") == edited_full
    assert _stored(engine, "xx-yy-four") == edited_bare
    assert edited_bare["funders"] == "null"  # a missing JSON value is JSON null, written both ways


def test_writes_after_reading_in_the_same_transaction(engine: Engine) -> None:
    """Streaming a selection must not leave the connection streaming (PostgreSQL: server-side cursors refuse writes)."""
    _write(engine, [minimal("xx-yy-a"), minimal("xx-yy-b")], mode="insert")
    with engine.begin() as conn:
        assert [r["id"] for r in repo.select_records(conn)] == ["xx-yy-a", "xx-yy-b"]
        repo.delete_ids(conn, ["xx-yy-a"], change=repo.Change(user="anna"))
        assert repo.count(conn) == 1


def test_search_and_sorting_by_name_ignore_case_and_accents(engine: Engine) -> None:
    names = ["Zambia skills", "Émile", "Emile", "ÖKUMENE", "abu dhabi", "API", "Straße der Pflege", "Okapi"]
    _write(engine, [minimal(f"xx-yy-{i}", name=n) for i, n in enumerate(names)], mode="insert")
    with engine.connect() as conn:
        ordered = [r["name"] for r in repo.select_records(conn, order="name")]
        backwards = [r["name"] for r in repo.select_records(conn, order="-name")]

        def found(text: str) -> set[str]:
            return {r["name"] for r in repo.select_records(conn, Filters(text=text))}

        assert ordered == ["abu dhabi", "API", "Emile", "Émile", "Okapi", "ÖKUMENE", "Straße der Pflege",
                           "Zambia skills"]
        assert backwards == ordered[::-1]
        assert found("emile") == found("ÉMILE") == {"Emile", "Émile"}
        assert found("ökumene") == found("okumene") == {"ÖKUMENE"}
        assert found("strasse pflege") == {"Straße der Pflege"}


@pytest.mark.parametrize("expected", [0, -1, 3, 99])
def test_an_edit_of_a_version_the_record_never_had_is_named_so(engine: Engine, expected: int) -> None:
    """Not "changed meanwhile" (nobody did): the number is wrong."""
    from smpatlas.record import normalise

    _write(engine, [minimal(status="planned")])
    _write(engine, [minimal(status="ongoing")])  # version 2
    with engine.begin() as conn, pytest.raises(ConflictError, match=rf"has no version {expected}: it is at version 2"):
        repo.replace_one(conn, normalise(minimal(status="completed"))[0], expected_version=expected,
                         change=repo.Change(user="anna"))
    with engine.connect() as conn:
        assert repo.get_meta(conn, "xx-yy-test")["version"] == 2  # type: ignore[index]
