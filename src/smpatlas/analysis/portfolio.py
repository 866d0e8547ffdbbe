"""The portfolio: the assessment of many partnerships at once.

Owns :class:`Portfolio` (each dimension's distribution, the share of each gap
flag, the mean stakeholder profile, the most and least balanced partnerships)
and how it is computed over a column view of the selection (see
:mod:`columns`): each rubric rule and flag once per distinct combination of
the fields it declares, each dimension once per distinct combination of its
rules' outcomes, each profile once per distinct combination of dimension
results — with :mod:`assessment`'s own code, weighted by the number of records
sharing it. Gives the same figures as assessing every record one by one (a
test checks it). Never writes anything.

Every figure states what it rests on. A gap flag is three-valued (raised, not
raised, unknown): its share is given of the partnerships where it is known,
with the unknown count beside it, and a flag known for none is marked not
assessable (``share`` of all partnerships is kept for compatibility).
*destination_skewed* is known where all four party scores are. A party's
coverage is the share of the benefit weight the rubric gives it (over all
rules) that comes from rules with known inputs (rules that do not apply count
as known, as for a dimension's coverage); a balance index rests on low
coverage when one of its party scores does. Score bands are the score rounded
down (2.67 is in band 2). The most and least balanced lists never share a
partnership: each holds at most half of those with a balance index.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from smpatlas.analysis.assessment import (
    KNOWN,
    DimensionResult,
    _dimension,
    _evaluate_rule,
    _profile,
    _skew_known,
    flag_titles,
)
from smpatlas.analysis.columns import Columns, fetch_chunks, paused_gc
from smpatlas.analysis.rubric import DERIVED_FIELDS, Rubric, Truth
from smpatlas.analysis.rubric import default as default_rubric
from smpatlas.analysis.stats import number_summary
from smpatlas.store.filters import Filters


@dataclass
class Portfolio:
    n: int
    rubric_version: str
    dimensions: dict[str, dict[str, Any]]
    flags: dict[str, dict[str, Any]]
    stakeholders: dict[str, dict[str, Any]]
    balance: dict[str, Any]
    most_balanced: list[dict[str, Any]]
    least_balanced: list[dict[str, Any]]
    filters: dict[str, Any] = field(default_factory=dict)
    low_coverage_below: float = 0.5

    def __repr__(self) -> str:
        """One line (a notebook shows it); ``to_dict()`` gives the figures."""
        return f"Portfolio(n={self.n}, filters={self.filters!r}, rubric_version={self.rubric_version!r})"

    def to_dict(self) -> dict[str, Any]:
        return {"n": self.n, "rubric_version": self.rubric_version, "filters": self.filters,
                "low_coverage_below": self.low_coverage_below,
                "dimensions": self.dimensions, "flags": self.flags, "stakeholders": self.stakeholders,
                "balance": self.balance, "most_balanced": self.most_balanced, "least_balanced": self.least_balanced}


def _summary(counts: Counter[float], n: int) -> dict[str, Any]:
    """Scored and unscored partnerships, mean and median, from how many partnerships had each value."""
    scored = sum(counts.values())
    if not scored:
        return {"n_scored": 0, "n_unscored": n, "mean": None, "median": None}
    got = number_summary(counts)
    return {"n_scored": scored, "n_unscored": n - scored, "mean": got["mean"], "median": round(got["median"], 4)}


def portfolio(records: Iterable[dict[str, Any]], rubric: Rubric | None = None, ctx: Any = None,
              top: int = 5, filters: dict[str, Any] | None = None) -> Portfolio:
    """Distributions of every dimension, flag shares and stakeholder means over canonical ``records``."""
    rb = rubric or default_rubric()
    cols = Columns.from_records(records, portfolio_fields(rb))
    return portfolio_columns(cols, rb, ctx, top=top, filters=filters)


def portfolio_of_selection(conn: Connection, filters: Filters | None = None, rubric: Rubric | None = None,
                           ctx: Any = None, top: int = 5) -> Portfolio:
    """The portfolio assessment of the partnerships ``filters`` select, read from the database in chunks."""
    rb = rubric or default_rubric()
    tally = _Tally(rb, top)
    with paused_gc():
        for cols in fetch_chunks(conn, filters, portfolio_fields(rb)):
            tally.add(cols, ctx)
    return tally.portfolio(filters.to_dict() if filters else {})


def reads(condition_fields: Iterable[str]) -> tuple[str, ...]:
    """The codebook fields behind a condition's inputs (derived predicates expanded)."""
    out: list[str] = []
    for name in sorted(condition_fields):
        out += DERIVED_FIELDS[name[8:]] if name.startswith("derived:") else (name,)
    return tuple(dict.fromkeys(out))


