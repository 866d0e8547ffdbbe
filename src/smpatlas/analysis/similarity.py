"""Comparing a draft design with an inventory: percentiles and nearest partnerships.

Owns :func:`percentiles` (where a draft's dimension and party scores fall
among the inventory's) and :func:`most_similar` with its documented measure:
the mean, over design fields coded in both records, of the Jaccard
similarity of their value sets (|A ∩ B| ÷ |A ∪ B|); fields missing in
either record are skipped, and a partnership must share at least
``MIN_SHARED`` coded fields with the draft to be compared. A draft is never
an inventory record: a partnership sharing the draft's ``id`` is compared like
any other (only the draft object itself is left out).

Percentiles say what they rest on. A score is computed over the rules with
known inputs only, so a draft (or a partnership) with few coded fields can
score at the top. The draft's coverage (share of all rules with known inputs,
and per party the share of its benefit weight) is reported with the rubric's
low-coverage threshold; below it the percentiles are marked not meaningful and
the uncoded fields of the unknown rules with the most benefit weight are
named, to code first. Partnerships are compared only when their own coverage
(over all rules) is at least the threshold: ``compared_with`` counts them,
``selected`` the whole selection.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smpatlas.analysis.assessment import KNOWN, Assessment
from smpatlas.codebook import default as default_codebook

MIN_SHARED = 3
MEASURE = ("mean Jaccard similarity of value sets over the design fields coded in both records "
           f"(enumerated, set, country and occupation fields; at least {MIN_SHARED} shared)")


def design_fields() -> list[str]:
    skip = {"id", "codebook_version", "confidence", "coder"}
    return [f.name for f in default_codebook().fields
            if f.name not in skip and (f.enumerated or f.kind in ("countries", "isco"))]


def _as_set(value: Any) -> frozenset[Any]:
    return frozenset(value) if isinstance(value, list) else frozenset([value])


def similarity(a: dict[str, Any], b: dict[str, Any], fields: list[str] | None = None) -> tuple[float, int]:
    """(similarity 0–1, number of fields coded in both)."""
    total, shared = 0.0, 0
    for name in fields or design_fields():
        va, vb = a.get(name), b.get(name)
        if va is None or vb is None:
            continue
        sa, sb = _as_set(va), _as_set(vb)
        total += len(sa & sb) / len(sa | sb)
        shared += 1
    return (total / shared if shared else 0.0), shared


@dataclass
class Neighbour:
    id: str
    name: str
    similarity: float
    shared_fields: int

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "similarity": round(self.similarity, 4),
                "shared_fields": self.shared_fields}


def most_similar(draft: dict[str, Any], records: Iterable[dict[str, Any]], k: int = 5) -> list[Neighbour]:
    """The ``k`` records most similar to the draft (see :data:`MEASURE`), most similar first.

    A draft is never an inventory record, whatever its ``id``: only the draft object itself is left out
    (when a caller passes it among ``records``), never a partnership that happens to share its id.
    """
    fields = design_fields()
    out = []
    for rec in records:
        if rec is draft:
            continue
        sim, shared = similarity(draft, rec, fields)
        if shared >= MIN_SHARED:
            out.append(Neighbour(rec["id"], rec.get("name", ""), sim, shared))
    out.sort(key=lambda n: (-n.similarity, -n.shared_fields, n.id))
    return out[:k]


def percentile(value: float | None, population: list[float]) -> float | None:
    """Share (0–100) of the population at or below ``value`` (population sorted)."""
    if value is None or not population:
        return None
    return round(100.0 * bisect_right(population, value) / len(population), 1)


#: Uncoded fields named in a benchmark, to code first.
CODE_FIRST = 5


def draft_coverage(draft: Assessment) -> dict[str, Any]:
    """What the draft's scores rest on: its coverage, the threshold, and the fields to code first."""
    low = draft.low_coverage_below
    parties = {p: round(v, 4) for p, v in draft.party_coverage.items()}
    is_low = draft.coverage < low  # a party below it is marked on its own percentile
    results = [r for d in draft.dimensions.values() for r in d.rules]
    return {"rules": round(draft.coverage, 4), "rules_known": sum(r.status in KNOWN for r in results),
            "rules_total": len(results), "parties": parties, "threshold": low, "low": is_low,
            "percentiles_meaningful": not is_low, "code_first": draft.code_first[:CODE_FIRST]}


def percentiles(draft: Assessment, population: Iterable[Assessment]) -> dict[str, Any]:
    dims: dict[str, list[float]] = {k: [] for k in draft.dimensions}
    parties: dict[str, list[float]] = {p: [] for p in draft.stakeholders}
    balance: list[float] = []
    n = selected = 0
    low = draft.low_coverage_below
    for a in population:
        selected += 1
        if a.coverage < low:
            continue
        n += 1
        for k, d in a.dimensions.items():
            if d.score is not None:
                dims[k].append(d.score)
        for p, v in a.stakeholders.items():
            if v is not None:
                parties[p].append(v)
        if a.balance is not None:
            balance.append(a.balance)
    for values in (*dims.values(), *parties.values(), balance):
        values.sort()
    pcov = draft.party_coverage
    return {
        "compared_with": n,
        "selected": selected,
        "left_out_low_coverage": selected - n,
        "min_coverage": low,
        "coverage": draft_coverage(draft),
        "note": "percentile = share of the compared partnerships whose score is at or below the draft's; "
                f"only partnerships with coverage ≥ {low:.0%} of the rubric's rules are compared; "
                "partnerships without a score on a dimension are left out of that dimension.",
        "dimensions": {k: {"score": draft.dimensions[k].score, "percentile": percentile(draft.dimensions[k].score, v),
                           "denominator": len(v), "coverage": round(draft.dimensions[k].coverage, 4),
                           "low_coverage": draft.dimensions[k].coverage < low} for k, v in dims.items()},
        "stakeholders": {p: {"score": draft.stakeholders[p], "percentile": percentile(draft.stakeholders[p], v),
                             "denominator": len(v), "coverage": round(pcov.get(p, 0.0), 4),
                             "low_coverage": pcov.get(p, 0.0) < low} for p, v in parties.items()},
        "balance": {"score": draft.balance, "percentile": percentile(draft.balance, balance),
                    "denominator": len(balance), "low_coverage": any(v < low for v in pcov.values())},
    }
