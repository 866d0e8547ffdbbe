"""The import page: check, confirm, a replace that deletes, uploads that are gone; names, not server paths."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from tests.conftest import minimal
from tests.web.conftest import log_in, token_for

BOTH_ENGINES = True


def _count(client: Any) -> int:
    return int(client.get("/api/v1/partnerships", params={"facet": "none"}).json()["count"])


def _upload(client: Any, csrf: str, name: str, body: bytes, mode: str) -> Any:
    return client.post("/import", data={"csrf_token": csrf, "mode": mode}, files={"file": (name, body)})


def _token(html: str) -> str:
    m = re.search(r'action="/import/([^/"]+)/confirm"', html)
    assert m, "no confirm form on the page"
    return m.group(1)


def test_a_replace_that_deletes_lists_them_and_needs_a_tick(client: Any) -> None:
    csrf = log_in(client, "erin")
    total = _count(client)
    keep = client.get("/api/v1/partnerships/de-ph-triple-win").json()["partnership"]
    body = (json.dumps(keep) + "\n").encode()
    page = _upload(client, csrf, "only-one.jsonl", body, "replace")
    assert page.status_code == 200, page.text
    assert f"This import deletes {total - 1} partnerships" in page.text
    assert 'name="deleting" value="yes" required' in page.text
    assert page.text.count('<li><a href="/partnerships/') == min(total - 1, 50)
    token = _token(page.text)
    refused = client.post(f"/import/{token}/confirm", data={"csrf_token": csrf})  # the box not ticked
    assert refused.status_code == 400
    assert f"This import deletes {total - 1} partnerships" in refused.text and "Tick the box" in refused.text
    assert _count(client) == total  # nothing was written
    token = _token(refused.text)  # the same upload, to confirm again
    done = client.post(f"/import/{token}/confirm", data={"csrf_token": csrf, "deleting": "yes"})
    assert done.status_code == 200, done.text
    assert f"{total - 1} deleted" in done.text
    assert _count(client) == 1


def test_an_import_that_deletes_nothing_needs_no_tick(client: Any) -> None:
    csrf = log_in(client, "erin")
    total = _count(client)
    page = _upload(client, csrf, "new.jsonl", (json.dumps(minimal("xx-yy-new")) + "\n").encode(), "upsert")
    assert page.status_code == 200 and "deleting" not in page.text
    done = client.post(f"/import/{_token(page.text)}/confirm", data={"csrf_token": csrf})
    assert done.status_code == 200 and _count(client) == total + 1


def test_confirming_twice_says_the_upload_is_gone(client: Any) -> None:
    csrf = log_in(client, "erin")
    page = _upload(client, csrf, "new.jsonl", (json.dumps(minimal("xx-yy-new")) + "\n").encode(), "insert")
    token = _token(page.text)
    assert client.post(f"/import/{token}/confirm", data={"csrf_token": csrf}).status_code == 200
    again = client.post(f"/import/{token}/confirm", data={"csrf_token": csrf})
    assert again.status_code == 404
    assert "That upload has expired or was already imported" in again.text
    assert "No partnership with id" not in again.text and token not in again.text.split("<main", 1)[-1]


def test_reports_name_the_uploaded_file_not_the_server_folder(client: Any, db_copy: Path | str) -> None:
    h = token_for(db_copy, "erin")
    r = client.post("/api/v1/import", files={"file": ("bad.json", b"{not json")}, headers=h)
    assert r.status_code == 422
    body = r.json()
    assert {p["file"] for p in body["problems"]} == {"bad.json"}
    assert "smpatlas-uploads" not in r.text and "/tmp" not in r.text
