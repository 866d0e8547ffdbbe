"""Inventory statistics: distributions of every coded field and the seed's figures.

Owns :func:`compute` (one pass over the selected records: for every field
its distribution with count, denominator, share, missing and unspecified;
the derived figures of the seed commentary; cross-tabulations) and
:class:`Stats` with its renderings. Multi-valued fields are multi-label:
each value's share is of N, so shares may sum past 100%. Nothing here is
stored; every figure states its denominator and what was missing.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import product
from typing import Any

from smpatlas.analysis.rubric import return_anticipated
from smpatlas.codebook import UNSPECIFIED, Codebook, Field
from smpatlas.codebook import default as default_codebook
from smpatlas.errors import ConfigError

DEFAULT_SCALE_THRESHOLD = 5000
BEYOND_LANGUAGE = frozenset({"cultural_orientation", "administrative_assistance", "networking", "mentoring",
                             "soft_skills", "workplace_onboarding", "housing", "family_support"})
REAL_REINTEGRATION = frozenset({"career_guidance", "job_placement", "further_education", "business_startup",
                                "recognition_of_skills", "financial_support"})
REMOTE = frozenset({"alternative_to_mobility", "after_return", "online_training_with_foreign_employers"})
#: Fields that can be cross-tabulated besides the enumerated ones.
GROUPINGS = ("origin_countries", "destination_countries", "start_year", "occupations")


def share(count: int, denominator: int) -> float | None:
    return round(count / denominator, 4) if denominator else None


def _values(rec: dict[str, Any], f: Field) -> list[Any] | None:
    v = rec.get(f.name)
    if v is None:
        return None
    if f.kind in ("bool", "tristate"):
        return ["true" if v is True else "false" if v is False else v]
    if f.nested:
        key = {"actors": "role", "outcomes": "indicator", "sources": None}[f.kind]
        return [item.get(key) or "not given" for item in v] if key else ["source"] * len(v)
    return v if isinstance(v, list) else [v]


@dataclass
class Distribution:
    """The distribution of one field (or one derived figure)."""

    denominator: int
    missing: int = 0
    unspecified: int = 0
    multi: bool = False
    values: Counter[str] = field(default_factory=Counter)
    order: list[str] = field(default_factory=list)
    numbers: list[float] = field(default_factory=list)
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        keys = [k for k in self.order if k in self.values] + sorted(k for k in self.values if k not in self.order)
        out: dict[str, Any] = {
            "denominator": self.denominator, "missing": self.missing, "unspecified": self.unspecified,
            "multi": self.multi,
            "values": {k: {"count": self.values[k], "share": share(self.values[k], self.denominator)} for k in keys},
        }
        if self.numbers:
            out["summary"] = {"min": min(self.numbers), "median": statistics.median(self.numbers),
                              "max": max(self.numbers), "mean": round(statistics.fmean(self.numbers), 4),
                              "count": len(self.numbers)}
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

    def rows(self) -> list[list[Any]]:
        rows = []
        for name, d in self.fields.items():
            dd = d.to_dict()
            for value, v in dd["values"].items():
                rows.append([name, value, v["count"], d.denominator, v["share"], d.missing, d.unspecified])
        for name, dd in self.derived.items():
            for value, v in dd.get("values", {}).items():
                rows.append([f"derived:{name}", value, v["count"], dd["denominator"], v["share"],
                             dd.get("missing", 0), dd.get("unspecified", 0)])
            if "count" in dd:
                rows.append([f"derived:{name}", f"> {dd.get('threshold')}", dd["count"], dd["denominator"],
                             share(dd["count"], dd["denominator"]), dd.get("missing", 0), 0])
        return rows

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
            out.append(f"{_pct(c, n)} ({c} of {n}) {words}; skill level missing for {sk['missing']}.")
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
        combos = ", ".join(f"{k}: {v['count']}" for k, v in tg["values"].items())
        out.append(f"{tg['any_group']} of {n} target underrepresented groups ({combos or 'none'}); "
                   f"target groups not coded for {tg['missing']}.")
        sc = self.derived["planned_participants_above_threshold"]
        out.append(f"{sc['count']} of {n} planned more than {sc['threshold']:,} participants "
                   f"(planned scale not coded for {sc['missing']}).")
        return out


def _pct(count: int, n: int) -> str:
    return f"{100 * count / n:.0f}%" if n else "—"


def _derived(records: list[dict[str, Any]] | None, acc: dict[str, Any], rec: dict[str, Any], threshold: int) -> None:
    """Accumulate the seed's derived figures for one record."""
    # Skill levels with students counted as middle.
    sk = rec.get("skill_levels")
    profiles = rec.get("participant_profiles") or []
    levels = set(sk or []) - {UNSPECIFIED}
    if "students" in profiles:
        levels.add("middle")
    if sk is None and "students" not in profiles:
        acc["sk_missing"] += 1
    elif not levels:
        acc["sk_unspecified"] += 1
    for lv in levels:
        acc["sk"][lv] += 1
    # Integration support kind.
    integ = rec.get("integration_support")
    if integ is None:
        acc["int_missing"] += 1
    elif integ == [UNSPECIFIED]:
        acc["int"][UNSPECIFIED] += 1
    elif integ == ["none"]:
        acc["int"]["none"] += 1
    elif BEYOND_LANGUAGE.isdisjoint(integ):
        acc["int"]["language_only"] += 1
    else:
        acc["int"]["broader"] += 1
    # Reintegration where return is anticipated.
    if return_anticipated(rec) is True:
        acc["re_den"] += 1
        re = rec.get("reintegration_support")
        if re is None:
            acc["re_missing"] += 1
        elif re == [UNSPECIFIED]:
            acc["re"][UNSPECIFIED] += 1
        elif REAL_REINTEGRATION.isdisjoint(re):
            acc["re"]["without_reintegration_support"] += 1
        else:
            acc["re"]["with_reintegration_support"] += 1
    # Target-group combinations.
    tg = rec.get("target_groups")
    if tg is None:
        acc["tg_missing"] += 1
    else:
        groups = [g for g in tg if g != "none"]
        if groups:
            acc["tg_any"] += 1
            acc["tg"][" + ".join(groups)] += 1
        else:
            acc["tg"]["none"] += 1
    # Planned scale.
    pp = rec.get("planned_participants")
    if pp is None:
        acc["pp_missing"] += 1
    elif pp > threshold:
        acc["pp_above"] += 1
    # Mobility options.
    mob = rec.get("mobility_types")
    if mob is None:
        acc["mob_missing"] += 1
    elif mob == [UNSPECIFIED]:
        acc["mob"][UNSPECIFIED] += 1
    else:
        acc["mob"]["several" if len(mob) > 1 else "single"] += 1
    # Remote work.
    rw = rec.get("remote_work")
    if rw is None:
        acc["rw_missing"] += 1
    elif rw == [UNSPECIFIED]:
        acc["rw"][UNSPECIFIED] += 1
    else:
        acc["rw"]["some_remote_option" if not REMOTE.isdisjoint(rw) else "none"] += 1
    # Employer engagement stage.
    ee = rec.get("employer_engagement")
    if ee is None:
        acc["ee_missing"] += 1
    elif ee == [UNSPECIFIED]:
        acc["ee"][UNSPECIFIED] += 1
    elif ee == ["none"]:
        acc["ee"]["none"] += 1
    elif {"design", "selection"} & set(ee):
        acc["ee"]["early"] += 1
    else:
        acc["ee"]["later_only"] += 1


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
        return list(dict.fromkeys(group_of(c, grouping[1]) for c in codes)) or ["(missing)"]
    vals = _values(rec, cb[name])
    return [str(v) for v in dict.fromkeys(vals)] if vals else ["(missing)"]


