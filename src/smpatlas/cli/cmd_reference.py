"""``smpatlas isco``, ``shortages``, ``who-list`` and ``align``: reference data and labour-market alignment."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.countries import name_of
from smpatlas.errors import ValidationFailed

if TYPE_CHECKING:
    from sqlalchemy import Connection

isco_app = typer.Typer(help="The ISCO-08 occupation classification.", no_args_is_help=True, rich_markup_mode=None)
short_app = typer.Typer(help="Shortage tables (EURES data shipped).", no_args_is_help=True, rich_markup_mode=None)
who_app = typer.Typer(help="The WHO Health Workforce Support and Safeguards List.", no_args_is_help=True,
                      rich_markup_mode=None)
app.add_typer(isco_app, name="isco")
app.add_typer(short_app, name="shortages")
app.add_typer(who_app, name="who-list")


@isco_app.command("search")
def isco_search(
    words: Annotated[list[str], typer.Argument(help="Words of an occupation title.")],
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000, help="At most this many groups.")] = 20,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """Find ISCO-08 groups by title (ISCO titles and ESCO occupation titles).

    Example:

        smpatlas isco search nurse
    """
    from smpatlas.reference import isco

    fmt = c.check_choice(fmt, ("table", "json"), "--format")
    hits = isco.search(" ".join(words), limit=limit)
    if fmt == "json":
        c.print_json([h.__dict__ for h in hits])
        return
    if not hits:
        c.err.print("No ISCO-08 group or ESCO occupation title matches.", markup=False)
        raise typer.Exit(1)
    for h in hits:
        via = "" if h.via == "isco" else f"   (via {h.via})"
        c.out.print(f"{h.code:<5} {h.title}{via}", markup=False)


@isco_app.command("show")
def isco_show(code: Annotated[str, typer.Argument(help="An ISCO-08 code of 1–4 digits.")]) -> None:
    """Show an ISCO-08 group: title, parents, skill level, sub-groups.

    Example:

        smpatlas isco show 2221
    """
    from smpatlas.errors import ConfigError
    from smpatlas.reference import isco

    if not isco.exists(code):
        near = isco.suggest(code)
        raise ConfigError(f"{code!r} is not an ISCO-08 code" + (f"; nearest group: {near}" if near else "") + ".")
    chain = [code[:i] for i in range(1, len(code) + 1)]
    for part in chain:
        c.out.print(f"{'  ' * (len(part) - 1)}{isco.label(part)}", markup=False)
    lvl = isco.skill_level(code)
    c.out.print(f"ILO skill level: {lvl if lvl else 'varies'} → {isco.skill_level_name(code) or 'n/a'}")
    children = [g for g in isco.groups().values() if g.parent == code]
    for g in children:
        c.out.print(f"  · {isco.label(g.code)}", markup=False)


@short_app.command("import")
def shortages_import(
    file: Annotated[Path | None, typer.Argument(help="CSV/XLSX: country, isco, year, status, source[, severity, "
                                                     "score, title, note].")] = None,
    default: Annotated[bool, typer.Option("--default", help="(Re)load the shipped EURES data instead (without "
                                                           "a FILE).")] = False,
    replace_source: Annotated[bool, typer.Option("--replace-source",
                                                 help="Replace earlier rows of the same source(s).")] = False,
    db: c.DbOption = None,
) -> None:
    """Import a shortage table (validated; all rows or nothing), or reload the shipped EURES data.

    Example:

        smpatlas shortages import national-shortages.csv

        smpatlas shortages import --default
    """
    from smpatlas.errors import ConfigError
    from smpatlas.reference import shortages
    from smpatlas.store import database

    # Usage errors before the inventory is opened (opening creates a missing one).
    if default and file is not None:
        raise ConfigError(f"Give a FILE to import or --default to reload the shipped EURES data, not both "
                          f"(--default would ignore {str(file)!r}).")
    if not default and file is None:
        raise ConfigError("Give a FILE to import, or --default to reload the shipped EURES data.")
    engine = database.open_engine(db)
    try:
        if default:
            with engine.begin() as conn:
                n = shortages.load_shipped(conn)
            c.out.print(f"Loaded {n} shipped EURES rows.")
            return
        assert file is not None
        report = shortages.import_file(engine, file, replace_source=replace_source)
    finally:
        engine.dispose()
    if not report.valid:
        raise ValidationFailed(report)
    c.out.print(f"{file}: {report.inserted} shortage rows imported.", markup=False)


@short_app.command("list")
def shortages_list(
    country: Annotated[str | None, typer.Option("--country", help="ISO3 code or name.")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    status: Annotated[str | None, typer.Option("--status", help="shortage, surplus, balanced or unspecified.")] = None,
    isco_prefix: Annotated[str | None, typer.Option("--isco", help="ISCO-08 code prefix, e.g. 22.")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    db: c.DbOption = None,
) -> None:
    """List shortage rows, or a summary of the loaded tables when no filter is given.

    Example:

        smpatlas shortages list --country DEU --year 2022
    """
    from smpatlas.reference import isco, shortages
    from smpatlas.store import database

    fmt = c.check_choice(fmt, ("table", "json", "csv"), "--format")
    if status is not None:
        status = c.check_choice(status, shortages.STATUSES, "--status")
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            if not any((country, year, status, isco_prefix)):
                summary = shortages.summary(conn)
                if fmt == "json":
                    c.print_json(summary)
                else:
                    for s in summary:
                        c.out.print(f"{s['year']} {s['status']:<9} {s['rows']:>5} rows, {s['countries']:>2} countries"
                                    f" — {s['source']}", markup=False)
                return
            rows = shortages.list_rows(conn, country=country, year=year, status=status, isco_prefix=isco_prefix)
            empty = _why_no_rows(conn, country) if not rows else ""
    finally:
        engine.dispose()
    if fmt == "json":
        c.print_json(rows)
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["country", "isco", "isco_title", "year", "status", "title", "source"])
        for r in rows:
            w.writerow([r["country"], r["isco"], isco.title(r["isco"]), r["year"], r["status"], r["title"], r["source"]])
    else:
        for r in rows:
            c.out.print(f"{r['country']} {r['year']} {r['status']:<9} {isco.label(r['isco'])}", markup=False)
        c.err.print(empty or f"{len(rows)} rows.", markup=False)
    if empty and fmt != "table":
        c.err.print(empty, markup=False)


def _why_no_rows(conn: Connection, country: str | None) -> str:
    """Why a filtered listing is empty: no table for the country (an error), or what is loaded instead."""
    from smpatlas.countries import lookup
    from smpatlas.errors import ConfigError
    from smpatlas.reference import shortages

    loaded = shortages.loaded_countries(conn)
    code = lookup(country) if country else None
    if code is not None and code not in loaded:
        raise ConfigError(f"No shortage table loaded for {code} ({name_of(code)}); loaded: "
                          + (", ".join(loaded) or "none") + ". Load one with 'smpatlas shortages import FILE'.")
    rows = shortages.list_rows(conn, country=country)
    years = sorted({r["year"] for r in rows})
    statuses = sorted({r["status"] for r in rows})
    where = f"for {code}" if code else "in this inventory"
    return (f"0 rows match these filters; loaded {where}: years {', '.join(map(str, years)) or 'none'}; "
            f"statuses {', '.join(statuses) or 'none'}.")


@who_app.command("import")
def who_import(
    file: Annotated[Path, typer.Argument(help="CSV/XLSX with a column 'country' (ISO3 or name) and optionally "
                                              "'note'.")],
    edition: Annotated[str, typer.Option("--edition", help="The list's edition, e.g. 2023 (the latest is the one "
                                         "with the highest numbers in it).")],
    source: Annotated[str, typer.Option("--source", help="Where the list comes from (title, URL).")],
    db: c.DbOption = None,
) -> None:
    """Load an edition of the WHO Health Workforce Support and Safeguards List (replaces that edition).

    SMP Atlas ships no entries: load the list from the WHO publication.

    Example:

        smpatlas who-list import ssl2023.csv --edition 2023 --source "WHO, ISBN 9789240069787"
    """
    from smpatlas.reference import shortages
    from smpatlas.store import database

    edition, source = shortages.check_list_options(edition, source)  # before opening (which creates) the inventory
    engine = database.open_engine(db)
    try:
        report = shortages.import_country_list(engine, file, list_name=shortages.WHO_SSL, edition=edition,
                                               source=source)
    finally:
        engine.dispose()
    if not report.valid:
        raise ValidationFailed(report)
    c.out.print(f"WHO safeguards list {edition}: {report.inserted} countries loaded.", markup=False)


@who_app.command("list")
def who_list(
    edition: Annotated[str | None, typer.Option("--edition", help="A loaded edition (default: the latest).")] = None,
    db: c.DbOption = None,
) -> None:
    """Show the loaded WHO safeguards list (the latest edition by default).

    The latest edition is the one with the highest numbers in it, compared as numbers: 2024 after 2023 and
    after v2; an edition not loaded is an error that lists the loaded ones.

    Example:

        smpatlas who-list list --edition 2023
    """
    from smpatlas.reference import shortages
    from smpatlas.store import database

    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            ed, codes = shortages.country_list(conn, shortages.WHO_SSL, edition)
    finally:
        engine.dispose()
    if ed is None:
        c.err.print("No WHO safeguards list is loaded; see 'smpatlas who-list import --help'.", markup=False)
        raise typer.Exit(1)
    c.out.print(f"Edition {ed}: {len(codes)} countries", markup=False)
    for code in sorted(codes):
        c.out.print(f"  {code} {name_of(code)}", markup=False)


def _print_align(d: dict[str, Any]) -> None:
    c.out.print(f"[bold]{d['id']}[/bold]: occupations " + (", ".join(f"{o['code']} {o['title']}"
                                                                    for o in d["occupations"]) or "not coded"))
    c.out.print(f"  skill levels: {', '.join(d['skill_levels']) or '—'} ({d['skill_levels_source']})", markup=False)
    if d["shortage_share"] is None:
        share = f"unknown ({d['shortage_share_unknown_because']})"
    else:
        share = (f"{d['occupations_in_shortage']} of {_n(d['shortage_share_denominator'], 'occupation')} "
                 f"({d['shortage_share']:.0%})")
    c.out.print(f"  share of occupations in shortage at a destination: {share}", markup=False)
    for dest in d["destinations"]:
        c.out.print(f"\n  → {name_of(dest['country'])} ({dest['country']})"
                    + (f" — checked against: {'; '.join(dest['lists'])}" if dest.get("lists") else ""), markup=False)
        if not dest["has_shortage_data"] or "occupations" not in dest:
            c.out.print(f"     {dest.get('note', '')}", markup=False)
            continue
        for o in dest["occupations"]:
            mark = "in shortage" if o["in_shortage"] else "not on the list"
            prec = f", matched at {o['precision_digits']} digits" if o["precision_digits"] else ""
            reg = "; regulated here" if o["regulated_here"] else ""
            c.out.print(f"     {o['code']} {o['title']}: {mark}{prec}{reg}", markup=False)
            for m in o.get("near_matches", [])[:3]:
                c.out.print(f"       near match: {m['isco']} {m['title']} is listed ({m['relation']})", markup=False)
            if len(o.get("near_matches", [])) > 3:
                c.out.print(f"       … and {len(o['near_matches']) - 3} more near matches (--format json)",
                            markup=False)
        lv = dest["shortage_skill_levels"]["values"]
        total = dest["n_shortage_occupations"]
        c.out.print(f"     destination's {_n(total, 'shortage occupation')} by skill level: "
                    + ", ".join(f"{k} {v['share']:.0%}" for k, v in lv.items() if v["count"])
                    + f" (of {total})", markup=False)
        if dest.get("note"):
            c.out.print(f"     {dest['note']}", markup=False)


def _n(count: int, noun: str) -> str:
    """``1 partnership``, ``2 partnerships``: a count with its noun in the right number."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _share(count_share: dict[str, Any]) -> str:
    return "—" if count_share["share"] is None else f"{count_share['share']:.0%}"


