"""Small web fixes: import and log-in refusals shown on their forms, codebook help with code, chart tables,
user names unique whatever their case and printable."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert

from smpatlas.errors import ConfigError
from smpatlas.store import database
from smpatlas.store import users as users_store
from smpatlas.store.auth_schema import users as users_table
from smpatlas.web import charts
from smpatlas.web.format import inline_code
from tests.web.conftest import PASSWORD, csrf_of, log_in

#: The app tests here run on SQLite and on PostgreSQL (see conftest.pytest_generate_tests).
BOTH_ENGINES = True

OTHER_PW = "another-long-password"


def _upload(client: Any, csrf: str, name: str, body: bytes, mode: str) -> Any:
    return client.post("/import", data={"csrf_token": csrf, "mode": mode}, files={"file": (name, body)})


def _selected_mode(html: str) -> str | None:
    m = re.search(r'<option value="(\w+)" selected>', html)
    return m.group(1) if m else None


def _log_in_as(client: Any, name: str, password: str = PASSWORD) -> Any:
    token = csrf_of(client.get("/login").text)
    return client.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/"},
                       follow_redirects=False)


# -- 1. the import form keeps its refusals -------------------------------------------------------------

def test_a_wrong_file_type_is_said_on_the_import_form_with_the_mode_kept(client: Any) -> None:
    csrf = log_in(client, "erin")
    r = _upload(client, csrf, "x.pdf", b"%PDF-1.4", "upsert")
    assert r.status_code == 400
    assert 'action="/import" enctype="multipart/form-data"' in r.text and "Something is wrong" not in r.text
    assert "Cannot import &#39;x.pdf&#39;: upload a CSV, XLSX, JSON or JSONL file" in r.text
    assert 'role="alert"' in r.text and _selected_mode(r.text) == "upsert"


def test_an_unknown_import_mode_is_said_on_the_import_form(client: Any) -> None:
    csrf = log_in(client, "erin")
    r = _upload(client, csrf, "rows.csv", b"id,name\n", "merge")
    assert r.status_code == 400
    assert 'action="/import" enctype="multipart/form-data"' in r.text and "Something is wrong" not in r.text
    assert "Unknown import mode &#39;merge&#39;; use one of insert, upsert, replace." in r.text
    assert _selected_mode(r.text) == "insert"


def test_a_file_over_the_limit_is_said_on_the_import_form(app_factory: Any) -> None:
    c = app_factory(max_upload_bytes=10)
    csrf = log_in(c, "erin")
    r = _upload(c, csrf, "rows.csv", b"id,name\n" + b"x" * 100, "replace")
    assert r.status_code == 413 and "is larger than" in r.text
    assert 'action="/import" enctype="multipart/form-data"' in r.text and _selected_mode(r.text) == "replace"


# -- 2. the log-in limit is said on the log-in form -----------------------------------------------------

def test_too_many_log_ins_show_the_log_in_form_with_the_wait(app_factory: Any) -> None:
    c = app_factory(login_attempts=2)
    codes = [_log_in_as(c, "erin", "wrong-password").status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    r = _log_in_as(c, "erin", "wrong-password")
    assert r.status_code == 429
    assert '<form method="post" action="/login"' in r.text and "Something is wrong" not in r.text
    assert re.search(r'id="login-error">Too many failed log-ins for &#39;erin&#39;; try again in \d+ seconds', r.text)
    assert 'value="erin"' in r.text and 'aria-describedby="login-error"' in r.text


# -- 3. codebook help: inline code as <code>, escaped -----------------------------------------------------

def test_inline_code_is_code_and_everything_is_escaped() -> None:
    assert str(inline_code("e.g. `de-ph-triple-win`; never reused.")) == \
        "e.g. <code>de-ph-triple-win</code>; never reused."
    assert str(inline_code("`<b>` & <i>")) == "<code>&lt;b&gt;</code> &amp; &lt;i&gt;"
    assert str(inline_code("a lone ` tick")) == "a lone ` tick" and str(inline_code(None)) == ""


def test_the_id_help_shows_code_not_backticks(client: Any) -> None:
    log_in(client, "erin")
    page = client.get("/new").text
    assert "e.g. <code>de-ph-triple-win</code>; never reused." in page
    assert "`" not in re.sub(r"<script.*?</script>", "", page, flags=re.S)


# -- 5. every dashboard chart has its numbers as a table ------------------------------------------------

def _tables(html: str) -> list[str]:
    return re.findall(r'<details class="chart-data" id="data-([\w-]+)">', html)


def test_every_dashboard_chart_has_a_table_of_its_numbers(ro_client: Any) -> None:
    page = ro_client.get("/").text
    drawn = re.findall(r'id="chart-([\w-]+)" data-spec', page)
    assert drawn and _tables(page) == drawn
    assert '<th scope="col">Skill level</th>' in page and '<th scope="row">Health care</th>' in page
    assert "(its numbers are in the table below the chart)" in page


def test_the_minimal_charts_have_tables_too(ro_client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charts, "_from_reports", lambda atlas: None)
    page = ro_client.get("/").text
    assert _tables(page) == [*charts.BAR_CHARTS, "timeline", "corridors"]
    assert '<th scope="col">Start year</th>' in page and '<th scope="col">Destination</th>' in page


# -- 6. user names: unique whatever their case, log-in case aside, printable -----------------------------

def _engine(db: Path | str) -> Any:
    return database.open_engine(str(db))


def test_a_name_differing_only_in_case_is_refused(client: Any, db_copy: Path | str) -> None:
    engine = _engine(db_copy)
    try:
        with engine.begin() as conn, pytest.raises(ConfigError, match="A user named 'erin' exists already, and "
                                                                      "user names are the same whatever their case"):
            users_store.create_user(conn, name="ERIN", role="viewer", password=PASSWORD)
    finally:
        engine.dispose()
    csrf = log_in(client, "alice")
    r = client.post("/admin/users", data={"csrf_token": csrf, "name": "Vic", "role": "viewer",
                                          "password": PASSWORD, "password_again": PASSWORD})
    assert r.status_code == 400 and "A user named &#39;vic&#39; exists already" in r.text


def test_log_in_ignores_case(client: Any) -> None:
    r = _log_in_as(client, "ERIN")
    assert r.status_code == 303
    assert client.get("/api/v1/me").json()["name"] == "erin"  # the stored name, as the history records it


def test_names_differing_in_case_stored_before_log_in_exactly(app_factory: Any, db_copy: Path | str) -> None:
    engine = _engine(db_copy)  # an older inventory may hold both: written past create_user's check
    try:
        with engine.begin() as conn:
            conn.execute(insert(users_table).values(name="Erin", role="viewer",
                                                    password_hash=users_store.hash_password(OTHER_PW),
                                                    created_at=users_store._now()))
    finally:
        engine.dispose()
    for name, password, who in (("erin", PASSWORD, "erin"), ("Erin", OTHER_PW, "Erin")):
        c = app_factory()
        assert _log_in_as(c, name, password).status_code == 303
        assert c.get("/api/v1/me").json()["name"] == who
    for password in (PASSWORD, OTHER_PW):  # neither is named exactly: which one is meant cannot be told
        assert _log_in_as(app_factory(), "ERIN", password).status_code == 401


@pytest.mark.parametrize(("name", "said"), [
    (" anna", "begins or ends with a space"), ("anna ", "begins or ends with a space"),
    ("an\tna", "U+0009"), ("anna\n", "begins or ends with a space"), ("an\x1bna", "U+001B"),
    ("an\u200bna", "U+200B"), ("an\u2028na", "U+2028"), ("", "1 to 200 characters"), ("   ", "1 to 200 characters"),
])
def test_names_that_do_not_print_as_typed_are_refused(db_copy: Path | str, name: str, said: str) -> None:
    engine = _engine(db_copy)
    try:
        with engine.begin() as conn:
            with pytest.raises(ConfigError, match=re.escape(said)):
                users_store.create_user(conn, name=name, role="viewer", password=PASSWORD)
            users_store.create_user(conn, name="Anna Müller-Łukasz", role="viewer", password=PASSWORD)
            assert users_store.same_names(conn, "ANNA MÜLLER-ŁUKASZ") == ["Anna Müller-Łukasz"]
    finally:
        engine.dispose()