def compute(records: Iterable[dict[str, Any]], *, filters: dict[str, Any] | None = None,
            scale_threshold: int = DEFAULT_SCALE_THRESHOLD, by: list[str] | None = None,
            cb: Codebook | None = None) -> Stats:
    """Statistics over ``records`` (one pass; the records are not kept)."""
    cb = cb or default_codebook()
    by = by or []
    for name in by:
        if _grouping(name) is None and (name not in cb or not (cb[name].enumerated or
                                                               cb[name].kind in ("countries", "isco", "int"))):
            raise ConfigError(f"Cannot cross-tabulate by {name!r}; use an enumerated field, a country field, "
                              "occupations, start_year, or a country grouping such as origin_region, "
                              "destination_continent, destination_eu.")
    if len(by) > 2:
        raise ConfigError("Cross-tabulate by at most two fields (--by A --by B).")
    skip = {"id", "name", "acronym", "summary", "notes", "coder", "codebook_version"}
    fields = [f for f in cb.fields if f.name not in skip]
    dists = {f.name: Distribution(0, multi=f.multi, order=list(f.values())) for f in fields}
    acc: dict[str, Any] = {k: Counter() for k in ("sk", "int", "re", "tg", "mob", "rw", "ee")}
    acc.update(dict.fromkeys(("sk_missing", "sk_unspecified", "int_missing", "re_den", "re_missing", "tg_missing",
                              "tg_any", "pp_missing", "pp_above", "mob_missing", "rw_missing", "ee_missing"), 0))
    countries: set[str] = set()
    years: list[int] = []
    cross: Counter[tuple[str, ...]] = Counter()
    margins: list[Counter[str]] = [Counter() for _ in by]
    n = 0
    for rec in records:
        n += 1
        countries.update(rec.get("origin_countries") or ())
        countries.update(rec.get("destination_countries") or ())
        if rec.get("start_year") is not None:
            years.append(rec["start_year"])
        for f in fields:
            d = dists[f.name]
            vals = _values(rec, f)
            if vals is None:
                d.missing += 1
                continue
            if f.kind in ("int", "number"):
                d.numbers.append(vals[0])
                if f.name in ("start_year", "end_year"):
                    d.values[str(vals[0])] += 1
                continue
            if f.kind in ("text", "date", "slug"):
                continue
            if UNSPECIFIED in vals:
                d.unspecified += 1
            for v in (set(vals) if f.multi else vals):
                d.values[str(v)] += 1
        _derived(None, acc, rec, scale_threshold)
        if by:
            keys = [_keys(rec, name, cb) for name in by]
            for i, k in enumerate(keys):
                margins[i].update(k)
            cross.update(product(*keys))
    for d in dists.values():
        d.denominator = n
    derived = {
        "skill_levels_students_as_middle": {
            **_block(acc["sk"], n, acc["sk_missing"], ["high", "middle", "low"],
                     "Multi-label shares of N; current higher-education students count as middle-skilled (seed rule)."),
            "unspecified": acc["sk_unspecified"]},
        "integration_support_kind": _block(acc["int"], n, acc["int_missing"],
                                           ["none", "language_only", "broader", UNSPECIFIED],
                                           "broader = any integration support beyond language."),
        "reintegration_when_return_anticipated": _block(
            acc["re"], acc["re_den"], acc["re_missing"],
            ["with_reintegration_support", "without_reintegration_support", UNSPECIFIED],
            "Denominator: partnerships where return is anticipated (return expected yes/optional, or only "
            "circular/short-term mobility)."),
        "target_group_combinations": {
            **_block(acc["tg"], n, acc["tg_missing"], [],
                     "Exact combinations of targeted groups; 'none' = the sources say no group is targeted."),
            "any_group": acc["tg_any"]},
        "planned_participants_above_threshold": {
            "threshold": scale_threshold, "count": acc["pp_above"], "denominator": n, "missing": acc["pp_missing"],
            "share": share(acc["pp_above"], n),
            "note": "Partnerships planning more than the threshold; missing = planned scale not coded."},
        "mobility_options": _block(acc["mob"], n, acc["mob_missing"], ["single", "several", UNSPECIFIED],
                                   "several = more than one of long-term, circular, short-term."),
        "remote_work_options": _block(acc["rw"], n, acc["rw_missing"], ["some_remote_option", "none", UNSPECIFIED],
                                      "Any remote option: alternative to mobility, after return, or online "
                                      "training with foreign employers."),
        "employer_engagement_stage": _block(acc["ee"], n, acc["ee_missing"],
                                            ["early", "later_only", "none", UNSPECIFIED],
                                            "early = design or selection; later_only = training, onboarding or "
                                            "retention only."),
    }
    crosstab = None
    if by:
        crosstab = {
            "by": by, "denominator": n,
            "note": "Multi-valued fields count a partnership once for each of its values.",
            "cells": [{**dict(zip(by, k, strict=True)), "count": c, "share": share(c, n)}
                      for k, c in sorted(cross.items(), key=lambda kc: (-kc[1], kc[0]))],
            "margins": [{"field": name, "values": dict(m.most_common())} for name, m in zip(by, margins, strict=True)],
        }
    return Stats(n=n, filters=filters or {}, fields=dists, derived=derived, countries=sorted(countries),
                 year_min=min(years) if years else None, year_max=max(years) if years else None, crosstab=crosstab)
