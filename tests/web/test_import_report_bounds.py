"""Import reports on the web are bounded: the first problems, exact counts, the rest counted by code.

An upload with 20,000 unknown columns (or an error in each of 100,000 rows) made a 5.5 MB page or JSON answer.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from smpatlas.problems import Problem, Report
from smpatlas.web import data
from smpatlas.web.settings import MAX_PROBLEMS_SHOWN as SHOWN
from tests.conftest import minimal
from tests.web.conftest import log_in, token_for

WIDE = 500  # unknown columns: more than SHOWN, few enough to check quickly (each gets a "did you mean")
REQUIRED = {"id": "xx-yy-wide", "name": "Wide", "partnership_type": "pilot_project", "origin_countries": "PHL",
            "destination_countries": "DEU", "start_year": "2020", "status": "ongoing",
            "sources": "Project page | https://example.org/p | 2026-11-27"}


def _wide_csv(unknown: int = WIDE) -> bytes:
    """One valid row with ``unknown`` unknown columns: one problem each."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([*REQUIRED, *(f"zz{i}" for i in range(unknown))])
    writer.writerow([*REQUIRED.values(), *(["v"] * unknown)])
    return buf.getvalue().encode()


def _bad_rows(n: int) -> bytes:
    """``n`` rows, each with one bad status and one bad start year."""
    return "".join(json.dumps(minimal(f"xx-yy-bad-{i}", status="sleeping", start_year="soon")) + "\n"
                   for i in range(n)).encode()


@pytest.mark.parametrize(("errors", "warnings", "limit", "listed", "omitted"), [
    (3, 2, 10, ["e0", "e1", "e2", "w0", "w1"], {}),  # fits: all of them, in the report's order
    (12, 0, 10, [f"e{i}" for i in range(10)], {"unknown_column": 2}),
    (2, 30, 10, ["e0", "e1", *(f"w{i}" for i in range(8))], {"deprecated": 22}),  # errors first when cut
    (0, 11, 10, [f"w{i}" for i in range(10)], {"deprecated": 1}),  # a valid report with many warnings
    (12, 3, None, [*(f"e{i}" for i in range(12)), "w0", "w1", "w2"], {}),  # limit None: every problem
])
def test_the_report_lists_the_first_problems_and_counts_the_rest(errors: int, warnings: int, limit: int | None,
                                                                  listed: list[str], omitted: dict[str, int]) -> None:
    rep = Report(files=["up.csv"], rows=5)
    for i in range(warnings):  # warnings come first in the file: they must not hide the errors
        rep.add(Problem(f"w{i}", code="deprecated", row=i, severity="warning"))
    for i in range(errors):
        rep.add(Problem(f"e{i}", code="unknown_column", row=100 + i))
    out = data.report(rep, limit=limit, mode="upsert")
    full = rep.to_dict()
    assert sorted(p["message"] for p in out["problems"]) == sorted(listed)
    if len(listed) == errors + warnings:  # nothing cut: the report's own order
        assert out["problems"] == full["problems"]
    else:
        assert [p["message"] for p in out["problems"]] == listed
    assert out["problems_omitted"] == omitted
    assert out["problems_total"] == errors + warnings
    # every count is the whole report's: only the list is cut
    assert {k: v for k, v in out.items() if not k.startswith("problems")} == {
        k: v for k, v in full.items() if k != "problems"}
    if omitted:
        assert out["problems_command"] == "smpatlas validate up.csv --mode upsert --report-format json"
        assert f"Showing the first {len(listed)} of {errors + warnings} problems" in out["problems_note"]
        assert "POST /api/v1/import?problems=all" in out["problems_note"]
    else:
        assert out["problems_note"] is None and out["problems_command"] is None


