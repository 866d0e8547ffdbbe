"""The inventory report: what it contains, in which order, and writing it.

Owns :func:`collect` (statistics, portfolio, records and outcomes over time of
one selection, read once from an :class:`~smpatlas.atlas.Atlas`), :data:`CHARTS` (every
inventory chart by name, its table builder and spec function), the report's
sections, :func:`html` and :func:`write` (HTML, PDF or XLSX by file
extension or ``fmt``, which must not contradict each other; written whole or
not at all through :mod:`smpatlas.outfiles`). Every chart is rendered as inline SVG with its table
beside it; the methodology appendix states the codebook and rubric versions,
the filters, the date and every record's sources.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from smpatlas import outfiles
from smpatlas.analysis import outcomes as outcomes_mod
from smpatlas.analysis.stats import Stats
from smpatlas.atlas import Atlas
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.report import charts, maps, render, tables
from smpatlas.report import html as html_mod
from smpatlas.report.tables import InventoryData, Table, counted
from smpatlas.store.filters import Filters

FORMATS = ("html", "pdf", "xlsx")


@dataclass(frozen=True)
class ChartDef:
    """One inventory chart: its table builder and its spec function."""

    name: str
    table: Callable[[InventoryData], Table]
    spec: Callable[[Table, str], dict[str, Any]]
    description: str


def _defs() -> dict[str, ChartDef]:
    specs: dict[str, Callable[[Table, str], dict[str, Any]]] = {
        **charts.SPECS, "corridors": maps.corridors, "world_map": maps.world_map}
    return {name: ChartDef(name, build, specs[name], (specs[name].__doc__ or "").strip().split("\n")[0])
            for name, build in tables.BUILDERS.items()}


#: Every inventory chart by name, in report order (``smpatlas chart --list``).
CHARTS: dict[str, ChartDef] = _defs()

#: Report sections: (anchor, heading, introduction, chart names).
SECTIONS: tuple[tuple[str, str, str, tuple[str, ...]], ...] = (
    ("who", "Who takes part and in what", "Skill levels, sectors, underrepresented groups and scale.",
     ("skill_levels", "sectors", "target_groups", "planned_scale", "timeline")),
    ("design", "Mobility and recognition", "How people move and how their qualifications are recognised.",
     ("mobility_types", "recognition")),
    ("support", "Integration and reintegration support", "Support at the destination and after return.",
     ("integration", "reintegration")),
    ("corridors", "Corridors", "Where partnerships link countries of origin and destination.",
     ("corridors", "world_map")),
    ("benefits", "Mutual benefits: the six design dimensions",
     "Scores from the assessment rubric, the design gaps it flags and the balance between the parties.",
     ("dimensions", "gap_flags", "stakeholders")),
)
#: The outcomes section (after :data:`SECTIONS`): its chart is drawn only when some partnership reports an outcome.
OUTCOMES = ("outcomes", "Outcomes over time",
            "The people the partnerships report, per outcome indicator and year, from the partnerships reporting it.")


def collect(atlas: Atlas, filters: Filters | None = None, *, title: str | None = None) -> InventoryData:
    """Read the selection once: its statistics, portfolio assessment, records and outcomes over time.

    The outcomes are those of ``atlas.outcomes(filters)``, computed from the records already read (no second read).
    """
    f = filters.normalised() if filters is not None else None
    stats, records = atlas.stats(f), atlas.records(f)
    data = InventoryData(stats=stats, portfolio=atlas.assess_all(f), records=records, rubric=atlas.rubric,
                         outcomes_of_selection=outcomes_mod.compute(records, filters=f.to_dict() if f else {}))
    if title:
        data.title = title
    return data


def chart(name: str, data: InventoryData) -> tuple[Table, dict[str, Any]]:
    """The table and the Vega-Lite spec of the inventory chart ``name``."""
    if name not in CHARTS:
        raise ConfigError(f"There is no chart called {name!r}. Charts: {', '.join(CHARTS)}.")
    d = CHARTS[name]
    table = d.table(data)
    with charts.unchecked():
        return table, d.spec(table, data.source_line())


def _figure(name: str, table: Table, spec: dict[str, Any]) -> dict[str, Any]:
    notes = list(table.notes)
    if name == "world_map" and (missing := maps.not_drawn(table)):
        notes.append(f"Too small for the 1:110m map (listed in the table): {', '.join(missing)}.")
    return {"name": name, "title": table.title, "table": table, "notes": notes, "spec": spec}


def _drawn(names: list[str], data: InventoryData,
           draw: Callable[[dict[str, Any]], Future[str]]) -> dict[str, dict[str, Any]]:
    """The figures ``names``, each with the ``future`` of its SVG; every spec goes to ``draw`` as soon as it is built.

    In the report a chart goes without its title and source line (the heading and the caption print them). A chart
    already drawn for this selection is not drawn again.
    """
    figs = {}
    for name in dict.fromkeys(names):
        fig = figs[name] = _figure(name, *chart(name, data))
        if name in data.rendered:
            done: Future[str] = Future()
            done.set_result(data.rendered[name])
            fig["future"] = done
        else:
            fig["future"] = draw(render.embedded(fig["spec"]))
    return figs


def figures(names: list[str], data: InventoryData) -> dict[str, dict[str, Any]]:
    """The figures ``names`` of the report: each chart's table, spec and SVG (drawn once per selection)."""
    with render.drawing() as draw:
        figs = _drawn(names, data, draw)
        for name, fig in figs.items():
            data.rendered[name] = svg = fig.pop("future").result()
            fig["svg"] = html_mod.trusted_svg(svg)
            fig["raw_svg"] = svg
    return figs


