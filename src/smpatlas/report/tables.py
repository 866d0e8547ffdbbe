"""The tables behind the charts: one :class:`Table` per chart, in plain words.

Owns :class:`InventoryData` (the statistics, the portfolio assessment and the
records of one selection, computed once), :class:`Table` (title, columns,
rows, caption notes), one builder per inventory chart and
:func:`outcome_tables` (a table per outcome indicator reported). A chart, the table
printed beside it and the spreadsheet sheet all come from the same Table, so
the numbers can never disagree. Also owns :func:`plain`, the plain-language
label of a vocabulary value. Knows nothing of HTML, PDF or Vega-Lite.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from smpatlas.analysis import outcomes as outcomes_mod
from smpatlas.analysis.outcomes import Outcomes
from smpatlas.analysis.portfolio import Portfolio
from smpatlas.analysis.rubric import Rubric
from smpatlas.analysis.stats import Stats
from smpatlas.analysis.stats_result import percent
from smpatlas.codebook import UNSPECIFIED
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of
from smpatlas.store.filters import describe

NOT_CODED = "Not coded"
NOT_SPECIFIED = "Not specified in the sources"
#: Largest corridors drawn in the flow chart (the spreadsheet has every corridor).
TOP_CORRIDORS = 40
#: Planned-scale bins: (label, lowest, highest inclusive or None).
SCALE_BINS: tuple[tuple[str, int, int | None], ...] = (
    ("Under 100", 0, 99), ("100–499", 100, 499), ("500–999", 500, 999),
    ("1,000–4,999", 1000, 4999), ("5,000–19,999", 5000, 19999), ("20,000 or more", 20000, None),
)
_WORDS = {"ict": "ICT", "eu": "EU", "eu_blue_card": "EU Blue Card", "long_term": "Long-term",
          "short_term": "Short-term", "energy_green": "Energy and green jobs",
          "hospitality_tourism": "Hospitality and tourism", "transport_logistics": "Transport and logistics",
          "health_care": "Health care", "none": "None", UNSPECIFIED: NOT_SPECIFIED,
          "true": "Yes", "false": "No", "ethnic_cultural_minorities": "Ethnic or cultural minorities",
          "displaced_persons": "Displaced persons", "persons_with_disabilities": "Persons with disabilities",
          "mutual_recognition_agreement": "Mutual recognition agreement", "not_required": "Not required",
          "standard_procedure": "Standard procedure", "joint_curriculum": "Joint curriculum"}


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: "1 partnership", "1,000 partnerships", "2 countries"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def plain(value: Any) -> str:
    """A vocabulary value as people say it: ``long_term`` → ``Long-term``."""
    text = str(value)
    if text in _WORDS:
        return _WORDS[text]
    return text.replace("_", " ").capitalize()


@dataclass
class Table:
    """The numbers behind one chart: ``rows`` of dicts keyed by the column keys."""

    name: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    category: str = "label"  # the column whose values are the chart's categories

    def categories(self) -> list[str]:
        return [str(r[self.category]) for r in self.rows]


@dataclass
class InventoryData:
    """Everything an inventory report needs, computed once for one selection."""

    stats: Stats
    portfolio: Portfolio
    records: list[dict[str, Any]]
    rubric: Rubric
    title: str = "Inventory of skills mobility partnerships"
    generated: str = field(default_factory=lambda: date.today().isoformat())
    #: Charts already drawn for this selection (name → SVG): writing the HTML and the PDF draws each once.
    rendered: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    #: Outcomes over time of the selection (:func:`~smpatlas.report.inventory.collect` computes them once); when
    #: not given (the web dashboard builds its own data), computed from ``records`` on first use.
    outcomes_of_selection: Outcomes | None = field(default=None, repr=False, compare=False)

    @property
    def n(self) -> int:
        return self.stats.n

    @property
    def outcomes(self) -> Outcomes:
        """Outcomes over time across the selection (``atlas.outcomes()`` of the same filters), computed once."""
        if self.outcomes_of_selection is None:
            self.outcomes_of_selection = outcomes_mod.compute(self.records, filters=dict(self.stats.filters))
        return self.outcomes_of_selection

    def source_line(self) -> str:
        """The caption every chart carries: where the numbers come from."""
        filt = describe(self.stats.filters) or "none"
        return (f"Source: SMP Atlas inventory, {counted(self.n, 'partnership')} (codebook {default_codebook().version}, "
                f"rubric {self.portfolio.rubric_version}); filters: {filt}; produced {self.generated}.")


class Share(float):
    """A share as ``stats`` gives it (count ÷ denominator rounded to 4 places) that keeps its count and
    denominator, so a table, a chart label and a spreadsheet cell show the percentage rounded once from the exact
    fraction (:func:`~smpatlas.analysis.stats_result.percent`), as the headline figures do."""

    count: int
    denominator: int

    def __new__(cls, count: int, denominator: int) -> Share:
        obj = super().__new__(cls, round(count / denominator, 4))
        obj.count, obj.denominator = count, denominator
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return Share, (self.count, self.denominator)

    def percent(self, places: int = 0) -> str:
        return percent(self.count, self.denominator, places)


def _pct(count: int, n: int) -> Share | None:
    return Share(count, n) if n else None


def _field_table(data: InventoryData, name: str, title: str, heading: str) -> Table:
    d = data.stats.fields[name]
    dd = d.to_dict()
    rows = [{"label": plain(v), "value": v, "count": x["count"], "share": _pct(x["count"], d.denominator),
             "kind": "unspecified" if v == UNSPECIFIED else "value"} for v, x in dd["values"].items()]
    if d.missing:
        rows.append({"label": NOT_CODED, "value": "", "count": d.missing, "share": _pct(d.missing, data.n),
                     "kind": "missing"})
    notes = [f"N = {counted(data.n, 'partnership')}; {d.missing:,} not coded, {d.unspecified:,} coded as not specified."]
    if d.multi:
        notes.append("A partnership can have several values, so shares may sum past 100%.")
    return Table(name, title, [("label", heading), ("count", "Partnerships"), ("share", "Share of N")], rows, notes)


def skill_levels(data: InventoryData) -> Table:
    t = _field_table(data, "skill_levels", "Skill levels targeted", "Skill level")
    t.notes.append("The headline figures count current students as middle-skilled (the seed's rule); "
                   "this chart shows the coded skill levels as they are.")
    return t


def mobility_types(data: InventoryData) -> Table:
    return _field_table(data, "mobility_types", "Mobility types offered", "Mobility type")


def recognition(data: InventoryData) -> Table:
    return _field_table(data, "recognition_mechanism", "How qualifications are recognised", "Recognition mechanism")


def integration(data: InventoryData) -> Table:
    return _field_table(data, "integration_support", "Integration support at the destination", "Integration support")


def reintegration(data: InventoryData) -> Table:
    return _field_table(data, "reintegration_support", "Reintegration support after return", "Reintegration support")


def target_groups(data: InventoryData) -> Table:
    return _field_table(data, "target_groups", "Underrepresented groups targeted", "Target group")


def sectors(data: InventoryData) -> Table:
    return _field_table(data, "sectors", "Economic sectors", "Sector")


def planned_scale(data: InventoryData) -> Table:
    counts: Counter[str] = Counter()
    missing = 0
    for rec in data.records:
        pp = rec.get("planned_participants")
        if pp is None:
            missing += 1
            continue
        for label, lo, hi in SCALE_BINS:
            if pp >= lo and (hi is None or pp <= hi):
                counts[label] += 1
    rows = [{"label": label, "count": counts[label], "share": _pct(counts[label], data.n), "kind": "value"}
            for label, _, _ in SCALE_BINS]
    rows.append({"label": NOT_CODED, "count": missing, "share": _pct(missing, data.n), "kind": "missing"})
    return Table("planned_scale", "Planned number of participants",
                 [("label", "Planned participants"), ("count", "Partnerships"), ("share", "Share of N")], rows,
                 [f"N = {counted(data.n, 'partnership')}; planned scale not coded for {missing:,}.", _scale_note(data)])


def _scale_note(data: InventoryData) -> str:
    """How the bins relate to the headline figure, which counts partnerships planning *more than* the threshold."""
    sc = data.stats.derived["planned_participants_above_threshold"]
    return (f"The headline figure counts partnerships planning more than {sc['threshold']:,} participants "
            f"({sc['count']:,}); a bin includes both ends of its range (5,000–19,999 includes a plan of exactly 5,000).")


def timeline(data: InventoryData) -> Table:
    d = data.stats.fields["start_year"]
    years = sorted(int(y) for y in d.values)
    rows = [{"label": str(y), "count": d.values.get(str(y), 0), "share": _pct(d.values.get(str(y), 0), data.n),
             "kind": "value"} for y in (range(years[0], years[-1] + 1) if years else [])]
    return Table("timeline", "Partnerships by start year",
                 [("label", "Start year"), ("count", "Partnerships started"), ("share", "Share of N")], rows,
                 [f"N = {counted(data.n, 'partnership')}; start year not coded for {d.missing:,}."])


def corridors(data: InventoryData, top: int | None = TOP_CORRIDORS) -> Table:
    pairs: Counter[tuple[str, str]] = Counter()
    for rec in data.records:
        for o in rec.get("origin_countries") or ():
            for dst in rec.get("destination_countries") or ():
                pairs[(o, dst)] += 1
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], name_of(kv[0][0]), name_of(kv[0][1])))
    shown = ranked[:top] if top else ranked
    rows = [{"label": f"{name_of(o)} → {name_of(dst)}", "origin": name_of(o), "destination": name_of(dst),
             "origin_code": o, "destination_code": dst, "count": c} for (o, dst), c in shown]
    notes = [f"A partnership counts once for every origin–destination pair it links ({counted(len(pairs), 'corridor')} "
             f"among {counted(data.n, 'partnership')})."]
    if top and len(ranked) > top:
        notes.append(f"The {top} largest corridors are shown; the spreadsheet export lists all {len(ranked):,}.")
    return Table("corridors" if top else "corridors_all", "Corridors: from origin to destination",
                 [("origin", "Origin"), ("destination", "Destination"), ("count", "Partnerships")], rows, notes)


def countries(data: InventoryData) -> Table:
    as_o: Counter[str] = Counter()
    as_d: Counter[str] = Counter()
    total: Counter[str] = Counter()
    for rec in data.records:
        o, dst = set(rec.get("origin_countries") or ()), set(rec.get("destination_countries") or ())
        as_o.update(o)
        as_d.update(dst)
        total.update(o | dst)
    rows = [{"label": name_of(c), "code": c, "origin": as_o[c], "destination": as_d[c], "count": total[c]}
            for c in sorted(total, key=lambda c: (-total[c], name_of(c)))]
    return Table("world_map", "Partnerships by country",
                 [("label", "Country"), ("origin", "As origin"), ("destination", "As destination"),
                  ("count", "Partnerships involving it")], rows,
                 [f"{counted(len(rows), 'country', 'countries')} in {counted(data.n, 'partnership')}; a partnership "
                  "counts once per country; countries in grey have none."])


def dimensions(data: InventoryData) -> Table:
    rows = []
    for key, d in data.portfolio.dimensions.items():
        title = data.rubric.dimensions[key].title
        for b, c in d["distribution"].items():
            label = "Not scored" if b == "not scored" else f"Score {b}"
            rows.append({"dimension": title, "label": label, "count": c, "share": _pct(c, data.n),
                         "category_key": f"{title}: {label}"})
    low = f"coverage below {data.portfolio.low_coverage_below:.0%}"
    # The means as `smpatlas assess --all` gives them: two decimals, over the partnerships scored.
    means = "; ".join(
        f"{data.rubric.dimensions[k].title}: mean {d['mean']:.2f} over {d['n_scored']:,} scored "
        f"({d['n_low_coverage']:,} on {low})" if d["mean"] is not None else
        f"{data.rubric.dimensions[k].title}: not scored for any" for k, d in data.portfolio.dimensions.items())
    return Table("dimensions", "Six design dimensions: how partnerships score (0–4)",
                 [("dimension", "Dimension"), ("label", "Score"), ("count", "Partnerships"), ("share", "Share of N")],
                 rows, [f"N = {counted(data.n, 'partnership')}; a score is rounded down to a whole number; 'not scored' "
                        "= no rule of the dimension had known inputs.", means], category="category_key")


def _flag_order(row: dict[str, Any]) -> tuple[bool, float, int]:
    """As ``smpatlas assess --all`` lists them: assessable first, the largest share of those judged first."""
    return (row["share"] is None, -(row["share"] or 0.0), -row["count"])


def gap_flags(data: InventoryData) -> Table:
    """Each gap flag over the partnerships where it could be judged (its inputs known), as ``assess --all`` gives
    it: a flag is never raised on an unknown input, so a share of N would read "not coded" as "no gap"."""
    rows = [{"label": f["title"], "flag": k, "count": f["count"], "known": f["known"], "unknown": f["unknown"],
             "share": _pct(f["count"], f["known"])} for k, f in data.portfolio.flags.items()]
    rows.sort(key=_flag_order)
    never = [r["label"] for r in rows if r["share"] is None]
    notes = [f"N = {counted(data.n, 'partnership')}; a flag is raised only on known inputs, so each share is of the "
             "partnerships where the flag could be judged (not coded never counts as a gap, nor as its absence)."]
    if never:
        notes.append(f"Cannot be assessed for any of the {counted(data.n, 'partnership')} (inputs not coded or "
                     f"reference data not loaded): {'; '.join(never)}.")
    return Table("gap_flags", "Design gaps: share of the partnerships where each could be judged",
                 [("label", "Gap"), ("count", "Raised in"), ("known", "Judged for"), ("share", "Share of those judged"),
                  ("unknown", "Not known for")], rows, notes)


def stakeholders(data: InventoryData) -> Table:
    rows = [{"label": data.rubric.parties.get(p, plain(p)), "party": p, "mean": s["mean"], "median": s["median"],
             "count": s["n_scored"]} for p, s in data.portfolio.stakeholders.items()]
    b = data.portfolio.balance
    bal = (f"mean balance index {b['mean']:.2f} over {counted(b['n_scored'], 'partnership')}" if b["mean"] is not None
           else "no balance index could be computed")
    skew = data.portfolio.flags.get("destination_skewed")
    known = skew["known"] if skew else data.n
    skewed = (f"{b['destination_skewed']:,} of the {counted(known, 'partnership')} with all four party scores "
              f"{'is' if b['destination_skewed'] == 1 else 'are'} skewed towards the destination and employers"
              if known else "none has all four party scores, so none can be judged skewed")
    return Table("stakeholders", "Stakeholder balance across the portfolio (0–100)",
                 [("label", "Party"), ("mean", "Mean score"), ("median", "Median score"), ("count", "Scored in")],
                 rows, [f"N = {counted(data.n, 'partnership')}; {bal}; {skewed}."])


# -- outcomes over time ---------------------------------------------------------------------------------------------
#: Why a line is left out, in words (docs/statistics.md, "Outcomes over time").
LEFT_OUT_RULES = {
    outcomes_mod.WHOLE_YEAR_PREFERRED: "the same partnership reports the whole year, which is counted (adding both "
                                       "could count people twice)",
    outcomes_mod.UNREADABLE_PERIOD: "the period is not one of the codebook's forms, so its year cannot be told",
}


#: Partnerships named in a cell of an outcome table; the rest are counted ("… and K more"): the workbook names all.
IDS_SHOWN = 10


def _named(ids: list[str]) -> str:
    shown = ", ".join(ids[:IDS_SHOWN])
    return shown + (f" … and {len(ids) - IDS_SHOWN:,} more (all in the workbook)" if len(ids) > IDS_SHOWN else "")


def people(value: Any) -> str:
    """A number of people as given: whole numbers with separators, a fraction kept (never rounded away)."""
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


def _spans_note(o: Outcomes, indicator: str | None = None) -> str | None:
    spans = [c for c in o.cells if c.kind == outcomes_mod.SPANS and indicator in (None, c.indicator)]
    k = sum(len(c.lines) for c in spans)
    if not k:
        return None
    return (f"{counted(k, 'line')} spanning years {'is' if k == 1 else 'are'} counted apart, by end year, with "
            "the periods given: never spread over the years, not drawn as yearly values, and not to be added to "
            "the years (a span usually includes them).")


def outcomes(data: InventoryData) -> Table:
    """The people of each indicator reported, year by year (the chart's numbers; spans are in the section's tables)."""
    return outcomes_table(data.outcomes)


def outcomes_table(o: Outcomes) -> Table:
    """:func:`outcomes` of any :class:`Outcomes` (the web's Outcomes page draws its chart from it)."""
    rows = []
    for c in o.cells:
        if c.kind != outcomes_mod.YEAR:
            continue
        k = o.reporting.get(c.indicator, 0)
        ids = c.ids
        rows.append({"label": f"{plain(c.indicator)}, {c.year}", "indicator": plain(c.indicator),
                     "indicator_key": c.indicator, "year": c.year, "people": c.sum, "partnerships": len(ids),
                     "reporting": k, "of_reporting": f"{len(ids):,} of {k:,}"})
    reported = [i for i in o.indicators if o.reporting.get(i)]
    notes = [f"N = {counted(o.n, 'partnership')} selected; {o.with_outcomes:,} report an outcome indicator. People "
             "are added up over the partnerships reporting the indicator that year: a figure is not of N, and a "
             "partnership that gives no figure for a year is not a zero."]
    if reported:
        notes.append("Partnerships reporting (a line in any period): " + "; ".join(
            f"{plain(i)} {o.reporting[i]:,}" for i in reported) + ".")
    if spans := _spans_note(o):
        notes.append(spans)
    return Table("outcomes", "Outcomes over time: people per year, by indicator",
                 [("indicator", "Indicator"), ("year", "Year"), ("people", "People"),
                  ("of_reporting", "Partnerships, of those reporting")], rows, notes)


def outcome_tables(data: InventoryData) -> list[Table]:
    """One table per indicator reported: year → people and partnerships (of those reporting), spans apart, with
    the denominators, the lines left out with their rule and the notes naming partnerships."""
    o = data.outcomes
    out = []
    for ind in o.indicators:
        k = o.reporting.get(ind, 0)
        if not k:
            continue
        rows = []
        for c in o.cells:
            if c.indicator != ind:
                continue
            ids = c.ids
            if c.kind == outcomes_mod.YEAR:
                label = str(c.year)
            else:
                periods = ", ".join(dict.fromkeys(line.period for line in c.lines))
                label = f"Spanning years, ending {c.year} ({periods})"
            rows.append({"label": label, "year": c.year, "kind": c.kind, "people": people(c.sum),
                         "value": c.sum, "partnerships": len(ids), "reporting": k,
                         "of_reporting": f"{len(ids):,} of {k:,}", "ids": _named(ids)})
        notes = [f"N = {counted(o.n, 'partnership')} selected; {k:,} report '{plain(ind).lower()}' (a line in any "
                 f"period); each year's people are added up over the partnerships giving a figure for it."]
        if spans := _spans_note(o, ind):
            notes.append(spans)
        left = [(line, rule) for line, rule in o.left_out if line.indicator == ind]
        for rule in dict.fromkeys(rule for _, rule in left):
            lines = [line for line, r in left if r == rule]
            notes.append(f"Left out ({rule}: {LEFT_OUT_RULES.get(rule, rule.replace('_', ' '))}): " + "; ".join(
                f"{line.partnership} {line.period}: {people(line.value)}" for line in lines) + ".")
        notes += [n.text for n in o.notes if n.indicator == ind]
        out.append(Table(f"outcomes_{ind}", f"{plain(ind)}: people by year",
                         [("label", "Year"), ("people", "People"), ("of_reporting", "Partnerships, of those reporting"),
                          ("ids", "Which partnerships")], rows, notes))
    return out


#: Inventory chart name → table builder, in report order.
BUILDERS: dict[str, Callable[[InventoryData], Table]] = {
    "skill_levels": skill_levels, "mobility_types": mobility_types, "recognition": recognition,
    "integration": integration, "reintegration": reintegration, "target_groups": target_groups,
    "planned_scale": planned_scale, "timeline": timeline, "sectors": sectors, "corridors": corridors,
    "world_map": countries, "dimensions": dimensions, "gap_flags": gap_flags, "stakeholders": stakeholders,
    "outcomes": outcomes,
}
