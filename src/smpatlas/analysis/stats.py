"""Inventory statistics: distributions of every coded field and the seed's figures.

Owns :func:`compute_columns` (for every field its distribution with count,
denominator, share, missing and unspecified; the derived figures of the seed
commentary; cross-tabulations), its entry points :func:`of_selection` (read
from the database as columns, see :mod:`columns`) and :func:`compute` (over
canonical records), and :class:`Stats` with its renderings. Each figure is
computed once per distinct value (or combination of the fields it declares)
and weighted by the number of records holding it. Multi-valued fields are multi-label:
each value's share is of N, so shares may sum past 100%. Nothing here is
stored; every figure states its denominator and what was missing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from itertools import product
from typing import Any

from sqlalchemy import Connection

from smpatlas.analysis.columns import HAS, ITEM_KEYS, Columns, fetch_chunks, paused_gc
from smpatlas.analysis.rubric import return_anticipated
from smpatlas.analysis.stats_options import DEFAULT_SCALE_THRESHOLD as DEFAULT_SCALE_THRESHOLD
from smpatlas.analysis.stats_options import SUMMARY_STATS as SUMMARY_STATS
from smpatlas.analysis.stats_options import YEARS as YEARS
from smpatlas.codebook import UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError
from smpatlas.store.filters import Filters

BEYOND_LANGUAGE = frozenset({"cultural_orientation", "administrative_assistance", "networking", "mentoring",
                             "soft_skills", "workplace_onboarding", "housing", "family_support"})
REAL_REINTEGRATION = frozenset({"career_guidance", "job_placement", "further_education", "business_startup",
                                "recognition_of_skills", "financial_support"})
REMOTE = frozenset({"alternative_to_mobility", "after_return", "online_training_with_foreign_employers"})
#: Fields that can be cross-tabulated besides the enumerated ones.
GROUPINGS = ("origin_countries", "destination_countries", "start_year", "end_year", "occupations")


def share(count: int, denominator: int) -> float | None:
    return round(count / denominator, 4) if denominator else None


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


def number_summary(counts: Counter[Any]) -> dict[str, Any]:
    """Min, median, max, mean and count of the numbers counted in ``counts`` (value → how many records):
    exactly what :mod:`statistics` gives for the list of every record's number."""
    n = sum(counts.values())
    keys = sorted(counts)

    def nth(k: int) -> Any:  # the k-th smallest (0-based)
        seen = 0
        for v in keys:
            seen += counts[v]
            if seen > k:
                return v
        raise IndexError(k)

    median = nth(n // 2) if n % 2 else (nth(n // 2 - 1) + nth(n // 2)) / 2
    total = float(sum(Fraction(v) * c for v, c in counts.items()))  # the exact sum, rounded once, as fsum
    return {"min": keys[0], "median": median, "max": keys[-1], "mean": round(total / n, 4), "count": n}


@dataclass
class Distribution:
    """The distribution of one field (or one derived figure)."""

    denominator: int
    missing: int = 0
    unspecified: int = 0
    multi: bool = False
    values: Counter[str] = field(default_factory=Counter)
    order: list[str] = field(default_factory=list)
    #: How many records hold each number (number fields): exact summaries in memory bounded by distinct values.
    number_counts: Counter[Any] = field(default_factory=Counter)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        keys = [k for k in self.order if k in self.values] + sorted(k for k in self.values if k not in self.order)
        out: dict[str, Any] = {
            "denominator": self.denominator, "missing": self.missing, "unspecified": self.unspecified,
            "multi": self.multi,
            "values": {k: {"count": self.values[k], "share": share(self.values[k], self.denominator)} for k in keys},
        }
        if self.number_counts:
            out["summary"] = number_summary(self.number_counts)
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class Stats:
    n: int
    filters: dict[str, Any]
    fields: dict[str, Distribution]
    derived: dict[str, dict[str, Any]]
    countries: list[str]
    year_min: int | None
    year_max: int | None
    crosstab: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "n": self.n, "filters": self.filters,
            "countries": {"count": len(self.countries), "codes": self.countries},
            "years": {"start_year_min": self.year_min, "start_year_max": self.year_max},
            "fields": {k: d.to_dict() for k, d in self.fields.items()},
            "derived": self.derived,
        }
        if self.crosstab is not None:
            out["crosstab"] = self.crosstab
        return out

    def to_frame(self) -> Any:
        """Every field value as a row of a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover
            raise ConfigError("to_frame() needs pandas: pip install pandas") from exc
        return pd.DataFrame(self.rows(), columns=["field", "value", "count", "denominator", "share", "missing",
                                                  "unspecified"])

    def rows(self, *, summaries: bool = True) -> list[list[Any]]:
        """Every figure as a row ``field, value, count, denominator, share, missing, unspecified``.

        A number field's summary follows its values as rows ``FIELD:min`` … ``FIELD:mean``: the figure in
        ``value``, and in ``count`` the partnerships with a number (``share`` = count / denominator);
        ``summaries=False`` leaves them out (every row is then a count).
        """
        rows = []
        for name, d in self.fields.items():
            dd = d.to_dict()
            for value, v in dd["values"].items():
                rows.append([name, value, v["count"], d.denominator, v["share"], d.missing, d.unspecified])
            if summaries and "summary" in dd:
                sm = dd["summary"]
                rows += [[f"{name}:{stat}", sm[stat], sm["count"], d.denominator, share(sm["count"], d.denominator),
                          d.missing, d.unspecified] for stat in SUMMARY_STATS]
        for name, dd in self.derived.items():
            for value, v in dd.get("values", {}).items():
                rows.append([f"derived:{name}", value, v["count"], dd["denominator"], v["share"],
                             dd.get("missing", 0), dd.get("unspecified", 0)])
            if "count" in dd:
                rows.append([f"derived:{name}", f"> {dd.get('threshold')}", dd["count"], dd["denominator"],
                             share(dd["count"], dd["denominator"]), dd.get("missing", 0), 0])
        return rows

    def crosstab_rows(self) -> tuple[list[str], list[list[Any]]]:
        """The cross-tabulation as a header and one row per cell: each --by field's value, then ``count``,
        ``denominator`` (N), ``share`` and ``missing`` (partnerships with at least one of the fields not coded;
        they are counted in the ``(missing)`` cells). Empty without --by."""
        ct = self.crosstab
        if ct is None:
            return [], []
        by = list(ct["by"])
        rows = [[*(cell[b] for b in by), cell["count"], ct["denominator"], cell["share"], ct["missing"]]
                for cell in ct["cells"]]
        return [*by, "count", "denominator", "share", "missing"], rows

    def headlines(self) -> list[str]:
        """The seed-style figures in sentences, each with its denominator."""
        out = []
        n = self.n
        if not n:
            return ["No partnerships match."]
        sk = self.derived["skill_levels_students_as_middle"]
        for level, words in (("high", "target highly skilled workers"),
                             ("middle", "target middle-skilled workers (current students counted as middle)"),
                             ("low", "target low-skilled workers")):
            c = sk["values"].get(level, {}).get("count", 0)
            out.append(f"{_pct(c, n)} ({c} of {n}) {words}; skill level neither coded nor derivable for "
                       f"{sk['missing']}.")
        rec = self.fields["recognition_mechanism"]
        std, uns = rec.values.get("standard_procedure", 0), rec.values.get(UNSPECIFIED, 0)
        out.append(f"{_pct(std, n)} ({std} of {n}) rely on standard recognition procedures and {_pct(uns, n)} "
                   f"({uns}) do not specify how qualifications will be recognised; not coded for {rec.missing}.")
        integ = self.derived["integration_support_kind"]["values"]
        no_int = integ.get("none", {}).get("count", 0)
        lang = integ.get("language_only", {}).get("count", 0)
        broad = integ.get("broader", {}).get("count", 0)
        out.append(f"Integration support: none in {no_int}, language only in {lang}, broader in {broad} of {n} "
                   f"(not coded for {self.derived['integration_support_kind']['missing']}).")
        re = self.derived["reintegration_when_return_anticipated"]
        with_re = re["values"].get("with_reintegration_support", {}).get("count", 0)
        out.append(f"Where return is anticipated ({re['denominator']} partnerships), {with_re} provide reintegration "
                   f"support ({_pct(with_re, re['denominator'])}); not coded for {re['missing']}.")
        tg = self.derived["target_group_combinations"]
        combos = ", ".join(f"{str(k).replace('_', ' ')}: {v['count']}" for k, v in tg["values"].items())
        out.append(f"{tg['any_group']} of {n} target underrepresented groups ({combos or 'none'}); "
                   f"target groups not coded for {tg['missing']}.")
        sc = self.derived["planned_participants_above_threshold"]
        out.append(f"{sc['count']} of {n} planned more than {sc['threshold']:,} participants "
                   f"(planned scale not coded for {sc['missing']}).")
        return out


def _pct(count: int, n: int) -> str:
    return f"{100 * count / n:.0f}%" if n else "—"


MISSING = "__missing__"
OUTSIDE = "__outside__"
#: A cross-tabulation key: the field is not coded.
NOT_CODED = "(missing)"
#: What a country grouping (origin_region, destination_eu, …) gives a code it has no group for; of the accepted
#: codes only the region EU has none (smpatlas.reference.country_groups.group_of: it is not a country).
NO_GROUP = "(no group)"
NO_GROUP_NOTE = (" '(no group)' = a code the country grouping (country-converter's country table) has no row for: "
                 "of the codes allowed in country fields, only the region EU (the European Union as a party to a "
                 "multilateral scheme), which is not a country.")


def _skill_levels(rec: dict[str, Any]) -> list[str]:
    """Skill levels with current students counted as middle-skilled."""
    sk = rec.get("skill_levels")
    profiles = rec.get("participant_profiles") or []
    levels = set(sk or []) - {UNSPECIFIED}
    if "students" in profiles:
        levels.add("middle")
    if sk is None and "students" not in profiles:
        return [MISSING]
    if not levels:
        return [UNSPECIFIED]
    return sorted(levels)


def _integration(rec: dict[str, Any]) -> list[str]:
    integ = rec.get("integration_support")
    if integ is None:
        return [MISSING]
    if integ == [UNSPECIFIED]:
        return [UNSPECIFIED]
    if integ == ["none"]:
        return ["none"]
    return ["language_only" if BEYOND_LANGUAGE.isdisjoint(integ) else "broader"]


def _reintegration(rec: dict[str, Any]) -> list[str]:
    """Reintegration support, only where return is anticipated (else outside the denominator)."""
    if return_anticipated(rec) is not True:
        return [OUTSIDE]
    re = rec.get("reintegration_support")
    if re is None:
        return [MISSING]
    if re == [UNSPECIFIED]:
        return [UNSPECIFIED]
    return ["without_reintegration_support" if REAL_REINTEGRATION.isdisjoint(re) else "with_reintegration_support"]


def _target_groups(rec: dict[str, Any]) -> list[str]:
    tg = rec.get("target_groups")
    if tg is None:
        return [MISSING]
    groups = [g for g in tg if g != "none"]
    return [" + ".join(groups)] if groups else ["none"]


def _mobility(rec: dict[str, Any]) -> list[str]:
    mob = rec.get("mobility_types")
    if mob is None:
        return [MISSING]
    if mob == [UNSPECIFIED]:
        return [UNSPECIFIED]
    return ["several" if len(mob) > 1 else "single"]


def _remote(rec: dict[str, Any]) -> list[str]:
    rw = rec.get("remote_work")
    if rw is None:
        return [MISSING]
    if rw == [UNSPECIFIED]:
        return [UNSPECIFIED]
    return ["some_remote_option" if not REMOTE.isdisjoint(rw) else "none"]


def _employers(rec: dict[str, Any]) -> list[str]:
    ee = rec.get("employer_engagement")
    if ee is None:
        return [MISSING]
    if ee == [UNSPECIFIED]:
        return [UNSPECIFIED]
    if ee == ["none"]:
        return ["none"]
    return ["early" if {"design", "selection"} & set(ee) else "later_only"]


#: The seed's derived figures: name → (the fields it reads, function record → labels to count).
#: A function must read only the fields listed (a test checks it): figures are computed once per
#: distinct combination of those fields and weighted by how many records share it.
DERIVED: dict[str, tuple[tuple[str, ...], Callable[[dict[str, Any]], list[str]]]] = {
    "skill_levels_students_as_middle": (("skill_levels", "participant_profiles"), _skill_levels),
    "integration_support_kind": (("integration_support",), _integration),
    "reintegration_when_return_anticipated": (("return_expected", "mobility_types", "reintegration_support"),
                                              _reintegration),
    "target_group_combinations": (("target_groups",), _target_groups),
    "mobility_options": (("mobility_types",), _mobility),
    "remote_work_options": (("remote_work",), _remote),
    "employer_engagement_stage": (("employer_engagement",), _employers),
}


def _block(values: Counter[str], denominator: int, missing: int, order: list[str], note: str) -> dict[str, Any]:
    keys = [k for k in order if k in values] + sorted(k for k in values if k not in order)
    return {"denominator": denominator, "missing": missing, "unspecified": values.get(UNSPECIFIED, 0),
            "values": {k: {"count": values[k], "share": share(values[k], denominator)} for k in keys}, "note": note}


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
        derived = _derived_blocks(self.labels, n, self.planned_known, self.planned_above, self.threshold)
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


def _counted(c: Counter[str]) -> Counter[str]:
    return Counter({k: v for k, v in c.items() if k not in (MISSING, OUTSIDE)})


def _derived_blocks(labels: dict[str, Counter[str]], n: int, pp_known: int, pp_above: int,
                    scale_threshold: int) -> dict[str, dict[str, Any]]:
    def block(name: str, order: list[str], note: str, denominator: int | None = None) -> dict[str, Any]:
        c = labels[name]
        return _block(_counted(c), n if denominator is None else denominator, c.get(MISSING, 0), order, note)

    sk = labels["skill_levels_students_as_middle"]
    re = labels["reintegration_when_return_anticipated"]
    tg = labels["target_group_combinations"]
    return {
        "skill_levels_students_as_middle": {
            **_block(Counter({k: v for k, v in _counted(sk).items() if k != UNSPECIFIED}), n, sk.get(MISSING, 0),
                     ["high", "middle", "low"],
                     "Multi-label shares of N; current higher-education students count as middle-skilled (seed rule)."),
            "unspecified": sk.get(UNSPECIFIED, 0)},
        "integration_support_kind": block("integration_support_kind", ["none", "language_only", "broader", UNSPECIFIED],
                                          "broader = any integration support beyond language."),
        "reintegration_when_return_anticipated": block(
            "reintegration_when_return_anticipated",
            ["with_reintegration_support", "without_reintegration_support", UNSPECIFIED],
            "Denominator: partnerships where return is anticipated (return expected yes/optional, or only "
            "circular/short-term mobility).", denominator=n - re.get(OUTSIDE, 0)),
        "target_group_combinations": {
            **block("target_group_combinations", [],
                    "Exact combinations of targeted groups; 'none' = the sources say no group is targeted."),
            "any_group": sum(v for k, v in _counted(tg).items() if k != "none")},
        "planned_participants_above_threshold": {
            "threshold": scale_threshold, "count": pp_above, "denominator": n, "missing": n - pp_known,
            "share": share(pp_above, n),
            "note": "Partnerships planning more than the threshold; missing = planned scale not coded."},
        "mobility_options": block("mobility_options", ["single", "several", UNSPECIFIED],
                                  "several = more than one of long-term, circular, short-term."),
        "remote_work_options": block("remote_work_options", ["some_remote_option", "none", UNSPECIFIED],
                                     "Any remote option: alternative to mobility, after return, or online "
                                     "training with foreign employers."),
        "employer_engagement_stage": block("employer_engagement_stage", ["early", "later_only", "none", UNSPECIFIED],
                                           "early = design or selection; later_only = training, onboarding or "
                                           "retention only."),
    }


