"""Assessment: scoring one partnership (or a portfolio) against the rubric.

Owns :func:`assess` (six dimension scores with coverage and the rules behind
them, the stakeholder profile, balance, gap flags and ranked
recommendations) and :func:`whatif` (the same for a modified design, as a delta).
Every number says which rules produced it and what was unknown; an assessment
also carries its coverage over all rules and per party, and the uncoded fields
to code first (:func:`fields_to_code`), so a comparison can say how much a
score rests on, and the gap flags that cannot be decided (inputs not coded).
Recommendations are ranked by the gain for the weakest party; when no party has
a score there is no gain to compute and they are ranked by the benefit weight
at stake (as the fields to code first are); what each one says and why
(:class:`Recommendation`, its ``because`` and ``needs``) is :mod:`recommendations`'.
A what-if says which fields it un-codes or newly codes and how coverage changes, and tells a flag removed by
the design from one that can no longer be assessed.
:func:`_dimension` and :func:`_profile` are the only places scores and profiles
are put together; :mod:`portfolio` reuses them. Reads rules from :mod:`rubric`;
never writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from smpatlas.analysis.predicates import uncoded as _uncoded
from smpatlas.analysis.recommendations import Recommendation as Recommendation
from smpatlas.analysis.recommendations import reason
from smpatlas.analysis.rubric import DERIVED_FIELDS, Rubric, Rule
from smpatlas.analysis.rubric import default as default_rubric

EARNED, PARTIAL, MISSED, UNKNOWN, NOT_APPLICABLE = "earned", "partial", "missed", "unknown", "not_applicable"
KNOWN = frozenset({EARNED, PARTIAL, MISSED, NOT_APPLICABLE})
#: :attr:`Assessment.recommendations_ranked_by`: by the gain for the weakest party, or (no party has a score)
#: by the rule's benefit weight summed over parties.
RANKED_BY_GAIN, RANKED_BY_WEIGHT = "weakest_party_gain", "benefit_weight"


@dataclass
class RuleResult:
    id: str
    title: str
    status: str
    points: float
    max_points: float
    values: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "status": self.status, "points": round(self.points, 4),
                "max_points": self.max_points, "values": self.values}


@dataclass
class DimensionResult:
    key: str
    score: float | None
    coverage: float
    rules: list[RuleResult]
    flags: list[str]
    title: str = ""  # the rubric's title of the dimension, for people

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "score": None if self.score is None else round(self.score, 2),
                "coverage": round(self.coverage, 4), "rules": [r.to_dict() for r in self.rules], "flags": self.flags}


@dataclass
class Assessment:
    """The assessment of one design (see ``docs/assessment.md``)."""

    id: str | None
    rubric_version: str
    dimensions: dict[str, DimensionResult]
    stakeholders: dict[str, float | None]
    balance: float | None
    flags: list[str]
    recommendations: list[Recommendation]
    weakest: str | None = None
    flag_titles: dict[str, str] = field(default_factory=dict)
    #: Share of all the rubric's rules with known inputs (rules that do not apply count as known).
    coverage: float = 0.0
    #: Party → share of its benefit weight (over all rules) from rules with known inputs, as in :mod:`portfolio`.
    party_coverage: dict[str, float] = field(default_factory=dict)
    #: The rubric's threshold: a coverage below it is *low coverage*.
    low_coverage_below: float = 0.5
    #: The uncoded fields to code first (see :func:`fields_to_code`); empty when ``detail=False``.
    code_first: list[dict[str, Any]] = field(default_factory=list)
    #: Rule or flag id → where its inputs came from, for a person (which shortage lists and years the
    #: shortage share was computed from, near matches); empty when ``detail=False`` or nothing to say.
    notes: dict[str, str] = field(default_factory=dict)
    #: The gap flags whose condition cannot be decided (inputs not coded, or a reference table missing): neither
    #: raised nor known to be absent. *destination_skewed* is unknown when a party has no score.
    flags_unknown: list[str] = field(default_factory=list)
    #: How the recommendations are ranked: ``weakest_party_gain``, or ``benefit_weight`` when no party has a
    #: score (no gain can be computed; code the fields in :attr:`code_first` first).
    recommendations_ranked_by: str = RANKED_BY_GAIN

    def __repr__(self) -> str:
        """One line (a notebook shows it): the scores, not every rule (``to_dict()`` has them)."""
        scores = {k: None if d.score is None else round(d.score, 1) for k, d in self.dimensions.items()}
        balance = None if self.balance is None else round(self.balance, 2)
        return (f"Assessment(id={self.id!r}, scores={scores!r}, balance={balance!r}, flags={self.flags!r}, "
                f"recommendations={len(self.recommendations)}, coverage={round(self.coverage, 2)!r})")

    @property
    def destination_skewed(self) -> bool:
        return "destination_skewed" in self.flags

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract: exactly these keys (``coverage`` and ``party_coverage`` are shares of
        rules, or of each party's benefit weight, with known inputs; ``notes``, ``flags_unknown`` and
        ``recommendations_ranked_by`` as the attributes)."""
        return {
            "id": self.id,
            "rubric_version": self.rubric_version,
            "dimensions": {k: d.to_dict() for k, d in self.dimensions.items()},
            "stakeholders": {k: None if v is None else round(v, 1) for k, v in self.stakeholders.items()},
            "balance": None if self.balance is None else round(self.balance, 4),
            "flags": self.flags,
            "recommendations": [r.to_dict() for r in self.recommendations],
            "coverage": round(self.coverage, 4),
            "party_coverage": {k: round(v, 4) for k, v in self.party_coverage.items()},
            "low_coverage_below": self.low_coverage_below,
            "code_first": self.code_first,
            "notes": self.notes,
            "flags_unknown": self.flags_unknown,
            "recommendations_ranked_by": self.recommendations_ranked_by,
        }

    def to_frame(self) -> Any:
        """The dimension scores as a pandas DataFrame (needs pandas)."""
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - depends on the environment
            from smpatlas.errors import ConfigError

            raise ConfigError("to_frame() needs pandas: pip install pandas") from exc
        return pd.DataFrame([{"dimension": k, "score": d.score, "coverage": d.coverage}
                             for k, d in self.dimensions.items()]).set_index("dimension")