def portfolio_fields(rb: Rubric) -> list[str]:
    """Every field the rubric's rules and flags read, plus id and name."""
    names = ["id", "name"]
    for rule in rb.rules:
        names += reads(rule.inputs())
    for flag in rb.flags:
        names += reads(flag.when.fields())
    return list(dict.fromkeys(names))


def _per_record(cols: Columns, names: tuple[str, ...], fn: Any, codes: list[Any]) -> list[int]:
    """``fn`` of every record, computed once per distinct combination of ``names``, as codes into ``codes``."""
    if not names:
        codes.append(fn({}))
        return [0] * cols.n
    keys: Sequence[Any] = cols[names[0]] if len(names) == 1 else cols.keys(names)
    memo: dict[Any, int] = {}
    index: dict[Any, int] = {}
    for k in set(keys):
        value = fn({names[0]: cols.decode(names[0], k)} if len(names) == 1 else cols.fragment(names, k))
        if value not in index:
            index[value] = len(codes)
            codes.append(value)
        memo[k] = index[value]
    return list(map(memo.__getitem__, keys))


def portfolio_columns(cols: Columns, rubric: Rubric | None = None, ctx: Any = None, top: int = 5,
                      filters: dict[str, Any] | None = None) -> Portfolio:
    """The portfolio over a column view of the selection (see :mod:`columns`)."""
    tally = _Tally(rubric or default_rubric(), top)
    tally.add(cols, ctx)
    return tally.portfolio(filters or {})


#: A distinct profile: dimension results, party scores, balance, flags raised, each party's coverage.
Profile = tuple[dict[str, DimensionResult], dict[str, float | None], float | None, list[str], dict[str, float]]
#: A distinct dimension result: the result, and per party the points got, the points available, the weight known.
DimPart = tuple[DimensionResult, tuple[float, ...], tuple[float, ...], tuple[float, ...]]


def _truth(value: Any) -> Truth:
    """A flag condition's value as True, False or None (unknown)."""
    return None if value is None else bool(value)


def _party_weights(rb: Rubric) -> dict[str, float]:
    """Each party's benefit weight summed over every rule: the denominator of its coverage."""
    return {p: sum(rule.parties.get(p, 0.0) for rule in rb.rules) for p in rb.parties}


