"""Chart specifications: one function per chart, each returning a Vega-Lite spec dict.

Owns the colour palette (Okabe–Ito, safe for the common colour-vision
deficiencies, with greys reserved for "not specified" and "not coded"), the
shared look of every chart (plain-word titles and axis labels, the source in
the caption) and the spec of every chart in the inventory report and the
partnership profile. The specs are plain JSON-able dicts built with Altair —
the same specs the web UI embeds — and carry their data inline, so rendering
them needs no network. The map and the corridor flow live in :mod:`maps`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import altair as alt

from smpatlas.report.tables import Share, Table

#: Okabe & Ito (2008) colour-blind-safe palette; the first colour is the default bar colour.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Greys for values that are not data: coded "unspecified" and not coded at all.
UNSPECIFIED_GREY = "#8C8C8C"
NOT_CODED_GREY = "#CFCFCF"
KIND_LABELS = {"value": "Coded", "unspecified": "Not specified in the sources", "missing": "Not coded"}
WIDTH = 440
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"

Spec = dict[str, Any]


#: Category labels longer than this are cut, with an ellipsis, by character count (the table beside the chart has
#: them in full). Vega's own cut (``labelLimit`` in pixels) measures the label again for every character it drops:
#: ~0.35 s for the gap-flag chart alone in vl-convert.
LABEL_CHARS = 46
_LABEL_EXPR = (f"length(datum.label) > {LABEL_CHARS} ? "
               f"substring(datum.label, 0, {LABEL_CHARS - 1}) + '…' : datum.label")


def _config(chart: alt.TopLevelMixin, *, validate: bool = False) -> Spec:
    """The chart with the house look, as a dict (schema checks are left to the tests: they cost ~0.1 s a chart)."""
    spec: Spec = chart.configure(font=FONT, background="white").configure_view(stroke=None).configure_axis(
        labelFontSize=11, titleFontSize=11, labelLimit=240, grid=False).configure_axisBand(
        labelLimit=0, labelExpr=_LABEL_EXPR).configure_title(
        anchor="start", fontSize=14, subtitleFontSize=10, subtitleColor="#444").configure_legend(
        orient="bottom", titleFontSize=10, labelFontSize=10).to_dict(validate=validate)
    return spec


def unchecked() -> AbstractContextManager[None]:
    """Altair's schema check of every object as it is built, off (~0.3 s for the 15 inventory charts).

    The spec is the same either way; vl-convert still rejects an invalid one when it draws it.
    """
    return alt.utils.schemapi.debug_mode(False)


def inline(values: Any, fmt: Any = None) -> alt.Data:
    """Data carried inside the spec (never a URL)."""
    if fmt is None:
        return alt.Data(values=values)  # type: ignore[no-untyped-call]
    return alt.Data(values=values, format=fmt)  # type: ignore[no-untyped-call]


def _title(table: Table, source: str) -> alt.TitleParams:
    return alt.TitleParams(table.title, subtitle=_wrap(source), subtitlePadding=4)


def _wrap(text: str, width: int = 95) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        if line and len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines


#: Up to this largest count a count axis has a tick at every whole number (Vega's ``tickMinStep`` lets 0.5 through,
#: labelled "1" by the whole-number format: an axis of 0, 1, 1); above it, Vega's own ticks, whole numbers only.
ALL_TICKS_UP_TO = 10
#: At most this many labels on an axis of periods or years (every k-th label is shown; the table has them all).
MAX_PERIOD_LABELS = 20


def count_axis(top: int | float | None, **kwargs: Any) -> alt.Axis:
    """An axis of partnership counts from 0 to ``top``: whole-number ticks only, never a repeated label."""
    top = int(top or 0)
    if top <= ALL_TICKS_UP_TO:
        return alt.Axis(format="d", values=list(range(0, max(top, 1) + 1)), **kwargs)
    return alt.Axis(format="d", tickMinStep=1, **kwargs)


def every_kth(labels: list[str], most: int = MAX_PERIOD_LABELS) -> list[str]:
    """``labels`` thinned to at most ``most`` evenly spaced ones (the first and, where it fits, the last kept)."""
    if len(labels) <= most:
        return labels
    step = -(-len(labels) // most)
    return labels[::step]


def year_labels(years: list[str], most: int = MAX_PERIOD_LABELS) -> list[str]:
    """The years to label on a timeline: all of them, or the multiples of 2, 5, 10, … that keep to ``most``."""
    if len(years) <= most:
        return years
    for step in (2, 5, 10, 20, 25, 50, 100):
        shown = [y for y in years if y.isdigit() and int(y) % step == 0]
        if len(shown) <= most:
            return shown
    return every_kth(years, most)


def _percent(share: float) -> str:
    """A share as the tables print it: rounded once from its exact count ÷ denominator when it has them."""
    return share.percent() if isinstance(share, Share) else f"{share:.0%}"


def _share_text(row: dict[str, Any]) -> str:
    share = row.get("share")
    return f"{row['count']:,}" + (f" ({_percent(share)})" if share is not None else "")


def _category_bars(table: Table, source: str, category_title: str) -> Spec:
    """Horizontal bars for the categories of one field, greys for not specified / not coded."""
    rows = [{**r, "kind_label": KIND_LABELS[r.get("kind", "value")], "text": _share_text(r)} for r in table.rows]
    present = [k for k in KIND_LABELS.values() if any(r["kind_label"] == k for r in rows)]
    colours = {KIND_LABELS["value"]: PALETTE[0], KIND_LABELS["unspecified"]: UNSPECIFIED_GREY,
               KIND_LABELS["missing"]: NOT_CODED_GREY}
    order = [r["label"] for r in rows]
    base = alt.Chart(inline(rows)).encode(
        y=alt.Y("label:N", title=category_title, sort=order),
        x=alt.X("count:Q", title="Partnerships", axis=count_axis(max((r["count"] for r in rows), default=0))),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("kind_label:N", title=None, scale=alt.Scale(domain=present, range=[colours[k] for k in present]),
                        legend=alt.Legend() if len(present) > 1 else None),
        tooltip=[alt.Tooltip("label:N", title=category_title), alt.Tooltip("count:Q", title="Partnerships"),
                 alt.Tooltip("text:N", title="Count and share")],
    )
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#222").encode(text="text:N")
    chart = (bars + labels).properties(width=WIDTH, height=alt.Step(20), title=_title(table, source))
    return _config(chart)


def skill_levels(table: Table, source: str) -> Spec:
    """Skill levels targeted (multi-label)."""
    return _category_bars(table, source, "Skill level")


def mobility_types(table: Table, source: str) -> Spec:
    """Mobility options offered."""
    return _category_bars(table, source, "Mobility type")


def recognition(table: Table, source: str) -> Spec:
    """How qualifications are recognised at the destination."""
    return _category_bars(table, source, "Recognition")


def integration(table: Table, source: str) -> Spec:
    """Integration support at the destination."""
    return _category_bars(table, source, "Integration support")


def reintegration(table: Table, source: str) -> Spec:
    """Reintegration support after return."""
    return _category_bars(table, source, "Reintegration support")


def target_groups(table: Table, source: str) -> Spec:
    """Underrepresented groups targeted."""
    return _category_bars(table, source, "Target group")


def sectors(table: Table, source: str) -> Spec:
    """Economic sectors targeted."""
    return _category_bars(table, source, "Sector")


def planned_scale(table: Table, source: str) -> Spec:
    """Planned number of participants, in bins."""
    return _category_bars(table, source, "Planned participants")


def timeline(table: Table, source: str) -> Spec:
    """Partnerships by start year: vertical bars, one per year (empty years kept)."""
    rows = [{**r, "text": f"{r['count']}"} for r in table.rows]
    years = [r["label"] for r in rows]
    chart = alt.Chart(inline(rows)).mark_bar(color=PALETTE[0]).encode(
        x=alt.X("label:O", title="Start year", sort=years, axis=alt.Axis(labelAngle=-60, values=year_labels(years))),
        y=alt.Y("count:Q", title="Partnerships started",
                axis=count_axis(max((r["count"] for r in rows), default=0))),
        tooltip=[alt.Tooltip("label:O", title="Start year"), alt.Tooltip("count:Q", title="Partnerships")],
    ).properties(width=WIDTH, height=180, title=_title(table, source))
    return _config(chart)


def dimensions(table: Table, source: str) -> Spec:
    """The six dimensions: a stacked bar per dimension, split by score band (sequential blues, grey = not scored)."""
    bands = ["Score 0", "Score 1", "Score 2", "Score 3", "Score 4", "Not scored"]
    colours = ["#DEEBF7", "#9ECAE1", "#4292C6", "#2171B5", "#08306B", NOT_CODED_GREY]
    rows = [{**r, "band": bands.index(r["label"])} for r in table.rows]
    chart = alt.Chart(inline(rows)).mark_bar(stroke="white", strokeWidth=0.5).encode(
        y=alt.Y("dimension:N", title=None, sort=list(dict.fromkeys(r["dimension"] for r in rows))),
        x=alt.X("count:Q", title="Partnerships", stack="zero", axis=count_axis(_largest_stack(rows, "dimension"))),
        color=alt.Color("label:N", title="Score (0–4)", scale=alt.Scale(domain=bands, range=colours)),
        order=alt.Order("band:Q"),
        tooltip=[alt.Tooltip("category_key:N", title="Dimension and score"),
                 alt.Tooltip("count:Q", title="Partnerships")],
    ).properties(width=WIDTH, height=alt.Step(24), title=_title(table, source))
    return _config(chart)


def _largest_stack(rows: list[dict[str, Any]], key: str) -> int:
    totals: dict[Any, int] = {}
    for r in rows:
        totals[r[key]] = totals.get(r[key], 0) + int(r["count"])
    return max(totals.values(), default=0)


def gap_flags(table: Table, source: str) -> Spec:
    """Share of the partnerships where each gap flag could be judged; a flag judged for none says so."""
    rows = [{**r, "plot": r["share"] if r["share"] is not None else 0.0,
             "text": "cannot be assessed" if r["share"] is None else
             f"{r['count']:,} of {r['known']:,} ({_percent(r['share'])})"}
            for r in table.rows]
    base = alt.Chart(inline(rows)).encode(
        y=alt.Y("label:N", title=None, sort=[r["label"] for r in rows]),
        x=alt.X("plot:Q", title="Share of the partnerships where it could be judged", axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
    )
    bars = base.mark_bar(color=PALETTE[5]).encode(
        tooltip=[alt.Tooltip("label:N", title="Gap"), alt.Tooltip("text:N", title="Raised in, of those judged")])
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#222").encode(text="text:N")
    return _config((bars + labels).properties(width=WIDTH - 80, height=alt.Step(20), title=_title(table, source)))


def _party_bars(table: Table, source: str, value: str, value_title: str, colour: str) -> Spec:
    rows = [{**r, "text": "not scored" if r[value] is None else f"{r[value]:.0f}"} for r in table.rows]
    base = alt.Chart(inline(rows)).encode(
        y=alt.Y("label:N", title=None, sort=[r["label"] for r in rows]),
        x=alt.X(f"{value}:Q", title=value_title, scale=alt.Scale(domain=[0, 100])),
    )
    bars = base.mark_bar(color=colour).encode(
        tooltip=[alt.Tooltip("label:N", title="Party"), alt.Tooltip("text:N", title=value_title)])
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#222").encode(
        x=alt.X(f"{value}:Q", scale=alt.Scale(domain=[0, 100]), impute=None), text="text:N")
    labels = labels.transform_calculate(**{value: f"datum.{value} === null ? 0 : datum.{value}"})
    return _config((bars + labels).properties(width=WIDTH - 120, height=alt.Step(22), title=_title(table, source)))


def stakeholders(table: Table, source: str) -> Spec:
    """Mean stakeholder score per party across the portfolio (0–100)."""
    return _party_bars(table, source, "mean", "Mean score (0–100)", PALETTE[2])


def outcomes(table: Table, source: str) -> Spec:
    """People per year for each outcome indicator (small multiples; lines spanning years are not drawn)."""
    rows = [{**r, "text": f"{r['people']:,}" if isinstance(r["people"], int) else f"{r['people']:,.6g}"}
            for r in table.rows]
    indicators = list(dict.fromkeys(r["indicator"] for r in rows))
    if not indicators:  # nothing to draw: say so rather than show empty axes
        empty = alt.Chart(inline([{"text": "No outcome indicator is reported in this selection."}])).mark_text(
            align="left", fontSize=11, color="#444").encode(text="text:N")
        return _config(empty.properties(width=WIDTH, height=24, title=_title(table, source)))
    found = [int(r["year"]) for r in rows]
    years = [str(y) for y in range(min(found), max(found) + 1)]  # empty years kept, shared by every panel
    panels = []
    columns = 1 if len(indicators) == 1 else 2  # two panels a row: the chart stays legible on an A4 page
    for i, ind in enumerate(indicators):
        mine = [{**r, "year": str(r["year"])} for r in rows if r["indicator"] == ind]
        top = max((r["people"] for r in mine), default=0)
        panels.append(alt.Chart(inline(mine)).mark_bar(color=PALETTE[i % len(PALETTE)]).encode(
            x=alt.X("year:O", title="Year" if i >= len(indicators) - columns else None, sort=years,
                    scale=alt.Scale(domain=years),
                    axis=alt.Axis(labelAngle=-60, values=year_labels(years, 20 if columns == 1 else 9))),
            y=alt.Y("people:Q", title="People", axis=count_axis(top, tickCount=4)),
            tooltip=[alt.Tooltip("label:N", title="Indicator, year"), alt.Tooltip("text:N", title="People"),
                     alt.Tooltip("of_reporting:N", title="Partnerships, of those reporting")],
        ).properties(width=WIDTH if columns == 1 else WIDTH // 2, height=70,
                     title=alt.TitleParams(ind, fontSize=11, anchor="start")))
    return _config(alt.concat(*panels, columns=columns, spacing=16).properties(title=_title(table, source)))


# -- the partnership profile ----------------------------------------------------
def profile_dimensions(table: Table, source: str) -> Spec:
    """One partnership's six dimension scores (0–4) with their coverage; unscored dimensions say so."""
    rows = [{**r, "plot": r["score"] if r["score"] is not None else 0} for r in table.rows]
    base = alt.Chart(inline(rows)).encode(
        y=alt.Y("label:N", title=None, sort=[r["label"] for r in rows]),
        x=alt.X("plot:Q", title="Score (0–4)", scale=alt.Scale(domain=[0, 4]), axis=alt.Axis(tickCount=4)),
    )
    bars = base.mark_bar(color=PALETTE[0]).encode(
        opacity=alt.Opacity("coverage:Q", title="Coverage", scale=alt.Scale(domain=[0, 1], range=[0.35, 1]),
                            legend=None),
        tooltip=[alt.Tooltip("label:N", title="Dimension"), alt.Tooltip("text:N", title="Score and coverage")])
    labels = base.mark_text(align="left", dx=3, fontSize=10, color="#222").encode(text="text:N")
    return _config((bars + labels).properties(width=170, height=alt.Step(18), title=_title(table, source)))


