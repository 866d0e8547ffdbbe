"""Reports as people read them: summaries, the text report, deleted ids."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from smpatlas.problems import DELETED_SHOWN, Problem, Report, shown


@pytest.mark.parametrize(
    ("rows", "problems", "summary"),
    [
        (0, 2, "edit of x: 2 problems; nothing was written."),  # a form or an edit: no rows to speak of
        (1, 1, "edit of x: 1 problem; nothing was written."),
        (3, 4, "edit of x: 4 problems (3 rows read); nothing was written."),
        (40, 1, "edit of x: 1 problem (40 rows read); nothing was written."),  # was "1 problem in 40 rows"
    ],
)
def test_summary_of_problems(rows: int, problems: int, summary: str) -> None:
    report = Report(files=["edit of x"], rows=rows)
    for _ in range(problems):
        report.add(Problem("wrong"))
    assert report.summary() == summary


@pytest.mark.parametrize(
    ("dry_run", "n", "line"),
    [
        (True, 2, "would delete: a-0, a-1"),
        (False, 1, "deleted: a-0"),
        (True, DELETED_SHOWN + 3, "and 3 more (use --report-format json for all)"),
    ],
)
def test_text_lists_deleted_ids(dry_run: bool, n: int, line: str) -> None:
    ids = [f"a-{i}" for i in range(n)]
    report = Report(files=["f.csv"], rows=1, unchanged=1, deleted=n, deleted_ids=ids, dry_run=dry_run)
    text = report.to_text()
    assert line in text
    listed = next(x for x in text.splitlines() if x.startswith(("would delete: ", "deleted: ")))
    assert listed.count("a-") == min(n, DELETED_SHOWN)
    assert report.to_dict()["deleted_ids"] == ids


def test_no_deleted_ids_line_when_the_import_failed() -> None:
    report = Report(files=["f.csv"], rows=1, deleted_ids=["a-0"])
    report.add(Problem("wrong"))
    assert "delete" not in report.to_text().replace("nothing was written", "")


@pytest.mark.parametrize(("value", "text"), [
    ("x", "'x'"),
    (2021, "2021"),
    (dt.date(2020, 3, 1), "2020-03-01"),
    (dt.datetime(2020, 3, 1), "2020-03-01"),
    (dt.datetime(2020, 3, 1, 10, 5), "2020-03-01 10:05"),
    (dt.time(10, 0), "10:00"),
    (dt.timedelta(days=3), "72:00"),  # a duration cell ([h]:mm), not datetime.timedelta(days=3)
    (dt.timedelta(hours=1, minutes=30, seconds=15), "1:30:15"),
])
def test_values_are_shown_as_a_spreadsheet_shows_them(value: object, text: str) -> None:
    problem = Problem("m", value=value)
    assert shown(value) == text
    assert problem.text() == f"{text}: m"
    assert problem.to_dict()["value"] == (value if isinstance(value, (str, int)) else text)


@pytest.mark.parametrize(("value", "shown_as"), [
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    (float("nan"), "nan"),
    ("a\ud800b", "a\\ud800b"),  # a lone surrogate (JSON allows "\ud800"; no UTF-8 output can hold it)
    ([1.5, float("inf"), {"k\udfff": float("nan")}], [1.5, "inf", {"k\\udfff": "nan"}]),
    ("Québec", "Québec"),
    (2.5, 2.5),
])
def test_echoed_values_can_be_written_as_json_and_utf8(value: object, shown_as: object) -> None:
    p = Problem("bad value \ud800", column="col\ud800", value=value, hint="x\udc00")
    d = p.to_dict()
    assert d["value"] == shown_as
    assert (d["message"], d["column"], d["hint"]) == ("bad value \\ud800", "col\\ud800", "x\\udc00")
    json.dumps(d, allow_nan=False).encode("utf-8")  # neither raises
    p.text().encode("utf-8")
