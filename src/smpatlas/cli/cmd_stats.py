"""``smpatlas stats``: distributions of every coded field and the seed's figures.

Renders :class:`~smpatlas.analysis.stats.Stats` as a rich table, JSON (the contract in docs/statistics.md),
CSV or Markdown. Number fields (years, budget, durations, planned participants) are summarised as
min / median / max / mean over the partnerships with a number, with n of N and missing; figures for
people carry thousands separators and the unit from the field's label. With ``--by`` the CSV is the
cross-tabulation, one row per cell (layout in docs/statistics.md).
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smpatlas.analysis.stats_options import DEFAULT_SCALE_THRESHOLD, SUMMARY_STATS, YEARS
from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.codebook import default as default_codebook

if TYPE_CHECKING:
    from smpatlas.analysis.stats import Stats

NUMBERS_HEADER = ("field", "n (of N)", "missing", *SUMMARY_STATS)


def figure(name: str, value: float | None) -> str:
    """A summary figure for people: years as years, other numbers with thousands separators, whole
    numbers (and anything from 100 up) without decimals, others with one."""
    if value is None:
        return "—"
    if name in YEARS:
        return f"{value:.0f}" if float(value).is_integer() else f"{value:.1f}"
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _label(name: str) -> str:
    """The field's name with its unit from the codebook label ('budget_eur (EUR)')."""
    unit = re.search(r"\(([^)]+)\)\s*$", default_codebook()[name].label)
    return f"{name} ({unit.group(1)})" if unit else name


def number_rows(s: Stats) -> Iterator[list[str]]:
    """One row per number field: label, 'n of N' (partnerships with a number), missing, min … mean."""
    cb = default_codebook()
    for name, d in s.fields.items():
        if name not in cb or cb[name].kind not in ("int", "number"):
            continue
        sm: dict[str, Any] = d.to_dict().get("summary") or {}
        yield [_label(name), f"{sm.get('count', 0)} of {d.denominator}", str(d.missing),
               *(figure(name, sm.get(k)) for k in SUMMARY_STATS)]


def _crosstab_caption(s: Stats) -> str:
    ct = s.crosstab or {}
    return (f"Denominator N = {ct.get('denominator')}; {' or '.join(ct.get('by', []))} not coded for "
            f"{ct.get('missing', 0)} (the (missing) rows). Multi-valued fields count a partnership once for each "
            "of its values, so shares may sum past 100%."
            + (" " + ct["note"][ct["note"].index("'(no group)'"):] if "'(no group)'" in (ct.get("note") or "") else ""))


def _pct(count: int, denominator: int) -> str:
    """count ÷ denominator to one decimal, rounded once from the exact fraction (not from the 4-place share)."""
    from smpatlas.analysis.stats_result import percent  # not at start-up: --help loads no analysis module

    return percent(count, denominator, 1)


def _markdown(s: Stats) -> str:
    from smpatlas.store.filters import describe

    out = [f"# Inventory statistics (N = {s.n})", ""]
    if s.filters:
        out += [f"Filters: {describe(s.filters)}", ""]
    out += ["## Headline figures", ""] + [f"- {h}" for h in s.headlines()] + [""]
    out += ["## Fields", "", "Shares are of the denominator: N, except where a derived figure has its own (reintegration: "
            "the partnerships where return is anticipated).", "",
            "| field | value | count | denominator | share | missing | unspecified |", "|---|---|---|---|---|---|---|"]
    for name, value, count, den, _share, missing, unspecified in s.rows(summaries=False):
        out.append(f"| {name} | {value} | {count} | {den} | {_pct(count, den)} | {missing} | {unspecified} |")
    out += ["", "## Numbers", "", "Over the partnerships with a number (n of N); missing = not coded.", "",
            "| " + " | ".join(NUMBERS_HEADER) + " |", "|---|" + "---:|" * (len(NUMBERS_HEADER) - 1)]
    out += ["| " + " | ".join(row) + " |" for row in number_rows(s)]
    if s.crosstab:
        by = s.crosstab["by"]
        out += ["", f"## Cross-tabulation: {' × '.join(by)}", "", _crosstab_caption(s), "",
                "| " + " | ".join(by) + " | count | share of N |", "|" + "---|" * (len(by) + 2)]
        for cell in s.crosstab["cells"]:
            out.append("| " + " | ".join(str(cell[b]) for b in by)
                       + f" | {cell['count']} | {_pct(cell['count'], s.crosstab['denominator'])} |")
    return "\n".join(out) + "\n"