def _print_destination(d: dict[str, Any], show: int) -> None:
    """One destination of 'align --all' in words, every figure with its denominator."""
    n = d["partnerships"]
    c.out.print(f"{name_of(d['country'])} ({d['country']}): {_n(n, 'partnership')}, {d['partnerships_with_occupations']} "
                f"with occupations coded, {d['partnerships_with_skill_levels']} with skill levels (coded or derived)",
                markup=False)
    known = d["partnerships_with_skill_levels"]
    if known:
        t = d["partnerships_targeting"]
        targets = (f"{_share(t['high'])} high, {_share(t['middle'])} middle, {_share(t['low'])} low "
                   f"(of the {known} of {n} with skill levels; a partnership may target several)")
    else:
        whom = "the 1 partnership has no" if n == 1 else f"none of the {n} partnerships has"
        targets = f"unknown ({whom} skill levels coded or derivable)"
    if not d["has_shortage_data"]:
        c.out.print("     no shortage table loaded", markup=False)
        c.out.print(f"     partnerships target: {targets}", markup=False)
        return
    total = d["shortage_occupations"]
    c.out.print(f"     shortage list: {_n(total, 'occupation')} ({'; '.join(d['lists'])})", markup=False)
    if not d["coverage_assessable"]:
        whom = "the 1 partnership has no" if n == 1 else f"none of the {n} partnerships has"
        c.out.print(f"     coverage cannot be assessed: {whom} occupations coded", markup=False)
    else:
        k = d["partnerships_with_occupations"]
        by_whom = "not targeted by the 1 partnership" if k == 1 else f"targeted by none of the {k} partnerships"
        c.out.print(f"     {d['uncovered']} of {_n(total, 'shortage occupation')} {by_whom} with "
                    "occupations coded", markup=False)
    lv = d["shortage_skill_levels"]["values"]
    c.out.print(f"     partnerships target: {targets}", markup=False)
    c.out.print(f"     shortage occupations: {lv['high']['share']:.0%} high, {lv['middle']['share']:.0%} middle, "
                f"{lv['low']['share']:.0%} low (of {total})", markup=False)
    uncovered = d["uncovered_shortages"]
    shown = uncovered if show == 0 else uncovered[:show]
    for u in shown:
        c.out.print(f"     uncovered: {u['code']} {u['title']}", markup=False)
    more = (d["uncovered"] or 0) - len(shown)
    if more > 0:
        c.out.print(f"     … and {more} more uncovered (all: --uncovered 0, or --format json)", markup=False)