def profile_stakeholders(table: Table, source: str) -> Spec:
    """One partnership's stakeholder profile (0–100)."""
    return _party_bars(table, source, "score", "Score (0–100)", PALETTE[2])


def profile_outcomes(table: Table, source: str) -> Spec:
    """Outcome indicators over time: one line (with points) per indicator."""
    periods = sorted({str(r["period"]) for r in table.rows})
    chart = alt.Chart(inline(table.rows)).mark_line(point=True).encode(
        x=alt.X("period:O", title="Period", sort=periods,
                axis=alt.Axis(labelAngle=0 if len(periods) <= 6 else -45, values=every_kth(periods, 8))),
        y=alt.Y("value:Q", title="Value", axis=alt.Axis(tickCount=3)),
        color=alt.Color("label:N", title="Indicator", scale=alt.Scale(range=list(PALETTE)),
                        legend=alt.Legend(orient="right")),
        tooltip=[alt.Tooltip("label:N", title="Indicator"), alt.Tooltip("period:O", title="Period"),
                 alt.Tooltip("value:Q", title="Value")],
    ).properties(width=260, height=60, title=_title(table, source))
    return _config(chart)


ChartFn = Callable[[Table, str], Spec]
#: Inventory chart name → spec function (see :data:`smpatlas.report.tables.BUILDERS` for the tables).
SPECS: dict[str, ChartFn] = {
    "skill_levels": skill_levels, "mobility_types": mobility_types, "recognition": recognition,
    "integration": integration, "reintegration": reintegration, "target_groups": target_groups,
    "planned_scale": planned_scale, "timeline": timeline, "sectors": sectors,
    "dimensions": dimensions, "gap_flags": gap_flags, "stakeholders": stakeholders, "outcomes": outcomes,
}
