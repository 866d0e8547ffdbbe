"""Comparing a draft design with an inventory: percentiles and nearest partnerships.

Owns :func:`percentiles` (where a draft's dimension and party scores fall
among the inventory's) and :func:`most_similar` with its documented measure:
the mean, over design fields coded in both records, of the Jaccard
similarity of their value sets (|A ∩ B| ÷ |A ∪ B|); fields missing in
either record are skipped, and a partnership must share at least
``MIN_SHARED`` coded fields with the draft to be compared.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from smpatlas.analysis.assessment import Assessment
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
    fields = design_fields()
    out = []
    for rec in records:
        if draft.get("id") and rec.get("id") == draft.get("id"):
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


def percentiles(draft: Assessment, population: Iterable[Assessment]) -> dict[str, Any]:
    dims: dict[str, list[float]] = {k: [] for k in draft.dimensions}
    parties: dict[str, list[float]] = {p: [] for p in draft.stakeholders}
    balance: list[float] = []
    n = 0
    for a in population:
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
    return {
        "compared_with": n,
        "note": "percentile = share of the compared partnerships whose score is at or below the draft's; "
                "partnerships without a score on a dimension are left out of that dimension.",
        "dimensions": {k: {"score": draft.dimensions[k].score, "percentile": percentile(draft.dimensions[k].score, v),
                           "denominator": len(v)} for k, v in dims.items()},
        "stakeholders": {p: {"score": draft.stakeholders[p], "percentile": percentile(draft.stakeholders[p], v),
                             "denominator": len(v)} for p, v in parties.items()},
        "balance": {"score": draft.balance, "percentile": percentile(draft.balance, balance),
                    "denominator": len(balance)},
    }
