"""The JSON API with the ASGI test client: lists, facets, records, writes, imports, errors."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from smpatlas.store import database
from smpatlas.store import repository as repo
from tests.conftest import BUNDLED, minimal
from tests.web.conftest import token_for

#: The app tests here run on SQLite and on PostgreSQL (see conftest.pytest_generate_tests).
BOTH_ENGINES = True


def _sample() -> list[dict[str, Any]]:
    return [json.loads(line) for line in BUNDLED.read_text("utf-8").splitlines() if line.strip()]


def test_list_filters_and_paging(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships", params={"destination": "Germany", "per_page": 5, "facet": "none"})
    assert r.status_code == 200
    body = r.json()
    expected = [x for x in _sample() if "DEU" in x["destination_countries"]]
    assert body["count"] == len(expected)
    assert len(body["partnerships"]) == min(5, len(expected))
    assert body["filters"] == {"destination": ["DEU"]}
    assert body["facets"] == {}


def test_facet_counts_are_exact_including_multi_valued(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships", params=[("status", "ongoing"), ("facet", "sector"),
                                                      ("facet", "destination"), ("facet", "status")])
    facets = r.json()["facets"]
    recs = _sample()
    ongoing = [x for x in recs if x["status"] == "ongoing"]
    sectors = Counter(v for x in ongoing for v in x.get("sectors") or ())
    assert {f["value"]: f["count"] for f in facets["sectors"]} == dict(sectors)
    dest = Counter(v for x in ongoing for v in x["destination_countries"])
    assert {f["value"]: f["count"] for f in facets["destination_countries"]} == dict(dest)
    # a facet is not filtered by its own selection: other statuses stay visible with their counts
    assert {f["value"]: f["count"] for f in facets["status"]} == dict(Counter(x["status"] for x in recs))
    assert [f["value"] for f in facets["status"] if f["selected"]] == ["ongoing"]


def test_any_enumerated_field_filters(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships", params={"target_groups": "women", "facet": "none", "per_page": 200})
    expected = {x["id"] for x in _sample() if "women" in (x.get("target_groups") or ())}
    assert {p["id"] for p in r.json()["partnerships"]} == expected


def test_text_search_and_sorting(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships", params={"text": "triple win", "sort": "-start_year", "facet": "none"})
    ids = [p["id"] for p in r.json()["partnerships"]]
    assert "de-ph-triple-win" in ids


def test_unknown_value_is_a_clear_400(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships", params={"skill_level": "astronaut"})
    assert r.status_code == 400
    body = r.json()
    assert body["ok"] is False and body["status"] == 400 and "astronaut" in body["error"]


def test_get_one_history_assessment(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships/de-ph-triple-win")
    assert r.status_code == 200 and r.json()["partnership"]["id"] == "de-ph-triple-win"
    assert r.json()["version"] >= 1
    h = ro_client.get("/api/v1/partnerships/de-ph-triple-win/history").json()
    assert h["history"][0]["action"] == "create"
    a = ro_client.get("/api/v1/partnerships/de-ph-triple-win/assessment").json()["assessment"]
    assert len(a["dimensions"]) == 6


def test_not_found_has_the_one_error_shape(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/partnerships/no-such-thing")
    assert r.status_code == 404
    assert r.json() == {"ok": False, "error": "No partnership with id 'no-such-thing' in this inventory.", "status": 404}


def test_stats_and_portfolio(ro_client: Any) -> None:
    s = ro_client.get("/api/v1/stats", params={"destination": "DEU"}).json()
    assert s["stats"]["n"] == sum("DEU" in x["destination_countries"] for x in _sample())
    assert s["headlines"]
    p = ro_client.get("/api/v1/assessment").json()["portfolio"]
    assert p["n"] == len(_sample())


def test_whatif_changes_nothing(ro_client: Any) -> None:
    before = ro_client.get("/api/v1/partnerships/de-ph-triple-win").json()
    r = ro_client.post("/api/v1/partnerships/de-ph-triple-win/whatif",
                       json={"changes": {"reintegration_support": "career_guidance; job_placement"}})
    assert r.status_code == 200
    assert "delta" in r.json()
    assert ro_client.get("/api/v1/partnerships/de-ph-triple-win").json() == before


def test_editor_creates_updates_deletes_and_history_names_the_user(client: Any, db_copy: Path) -> None:
    h = token_for(db_copy, "erin")
    r = client.post("/api/v1/partnerships", json=minimal("xx-yy-api"), headers=h)
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    r = client.patch("/api/v1/partnerships/xx-yy-api", json={"changes": {"status": "completed"}, "expected_version": 1},
                     headers=h)
    assert r.status_code == 200 and r.json()["partnership"]["status"] == "completed" and r.json()["version"] == 2
    hist = client.get("/api/v1/partnerships/xx-yy-api/history").json()["history"]
    assert {e["user_name"] for e in hist} == {"erin"}
    assert client.delete("/api/v1/partnerships/xx-yy-api", headers=h).json() == {"ok": True, "deleted": "xx-yy-api"}
    assert client.get("/api/v1/partnerships/xx-yy-api").status_code == 404
    again = client.delete("/api/v1/partnerships/xx-yy-api", headers=h)  # says who deleted it, as PATCH does
    assert again.status_code == 404 and "It was deleted on" in again.json()["error"] and "by erin" in again.json()["error"]


def test_a_locked_inventory_answers_503_with_the_reason(app_factory: Any, db_copy: Any, web_backend: str,
                                                        monkeypatch: Any) -> None:
    """SQLite: a write kept waiting by another program's lock is a 503 saying so, for the API and the pages."""
    if web_backend != "sqlite":
        pytest.skip("PostgreSQL writers wait for row locks; there is no file lock to hold")
    import sqlite3

    from tests.web.conftest import log_in

    monkeypatch.setenv("SMPATLAS_BUSY_TIMEOUT", "0.2")
    client = app_factory()
    h = token_for(db_copy, "erin")
    csrf = log_in(client, "erin")
    other = sqlite3.connect(db_copy, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = client.patch("/api/v1/partnerships/de-ph-triple-win", json={"changes": {"notes": "x"}}, headers=h)
        assert r.status_code == 503, r.text
        assert r.json()["status"] == 503 and "is busy: another program" in r.json()["error"]
        page = client.post("/partnerships/de-ph-triple-win/delete", data={"csrf_token": csrf}, follow_redirects=False)
        assert page.status_code == 503 and "is busy: another program" in page.text
    finally:
        other.execute("ROLLBACK")
        other.close()
    after = client.get("/api/v1/partnerships/de-ph-triple-win").json()
    assert after["version"] == 1 and after["partnership"]["notes"] != "x"  # neither edit nor delete happened


def test_invalid_create_lists_every_problem(client: Any, db_copy: Path) -> None:
    h = token_for(db_copy, "erin")
    r = client.post("/api/v1/partnerships", json=minimal("xx-bad", status="sleeping", start_year="soon"), headers=h)
    assert r.status_code == 422
    fields = {p["field"] for p in r.json()["problems"]}
    assert {"status", "start_year"} <= fields


def test_creating_an_existing_id_is_id_exists_as_in_an_import(client: Any, db_copy: Path) -> None:
    h = token_for(db_copy, "erin")
    r = client.post("/api/v1/partnerships", json=minimal("de-ph-triple-win"), headers=h)
    assert r.status_code == 422
    assert [(p["code"], p["field"]) for p in r.json()["problems"]] == [("id_exists", "id")]


def test_stale_edit_gets_409_with_what_changed(client: Any, db_copy: Path) -> None:
    h = token_for(db_copy, "erin")
    v = client.get("/api/v1/partnerships/de-ph-triple-win").json()["version"]
    ok = client.patch("/api/v1/partnerships/de-ph-triple-win",
                      json={"changes": {"notes": "first"}, "expected_version": v}, headers=h)
    assert ok.status_code == 200
    stale = client.patch("/api/v1/partnerships/de-ph-triple-win",
                         json={"changes": {"notes": "second"}, "expected_version": v}, headers=h)
    assert stale.status_code == 409
    body = stale.json()
    assert body["ok"] is False and "notes" in body["error"]
    assert [c["field"] for c in body["changes"]] == ["notes"] and body["changes"][0]["user_name"] == "erin"


def test_import_all_or_nothing(client: Any, db_copy: Path, tmp_path: Path) -> None:
    h = token_for(db_copy, "erin")
    good = minimal("xx-yy-imported")
    bad = minimal("xx-yy-broken", mobility_types=["circlar"])
    lines = "".join(json.dumps(x) + "\n" for x in (good, bad))
    r = client.post("/api/v1/import", files={"file": ("batch.jsonl", lines.encode())}, data={"mode": "insert"}, headers=h)
    assert r.status_code == 422
    assert any("circlar" in json.dumps(p["value"]) for p in r.json()["problems"]), r.json()
    assert client.get("/api/v1/partnerships/xx-yy-imported").status_code == 404  # nothing written
    r = client.post("/api/v1/import", files={"file": ("batch.jsonl", (json.dumps(good) + "\n").encode())},
                    data={"mode": "insert"}, headers=h)
    assert r.status_code == 200 and r.json()["report"]["inserted"] == 1
    engine = database.open_engine(str(db_copy))
    with engine.connect() as conn:
        assert repo.history_of(conn, "xx-yy-imported")[0]["user_name"] == "erin"
    engine.dispose()


def test_admin_manages_users(client: Any, db_copy: Path) -> None:
    admin, editor = token_for(db_copy, "alice"), token_for(db_copy, "erin")
    assert client.get("/api/v1/users", headers=editor).status_code == 403
    r = client.post("/api/v1/users", json={"name": "newbie", "role": "viewer", "password": "long-enough-pw"},
                    headers=admin)
    assert r.status_code == 201
    names = {u["name"] for u in client.get("/api/v1/users", headers=admin).json()["users"]}
    assert {"alice", "erin", "vic", "newbie"} <= names
    assert client.get("/api/v1/me", headers=editor).json() == {"ok": True, "name": "erin", "role": "editor"}


def test_openapi_is_served(ro_client: Any) -> None:
    doc = ro_client.get("/api/v1/openapi.json").json()
    assert "/api/v1/partnerships" in doc["paths"] and "/api/v1/partnerships/{rid}" in doc["paths"]
    assert not any(p.startswith("/partnerships") for p in doc["paths"])  # pages are not API


@pytest.mark.parametrize(("extra", "field", "message"), [
    ('"budget_eur": Infinity', "budget_eur", "expected a finite number"),
    ('"budget_eur": NaN', "budget_eur", "expected a finite number"),  # was taken as "no budget": 201
    ('"planned_participants": NaN', "planned_participants", "expected a whole number"),
    ('"notes": "a\\ud800"', "notes", "control character"),  # a lone surrogate, echoed back escaped
    ('"zzz": 1e400', "zzz", "unknown"),
])
def test_values_json_cannot_echo_get_a_clear_422(client: Any, db_copy: Path, extra: str, field: str,
                                                  message: str) -> None:
    """Python reads Infinity, NaN, 1e400 and lone surrogates from JSON; the error must still be sent back."""
    h = {**token_for(db_copy, "erin"), "Content-Type": "application/json"}
    body = json.dumps(minimal("xx-yy-odd"))[:-1] + ", " + extra + "}"
    r = client.post("/api/v1/partnerships", content=body.encode(), headers=h)
    assert r.status_code == 422, r.text
    problems = r.json()["problems"]
    assert [p["field"] for p in problems] == [field] and message in problems[0]["message"], problems
    patch = client.patch("/api/v1/partnerships/de-ph-triple-win", content=('{"changes": {' + extra + "}}").encode(),
                         headers=h)
    assert patch.status_code == 422, patch.text
    assert client.get("/api/v1/partnerships/de-ph-triple-win").json()["version"] == 1  # nothing written
    assert client.get("/api/v1/partnerships/xx-yy-odd").status_code == 404


@pytest.mark.parametrize(("path", "body", "message"), [
    ("/api/v1/partnerships/de-ph-triple-win", {"changes": {"notes": "x"}, "expected_versoin": 1},
     "unknown key 'expected_versoin' (did you mean 'expected_version'?); the body takes changes, expected_version"),
    ("/api/v1/partnerships/de-ph-triple-win", {"change": {"notes": "x"}},
     "unknown key 'change' (did you mean 'changes'?)"),
    ("/api/v1/partnerships/de-ph-triple-win/whatif", {"changes": {"notes": "x"}, "dry": True},
     "unknown key 'dry'; the body takes changes"),
])
def test_a_misspelt_body_key_is_refused_not_ignored(client: Any, db_copy: Path, path: str, body: dict[str, Any],
                                                    message: str) -> None:
    """An edit with 'expected_versoin' would otherwise be saved without the version check."""
    h = token_for(db_copy, "erin")
    call = client.post if path.endswith("whatif") else client.patch
    r = call(path, json=body, headers=h)
    assert r.status_code == 400 and message in r.json()["error"], r.text  # a bad request, like a bad parameter
    after = client.get("/api/v1/partnerships/de-ph-triple-win").json()
    assert after["version"] == 1 and after["partnership"].get("notes") != "x"


@pytest.mark.parametrize(("path", "params", "status", "expected"), [
    # a field's name works as its filter (facets are named by field)
    ("/api/v1/partnerships", {"skill_levels": "high", "facet": "none"}, 200, "skill_level"),
    ("/api/v1/partnerships", {"partnership_type": "pilot_project", "facet": "none"}, 200, "type"),
    # a misspelt or unknown parameter is refused, not ignored (which selected the whole inventory)
    ("/api/v1/partnerships", {"skil_level": "high"}, 400, "'skil_level' is not a filter or option here (did you mean"
                                                          " 'skill_level'?)"),
    ("/api/v1/stats", {"destinaton": "DEU"}, 400, "(did you mean 'destination'?)"),
    ("/api/v1/assessment", {"utm_source": "mail"}, 400, "'utm_source' is not a filter or option here; filters: origin"),
])
def test_filter_parameters_by_field_name_or_refused(ro_client: Any, path: str, params: dict[str, str], status: int,
                                                    expected: str) -> None:
    r = ro_client.get(path, params=params)
    assert r.status_code == status, r.text
    if status == 200:
        recs = _sample()
        field, value = next((k, v) for k, v in params.items() if k != "facet")
        matching = [x for x in recs if value in (x.get(field) if isinstance(x.get(field), list) else [x.get(field)])]
        assert 0 < r.json()["count"] == len(matching) < len(recs)
        assert list(r.json()["filters"]) == [expected]  # echoed by its parameter's name
    else:
        assert expected in r.json()["error"]


def test_the_browse_page_names_an_unknown_parameter(ro_client: Any) -> None:
    r = ro_client.get("/partnerships", params={"destinaton": "DEU"})
    assert r.status_code == 400 and "did you mean &#39;destination&#39;?" in r.text


@pytest.mark.parametrize(("data", "message"), [
    ({"mode": ["insert", "replace"]}, "mode was given 2 times ('insert', 'replace'); give it once"),
    ({"dry_run": ["true", "false"]}, "dry_run was given 2 times"),
])
def test_an_import_with_a_repeated_option_is_refused(client: Any, db_copy: Path, data: dict[str, list[str]],
                                                     message: str) -> None:
    """The last value would win: 'replace' deleting the inventory, or 'false' writing what was to be checked."""
    h = token_for(db_copy, "erin")
    line = json.dumps(minimal("xx-yy-once")) + "\n"
    r = client.post("/api/v1/import", files={"file": ("one.jsonl", line.encode())}, data=data, headers=h)
    assert r.status_code == 400 and message in r.json()["error"], r.text
    assert client.get("/api/v1/partnerships/xx-yy-once").status_code == 404
    assert client.get("/api/v1/partnerships", params={"facet": "none"}).json()["count"] == len(_sample())


@pytest.mark.parametrize(("body", "message"), [
    (b"hello", "the body is not valid JSON (Expecting value at character 0)"),
    (b'{"changes": {"notes": "x"}', "the body is not valid JSON ("),
    (b"", "the request needs a JSON body"),
])
def test_a_body_that_is_not_json_is_named_so(client: Any, db_copy: Path, body: bytes, message: str) -> None:
    h = {**token_for(db_copy, "erin"), "Content-Type": "application/json"}
    r = client.patch("/api/v1/partnerships/de-ph-triple-win", content=body, headers=h)
    assert r.status_code == 400 and message in r.json()["error"], r.text
