"""``smpatlas outcomes``: outcomes over time across partnerships, per indicator and year.

Renders :class:`~smpatlas.analysis.outcomes.Outcomes` as tables (one per indicator: a row per year, then the
lines spanning years by end year, then the notes and what was left out), JSON (the contract in
docs/statistics.md) or CSV (one row per cell). The analysis is imported when the command runs, not at start-up.
"""

from __future__ import annotations

import csv
import sys
from typing import TYPE_CHECKING, Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app

if TYPE_CHECKING:
    from smpatlas.analysis.outcomes import Outcomes


def _people(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


def _table(o: Outcomes) -> None:
    from rich.markup import escape
    from rich.table import Table

    from smpatlas.analysis.outcomes import SPANS
    from smpatlas.store.filters import describe

    c.out.print(f"[bold]N = {o.n}[/bold] partnerships selected"
                + (f"; filters: {escape(describe(o.filters))}" if o.filters else ""))
    for h in o.headlines():
        c.out.print("  • " + h, markup=False)
    for ind in o.indicators:
        cells = [cell for cell in o.cells if cell.indicator == ind]
        if not cells:
            continue
        k = o.reporting.get(ind, 0)
        t = Table(title=f"{ind} (people; reported by {k} of N={o.n} partnerships)", title_justify="left", box=None)
        t.add_column("year")
        t.add_column("people", justify="right")
        t.add_column(f"partnerships (of {k})", justify="right")
        t.add_column("which")
        for cell in cells:
            if cell.kind == SPANS:
                year = f"spans years, ending {cell.year}"
                which = "; ".join(f"{line.partnership} ({line.period}: {_people(line.value)})" for line in cell.lines)
            else:
                year = str(cell.year)
                which = ", ".join(cell.ids) + (f" ({len(cell.left_out)} part-year line"
                                               f"{'s' if len(cell.left_out) != 1 else ''} left out)"
                                               if cell.left_out else "")
            t.add_row(year, _people(cell.sum), str(len(cell.ids)), which)
        c.out.print(t, markup=False)
    if o.cells:
        c.out.print("A period YYYY or YYYY-MM counts in its year, a range within one year in that year; a range "
                    "spanning years is counted apart by its end year, never split (do not add it to the years).",
                    markup=False)
    if o.notes:
        c.out.print("[bold]Notes[/bold]")
        for note in o.notes:
            c.out.print("  • " + note.text, markup=False)
    if o.left_out:
        c.out.print("[bold]Left out[/bold]")
        for line, rule in o.left_out:
            c.out.print(f"  • {line.partnership}: {line.indicator} {line.period}: {_people(line.value)} ({rule})",
                        markup=False)


@app.command("outcomes")
def outcomes(
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    indicator: Annotated[list[str] | None, typer.Option(
        "--indicator", help="Only this outcome indicator (e.g. departed); repeatable.")] = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Outcomes over time across partnerships: per indicator and year, how many people and from which partnerships.

    Every figure says its denominators: the partnerships selected (N) and those reporting the indicator at all. A
    period YYYY or YYYY-MM counts in its year, a range within one year in that year; a range spanning years is
    counted apart, by its end year, never split. When a partnership reports a whole year and months of it, the
    whole-year figure is counted and the monthly lines are listed as left out. The filters select partnerships
    (--year-from/--year-to: partnerships active in those years), not outcome periods. Rules and the JSON and CSV
    layouts: docs/statistics.md.

    Example:

        smpatlas outcomes --destination DEU --indicator departed

        smpatlas outcomes --sector health_care --format csv
    """
    from smpatlas.analysis.outcomes import CSV_HEADER, check_indicators, of_selection
    from smpatlas.store import database

    fmt = c.check_choice(fmt, ("table", "json", "csv"), "--format")
    wanted = check_indicators(indicator or None)
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            o = of_selection(conn, f, indicators=wanted)
    finally:
        engine.dispose()
    if fmt == "json":
        c.print_json(o.to_dict())
    elif fmt == "csv":
        w = csv.writer(sys.stdout)
        w.writerow(CSV_HEADER)
        w.writerows(o.rows())
    else:
        _table(o)
