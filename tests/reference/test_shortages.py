"""Shortage tables: the shipped EURES data, validated imports, the WHO list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from smpatlas.reference import shortages
from smpatlas.store.schema import shortages as table

PROVENANCE = Path(shortages.__file__).parents[1] / "data" / "reference" / "PROVENANCE.md"


def test_shipped_data_loads_and_matches_provenance(engine: Engine) -> None:
    text = PROVENANCE.read_text("utf-8")
    data_rows = int(re.search(r"\| shortage/eures_shortage_2022_isco08.csv \| derived \| ([\d,]+) \|", text)
                    .group(1).replace(",", ""))  # type: ignore[union-attr]
    unresolved = int(re.search(r"`unresolved` \((\d+) row", text).group(1))  # type: ignore[union-attr]
    ict_rows = int(re.search(r"\| shortage/eures_shortages_surpluses_2025_ict_normalized.augur.csv \| original "
                             r"\| (\d+) \|", text).group(1))  # type: ignore[union-attr]
    with engine.connect() as conn:
        n2022 = conn.execute(select(func.count()).where(table.c.year == 2022)).scalar_one()
        countries = conn.execute(select(func.count(table.c.country.distinct())).where(table.c.year == 2022)).scalar_one()
        codes2025 = conn.execute(select(func.count(table.c.isco.distinct())).where(table.c.year == 2025)).scalar_one()
    assert n2022 == data_rows - unresolved == 1835
    assert countries == 29  # 27 EU member states, CH and NO
    assert codes2025 == ict_rows == 13
    with engine.connect() as conn:
        de = shortages.list_rows(conn, country="Germany", year=2022)
    assert len(de) == 32 and all(r["status"] == "shortage" for r in de)


def _csv(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "s.csv"
    p.write_text(text, "utf-8")
    return p


def test_import_validates_every_row_and_writes_nothing_on_error(engine: Engine, tmp_path: Path) -> None:
    path = _csv(tmp_path, "country,isco,year,status,source\nDEU,2221,2024,shortage,BA\nAtlantis,2229,20x4,short,\n")
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(table)).scalar_one()
    report = shortages.import_file(engine, path)
    assert not report.valid
    cols = {(p.row, p.column) for p in report.problems}
    assert cols == {(3, "country"), (3, "isco"), (3, "year"), (3, "status"), (3, "source")}
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(table)).scalar_one() == before


def test_import_at_any_precision(engine: Engine, tmp_path: Path) -> None:
    path = _csv(tmp_path, "Country,ISCO08,Year,Status,Source,Score\nAUT,22,2024,shortage,AMS list,0.8\n"
                          "AUT,5321,2024,surplus,AMS list,\n")
    report = shortages.import_file(engine, path)
    assert report.valid and report.inserted == 2
    with engine.connect() as conn:
        rows = shortages.list_rows(conn, country="AUT", year=2024)
    assert {(r["isco"], r["status"], r["score"]) for r in rows} == {("22", "shortage", 0.8), ("5321", "surplus", None)}


@pytest.mark.parametrize("text", ["", "country,year\nDEU,2020\n", "country,isco,year,status,source,colour\n"])
def test_bad_files(engine: Engine, tmp_path: Path, text: str) -> None:
    assert not shortages.import_file(engine, _csv(tmp_path, text)).valid


def test_who_list_import(engine: Engine, tmp_path: Path) -> None:
    path = _csv(tmp_path, "country\nNigeria\nGHA\n")
    report = shortages.import_country_list(engine, path, list_name=shortages.WHO_SSL, edition="2023",
                                           source="test list (not the WHO's)")
    assert report.valid and report.inserted == 2
    with engine.connect() as conn:
        assert shortages.country_list(conn, shortages.WHO_SSL) == ("2023", {"NGA", "GHA"})
    bad = shortages.import_country_list(engine, _csv(tmp_path, "country\nNarnia\n"), list_name=shortages.WHO_SSL,
                                        edition="2020", source="x")
    assert not bad.valid and bad.problems[0].row == 2


@pytest.mark.parametrize(("field", "value", "code", "words"), [
    ("year", "inf", "type", "expected a year such as 2022"),  # was an internal error (OverflowError)
    ("year", "-inf", "type", "expected a year such as 2022"),
    ("year", "1e400", "type", "expected a year such as 2022"),
    ("year", "nan", "type", "expected a year such as 2022"),
    ("year", "2022.5", "type", "expected a year such as 2022"),
    ("year", "soon", "type", "expected a year such as 2022"),
    ("year", "1900", "range", "year 1900 is outside 1990–2100"),
    ("year", "2200.0", "range", "year 2200 is outside 1990–2100"),
    ("score", "inf", "type", "expected a number"),  # was stored as infinity
    ("score", "nan", "type", "expected a number"),
    ("score", "high", "type", "expected a number"),
])
def test_bad_years_and_scores_are_problems_never_errors_or_stored(field: str, value: str, code: str,
                                                                  words: str) -> None:
    raw = {"country": "DEU", "isco": "2221", "year": "2022", "status": "shortage", "source": "BA", field: value}
    row, problems = shortages.validate_row(raw)
    assert row is None
    assert [(name, given, error.code) for name, given, error in problems] == [(field, value, code)]
    assert words in problems[0][2].message


@pytest.mark.parametrize(("year", "score"), [("2022", "0.5"), (2022, 1), ("2022.0", "-3"), ("1990", None)])
def test_good_years_and_scores_are_read(year: object, score: object) -> None:
    raw = {"country": "DEU", "isco": "2221", "year": year, "status": "shortage", "source": "BA", "score": score}
    row, problems = shortages.validate_row(raw)
    assert problems == [] and row is not None
    assert row.year == int(float(str(year))) and row.score == (None if score is None else float(str(score)))
