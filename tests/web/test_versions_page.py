"""Past versions on the web: ``/partnerships/ID/versions/N`` and ``GET /api/v1/partnerships/ID/versions/N`` show a
partnership as it stood at version N (rebuilt from its history, as ``smpatlas show --version``), linked from the
history table; a version it never had, or an id that is not in the inventory, is a 404 naming it."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Any

import smpatlas

RID = "de-ph-triple-win"


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _edited(db: Path) -> list[dict[str, Any]]:
    """The record as saved at versions 1, 2 and 3."""
    atlas = smpatlas.open(db, user="anna")
    try:
        saved = [atlas.get(RID)]
        saved.append(atlas.edit(RID, {"status": "suspended", "end_year": 2030}))
        saved.append(atlas.edit(RID, {"status": "completed", "notes": None}, user="ben"))
    finally:
        atlas.close()
    return saved


def test_each_version_as_it_stood(client: Any, db_copy: Path) -> None:
    saved = _edited(db_copy)
    for n, record in enumerate(saved, 1):
        api = client.get(f"/api/v1/partnerships/{RID}/versions/{n}")
        assert api.status_code == 200, api.text
        body = api.json()
        assert body["partnership"] == record and (body["version"], body["latest_version"]) == (n, 3)
    assert client.get(f"/api/v1/partnerships/{RID}/versions/2").json()["made"]["user"] == "anna"
    assert sorted(client.get(f"/api/v1/partnerships/{RID}/versions/2").json()["made"]["fields"]) == \
        ["end_year", "status"]

    page = client.get(f"/partnerships/{RID}/versions/2")
    assert page.status_code == 200
    text = _text(page.text)
    assert "Version 2 of 3, as it stood after anna changed" in text and "End year" in text
    assert re.search(r"Status\s+suspended", text) and re.search(r"End year\s+2,?030", text)
    assert 'id="previous-version"' in page.text and 'id="next-version"' in page.text
    assert f'href="/partnerships/{RID}" id="current-version"' in page.text
    first = _text(client.get(f"/partnerships/{RID}/versions/1").text)
    assert "Version 1 of 3, as it stood after" in first and "created it" in first
    assert re.search(r"Status\s+" + re.escape(saved[0]["status"]), first)
    assert "(the current version)" in _text(client.get(f"/partnerships/{RID}/versions/3").text)

    current = client.get(f"/partnerships/{RID}").text  # the history table links every version
    for n in (1, 2, 3):
        assert f'href="/partnerships/{RID}/versions/{n}"' in current


def test_a_version_or_id_it_never_had_is_a_404(client: Any) -> None:
    r = client.get(f"/api/v1/partnerships/{RID}/versions/9")
    assert r.status_code == 404
    assert r.json()["error"] == f"There is no version 9 of '{RID}': its versions are 1 to 1."
    page = client.get(f"/partnerships/{RID}/versions/0")
    assert page.status_code == 404 and "There is no version 0" in _text(page.text)
    assert client.get("/api/v1/partnerships/no-such-id/versions/1").status_code == 404
    assert client.get(f"/partnerships/{RID}/versions/two").status_code == 400
    assert "version='two': must be a whole number" in client.get(f"/api/v1/partnerships/{RID}/versions/two").text


def test_an_id_used_again_in_an_older_inventory_links_only_its_current_versions(client: Any, db_copy: Path) -> None:
    """Inventories written before ids were retired may hold an id deleted and used again (versions restart at 1):
    the history marks the point, and version links lead to the current partnership's versions only."""
    from tests.conftest import reuse_id

    reuse_id(str(db_copy), "aa-old")
    page = client.get("/partnerships/aa-old").text
    body = page.split('<table class="history">', 1)[1].split("</tbody>", 1)[0]
    rows = [_text(r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>", body.split("<tbody>", 1)[1], flags=re.S)]
    assert [r.split()[0] for r in rows] == ["1", "Below:", "2", "1"]  # newest first: ben's, the mark, anna's
    assert "ben" in rows[0] and "used again" in rows[1] and "anna" in rows[2] and "anna" in rows[3]
    assert body.count('href="/partnerships/aa-old/versions/') == 1  # the current partnership's version 1 only
    assert "Unrelated" in _text(client.get("/partnerships/aa-old/versions/1").text)
