"""``smpatlas list``."""

from __future__ import annotations

import csv
import sys
from typing import Annotated

import typer
from rich.table import Table

from smpatlas.cli import common as c
from smpatlas.cli.app import app


def _years(r: dict) -> str:  # type: ignore[type-arg]
    end = r.get("end_year")
    return f"{r['start_year']}–{end if end else ''}"


@app.command("list")
def list_(
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    limit: Annotated[int | None, typer.Option("--limit", help="Show at most this many.")] = None,
    sort: Annotated[str, typer.Option("--sort", help="id, name, start_year, ... ('-' for descending).")] = "id",
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """List partnerships, filtered.

    Filters combine with AND; a repeated filter means OR (--origin PHL --origin IND).
    Years select partnerships active in the range.

    Example:

        smpatlas list --destination DEU --skill-level middle

        smpatlas list --text nurses --format json
    """
    from smpatlas.store import database
    from smpatlas.store import repository as repo

    fmt = c.check_choice(fmt, ("table", "json", "csv"), "--format")
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
    engine = database.open_engine(db, create_if_missing=False)
    try:
        with engine.connect() as conn:
            rows = repo.select_records(conn, f, order=sort, limit=limit)
            if fmt == "json":
                c.print_json(list(rows))
                return
            if fmt == "csv":
                w = csv.writer(sys.stdout)
                w.writerow(["id", "name", "partnership_type", "origin_countries", "destination_countries",
                            "start_year", "end_year", "status"])
                for r in rows:
                    w.writerow([r["id"], r["name"], r["partnership_type"], "; ".join(r["origin_countries"]),
                                "; ".join(r["destination_countries"]), r["start_year"], r.get("end_year", ""),
                                r["status"]])
                return
            if not sys.stdout.isatty():
                # Piped: one plain, tab-separated line per partnership (fast; easy to grep and cut).
                n = 0
                for r in rows:
                    n += 1
                    sys.stdout.write("\t".join([
                        r["id"], r["name"], r["partnership_type"], ", ".join(r["origin_countries"]) + " → "
                        + ", ".join(r["destination_countries"]), _years(r), r["status"]]) + "\n")
                total = repo.count(conn, f)
                c.err.print(f"{n} of {total} matching partnership{'s' if total != 1 else ''} listed.", markup=False)
                return
            table = Table(box=None)
            table.add_column("id", no_wrap=True)
            table.add_column("name", no_wrap=True, overflow="ellipsis", max_width=48)
            table.add_column("type", no_wrap=True)
            table.add_column("origin → destination", overflow="fold")
            table.add_column("years", no_wrap=True)
            table.add_column("status", no_wrap=True)
            n = 0
            for r in rows:
                n += 1
                name = r["name"] if len(r["name"]) <= 60 else r["name"][:57] + "…"
                table.add_row(r["id"], name, r["partnership_type"].replace("_", " "),
                              f"{', '.join(r['origin_countries'])} → {', '.join(r['destination_countries'])}",
                              _years(r), r["status"])
            total = repo.count(conn, f)
    finally:
        engine.dispose()
    c.out.print(table)
    c.err.print(f"{n} of {total} matching partnership{'s' if total != 1 else ''} shown.", markup=False)
