"""``smpatlas report inventory|partnership`` and ``smpatlas chart``: publishable reports and single charts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.errors import ConfigError

if TYPE_CHECKING:
    from smpatlas.atlas import Atlas

report_app = typer.Typer(help="Publishable reports: the inventory report and one-page partnership profiles.\n\n"
                         "Example:\n\n    smpatlas report inventory --out reports/inventory.html",
                         no_args_is_help=True, rich_markup_mode=None)
app.add_typer(report_app, name="report")

Out = Annotated[Path, typer.Option("--out", "-o", help="File to write; its extension picks the format "
                                   "(--format must agree with it).")]


def _atlas(db: str | None) -> Atlas:
    from smpatlas.atlas import Atlas
    from smpatlas.store import database

    return Atlas(database.open_engine(db, create_if_missing=False))


@report_app.command("inventory")
def inventory(
    out: Out,
    db: c.DbOption = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="html, pdf or xlsx (default: from --out).")] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title on the cover.")] = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Write the inventory report: overview, charts with their tables, corridors, assessment, sources.

    HTML is self-contained (CSS and charts inline, nothing loaded from the
    network); PDF is A4 with page numbers and a table of contents; XLSX has
    every table behind every chart as a sheet.

    Example:

        smpatlas report inventory --out reports/inventory.html

        smpatlas report inventory --out health.pdf --sector health_care --title "Health care partnerships"

        smpatlas report inventory --out tables.xlsx --destination DEU
    """
    from smpatlas.report import inventory as inv

    fmt = None if fmt is None else c.check_choice(fmt, inv.FORMATS, "--format")
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
    atlas = _atlas(db)
    try:
        path = inv.write(atlas, out, fmt=fmt, filters=f, title=title)
    finally:
        atlas.close()
    c.out.print(f"Wrote {path}", markup=False)


@report_app.command("partnership")
def partnership(
    record_id: Annotated[str, typer.Argument(metavar="ID", help="The partnership's id.")],
    out: Out,
    db: c.DbOption = None,
    fmt: Annotated[str | None, typer.Option("--format", "-f", help="html or pdf (default: from --out).")] = None,
) -> None:
    """Write the one-page profile of a partnership (one A4 page as PDF).

    Coded fields in plain language ("not coded" where missing), the six
    dimension scores with coverage, stakeholder bars with the balance index,
    gap flags, ranked recommendations, outcomes over time and sources.

    Example:

        smpatlas report partnership de-ph-triple-win --out triple-win.pdf
    """
    from smpatlas.report import profile

    c.require_id(record_id, "report partnership")
    fmt = None if fmt is None else c.check_choice(fmt, profile.FORMATS, "--format")
    atlas = _atlas(db)
    try:
        path = profile.write(atlas, record_id, out, fmt=fmt)
    finally:
        atlas.close()
    c.out.print(f"Wrote {path}", markup=False)


@app.command("chart")
def chart(
    name: Annotated[str | None, typer.Argument(metavar="[NAME]", help="The chart (see --list).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="FILE.svg or FILE.png (FILE.json with --spec).")] = None,
    list_: Annotated[bool, typer.Option("--list", help="List the charts and exit.")] = False,
    spec: Annotated[bool, typer.Option("--spec", help="The Vega-Lite spec (JSON) instead of an image: to --out "
                                       "FILE.json, or printed when there is no --out.")] = False,
    db: c.DbOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Write one chart of the inventory report as SVG or PNG, to drop into your own documents.

    With --spec, the chart's Vega-Lite spec (JSON) instead: printed, or written to --out FILE.json.

    Example:

        smpatlas chart --list

        smpatlas chart world_map --out map.svg --destination DEU

        smpatlas chart skill_levels --out skills.png

        smpatlas chart skill_levels --spec > skills.vl.json
    """
    from smpatlas import outfiles
    from smpatlas.report import inventory as inv
    from smpatlas.report import render

    if list_:
        drawn = [what for what, given in (("NAME", name is not None), ("--out", out is not None), ("--spec", spec))
                 if given]
        if drawn:
            raise ConfigError(f"--list lists the charts and draws none, so it contradicts {' and '.join(drawn)}: "
                              "run 'smpatlas chart --list' alone, or leave --list out to draw a chart.")
        for d in inv.CHARTS.values():
            c.out.print(f"{d.name:<16} {d.description}", markup=False)
        return
    if name is None or (out is None and not spec):
        raise ConfigError("Name a chart and a file: smpatlas chart NAME --out FILE.svg (smpatlas chart --list "
                          "shows the charts; --spec without --out prints the chart's Vega-Lite spec).")
    if name not in inv.CHARTS:
        raise ConfigError(f"There is no chart called {name!r}. Charts: {', '.join(inv.CHARTS)}.")
    suffix = out.suffix.lstrip(".").lower() if out is not None else ""
    if out is not None:
        if spec and suffix != "json":
            raise ConfigError(f"--spec writes the Vega-Lite spec (JSON), not an image: give a file ending in .json "
                              f"(not {out.name!r}), or leave out --spec to draw the chart.")
        if not spec and suffix not in ("svg", "png"):
            raise ConfigError(f"Write a chart to a .svg or .png file (or its spec to a .json file with --spec), "
                              f"not {out.name!r}.")
        outfiles.check_destination(out)
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
    atlas = _atlas(db)
    try:
        data = inv.collect(atlas, f)
    finally:
        atlas.close()
    if not data.n:
        raise ConfigError("No partnerships match these filters: there is nothing to chart." if data.stats.filters else
                          "The inventory holds no partnerships yet: there is nothing to chart. Import some first "
                          "(smpatlas import FILE).")
    _, vl = inv.chart(name, data)
    if out is None:
        c.print_json(vl)
        return
    if spec:
        import json

        outfiles.write_text(out, json.dumps(vl, ensure_ascii=False))
    else:
        outfiles.write_bytes(out, render.to_file(vl, suffix))
    c.out.print(f"Wrote {out}", markup=False)