@pytest.mark.parametrize(("name", "body", "total", "omitted"), [
    ("wide.csv", _wide_csv(), WIDE, {"unknown_column": WIDE - SHOWN}),
    ("rows.jsonl", _bad_rows(150), 300, None),  # two errors in each of 150 rows
])
def test_the_api_answers_the_first_problems_and_exact_counts(client: Any, db_copy: Path, name: str, body: bytes,
                                                             total: int, omitted: dict[str, int] | None) -> None:
    h = token_for(db_copy, "erin")
    r = client.post("/api/v1/import", files={"file": (name, body)}, data={"mode": "insert"}, headers=h)
    assert r.status_code == 422, r.text[:500]
    got = r.json()
    assert got["ok"] is False and got["status"] == 422
    assert len(got["problems"]) == SHOWN and got["problems_total"] == total
    assert f"{total} problems" in got["error"]  # the summary's count is the whole report's
    assert f"Showing the first {SHOWN} of {total} problems" in got["error"]
    assert f"run smpatlas validate {name} --mode MODE --report-format json with the import's mode" in got[
        "problems_note"]
    assert sum(got["problems_omitted"].values()) == total - SHOWN
    if omitted is not None:
        assert got["problems_omitted"] == omitted
    assert len(r.content) < 150_000
    every = client.post("/api/v1/import?problems=all", files={"file": (name, body)}, data={"mode": "insert"},
                        headers=h).json()
    assert len(every["problems"]) == every["problems_total"] == total
    assert every["problems_omitted"] == {} and every["problems_note"] is None
    assert every["problems"][:SHOWN] == got["problems"]  # all errors: the first ones, in order
    assert client.get("/api/v1/partnerships/xx-yy-wide").status_code == 404  # still all or nothing


def test_a_dry_run_report_is_bounded_too(client: Any, db_copy: Path) -> None:
    """A valid check has warnings only; its report is cut the same way (here: nothing to cut)."""
    h = token_for(db_copy, "erin")
    body = (json.dumps(minimal("xx-yy-fine")) + "\n").encode()
    r = client.post("/api/v1/import", files={"file": ("ok.jsonl", body)}, data={"dry_run": "true"}, headers=h)
    assert r.status_code == 200, r.text
    rep = r.json()["report"]
    assert rep["valid"] is True and rep["problems_total"] == len(rep["problems"]) and rep["problems_note"] is None


def test_the_import_page_lists_the_first_problems_and_says_how_to_see_all(client: Any) -> None:
    csrf = log_in(client, "erin")
    page = client.post("/import", data={"csrf_token": csrf, "mode": "upsert"},
                       files={"file": ("wide.csv", _wide_csv())})
    assert page.status_code == 422
    html = page.text
    assert len(re.findall(r'<tr class="error">', html)) == SHOWN
    assert f"wide.csv: {WIDE} problems" in html and f"{WIDE} problem(s); the first {SHOWN} are listed" in html
    assert f"Showing the first {SHOWN} of {WIDE} problems (errors first)" in html
    assert f"<li>{WIDE - SHOWN} × unknown column</li>" in html
    assert "<code>smpatlas validate wide.csv --mode upsert --report-format json</code>" in html
    assert "POST /api/v1/import?problems=all" in html
    assert len(page.content) < 200_000


def test_a_short_report_on_the_page_lists_every_problem_without_a_note(client: Any) -> None:
    csrf = log_in(client, "erin")
    page = client.post("/import", data={"csrf_token": csrf, "mode": "insert"},
                       files={"file": ("rows.jsonl", _bad_rows(2))})
    assert page.status_code == 422
    assert len(re.findall(r'<tr class="error">', page.text)) == 4 and "problems-omitted" not in page.text


@pytest.mark.parametrize(("name", "command"), [
    ("up.csv", "smpatlas validate up.csv --mode upsert --report-format json"),
    ("my partnerships (v2).xlsx", "smpatlas validate 'my partnerships (v2).xlsx' --mode upsert --report-format json"),
    ("it's.csv", "smpatlas validate 'it'\"'\"'s.csv' --mode upsert --report-format json"),
])
def test_the_command_to_list_every_problem_can_be_pasted_into_a_shell(name: str, command: str) -> None:
    rep = Report(files=[name], rows=5)
    for i in range(3):
        rep.add(Problem(f"e{i}", code="unknown_column", row=i))
    out = data.report(rep, limit=1, mode="upsert")
    assert out["problems_command"] == command
    assert f"run {command}" in out["problems_note"]
