"""Inventory statistics: distributions of every coded field and the seed's figures.

Owns :func:`compute_columns` (for every field its distribution with count,
denominator, share, missing and unspecified; the derived figures of the seed
commentary; cross-tabulations), its entry points :func:`of_selection` (read
from the database as columns, see :mod:`columns`) and :func:`compute` (over
canonical records), and which fields can be cross-tabulated. Each figure is
computed once per distinct value (or combination of the fields it declares)
and weighted by the number of records holding it. Multi-valued fields are multi-label:
each value's share is of N, so shares may sum past 100%. Nothing here is
stored; every figure states its denominator and what was missing.

The result, :class:`Stats` with its renderings, lives in :mod:`stats_result`;
the seed's derived figures (what each counts per record) in :mod:`seed_figures`.
Both are importable from here as before; neither imports this module.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import product
from typing import Any

from sqlalchemy import Connection

from smpatlas.analysis.columns import HAS, ITEM_KEYS, Columns, fetch_chunks, paused_gc
from smpatlas.analysis.seed_figures import BEYOND_LANGUAGE as BEYOND_LANGUAGE
from smpatlas.analysis.seed_figures import DERIVED as DERIVED
from smpatlas.analysis.seed_figures import MISSING as MISSING
from smpatlas.analysis.seed_figures import OUTSIDE as OUTSIDE
from smpatlas.analysis.seed_figures import REAL_REINTEGRATION as REAL_REINTEGRATION
from smpatlas.analysis.seed_figures import REMOTE as REMOTE
from smpatlas.analysis.seed_figures import derived_blocks
from smpatlas.analysis.stats_options import DEFAULT_SCALE_THRESHOLD as DEFAULT_SCALE_THRESHOLD
from smpatlas.analysis.stats_options import SUMMARY_STATS as SUMMARY_STATS
from smpatlas.analysis.stats_options import YEARS as YEARS
from smpatlas.analysis.stats_result import Distribution as Distribution
from smpatlas.analysis.stats_result import Stats as Stats
from smpatlas.analysis.stats_result import number_summary as number_summary
from smpatlas.analysis.stats_result import share as share
from smpatlas.codebook import UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.store.filters import Filters

#: Fields that can be cross-tabulated besides the enumerated ones.
GROUPINGS = ("origin_countries", "destination_countries", "start_year", "end_year", "occupations")


def _values(rec: dict[str, Any], f: Field) -> list[Any] | None:
    v = rec.get(f.name)
    if v is None:
        return None
    if f.kind in ("bool", "tristate"):
        return ["true" if v is True else "false" if v is False else v]
    if f.nested:
        key = ITEM_KEYS.get(f.kind)
        return [item.get(key) or "not given" for item in v] if key else ["source"] * len(v)
    return v if isinstance(v, list) else [v]


#: A cross-tabulation key: the field is not coded.
NOT_CODED = "(missing)"
#: What a country grouping (origin_region, destination_eu, …) gives a code it has no group for; of the accepted
#: codes only the region EU has none (smpatlas.reference.country_groups.group_of: it is not a country).
NO_GROUP = "(no group)"
NO_GROUP_NOTE = (" '(no group)' = a code the country grouping (country-converter's country table) has no row for: "
                 "of the codes allowed in country fields, only the region EU (the European Union as a party to a "
                 "multilateral scheme), which is not a country.")


def _grouping(name: str) -> tuple[str, str] | None:
    """'origin_region' → ('origin_countries', 'region'); None for codebook fields."""
    from smpatlas.reference.country_groups import GROUPINGS

    for side in ("origin", "destination"):
        for g in GROUPINGS:
            if name == f"{side}_{g}":
                return f"{side}_countries", g
    return None


def _keys(rec: dict[str, Any], name: str, cb: Codebook) -> list[str]:
    grouping = _grouping(name)
    if grouping is not None:
        from smpatlas.reference.country_groups import group_of

        codes = rec.get(grouping[0]) or []
        return list(dict.fromkeys(group_of(c, grouping[1]) for c in codes)) or [NOT_CODED]
    vals = _values(rec, cb[name])
    return [str(v) for v in dict.fromkeys(vals)] if vals else [NOT_CODED]


#: Fields without a distribution (free text and bookkeeping).
SKIPPED = frozenset({"id", "name", "acronym", "summary", "notes", "coder", "codebook_version"})


def needed_fields(by: list[str] | None = None, cb: Codebook | None = None) -> list[str]:
    """The columns :func:`compute_columns` reads."""
    cb = cb or default_codebook()
    names = [HAS + f.name if f.kind == "sources" else f.name for f in cb.fields if f.name not in SKIPPED]
    for inputs, _ in DERIVED.values():
        names += inputs
    for name in by or []:
        grouping = _grouping(name)
        names.append(grouping[0] if grouping else name)
    return list(dict.fromkeys([*names, "origin_countries", "destination_countries", "start_year",
                               "planned_participants"]))


def _check_by(by: list[str], cb: Codebook) -> None:
    """Refuse what cannot be cross-tabulated: free text, numbers other than years (no bands are defined, so
    every distinct number would be a row of its own), the same field twice (its cells would be labelled by
    one value), more than two fields."""
    for name in by:
        if _grouping(name) is not None or name in YEARS:
            continue
        if name in cb and cb[name].kind in ("int", "number"):
            hint = (" For scale, the figure planned_participants_above_threshold counts partnerships planning "
                    "more than --scale-threshold participants." if name == "planned_participants" else "")
            raise ConfigError(f"Cannot cross-tabulate by {name!r}: {name!r} is a number, and no bands are defined "
                              "for it, so every distinct number would be a row of its own. Its min, median, max "
                              f"and mean are in the field figures (stats without --by).{hint} Numbers that can "
                              "be cross-tabulated: --by start_year, --by end_year.")
        if name not in cb or not (cb[name].enumerated or cb[name].kind in ("countries", "isco")):
            raise ConfigError(f"Cannot cross-tabulate by {name!r}; use an enumerated field, a country field, "
                              "occupations, start_year, end_year, or a country grouping such as origin_region, "
                              "destination_continent, destination_eu.")
    for i, name in enumerate(by):
        if name in by[:i]:
            raise ConfigError(f"--by {name} given twice; cross-tabulate by two different fields (--by A --by B).")
    if len(by) > 2:
        raise ConfigError("Cross-tabulate by at most two fields (--by A --by B).")


def compute(records: Iterable[dict[str, Any]], *, filters: dict[str, Any] | None = None,
            scale_threshold: int = DEFAULT_SCALE_THRESHOLD, by: list[str] | None = None,
            cb: Codebook | None = None) -> Stats:
    """Statistics over canonical ``records`` (the records are not kept)."""
    cb = cb or default_codebook()
    _check_by(by or [], cb)
    cols = Columns.from_records(records, needed_fields(by, cb))
    return compute_columns(cols, filters=filters, scale_threshold=scale_threshold, by=by, cb=cb)


def of_selection(conn: Connection, filters: Filters | None = None, *,
                 scale_threshold: int = DEFAULT_SCALE_THRESHOLD, by: list[str] | None = None) -> Stats:
    """Statistics over the partnerships ``filters`` select, read from the database as columns, in chunks."""
    cb = default_codebook()
    by = by or []
    _check_by(by, cb)
    tally = _Tally(cb, by, scale_threshold)
    with paused_gc():
        items = [(f.name, ITEM_KEYS[f.kind]) for f in cb.fields if f.kind in ITEM_KEYS and f.name not in SKIPPED]
        for cols in fetch_chunks(conn, filters, needed_fields(by, cb), items=items):
            tally.add(cols)
    return tally.stats(filters.to_dict() if filters else {})


def compute_columns(cols: Columns, *, filters: dict[str, Any] | None = None,
                    scale_threshold: int = DEFAULT_SCALE_THRESHOLD, by: list[str] | None = None,
                    cb: Codebook | None = None) -> Stats:
    """Statistics over a column view of the selection (see :mod:`columns`)."""
    cb = cb or default_codebook()
    by = by or []
    _check_by(by, cb)
    tally = _Tally(cb, by, scale_threshold)
    tally.add(cols)
    return tally.stats(filters or {})


class _Tally:
    """Every figure's counts, summed chunk by chunk of records.

    Every figure is a sum over records; within a chunk each is computed once
    per distinct value (or combination of the fields it reads) and weighted by
    the number of records holding it, which gives the same counts as a pass
    over every record.
    """

    def __init__(self, cb: Codebook, by: list[str], scale_threshold: int) -> None:
        self.cb, self.by, self.threshold = cb, by, scale_threshold
        self.n = 0
        self.fields = [f for f in cb.fields if f.name not in SKIPPED]
        self.dists = {f.name: Distribution(0, multi=f.multi, order=list(f.values())) for f in self.fields}
        self.labels: dict[str, Counter[str]] = {name: Counter() for name in DERIVED}
        self.countries: set[str] = set()
        self.years: list[int] = []
        self.planned_known = self.planned_above = 0
        self.cross: Counter[tuple[str, ...]] = Counter()
        self.cross_missing = 0  # partnerships with at least one --by field not coded
        self.margins: list[Counter[str]] = [Counter() for _ in by]

    def add(self, cols: Columns) -> None:
        n = cols.n
        self.n += n
        sets: dict[str, tuple[Counter[str], int, int]] = {}
        numbers: dict[str, Counter[Any]] = {}
        for f in self.fields:
            d = self.dists[f.name]
            if f.kind in ("text", "date", "slug"):
                d.missing += cols.missing(f.name)
                continue
            if f.kind in ("int", "number"):
                counted = numbers[f.name] = cols.number_counts(f.name)
                d.missing += n - sum(counted.values())
                d.number_counts.update(counted)
                if f.name in ("start_year", "end_year"):
                    d.values.update({str(k): w for k, w in cols.counts(f.name).items() if k is not None})
                continue
            if f.nested:
                _nested(cols, f, d)
                continue
            if f.multi:
                values, missing, unspecified = sets[f.name] = cols.set_counts(f.name)
                d.values.update(values)
                d.missing += missing
                d.unspecified += unspecified
                continue
            for key, w in cols.counts(f.name).items():
                vals = _values({f.name: cols.decode(f.name, key)}, f)
                if vals is None:
                    d.missing += w
                    continue
                if UNSPECIFIED in vals:
                    d.unspecified += w
                for v in vals:
                    d.values[str(v)] += w
        for name, (inputs, fn) in DERIVED.items():
            c = self.labels[name]
            for fragment, w in cols.groups(inputs):
                for label in fn(fragment):
                    c[label] += w
        for side in ("origin_countries", "destination_countries"):
            self.countries.update(sets[side][0] if side in sets else cols.set_counts(side)[0])
        years = numbers.get("start_year") or cols.number_counts("start_year")
        if years:
            self.years += [min(years), max(years)]
        planned = numbers.get("planned_participants") or cols.number_counts("planned_participants")
        self.planned_known += sum(planned.values())
        self.planned_above += sum(w for v, w in planned.items() if v > self.threshold)
        if self.by:
            self._cross(cols)

    def _cross(self, cols: Columns) -> None:
        sources = [(g[0] if (g := _grouping(name)) else name) for name in self.by]
        for fragment, w in cols.groups(list(dict.fromkeys(sources))):
            keys = [_keys(fragment, name, self.cb) for name in self.by]
            if any(k == [NOT_CODED] for k in keys):
                self.cross_missing += w
            for i, k in enumerate(keys):
                for v in k:
                    self.margins[i][v] += w
            for combo in product(*keys):
                self.cross[combo] += w

    def stats(self, filters: dict[str, Any]) -> Stats:
        n, by = self.n, self.by
        for d in self.dists.values():
            d.denominator = n
        derived = derived_blocks(self.labels, n, self.planned_known, self.planned_above, self.threshold)
        crosstab = None
        if by:
            note = ("Multi-valued fields count a partnership once for each of its values; missing = "
                    "partnerships with at least one of the fields not coded (the '(missing)' cells).")
            if any(NO_GROUP in k for k in self.cross):
                note += NO_GROUP_NOTE
            crosstab = {
                "by": by, "denominator": n, "missing": self.cross_missing,
                "note": note,
                "cells": [{**dict(zip(by, k, strict=True)), "count": c, "share": share(c, n)}
                          for k, c in sorted(self.cross.items(), key=lambda kc: (-kc[1], kc[0]))],
                "margins": [{"field": name, "values": dict(m.most_common())}
                            for name, m in zip(by, self.margins, strict=True)],
            }
        return Stats(n=n, filters=filters, fields=self.dists, derived=derived, countries=sorted(self.countries),
                     year_min=min(self.years) if self.years else None,
                     year_max=max(self.years) if self.years else None, crosstab=crosstab)


def _nested(cols: Columns, f: Field, d: Distribution) -> None:
    """Actors by role, outcomes by indicator, sources counted (lists nearly all distinct: no grouping)."""
    if f.kind == "sources":
        for has, w in cols.counts(HAS + f.name).items():
            if has is None:
                d.missing += w
            elif has:
                d.values["source"] += w
        return
    counts, missing = cols.item_values(f.name, ITEM_KEYS[f.kind])
    d.missing += missing
    d.values.update(counts)
    d.unspecified = d.values.get(UNSPECIFIED, 0)