def _rule_values(rule: Rule, record: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for name in rule.inputs():
        names = DERIVED_FIELDS[name[8:]] if name.startswith("derived:") else (name,)
        for n in names:
            out[n] = record.get(n)
    return out


def _evaluate_rule(rule: Rule, record: dict[str, Any], ctx: Any) -> tuple[str, float]:
    if rule.applies_when is not None:
        applies = rule.applies_when.fn(record, ctx)
        if applies is False:
            return NOT_APPLICABLE, 0.0
        if applies is None:
            return UNKNOWN, 0.0
    truth = rule.when.fn(record, ctx)
    if truth is None:
        return UNKNOWN, 0.0
    if not truth:
        return MISSED, 0.0
    if rule.points_by_value:
        field_name = rule.when.raw["field"]
        pts = rule.points_by_value.get(record.get(field_name), 0.0)  # type: ignore[arg-type]
        return (EARNED if pts >= rule.points else PARTIAL), pts
    return EARNED, rule.points


def _flags_of(rb: Rubric, dimension: str) -> list[Any]:
    return rb.flags_of(dimension)


def _party_scores(got: dict[str, float], avail: dict[str, float]) -> dict[str, float | None]:
    return {p: (100.0 * got[p] / avail[p] if avail[p] > 0 else None) for p in avail}


def _balance(scores: dict[str, float | None]) -> float | None:
    known = [v for v in scores.values() if v is not None]
    if len(known) < len(scores) or not known or max(known) == 0:
        return None
    return min(known) / max(known)


def assess(record: dict[str, Any], rubric: Rubric | None = None, ctx: Any = None, *,
           detail: bool = True) -> Assessment:
    """Assess one canonical record (missing fields allowed).

    ``detail=False`` skips the per-rule field values and the recommendations
    (for portfolio-wide figures, where only the scores and flags are needed).
    """
    rb = rubric or default_rubric()
    outcomes = {rule.id: _evaluate_rule(rule, record, ctx) for rule in rb.rules}
    truth = {f.id: f.when.fn(record, ctx) for f in rb.flags}
    raised = frozenset(f for f, t in truth.items() if t is True)
    out = _aggregate(rb, outcomes, raised, record, detail=detail, ctx=ctx)
    out.flags_unknown = [f for f, t in truth.items() if t is None]
    if not _skew_known(out.stakeholders):
        out.flags_unknown.append("destination_skewed")
    if detail:
        out.notes = input_notes(rb, record, ctx)
    return out


#: The parties *destination_skewed* compares (as in :func:`_profile`).
SKEW_PARTIES = ("origin", "destination", "migrants", "employers")


def _skew_known(stakeholders: dict[str, float | None]) -> bool:
    """Whether *destination_skewed* can be decided: the four parties' scores are all known (as in _profile)."""
    return len(stakeholders) == 4 and all(stakeholders.get(p) is not None for p in SKEW_PARTIES)


def input_notes(rb: Rubric, record: dict[str, Any], ctx: Any) -> dict[str, str]:
    """Rule and flag id → where their inputs came from: for every rule and flag reading the derived
    ``shortage_share``, which shortage lists (and years) it was computed from, and near matches (the
    context's ``shortage_explanation``); empty when the share is unknown."""
    explain = getattr(ctx, "shortage_explanation", None)
    text = explain(record) if explain is not None else None
    if not text:
        return {}
    rules = {r.id for r in rb.rules if "derived:shortage_share" in r.inputs()}
    flags = {f.id for f in rb.flags if "derived:shortage_share" in f.when.fields()}
    return dict.fromkeys(sorted(rules | flags), text)


def _aggregate(rb: Rubric, outcomes: dict[str, tuple[str, float]], raised: frozenset[str],
               record: dict[str, Any], *, detail: bool, ctx: Any = None) -> Assessment:
    """The assessment given each rule's outcome and the flags whose condition holds.

    Built from :func:`_dimension` and :func:`_profile`, the only places scores,
    coverage, the stakeholder profile, balance and flags are put together
    (:func:`portfolio_columns` calls the same two).
    """
    parties = list(rb.parties)
    got = dict.fromkeys(parties, 0.0)
    avail = dict.fromkeys(parties, 0.0)
    dims: dict[str, DimensionResult] = {}
    per_rule: list[tuple[Rule, str, float]] = []
    for key in rb.dimensions:
        dims[key], d_got, d_avail = _dimension(rb, key, outcomes, raised, record if detail else None)
        per_rule += [(rule, *outcomes[rule.id]) for rule in rb.rules_of(key)]
        for p in parties:
            got[p] += d_got[p]
            avail[p] += d_avail[p]
    stakeholders, balance, flags, weakest = _profile(rb, dims, got, avail, raised)
    recs = _recommend(per_rule, got, avail, stakeholders, weakest, record, ctx) if detail else []
    coverage, party_coverage = _coverage(rb, outcomes)
    return Assessment(id=record.get("id"), rubric_version=rb.version, dimensions=dims, stakeholders=stakeholders,
                      balance=balance, flags=flags, recommendations=recs, weakest=weakest,
                      flag_titles=flag_titles(rb), coverage=coverage, party_coverage=party_coverage,
                      low_coverage_below=rb.low_coverage_below,
                      code_first=fields_to_code(rb, outcomes, record) if detail else [],
                      recommendations_ranked_by=RANKED_BY_GAIN if weakest is not None else RANKED_BY_WEIGHT)


def _coverage(rb: Rubric, outcomes: dict[str, tuple[str, float]]) -> tuple[float, dict[str, float]]:
    """Share of all rules with known inputs; each party's share of its benefit weight from such rules.

    Rules that do not apply count as known, as for a dimension's coverage and in :mod:`portfolio`.
    """
    known = [rule for rule in rb.rules if outcomes[rule.id][0] in KNOWN]
    parties = {}
    for p in rb.parties:
        total = sum(rule.parties.get(p, 0.0) for rule in rb.rules)
        parties[p] = sum(rule.parties.get(p, 0.0) for rule in known) / total if total else 0.0
    return (len(known) / len(rb.rules) if rb.rules else 0.0), parties


def fields_to_code(rb: Rubric, outcomes: dict[str, tuple[str, float]], record: dict[str, Any]
                   ) -> list[dict[str, Any]]:
    """The uncoded inputs of the rules that are unknown, the most benefit weight first.

    A field's ``weight`` is the benefit weight (summed over parties) of the unknown rules that read it,
    ``rules`` those rules. A rule unknown although its inputs are coded (a reference table is missing)
    names no field.
    """
    weight: dict[str, float] = {}
    rules: dict[str, list[str]] = {}
    for rule in rb.rules:
        if outcomes[rule.id][0] != UNKNOWN:
            continue
        for name, value in _rule_values(rule, record).items():
            if _uncoded(value):
                weight[name] = weight.get(name, 0.0) + sum(rule.parties.values())
                rules.setdefault(name, []).append(rule.id)
    ranked = sorted(weight, key=lambda n: (-weight[n], -len(rules[n]), n))
    return [{"field": n, "weight": weight[n], "rules": rules[n]} for n in ranked]


def _dimension(rb: Rubric, key: str, outcomes: dict[str, tuple[str, float]], raised: frozenset[str],
               record: dict[str, Any] | None) -> tuple[DimensionResult, dict[str, float], dict[str, float]]:
    """One dimension: score, coverage, flags, and the points each party got and could get from it.

    With a ``record``, each rule's result carries the field values behind it.
    """
    got = dict.fromkeys(rb.parties, 0.0)
    avail = dict.fromkeys(rb.parties, 0.0)
    results = []
    earned = known_pts = 0.0
    n_known = 0
    rules = rb.rules_of(key)
    for rule in rules:
        status, pts = outcomes[rule.id]
        if record is not None:
            results.append(RuleResult(rule.id, rule.title, status, pts, rule.points, _rule_values(rule, record)))
        if status in KNOWN:
            n_known += 1
        if status in (EARNED, PARTIAL, MISSED):
            earned += pts
            known_pts += rule.points
            frac = pts / rule.points if rule.points else 0.0
            for p, w in rule.parties.items():
                avail[p] += w
                got[p] += w * frac
    coverage = n_known / len(rules) if rules else 0.0
    score = 4.0 * earned / known_pts if known_pts else None
    flags = [f.id for f in _flags_of(rb, key) if f.id in raised]
    if coverage < rb.low_coverage_below:
        flags.append("low_coverage")
    return DimensionResult(key, score, coverage, results, flags, rb.dimensions[key].title), got, avail


def _profile(rb: Rubric, dims: dict[str, DimensionResult], got: dict[str, float], avail: dict[str, float],
             raised: frozenset[str], *, weakest_party: bool = True
             ) -> tuple[dict[str, float | None], float | None, list[str], str | None]:
    """Stakeholder scores, balance, the design's flags and its weakest party, from the dimensions."""
    parties = list(rb.parties)
    stakeholders = _party_scores(got, avail)
    balance = _balance(stakeholders)
    flags = [f for d in dims.values() for f in d.flags if f != "low_coverage"]
    flags += [f.id for f in _flags_of(rb, "cross_cutting") if f.id in raised]
    s = stakeholders
    if all(s[p] is not None for p in ("origin", "destination", "migrants", "employers") if p in s) and len(s) == 4:
        dest_side = (s["destination"] + s["employers"]) / 2  # type: ignore[operator]
        origin_side = (s["origin"] + s["migrants"]) / 2  # type: ignore[operator]
        if dest_side - origin_side >= rb.skew_gap:
            flags.append("destination_skewed")
    if not weakest_party:
        return stakeholders, balance, flags, None
    known_scores = {p: v for p, v in stakeholders.items() if v is not None}
    weakest = min(known_scores, key=lambda p: (known_scores[p], parties.index(p))) if known_scores else None
    return stakeholders, balance, flags, weakest


def flag_titles(rb: Rubric) -> dict[str, str]:
    titles = {f.id: f.title for f in rb.flags}
    titles["destination_skewed"] = "Benefits skewed towards the destination and employers"
    titles["low_coverage"] = "Score built on mostly unknown inputs"
    return titles


def _recommend(per_rule: list[tuple[Rule, str, float]], got: dict[str, float], avail: dict[str, float],
               before: dict[str, float | None], weakest: str | None, record: dict[str, Any], ctx: Any
               ) -> list[Recommendation]:
    """Every rule not earned, the most gain for the weakest party first (then the most gain over all parties).

    A gain is a change of a score known before: ``total`` sums over the parties with a score before (a party
    first scored by the rule has no score to gain from). With no weakest party (no party has a score) there is
    no gain at all: the rules are ranked by their benefit weight summed over parties, in the rubric's order
    on ties.
    """
    out = []
    for rule, status, pts in per_rule:
        if status not in (MISSED, UNKNOWN, PARTIAL):
            continue
        g, a = dict(got), dict(avail)
        for p, w in rule.parties.items():
            if status == UNKNOWN:
                a[p] += w
                g[p] += w
            else:
                g[p] += w * (1 - pts / rule.points)
        after = _party_scores(g, a)
        gain = (after[weakest] or 0.0) - (before[weakest] or 0.0) if weakest is not None else 0.0
        total = sum((after[p] or 0.0) - b for p, b in before.items() if b is not None)
        weight = float(sum(rule.parties.values()))
        because, undecided = reason(rule, status, record, ctx, scored=weakest is not None)
        key = (-round(gain, 6), -round(total, 6)) if weakest is not None else (-weight, 0.0)
        out.append((key, Recommendation(rule.recommendation, rule.dimension, gain, rule.id, weakest, because,
                                        status, total, undecided, weight)))
    out.sort(key=lambda t: t[0])
    return [r for _, r in out]


@dataclass
class WhatIf:
    """An assessment before and after a change of the design, and the delta between them.

    A score is over the rules with known inputs, so un-coding a field can raise it: the delta says which fields
    the change un-codes (``fields_uncoded``: coded before, not coded after) or newly codes, and how coverage
    changed. A flag raised before and unknown after (its input no longer coded) is *not assessable now*, not
    removed: ``flags_removed`` holds only the flags whose condition is now known not to hold.
    """

    before: Assessment
    after: Assessment
    changes: dict[str, tuple[Any, Any]]

    def __repr__(self) -> str:
        """One line (a notebook shows it): what changed and the score deltas (``delta()`` has the rest)."""
        return (f"WhatIf(id={self.before.id!r}, changes={sorted(self.changes)!r}, "
                f"dimensions={self.delta()['dimensions']!r})")

    @property
    def fields_uncoded(self) -> list[str]:
        """The changed fields that were coded and are not any more (the change removes information)."""
        return [k for k, (a, b) in sorted(self.changes.items()) if not _uncoded(a) and _uncoded(b)]

    @property
    def fields_coded(self) -> list[str]:
        """The changed fields that were not coded and now are (the change adds information)."""
        return [k for k, (a, b) in sorted(self.changes.items()) if _uncoded(a) and not _uncoded(b)]

    def delta(self) -> dict[str, Any]:
        def d(a: float | None, b: float | None) -> float | None:
            return None if a is None or b is None else round(b - a, 4)

        before, after = self.before, self.after
        return {
            "dimensions": {k: d(before.dimensions[k].score, after.dimensions[k].score) for k in before.dimensions},
            "stakeholders": {p: d(before.stakeholders[p], after.stakeholders[p]) for p in before.stakeholders},
            "balance": d(before.balance, after.balance),
            "flags_removed": [f for f in before.flags if f not in after.flags and f not in after.flags_unknown],
            "flags_added": [f for f in after.flags if f not in before.flags],
            "flags_not_assessable": [f for f in before.flags if f in after.flags_unknown],
            "coverage": {"rules": d(before.coverage, after.coverage),
                         "dimensions": {k: d(before.dimensions[k].coverage, after.dimensions[k].coverage)
                                        for k in before.dimensions},
                         "parties": {p: d(before.party_coverage.get(p), after.party_coverage.get(p))
                                     for p in before.party_coverage}},
            "fields_uncoded": self.fields_uncoded,
            "fields_coded": self.fields_coded,
        }

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.before.id, "changes": {k: {"from": a, "to": b} for k, (a, b) in self.changes.items()},
                "before": self.before.to_dict(), "after": self.after.to_dict(), "delta": self.delta()}


def whatif(record: dict[str, Any], modified: dict[str, Any], rubric: Rubric | None = None, ctx: Any = None) -> WhatIf:
    changes = {k: (record.get(k), modified.get(k)) for k in set(record) | set(modified)
               if record.get(k) != modified.get(k)}
    return WhatIf(assess(record, rubric, ctx), assess(modified, rubric, ctx), changes)
