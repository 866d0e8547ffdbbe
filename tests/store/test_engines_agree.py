"""The same queries on SQLite and PostgreSQL give identical results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from smpatlas.analysis.alignment import ReferenceContext, align_all
from smpatlas.analysis.portfolio import portfolio
from smpatlas.analysis.stats import compute
from smpatlas.io.importer import import_files
from smpatlas.store import database
from smpatlas.store import repository as repo
from smpatlas.store.filters import Filters
from tests.conftest import BUNDLED
from tests.pgserver import PgServer


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory, pg_server: PgServer, pg_template: str
         ) -> Iterator[tuple[Engine, Engine]]:
    folder: Path = tmp_path_factory.mktemp("agree")
    engines = (database.open_engine(f"sqlite:///{folder / 'a.db'}"),
               database.open_engine(pg_server.create_database(template=pg_template)))
    for e in engines:
        assert import_files(e, [BUNDLED]).valid
    yield engines
    for e in engines:
        e.dispose()


FILTERS = [
    Filters(),
    Filters(destination=["DEU"], skill_level=["middle"]),
    Filters(origin=["PHL", "IND"], year_from=2018),
    Filters(text="nurs"),
    Filters(text="Ü"),  # non-ASCII lower-casing
    Filters(sector=["health_care"], status=["ongoing"], g2g=True),
    Filters(type=["pilot_project"], year_to=2019),
    Filters(text="50%_"),  # LIKE metacharacters
]


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: str(f.to_dict()) or "all")
def test_selection_and_statistics_agree(both: tuple[Engine, Engine], filters: Filters) -> None:
    f = filters.normalised()
    results = []
    for e in both:
        with e.connect() as conn:
            records = list(repo.select_records(conn, f, order="-start_year"))
            results.append((records, repo.count(conn, f), compute(records, by=["destination_countries"]).to_dict()))
    assert results[0] == results[1]


def test_assessment_and_alignment_agree(both: tuple[Engine, Engine]) -> None:
    out = []
    for e in both:
        with e.connect() as conn:
            ctx = ReferenceContext.load(conn)
            records = list(repo.select_records(conn))
        out.append((portfolio(records, ctx=ctx).to_dict(), align_all(records, ctx)))
    assert out[0] == out[1]