#: Uncovered shortage occupations listed per destination by 'align --all' in text, unless --uncovered says.
UNCOVERED_SHOWN = 8


@app.command("align")
def align_(
    record_id: Annotated[str | None, typer.Argument(metavar="[ID]")] = None,
    all_: Annotated[bool, typer.Option("--all", help="The portfolio: per destination and corridor.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or csv (csv only with --all: one row per "
                                     "destination).")] = "text",
    uncovered: Annotated[int | None, typer.Option("--uncovered", min=0, help="With --all: how many uncovered "
                                                  "shortage occupations to list per destination in text (0: all; "
                                                  "default 8).")] = None,
    db: c.DbOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Compare target occupations with the destinations' shortage lists.

    For one partnership: which occupations are in shortage at each destination and at which precision.
    With --all: per destination, the shortage occupations no partnership targets and the skill-level
    mismatch; and corridors. The filters select the portfolio for --all; with one ID they are refused.

    Example:

        smpatlas align de-ph-triple-win

        smpatlas align --all --destination DEU --format json
    """
    from smpatlas.atlas import Atlas
    from smpatlas.errors import ConfigError
    from smpatlas.store import database

    fmt = c.check_choice(fmt, ("text", "json", "csv"), "--format")
    c.require_id(record_id, "align", ", or --all for the portfolio")
    if bool(record_id) == all_:
        raise ConfigError("Give one partnership ID, or --all for the portfolio.")
    used = c.filter_options(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                            g2g, not_g2g)
    c.refuse_filters_with_id(record_id, used, "align the filtered portfolio")
    if record_id and uncovered is not None:
        raise ConfigError("--uncovered is for the portfolio (--all: how many uncovered shortage occupations to list "
                          f"per destination); 'smpatlas align {record_id}' shows every occupation of the partnership. "
                          "Drop --uncovered, or use --all.")
    if record_id and fmt == "csv":
        raise ConfigError(f"--format csv is for the portfolio (--all: one row per destination); for one partnership "
                          f"use --format text or --format json (smpatlas align {record_id} --format json).")
    atlas = Atlas(database.open_engine(db, create_if_missing=False))
    try:
        if record_id:
            d = atlas.align(record_id)
            c.print_json(d) if fmt == "json" else _print_align(d)
            return
        f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                      g2g, not_g2g)
        p = atlas.align_all(f)
    finally:
        atlas.close()
    if fmt == "json":
        c.print_json(p)
        return
    none_match = _none_match(p["filters"]) if not p["n"] else None
    if fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(ALIGN_CSV_COLUMNS)
        for d in p["destinations"]:
            lv = d.get("shortage_skill_levels", {}).get("values", {})
            t = d["partnerships_targeting"]
            w.writerow([d["country"], d["partnerships"], d.get("shortage_occupations", ""),
                        _blank(d.get("covered")), _blank(d.get("uncovered")),
                        _blank(t["high"]["share"]),
                        *(lv.get(k, {}).get("share", "") for k in ("high", "middle", "low")),
                        d["partnerships_with_occupations"], d["partnerships_with_skill_levels"],
                        _blank(t["middle"]["share"]), _blank(t["low"]["share"])])
        if none_match:
            c.err.print(none_match, markup=False)  # stdout stays a CSV file (the header alone)
        return
    if none_match:
        c.out.print(none_match, markup=False)
        return
    for d in p["destinations"]:
        _print_destination(d, UNCOVERED_SHOWN if uncovered is None else uncovered)
    c.out.print("\n" + p["note"], markup=False)


#: Columns of 'align --all --format csv'. The partnerships_*_share columns are shares of
#: partnerships_with_skill_levels (a partnership may target several levels); the shortages_*_share columns are
#: shares of shortage_occupations. New columns are appended, so existing readers keep working.
ALIGN_CSV_COLUMNS = ["destination", "partnerships", "shortage_occupations", "covered", "uncovered",
                     "partnerships_high_share", "shortages_high_share", "shortages_middle_share",
                     "shortages_low_share", "partnerships_with_occupations", "partnerships_with_skill_levels",
                     "partnerships_middle_share", "partnerships_low_share"]


def _none_match(filters: dict[str, Any]) -> str:
    """'align --all' when the selection is empty: which filters matched nothing."""
    from smpatlas.store.filters import describe

    if not filters:
        return "No partnerships in the inventory: nothing to align."
    return f"No partnerships match {describe(filters)}: nothing to align."


def _blank(v: Any) -> Any:
    """CSV: an unknown figure is an empty cell, never 0."""
    return "" if v is None else v
