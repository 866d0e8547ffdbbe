"""Corridor charts: the world map of partnership counts and the origin → destination flow.

Owns the shipped Natural Earth boundaries (``data/world/countries-110m.json``
from the ``world-atlas`` package, ISC licence; see ``data/world/LICENSE.md``),
the join of ISO alpha-3 codes to its features, and the two corridor specs.
The TopoJSON is inlined in the map spec (never a URL), so the map renders
offline. Countries the 1:110m map cannot show (small islands) are named in
the caption instead.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import altair as alt
import pycountry

from smpatlas.report.charts import PALETTE, WIDTH, Spec, _config, _title, inline
from smpatlas.report.tables import Table

#: Map features without an ISO numeric id, joined by their Natural Earth name.
BY_NAME = {"XKX": "Kosovo"}
ANTARCTICA = "010"
#: The fill of a country no partnership involves.
NO_DATA_GREY = "#EEEEEE"


def legend_values(counts: list[int], most: int = 5) -> list[int]:
    """At most ``most`` whole numbers from the smallest to the largest of ``counts`` for a legend (never a 0.5)."""
    positive = [c for c in counts if c > 0]
    if not positive:
        return []
    lo, hi = min(positive), max(positive)
    if hi - lo < most:
        return list(range(lo, hi + 1))
    step = (hi - lo) / (most - 1)
    return sorted({lo + round(i * step) for i in range(most)})


def _domain(counts: list[dict[str, Any]]) -> list[int] | None:
    """The colour scale's domain: the smallest to the largest count drawn (None when nothing is drawn)."""
    values = [c["count"] for c in counts if c["count"] > 0]
    return [min(values), max(values)] if values else None


