"""A bad request parameter, form field or body: one status (400) and one error shape on every API route.

FastAPI answered the parameters it reads itself with 422 in pydantic's words ("Input should be greater than or
equal to 1"), while the filters, options and keys the app reads were a 400 naming the value: now both are 400
with the app's message (parameter, value, what is allowed). 422 stays for records that break the codebook.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import minimal
from tests.web.conftest import token_for

LONG = "a" * 201  # one character over the search limit
RID = "de-ph-triple-win"


@pytest.mark.parametrize(("path", "params", "expected"), [
    # FastAPI read these itself on the list (422, pydantic's words); /stats read them with the app (400)
    ("/api/v1/partnerships", {"page": "0"}, "page=0: must be between 1 and 1000000."),
    ("/api/v1/stats", {"page": "0"}, "page=0: must be between 1 and 1000000."),
    ("/api/v1/partnerships", {"per_page": "500"}, "per_page=500: must be between 1 and 200."),
    ("/api/v1/partnerships", {"year_from": "abc"}, "year_from='abc': not a whole number."),
    ("/api/v1/assessment", {"year_from": "abc"}, "year_from='abc': not a whole number."),
    ("/api/v1/partnerships", {"year_to": "1800"}, "year_to=1800: must be between 1900 and 2200."),
    ("/api/v1/partnerships", {"g2g": "maybe"}, "g2g='maybe': expected yes or no"),
    ("/api/v1/stats", {"g2g": "maybe"}, "g2g='maybe': expected yes or no"),
    # a search over the limit: refused on the list, silently cut to 200 characters by /stats and /assessment
    ("/api/v1/partnerships", {"text": LONG}, "is 201 characters and 1 word long; search for at most 200 characters"),
    ("/api/v1/stats", {"text": LONG}, "is 201 characters and 1 word long; search for at most 200 characters"),
    ("/api/v1/assessment", {"text": " ".join("w" * 21)}, "is 41 characters and 21 words long"),
    ("/api/v1/partnerships", {"sort": "zzz"}, "sort='zzz': sort by one of name, -name"),
    ("/api/v1/partnerships", {"year_from": "2020", "year_to": "2010"}, "year_to=2010 is before year_from=2020"),
    ("/api/v1/partnerships", {"facet": "zzz"}, "facet='zzz': no facet by that name"),
])
def test_a_bad_parameter_is_the_same_400_on_every_route(ro_client: Any, path: str, params: dict[str, str],
                                                         expected: str) -> None:
    r = ro_client.get(path, params=params)
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False and body["status"] == 400
    assert expected in body["error"], body["error"]


@pytest.mark.parametrize("path", ["/api/v1/partnerships", "/api/v1/stats", "/api/v1/assessment", "/partnerships"])
@pytest.mark.parametrize("param", ["g2g", "year_from", "year_to", "text", "page", "per_page", "sort"])
def test_an_empty_parameter_is_no_filter_everywhere(ro_client: Any, path: str, param: str) -> None:
    """The browse form sends every field, empty ones too: the API read ``g2g=`` as a bad boolean (422)."""
    assert ro_client.get(path, params={param: ""}).status_code == 200


def _as(db: Path, name: str) -> dict[str, str]:
    return token_for(db, name)


@pytest.mark.parametrize(("method", "path", "who", "kw", "expected"), [
    # the body FastAPI reads: was 422 "Invalid request: changes: Input should be a valid dictionary"
    ("PATCH", f"/api/v1/partnerships/{RID}", "erin", {"json": {"changes": [1]}},
     'changes must be a JSON object ({"name": value, …}), not a list'),
    ("PATCH", f"/api/v1/partnerships/{RID}", "erin", {"json": {"changes": {"notes": "x"}, "expected_version": "abc"}},
     "expected_version='abc': must be a whole number"),
    ("PATCH", f"/api/v1/partnerships/{RID}", "erin", {"json": {"changes": {"notes": "x"}, "expected_version": 1.5}},
     "expected_version=1.5: must be a whole number"),
    ("PATCH", f"/api/v1/partnerships/{RID}", "erin", {"json": []},
     "the body must be a JSON object (see /api/v1/docs), not a list"),
    ("PATCH", f"/api/v1/partnerships/{RID}", "erin", {"json": {"changes": {"notes": "x"}, "expected_versoin": 1}},
     "unknown key 'expected_versoin' (did you mean 'expected_version'?)"),
    ("PATCH", f"/api/v1/partnerships/{RID}", "erin", {"json": {"changes": {}}},  # the app's own check: was 400 too
     "Nothing to change"),
    ("POST", "/api/v1/partnerships", "erin", {"json": "a record"},
     "the body must be a JSON object (see /api/v1/docs), not text"),
    ("POST", f"/api/v1/partnerships/{RID}/whatif", "erin", {"json": {"changes": "x"}},
     "changes='x': must be a JSON object"),
    ("POST", "/api/v1/users", "alice", {"json": {"name": "bob", "role": "boss", "password": "long-enough-pw"}},
     "role='boss': must be 'viewer', 'editor' or 'admin'"),
    ("POST", "/api/v1/users", "alice", {"json": {"name": "", "role": "viewer", "password": "long-enough-pw"}},
     "name='': must be at least 1 character(s) long"),
    ("POST", "/api/v1/users", "alice", {"json": {"name": "bob", "role": "viewer", "password": "s3cr3t"}},
     "password must be at least 8 character(s) long"),  # the password itself is never echoed
    # the multipart form FastAPI reads, and the query flag of /import
    ("POST", "/api/v1/import", "erin", {"data": {"dry_run": "maybe"}, "files": {"file": ("a.jsonl", b"{}\n")}},
     "dry_run='maybe': must be true or false"),
    ("POST", "/api/v1/import", "erin", {"data": {"mode": "insert"}}, "file is required"),
    ("POST", "/api/v1/import", "erin", {"data": {"file": "a.csv"}},
     "file must be a file (send it as multipart/form-data), not text"),
    ("POST", "/api/v1/import?problems=ALL", "erin", {"files": {"file": ("a.jsonl", b"{}\n")}},
     "problems='ALL': must be 'all'"),
    ("POST", "/api/v1/import", "erin", {"data": {"mode": "merge"}, "files": {"file": ("a.jsonl", b"{}\n")}},
     "Unknown import mode 'merge'; use one of insert, upsert, replace"),  # the app's own check: was 400 too
])
def test_a_bad_body_or_form_field_is_a_400_in_the_one_shape(client: Any, db_copy: Path, method: str, path: str,
                                                             who: str, kw: dict[str, Any], expected: str) -> None:
    r = client.request(method, path, headers=_as(db_copy, who), **kw)
    assert r.status_code == 400, r.text
    body = r.json()
    assert set(body) == {"ok", "error", "status"} and body["ok"] is False and body["status"] == 400
    assert expected in body["error"], body["error"]
    assert "Input should be" not in body["error"] and "s3cr3t" not in body["error"]
    assert client.get(f"/api/v1/partnerships/{RID}").json()["version"] == 1  # nothing written


def test_a_record_that_breaks_the_codebook_is_still_422_with_problems(client: Any, db_copy: Path) -> None:
    """422 is the answer about the data (every problem listed), not about the request."""
    r = client.post("/api/v1/partnerships", json=minimal("xx-bad", status="sleeping"), headers=_as(db_copy, "erin"))
    assert r.status_code == 422 and r.json()["problems"][0]["field"] == "status", r.text


@pytest.mark.parametrize(("params", "expected"), [
    ({"page": "0"}, "page=0: must be between 1 and 1000000."),
    ({"text": LONG}, "is 201 characters and 1 word long"),
])
def test_pages_still_show_the_problem_on_their_own_page(ro_client: Any, params: dict[str, str],
                                                        expected: str) -> None:
    r = ro_client.get("/partnerships", params=params)
    assert r.status_code == 400 and r.headers["content-type"].startswith("text/html")
    assert expected in r.text and 'id="browse-problems"' in r.text


def test_the_openapi_document_builds_and_documents_the_parameters(ro_client: Any) -> None:
    r = ro_client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    doc = r.json()
    params = {p["name"]: p for p in doc["paths"]["/api/v1/partnerships"]["get"]["parameters"]}
    assert params["page"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 1000000, "default": 1}
    assert params["text"]["schema"]["maxLength"] == 200 and params["origin"]["schema"]["type"] == "array"
    assert {"facet", "sort", "per_page", "g2g", "year_from"} <= set(params)
    stats = {p["name"] for p in doc["paths"]["/api/v1/stats"]["get"]["parameters"]}
    assert {"origin", "g2g", "text"} <= stats and "page" not in stats
    assert "problems" in {p["name"] for p in doc["paths"]["/api/v1/import"]["post"]["parameters"]}
    # no operation promises pydantic's validation error body
    assert "HTTPValidationError" not in json.dumps(doc)
    for path, ops in doc["paths"].items():
        for op in ops.values():
            for code in ("400", "422"):
                assert op["responses"][code]["content"]["application/json"]["schema"] == {
                    "$ref": "#/components/schemas/ErrorOut"}, (path, code)
