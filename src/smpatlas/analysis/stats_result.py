"""The result of the inventory statistics and its renderings.

Owns :class:`Stats` (N, the filters, each field's :class:`Distribution`, the seed's derived
figures, countries, years and the optional cross-tabulation) with its renderings: the JSON of
docs/statistics.md (:meth:`Stats.to_dict`), rows for tables and spreadsheets (:meth:`Stats.rows`,
:meth:`Stats.crosstab_rows`, :meth:`Stats.to_frame`) and the seed-style sentences
(:meth:`Stats.headlines`); and the arithmetic they share, :func:`share` (count ÷ denominator,
rounded to four places; none without a denominator), :func:`percent` (the same fraction as people read it,
rounded once from the exact count and denominator) and :func:`number_summary`. Computes no figure
from records (:mod:`stats` fills a :class:`Stats` in); never reads the database, never writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from smpatlas.analysis.stats_options import SUMMARY_STATS
from smpatlas.codebook import UNSPECIFIED
from smpatlas.errors import ConfigError


def share(count: int, denominator: int) -> float | None:
    return round(count / denominator, 4) if denominator else None


def percent(count: int, denominator: int, places: int = 0) -> str:
    """``count`` ÷ ``denominator`` as a percentage for people: "62%" (``places=1``: "62.2%").

    Rounded once, half up, from the exact fraction — never from the 4-place ``share`` (rounding twice turns
    27.75% into 27.8% and 12.5% into 12%), so every output that shows the same count of the same denominator
    shows the same percentage. A count that is not zero never shows as 0% ("<1%"), nor one short of the
    denominator as 100% (">99%"). "—" without a denominator.
    """
    if not denominator:
        return "—"
    step = Decimal(1).scaleb(-places)
    value = (Decimal(count) * 100 / Decimal(denominator)).quantize(step, rounding=ROUND_HALF_UP)
    if count and value == 0:
        return f"<{step}%"
    if count != denominator and value == 100:
        return f">{100 - step}%"
    return f"{value}%"


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

    def __repr__(self) -> str:
        """One line (a notebook shows it); ``to_dict()``, ``rows()`` and ``headlines()`` give the figures."""
        years = f"{self.year_min}–{self.year_max}" if self.year_min is not None else None
        by = self.crosstab.get("by") if self.crosstab else None
        return (f"Stats(n={self.n}, filters={self.filters!r}, fields={len(self.fields)}, "
                f"countries={len(self.countries)}, years={years!r}, by={by!r})")

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
            return ["No partnerships match the filters." if self.filters else
                    "The inventory holds no partnerships yet: import some first (smpatlas import FILE)."]
        sk = self.derived["skill_levels_students_as_middle"]
        for level, words in (("high", "target highly skilled workers"),
                             ("middle", "target middle-skilled workers (current students counted as middle)"),
                             ("low", "target low-skilled workers")):
            c = sk["values"].get(level, {}).get("count", 0)
            out.append(f"{_pct(c, n)} ({c} of {n}) {words}; skill level neither coded nor derivable for "
                       f"{sk['missing']}{_unspecified(sk)}.")
        rec = self.fields["recognition_mechanism"]
        std, uns = rec.values.get("standard_procedure", 0), rec.values.get(UNSPECIFIED, 0)
        out.append(f"{_pct(std, n)} ({std} of {n}) rely on standard recognition procedures and {_pct(uns, n)} "
                   f"({uns}) do not specify how qualifications will be recognised; not coded for {rec.missing}.")
        ik = self.derived["integration_support_kind"]
        integ = ik["values"]
        no_int = integ.get("none", {}).get("count", 0)
        lang = integ.get("language_only", {}).get("count", 0)
        broad = integ.get("broader", {}).get("count", 0)
        out.append(f"Integration support: none in {no_int}, language only in {lang}, broader in {broad} of {n} "
                   f"(not coded for {ik['missing']}{_unspecified(ik)}).")
        re = self.derived["reintegration_when_return_anticipated"]
        with_re = re["values"].get("with_reintegration_support", {}).get("count", 0)
        undecided = re.get("return_anticipation_unknown", 0)
        # The denominator rests on a derived fact: say for how many it could not be decided.
        unknown = f"; anticipation not known for {undecided}" if undecided else ""
        if re["denominator"]:
            out.append(f"Where return is anticipated ({_count(re['denominator'], 'partnership')}{unknown}), {with_re} "
                       f"{'provides' if with_re == 1 else 'provide'} reintegration support "
                       f"({_pct(with_re, re['denominator'])}); not coded for {re['missing']}{_unspecified(re)}.")
        elif undecided:
            out.append(f"Return is known to be anticipated in none of the {_count(n, 'partnership')} (anticipation "
                       f"not known for {undecided}): there is no share of reintegration support to give.")
        else:
            out.append(f"Return is anticipated in none of the {_count(n, 'partnership')}: there is no share of "
                       "reintegration support to give.")
        tg = self.derived["target_group_combinations"]
        # "none" is a coded answer (the sources say no group is targeted), not a group: said apart, never in the list.
        combos = ", ".join(f"{str(k).replace('_', ' ')}: {v['count']}" for k, v in tg["values"].items() if k != "none")
        no_group = tg["values"].get("none", {}).get("count", 0)
        targets = "targets" if tg["any_group"] == 1 else "target"
        out.append(f"{tg['any_group']} of {n} {targets} underrepresented groups ({combos or 'none'}); "
                   + (f"no group targeted in {no_group}; " if no_group else "")
                   + f"target groups not coded for {tg['missing']}.")
        sc = self.derived["planned_participants_above_threshold"]
        out.append(f"{sc['count']} of {n} planned more than {sc['threshold']:,} participants "
                   f"(planned scale not coded for {sc['missing']}).")
        return out


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun if n == 1 else noun + 's'}"


def _pct(count: int, n: int) -> str:
    return percent(count, n)


def _unspecified(block: dict[str, Any]) -> str:
    """", not specified in the sources for K" when a derived figure counts K partnerships coded ``unspecified``:
    they are neither missing nor any of the values a headline names, so the headline says them apart."""
    k = block.get("unspecified", 0)
    return f", not specified in the sources for {k}" if k else ""