@cache
def world() -> dict[str, Any]:
    """The world-atlas 1:110m TopoJSON (countries and land)."""
    text = resources.files("smpatlas").joinpath("data/world/countries-110m.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@cache
def _feature_keys() -> frozenset[str]:
    geoms = world()["objects"]["countries"]["geometries"]
    return frozenset(g.get("id") or g["properties"]["name"] for g in geoms)


def feature_key(alpha3: str) -> str | None:
    """The key of a country's feature in the map (ISO numeric, or name), or None when it is not drawn."""
    if alpha3 in BY_NAME:
        key: str | None = BY_NAME[alpha3]
    else:
        c = pycountry.countries.get(alpha_3=alpha3)
        key = c.numeric if c is not None else None
    return key if key in _feature_keys() else None


def not_drawn(table: Table) -> list[str]:
    """Countries of the table that the 1:110m map cannot show."""
    return [r["label"] for r in table.rows if feature_key(r["code"]) is None]


def world_map(table: Table, source: str) -> Spec:
    """Partnerships involving each country (as origin or destination), on an Equal Earth map."""
    counts = [{"key": k, "label": r["label"], "count": r["count"], "origin": r["origin"],
               "destination": r["destination"]}
              for r in table.rows if (k := feature_key(r["code"])) is not None]
    missing = not_drawn(table)
    caption = source + " Countries in grey have none." + (f" Too small for the map: {', '.join(missing)}."
                                                           if missing else "")
    # A placeholder keeps Altair from walking ~100 kB of TopoJSON; the real data is put in afterwards.
    geo = inline([{}], {"type": "topojson", "feature": "countries"})
    # Every country is drawn: one without partnerships gets 0 (light grey) and its map name, so the map keeps the
    # whole world (Vega-Lite drops a shape whose colour field is missing, and the projection would then fit the
    # few countries left). The legend is a few swatches of whole numbers, not a gradient.
    chart = alt.Chart(geo).mark_geoshape(stroke="white", strokeWidth=0.4).transform_filter(
        f"datum.id !== '{ANTARCTICA}'"
    ).transform_calculate(key="datum.id ? datum.id : datum.properties.name").transform_lookup(
        lookup="key", from_=alt.LookupData(inline(counts), key="key",
                                           fields=["label", "count", "origin", "destination"]),
    ).transform_calculate(
        label="isValid(datum.label) ? datum.label : datum.properties.name",
        count="isValid(datum.count) ? datum.count : 0",
        origin="isValid(datum.origin) ? datum.origin : 0",
        destination="isValid(datum.destination) ? datum.destination : 0",
    ).encode(
        color=alt.condition("datum.count > 0",
                            alt.Color("count:Q", title="Partnerships",
                                      scale=alt.Scale(scheme="blues", domain=_domain(counts) or alt.Undefined),
                                      legend=alt.Legend(type="symbol", values=legend_values(
                                          [c["count"] for c in counts]), format="d", symbolType="square",
                                          symbolSize=150, symbolStrokeWidth=0)),
                            alt.value(NO_DATA_GREY)),
        tooltip=[alt.Tooltip("label:N", title="Country"), alt.Tooltip("count:Q", title="Partnerships"),
                 alt.Tooltip("origin:Q", title="As origin"), alt.Tooltip("destination:Q", title="As destination")],
    ).project(type="equalEarth").properties(width=WIDTH + 120, height=300, title=_title(table, caption))
    spec = _config(chart, validate=False)
    spec["data"]["values"] = world()
    return spec


def corridors(table: Table, source: str) -> Spec:
    """Origin → destination flows as a bipartite chart: a line per corridor, thicker for more partnerships."""
    o_tot: dict[str, int] = {}
    d_tot: dict[str, int] = {}
    for r in table.rows:
        o_tot[r["origin"]] = o_tot.get(r["origin"], 0) + r["count"]
        d_tot[r["destination"]] = d_tot.get(r["destination"], 0) + r["count"]
    origins = sorted(o_tot, key=lambda k: (-o_tot[k], k))
    dests = sorted(d_tot, key=lambda k: (-d_tot[k], k))
    span = max(len(origins), len(dests), 1)

    def pos(i: int, n: int) -> float:
        return (i + 0.5) * span / n

    links = [{**r, "x0": 0, "x1": 1, "y0": pos(origins.index(r["origin"]), len(origins)),
              "y1": pos(dests.index(r["destination"]), len(dests))} for r in table.rows]
    nodes = ([{"side": "origin", "x": 0, "y": pos(i, len(origins)), "text": f"{o} ({o_tot[o]})"}
              for i, o in enumerate(origins)]
             + [{"side": "destination", "x": 1, "y": pos(i, len(dests)), "text": f"{d} ({d_tot[d]})"}
                for i, d in enumerate(dests)])
    x = alt.X("x0:Q", axis=None, scale=alt.Scale(domain=[0, 1]))
    y = alt.Y("y0:Q", axis=None, scale=alt.Scale(domain=[span, 0]))
    top = max((r["count"] for r in table.rows), default=1)
    lines = alt.Chart(inline(links)).mark_rule(color=PALETTE[0], opacity=0.55).encode(
        x=x, x2="x1:Q", y=y, y2="y1:Q",
        strokeWidth=alt.StrokeWidth("count:Q", title="Partnerships", scale=alt.Scale(domain=[0, top], range=[0.5, 10]),
                                    legend=alt.Legend(orient="bottom", format="d",
                                                      values=legend_values([r["count"] for r in table.rows]))),
        tooltip=[alt.Tooltip("origin:N", title="Origin"), alt.Tooltip("destination:N", title="Destination"),
                 alt.Tooltip("count:Q", title="Partnerships")],
    )
    base = alt.Chart(inline(nodes)).encode(
        x=alt.X("x:Q", axis=None, scale=alt.Scale(domain=[0, 1])), y=alt.Y("y:Q", axis=None,
                                                                          scale=alt.Scale(domain=[span, 0])),
        text="text:N")
    left = base.transform_filter("datum.side === 'origin'").mark_text(align="right", dx=-6, fontSize=10)
    right = base.transform_filter("datum.side === 'destination'").mark_text(align="left", dx=6, fontSize=10)
    chart = (lines + left + right).properties(width=220, height=max(120, 16 * span),
                                              title=_title(table, "Origins on the left, destinations on the right. "
                                                           + source))
    return _config(chart)
