"""Labour-market alignment: partnership occupations against destination shortage lists.

Owns :class:`ReferenceContext` (the shortage rows, regulated professions and
the WHO safeguards list an assessment may use; it answers the rubric's
derived predicates ``shortage_share``, ``regulated_occupation`` and
``health_recruitment_from_safeguards_list``), :func:`align` (one partnership:
for each destination, which occupations are in shortage there, at which
precision, the share in shortage, and skill levels of shortages vs those
targeted) and :func:`align_all` (per destination: uncovered shortages,
skill-level mismatch; and corridors). Matching is at the finest precision
both sides have: a 2-digit partnership code matches 4-digit shortage codes
below it, and the reverse.

Every figure carries its denominator: uncovered shortages are counted only
against partnerships with occupations coded (and are *unknown*, not "targeted
by none", when no partnership at a destination has any), skill-level shares
against partnerships with skill levels coded or derived. An occupation that is
not listed is shown with its near matches (:meth:`ReferenceContext.near_matches`:
the associate-professional counterpart, 2221 ↔ 3221, or a listed sibling in
the same minor group) and with the lists and years it was checked against.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Integer, cast, func, select

from smpatlas.codebook import UNSPECIFIED
from smpatlas.countries import name_of
from smpatlas.reference import isco, regulated
from smpatlas.reference.shortages import WHO_SSL, country_list, source_label
from smpatlas.store.schema import country_lists, shortages

HEALTH_PREFIXES = ("221", "222", "226", "321", "322", "532")


@dataclass(frozen=True)
class Row:
    isco: str
    year: int
    status: str
    source: str


def _matches(code: str, other: str) -> bool:
    return code.startswith(other) or other.startswith(code)


def _coded(values: Iterable[str] | None) -> list[str]:
    return [v for v in values or [] if v != UNSPECIFIED]


def counterpart(code: str) -> str | None:
    """The same occupation across the professional / associate-professional divide, when ISCO-08 has one.

    ``2221`` Nursing professionals ↔ ``3221`` Nursing associate professionals (also 222 ↔ 322, 22 ↔ 32,
    2230 ↔ 3230, 21 ↔ 31): the two titles differ only by "associate". Codes whose parallel group is a
    different occupation (2511 Systems analysts, 3511 ICT operations technicians) have none.
    """
    if len(code) < 2 or code[0] not in "23":
        return None
    other = ("3" if code[0] == "2" else "2") + code[1:]
    mine, theirs = isco.title(code), isco.title(other)
    if not mine or not theirs:
        return None
    pro, assoc = (mine, theirs) if code[0] == "2" else (theirs, mine)
    return other if assoc.replace("associate professionals", "professionals") == pro else None


def reference_stamp(conn: Connection) -> tuple[Any, ...]:
    """A cheap fingerprint of the reference tables (shortage rows, country lists): it changes when a shortage
    or WHO list is imported or removed, so a long-lived :class:`ReferenceContext` (the web app's) is reloaded."""
    s = conn.execute(select(func.count(), func.max(shortages.c.id), func.sum(shortages.c.id),
                            func.sum(shortages.c.year), func.sum(cast(shortages.c.isco, Integer)))).one()
    c = conn.execute(select(func.count(), func.max(country_lists.c.edition), func.min(country_lists.c.edition))).one()
    return (*s, *c)


@dataclass
class ReferenceContext:
    """Reference data for alignment and the assessment (load it once per run)."""

    shortages: dict[str, list[Row]] = field(default_factory=dict)  # country → shortage rows
    who_edition: str | None = None
    who_countries: set[str] = field(default_factory=set)
    year: int | None = None

    @classmethod
    def load(cls, conn: Connection, *, year: int | None = None) -> ReferenceContext:
        stmt = select(shortages.c.country, shortages.c.isco, shortages.c.year, shortages.c.status,
                      shortages.c.source).where(shortages.c.status == "shortage")
        if year is not None:
            stmt = stmt.where(shortages.c.year == year)
        by_country: dict[str, list[Row]] = defaultdict(list)
        for country, code, y, status, source in conn.execute(stmt):
            by_country[country].append(Row(code, y, status, source))
        edition, who = country_list(conn, WHO_SSL)
        return cls(dict(by_country), edition, who, year)

    # -- derived predicates for the rubric ---------------------------------------------
    def _index(self, country: str) -> tuple[frozenset[str], frozenset[str]]:
        """(shortage codes, every prefix of them) of a country, built once."""
        cache: dict[str, tuple[frozenset[str], frozenset[str]]] = self.__dict__.setdefault("_indexes", {})
        if country not in cache:
            codes = frozenset(r.isco for r in self.shortages.get(country, ()))
            prefixes = frozenset(c[:k] for c in codes for k in range(1, len(c) + 1))
            cache[country] = (codes, prefixes)
        return cache[country]

    def in_shortage(self, code: str, country: str) -> bool:
        """True when ``code`` matches a shortage code of ``country`` at the finest precision both have."""
        codes, prefixes = self._index(country)
        return code in prefixes or any(code[:k] in codes for k in range(1, len(code)))

    def lists(self, country: str) -> list[str]:
        """The shortage lists loaded for a country, by name and year (``['EURES 2022 shortage list', …]``)."""
        pairs = sorted({(r.year, r.source) for r in self.shortages.get(country, ())})
        return [source_label(source, year) for year, source in pairs]

    def near_matches(self, code: str, country: str) -> list[dict[str, str]]:
        """Listed codes close to an occupation that is not itself listed for ``country``.

        Its associate-professional (or professional) counterpart first — a partnership coded 2221 Nursing
        professionals to a country listing 3221 Nursing associate professionals — then listed siblings in the
        same minor group (sub-major group for a 3-digit code). Empty when the code is listed or has no data.
        """
        codes = sorted(self._index(country)[0])
        if not codes or self.in_shortage(code, country):
            return []
        out: dict[str, str] = {}
        other = counterpart(code)
        if other is not None:
            side = "associate-professional" if other.startswith("3") else "professional"
            for c in codes:
                if _matches(c, other):
                    out.setdefault(c, f"the {side} counterpart of {code}")
        if len(code) >= 3:
            parent = code[:-1]
            group = "minor group" if len(parent) == 3 else "sub-major group"
            for c in codes:
                if c.startswith(parent) and not _matches(c, code):
                    out.setdefault(c, f"same {group}, {isco.label(parent)}")
        return [{"isco": c, "title": isco.title(c) or "", "relation": why} for c, why in out.items()]

    def shortage_explanation(self, record: dict[str, Any]) -> str | None:
        """For a person: which lists (and years) the shortage share was computed from, and near matches.

        The text to show beside the rule ``alignment.shortage_occupations`` and the flag
        ``no_shortage_occupation``; None when the share is unknown (no occupations, or no table).
        """
        occ = _coded(record.get("occupations"))
        all_dests = _coded(record.get("destination_countries"))
        dests = [d for d in all_dests if d in self.shortages]
        if not occ or not dests:
            return None
        parts, near = [], []
        for d in dests:
            listed = sum(1 for o in occ if self.in_shortage(o, d))
            parts.append(f"{listed} of {len(occ)} {'occupation' if len(occ) == 1 else 'occupations'} listed for "
                         f"{name_of(d)} "
                         f"({'; '.join(self.lists(d))})")
            for o in occ:
                for m in self.near_matches(o, d)[:3]:
                    near.append(f"{isco.label(o)} is not listed for {d}, but {m['isco']} {m['title']} is "
                                f"({m['relation']})")
        missing = [d for d in all_dests if d not in self.shortages]
        text = "; ".join(parts) + "."
        if missing:
            text += f" No shortage table for {', '.join(missing)}."
        if near:
            text += " Near match: " + "; ".join(near) + "."
        return text + " Absence from a list does not mean no shortage."

    def shortage_count(self, record: dict[str, Any]) -> tuple[int, int] | None:
        """(occupations in shortage at one or more destinations with data, coded occupations): the share's
        numerator and denominator; None when unknown (no coded occupations, or no destination has a table)."""
        occ = _coded(record.get("occupations"))
        dests = [d for d in record.get("destination_countries") or [] if d in self.shortages]
        if not occ or not dests:
            return None
        return sum(1 for o in occ if any(self.in_shortage(o, d) for d in dests)), len(occ)

    def shortage_share(self, record: dict[str, Any]) -> float | None:
        """Share of the record's occupations in shortage at one or more of its destinations with data."""
        counted = self.shortage_count(record)
        return None if counted is None else counted[0] / counted[1]

    def regulated_occupation(self, record: dict[str, Any]) -> bool | None:
        occ = [o for o in record.get("occupations") or [] if o != UNSPECIFIED]
        dests = record.get("destination_countries") or []
        answers = [regulated.regulated(d, o) for d in dests for o in occ]
        if any(a for a in answers):
            return True
        if not occ or all(a is None for a in answers):
            return None
        return False

    def health_recruitment_from_safeguards_list(self, record: dict[str, Any]) -> bool | None:
        """Health-worker recruitment from a country on the WHO list without a government-to-government agreement."""
        if not self.who_countries:
            return None
        if not set(record.get("origin_countries") or []) & self.who_countries:
            return False
        health = health_worker_recruitment(record)
        if not health:
            return health
        g2g = record.get("government_to_government")
        return None if g2g is None else not g2g


def _is_health(code: str) -> bool:
    return code.startswith(HEALTH_PREFIXES) or code in ("22", "32")


def health_worker_recruitment(record: dict[str, Any]) -> bool | None:
    """The codebook's derived field: health sector or health occupations (ISCO 221x/222x/226x/321x/322x/532x)."""
    sectors = [s for s in record.get("sectors") or [] if s != UNSPECIFIED]
    occ = [o for o in record.get("occupations") or [] if o != UNSPECIFIED]
    if "health_care" in sectors or any(_is_health(o) for o in occ):
        return True
    if not sectors and not occ:
        return None
    return False


def skill_levels_of(record: dict[str, Any]) -> tuple[list[str], str]:
    """The record's skill levels and where they come from: coded, derived from occupations, or missing."""
    coded = [v for v in record.get("skill_levels") or [] if v != UNSPECIFIED]
    if coded:
        return coded, "coded"
    occ = [o for o in record.get("occupations") or [] if o != UNSPECIFIED]
    derived = isco.derived_skill_levels(occ)
    if derived:
        return derived, "derived from ISCO-08 occupations (major groups 1–3 high, 4–8 middle, 9 low)"
    return [], "not coded"


def _level_shares(codes: Iterable[str]) -> dict[str, Any]:
    counts = Counter(isco.skill_level_name(c) or "unknown" for c in codes)
    n = sum(counts.values())
    return {"denominator": n, "values": {k: {"count": counts.get(k, 0), "share": round(counts.get(k, 0) / n, 4)
                                            if n else None} for k in ("high", "middle", "low", "unknown")}}


def align(record: dict[str, Any], ctx: ReferenceContext) -> dict[str, Any]:
    """One partnership: per destination, its occupations against the shortage rows, and the overall share.

    ``shortage_share`` is ``occupations_in_shortage`` of ``shortage_share_denominator`` (the coded occupations);
    when it is unknown (None), ``shortage_share_unknown_because`` says why.
    """
    occ = [o for o in record.get("occupations") or [] if o != UNSPECIFIED]
    levels, levels_from = skill_levels_of(record)
    dests = []
    for d in record.get("destination_countries") or []:
        rows = ctx.shortages.get(d)
        entry: dict[str, Any] = {"country": d, "has_shortage_data": rows is not None}
        if rows is None:
            entry["note"] = f"no shortage table loaded for {d}"
        else:
            per_occ = []
            for o in occ:
                matches = [r for r in rows if _matches(o, r.isco)]
                per_occ.append({
                    "code": o, "title": isco.title(o), "in_shortage": bool(matches),
                    "precision_digits": max((min(len(o), len(r.isco)) for r in matches), default=None),
                    "matches": [{"isco": r.isco, "title": isco.title(r.isco), "year": r.year, "source": r.source}
                                for r in sorted(matches, key=lambda r: (r.isco, r.year))[:20]],
                    "near_matches": [] if matches else ctx.near_matches(o, d),
                    "regulated_here": regulated.regulated(d, o),
                })
            n_in = sum(1 for p in per_occ if p["in_shortage"])
            entry.update({
                "lists": ctx.lists(d),
                "occupations": per_occ,
                "share_in_shortage": round(n_in / len(per_occ), 4) if per_occ else None,
                "denominator": len(per_occ),
                "n_shortage_occupations": len({r.isco for r in rows}),
                "shortage_skill_levels": _level_shares({r.isco for r in rows}),
                "years": sorted({r.year for r in rows}),
            })
            if not occ:
                entry["note"] = "the partnership has no coded occupations"
        dests.append(entry)
    counted = ctx.shortage_count(record)
    if counted is not None:
        unknown_because = None
    elif not occ:
        unknown_because = "the partnership has no coded occupations"
    elif not _coded(record.get("destination_countries")):
        unknown_because = "the partnership has no coded destinations"
    else:
        unknown_because = "no shortage table is loaded for any of its destinations"
    return {"id": record.get("id"), "occupations": [{"code": o, "title": isco.title(o)} for o in occ],
            "skill_levels": levels, "skill_levels_source": levels_from,
            "shortage_share": None if counted is None else counted[0] / counted[1],
            "occupations_in_shortage": None if counted is None else counted[0],
            "shortage_share_denominator": None if counted is None else counted[1],
            "shortage_share_unknown_because": unknown_because,
            "explanation": ctx.shortage_explanation(record),
            "destinations": dests,
            "method": "match at the finest precision both codes have (prefix match); shortage rows with status "
                      "'shortage'" + (f" for {ctx.year}" if ctx.year else ", all years and sources loaded")}


def align_all(records: Iterable[dict[str, Any]], ctx: ReferenceContext, *, uncovered_limit: int | None = None
              ) -> dict[str, Any]:
    """Per destination: shortage occupations no partnership targets, and the skill-level mismatch; corridors.

    Uncovered shortages are judged only against the partnerships with occupations coded
    (``partnerships_with_occupations``, the denominator); when none has any, ``coverage_assessable`` is false
    and ``covered``/``uncovered`` are None (unknown), not "targeted by none". ``uncovered_limit`` cuts the
    list (``uncovered_not_listed`` says how many were left out); None lists all.
    """
    by_dest: dict[str, list[dict[str, Any]]] = defaultdict(list)
    corridors: Counter[tuple[str, str]] = Counter()
    corridor_occ: Counter[tuple[str, str]] = Counter()
    corridor_hit: Counter[tuple[str, str]] = Counter()
    n = 0
    for r in records:
        n += 1
        for d in r.get("destination_countries") or []:
            by_dest[d].append(r)
        share = ctx.shortage_share(r)
        for o in r.get("origin_countries") or []:
            for d in r.get("destination_countries") or []:
                corridors[(o, d)] += 1
                if share is not None:
                    corridor_occ[(o, d)] += 1
                    corridor_hit[(o, d)] += share > 0
    dests = [_destination(d, recs, ctx, uncovered_limit)
             for d, recs in sorted(by_dest.items(), key=lambda kv: (-len(kv[1]), kv[0]))]
    return {
        "n": n,
        "destinations": dests,
        "corridors": [{"origin": o, "destination": d, "partnerships": c, "with_occupations_and_data": corridor_occ[(o, d)],
                       "targeting_a_shortage": corridor_hit[(o, d)]}
                      for (o, d), c in sorted(corridors.items(), key=lambda kv: (-kv[1], kv[0]))],
        "note": "Uncovered shortages: shortage occupations that none of the destination's partnerships with "
                "occupations coded targets (unknown when none has occupations coded). Skill-level mismatch: share "
                "of partnerships (with known skill levels, coded or derived) targeting each level vs share of the "
                "destination's shortage occupations at each ISCO skill level. Absence from a shortage list does not "
                "mean no shortage: coverage per country varies.",
    }


def _destination(d: str, recs: list[dict[str, Any]], ctx: ReferenceContext, uncovered_limit: int | None
                 ) -> dict[str, Any]:
    rows = ctx.shortages.get(d)
    levels: Counter[str] = Counter()
    level_known = 0
    for r in recs:
        lv, _source = skill_levels_of(r)
        if lv:
            level_known += 1
            levels.update(lv)
    targeted = [_coded(r.get("occupations")) for r in recs]
    with_occ = sum(1 for t in targeted if t)
    entry: dict[str, Any] = {
        "country": d, "partnerships": len(recs), "has_shortage_data": rows is not None,
        "partnerships_targeting": {k: {"count": levels.get(k, 0), "share": round(levels.get(k, 0) / level_known, 4)
                                       if level_known else None} for k in ("high", "middle", "low")},
        "partnerships_with_skill_levels": level_known,
        "partnerships_with_occupations": with_occ,
    }
    if rows is None:
        return entry
    codes = sorted({row.isco for row in rows})
    entry.update({"lists": ctx.lists(d), "shortage_occupations": len(codes),
                  "shortage_skill_levels": _level_shares(codes), "coverage_assessable": with_occ > 0})
    if not with_occ:
        entry.update({"covered": None, "uncovered": None, "uncovered_shortages": [], "uncovered_not_listed": 0})
        return entry
    flat = [o for t in targeted for o in t]
    uncovered = [c for c in codes if not any(_matches(c, o) for o in flat)]
    listed = uncovered if uncovered_limit is None else uncovered[:uncovered_limit]
    entry.update({
        "covered": len(codes) - len(uncovered), "uncovered": len(uncovered),
        "uncovered_shortages": [{"code": c, "title": isco.title(c)} for c in listed],
        "uncovered_not_listed": len(uncovered) - len(listed),
    })
    return entry
