"""The one-page partnership profile (HTML, or one A4 page of PDF).

Owns :func:`context` (the coded fields in plain language — "not coded" for
a missing field, never a zero —, the six dimension scores with coverage, the
stakeholder profile with its balance index, gap flags, ranked
recommendations, outcome indicators over time and sources), the profile's
chart tables and :func:`write`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from smpatlas.analysis.assessment import Assessment
from smpatlas.analysis.rubric import Rubric
from smpatlas.atlas import Atlas
from smpatlas.codebook import UNSPECIFIED, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of
from smpatlas.errors import ConfigError
from smpatlas.report import charts, render
from smpatlas.report import html as html_mod
from smpatlas.report.inventory import resolve_format
from smpatlas.report.tables import NOT_CODED, Table, plain

FORMATS = ("html", "pdf")
#: Fields shown elsewhere on the page (header, sources, outcomes) or too long for one page.
NOT_IN_FIELD_LIST = frozenset({"id", "name", "acronym", "summary", "sources", "outcomes", "notes"})
MAX_RECOMMENDATIONS = 5
#: Actors and outcome rows listed on the page (one A4 page); the rest are counted, not dropped silently.
MAX_ACTORS = 4
MAX_OUTCOME_ROWS = 8


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _actor(a: dict[str, Any]) -> str:
    parts = [plain(a["role"]).lower() if a.get("role") else "", name_of(a["country"]) if a.get("country") else ""]
    extra = ", ".join(p for p in parts if p)
    return str(a.get("name", "")) + (f" ({extra})" if extra else "")


def field_text(f: Field, value: Any) -> str:
    """A coded value in plain language; ``None`` is "not coded"."""
    if value is None or value == []:
        return NOT_CODED.lower()
    if f.kind == "countries":
        return ", ".join(name_of(c) for c in value)
    if f.kind == "actors":
        more = f"; and {len(value) - MAX_ACTORS} more (see the full record)" if len(value) > MAX_ACTORS else ""
        return "; ".join(_actor(a) for a in value[:MAX_ACTORS]) + more
    if f.kind in ("bool", "tristate"):
        return "yes" if value is True else "no" if value is False else "not specified in the sources"
    if f.kind == "number":
        return f"{value:,.0f}"
    if f.kind == "int":
        return f"{value:,}" if f.name not in ("start_year", "end_year") else str(value)
    if isinstance(value, list):
        return ", ".join(plain(v).lower() if v != UNSPECIFIED else "not specified in the sources"
                         for v in value) if f.kind == "set" else ", ".join(map(str, value))
    if f.enumerated:
        return plain(value).lower() if value != UNSPECIFIED else "not specified in the sources"
    return str(value)


def fields(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The coded fields by codebook section, each with its plain-language text."""
    cb = default_codebook()
    out = []
    for key, heading in cb.sections.items():
        items = [{"label": f.label, "text": field_text(f, record.get(f.name)),
                  "missing": record.get(f.name) in (None, [])}
                 for f in cb.in_section(key) if f.name not in NOT_IN_FIELD_LIST]
        if items:
            out.append({"heading": heading.split(". ", 1)[-1], "entries": items})
    return out


def dimension_table(a: Assessment, rb: Rubric, name: str) -> Table:
    rows = []
    for key, d in a.dimensions.items():
        score = None if d.score is None else round(d.score, 2)
        text = (f"not scored · coverage {d.coverage:.0%}" if score is None
                else f"{score:.1f} of 4 · coverage {d.coverage:.0%}")
        rows.append({"label": rb.dimensions[key].title, "score": score, "coverage": round(d.coverage, 4),
                     "text": text})
    return Table("profile_dimensions", _short(f"Six dimensions: {name}"),
                 [("label", "Dimension"), ("score", "Score (0–4)"), ("coverage", "Coverage")], rows,
                 ["Coverage = share of the dimension's rules whose inputs are coded; paler bars rest on less."])