def _profiles(cols: Columns, rb: Rubric, ctx: Any
              ) -> tuple[list[tuple[int, ...]], dict[tuple[int, ...], Profile], dict[str, Counter[Truth]]]:
    """Each record's signature, the assessment behind each distinct signature, and each flag's truth counts.

    Each rule and flag is evaluated once per distinct combination of the
    fields it reads (it reads nothing else: the rubric declares its inputs);
    each dimension is scored once per distinct combination of its rules'
    outcomes and flags, and each record's profile once per distinct
    combination of dimension results — by the same code as :func:`assess`.
    A flag is raised when its condition is true (as in :func:`assess`);
    the counts say for how many records it was true, false or unknown.
    """
    n = cols.n
    parties = list(rb.parties)
    weights = _party_weights(rb)
    # 1. Each rule's outcome and each flag's truth, per record, as small integer codes.
    outcome_of: dict[str, tuple[list[Any], list[int]]] = {}
    for rule in rb.rules:
        codes: list[Any] = []
        per = _per_record(cols, reads(rule.inputs()), lambda r, rule=rule: _evaluate_rule(rule, r, ctx), codes)
        outcome_of[rule.id] = codes, per
    truths: dict[str, Counter[Truth]] = {}
    for flag in rb.flags:
        codes = []
        per = _per_record(cols, reads(flag.when.fields()), lambda r, flag=flag: _truth(flag.when.fn(r, ctx)), codes)
        outcome_of["flag:" + flag.id] = codes, per
        truths[flag.id] = Counter({codes[c]: w for c, w in Counter(per).items()})
    # 2. Each dimension, once per distinct combination of its rules' outcomes and flags.
    dim_codes: list[list[int]] = []
    dim_results: list[list[DimPart]] = []
    for key in rb.dimensions:
        rules = rb.rules_of(key)
        rule_ids = [r.id for r in rules]
        flag_ids = [f.id for f in rb.flags_of(key)]
        inputs = [outcome_of[i] for i in rule_ids] + [outcome_of["flag:" + f] for f in flag_ids]
        results: list[DimPart] = []
        memo: dict[tuple[int, ...], int] = {}
        sigs = list(zip(*(per for _, per in inputs), strict=True)) if inputs else [()] * n
        for sig in set(sigs):
            outcomes = {rid: inputs[i][0][sig[i]] for i, rid in enumerate(rule_ids)}
            raised = frozenset(f for j, f in enumerate(flag_ids) if inputs[len(rule_ids) + j][0][sig[len(rule_ids) + j]])
            d, got, avail = _dimension(rb, key, outcomes, raised, None)
            weight_known = tuple(sum(r.parties.get(p, 0.0) for r in rules if outcomes[r.id][0] in KNOWN)
                                 for p in parties)
            memo[sig] = len(results)
            results.append((d, tuple(got[p] for p in parties), tuple(avail[p] for p in parties), weight_known))
        dim_codes.append(list(map(memo.__getitem__, sigs)))
        dim_results.append(results)
    cross = [outcome_of["flag:" + f.id] for f in rb.flags_of("cross_cutting")]
    # 3. Each record's profile, once per distinct combination of dimension results and cross-cutting flags.
    signatures: list[tuple[int, ...]] = (list(zip(*dim_codes, *(per for _, per in cross), strict=True))
                                         if dim_codes or cross else [()] * n)
    keys = list(rb.dimensions)
    n_dims = len(keys)
    profiles: dict[tuple[int, ...], Profile] = {}
    for sig in set(signatures):
        parts = [dim_results[i][c] for i, c in enumerate(sig[:n_dims])]
        dims = {k: part[0] for k, part in zip(keys, parts, strict=True)}
        # Summed dimension by dimension, in the same order as _aggregate (so the floats are identical).
        got = dict(zip(parties, map(sum, zip(*(part[1] for part in parts), strict=True)), strict=True))
        avail = dict(zip(parties, map(sum, zip(*(part[2] for part in parts), strict=True)), strict=True))
        known = dict(zip(parties, map(sum, zip(*(part[3] for part in parts), strict=True)), strict=True))
        coverage = {p: known[p] / weights[p] if weights[p] else 0.0 for p in parties}
        raised = frozenset(f.id for c, f in zip(sig[n_dims:], rb.flags_of("cross_cutting"), strict=True)
                           if outcome_of["flag:" + f.id][0][c])
        stakeholders, balance, flags, _ = _profile(rb, dims, got, avail, raised, weakest_party=False)
        profiles[sig] = dims, stakeholders, balance, flags, coverage
    return signatures, profiles, truths


BANDS = ("0", "1", "2", "3", "4")


