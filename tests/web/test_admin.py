"""The admin pages (/admin/users) end to end, and the log-in limit shared by several app instances (workers)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from smpatlas.store import database
from smpatlas.store import users as users_store
from smpatlas.store.auth_schema import login_attempts
from smpatlas.web import auth
from smpatlas.web.errors import TooManyAttempts
from tests.web.conftest import PASSWORD, csrf_of, log_in, token_for

#: The app tests here run on SQLite and on PostgreSQL (see conftest.pytest_generate_tests).
BOTH_ENGINES = True

NEW_PW = "another-long-password"


def _user(db: Path | str, name: str) -> dict[str, Any] | None:
    engine = database.open_engine(str(db))
    try:
        with engine.connect() as conn:
            return users_store.get_user(conn, name=name)
    finally:
        engine.dispose()


def _can_log_in(app_factory: Any, name: str, password: str) -> bool:
    c = app_factory()
    token = csrf_of(c.get("/login").text)
    r = c.post("/login", data={"name": name, "password": password, "csrf_token": token}, follow_redirects=False)
    return r.status_code == 303


def test_users_page_is_linked_for_admins_only(client: Any) -> None:
    assert "/admin/users" not in client.get("/").text
    r = client.get("/admin/users", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")
    for name in ("vic", "erin"):
        log_in(client, name)
        assert 'href="/admin/users"' not in client.get("/").text
        r = client.get("/admin/users")
        assert r.status_code == 403 and "only admins may do this" in r.text
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
    log_in(client, "alice")
    assert 'href="/admin/users"' in client.get("/").text
    page = client.get("/admin/users")
    assert page.status_code == 200
    for name in ("alice", "erin", "vic"):
        assert f"?name={name}" in page.text
    assert '<label for="new-name">User name</label>' in page.text and 'name="csrf_token"' in page.text


def test_admin_adds_demotes_disables_enables_and_resets(client: Any, app_factory: Any, db_copy: Path) -> None:
    token = log_in(client, "alice")
    r = client.post("/admin/users", data={"csrf_token": token, "name": "nina", "role": "editor",
                                          "password": PASSWORD, "password_again": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/admin/users/edit?name=nina&done=added"
    page = client.get(r.headers["location"])
    assert "User added." in page.text and "<dd>editor</dd>" in page.text
    assert (_user(db_copy, "nina") or {}).get("role") == "editor"
    assert _can_log_in(app_factory, "nina", PASSWORD)
    assert "not known" not in client.get("/admin/users/edit?name=nina").text  # the last log-in is shown

    # demote
    r = client.post("/admin/users/role", data={"csrf_token": token, "name": "nina", "role": "viewer"})
    assert r.status_code == 200 and "Role changed." in r.text
    assert (_user(db_copy, "nina") or {})["role"] == "viewer"

    # disable: no log-in, and sessions and tokens stop working
    nina = app_factory()
    log_in(nina, "nina")
    bearer = token_for(db_copy, "nina")
    assert nina.get("/api/v1/me").json()["name"] == "nina"
    r = client.post("/admin/users/active", data={"csrf_token": token, "name": "nina", "active": "no"})
    assert r.status_code == 200 and "User disabled" in r.text
    assert (_user(db_copy, "nina") or {})["active"] is False
    assert nina.get("/api/v1/me").json()["name"] is None
    assert nina.get("/api/v1/me", headers=bearer).status_code == 401
    assert not _can_log_in(app_factory, "nina", PASSWORD)
    assert "disabled" in client.get("/admin/users").text

    # enable again, reset the password: sessions opened with the old password end, API tokens go on
    r = client.post("/admin/users/active", data={"csrf_token": token, "name": "nina", "active": "yes"})
    assert "User enabled." in r.text and (_user(db_copy, "nina") or {})["active"] is True
    assert nina.get("/api/v1/me", headers=bearer).json()["name"] == "nina"
    log_in(nina, "nina")
    assert nina.get("/api/v1/me").json()["name"] == "nina"
    r = client.post("/admin/users/password", data={"csrf_token": token, "name": "nina", "password": NEW_PW,
                                                   "password_again": NEW_PW})
    assert "Password reset." in r.text
    assert nina.get("/api/v1/me").json()["name"] is None
    assert nina.get("/api/v1/me", headers=bearer).json()["name"] == "nina"
    assert _can_log_in(app_factory, "nina", NEW_PW) and not _can_log_in(app_factory, "nina", PASSWORD)
    assert client.get("/admin/users").status_code == 200  # the admin's own session is not touched


def test_admin_lists_and_revokes_tokens(client: Any, db_copy: Path) -> None:
    first, second = token_for(db_copy, "erin"), token_for(db_copy, "erin")
    token = log_in(client, "alice")
    page = client.get("/admin/users/edit?name=erin").text
    assert page.count('action="/admin/users/tokens/revoke"') == 3  # one per token, and "revoke every"
    assert first["Authorization"].split()[1] not in page  # never the secret
    engine = database.open_engine(str(db_copy))
    with engine.connect() as conn:
        ids = [t["id"] for t in users_store.list_tokens(conn, user_name="erin")]
    engine.dispose()
    r = client.post("/admin/users/tokens/revoke", data={"csrf_token": token, "name": "erin", "token_id": str(ids[0])})
    assert "API token revoked." in r.text
    assert client.get("/api/v1/me", headers=first).status_code == 401
    assert client.get("/api/v1/me", headers=second).json()["name"] == "erin"
    r = client.post("/admin/users/tokens/revoke", data={"csrf_token": token, "name": "erin", "token_id": "all"})
    assert "Every API token" in r.text and "No API tokens" in r.text
    assert client.get("/api/v1/me", headers=second).status_code == 401


def test_form_errors_show_the_store_message(client: Any, db_copy: Path) -> None:
    token = log_in(client, "alice")
    cases = [
        ({"name": "shorty", "role": "viewer", "password": "short", "password_again": "short"}, "too short"),
        ({"name": "erin", "role": "viewer", "password": PASSWORD, "password_again": PASSWORD}, "exists already"),
        ({"name": "newbie", "role": "boss", "password": PASSWORD, "password_again": PASSWORD}, "Unknown role"),
        ({"name": "newbie", "role": "viewer", "password": PASSWORD, "password_again": PASSWORD + "x"}, "differ"),
    ]
    for form, words in cases:
        r = client.post("/admin/users", data={"csrf_token": token, **form})
        assert r.status_code == 400 and words in r.text and 'role="alert"' in r.text, form
        assert f'value="{form["name"]}"' in r.text  # the name typed is kept; passwords never are
        assert PASSWORD not in r.text
    assert _user(db_copy, "shorty") is None and _user(db_copy, "newbie") is None
    r = client.post("/admin/users/role", data={"csrf_token": token, "name": "nobody", "role": "viewer"})
    assert r.status_code == 400 and "No user named &#39;nobody&#39;." in r.text
    r = client.post("/admin/users/password", data={"csrf_token": token, "name": "vic", "password": "x",
                                                   "password_again": "x"})
    assert r.status_code == 400 and "too short" in r.text


def test_admin_posts_need_the_csrf_token_and_the_role(client: Any, db_copy: Path) -> None:
    log_in(client, "alice")
    form = {"name": "evil", "role": "admin", "password": PASSWORD, "password_again": PASSWORD}
    for token in (None, "forged"):
        data = {**form, **({"csrf_token": token} if token else {})}
        r = client.post("/admin/users", data=data)
        assert r.status_code == 403 and "CSRF" in r.text
        r = client.post("/admin/users/role", data={**data, "name": "vic"})
        assert r.status_code == 403
    assert _user(db_copy, "evil") is None and (_user(db_copy, "vic") or {})["role"] == "viewer"
    for name in ("erin", "vic"):
        other = client.__class__(client.app)
        token = log_in(other, name)
        assert other.post("/admin/users", data={**form, "csrf_token": token}).status_code == 403
        r = other.post("/admin/users/active", data={"csrf_token": token, "name": "alice", "active": "no"})
        assert r.status_code == 403
    assert _user(db_copy, "evil") is None and (_user(db_copy, "alice") or {})["active"] is True
    # a bearer token needs no CSRF token, but still the admin role
    assert client.post("/admin/users", data=form, headers=token_for(db_copy, "erin")).status_code == 403


def test_the_last_admin_cannot_demote_or_disable_themselves(client: Any, db_copy: Path) -> None:
    token = log_in(client, "alice")
    assert "the only active admin" in client.get("/admin/users/edit?name=alice").text
    for path, extra in (("/admin/users/role", {"role": "editor"}), ("/admin/users/active", {"active": "no"})):
        r = client.post(path, data={"csrf_token": token, "name": "alice", **extra})
        assert r.status_code == 400 and "only active admin" in r.text and 'role="alert"' in r.text
    alice = _user(db_copy, "alice") or {}
    assert alice["role"] == "admin" and alice["active"] is True
    # with a second admin, alice may step down (and then lands outside the admin pages)
    client.post("/admin/users/role", data={"csrf_token": token, "name": "erin", "role": "admin"})
    r = client.post("/admin/users/role", data={"csrf_token": token, "name": "alice", "role": "editor"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/admin/users").status_code == 403
    # the store refuses the same for everyone (CLI and API included)
    engine = database.open_engine(str(db_copy))
    with engine.begin() as conn, pytest.raises(Exception, match="only active admin"):
        users_store.set_active(conn, name="erin", active=False)
    engine.dispose()


def test_two_app_instances_share_the_log_in_limit(app_factory: Any) -> None:
    """Two apps over one database stand for two uvicorn workers: the limit is not multiplied."""
    workers = [app_factory(login_attempts=3), app_factory(login_attempts=3)]
    tokens = [csrf_of(w.get("/login").text) for w in workers]
    codes = [workers[i % 2].post("/login", data={"name": "erin", "password": "wrong", "csrf_token": tokens[i % 2]}
                                 ).status_code for i in range(4)]
    assert codes == [401, 401, 401, 429]
    for w, t in zip(workers, tokens, strict=True):  # locked on both workers, even with the right password
        r = w.post("/login", data={"name": "ERIN", "password": PASSWORD, "csrf_token": t})
        assert r.status_code == 429 and "try again in" in r.text
    # another user name from the same address is not locked
    r = workers[0].post("/login", data={"name": "vic", "password": PASSWORD, "csrf_token": tokens[0]},
                        follow_redirects=False)
    assert r.status_code == 303


def test_success_clears_and_old_attempts_are_pruned(db_copy: Path) -> None:
    engine = database.open_engine(str(db_copy))
    now = [dt.datetime(2030, 1, 1, tzinfo=dt.UTC)]
    limiter = auth.LoginLimiter(engine, 2, 60, clock=lambda: now[0])
    limiter.begin("10.0.0.1", "erin")
    limiter.begin("10.0.0.1", "erin")
    with pytest.raises(TooManyAttempts, match="try again in 61 seconds"):
        limiter.begin("10.0.0.1", "erin")
    limiter.begin("10.0.0.2", "erin")  # another address: its own count
    now[0] += dt.timedelta(seconds=61)
    limiter.begin("10.0.0.1", "erin")  # the window has passed
    with engine.connect() as conn:  # the rows outside the window were pruned
        assert conn.execute(select(func.count()).select_from(login_attempts)).scalar_one() == 1
    limiter.succeeded("10.0.0.1", "Erin")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(login_attempts)).scalar_one() == 0
    engine.dispose()