def stakeholder_table(a: Assessment, rb: Rubric, name: str) -> Table:
    rows = [{"label": rb.parties.get(p, plain(p)), "score": None if v is None else round(v, 1)}
            for p, v in a.stakeholders.items()]
    bal = "not computed (a party could not be scored)" if a.balance is None else f"{a.balance:.2f}"
    notes = [f"Balance index (weakest ÷ strongest party): {bal}."
             + (" Skewed towards the destination and employers." if a.destination_skewed else "")]
    return Table("profile_stakeholders", _short(f"Stakeholders: {name}"),
                 [("label", "Party"), ("score", "Score (0–100)")], rows, notes)


def outcome_table(record: dict[str, Any], name: str) -> Table:
    rows = [{"label": plain(o.get("indicator") or "not given"), "period": str(o.get("period", "")),
             "value": o.get("value"), "source": o.get("source") or ""}
            for o in record.get("outcomes") or []]
    rows.sort(key=lambda r: (r["label"], r["period"]))
    return Table("profile_outcomes", _short(f"Outcomes over time: {name}"),
                 [("period", "Period"), ("label", "Indicator"), ("value", "Value"), ("source", "Source")], rows,
                 [f"{len(rows)} outcome records; the chart shows them all, the table the first {MAX_OUTCOME_ROWS}."]
                 if len(rows) > MAX_OUTCOME_ROWS else [])


def context(atlas: Atlas, rid: str) -> dict[str, Any]:
    """Everything the profile template shows, for the partnership ``rid``."""
    record = atlas.get(rid)
    a = atlas.assess(rid)
    rb = atlas.rubric
    name = str(record.get("name") or rid)
    produced = date.today().isoformat()
    source = (f"Source: SMP Atlas record {rid} (codebook {default_codebook().version}, rubric {a.rubric_version}); "
              f"produced {produced}.")
    figures = []
    for table, fn in ((dimension_table(a, rb, name), charts.profile_dimensions),
                      (stakeholder_table(a, rb, name), charts.profile_stakeholders)):
        figures.append({"name": table.name, "title": table.title, "table": table, "notes": table.notes,
                        "svg": html_mod.trusted_svg(render.svg(fn(table, source)))})
    outcomes = outcome_table(record, name)
    plotted = [r for r in outcomes.rows if isinstance(r["value"], int | float)]
    outcome_svg = None
    if plotted:
        outcome_svg = html_mod.trusted_svg(render.svg(charts.profile_outcomes(
            Table(outcomes.name, outcomes.title, outcomes.columns, plotted), source)))
    flags = [a.flag_titles.get(f, plain(f)) for f in a.flags]
    recs = [{"text": r.text, "dimension": rb.dimensions[r.dimension].title if r.dimension in rb.dimensions
             else plain(r.dimension), "gain": r.gain, "because": r.because}
            for r in a.recommendations[:MAX_RECOMMENDATIONS]]
    return {
        "title": name, "record": record, "rid": rid, "acronym": record.get("acronym"),
        "summary": record.get("summary"), "fields": fields(record), "figures": figures,
        "flags": flags, "recommendations": recs, "weakest": rb.parties.get(a.weakest or "", a.weakest),
        "outcomes": outcomes, "outcome_rows": outcomes.rows[:MAX_OUTCOME_ROWS], "outcome_svg": outcome_svg,
        "sources": record.get("sources") or [],
        "source_line": source, "generated": produced, "rubric_version": a.rubric_version,
    }


def html(atlas: Atlas, rid: str) -> str:
    """The self-contained HTML profile."""
    return html_mod.render("partnership.html", **context(atlas, rid))


def write(atlas: Atlas, rid: str, out: str | Path, *, fmt: str | None = None) -> Path:
    """Write the profile of ``rid`` to ``out`` as HTML or PDF (by ``fmt`` or the extension)."""
    path = Path(out)
    chosen = resolve_format(path, fmt, FORMATS)
    if not path.parent.exists():
        raise ConfigError(f"The folder {str(path.parent)!r} does not exist; create it first.")
    page = html(atlas, rid)
    if chosen == "pdf":
        from smpatlas.report import pdf

        path.write_bytes(pdf.from_html(page))
    else:
        path.write_text(page, "utf-8")
    return path
