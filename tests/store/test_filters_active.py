"""The "active in the range" filter: a partnership whose status says it has ended and that has no end year is not
active after the current year (on SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from smpatlas.io.importer import import_files
from smpatlas.store import repository as repo
from smpatlas.store.filters import ENDED_STATUSES, Filters
from smpatlas.store.schema import partnerships as p
from tests.conftest import minimal, write_jsonl

THIS_YEAR = 2026
#: id → (status, start year, end year)
RECORDS = {
    "completed-open": ("completed", 2015, None),
    "completed-2031": ("completed", 2015, 2031),
    "completed-2018": ("completed", 2012, 2018),
    "ongoing-open": ("ongoing", 2020, None),
    "suspended-open": ("suspended", 2020, None),
    "planned-open": ("planned", 2027, None),
    "unspecified-open": ("unspecified", 2019, None),
}


@pytest.fixture
def stored(engine: Engine, tmp_path: Path) -> Engine:
    recs = [minimal(rid, status=s, start_year=start, **({"end_year": end} if end else {}))
            for rid, (s, start, end) in RECORDS.items()]
    assert import_files(engine, [write_jsonl(tmp_path / "r.jsonl", recs)], user="test").valid
    return engine


def _ids(engine: Engine, f: Filters, this_year: int = THIS_YEAR) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(p.c.id).where(*f.normalised().conditions(this_year=this_year))).scalars())


@pytest.mark.parametrize(("year_from", "status", "expected"), [
    (2030, ["completed"], {"completed-2031"}),
    (2030, [], {"completed-2031", "ongoing-open", "suspended-open", "planned-open", "unspecified-open"}),
    (THIS_YEAR + 1, ["completed"], {"completed-2031"}),
    (THIS_YEAR, ["completed"], {"completed-open", "completed-2031"}),  # ended at an unknown date: up to this year
    (2016, ["completed"], {"completed-open", "completed-2031", "completed-2018"}),
    (2019, ["completed"], {"completed-open", "completed-2031"}),
    (2030, ["suspended"], {"suspended-open"}),  # suspended may resume: not ended
])
def test_an_ended_partnership_without_end_year_is_not_active_after_this_year(
        stored: Engine, year_from: int, status: list[str], expected: set[str]) -> None:
    assert _ids(stored, Filters(year_from=year_from, status=status)) == expected


def test_the_default_cut_off_is_the_current_year(stored: Engine) -> None:
    with stored.connect() as conn:
        got = {r["id"] for r in repo.select_records(conn, Filters(year_from=2090, status=["completed"]))}
    assert got == set()
    assert ENDED_STATUSES == ("completed",)
