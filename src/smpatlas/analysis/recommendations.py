"""What a recommendation says: the rule it serves, why it is recommended, and what to code first.

Owns :class:`Recommendation` (one change to the design; :mod:`assessment` re-exports it, computes its gains
and ranks them), :func:`reason` (a rule's ``because`` and ``needs`` for one record) and
:func:`unknown_inputs` (why a condition is unknown for a record: the inputs not coded, those the sources
leave ``unspecified``, and the reference table that is missing — a shortage list, regulated-profession data
or the WHO safeguards list). ``because`` is for a person, ``needs`` for a program: the uncoded fields that
decide whether the rule applies at all. Reads the record and the reference context; never writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from smpatlas.analysis.conditions import Condition
from smpatlas.analysis.predicates import DERIVED, DERIVED_FIELDS, NEEDS_REFERENCE, uncoded
from smpatlas.analysis.rubric import Rule
from smpatlas.codebook import UNSPECIFIED
from smpatlas.reference import regulated

#: ``because`` of a rule whose inputs are known: it is not, or only partly, in the design.
IN_DESIGN = {"missed": "not in the design", "partial": "only partly in the design"}
#: How ``because`` says an input is not known: missing from the record, or coded ``unspecified``.
NOT_CODED, NOT_SPECIFIED = "not coded", "not specified in the sources"


@dataclass
class Recommendation:
    """One change to the design: the rule it would satisfy, why it is recommended, and what it would gain.

    ``gain`` is the change in the weakest party's score (``party``) if the rule were then met; ``total``
    the change summed over all parties (a recommendation can help others and not the weakest party).
    ``because`` says why, naming the inputs: "not in the design", "not coded: occupations", "not specified
    in the sources: recognition_mechanism", "no shortage list loaded for AUT".
    ``needs`` lists the fields that decide whether the rule applies at all when they are not coded: the gain
    is then conditional on their values, and a what-if that sets only the recommended field changes nothing.
    ``weight`` is the rule's benefit weight summed over parties: the ranking when no party has a score (then
    ``gain`` and ``total`` are 0 and not meaningful: see ``Assessment.recommendations_ranked_by``).
    """

    text: str
    dimension: str
    gain: float
    rule: str = ""
    party: str | None = None
    because: str = ""
    status: str = ""
    total: float = 0.0
    needs: tuple[str, ...] = ()
    weight: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "dimension": self.dimension, "gain": round(self.gain, 1), "rule": self.rule,
                "status": self.status, "because": self.because, "party": self.party,
                "total_gain": round(self.total, 1), "needs": list(self.needs), "weight": self.weight}


@dataclass(frozen=True)
class Unknowns:
    """Why a condition is unknown: its uncoded inputs (in the order it reads them), split into those not coded
    and those coded ``unspecified``, and the reference tables missing ("no shortage list loaded for AUT")."""

    fields: tuple[str, ...]
    not_coded: tuple[str, ...]
    unspecified: tuple[str, ...]
    reference: tuple[str, ...]


def _coded(record: dict[str, Any], name: str) -> list[str]:
    return [v for v in record.get(name) or [] if v != UNSPECIFIED]


def _missing_reference(name: str, record: dict[str, Any], ctx: Any) -> str | None:
    """Why a derived predicate needing reference data is unknown although its inputs may be coded; None when
    the reference data is there (an input is not coded)."""
    dests = _coded(record, "destination_countries")
    if name == "shortage_share":
        tables = getattr(ctx, "shortages", None) or {}
        missing = [d for d in dests if d not in tables]
        return f"no shortage list loaded for {', '.join(missing)}" if dests and missing == dests else None
    if name == "regulated_occupation":
        occ = _coded(record, "occupations")
        if ctx is None or not hasattr(ctx, name):
            return "no reference data loaded (regulated professions)" if occ and dests else None
        without = [d for d in dests if all(regulated.regulated(d, o) is None for o in occ)]
        return f"no regulated-profession data for {', '.join(without)}" if occ and without == dests else None
    if name == "health_recruitment_from_safeguards_list" and not getattr(ctx, "who_countries", None):
        return "no WHO safeguards list loaded"
    return None


def unknown_inputs(cond: Condition, record: dict[str, Any], ctx: Any) -> Unknowns:
    """The inputs of ``cond`` that are not known for ``record``, and the reference tables it lacks."""
    reads = sorted(cond.fields())
    names = dict.fromkeys(n for name in reads for n in (DERIVED_FIELDS[name[8:]] if name.startswith("derived:")
                                                         else (name,)))
    fields = tuple(n for n in names if uncoded(record.get(n)))
    derived = [name[8:] for name in reads if name.startswith("derived:") and name[8:] in NEEDS_REFERENCE]
    reference = tuple(text for d in derived if DERIVED[d](record, ctx) is None
                      and (text := _missing_reference(d, record, ctx)))
    return Unknowns(fields, tuple(n for n in fields if record.get(n) is None),
                    tuple(n for n in fields if record.get(n) is not None), reference)


def reason(rule: Rule, status: str, record: dict[str, Any], ctx: Any, *, scored: bool) -> tuple[str, tuple[str, ...]]:
    """``because`` and ``needs`` of the recommendation for a rule not earned (``scored``: a party has a score,
    so the recommendation has a gain, which assumes the rule applies)."""
    if status in IN_DESIGN:
        return IN_DESIGN[status], ()
    applies = rule.applies_when
    if applies is not None and applies.fn(record, ctx) is None:
        u = unknown_inputs(applies, record, ctx)
        groups = [f"{', '.join(names)}, {how}" for names, how in ((u.not_coded, NOT_CODED),
                                                                  (u.unspecified, NOT_SPECIFIED)) if names]
        if groups:
            todo = f": code {'it' if len(u.fields) == 1 else 'them'} first"
            assumes = " (the gain assumes it applies)" if scored else ""
            return "; ".join([f"whether it applies depends on {'; and '.join(groups)}{todo}{assumes}",
                              *u.reference]), u.fields
        if u.reference:
            return "; ".join(["whether it applies is unknown", *u.reference]), ()
    u = unknown_inputs(rule.when, record, ctx)
    parts = [f"{how}: {', '.join(names)}" for names, how in ((u.not_coded, NOT_CODED), (u.unspecified, NOT_SPECIFIED))
             if names]
    return "; ".join([*parts, *u.reference]) or "its inputs are not known", ()
