"""``smpatlas assess``, ``whatif``, ``benchmark`` and ``rubric``: the mutual-benefit assessment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from smpatlas.analysis import assessment as asm
from smpatlas.analysis import rubric as rubric_mod
from smpatlas.atlas import Atlas
from smpatlas.cli import common as c
from smpatlas.cli.app import app
from smpatlas.cli.cmd_edit import parse_sets
from smpatlas.errors import ConfigError
from smpatlas.io.drafts import read_draft
from smpatlas.store import database

RubricOption = Annotated[Path | None, typer.Option("--rubric", help="Use this rubric file (a copy of the default).")]


def _atlas(db: str | None, rubric: Path | None) -> Atlas:
    return Atlas(database.open_engine(db, create_if_missing=False), rubric=rubric)


def _score(v: float | None, width: int = 4) -> str:
    return "—" if v is None else f"{v:.1f}"


def print_assessment(a: asm.Assessment, rb: rubric_mod.Rubric, name: str = "") -> None:
    c.out.print(f"[bold]{name or a.id}[/bold]  (rubric v{a.rubric_version})")
    for key, d in a.dimensions.items():
        bar = "█" * round(d.score or 0) + "·" * (4 - round(d.score or 0))
        low = "  low coverage" if "low_coverage" in d.flags else ""
        c.out.print(f"\n  {rb.dimensions[key].title:<40} {bar} {_score(d.score)}/4   coverage {d.coverage:.0%}{low}")
        for r in d.rules:
            mark = {"earned": "+", "partial": "~", "missed": "-", "unknown": "?", "not_applicable": " "}[r.status]
            vals = "; ".join(f"{k}={v}" for k, v in r.values.items() if v is not None) or "not coded"
            c.out.print(f"     {mark} {r.title} [{r.points:g}/{r.max_points:g}, {r.status}] ({vals})", markup=False)
    c.out.print("\n  [bold]Stakeholder profile[/bold] (0–100)")
    for p, v in a.stakeholders.items():
        n = round((v or 0) / 5)
        c.out.print(f"     {rb.parties[p]:<24} {'█' * n}{'·' * (20 - n)} {_score(v)}", markup=False)
    c.out.print(f"     balance index {_score(a.balance) if a.balance is None else f'{a.balance:.2f}'}"
                + ("  — destination-skewed" if a.destination_skewed else ""))
    if a.flags:
        c.out.print("\n  [bold]Gap flags[/bold]")
        for f in a.flags:
            c.out.print(f"     ! {a.flag_titles.get(f, f)} ({f})", markup=False)
    if a.recommendations:
        c.out.print(f"\n  [bold]Recommendations[/bold] (ranked by gain for the weakest party: {a.weakest})")
        for i, rec in enumerate(a.recommendations[:8], 1):
            c.out.print(f"     {i}. {rec.text} [{rec.dimension}, +{rec.gain:.1f}; {rec.because}]", markup=False)


@app.command("assess")
def assess(
    record_id: Annotated[str | None, typer.Argument(metavar="[ID]", help="The partnership's id.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Assess the whole (filtered) portfolio.")] = False,
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    rubric: RubricOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None, g2g: c.G2G = None,
) -> None:
    """Assess mutual benefits along the six design dimensions, with the rules behind every point.

    For one partnership: scores 0–4 with coverage, the rules that fired, the
    stakeholder profile, balance index, gap flags and ranked recommendations.
    With --all: the portfolio's distributions, flag shares and balance.

    Example:

        smpatlas assess de-ph-triple-win

        smpatlas assess --all --destination DEU --format json
    """
    c.check_choice(fmt, ("text", "json"), "--format")
    if bool(record_id) == all_:
        raise ConfigError("Give one partnership ID, or --all for the portfolio.")
    atlas = _atlas(db, rubric)
    try:
        if record_id:
            a = atlas.assess(record_id)
            if fmt == "json":
                c.print_json(a.to_dict())
            else:
                print_assessment(a, atlas.rubric, atlas.get(record_id)["name"])
            return
        f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text, g2g)
        p = atlas.assess_all(f)
    finally:
        atlas.close()
    if fmt == "json":
        c.print_json(p.to_dict())
        return
    rb = atlas.rubric
    c.out.print(f"[bold]Portfolio of {p.n} partnerships[/bold] (rubric v{p.rubric_version})")
    for key, d in p.dimensions.items():
        dist = "  ".join(f"{b}:{n}" for b, n in d["distribution"].items())
        mean = "—" if d["mean"] is None else f"{d['mean']:.2f}"
        c.out.print(f"  {rb.dimensions[key].title:<40} mean {mean}/4 (scored {d['n_scored']} of {p.n}, "
                    f"coverage {d['mean_coverage']:.0%})  {dist}", markup=False)
    c.out.print("\n  [bold]Gap flags[/bold] (share of all partnerships)")
    for _fid, fl in sorted(p.flags.items(), key=lambda kv: -kv[1]["count"]):
        c.out.print(f"     {fl['count']:>5} of {p.n} ({fl['share']:.0%})  {fl['title']}", markup=False)
    c.out.print("\n  [bold]Mean stakeholder profile[/bold]")
    for party, sm in p.stakeholders.items():
        mean = "—" if sm["mean"] is None else f"{sm['mean']:.1f}"
        c.out.print(f"     {rb.parties[party]:<24} {mean} (scored {sm['n_scored']})", markup=False)
    c.out.print(f"\n  Balance: median {p.balance['median']}; destination-skewed: {p.balance['destination_skewed']}")
    c.out.print("  Most balanced: " + ", ".join(f"{x['id']} ({x['balance']:.2f})" for x in p.most_balanced),
                markup=False)
    c.out.print("  Least balanced: " + ", ".join(f"{x['id']} ({x['balance']:.2f})" for x in p.least_balanced),
                markup=False)


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
    c.check_choice(fmt, ("text", "json"), "--format")
    changes = parse_sets(set_, clear or [])
    atlas = _atlas(db, rubric)
    try:
        w = atlas.whatif(record_id, changes)
    finally:
        atlas.close()
    if fmt == "json":
        c.print_json(w.to_dict())
        return
    delta = w.delta()
    c.out.print(f"[bold]What if[/bold] {record_id}: " + "; ".join(f"{k}: {a!r} → {b!r}" for k, (a, b) in
                                                                 w.changes.items()), markup=False)
    rb = atlas.rubric

    def row(label: str, a: float | None, b: float | None, d: float | None) -> None:
        sign = "" if d is None else (f"+{d:.2f}" if d > 0 else f"{d:.2f}")
        c.out.print(f"  {label:<40} {_score(a):>6} → {_score(b):>6}  {sign}", markup=False)

    for k in rb.dimensions:
        row(rb.dimensions[k].title, w.before.dimensions[k].score, w.after.dimensions[k].score, delta["dimensions"][k])
    for p in rb.parties:
        row(rb.parties[p], w.before.stakeholders[p], w.after.stakeholders[p], delta["stakeholders"][p])
    row("Balance index", w.before.balance, w.after.balance, delta["balance"])
    if delta["flags_removed"]:
        c.out.print("  Flags removed: " + ", ".join(delta["flags_removed"]))
    if delta["flags_added"]:
        c.out.print("  Flags added: " + ", ".join(delta["flags_added"]))
    c.out.print("  (nothing was written)")


@app.command("benchmark")
def benchmark(
    draft: Annotated[Path, typer.Argument(help="A draft design: .yaml, .json, .csv or .xlsx.")],
    db: c.DbOption = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    rubric: RubricOption = None,
    origin: c.Origin = None, destination: c.Destination = None, skill_level: c.SkillLevel = None,
    mobility: c.Mobility = None, sector: c.Sector = None, status: c.Status = None, type: c.Type = None,
    year_from: c.YearFrom = None, year_to: c.YearTo = None, text: c.Text = None, g2g: c.G2G = None,
) -> None:
    """Assess a draft design and compare it with the inventory: percentiles and the five most similar.

    Missing fields are allowed in a draft; values are validated as on import.

    Example:

        smpatlas benchmark draft.yaml --destination DEU
    """
    c.check_choice(fmt, ("text", "json"), "--format")
    record = read_draft(draft)
    f = c.filters(origin, destination, skill_level, mobility, sector, status, type, year_from, year_to, text, g2g)
    atlas = _atlas(db, rubric)
    try:
        result: dict[str, Any] = atlas.benchmark(record, f)
        a = asm.assess(record, atlas.rubric, atlas.context)
    finally:
        atlas.close()
    if fmt == "json":
        c.print_json(result)
        return
    print_assessment(a, atlas.rubric, f"Draft: {record.get('name')}")
    pc = result["percentiles"]
    c.out.print(f"\n  [bold]Percentiles[/bold] against {pc['compared_with']} partnerships "
                "(share at or below the draft)")
    for k, v in pc["dimensions"].items():
        c.out.print(f"     {atlas.rubric.dimensions[k].title:<40} {_score(v['score'])}/4  "
                    f"{'—' if v['percentile'] is None else str(v['percentile']) + '%'} of {v['denominator']}",
                    markup=False)
    for k, v in pc["stakeholders"].items():
        c.out.print(f"     {atlas.rubric.parties[k]:<40} {_score(v['score'])}  "
                    f"{'—' if v['percentile'] is None else str(v['percentile']) + '%'} of {v['denominator']}",
                    markup=False)
    c.out.print(f"\n  [bold]Most similar[/bold] ({result['similarity_measure']})")
    for n in result["most_similar"]:
        c.out.print(f"     {n['similarity']:.2f}  {n['id']} — {n['name']} ({n['shared_fields']} shared fields)",
                    markup=False)


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
    c.check_choice(fmt, ("markdown",), "--format")
    text = rubric_mod.to_markdown(rubric_mod.load(rubric) if rubric else None)
    c.print_or_check(text, check)
