"""The users API for admins: change a role, disable and enable, list and revoke API tokens — the Users page's and
``smpatlas user``/``token``'s actions, checked by their effect (who may log in, which tokens work) and refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.web.conftest import token_for

BOTH_ENGINES = True


@pytest.fixture
def admin(db_copy: Path) -> dict[str, str]:
    return token_for(db_copy, "alice")


def test_change_role_disable_enable(client: Any, db_copy: Path, admin: dict[str, str]) -> None:
    erin = token_for(db_copy, "erin")
    assert client.get("/api/v1/me", headers=erin).json()["role"] == "editor"
    r = client.patch("/api/v1/users/erin", json={"role": "viewer"}, headers=admin)
    assert r.status_code == 200 and r.json()["user"]["role"] == "viewer" and r.json()["user"]["active"] is True
    assert client.get("/api/v1/me", headers=erin).json()["role"] == "viewer"
    r = client.patch("/api/v1/users/erin", json={"active": False}, headers=admin)
    assert r.status_code == 200 and r.json()["user"]["active"] is False
    assert client.get("/api/v1/me", headers=erin).status_code == 401  # a disabled user's token stops at once
    r = client.patch("/api/v1/users/erin", json={"role": "editor", "active": True}, headers=admin)
    assert r.json()["user"] | {"created_at": None, "last_login_at": None} == {
        "name": "erin", "role": "editor", "active": True, "created_at": None, "last_login_at": None}
    assert client.get("/api/v1/me", headers=erin).json()["role"] == "editor"


def test_list_and_revoke_tokens(client: Any, db_copy: Path, admin: dict[str, str]) -> None:
    first, second, third = (token_for(db_copy, "erin") for _ in range(3))
    listed = client.get("/api/v1/users/erin/tokens", headers=admin).json()["tokens"]
    assert len(listed) == 3 and all(set(t) == {"number", "label", "created_at"} for t in listed)
    r = client.delete(f"/api/v1/users/erin/tokens/{listed[1]['number']}", headers=admin)
    assert r.status_code == 200 and r.json() == {"ok": True, "name": "erin", "revoked": 1}
    assert [client.get("/api/v1/me", headers=t).status_code for t in (first, second, third)] == [200, 401, 200]
    assert client.delete("/api/v1/users/erin/tokens", headers=admin).json()["revoked"] == 2
    assert [client.get("/api/v1/me", headers=t).status_code for t in (first, third)] == [401, 401]
    assert client.get("/api/v1/users/erin/tokens", headers=admin).json()["tokens"] == []


REFUSALS = [  # (method, path, body, status, what the error says)
    ("PATCH", "/api/v1/users/alice", {"role": "editor"}, 400, "'alice' is the only active admin"),
    ("PATCH", "/api/v1/users/alice", {"active": False}, 400, "'alice' is the only active admin"),
    ("PATCH", "/api/v1/users/erin", {}, 400, 'Nothing to change: give "role"'),
    ("PATCH", "/api/v1/users/erin", {"role": "boss"}, 400, "role"),
    ("PATCH", "/api/v1/users/erin", {"enabled": True}, 400, "enabled"),
    ("PATCH", "/api/v1/users/Erin", {"role": "viewer"}, 404,
     "No user named 'Erin' (give the name as GET /api/v1/users shows it); did you mean 'erin'?"),
    ("GET", "/api/v1/users/nobody/tokens", None, 404, "No user named 'nobody' (give the name as GET /api/v1/users "
                                                       "shows it); GET /api/v1/users lists them."),
    ("DELETE", "/api/v1/users/erin/tokens/999", None, 400, "'erin' has no API token number 999"),
    ("DELETE", "/api/v1/users/nobody/tokens", None, 404, "No user named 'nobody'"),
]


def test_refusals_change_nothing(client: Any, admin: dict[str, str]) -> None:
    """One app for the table (each case is a request, and none may change anything)."""
    before = client.get("/api/v1/users", headers=admin).json()
    for method, path, body, status, message in REFUSALS:
        r = client.request(method, path, json=body, headers=admin)
        assert r.status_code == status, (method, path, body, r.text)
        assert message in r.json()["error"], (method, path, body, r.text)
        assert client.get("/api/v1/users", headers=admin).json() == before


def test_admins_only(client: Any, db_copy: Path) -> None:
    editor = token_for(db_copy, "erin")
    for method, path, body in [("PATCH", "/api/v1/users/vic", {"role": "admin"}),
                               ("GET", "/api/v1/users/vic/tokens", None),
                               ("DELETE", "/api/v1/users/vic/tokens", None)]:
        assert client.request(method, path, json=body, headers=editor).status_code == 403
        assert client.request(method, path, json=body).status_code == 401  # anonymous: log in first
