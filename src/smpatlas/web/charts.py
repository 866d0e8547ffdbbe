"""Vega-Lite specs for the dashboard, embedded in pages with vega-embed.

Owns :func:`dashboard_charts`: every chart of the dashboard's selection (the
whole inventory, or what its filters select) with its data table (the text
alternative the page shows under it), and :func:`outcomes_chart`, the Outcomes
page's chart (the report's, whose numbers are the page's tables). When the reports package is present
(``smpatlas.report.inventory.chart``: one spec function per chart in
``smpatlas.report.charts``/``maps``), its specs are embedded, so the web and the
reports show the same charts; without it, minimal specs built here from the
same statistics are used (their tables read from the spec's data). Data are
inlined in the spec (no URLs); text reaches the page only through Jinja's
``tojson``, so names cannot break out of the ``<script type="application/json">``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from smpatlas.analysis.outcomes import Outcomes
from smpatlas.analysis.stats import Stats
from smpatlas.atlas import Atlas
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
#: chart key → (title, codebook field) for the bar charts of distributions.
BAR_CHARTS = {
    "skill_levels": "Skill levels targeted",
    "mobility_types": "Mobility types",
    "sectors": "Sectors",
    "recognition_mechanism": "How qualifications are recognised",
    "destination_countries": "Destination countries",
}


def _data_table(title: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]],
                notes: Iterable[str] = (), cell: Callable[[Any, str], str] | None = None) -> dict[str, Any]:
    """A chart's numbers as the page's table: ``caption``, ``headings``, ``rows`` of text cells, ``notes``."""
    show = cell or _cell
    return {"caption": title, "headings": [h for _, h in columns],
            "rows": [[show(r.get(k), k) for k, _ in columns] for r in rows], "notes": list(notes)}


def _cell(value: Any, key: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _bar(title: str, rows: list[dict[str, Any]], n: int) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "title": {"text": title, "subtitle": f"Partnerships (of {n}); a partnership may count in several bars"},
        "data": {"values": rows},
        "mark": {"type": "bar", "color": PALETTE[0]},
        "encoding": {
            "y": {"field": "label", "type": "nominal", "sort": "-x", "title": None},
            "x": {"field": "count", "type": "quantitative", "title": "Partnerships"},
            "tooltip": [{"field": "label", "title": "Value"}, {"field": "count", "title": "Partnerships"}],
        },
        "width": "container",
    }


def _distribution(stats: dict[str, Any], name: str, top: int = 15) -> list[dict[str, Any]]:
    f = default_codebook()[name]
    values = stats["fields"][name]["values"]
    rows = [{"label": name_of(v) if f.kind == "countries" else v.replace("_", " "), "count": d["count"]}
            for v, d in values.items() if d["count"]]
    return sorted(rows, key=lambda r: -r["count"])[:top]


def _timeline(records: list[dict[str, Any]]) -> dict[str, Any]:
    years = Counter(r["start_year"] for r in records if r.get("start_year"))
    return {
        "$schema": SCHEMA,
        "title": {"text": "Partnerships by start year"},
        "data": {"values": [{"year": y, "count": c} for y, c in sorted(years.items())]},
        "mark": {"type": "bar", "color": PALETTE[2]},
        "encoding": {"x": {"field": "year", "type": "ordinal", "title": "Start year"},
                     "y": {"field": "count", "type": "quantitative", "title": "Partnerships"},
                     "tooltip": [{"field": "year"}, {"field": "count"}]},
        "width": "container",
    }


def _corridors(records: list[dict[str, Any]], top: int = 25) -> dict[str, Any]:
    pairs: Counter[tuple[str, str]] = Counter()
    for r in records:
        for o in r.get("origin_countries") or ():
            for d in r.get("destination_countries") or ():
                pairs[(o, d)] += 1
    rows = [{"origin": name_of(o), "destination": name_of(d), "count": c} for (o, d), c in pairs.most_common(top)]
    return {
        "$schema": SCHEMA,
        "title": {"text": "Corridors: origin → destination", "subtitle": f"The {len(rows)} most frequent pairs"},
        "data": {"values": rows},
        "mark": {"type": "rect"},
        "encoding": {
            "y": {"field": "origin", "type": "nominal", "title": "Origin", "sort": "-color"},
            "x": {"field": "destination", "type": "nominal", "title": "Destination", "sort": "-color"},
            "color": {"field": "count", "type": "quantitative", "title": "Partnerships", "scale": {"scheme": "blues"}},
            "tooltip": [{"field": "origin"}, {"field": "destination"}, {"field": "count", "title": "Partnerships"}],
        },
    }


#: The reports' charts shown on the dashboard, in order (names of ``smpatlas.report.inventory.CHARTS``).
REPORT_CHARTS = ("skill_levels", "mobility_types", "recognition", "sectors", "timeline", "corridors", "world_map",
                 "dimensions", "stakeholders")


def _from_reports(atlas: Atlas) -> Callable[[Stats, list[dict[str, Any]]], list[dict[str, Any]]] | None:
    """A function drawing the reports' charts (the same specs as in the PDF/HTML reports) for a selection, or None
    when the reports package is not there."""
    try:
        from smpatlas.report import inventory
        from smpatlas.report.html import cell
        from smpatlas.report.tables import InventoryData
    except ImportError:
        return None
    from smpatlas.analysis.portfolio import portfolio as portfolio_of

    def draw(stats: Stats, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # The selection's own records, statistics and portfolio: the page's filters may name any enumerated field,
        # which the reports' Filters (the CLI's) cannot all express, so the data are built here, not collected.
        recs = sorted(records, key=lambda r: str(r.get("id")))  # the reports' order (atlas.records: by id)
        data = InventoryData(stats=stats, records=recs, rubric=atlas.rubric,
                             portfolio=portfolio_of(recs, atlas.rubric, atlas.context, filters=stats.filters))
        out = []
        for name in REPORT_CHARTS:
            if name in inventory.CHARTS:
                table, spec = inventory.chart(name, data)
                out.append({"key": name, "title": table.title, "spec": spec,
                            "table": _data_table(table.title, table.columns, table.rows, table.notes, cell)})
        return out

    return draw


def dashboard_charts(atlas: Atlas, stats: Stats, records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """``[{"key", "title", "spec", "table"}]`` for the dashboard, over the selection ``records`` (``stats`` being
    theirs): the reports' charts, else the minimal ones here; ``table`` is the chart's numbers in text (see
    :func:`_data_table`), shown with the chart for those who cannot see it. An empty selection has no charts (a
    chart of nothing says nothing)."""
    recs = list(records)
    if not stats.n:
        return []
    from_reports = _from_reports(atlas)
    if from_reports is not None:
        drawn = from_reports(stats, recs)
        if drawn:
            return drawn
    d = stats.to_dict()
    made: list[tuple[str, str, dict[str, Any], list[tuple[str, str]]]] = [
        (key, title, _bar(title, _distribution(d, key), stats.n), [("label", "Value"), ("count", "Partnerships")])
        for key, title in BAR_CHARTS.items()]
    made.append(("timeline", "Start years", _timeline(recs), [("year", "Start year"), ("count", "Partnerships")]))
    made.append(("corridors", "Corridors", _corridors(recs),
                 [("origin", "Origin"), ("destination", "Destination"), ("count", "Partnerships")]))
    return [{"key": key, "title": title, "spec": spec, "table": _data_table(title, columns, spec["data"]["values"])}
            for key, title, spec, columns in made]


def outcomes_chart(o: Outcomes, described: str) -> dict[str, Any] | None:
    """``{"key", "title", "spec"}`` of the Outcomes page: people per year, a panel per indicator (the report's chart,
    :func:`smpatlas.report.charts.outcomes`); None when no line falls within one year (nothing to draw) or the
    reports package is not there. The page's tables hold its numbers."""
    try:
        from smpatlas.report import charts as report_charts
        from smpatlas.report.tables import counted, outcomes_table
    except ImportError:
        return None
    table = outcomes_table(o)
    if not table.rows:
        return None
    source = f"Source: SMP Atlas inventory, {counted(o.n, 'partnership')}; filters: {described or 'none'}."
    with report_charts.unchecked():
        spec = report_charts.outcomes(table, source)
    return {"key": "outcomes", "title": table.title, "spec": spec}