def figure(name: str, data: InventoryData) -> dict[str, Any]:
    """One figure of the report: its rendered SVG and its table."""
    return figures([name], data)[name]


def _chart_names(data: InventoryData) -> list[str]:
    """The report's charts for ``data``: none for an empty selection, the outcomes chart only when reported."""
    if not data.n:
        return []
    return [n for *_, names in SECTIONS for n in names] + (["outcomes"] if data.outcomes.with_outcomes else [])


def _outcomes_section(data: InventoryData, figs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The outcomes section: its headlines (with denominators), the chart, a table per indicator reported."""
    o = data.outcomes
    anchor, heading, intro = OUTCOMES
    section: dict[str, Any] = {"anchor": anchor, "heading": heading, "intro": intro, "figure": figs.get("outcomes"),
                               "headlines": [], "tables": [], "empty": None}
    if not o.with_outcomes:
        section["empty"] = (f"None of the {counted(o.n, 'partnership')} selected reports an outcome indicator, so "
                            "there are no outcomes over time to show.")
        return section
    section["headlines"] = o.headlines()
    section["tables"] = tables.outcome_tables(data)
    return section


def _filters_text(filters: dict[str, Any]) -> list[str]:
    return [f"{k.replace('_', ' ')}: {', '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in filters.items()] or ["none (the whole inventory)"]


def _sources(records: list[dict[str, Any]]) -> tuple[str | None, list[dict[str, Any]]]:
    """Every record's sources, by name, and the most common access date, said once instead of ~800 times.

    A source accessed on another date keeps its date; one without a date says so when a common date is stated.
    """
    dates = Counter(s.get("accessed") for r in records for s in r.get("sources") or [] if s.get("accessed"))
    common = dates.most_common(1)[0][0] if dates else None
    out = []
    for r in sorted(records, key=lambda r: str(r.get("name", "")).lower()):
        srcs = []
        for s in r.get("sources") or []:
            when = s.get("accessed")
            note = (None if when == common else f"accessed {when}" if when
                    else "no access date" if common else None)
            srcs.append({"title": s.get("title"), "url": s.get("url"), "note": note})
        out.append({"id": r.get("id", ""), "name": r.get("name", ""), "sources": srcs})
    return (str(common) if common else None), out


def overview(s: Stats) -> list[str]:
    """The overview's lead: N, countries and start years, or why there is nothing to show."""
    if not s.n:
        if s.filters:
            return [f"No partnership matches the filters ({'; '.join(_filters_text(s.filters))})."]
        return ["The inventory holds no partnerships yet: import some (smpatlas import FILE) and write the report "
                "again."]
    years = ("no start years" if s.year_min is None else
             f"{s.year_min}" if s.year_min == s.year_max else f"{s.year_min}–{s.year_max}")
    return [f"{counted(s.n, 'partnership')}, {counted(len(s.countries), 'country', 'countries')}, "
            f"{'start year' if s.year_min == s.year_max else 'start years'} {years}."]


def context(data: InventoryData, *, for_print: bool = False,
            figs: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Everything the inventory template shows.

    ``for_print``: the charts as SVG images (``data:`` URIs), which WeasyPrint parses apart from the page — much
    cheaper than inline SVG markup; ``figs``: figures already made (see :func:`pdf`).
    """
    s = data.stats
    if figs is None:
        figs = figures(_chart_names(data), data)
        if for_print:
            for fig in figs.values():
                fig["img"] = render.data_uri(render.for_print(fig["raw_svg"]))
    sections = [{"anchor": a, "heading": h, "intro": i, "figures": [figs[n] for n in names]}
                for a, h, i, names in SECTIONS] if s.n else []
    outcomes = _outcomes_section(data, figs) if s.n else None
    accessed, sources = _sources(data.records)
    return {
        "title": data.title, "generated": data.generated, "n": s.n, "n_text": counted(s.n, "partnership"),
        "overview": overview(s),
        "headlines": s.headlines(), "sections": sections, "outcomes": outcomes,
        "methodology": {"codebook_version": default_codebook().version, "rubric_version": data.portfolio.rubric_version,
                        "rubric_title": data.rubric.title, "filters": _filters_text(s.filters),
                        "date": data.generated, "palette": charts.PALETTE},
        "sources": sources, "accessed": accessed, "source_line": data.source_line(), "for_print": for_print,
    }


def html(data: InventoryData, *, for_print: bool = False) -> str:
    """The self-contained HTML report (``for_print``: the variant WeasyPrint prints, charts as SVG images)."""
    return html_mod.render("inventory.html", **context(data, for_print=for_print))


def pdf(data: InventoryData) -> bytes:
    """The PDF report: A4, page numbers, contents.

    The charts are drawn in the background while the page is written, parsed and styled; WeasyPrint fetches each
    (``smpatlas-chart:NAME``) when it lays it out, by which time it is usually drawn.
    """
    from smpatlas.report import pdf as pdf_mod

    with render.drawing() as draw:
        figs = _drawn(_chart_names(data), data, draw)
        for name, fig in figs.items():
            fig["img"] = pdf_mod.CHART_SCHEME + name
        page = html_mod.render("inventory.html", **context(data, for_print=True, figs=figs))

        def printed(fig: dict[str, Any]) -> Callable[[], bytes]:
            return lambda: render.for_print(fig["future"].result()).encode("utf-8")

        out = pdf_mod.from_html(page, {name: printed(fig) for name, fig in figs.items()})
        data.rendered.update((name, fig["future"].result()) for name, fig in figs.items())
    return out


#: File extensions that name a report format (``.htm`` is HTML).
SUFFIX_FORMATS = {"html": "html", "htm": "html", "pdf": "pdf", "xlsx": "xlsx"}


def resolve_format(out: Path, fmt: str | None, allowed: tuple[str, ...] = FORMATS) -> str:
    """The output format: ``fmt`` when given, else the file's extension.

    A ``fmt`` that contradicts the extension (``--out r.html --format pdf``) is refused: the file would say one
    format and hold another. An extension that is no format (``inventory.2024``) leaves ``fmt`` to decide.
    """
    if str(out) == "-":
        raise ConfigError("A report is written to a file, not to standard output: give a file name, e.g. "
                          f"--out report.{allowed[0]}.")
    suffix = out.suffix.lstrip(".").lower()
    from_suffix = SUFFIX_FORMATS.get(suffix)
    chosen = (fmt or suffix).lower()
    if chosen == "htm":
        chosen = "html"
    endings = ", ".join("." + a for a in allowed[:-1]) + f" or .{allowed[-1]}" if len(allowed) > 1 else f".{allowed[0]}"
    if chosen not in allowed:
        if fmt:
            raise ConfigError(f"Unknown format {fmt!r}: use --format {'|'.join(allowed)}.")
        if from_suffix is not None:  # a report format, but not one of this report's (a profile as .xlsx)
            raise ConfigError(f"This report cannot be written as {from_suffix.upper()} ({out.name!r}): use a file "
                              f"ending in {endings}.")
        raise ConfigError(f"Cannot tell which format to write for {out.name!r}: use a file ending in "
                          f"{endings}, or --format {'|'.join(allowed)}.")
    if from_suffix is not None and from_suffix != chosen:
        raise ConfigError(f"--format {fmt} contradicts the file name {out.name!r} (a .{suffix} file): give a file "
                          f"ending in .{chosen}, or leave out --format to write {from_suffix.upper()}.")
    return chosen


def check_destination(path: Path) -> None:
    """Refuse, before any work, a destination no report can be written to (``-``, a folder, a missing folder).

    Checked before the format, so ``--out reports`` (an existing folder) says it is a folder.
    """
    if str(path) != "-":
        outfiles.check_destination(path)


def write(atlas: Atlas, out: str | Path, *, fmt: str | None = None, filters: Filters | None = None,
          title: str | None = None) -> Path:
    """Write the inventory report to ``out`` as HTML, PDF or XLSX (by ``fmt`` or the extension).

    Written whole or not at all (:mod:`smpatlas.outfiles`): a failed write leaves the file that was there.
    """
    path = Path(out)
    check_destination(path)
    chosen = resolve_format(path, fmt)
    data = collect(atlas, filters, title=title)
    if chosen == "xlsx":
        from smpatlas.report import xlsx

        xlsx.write(data, path)
    elif chosen == "pdf":
        outfiles.write_bytes(path, pdf(data))
    else:
        outfiles.write_text(path, html(data))
    return path
