"""The one-page partnership profile (HTML, or one A4 page of PDF).

Owns :func:`context` (the coded fields in plain language — "not coded" for
a missing field, never a zero —, the six dimension scores with coverage, the
stakeholder profile with its balance index, gap flags, ranked
recommendations, outcome indicators over time and sources), the profile's
chart tables and :func:`write` (through :mod:`smpatlas.outfiles`: a failed write leaves the file
that was there).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from smpatlas import outfiles
from smpatlas.analysis.assessment import Assessment
from smpatlas.analysis.rubric import Rubric
from smpatlas.atlas import Atlas
from smpatlas.codebook import UNSPECIFIED, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of
from smpatlas.report import charts, render
from smpatlas.report import html as html_mod
from smpatlas.report.inventory import resolve_format
from smpatlas.report.tables import NOT_CODED, Table, plain

FORMATS = ("html", "pdf")
#: Fields shown elsewhere on the page (header, sources, outcomes) or too long for one page.
NOT_IN_FIELD_LIST = frozenset({"id", "name", "acronym", "summary", "sources", "outcomes", "notes"})
#: What the one A4 page of the PDF lists; the rest is counted ("and K more"), never dropped silently, and the
#: HTML profile lists everything.
MAX_RECOMMENDATIONS = 5
MAX_ACTORS = 3
MAX_OUTCOME_ROWS = 6
MAX_SOURCES = 6
#: Outcome sources (free text) are cut at this length on the PDF page, with an ellipsis.
MAX_OUTCOME_SOURCE_CHARS = 48
#: Summaries longer than this are cut at a word with an ellipsis on the PDF page.
MAX_SUMMARY_CHARS = 420
#: The chart headings on the page (the chart titles repeat the partnership's name, in the page's title).
HEADINGS = {"profile_dimensions": "Six dimensions (score 0–4, with coverage)",
            "profile_stakeholders": "Stakeholder profile (score 0–100)"}
#: Where the full lists are, said wherever the PDF page shortens one.
FULL_LIST = "full list in the HTML profile and the web inventory"


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _cut(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, with an ellipsis when cut."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    if " " in head[limit // 2:]:
        head = head[: head.rindex(" ")]
    return head.rstrip(" ,;:.–-") + "…"


def more(shown: int, total: int) -> str | None:
    """"and K more — full list in …" when ``shown`` of ``total`` are listed, else None."""
    return f"and {total - shown} more — {FULL_LIST}" if total > shown else None


def _actor(a: dict[str, Any]) -> str:
    parts = [plain(a["role"]).lower() if a.get("role") else "", name_of(a["country"]) if a.get("country") else ""]
    extra = ", ".join(p for p in parts if p)
    return str(a.get("name", "")) + (f" ({extra})" if extra else "")


def field_text(f: Field, value: Any, *, max_actors: int | None = None) -> str:
    """A coded value in plain language; ``None`` is "not coded" (``max_actors``: list that many, count the rest)."""
    if value is None or value == []:
        return NOT_CODED.lower()
    if f.kind == "countries":
        return ", ".join(name_of(c) for c in value)
    if f.kind == "actors":
        shown = value if max_actors is None else value[:max_actors]
        rest = more(len(shown), len(value))
        return "; ".join(_actor(a) for a in shown) + (f"; {rest}" if rest else "")
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


def fields(record: dict[str, Any], *, max_actors: int | None = None) -> list[dict[str, Any]]:
    """The coded fields by codebook section, each with its plain-language text.

    Each section also lists its coded ``entries`` apart from the labels of its ``missing`` (not coded) fields,
    which the PDF page prints on one line per section.
    """
    cb = default_codebook()
    out = []
    for key, heading in cb.sections.items():
        items = [{"label": f.label, "text": field_text(f, record.get(f.name), max_actors=max_actors),
                  "missing": record.get(f.name) in (None, [])}
                 for f in cb.in_section(key) if f.name not in NOT_IN_FIELD_LIST]
        if items:
            out.append({"heading": heading.split(". ", 1)[-1], "entries": items,
                        "coded": [it for it in items if not it["missing"]],
                        "not_coded": [it["label"] for it in items if it["missing"]]})
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
                 [("period", "Period"), ("label", "Indicator"), ("value", "Value"), ("source", "Source")], rows)


def context(atlas: Atlas, rid: str, *, for_print: bool = False) -> dict[str, Any]:
    """Everything the profile template shows, for the partnership ``rid``.

    ``for_print`` is the one A4 page of the PDF: long lists are shortened (saying how many more there are and
    where the full list is), a long summary is cut with an ellipsis, the charts are images without the tables
    that repeat their labels. The HTML profile (``for_print`` false) lists everything.
    """
    record = atlas.get(rid)
    a = atlas.assess(rid)
    rb = atlas.rubric
    name = str(record.get("name") or rid)
    produced = date.today().isoformat()
    source = (f"Source: SMP Atlas record {rid} (codebook {default_codebook().version}, rubric {a.rubric_version}); "
              f"produced {produced}.")
    outcomes = outcome_table(record, name)
    plotted = [r for r in outcomes.rows if isinstance(r["value"], int | float)]
    tables = [(dimension_table(a, rb, name), charts.profile_dimensions),
              (stakeholder_table(a, rb, name), charts.profile_stakeholders)]
    with charts.unchecked():
        specs = [fn(table, source) for table, fn in tables]
        if plotted:
            specs.append(charts.profile_outcomes(Table(outcomes.name, outcomes.title, outcomes.columns, plotted),
                                                 source))
    # The page prints each chart's title as a heading and the source line once, at the foot.
    drawn = list(render.svgs(render.embedded(spec) for spec in specs))
    figures = []
    for (table, _), svg in zip(tables, drawn, strict=False):
        figures.append({"name": table.name, "title": table.title, "heading": HEADINGS[table.name],
                        "table": table, "notes": table.notes,
                        "svg": html_mod.trusted_svg(svg),
                        "img": render.data_uri(svg) if for_print else None})
    outcome_svg = html_mod.trusted_svg(drawn[2]) if plotted else None
    outcome_img = render.data_uri(drawn[2]) if plotted and for_print else None
    # The HTML profile says where a flag's inputs came from (e.g. which shortage lists); the A4 page has no room.
    flags = [{"title": a.flag_titles.get(f, plain(f)), "note": None if for_print else a.notes.get(f)} for f in a.flags]
    ranked = a.recommendations[:MAX_RECOMMENDATIONS] if for_print else a.recommendations
    recs = [{"text": r.text, "dimension": rb.dimensions[r.dimension].title if r.dimension in rb.dimensions
             else plain(r.dimension), "gain": r.gain, "because": r.because} for r in ranked]
    sources = record.get("sources") or []
    shown_sources = sources[:MAX_SOURCES] if for_print else sources
    outcome_rows = ([{**r, "source": _cut(str(r["source"]), MAX_OUTCOME_SOURCE_CHARS)}
                     for r in outcomes.rows[:MAX_OUTCOME_ROWS]] if for_print else outcomes.rows)
    summary = record.get("summary")
    if for_print and isinstance(summary, str):
        summary = _cut(summary, MAX_SUMMARY_CHARS)
    return {
        "title": name, "record": record, "rid": rid, "acronym": record.get("acronym"),
        "summary": summary, "fields": fields(record, max_actors=MAX_ACTORS if for_print else None),
        "figures": figures, "flags": flags, "recommendations": recs,
        "more_recommendations": more(len(recs), len(a.recommendations)),
        "weakest": rb.parties.get(a.weakest or "", a.weakest),
        "outcomes": outcomes, "outcome_rows": outcome_rows, "outcome_svg": outcome_svg, "outcome_img": outcome_img,
        "more_outcomes": (f"{len(outcomes.rows)} outcome records; the chart shows them all, the table the first "
                          f"{len(outcome_rows)} — {FULL_LIST}") if len(outcome_rows) < len(outcomes.rows) else None,
        "sources": shown_sources, "more_sources": more(len(shown_sources), len(sources)),
        "source_line": source, "generated": produced, "rubric_version": a.rubric_version, "for_print": for_print,
    }


def html(atlas: Atlas, rid: str, *, for_print: bool = False) -> str:
    """The self-contained HTML profile (``for_print``: the one-page variant WeasyPrint prints)."""
    return html_mod.render("partnership.html", **context(atlas, rid, for_print=for_print))


def pdf(atlas: Atlas, rid: str) -> bytes:
    """The profile as one A4 page of PDF."""
    from smpatlas.report import pdf as pdf_mod

    return pdf_mod.from_html(html(atlas, rid, for_print=True))


def write(atlas: Atlas, rid: str, out: str | Path, *, fmt: str | None = None) -> Path:
    """Write the profile of ``rid`` to ``out`` as HTML or PDF (by ``fmt`` or the extension), whole or not at all."""
    path = Path(out)
    chosen = resolve_format(path, fmt, FORMATS)
    outfiles.check_destination(path)
    if chosen == "pdf":
        outfiles.write_bytes(path, pdf(atlas, rid))
    else:
        outfiles.write_text(path, html(atlas, rid))
    return path
