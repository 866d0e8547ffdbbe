"""Shortage tables: the shipped EURES data, validated imports, the WHO list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from smpatlas.errors import ConfigError
from smpatlas.problems import Report
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


# --- every bad input one clear problem, nothing written (QA: extra cells, duplicate columns, lengths, controls) ---

HEAD = "country,isco,year,status,source"


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize(("text", "row", "column", "code", "words"), [
    # an unquoted comma in a value: the row was cut to the header's width and stored as "Ministry of Labour"
    (f"{HEAD}\nDEU,2221,2024,shortage,Ministry of Labour, Germany,EXTRA\n", 2, None, "no_header",
     "7 cells but the header has 5 columns"),
    (f"{HEAD}\nDEU,2221,2024,shortage,BA\nDEU,2222,2024,shortage,BA,x\n", 3, None, "no_header",
     "6 cells but the header has 5 columns"),
    (f"{HEAD},\nDEU,2221,2024,shortage,BA,x\n", 2, None, "no_header", "a value in column 6, which has no header"),
    (f"{HEAD},source\nDEU,2221,2024,shortage,A,B\n", 1, "source", "duplicate_column", "column 'source' appears twice"),
    (f"{HEAD},Source\nDEU,2221,2024,shortage,A,B\n", 1, "Source", "duplicate_column",
     "columns 'source' and 'Source' both mean 'source'"),
    (f"iso3,{HEAD}\nDEU,DEU,2221,2024,shortage,A\n", 1, "country", "duplicate_column",
     "columns 'iso3' and 'country' both mean 'country'"),
    (f"{HEAD}\nDEU,2221,2024,shortage,{'s' * 1_000_000}\n", 2, "source", "too_long",
     "text too long: 1,000,000 characters, at most 200 allowed"),
    (f"{HEAD}\nDEU,2221,2024,shortage,{'s' * 201}\n", 2, "source", "too_long", "201 characters, at most 200 allowed"),
    (f"{HEAD},severity\nDEU,2221,2024,shortage,BA,{'v' * 41}\n", 2, "severity", "too_long",
     "41 characters, at most 40 allowed"),
    (f"{HEAD},title\nDEU,2221,2024,shortage,BA,{'t' * 2001}\n", 2, "title", "too_long",
     "2,001 characters, at most 2,000 allowed"),
    (f"{HEAD},note\nDEU,2221,2024,shortage,BA,{'n' * 1_000_000}\n", 2, "note", "too_long",
     "1,000,000 characters, at most 2,000 allowed"),
    (f"{HEAD}\nDEU,2221,2024,shortage,Minis\x1btry\n", 2, "source", "control_character",
     "contains a control character (U+001B)"),
    (f"{HEAD},severity\nDEU,2221,2024,shortage,BA,hi\x7fgh\n", 2, "severity", "control_character", "U+007F"),
    (f"{HEAD},title\nDEU,2221,2024,shortage,BA,Nur\x08se\n", 2, "title", "control_character", "U+0008"),
    (f"{HEAD},note\nDEU,2221,2024,shortage,BA,a\x00b\n", 2, "note", "control_character", "U+0000"),
])
def test_bad_shortage_tables_get_one_problem_and_write_nothing(engine: Engine, tmp_path: Path, text: str, row: int,
                                                               column: str | None, code: str, words: str) -> None:
    before = _count(engine)
    report = shortages.import_file(engine, _csv(tmp_path, text))
    assert [(p.row, p.column, p.code) for p in report.problems] == [(row, column, code)], report.to_text()
    assert words in report.problems[0].message and report.problems[0].hint
    assert not report.written and _count(engine) == before


def test_extra_cells_hint_says_to_quote(engine: Engine, tmp_path: Path) -> None:
    path = _csv(tmp_path, f"{HEAD}\nDEU,2221,2024,shortage,Ministry of Labour, Germany,EXTRA\n")
    problem = shortages.import_file(engine, path).problems[0]
    assert problem.value == " Germany"
    assert problem.hint is not None and "a comma inside a value needs the value in double quotes" in problem.hint


def test_good_rows_at_the_limits_are_stored(engine: Engine, tmp_path: Path) -> None:
    """At the column lengths exactly (stored by PostgreSQL too); quoted commas, tabs and line breaks in text, and
    empty cells beyond the header (a trailing comma, as some programs write) are fine."""
    source, severity, title = "s" * 200, "v" * 40, "t" * shortages.TEXT_LIMIT
    path = _csv(tmp_path, f"{HEAD},severity,title,note\n"
                          f"DEU,2221,2024,shortage,{source},{severity},{title},\"line one\nline\ttwo\"\n"
                          "DEU,2222,2024,shortage,\"Ministry of Labour, Germany\",,,,,\n")
    report = shortages.import_file(engine, path)
    assert report.valid and report.inserted == 2, report.to_text()
    with engine.connect() as conn:
        rows = {r["isco"]: r for r in shortages.list_rows(conn, country="DEU", year=2024)}
    assert (rows["2221"]["source"], rows["2221"]["severity"], rows["2221"]["title"]) == (source, severity, title)
    assert rows["2221"]["note"] == "line one\nline\ttwo"
    assert rows["2222"]["source"] == "Ministry of Labour, Germany" and rows["2222"]["severity"] is None


def test_text_limits_are_the_table_columns() -> None:
    expected = {"severity": table.c.severity.type.length,  # type: ignore[attr-defined]
                "source": table.c.source.type.length,  # type: ignore[attr-defined]
                "title": shortages.TEXT_LIMIT, "note": shortages.TEXT_LIMIT}
    limits = shortages.TEXT_LIMITS
    assert limits == expected
    assert shortages.TEXT_LIMITS["source"] == 200 and shortages.TEXT_LIMITS["severity"] == 40


@pytest.mark.parametrize(("name", "code", "message", "hint"), [
    (".", "not_a_file", "this is a folder, not a file", "shortage tables are read from .csv (UTF-8) or .xlsx files"),
    ("s.json", "format", "shortage tables are read from .csv or .xlsx files", "CSV UTF-8"),
    ("datapackage.json", "format", "shortage tables are read from .csv or .xlsx files", "CSV UTF-8"),
    ("s.ods", "format", "shortage tables are read from .csv or .xlsx files", ".xlsx"),
])
def test_a_folder_or_another_file_type_is_named(engine: Engine, tmp_path: Path, name: str, code: str, message: str,
                                                 hint: str) -> None:
    path = tmp_path / name
    if name != ".":
        path.write_text('[{"country": "DEU"}]', "utf-8")
    report = shortages.import_file(engine, path)
    assert [(p.code, p.message) for p in report.problems] == [(code, message)]
    assert hint in (report.problems[0].hint or "") and "partnerships" not in report.to_text()


# --- country lists (WHO): options, files, editions ---------------------------------

def _who(engine: Engine, path: Path, edition: str = "2023", source: str = "test list") -> Report:
    return shortages.import_country_list(engine, path, list_name=shortages.WHO_SSL, edition=edition, source=source)


def _lists(engine: Engine) -> int:
    from smpatlas.store.schema import country_lists

    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(country_lists)).scalar_one())


@pytest.mark.parametrize(("edition", "source", "words"), [
    ("", "WHO", "--edition is required and cannot be empty"),
    ("   ", "WHO", "--edition is required and cannot be empty"),
    ("2023", "", "--source is required and cannot be empty"),
    ("2023", " \t", "--source is required and cannot be empty"),
    ("20\x1b24", "WHO", r"--edition '20\x1b24' contains a control character (U+001B)"),
    ("2023", "WHO\x00", "--source 'WHO\\x00' contains a control character (U+0000)"),
    ("2023\n2024", "WHO", "contains a control character (U+000A)"),
    ("2023", "WHO,\tISBN", "contains a control character (U+0009)"),
    ("x" * 21, "WHO", "--edition is too long: 21 characters, at most 20 are stored"),
    ("2023", "s" * 100_000, "--source is too long: 100,000 characters, at most 300 are stored"),
])
def test_who_list_options_are_checked(engine: Engine, tmp_path: Path, edition: str, source: str, words: str) -> None:
    path = _csv(tmp_path, "country\nGHA\n")
    with pytest.raises(ConfigError) as caught:
        _who(engine, path, edition, source)
    assert words in str(caught.value)
    assert _lists(engine) == 0


def test_who_list_options_at_the_limits_are_stored(engine: Engine, tmp_path: Path) -> None:
    report = _who(engine, _csv(tmp_path, "country\nGHA\n"), " 2023-06-30 rev 1234 ", "s" * 300)
    assert report.valid, report.to_text()
    with engine.connect() as conn:
        assert shortages.country_list(conn, shortages.WHO_SSL) == ("2023-06-30 rev 1234", {"GHA"})


@pytest.mark.parametrize(("text", "row", "column", "code", "words"), [
    # "Korea" alone is ambiguous; the row's cells were cut at the header's width
    ("country\nGHA\nKorea, Republic of\n", 3, None, "no_header", "2 cells but the header has 1 columns"),
    ("country,note\nGHA,listed since 2020, renewed\n", 2, None, "no_header", "3 cells but the header has 2 columns"),
    ("country,country\nGHA,NGA\n", 1, "country", "duplicate_column", "column 'country' appears twice"),
    ("iso3,country\nGHA,NGA\n", 1, "country", "duplicate_column", "columns 'iso3' and 'country' both mean 'country'"),
    ("country,note\nGHA,a\x1bb\n", 2, "note", "control_character", "U+001B"),
    (f"country,note\nGHA,{'n' * 2001}\n", 2, "note", "too_long", "2,001 characters, at most 2,000 allowed"),
    ("country,note\nGHA,x\n,y\n", 3, "country", "required", "country is required"),
    ("name\nGHA\n", 1, "country", "missing_column", "a column 'country' (ISO3 code or name) is required"),
])
def test_bad_who_list_files(engine: Engine, tmp_path: Path, text: str, row: int, column: str | None, code: str,
                            words: str) -> None:
    report = _who(engine, _csv(tmp_path, text))
    assert [(p.row, p.column, p.code) for p in report.problems] == [(row, column, code)], report.to_text()
    assert words in report.problems[0].message
    assert _lists(engine) == 0


def test_who_list_folder(engine: Engine, tmp_path: Path) -> None:
    report = _who(engine, tmp_path)
    assert [(p.code, p.message) for p in report.problems] == [("not_a_file", "this is a folder, not a file")]
    assert "country lists are read from .csv (UTF-8) or .xlsx files" in (report.problems[0].hint or "")


def test_who_list_blank_note_is_no_note(engine: Engine, tmp_path: Path) -> None:
    assert _who(engine, _csv(tmp_path, "country,note\nGHA,\nNGA, since 2020 \n")).valid
    from smpatlas.store.schema import country_lists

    with engine.connect() as conn:
        notes = {c: n for c, n in conn.execute(select(country_lists.c.country, country_lists.c.note))}
    assert notes == {"GHA": None, "NGA": "since 2020"}


@pytest.mark.parametrize(("editions", "latest"), [
    (["v2", "2023"], "2023"),  # was v2: the order of text
    (["2023", "v2"], "2023"),
    (["2020", "2023", "2017"], "2023"),
    (["2023", "2023-06"], "2023-06"),
    (["2023-06", "2023-12", "2023-9"], "2023-12"),
    (["2024", "2023 rev 2"], "2024"),
    (["first", "second"], "second"),  # no digits: the order of text
    (["first", "1"], "1"),
])
def test_latest_edition_by_numbers(engine: Engine, tmp_path: Path, editions: list[str], latest: str) -> None:
    path = _csv(tmp_path, "country\nGHA\n")
    for edition in editions:
        assert _who(engine, path, edition).valid
    with engine.connect() as conn:
        assert shortages.country_list(conn, shortages.WHO_SSL)[0] == latest
        assert shortages.editions(conn, shortages.WHO_SSL)[-1] == latest


def test_an_edition_not_loaded_is_an_error_naming_the_loaded_ones(engine: Engine, tmp_path: Path) -> None:
    with engine.connect() as conn:
        assert shortages.country_list(conn, shortages.WHO_SSL, "1999") == (None, set())  # nothing loaded
    path = _csv(tmp_path, "country\nGHA\n")
    for edition in ("2023", "v2"):
        assert _who(engine, path, edition).valid
    with engine.connect() as conn:
        with pytest.raises(ConfigError) as caught:
            shortages.country_list(conn, shortages.WHO_SSL, "1999")
        assert str(caught.value) == "No edition '1999' of the WHO safeguards list is loaded; loaded: v2, 2023."
        assert shortages.country_list(conn, shortages.WHO_SSL, " 2023 ") == ("2023", {"GHA"})
