"""Shortage tables and country lists: importing, listing, and the shipped EURES data.

Owns the ``shortages`` table's rows (country, ISCO-08 code at any precision,
year, status, optional severity/score, source) — validated on import with the
same discipline as partnerships (every problem with row, column, value and
hint; all or nothing: a row with more cells than the header, a column given twice, text longer than its
database column or holding control characters are problems too) — the shipped EURES data (2022 shortage lists, 2025 ICT
shortages and surpluses) loaded into new inventories, and versioned country
lists such as the WHO Health Workforce Support and Safeguards List, which
users load themselves (no entries are shipped: see docs/reference-data.md).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Connection, Engine, String, delete, func, insert, select

from smpatlas.countries import lookup
from smpatlas.errors import ConfigError
from smpatlas.io.readers import FileError, Table, detect_format, open_table
from smpatlas.normalise import CONTROL, has_control
from smpatlas.problems import CellError, Problem, Report, shown
from smpatlas.reference import isco
from smpatlas.store.schema import country_lists, shortages

STATUSES = ("shortage", "surplus", "balanced", "unspecified")
COLUMNS = ("country", "isco", "year", "status", "severity", "score", "source", "title", "note")
REQUIRED = ("country", "isco", "year", "status", "source")
ALIASES = {"iso3": "country", "country_code": "country", "isco08": "isco", "isco_code": "isco",
           "isco08_code": "isco", "occupation": "isco", "job_title": "title", "occupation_title": "title"}
EURES_2022 = "EURES Report on labour shortages and surpluses 2022 (European Labour Authority), transcription by " \
             "Lighthouse Reports"
EURES_2025_ICT = "EURES Report on labour shortages and surpluses 2025 (European Labour Authority), ICT annex " \
                 "as normalised by the AUGUR project"
WHO_SSL = "who_safeguards"
#: What messages call the country lists.
LIST_LABELS = {WHO_SSL: "WHO safeguards list"}
#: The longest text kept in a column without a length of its own (a shortage's title and note, a list's note).
TEXT_LIMIT = 2_000
#: Short names of the shipped sources, for messages that must name the list they used.
SHORT_NAMES = {EURES_2022: "EURES 2022 shortage list", EURES_2025_ICT: "EURES 2025 ICT annex"}


def source_label(source: str, year: int) -> str:
    """A short name of a shortage list with its year: ``'EURES 2022 shortage list'``, ``'My list (2024)'``."""
    return SHORT_NAMES.get(source) or f"{source} ({year})"


@dataclass
class Shortage:
    country: str
    isco: str
    year: int
    status: str
    source: str
    severity: str | None = None
    score: float | None = None
    title: str | None = None
    note: str | None = None


def _limit(column: Column[Any]) -> int:
    """How many characters ``column`` holds: its VARCHAR length, or :data:`TEXT_LIMIT` for TEXT."""
    length = column.type.length if isinstance(column.type, String) else None  # Text is a String without one
    return length or TEXT_LIMIT


#: The text cells of a shortage row and how many characters each may have (the ``shortages`` table's columns).
TEXT_LIMITS = {name: _limit(shortages.c[name]) for name in ("severity", "source", "title", "note")}


def _text(value: Any, limit: int) -> str | None:
    """A text cell, stripped (``None`` when blank); :class:`CellError` for control characters or more than
    ``limit`` characters — as text fields of partnerships (tabs and line breaks are allowed)."""
    text = str(value).strip()
    bad = CONTROL.search(text) if has_control(text) else None
    if bad:
        raise CellError(f"contains a control character (U+{ord(bad.group()):04X})",
                        hint="remove it; only tabs and line breaks are allowed in text", code="control_character")
    if len(text) > limit:
        raise CellError(f"text too long: {len(text):,} characters, at most {limit:,} allowed", hint="shorten it",
                        code="too_long")
    return text or None


def _fold(h: str) -> str:
    key = "_".join(h.strip().lower().replace("-", " ").split())
    return ALIASES.get(key, key)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _open(path: Path, what: str) -> Table:
    """``path`` as a table of a CSV or XLSX file (raises :class:`FileError`; ``what``: 'shortage tables')."""
    if path.is_dir():
        raise FileError("this is a folder, not a file", hint=f"give the path of a file: {what} are read from .csv "
                        "(UTF-8) or .xlsx files", code="not_a_file")
    if path.exists():
        try:
            fmt = detect_format(path)
        except FileError:
            fmt = None
        if fmt not in ("csv", "xlsx"):
            raise FileError(f"{what} are read from .csv or .xlsx files", code="format",
                            hint="save the table as .xlsx (Excel Workbook) or 'CSV UTF-8'")
    return open_table(path)


def _header(table: Table, report: Report, names: Iterable[str]) -> list[str]:
    """The folded header; a problem for each column of ``names`` given twice (the second would be ignored)."""
    header = [_fold(str(h)) for h in table.header]
    wanted = set(names)
    first: dict[str, str] = {}
    for raw, name in zip(table.header, header, strict=True):
        if name not in wanted:
            continue
        if name in first:
            what = (f"column {str(raw)!r} appears twice" if str(raw).strip() == first[name]
                    else f"columns {first[name]!r} and {str(raw).strip()!r} both mean {name!r}")
            report.add(Problem(what, file=table.file, sheet=table.sheet, row=1, column=str(raw),
                               hint="keep one of them", code="duplicate_column"))
        else:
            first[name] = str(raw).strip()
    return header


def _stray(table: Table, n: int, cells: list[Any], *, csv_file: bool) -> Problem | None:
    """A problem when row ``n`` has a value in no column: beyond the header (in a CSV file, most often a comma
    in an unquoted value, which shifts the cells after it), or under a blank header."""
    width = len(table.header)
    for i, value in enumerate(cells):
        if (i < width and str(table.header[i]).strip()) or _blank(value):
            continue
        where = {"file": table.file, "sheet": table.sheet, "row": n, "value": value, "code": "no_header"}
        if i >= width and csv_file:
            return Problem(f"{len(cells)} cells but the header has {width} columns (the value shown, in cell "
                           f"{i + 1}, has no column)", hint='a comma inside a value needs the value in double quotes, '
                           'e.g. "Ministry of Labour, Germany"', **where)
        return Problem(f"a value in column {i + 1}, which has no header",
                       hint="give the column a header or delete the value", **where)
    return None


def validate_row(raw: dict[str, Any]) -> tuple[Shortage | None, list[tuple[str, Any, CellError]]]:
    problems: list[tuple[str, Any, CellError]] = []
    out: dict[str, Any] = {}
    for name in REQUIRED:
        v = raw.get(name)
        if v is None or (isinstance(v, str) and not v.strip()):
            problems.append((name, v, CellError(f"{name} is required", code="required")))
    try:
        if raw.get("country") not in (None, ""):
            out["country"] = lookup(str(raw["country"]))
    except CellError as exc:
        problems.append(("country", raw["country"], exc))
    code = raw.get("isco")
    if code not in (None, ""):
        text = str(int(code)) if isinstance(code, float) and code.is_integer() else str(code).strip()
        if not isco.exists(text):
            near = isco.suggest(text)
            problems.append(("isco", code, CellError(
                f"{text!r} is not an ISCO-08 code", hint=f"nearest group: {near}" if near else
                "ISCO-08 codes have 1 to 4 digits; see 'smpatlas isco search'", code="bad_isco")))
        else:
            out["isco"] = text
    year = raw.get("year")
    if year not in (None, ""):
        try:
            number = float(year)
        except (TypeError, ValueError):
            number = math.nan
        if not number.is_integer():  # also inf and nan
            problems.append(("year", year, CellError("expected a year such as 2022", code="type")))
        elif not 1990 <= number <= 2100:
            problems.append(("year", year, CellError(f"year {int(number)} is outside 1990–2100",
                                                     hint="shortage tables are for years 1990 to 2100", code="range")))
        else:
            out["year"] = int(number)
    status = raw.get("status")
    if status not in (None, ""):
        s = str(status).strip().lower()
        if s not in STATUSES:
            problems.append(("status", status, CellError(
                "unknown status", hint="allowed: " + ", ".join(STATUSES), code="unknown_value")))
        else:
            out["status"] = s
    score = raw.get("score")
    if score not in (None, ""):
        try:
            value = float(score)
        except (TypeError, ValueError):
            value = math.nan
        if math.isfinite(value):
            out["score"] = value
        else:  # text, or inf / nan
            problems.append(("score", score, CellError("expected a number", code="type")))
    for name, limit in TEXT_LIMITS.items():
        v = raw.get(name)
        if v not in (None, ""):
            try:
                out[name] = _text(v, limit)
            except CellError as exc:
                problems.append((name, v, exc))
    if problems:
        return None, problems
    return Shortage(**out), []


def import_file(engine: Engine, path: str | Path, *, replace_source: bool = False) -> Report:
    """Import a shortage table (CSV/XLSX) all or nothing; returns the report."""
    path = Path(path)
    report = Report(files=[str(path)])
    rows: list[Shortage] = []
    try:
        table = _open(path, "shortage tables")
    except FileError as exc:
        report.add(Problem(exc.message, file=str(path), hint=exc.hint, code=exc.code))
        return report
    csv_file = detect_format(path) == "csv"
    header = _header(table, report, COLUMNS)
    unknown = [h for h, f in zip(table.header, header, strict=True) if f not in COLUMNS and str(h).strip()]
    for h in unknown:
        report.add(Problem(f"unknown column {h!r}", file=str(path), sheet=table.sheet, row=1, column=str(h),
                           hint="columns: " + ", ".join(COLUMNS), code="unknown_column"))
    for name in REQUIRED:
        if name not in header:
            report.add(Problem(f"required column {name!r} is missing", file=str(path), sheet=table.sheet, row=1,
                               column=name, hint="columns: " + ", ".join(COLUMNS), code="missing_column"))
    if not report.valid:
        return report
    try:
        for n, cells in table.rows:
            report.rows += 1
            stray = _stray(table, n, cells, csv_file=csv_file)
            if stray is not None:  # its other cells may be shifted: this one problem for the row
                report.add(stray)
                continue
            raw = dict(zip(header, cells, strict=False))
            item, problems = validate_row(raw)
            for name, value, err in problems:
                col = table.header[header.index(name)] if name in header else name
                report.add(Problem(err.message, file=str(path), sheet=table.sheet, row=n, column=str(col),
                                   value=value, hint=err.hint, code=err.code))
            if item is not None:
                rows.append(item)
    except FileError as exc:
        report.add(Problem(exc.message, file=str(path), row=exc.row, hint=exc.hint, code=exc.code))
    if report.rows == 0 and report.valid:
        report.add(Problem("the file has a header but no rows", file=str(path), code="no_rows"))
    if not report.valid:
        return report
    with engine.begin() as conn:
        if replace_source:
            for source in {r.source for r in rows}:
                conn.execute(delete(shortages).where(shortages.c.source == source))
        write(conn, rows)
    report.inserted = len(rows)
    report.written = True
    return report


def write(conn: Connection, rows: Iterable[Shortage]) -> int:
    batch = [r.__dict__ for r in rows]
    if batch:
        conn.execute(insert(shortages), batch)
    return len(batch)


def _eures_code(code: str) -> str:
    return {"EL": "GRC", "UK": "GBR"}.get(code, code)


def shipped() -> list[Shortage]:
    """The shipped EURES rows (2022 lists; 2025 ICT shortages and surpluses), figures unchanged."""
    text = resources.files("smpatlas").joinpath("data/reference/eures_shortage_2022_isco08.csv").read_text("utf-8")
    out = []
    for r in csv.DictReader(io.StringIO(text)):
        if not r["isco08_code"]:
            continue  # the one unresolved row (PROVENANCE.md)
        out.append(Shortage(country=lookup(_eures_code(r["country"])), isco=r["isco08_code"], year=2022,
                            status="shortage", source=EURES_2022, title=r["job_title_source"],
                            note=r["code_status"] if r["code_status"] != "as_source" else None))
    name = "data/reference/eures_shortages_surpluses_2025_ict_normalized.augur.csv"
    text = resources.files("smpatlas").joinpath(name).read_text("utf-8")
    for r in csv.DictReader(io.StringIO(text)):
        for status, column in (("shortage", "shortage_countries"), ("surplus", "surplus_countries")):
            for c in r[column].split():
                out.append(Shortage(country=lookup(_eures_code(c)), isco=r["expected_isco"], year=2025, status=status,
                                    source=EURES_2025_ICT, title=r["occupation_label"]))
    return out


def load_shipped(conn: Connection) -> int:
    """Load the shipped EURES data (replacing earlier copies of it)."""
    conn.execute(delete(shortages).where(shortages.c.source.in_([EURES_2022, EURES_2025_ICT])))
    return write(conn, shipped())


def ensure_shipped(engine: Engine) -> None:
    """Load the shipped EURES data once into an inventory that has no shortage rows yet."""
    with engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(shortages)).scalar_one() == 0:
            load_shipped(conn)


def list_rows(conn: Connection, *, country: str | None = None, year: int | None = None,
              status: str | None = None, isco_prefix: str | None = None) -> list[dict[str, Any]]:
    stmt = select(shortages)
    if country:
        try:
            stmt = stmt.where(shortages.c.country == lookup(country))
        except CellError as exc:
            raise ConfigError(f"--country {country!r}: {exc.message}" + (f" ({exc.hint})" if exc.hint else "")) from None
    if year:
        if not 0 <= year <= 9999:
            raise ConfigError(f"--year {year} is not a year; write one such as 2022.")
        stmt = stmt.where(shortages.c.year == year)
    if status:
        if status not in STATUSES:
            raise ConfigError(f"--status {status!r} is not a shortage status; allowed: {', '.join(STATUSES)}.")
        stmt = stmt.where(shortages.c.status == status)
    if isco_prefix:
        if not isco_prefix.isdigit():
            raise ConfigError(f"--isco {isco_prefix!r} is not an ISCO-08 code prefix; give digits, e.g. 22.")
        stmt = stmt.where(shortages.c.isco.startswith(isco_prefix))
    rows = conn.execute(stmt.order_by(shortages.c.country, shortages.c.year, shortages.c.isco)).mappings()
    return [dict(r) for r in rows]


def loaded_countries(conn: Connection) -> list[str]:
    """The countries that have at least one shortage row (any year, status or source), sorted."""
    return sorted(conn.execute(select(shortages.c.country).distinct()).scalars())


def summary(conn: Connection) -> list[dict[str, Any]]:
    """Rows per (source, year, status, country count)."""
    stmt = (select(shortages.c.source, shortages.c.year, shortages.c.status, func.count(),
                   func.count(shortages.c.country.distinct()))
            .group_by(shortages.c.source, shortages.c.year, shortages.c.status)
            .order_by(shortages.c.year, shortages.c.source))
    return [{"source": s, "year": y, "status": st, "rows": n, "countries": c} for s, y, st, n, c in conn.execute(stmt)]


# --- country lists (WHO Health Workforce Support and Safeguards List) -------------

#: Characters refused in an edition or a source of a country list: control characters, tabs and line breaks
#: (``20\x1b24`` shows as ``2024``; both are one line).
_OPTION_BAD = re.compile(rf"[\t\n\r]|{CONTROL.pattern}")


def _option(option: str, value: str, column: Column[Any], what: str, example: str) -> str:
    """``value`` of ``option`` stripped, or :class:`ConfigError`: blank, with control characters, or longer than
    ``column`` holds."""
    text = value.strip()
    if not text:
        raise ConfigError(f"{option} is required and cannot be empty: {what}, e.g. {option} {example}.")
    bad = _OPTION_BAD.search(text)
    if bad:
        short = shown(text if len(text) <= 60 else text[:57] + "...")
        raise ConfigError(f"{option} {short} contains a control character (U+{ord(bad.group()):04X}), which does not "
                          "show on screen; type the value again on one line.")
    limit = _limit(column)
    if len(text) > limit:
        raise ConfigError(f"{option} is too long: {len(text):,} characters, at most {limit:,} are stored; "
                          f"shorten it, e.g. {option} {example}.")
    return text


def check_list_options(edition: str, source: str) -> tuple[str, str]:
    """A country list's edition and source as stored (stripped), or :class:`ConfigError` naming ``--edition`` or
    ``--source``: both are required, one line without control characters, and as long as their columns hold."""
    return (_option("--edition", edition, country_lists.c.edition, "give the list's edition", "2023"),
            _option("--source", source, country_lists.c.source, "say where the list comes from (title, URL)",
                    '"WHO, ISBN 9789240069787"'))


def import_country_list(engine: Engine, path: str | Path, *, list_name: str, edition: str, source: str) -> Report:
    """Load a list of countries (one per row: a column 'country', codes or names, and an optional 'note'), all or
    nothing, replacing that edition; returns the report. A bad ``edition`` or ``source`` raises
    :class:`ConfigError` (see :func:`check_list_options`) before the file is read."""
    edition, source = check_list_options(edition, source)
    path = Path(path)
    report = Report(files=[str(path)])
    try:
        table = _open(path, "country lists")
    except FileError as exc:
        report.add(Problem(exc.message, file=str(path), hint=exc.hint, code=exc.code))
        return report
    csv_file = detect_format(path) == "csv"
    header = _header(table, report, ("country", "note"))
    if "country" not in header:
        report.add(Problem("a column 'country' (ISO3 code or name) is required", file=str(path), sheet=table.sheet,
                           row=1, column="country", hint="head the column of countries 'country'",
                           code="missing_column"))
    if not report.valid:
        return report
    idx = header.index("country")
    note_idx = header.index("note") if "note" in header else None
    note_limit = _limit(country_lists.c.note)
    codes: dict[str, str | None] = {}
    try:
        for n, cells in table.rows:
            report.rows += 1
            stray = _stray(table, n, cells, csv_file=csv_file)
            if stray is not None:
                report.add(stray)
                continue
            where: dict[str, Any] = {"file": str(path), "sheet": table.sheet, "row": n}
            value = cells[idx] if idx < len(cells) else None
            try:
                if _blank(value):
                    raise CellError("country is required", hint="an ISO3 code or a name, e.g. GHA or Ghana",
                                    code="required")
                code = lookup(str(value))
            except CellError as exc:
                report.add(Problem(exc.message, column=str(table.header[idx]), value=value, hint=exc.hint,
                                   code=exc.code, **where))
                continue
            if note_idx is None or note_idx >= len(cells) or _blank(cells[note_idx]):
                codes[code] = None
                continue
            try:
                codes[code] = _text(cells[note_idx], note_limit)
            except CellError as exc:
                report.add(Problem(exc.message, column=str(table.header[note_idx]), value=cells[note_idx],
                                   hint=exc.hint, code=exc.code, **where))
    except FileError as exc:
        report.add(Problem(exc.message, file=str(path), row=exc.row, hint=exc.hint, code=exc.code))
    if not codes and report.valid:
        report.add(Problem("no countries in the file", file=str(path), code="no_rows"))
    if not report.valid:
        return report
    with engine.begin() as conn:
        conn.execute(delete(country_lists).where(country_lists.c.list_name == list_name,
                                                 country_lists.c.edition == edition))
        conn.execute(insert(country_lists), [{"list_name": list_name, "edition": edition, "country": c,
                                              "source": source, "note": note} for c, note in codes.items()])
    report.inserted = len(codes)
    report.written = True
    return report


def edition_key(edition: str) -> tuple[tuple[int, ...], str]:
    """How editions are ordered: by the numbers in them, read left to right, then by their text.

    So years and dates order as time does (``2023`` < ``2023-06`` < ``2024`` < ``2024 rev 2``), an edition
    called ``v2`` counts as 2 and comes before ``2023`` (not after it, as in the order of text), and an
    edition without digits comes first.
    """
    return tuple(int(d) for d in re.findall(r"\d+", edition)), edition


def editions(conn: Connection, list_name: str) -> list[str]:
    """The loaded editions of a list, oldest first (by :func:`edition_key`)."""
    rows = conn.execute(select(country_lists.c.edition).distinct().where(country_lists.c.list_name == list_name))
    return sorted(rows.scalars(), key=edition_key)


def country_list(conn: Connection, list_name: str, edition: str | None = None) -> tuple[str | None, set[str]]:
    """(edition, countries) of a list; ``(None, set())`` when no edition of it is loaded.

    Without ``edition``, the latest: the last by :func:`edition_key` (numbers in the edition compared as
    numbers, so ``2024`` is later than ``2023`` and than ``v2``). An ``edition`` that is not loaded is a
    :class:`ConfigError` naming those that are.
    """
    loaded = editions(conn, list_name)
    if not loaded:
        return None, set()
    if edition is None:
        edition = loaded[-1]
    elif edition.strip() in loaded:
        edition = edition.strip()
    elif edition not in loaded:
        label = LIST_LABELS.get(list_name, f"list {list_name!r}")
        raise ConfigError(f"No edition {shown(edition)} of the {label} is loaded; loaded: {', '.join(loaded)}.")
    rows = conn.execute(select(country_lists.c.country).where(country_lists.c.list_name == list_name,
                                                              country_lists.c.edition == edition)).scalars()
    return edition, set(rows)
