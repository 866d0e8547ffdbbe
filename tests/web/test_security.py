"""Security: roles, CSRF, escaping, SQL metacharacters, stale edits, private mode, log-in limits, cookies."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from smpatlas.store.schema import search_text
from smpatlas.web import facets as fc
from tests.conftest import minimal
from tests.web.conftest import PASSWORD, all_rows, csrf_of, log_in, token_for
from tests.web.test_api import _sample

#: The app tests here run on SQLite and on PostgreSQL (see conftest.pytest_generate_tests).
BOTH_ENGINES = True

XSS = "<script>alert(1)</script>"


def test_anonymous_and_viewer_writes_are_refused(client: Any, db_copy: Path) -> None:
    viewer = token_for(db_copy, "vic")
    for headers, status in (({}, 401), (viewer, 403)):
        assert client.post("/api/v1/partnerships", json=minimal("xx-no"), headers=headers).status_code == status
        assert client.patch("/api/v1/partnerships/de-ph-triple-win", json={"changes": {"notes": "x"}},
                            headers=headers).status_code == status
        assert client.delete("/api/v1/partnerships/de-ph-triple-win", headers=headers).status_code == status
        r = client.post("/api/v1/import", files={"file": ("a.csv", b"id\n")}, headers=headers)
        assert r.status_code == status and r.json()["ok"] is False
    assert client.get("/api/v1/partnerships/de-ph-triple-win").status_code == 200  # still there


def test_viewer_form_posts_are_refused(client: Any) -> None:
    token = log_in(client, "vic")
    r = client.post("/partnerships/de-ph-triple-win/edit", data={"csrf_token": token, "notes": "x"})
    assert r.status_code == 403
    assert client.get("/partnerships/de-ph-triple-win/edit").status_code == 403


def test_anonymous_edit_page_redirects_to_log_in(client: Any) -> None:
    r = client.get("/partnerships/de-ph-triple-win/edit", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def test_form_post_without_csrf_is_refused(client: Any) -> None:
    log_in(client, "erin")
    r = client.post("/partnerships/de-ph-triple-win/edit", data={"notes": "no token", "version": "1"})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post("/partnerships/de-ph-triple-win/edit", data={"notes": "bad", "version": "1", "csrf_token": "forged"})
    assert r.status_code == 403
    # a cookie-authenticated API write needs the header too
    assert client.patch("/api/v1/partnerships/de-ph-triple-win", json={"changes": {"notes": "x"}}).status_code == 403


def test_login_form_needs_csrf(client: Any) -> None:
    r = client.post("/login", data={"name": "erin", "password": "whatever"})
    assert r.status_code == 403


def test_script_name_is_escaped_everywhere(client: Any, db_copy: Path) -> None:
    h = token_for(db_copy, "erin")
    r = client.post("/api/v1/partnerships", json=minimal("xx-yy-xss", name=XSS, summary=XSS, notes=XSS,
                                                         acronym="=HYPERLINK(1)"), headers=h)
    assert r.status_code == 201, r.text
    pages = ["/", "/partnerships", "/partnerships?text=script", "/partnerships/xx-yy-xss",
             "/compare?id=xx-yy-xss&id=de-ph-triple-win", "/partnerships/xx-yy-xss/whatif",
             "/partnerships/xx-yy-xss/history"]
    for url in pages:
        resp = client.get(url)
        if resp.status_code == 404:
            continue
        assert XSS not in resp.text, url
        if url != "/":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text or "\\u003cscript" in resp.text, url
    dash = client.get("/").text
    assert "\\u003cscript\\u003ealert(1)\\u003c/script\\u003e" in dash or XSS not in dash  # charts JSON is escaped
    csv = client.get("/partnerships/download.csv?text=script")
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    assert "'=HYPERLINK(1)" in csv.text  # formula neutralised
    assert csv.headers["x-content-type-options"] == "nosniff"
    js = client.get("/partnerships/download.json?text=script")
    assert js.headers["content-type"].startswith("application/json")
    assert json.loads(js.text)[0]["name"] == XSS  # data intact, served as data
    xl = client.get("/partnerships/download.xlsx?text=script")
    assert xl.status_code == 200 and xl.content[:2] == b"PK"
    dp = client.get("/partnerships/download.datapackage?text=script")
    assert "datapackage.json" in zipfile.ZipFile(io.BytesIO(dp.content)).namelist()
    assert "script-src 'self'" in client.get("/").headers["content-security-policy"]


SQLISH = ["' OR '1'='1", "\"; DROP TABLE partnerships; --", "%", "_", "\\", "1) OR (1=1", "x' UNION SELECT * FROM users --",
          "\x00"]


@pytest.mark.parametrize("param", [*fc.PARAM_FIELD, "text", "year_from", "year_to", "sort", "page", "per_page", "facet"])
def test_sql_metacharacters_in_every_filter(ro_client: Any, param: str) -> None:
    total = ro_client.get("/api/v1/partnerships", params={"facet": "none"}).json()["count"]
    for value in SQLISH:
        r = ro_client.get("/api/v1/partnerships", params={param: value})
        assert r.status_code in (200, 400, 422), (param, value, r.text)
        body = r.json()
        if r.status_code == 200:
            if param == "text":  # matched literally, never as a pattern
                words = value.replace("\x00", " ").lower().split()
                expected = sum(all(w in search_text(x) for w in words) for x in _sample())
                assert body["count"] == expected, value
            else:
                assert body["count"] in (0, total)
        else:
            assert body["ok"] is False
        assert ro_client.get("/partnerships", params={param: value}).status_code in (200, 400, 422)
    assert ro_client.get("/api/v1/partnerships", params={"facet": "none"}).json()["count"] == total


def test_stale_form_edit_gets_409_showing_what_changed(client: Any, db_copy: Path) -> None:
    token = log_in(client, "erin")
    page = client.get("/partnerships/de-ph-triple-win/edit").text
    assert csrf_of(page) == token
    api = token_for(db_copy, "alice")
    v = client.get("/api/v1/partnerships/de-ph-triple-win").json()["version"]
    client.patch("/api/v1/partnerships/de-ph-triple-win", json={"changes": {"notes": "changed by alice"}}, headers=api)
    form = {"csrf_token": token, "version": str(v), "name": "Triple Win renamed", "notes": "mine"}
    r = client.post("/partnerships/de-ph-triple-win/edit", data=form)
    assert r.status_code == 409
    assert "changed by alice" in r.text and "alice" in r.text and "Triple Win renamed" in r.text


def test_private_mode_needs_log_in(app_factory: Any) -> None:
    c = app_factory(public=False)
    assert c.get("/api/v1/partnerships").status_code == 401
    assert c.get("/partnerships", follow_redirects=False).status_code == 303
    assert c.get("/login").status_code == 200
    log_in(c, "vic")
    assert c.get("/api/v1/partnerships").status_code == 200


def test_log_in_attempts_are_limited(app_factory: Any) -> None:
    c = app_factory(login_attempts=3)
    token = csrf_of(c.get("/login").text)
    codes = [c.post("/login", data={"name": "erin", "password": "wrong", "csrf_token": token}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    r = c.post("/login", data={"name": "erin", "password": "correct-horse-battery", "csrf_token": token})
    assert r.status_code == 429  # even the right password waits


def test_session_cookie_flags(app_factory: Any) -> None:
    for secure in (False, True):
        c = app_factory(secure_cookies=secure)
        cookie = c.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.replace("samesite", "")) is secure


def test_bad_bearer_token_is_401(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/me", headers={"Authorization": "Bearer smpa_nope"})
    assert r.status_code == 401 and r.json()["ok"] is False


def test_tokens_and_passwords_are_stored_hashed(db_copy: Path | str) -> None:
    token = token_for(db_copy, "erin")["Authorization"].split()[1]
    if isinstance(db_copy, Path):
        raw = db_copy.read_bytes()
        assert token.encode() not in raw and b"correct-horse-battery" not in raw
    rows = all_rows(db_copy)
    assert token not in rows and "correct-horse-battery" not in rows and "$argon2" in rows


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/partnerships?origin=PHL", "/partnerships?origin=PHL"),
        ("//evil.example/x", "/"),
        ("/\\evil.example/x", "/"),  # browsers read a backslash as a slash: //evil.example
        ("/\t/evil.example", "/"),
        ("https://evil.example/", "/"),
        ("", "/"),
    ],
)
def test_log_in_never_sends_people_to_another_site(client: Any, target: str, lands: str) -> None:
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"name": "vic", "password": PASSWORD, "csrf_token": token, "next": target},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == lands