class _Tally:
    """The portfolio's sums over records, added chunk by chunk."""

    def __init__(self, rb: Rubric, top: int) -> None:
        self.rb, self.top, self.n = rb, top, 0
        self.low = rb.low_coverage_below
        # How many partnerships had each value (not a list of every partnership's: memory bounded by values).
        self.scores: dict[str, Counter[float]] = {k: Counter() for k in rb.dimensions}
        self.bins: dict[str, Counter[str]] = {k: Counter() for k in rb.dimensions}
        self.low_bins: dict[str, Counter[str]] = {k: Counter() for k in rb.dimensions}  # scored on low coverage
        self.coverage: dict[str, Counter[float]] = {k: Counter() for k in rb.dimensions}
        self.by_party: dict[str, Counter[float]] = {p: Counter() for p in rb.parties}
        self.party_coverage: dict[str, Counter[float]] = {p: Counter() for p in rb.parties}
        self.party_low: Counter[str] = Counter()  # party scores resting on low coverage
        self.flag_counts: Counter[str] = Counter()
        self.flag_truths: dict[str, Counter[Truth]] = {f.id: Counter() for f in rb.flags}
        self.skew_known = 0
        self.balances: Counter[float] = Counter()
        self.balance_low = 0  # balance indexes with a party score resting on low coverage
        self.least: list[tuple[float, str, str]] = []  # the `top` lowest (balance, id, name) so far
        self.most: list[tuple[float, str, str]] = []

    def add(self, cols: Columns, ctx: Any) -> None:
        self.n += cols.n
        signatures, profiles, truths = _profiles(cols, self.rb, ctx)
        for f, counts in truths.items():
            self.flag_truths[f].update(counts)
        for sig, w in Counter(signatures).items():
            dims, stakeholders, balance, flags, coverage = profiles[sig]
            for k, d in dims.items():
                self.coverage[k][d.coverage] += w
                if d.score is None:
                    self.bins[k]["not scored"] += w
                else:
                    self.scores[k][d.score] += w
                    band = str(min(4, int(d.score)))  # rounded down: 2.67 is in band 2
                    self.bins[k][band] += w
                    if d.coverage < self.low:
                        self.low_bins[k][band] += w
            for p, v in stakeholders.items():
                self.party_coverage[p][coverage[p]] += w
                if v is not None:
                    self.by_party[p][v] += w
                    if coverage[p] < self.low:
                        self.party_low[p] += w
            if _skew_known(stakeholders):
                self.skew_known += w
            if balance is not None and any(coverage[p] < self.low for p in stakeholders):
                self.balance_low += w
            for f in set(flags):
                self.flag_counts[f] += w
        ids, names = cols["id"], cols["name"]
        chunk = [(b, str(ids[i]), str(names[i])) for i, sig in enumerate(signatures)
                 if (b := profiles[sig][2]) is not None]
        self.balances.update(b for b, _, _ in chunk)
        self.least = heapq.nsmallest(self.top, self.least + chunk)
        self.most = heapq.nlargest(self.top, self.most + chunk)

    def _flag(self, fid: str, title: str) -> dict[str, Any]:
        """A flag's count with both denominators: all partnerships (``share``) and those where it is known."""
        n, count = self.n, self.flag_counts.get(fid, 0)
        if fid == "destination_skewed":
            known = self.skew_known
        else:
            truth = self.flag_truths.get(fid, Counter())
            known = truth[True] + truth[False]
        return {"title": title, "count": count, "denominator": n, "share": round(count / n, 4) if n else None,
                "known": known, "unknown": n - known,
                "share_of_known": round(count / known, 4) if known else None, "assessable": known > 0}

    def portfolio(self, filters: dict[str, Any]) -> Portfolio:
        rb, n = self.rb, self.n
        dims_out = {k: {**_summary(self.scores[k], n),
                        "mean_coverage": number_summary(self.coverage[k])["mean"] if n else None,
                        "n_low_coverage": sum(self.low_bins[k].values()),
                        "distribution": {b: self.bins[k].get(b, 0) for b in (*BANDS, "not scored")},
                        "distribution_low_coverage": {b: self.low_bins[k].get(b, 0) for b in BANDS}}
                    for k in rb.dimensions}
        titles = {k: v for k, v in flag_titles(rb).items() if k != "low_coverage"}
        flags_out = {f: self._flag(f, titles[f]) for f in titles}
        parties_out = {p: {**_summary(v, n),
                           "mean_coverage": number_summary(self.party_coverage[p])["mean"] if n else None,
                           "n_low_coverage": self.party_low.get(p, 0)} for p, v in self.by_party.items()}
        # Each list holds at most half of the partnerships with a balance index, so none is in both.
        ranked = min(self.top, sum(self.balances.values()) // 2)
        return Portfolio(
            n=n, rubric_version=rb.version, dimensions=dims_out, flags=flags_out, stakeholders=parties_out,
            balance={**_summary(self.balances, n), "destination_skewed": self.flag_counts.get("destination_skewed", 0),
                     "n_low_coverage": self.balance_low},
            most_balanced=[{"id": i, "name": nm, "balance": round(b, 4)} for b, i, nm in self.most[:ranked]],
            least_balanced=[{"id": i, "name": nm, "balance": round(b, 4)} for b, i, nm in self.least[:ranked]],
            filters=filters, low_coverage_below=rb.low_coverage_below,
        )
