"""Ids are never reused: the id of a deleted partnership is refused for new records everywhere a record is created
(import in every mode, the web form, the API), and inventories that already hold a reused id still read in order.

Every test runs on SQLite and PostgreSQL (the ``engine`` / ``db_url`` fixtures).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from smpatlas.errors import ConflictError, NotFound
from smpatlas.io.importer import BATCH, import_files
from smpatlas.store import repository as repo
from smpatlas.store import users as users_store
from smpatlas.store.schema import history as h
from tests.conftest import minimal, snapshot, write_jsonl

GONE = "xx-yy-gone"
AT = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)


def _store(engine: Engine, *records: dict[str, Any]) -> None:
    with engine.begin() as conn:
        repo.write(conn, list(records), mode="insert", change=repo.Change(user="fixture"))


def _delete(engine: Engine, *ids: str, user: str = "anna", at: dt.datetime = AT) -> None:
    with engine.begin() as conn:
        repo.delete_ids(conn, list(ids), change=repo.Change(user=user, context="delete", at=at))


@pytest.fixture
def retired(engine: Engine) -> Engine:
    """An inventory with one live record (xx-yy-live) and one deleted on 2026-11-27 by anna (GONE)."""
    _store(engine, minimal("xx-yy-live"), minimal(GONE, name="The old pilot"))
    _delete(engine, GONE)
    return engine


# -- the repository ------------------------------------------------------------------------------------------------

def test_retired_ids_are_the_deleted_ones_no_current_record_has(retired: Engine) -> None:
    with retired.connect() as conn:
        found = repo.retired_ids(conn, [GONE, "xx-yy-live", "xx-yy-never", GONE])
        assert list(found) == [GONE]
        gone = found[GONE]
        assert (gone.user, gone.context, gone.version, gone.name, gone.day) == ("anna", "delete", 2, "The old pilot",
                                                                             "2026-11-27")
        assert gone.refusal() == (f"id {GONE!r} belonged to a partnership deleted on 2026-11-27 by anna; "
                                  "ids are never reused")
        assert repo.deletion(conn, "xx-yy-live") is None and repo.deletion(conn, "xx-yy-never") is None
        assert repo.retired_ids(conn, []) == {}


def test_retired_ids_are_found_in_batches_of_many(engine: Engine) -> None:
    ids = [f"xx-yy-{i:04d}" for i in range(1203)]
    _store(engine, *(minimal(i) for i in ids))
    _delete(engine, *ids[::2])
    with engine.connect() as conn:
        found = repo.retired_ids(conn, [*ids, "xx-yy-never"])
    assert sorted(found) == ids[::2]


# -- imports -------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["insert", "upsert", "replace"])
def test_every_import_mode_refuses_a_retired_id_per_row_and_writes_nothing(retired: Engine, tmp_path: Path,
                                                                          mode: str) -> None:
    path = write_jsonl(tmp_path / "new.jsonl", [
        minimal("xx-yy-live", notes="changed") if mode != "insert" else minimal("xx-yy-new"),
        minimal(GONE, name="An unrelated partnership"),
        minimal("xx-yy-other", start_year="soon"),
    ])
    before = snapshot(retired)
    report = import_files(retired, [path], mode=mode, user="ben")
    assert not report.valid and not report.written
    problems = {(p.row, p.code) for p in report.errors}
    assert (2, "id_retired") in problems and any(row == 3 for row, _ in problems)  # every problem is reported
    refusal = next(p for p in report.errors if p.code == "id_retired")
    assert (refusal.field, refusal.value, refusal.record_id) == ("id", GONE, GONE)
    assert refusal.message == (f"id {GONE!r} belonged to a partnership deleted on 2026-11-27 by anna; "
                               "ids are never reused")
    assert refusal.hint is not None and "choose another id" in refusal.hint
    assert "row 2" in refusal.text() and "new.jsonl" in refusal.text()
    assert report.inserted == report.updated == report.deleted == 0
    assert snapshot(retired) == before


def test_a_retired_id_is_found_in_a_later_batch_too(retired: Engine, tmp_path: Path) -> None:
    rows = [minimal(f"xx-yy-{i:05d}") for i in range(BATCH + 10)]
    rows.insert(BATCH + 5, minimal(GONE))
    report = import_files(retired, [write_jsonl(tmp_path / "big.jsonl", rows)], user="ben")
    assert [(p.row, p.code) for p in report.errors] == [(BATCH + 6, "id_retired")]
    with retired.connect() as conn:
        assert repo.count(conn) == 1


def test_an_import_without_retired_ids_still_works(retired: Engine, tmp_path: Path) -> None:
    report = import_files(retired, [write_jsonl(tmp_path / "ok.jsonl", [minimal("xx-yy-new")])], user="ben")
    assert report.valid and report.inserted == 1


def test_replace_may_delete_again_and_the_id_stays_retired(retired: Engine, tmp_path: Path) -> None:
    report = import_files(retired, [write_jsonl(tmp_path / "r.jsonl", [minimal("xx-yy-new")])], mode="replace",
                          user="ben")
    assert report.valid and report.deleted_ids == ["xx-yy-live"]
    with retired.connect() as conn:
        assert sorted(repo.retired_ids(conn, [GONE, "xx-yy-live", "xx-yy-new"])) == [GONE, "xx-yy-live"]


# -- inventories that already hold a reused id ---------------------------------------------------------------------

@pytest.fixture
def reused(retired: Engine) -> Engine:
    """GONE deleted, then (as older versions allowed) created again and edited: versions restarted at 1."""
    _store(retired, minimal(GONE, name="An unrelated partnership"))
    with retired.begin() as conn:
        repo.replace_one(conn, minimal(GONE, name="An unrelated partnership", notes="new"), expected_version=1,
                         change=repo.Change(user="ben"))
    return retired


def test_a_reused_id_reads_in_order_and_is_not_retired_while_it_has_a_record(reused: Engine) -> None:
    with reused.connect() as conn:
        hist = repo.history_of(conn, GONE)
        assert [(e["version"], e["action"]) for e in hist] == [(1, "create"), (2, "delete"), (1, "create"),
                                                               (2, "update")]
        assert [e["id"] for e in hist] == sorted(e["id"] for e in hist)
        assert [(e["version"], e["action"]) for e in repo.current_life(hist)] == [(1, "create"), (2, "update")]
        assert repo.deletion(conn, GONE) is None


def test_a_stale_edit_of_a_reused_id_lists_only_the_current_records_changes(reused: Engine) -> None:
    with reused.begin() as conn, pytest.raises(ConflictError) as caught:
        repo.replace_one(conn, minimal(GONE, notes="mine"), expected_version=1, change=repo.Change(user="cy"))
    assert [(e["version"], e["action"], e["field"]) for e in caught.value.changes] == [(2, "update", "notes")]


def test_a_reused_id_deleted_again_is_retired_with_its_last_deletion(reused: Engine) -> None:
    later = AT + dt.timedelta(days=3)
    _delete(reused, GONE, user="ben", at=later)
    with reused.connect() as conn:
        gone = repo.deletion(conn, GONE)
        assert gone is not None and (gone.user, gone.day, gone.version) == ("ben", "2026-11-30", 3)
        n = conn.execute(select(h.c.id).where(h.c.partnership_id == GONE, h.c.action == "delete")).all()
        assert len(n) == 2


# -- the Python API ------------------------------------------------------------------------------------------------

def test_atlas_says_when_a_missing_id_was_deleted(retired: Engine) -> None:
    from smpatlas.atlas import Atlas

    atlas = Atlas(retired, user="ben")
    with pytest.raises(NotFound, match="deleted on 2026-11-27 by anna"):
        atlas.get(GONE)
    with pytest.raises(NotFound, match="deleted on 2026-11-27 by anna"):
        atlas.edit(GONE, {"notes": "x"})
    gone = atlas.deletion(GONE)
    assert gone is not None and gone.user == "anna"
    assert [e["action"] for e in atlas.history(GONE)] == ["create", "delete"]


# -- the web form and the API --------------------------------------------------------------------------------------

@pytest.fixture
def web(retired: Engine, db_url: str, tmp_path: Path) -> Iterator[Any]:
    """An app over the inventory, with an editor (erin) logged in."""
    from smpatlas.web import create_app
    from tests.web.conftest import PASSWORD, TestClient, log_in, settings_for

    with retired.begin() as conn:
        users_store.create_user(conn, name="erin", role="editor", password=PASSWORD)
    app = create_app(settings_for(db_url, tmp_path))
    with TestClient(app) as client:
        client.csrf = log_in(client, "erin")  # type: ignore[attr-defined]
        yield client
    app.state.smpatlas.atlas.close()


def _form(client: Any, rid: str) -> dict[str, Any]:
    """What a browser submits from the new-partnership form filled in for ``minimal(rid)``."""
    from tests.web.test_conflicts import form_of

    form = form_of(client.get("/partnerships/xx-yy-live/edit").text).fields
    form["id"] = rid
    return form


def test_the_web_form_refuses_a_retired_id(web: Any, retired: Engine) -> None:
    before = snapshot(retired)
    r = web.post("/new", data=_form(web, GONE), follow_redirects=False)
    assert r.status_code == 422
    assert "belonged to a partnership deleted on 2026-11-27 by anna" in r.text
    assert "ids are never reused" in r.text and "choose another id" in r.text
    assert snapshot(retired) == before
    assert web.post("/new", data=_form(web, "xx-yy-fresh"), follow_redirects=False).status_code == 303


def test_the_api_refuses_a_retired_id(web: Any, retired: Engine, db_url: str) -> None:
    from tests.web.conftest import token_for

    auth = token_for(db_url, "erin")
    before = snapshot(retired)
    r = web.post("/api/v1/partnerships", json=minimal(GONE), headers=auth)
    assert r.status_code == 422, r.text
    body = json.dumps(r.json())
    assert "id_retired" in body and "deleted on 2026-11-27 by anna" in body
    assert snapshot(retired) == before
    assert web.post("/api/v1/partnerships", json=minimal("xx-yy-fresh"), headers=auth).status_code == 201
