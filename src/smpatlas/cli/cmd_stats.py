"""``smpatlas stats``: distributions of every coded field and the seed's figures."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer

from smpatlas.analysis.stats import DEFAULT_SCALE_THRESHOLD, Stats, of_selection
from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.store import database


def _markdown(s: Stats) -> str:
    out = [f"# Inventory statistics (N = {s.n})", ""]
    if s.filters:
        out += ["Filters: " + ", ".join(f"{k}={v}" for k, v in s.filters.items()), ""]
    out += ["## Headline figures", ""] + [f"- {h}" for h in s.headlines()] + [""]
    out += ["## Fields", "", "| field | value | count | share of N | missing | unspecified |", "|---|---|---|---|---|---|"]
    for row in s.rows():
        name, value, count, _den, share, missing, unspecified = row
        out.append(f"| {name} | {value} | {count} | {'' if share is None else f'{share:.1%}'} | {missing} "
                   f"| {unspecified} |")
    if s.crosstab:
        by = s.crosstab["by"]
        out += ["", f"## Cross-tabulation: {' × '.join(by)}", "", "| " + " | ".join(by) + " | count | share of N |",
                "|" + "---|" * (len(by) + 2)]
        for cell in s.crosstab["cells"]:
            out.append("| " + " | ".join(str(cell[b]) for b in by) + f" | {cell['count']} | {cell['share']:.1%} |")
    return "\n".join(out) + "\n"


def _table(s: Stats) -> None:
    from rich.table import Table

    c.out.print(f"[bold]N = {s.n}[/bold] partnerships; {len(s.countries)} countries; "
                f"start years {s.year_min}–{s.year_max}" + (f"; filters: {s.filters}" if s.filters else ""))
    for h in s.headlines():
        c.out.print("  • " + h, markup=False)
    for name, d in s.fields.items():
        dd = d.to_dict()
        if not dd["values"] and "summary" not in dd:
            continue
        t = Table(title=f"{name} ({'multi-label, ' if d.multi else ''}N={d.denominator}, missing {d.missing}, "
                  f"unspecified {d.unspecified})", title_justify="left", box=None)
        t.add_column("value")
        t.add_column("count", justify="right")
        t.add_column("share of N", justify="right")
        for value, v in dd["values"].items():
            t.add_row(value, str(v["count"]), f"{v['share']:.1%}" if v["share"] is not None else "—")
        if "summary" in dd and not dd["values"]:
            sm = dd["summary"]
            t.add_row("min / median / max", f"{sm['min']:g} / {sm['median']:g} / {sm['max']:g}", f"n={sm['count']}")
        c.out.print(t)
    if s.crosstab:
        by = s.crosstab["by"]
        t = Table(title="Cross-tabulation: " + " × ".join(by), title_justify="left", box=None)
        for b in by:
            t.add_column(b)
        t.add_column("count", justify="right")
        t.add_column("share of N", justify="right")
        for cell in s.crosstab["cells"]:
            t.add_row(*[str(cell[b]) for b in by], str(cell["count"]), f"{cell['share']:.1%}")
        c.out.print(t)


@app.command("stats")
def stats(
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv or markdown.")] = "table",
    by: Annotated[list[str] | None, typer.Option("--by", help="Cross-tabulate by a field (at most twice).")] = None,
    scale_threshold: Annotated[int, typer.Option("--scale-threshold",
                                                 help="Planned participants above this count as large.")
                               ] = DEFAULT_SCALE_THRESHOLD,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None, g2g: c.G2G = None,
) -> None:
    """Statistics of the inventory or a filtered part: every figure with its denominator.

    Multi-valued fields are multi-label (shares of N may sum past 100%); missing
    and unspecified are counted separately. The JSON output is a stable contract
    (docs/statistics.md).

    Example:

        smpatlas stats --destination DEU

        smpatlas stats --by destination_countries --by skill_levels --format csv
    """
    c.check_choice(fmt, ("table", "json", "csv", "markdown"), "--format")
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text, g2g)
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            s = of_selection(conn, f, scale_threshold=scale_threshold, by=by)
    finally:
        engine.dispose()
    if fmt == "json":
        c.print_json(s.to_dict())
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(["field", "value", "count", "denominator", "share", "missing", "unspecified"])
        w.writerows(s.rows())
    elif fmt == "markdown":
        sys.stdout.write(_markdown(s))
    else:
        _table(s)
