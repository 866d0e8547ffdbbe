"""``smpatlas assess``, ``whatif``, ``benchmark`` and ``rubric``: the mutual-benefit assessment.

The commands: their options, what they refuse, and what they ask of :class:`~smpatlas.atlas.Atlas`. What they
print as text is in :mod:`smpatlas.cli.assessment_text`; ``--format json`` prints the analysis' own dictionaries.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.cli.assessment_text import print_assessment, print_benchmark, print_portfolio, print_whatif
from smpatlas.cli.cmd_edit import parse_sets
from smpatlas.errors import ConfigError

if TYPE_CHECKING:
    from smpatlas.atlas import Atlas

RubricOption = Annotated[Path | None, typer.Option("--rubric", help="Use this rubric file (a copy of the default).")]


def _atlas(db: str | None, rubric: Path | None) -> Atlas:
    from smpatlas.atlas import Atlas
    from smpatlas.store import database

    return Atlas(database.open_engine(db, create_if_missing=False), rubric=rubric)


@app.command("assess")
def assess(
    record_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="The partnership's id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Assess the whole (filtered) portfolio.")] = False,
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    rubric: RubricOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Assess mutual benefits along the six design dimensions, with the rules behind every point.

    For one partnership: scores 0–4 with coverage, the rules that fired, the
    stakeholder profile, balance index, gap flags and ranked recommendations.
    With --all: the portfolio's distributions, flag shares and balance.
    The filters select the portfolio for --all; with one ID they are refused.

    Example:

        smpatlas assess de-ph-triple-win

        smpatlas assess --all --destination DEU --format json
    """
    fmt = c.check_choice(fmt, ("text", "json"), "--format")
    c.require_id(record_id, "assess", ", or --all for the portfolio")
    if bool(record_id) == all_:
        raise ConfigError("Give one partnership ID, or --all for the portfolio.")
    used = c.filter_options(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                            g2g, not_g2g)
    c.refuse_filters_with_id(record_id, used, "assess the filtered portfolio")
    atlas = _atlas(db, rubric)
    try:
        if record_id:
            a = atlas.assess(record_id)
            if fmt == "json":  # the Python API's contract, key for key
                c.print_json(a.to_dict())
            else:
                print_assessment(a, atlas.rubric, atlas.get(record_id)["name"])
            return
        f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                      g2g, not_g2g)
        p = atlas.assess_all(f)
    finally:
        atlas.close()
    if fmt == "json":
        c.print_json(p.to_dict())
    else:
        print_portfolio(p, atlas.rubric)


@app.command("whatif")
def whatif(
    record_id: Annotated[str, typer.Argument(metavar="ID")],
    set_: Annotated[list[str], typer.Option("--set", help="FIELD=VALUE[;VALUE]; repeatable.")],
    clear: Annotated[list[str] | None, typer.Option("--clear", help="FIELD to treat as missing; repeatable.")] = None,
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    rubric: RubricOption = None,
) -> None:
    """Assess a modified design and show the change per dimension and party; nothing is written.

    Example:

        smpatlas whatif de-ph-triple-win --set "reintegration_support=career_guidance;job_placement" \\
            --set recognition_mechanism=bridging_course
    """
    fmt = c.check_choice(fmt, ("text", "json"), "--format")
    c.require_id(record_id, "whatif")
    changes = parse_sets(set_, clear or [])
    atlas = _atlas(db, rubric)
    try:
        w = atlas.whatif(record_id, changes)
    finally:
        atlas.close()
    if fmt == "json":
        c.print_json(w.to_dict())
        return
    print_whatif(w, record_id, atlas.rubric)


@app.command("benchmark")
def benchmark(
    draft: Annotated[Path, typer.Argument(help="A draft design: .yaml, .json, .csv or .xlsx.")],
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    rubric: RubricOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None,
    g2g: c.G2G = False, not_g2g: c.NotG2G = False,
) -> None:
    """Assess a draft design and compare it with the inventory: percentiles and the five most similar.

    Missing fields are allowed in a draft; values are validated as on import. A draft is
    never one of the inventory's partnerships, even with the same id: its assessment has
    no id and a partnership with that id is compared like any other.

    Example:

        smpatlas benchmark draft.yaml --destination DEU
    """
    from smpatlas.analysis import assessment as asm
    from smpatlas.io.drafts import read_draft

    fmt = c.check_choice(fmt, ("text", "json"), "--format")
    record = read_draft(draft)
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text,
                  g2g, not_g2g)
    atlas = _atlas(db, rubric)
    # A draft is never an inventory record: its assessment has no id (docs/assessment-json.md), whatever id the
    # file gives; the draft's own fields, that id included, are kept under "draft".
    design = {**record, "id": None}
    try:
        result: dict[str, Any] = atlas.benchmark(design, f)
        a = asm.assess(design, atlas.rubric, atlas.context)
    finally:
        atlas.close()
    result["draft"] = record
    if fmt == "json":
        c.print_json(result)
        return
    print_assessment(a, atlas.rubric, f"Draft: {record.get('name') or draft.name}")
    print_benchmark(result, atlas.rubric)


@app.command("rubric")
def rubric_(
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown.")] = "markdown",
    rubric: RubricOption = None,
    check: Annotated[Path | None, typer.Option("--check", help="Exit 1 if this file differs from the output.")] = None,
) -> None:
    """Print the assessment rubric (every rule, its points, parties and source); checks a rubric file.

    Example:

        smpatlas rubric > docs/assessment.md

        smpatlas rubric --rubric my-rubric.toml   # load and check a copy
    """
    from smpatlas.analysis import rubric as rubric_mod

    fmt = c.check_choice(fmt, ("markdown",), "--format")
    text = rubric_mod.to_markdown(rubric_mod.load(rubric) if rubric else None)
    c.print_or_check(text, check)
