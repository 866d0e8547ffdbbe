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
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from smpatlas.codebook import UNSPECIFIED
from smpatlas.reference import isco, regulated
from smpatlas.reference.shortages import WHO_SSL, country_list
from smpatlas.store.schema import shortages

HEALTH_PREFIXES = ("221", "222", "226", "321", "322", "532")


@dataclass(frozen=True)
class Row:
    isco: str
    year: int
    status: str
    source: str


def _matches(code: str, other: str) -> bool:
    return code.startswith(other) or other.startswith(code)


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

    def shortage_share(self, record: dict[str, Any]) -> float | None:
        """Share of the record's occupations in shortage at one or more of its destinations with data."""
        occ = [o for o in record.get("occupations") or [] if o != UNSPECIFIED]
        dests = [d for d in record.get("destination_countries") or [] if d in self.shortages]
        if not occ or not dests:
            return None
        hits = sum(1 for o in occ if any(self.in_shortage(o, d) for d in dests))
        return hits / len(occ)

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
                    "regulated_here": regulated.regulated(d, o),
                })
            n_in = sum(1 for p in per_occ if p["in_shortage"])
            entry.update({
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
    return {"id": record.get("id"), "occupations": [{"code": o, "title": isco.title(o)} for o in occ],
            "skill_levels": levels, "skill_levels_source": levels_from,
            "shortage_share": ctx.shortage_share(record), "destinations": dests,
            "method": "match at the finest precision both codes have (prefix match); shortage rows with status "
                      "'shortage'" + (f" for {ctx.year}" if ctx.year else ", all years and sources loaded")}


def align_all(records: Iterable[dict[str, Any]], ctx: ReferenceContext, *, uncovered_limit: int = 50
              ) -> dict[str, Any]:
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
    dests = []
    for d, recs in sorted(by_dest.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        rows = ctx.shortages.get(d)
        levels: Counter[str] = Counter()
        level_known = 0
        for r in recs:
            lv, _source = skill_levels_of(r)
            if lv:
                level_known += 1
                levels.update(lv)
        entry: dict[str, Any] = {
            "country": d, "partnerships": len(recs), "has_shortage_data": rows is not None,
            "partnerships_targeting": {k: {"count": levels.get(k, 0), "share": round(levels.get(k, 0) / level_known, 4)
                                           if level_known else None} for k in ("high", "middle", "low")},
            "partnerships_with_skill_levels": level_known,
        }
        if rows is not None:
            codes = sorted({row.isco for row in rows})
            targeted = [o for r in recs for o in r.get("occupations") or [] if o != UNSPECIFIED]
            covered = [c for c in codes if any(_matches(c, o) for o in targeted)]
            uncovered = [c for c in codes if c not in covered]
            entry.update({
                "shortage_occupations": len(codes), "covered": len(covered), "uncovered": len(uncovered),
                "uncovered_shortages": [{"code": c, "title": isco.title(c)} for c in uncovered[:uncovered_limit]],
                "shortage_skill_levels": _level_shares(codes),
                "partnerships_with_occupations": sum(1 for r in recs if r.get("occupations")),
            })
        dests.append(entry)
    return {
        "n": n,
        "destinations": dests,
        "corridors": [{"origin": o, "destination": d, "partnerships": c, "with_occupations_and_data": corridor_occ[(o, d)],
                       "targeting_a_shortage": corridor_hit[(o, d)]}
                      for (o, d), c in sorted(corridors.items(), key=lambda kv: (-kv[1], kv[0]))],
        "note": "Skill-level mismatch: share of partnerships (with known skill levels, coded or derived) targeting "
                "each level vs share of the destination's shortage occupations at each ISCO skill level. Absence "
                "from a shortage list does not mean no shortage: coverage per country varies.",
    }