def _table(s: Stats) -> None:
    from rich.markup import escape
    from rich.table import Table

    from smpatlas.store.filters import describe

    years = f"start years {s.year_min}–{s.year_max}" if s.year_min is not None else "no start years"
    c.out.print(f"[bold]N = {s.n}[/bold] partnerships; {len(s.countries)} countries; {years}"
                + (f"; filters: {escape(describe(s.filters))}" if s.filters else ""))
    for h in s.headlines():
        c.out.print("  • " + h, markup=False)
    for name, d in s.fields.items():
        values = d.to_dict()["values"]
        if not values:  # nothing counted; number fields are in the Numbers table
            continue
        t = Table(title=f"{name} ({'multi-label, ' if d.multi else ''}N={d.denominator}, missing {d.missing}, "
                  f"unspecified {d.unspecified})", title_justify="left", box=None)
        t.add_column("value")
        t.add_column("count", justify="right")
        t.add_column("share of N", justify="right")
        for value, v in values.items():
            t.add_row(value, str(v["count"]), _pct(v["count"], d.denominator))
        c.out.print(t)
    t = Table(title=f"Numbers (over the partnerships with a number, n of N={s.n}; missing = not coded)",
              title_justify="left", box=None)
    for i, head in enumerate(NUMBERS_HEADER):
        t.add_column(head, justify="left" if i == 0 else "right")
    for row in number_rows(s):
        t.add_row(*row)
    c.out.print(t)
    if s.crosstab:
        by = s.crosstab["by"]
        t = Table(title="Cross-tabulation: " + " × ".join(by), caption=_crosstab_caption(s), title_justify="left",
                  caption_justify="left", box=None)
        for b in by:
            t.add_column(b)
        t.add_column("count", justify="right")
        t.add_column("share of N", justify="right")
        for cell in s.crosstab["cells"]:
            t.add_row(*[str(cell[b]) for b in by], str(cell["count"]), _pct(cell["count"], s.crosstab["denominator"]))
        c.out.print(t)


@app.command("stats")
def stats(
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json, csv or markdown.")] = "table",
    by: Annotated[list[str] | None, typer.Option(
        "--by", help="Cross-tabulate by a field (at most two different fields; numbers only start_year, end_year). "
                     "With --format csv the CSV is then the cross-tabulation.")] = None,
    scale_threshold: Annotated[int, typer.Option("--scale-threshold", min=0, max=10**9,
                                                 help="Planned participants above this count as large.")
                               ] = DEFAULT_SCALE_THRESHOLD,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Statistics of the inventory or a filtered part: every figure with its denominator.

    Multi-valued fields are multi-label (shares of N may sum past 100%); missing
    and unspecified are counted separately. Number fields are summarised (min,
    median, max, mean over n of N). The JSON output is a stable contract; the CSV
    and Markdown layouts are in docs/statistics.md. With --by, the CSV holds the
    cross-tabulation, one row per cell.

    Example:

        smpatlas stats --destination DEU

        smpatlas stats --by destination_countries --by skill_levels --format csv
    """
    from smpatlas.analysis.stats import of_selection
    from smpatlas.store import database

    fmt = c.check_choice(fmt, ("table", "json", "csv", "markdown"), "--format")
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
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
        if s.crosstab is not None:
            header, rows = s.crosstab_rows()
            w.writerow(header)
            w.writerows(rows)
        else:
            w.writerow(["field", "value", "count", "denominator", "share", "missing", "unspecified"])
            w.writerows(s.rows())
    elif fmt == "markdown":
        sys.stdout.write(_markdown(s))
    else:
        _table(s)
