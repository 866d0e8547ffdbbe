"""The one-page partnership profile (HTML, or one A4 page of PDF).

Owns :func:`context` (the coded fields in plain language — "not coded" for
a missing field, never a zero —, the six dimension scores with coverage, the
stakeholder profile with its balance index, gap flags, ranked
recommendations, outcome indicators over time and sources), the profile's
chart tables and :func:`write` (through :mod:`smpatlas.outfiles`: a failed write leaves the file
that was there).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from smpatlas import display, outfiles
from smpatlas.analysis.assessment import Assessment
from smpatlas.analysis.rubric import Rubric
from smpatlas.atlas import Atlas
from smpatlas.codebook import UNSPECIFIED, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of
from smpatlas.report import charts, render
from smpatlas.report import html as html_mod
from smpatlas.report.inventory import check_destination, resolve_format
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
#: On the PDF page: the name (the heading) is cut at this length, a source's title, an actor's name and a coded
#: text at theirs, with an ellipsis; a field lists this many countries and counts the rest (a name may be 500
#: characters long and a partnership may link 60 countries: the page still holds one A4 sheet).
MAX_NAME_CHARS = 160
MAX_SOURCE_TITLE_CHARS = 140
MAX_ACTOR_CHARS = 80
MAX_TEXT_CHARS = 120
MAX_COUNTRIES = 10


@dataclass(frozen=True)
class Page:
    """How much the A4 page lists and how long a text may be on it; ``dense`` is the CSS class of a tighter page."""

    recommendations: int = MAX_RECOMMENDATIONS
    actors: int = MAX_ACTORS
    outcome_rows: int = MAX_OUTCOME_ROWS
    sources: int = MAX_SOURCES
    countries: int = MAX_COUNTRIES
    summary_chars: int = MAX_SUMMARY_CHARS
    name_chars: int = MAX_NAME_CHARS
    source_title_chars: int = MAX_SOURCE_TITLE_CHARS
    outcome_source_chars: int = MAX_OUTCOME_SOURCE_CHARS
    actor_chars: int = MAX_ACTOR_CHARS
    text_chars: int = MAX_TEXT_CHARS
    dense: str = ""


#: The page, then tighter ones for a record too large for it (smaller type, shorter lists), tried in turn until the
#: profile fits on one A4 page. Every bundled record fits the first.
PAGES = (Page(),
         Page(recommendations=4, outcome_rows=4, sources=4, countries=6, summary_chars=300, name_chars=120,
              source_title_chars=100, actor_chars=60, text_chars=80, dense="dense"),
         Page(recommendations=3, actors=2, outcome_rows=3, sources=3, countries=4, summary_chars=200, name_chars=90,
              source_title_chars=70, outcome_source_chars=32, actor_chars=40, text_chars=60, dense="dense densest"))

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


def lower(text: str) -> str:
    """``text`` to go inside a sentence: its first letter in lower case, unless it starts an acronym (ICT, EU)."""
    if len(text) > 1 and text[0].isupper() and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _actor(a: dict[str, Any], limit: int | None = None) -> str:
    parts = [lower(plain(a["role"])) if a.get("role") else "", name_of(a["country"]) if a.get("country") else ""]
    extra = ", ".join(p for p in parts if p)
    name = str(a.get("name", ""))
    return (_cut(name, limit) if limit else name) + (f" ({extra})" if extra else "")


def field_text(f: Field, value: Any, *, max_actors: int | None = None, max_countries: int | None = None,
               max_chars: int | None = None, actor_chars: int | None = None) -> str:
    """A coded value in plain language; ``None`` is "not coded".

    For the PDF page: ``max_actors`` and ``max_countries`` list that many and count the rest, ``max_chars`` cuts a
    free text (and an actor's name) with an ellipsis.
    """
    if value is None or value == []:
        return NOT_CODED.lower()
    if f.kind == "countries":
        shown = value if max_countries is None else value[:max_countries]
        rest = more(len(shown), len(value))
        return ", ".join(name_of(c) for c in shown) + (f"; {rest}" if rest else "")
    if f.kind == "actors":
        shown = value if max_actors is None else value[:max_actors]
        rest = more(len(shown), len(value))
        return "; ".join(_actor(a, actor_chars) for a in shown) + (f"; {rest}" if rest else "")
    if f.kind in ("bool", "tristate"):
        return "yes" if value is True else "no" if value is False else "not specified in the sources"
    if f.kind == "number":
        return f"{value:,.0f}"
    if f.kind == "int":
        return f"{value:,}" if f.name not in ("start_year", "end_year") else str(value)
    if isinstance(value, list):
        return ", ".join(lower(plain(v)) if v != UNSPECIFIED else "not specified in the sources"
                         for v in value) if f.kind == "set" else ", ".join(map(str, value))
    if f.enumerated:
        return lower(plain(value)) if value != UNSPECIFIED else "not specified in the sources"
    return _cut(str(value), max_chars) if max_chars else str(value)


def fields(record: dict[str, Any], *, page: Page | None = None) -> list[dict[str, Any]]:
    """The coded fields by codebook section, each with its plain-language text (shortened for the PDF ``page``).

    Each section also lists its coded ``entries`` apart from the labels of its ``missing`` (not coded) fields,
    which the PDF page prints on one line per section.
    """
    cb = default_codebook()
    caps: dict[str, int] = ({"max_actors": page.actors, "max_countries": page.countries, "max_chars": page.text_chars,
                             "actor_chars": page.actor_chars} if page is not None else {})
    out = []
    for key, heading in cb.sections.items():
        items = [{"label": f.label, "text": field_text(f, record.get(f.name), **caps),
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


def context(atlas: Atlas, rid: str, *, for_print: bool = False, page: Page | None = None) -> dict[str, Any]:
    """Everything the profile template shows, for the partnership ``rid``.

    ``for_print`` is the one A4 page of the PDF (``page``, by default the first of :data:`PAGES`): long lists are
    shortened (saying how many more there are and where the full list is), long texts are cut with an ellipsis,
    the charts are images without the tables that repeat their labels. The HTML profile (``for_print`` false)
    lists everything.
    """
    pg = (page or PAGES[0]) if for_print else None
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
    ranked = a.recommendations[:pg.recommendations] if pg else a.recommendations
    recs = [{"text": r.text, "dimension": rb.dimensions[r.dimension].title if r.dimension in rb.dimensions
             else plain(r.dimension), "gain": display.gain(r.to_dict(), a.recommendations_ranked_by),
             "because": r.because} for r in ranked]
    sources = record.get("sources") or []
    shown_sources = ([{**src, "title": _cut(str(src["title"]), pg.source_title_chars) if src.get("title") else None,
                       "url_text": _cut(str(src.get("url") or ""), pg.source_title_chars)}
                      for src in sources[:pg.sources]] if pg else sources)
    outcome_rows = ([{**r, "source": _cut(str(r["source"]), pg.outcome_source_chars)}
                     for r in outcomes.rows[:pg.outcome_rows]] if pg else outcomes.rows)
    summary = record.get("summary")
    if pg and isinstance(summary, str):
        summary = _cut(summary, pg.summary_chars)
    return {
        "title": name, "heading": _cut(name, pg.name_chars) if pg else name, "record": record, "rid": rid,
        "acronym": record.get("acronym"), "summary": summary, "fields": fields(record, page=pg),
        "dense": pg.dense if pg else "",
        "figures": figures, "flags": flags, "recommendations": recs,
        "more_recommendations": more(len(recs), len(a.recommendations)),
        "weakest": rb.parties.get(a.weakest or "", a.weakest),
        "outcomes": outcomes, "outcome_rows": outcome_rows, "outcome_svg": outcome_svg, "outcome_img": outcome_img,
        "more_outcomes": (f"{len(outcomes.rows)} outcome records; the chart shows them all, the table the first "
                          f"{len(outcome_rows)} — {FULL_LIST}") if len(outcome_rows) < len(outcomes.rows) else None,
        "sources": shown_sources, "more_sources": more(len(shown_sources), len(sources)),
        "source_line": source, "generated": produced, "rubric_version": a.rubric_version, "for_print": for_print,
    }


def html(atlas: Atlas, rid: str, *, for_print: bool = False, page: Page | None = None) -> str:
    """The self-contained HTML profile (``for_print``: the one-page variant WeasyPrint prints, on ``page``)."""
    return html_mod.render("partnership.html", **context(atlas, rid, for_print=for_print, page=page))


def pdf(atlas: Atlas, rid: str) -> bytes:
    """The profile as one A4 page of PDF: the first of :data:`PAGES` it fits on (the last one otherwise)."""
    from smpatlas.report import pdf as pdf_mod

    def page_html(page: Page) -> Callable[[], str]:
        return lambda: html(atlas, rid, for_print=True, page=page)

    return pdf_mod.first_fitting(page_html(page) for page in PAGES)


def write(atlas: Atlas, rid: str, out: str | Path, *, fmt: str | None = None) -> Path:
    """Write the profile of ``rid`` to ``out`` as HTML or PDF (by ``fmt`` or the extension), whole or not at all."""
    path = Path(out)
    check_destination(path)
    chosen = resolve_format(path, fmt, FORMATS)
    if chosen == "pdf":
        outfiles.write_bytes(path, pdf(atlas, rid))
    else:
        outfiles.write_text(path, html(atlas, rid))
    return path
