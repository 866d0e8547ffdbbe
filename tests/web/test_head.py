"""HEAD answers as GET without the body, on every page and API route (FastAPI's routes answered 405)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

RID = "de-ph-triple-win"
#: Headers that may differ between two requests for the same thing (a download is a new file each time).
VARYING = {"date", "set-cookie", "etag", "last-modified"}


@pytest.mark.parametrize(("path", "status"), [
    ("/", 200),  # the dashboard
    ("/partnerships?destination=DEU&sort=-start_year", 200),  # browse
    (f"/partnerships/{RID}", 200),
    (f"/partnerships/{RID}/whatif", 200),
    (f"/partnerships/{RID}/whatif/delta?recognition_mechanism=", 200),  # the htmx fragment
    ("/partnerships/download.csv?destination=DEU", 200),
    ("/login", 200),
    ("/static/style.css", 200),
    ("/api/v1/partnerships?per_page=5", 200),
    (f"/api/v1/partnerships/{RID}", 200),
    (f"/api/v1/partnerships/{RID}/history", 200),
    ("/api/v1/codebook", 200),
    ("/api/v1/me", 200),
    ("/api/v1/openapi.json", 200),
    ("/api/v1/docs", 200),
    ("/no-such-page", 404),  # errors keep their status
    ("/partnerships/xx-no-such-id", 404),
    ("/api/v1/partnerships/xx-no-such-id", 404),
    ("/api/v1/partnerships?page=0", 400),
    ("/logout", 405),  # a POST-only route: GET is 405 too
    ("/import", 401),  # editors only: a 401 (a redirect to log in for a page) as for GET
])
def test_head_is_get_without_the_body(ro_client: Any, path: str, status: int) -> None:
    get = ro_client.get(path, follow_redirects=False)
    head = ro_client.head(path, follow_redirects=False)
    assert get.status_code in (status, 303), get.text  # /import sends a browser to the log-in page
    assert head.status_code == get.status_code, head.headers
    assert head.content == b""
    assert {k: v for k, v in head.headers.items() if k not in VARYING} == {
        k: v for k, v in get.headers.items() if k not in VARYING}


def test_head_on_a_private_server_redirects_to_log_in_like_get(app_factory: Any) -> None:
    client = app_factory(public=False)
    for path in ("/", "/partnerships"):
        head = client.head(path, follow_redirects=False)
        assert head.status_code == 303 and head.headers["location"].startswith("/login?next=")
    assert client.head("/api/v1/partnerships").status_code == 401


def test_head_through_uvicorn_leaves_the_connection_usable(live_server: str) -> None:
    """A real server: headers with the GET's length, no body, and the next request on the same connection works."""
    with httpx.Client(base_url=live_server) as http:
        head = http.head("/api/v1/codebook")
        get = http.get("/api/v1/codebook")
        assert head.status_code == get.status_code == 200
        assert head.content == b"" and int(head.headers["content-length"]) == len(get.content) > 0
        assert http.head("/api/v1/partnerships/xx-no-such-id").status_code == 404
        assert http.get("/api/v1/me").json()["ok"] is True
