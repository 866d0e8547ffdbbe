"""The mutual-benefit assessment for a person: what ``assess``, ``whatif`` and ``benchmark`` print as text.

Renders :mod:`smpatlas.analysis.assessment` and :mod:`smpatlas.analysis.portfolio`
for a person: values in words (never Python reprs), every figure with its
denominator and what was unknown, balance with two decimals everywhere, and
no markup tags in the output. An empty selection is said in words (exit 0, as
``stats`` does). The commands themselves are in :mod:`smpatlas.cli.cmd_assess`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.markup import escape

from smpatlas import display
from smpatlas.cli import common as c
from smpatlas.codebook import default as default_codebook
from smpatlas.display import NOT_CODED, plain

if TYPE_CHECKING:
    from smpatlas.analysis import assessment as asm
    from smpatlas.analysis import rubric as rubric_mod
    from smpatlas.analysis.portfolio import Portfolio

#: Recommendations printed in text; the rest are counted (JSON has them all).
SHOWN_RECOMMENDATIONS = 8


def _score(v: float | None, digits: int = 1) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _count(n: int, noun: str = "partnership") -> str:
    """``1 partnership``, ``2 partnerships``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _pct(x: float) -> str:
    return "<1%" if 0 < x < 0.005 else f"{x:.0%}"


def _value(name: str, value: Any) -> str:
    """A field value as a person writes it ("not coded", "bridging course", "Germany (DEU)")."""
    cb = default_codebook()
    if name in cb:
        return plain(cb[name], value)
    return NOT_CODED if value is None else str(value)


def print_assessment(a: asm.Assessment, rb: rubric_mod.Rubric, name: str = "") -> None:
    """The assessment for a person; its notes (rule or flag id → text) are printed under that rule or flag."""
    notes = a.notes
    c.out.print(f"[bold]{escape(name or a.id or '')}[/bold]  (rubric v{escape(a.rubric_version)})")
    for key, d in a.dimensions.items():
        bar = "█" * round(d.score or 0) + "·" * (4 - round(d.score or 0))
        low = "  low coverage" if "low_coverage" in d.flags else ""
        c.out.print(f"\n  {rb.dimensions[key].title:<40} {bar} {_score(d.score)}/4   coverage {d.coverage:.0%}{low}",
                    markup=False)
        for r in d.rules:
            mark = {"earned": "+", "partial": "~", "missed": "-", "unknown": "?", "not_applicable": " "}[r.status]
            vals = "; ".join(f"{k}: {_value(k, v)}" for k, v in r.values.items()) or NOT_CODED
            c.out.print(f"     {mark} {r.title} [{r.points:g}/{r.max_points:g}, {r.status.replace('_', ' ')}] "
                        f"({vals})", markup=False)
            if r.id in notes:
                c.out.print(f"         {notes[r.id]}", markup=False)
    c.out.print("\n  [bold]Stakeholder profile[/bold] (0–100)")
    for p, v in a.stakeholders.items():
        n = round((v or 0) / 5)
        c.out.print(f"     {rb.parties[p]:<24} {'█' * n}{'·' * (20 - n)} {_score(v)}", markup=False)
    balance = ("not computed (needs every party's score, not all zero)" if a.balance is None
               else _score(a.balance, 2))
    c.out.print(f"     balance index {balance}" + ("  — destination-skewed" if a.destination_skewed else ""),
                markup=False)
    if a.flags:
        c.out.print("\n  [bold]Gap flags[/bold]")
        for f in a.flags:
            c.out.print(f"     ! {a.flag_titles.get(f, f)} ({f})", markup=False)
            if f in notes:
                c.out.print(f"       {notes[f]}", markup=False)
    if a.weakest is not None and a.coverage < a.low_coverage_below and a.code_first:
        c.out.print(f"\n  Coverage {_pct(a.coverage)} of the rubric's rules, below {_pct(a.low_coverage_below)}: "
                    f"code these fields first: {_code_first(a)}", markup=False)
    if a.recommendations:
        _print_recommendations(a, rb)


#: Uncoded fields named in "code these fields first".
SHOWN_CODE_FIRST = 5


def _code_first(a: asm.Assessment) -> str:
    """'remote_work (3 rules, benefit weight 10), …': the uncoded fields to code first, as the JSON's code_first."""
    return ", ".join(f"{x['field']} ({_count(len(x['rules']), 'rule')}, benefit weight {x['weight']:g})"
                     for x in a.code_first[:SHOWN_CODE_FIRST])


def _print_recommendations(a: asm.Assessment, rb: rubric_mod.Rubric) -> None:
    """Ranked by the gain for the weakest party; with no party scored, by benefit weight and without gains."""
    if a.weakest is not None:
        ranked = f"ranked by gain for the weakest party: {rb.parties.get(a.weakest, a.weakest)}"
    else:
        ranked = ("no party has a known score, so no gain can be computed: ranked by the benefit weight at stake, "
                  "the rule's weight summed over the parties")
    c.out.print(f"\n  [bold]Recommendations[/bold] ({ranked})")
    if a.weakest is None and a.code_first:
        c.out.print(f"     Code these fields first (the inputs of the unknown rules, most benefit weight first): "
                    f"{_code_first(a)}", markup=False)
    for i, rec in enumerate(a.recommendations[:SHOWN_RECOMMENDATIONS], 1):
        figure = display.gain(rec.to_dict(), a.recommendations_ranked_by)
        c.out.print(f"     {i}. {rec.text} [{rec.dimension}, {figure}; {rec.because}]", markup=False)
    more = len(a.recommendations) - SHOWN_RECOMMENDATIONS
    if more > 0:
        c.out.print(f"     … and {more} more (use --format json to see all {len(a.recommendations)})", markup=False)


def _flag_line(fid: str, fl: dict[str, Any], rb: rubric_mod.Rubric) -> str:
    """One gap flag: raised of known, and unknown; or why it cannot be assessed at all."""
    if not fl["assessable"]:
        flag = next((f for f in rb.flags if f.id == fid), None)
        reads = [n[8:] for n in sorted(flag.when.fields() if flag else ()) if n.startswith("derived:")]
        from smpatlas.analysis.predicates import NEEDS_REFERENCE

        why = next((NEEDS_REFERENCE[r] for r in reads if r in NEEDS_REFERENCE), "its inputs are not coded")
        every = "the one partnership" if fl["unknown"] == 1 else f"all {fl['unknown']}"
        return f"{fl['title']}: cannot be assessed — unknown for {every} ({why})"
    unknown = f"unknown for {fl['unknown']}" if fl["unknown"] else "known for all"
    from smpatlas.analysis.stats_result import percent  # rounded once from the count, as the report's table

    return f"{fl['title']}: {fl['count']} of {fl['known']} with it known ({percent(fl['count'], fl['known'])}); {unknown}"


def _ranked(label: str, items: list[dict[str, Any]]) -> str:
    return f"  {label}: " + ", ".join(f"{x['id']} ({x['balance']:.2f})" for x in items)


def _scored(summary: dict[str, Any], n: int, low: str) -> str:
    """'scored 99 of 173; 12 of the 99 on coverage below 50%; mean coverage 38%' (a dimension or a party)."""
    return (f"scored {summary['n_scored']} of {n}; {summary['n_low_coverage']} of the {summary['n_scored']} on "
            f"{low}; mean coverage {summary['mean_coverage']:.0%}")


def print_portfolio(p: Portfolio, rb: rubric_mod.Rubric) -> None:
    from smpatlas.store.filters import describe

    where = f" matching {describe(p.filters)}" if p.filters else ""
    if p.n == 0:
        c.out.print(f"No partnerships{where or ' in the inventory'}: nothing to assess.", markup=False)
        return
    low = f"coverage below {p.low_coverage_below:.0%}"
    c.out.print(f"[bold]Portfolio of {_count(p.n)}[/bold]{escape(where)}, rubric v{escape(p.rubric_version)}")
    c.out.print("\n  [bold]Dimension scores[/bold] (0–4; bands: the score rounded down, e.g. 2.67 is in band 2; "
                "coverage = share of the dimension's rules with known inputs)")
    for key, d in p.dimensions.items():
        if d["n_scored"]:
            c.out.print(f"  {rb.dimensions[key].title:<40} mean {d['mean']:.2f}/4, {_scored(d, p.n, low)}",
                        markup=False)
        else:
            c.out.print(f"  {rb.dimensions[key].title:<40} not scored for any of the {p.n} (no rule with known "
                        f"inputs); mean coverage {d['mean_coverage']:.0%}", markup=False)
        c.out.print("      bands " + "  ".join(f"{b}:{n}" for b, n in d["distribution"].items()), markup=False)
    c.out.print("\n  [bold]Gap flags[/bold] (raised only on known inputs: counted of the partnerships where known)")
    for fid, fl in sorted(p.flags.items(), key=lambda kv: (not kv[1]["assessable"], -(kv[1]["share_of_known"] or 0),
                                                           -kv[1]["count"])):
        c.out.print("     " + _flag_line(fid, fl, rb), markup=False)
    c.out.print("\n  [bold]Mean stakeholder profile[/bold] (0–100; a party's coverage = share of its rule weight "
                "with known inputs)")
    for party, sm in p.stakeholders.items():
        if sm["n_scored"]:
            c.out.print(f"     {rb.parties[party]:<24} {sm['mean']:.1f} ({_scored(sm, p.n, low)})", markup=False)
        else:
            c.out.print(f"     {rb.parties[party]:<24} not scored for any of the {p.n}", markup=False)
    _print_balance(p, low)


def _print_balance(p: Portfolio, low: str) -> None:
    b = p.balance
    c.out.print("")
    if not b["n_scored"]:
        c.out.print(f"  Balance index: none of the {p.n} has one (it needs every party's score, not all zero)",
                    markup=False)
    else:
        without = f" ({b['n_unscored']} without one)" if b["n_unscored"] else ""
        c.out.print(f"  Balance index (lowest party score ÷ highest): median {b['median']:.2f}, mean {b['mean']:.2f}, "
                    f"over {b['n_scored']} of {p.n}{without}; {b['n_low_coverage']} of the {b['n_scored']} rest on "
                    f"a party score with {low}", markup=False)
    if p.most_balanced:
        c.out.print(_ranked("Most balanced", p.most_balanced), markup=False)
        c.out.print(_ranked("Least balanced", p.least_balanced), markup=False)
    elif b["n_scored"]:
        c.out.print(f"  Most and least balanced: only {_count(b['n_scored'])} with a balance index, nothing to rank",
                    markup=False)


def _change(a: float | None, b: float | None, digits: int) -> str:
    """The change between two shown values, as shown: the difference of the rounded values."""
    if a is None and b is None:
        return ""
    if a is None:
        return "newly scored"
    if b is None:
        return "no longer scored"
    d = round(b, digits) - round(a, digits)
    return "no change" if round(d, digits) == 0 else f"{d:+.{digits}f}"


def _coverage_change(a: float | None, b: float | None) -> str:
    """'coverage 75% → 50%', or 'coverage 75%' when it did not change."""
    if a is None or b is None:
        return ""
    return f"coverage {_pct(a)}" if _pct(a) == _pct(b) else f"coverage {_pct(a)} → {_pct(b)}"


def _fewer_rules(a: float | None, b: float | None, cov_a: float | None, cov_b: float | None, digits: int) -> str:
    """A warning on a rise that rests on fewer rules: it is not an improvement."""
    if a is None or b is None or cov_a is None or cov_b is None:
        return ""
    rose = round(b, digits) > round(a, digits)
    return "  — over fewer rules, not an improvement" if rose and cov_b < cov_a else ""


def _information_lines(w: asm.WhatIf, rb: rubric_mod.Rubric) -> list[str]:
    """'Removes information: …' and 'Adds information: …', with the coverage that changed."""
    dims = [f"{rb.dimensions[k].title} {_pct(w.before.dimensions[k].coverage)} → {_pct(w.after.dimensions[k].coverage)}"
            for k in rb.dimensions if w.before.dimensions[k].coverage != w.after.dimensions[k].coverage]
    overall = f"all rules {_pct(w.before.coverage)} → {_pct(w.after.coverage)}"
    lines = []
    for names, was, now, effect in (
            (w.fields_uncoded, "coded", "not coded",
             "scores are over fewer rules ({}), so a rise here is not an improvement"),
            (w.fields_coded, "not coded", "coded",
             "scores are over more rules ({}), so a fall here shows what was unknown before, not a worse design")):
        if not names:
            continue
        said = "; ".join(f"{k} was {was}" + (f" ({_value(k, w.changes[k][0])})" if was == "coded" else "")
                         for k in names)
        coverage = "; ".join([*dims, overall])
        what = effect.format(coverage) if dims else "no rule's coverage changes, so no score rests on it"
        verb = "Removes" if was == "coded" else "Adds"
        lines.append(f"  {verb} information: {said}, now {now} — {what}")
    return lines


def print_whatif(w: asm.WhatIf, record_id: str, rb: rubric_mod.Rubric) -> None:
    """The delta for a person: every score with its coverage before → after, and what the change un-codes."""
    delta = w.delta()
    said = "; ".join(f"{k}: {_value(k, a)} → {_value(k, b)}" for k, (a, b) in sorted(w.changes.items()))
    c.out.print(f"[bold]What if[/bold] {escape(record_id)}: {escape(said or 'the design is unchanged')}")

    def row(label: str, a: float | None, b: float | None, digits: int,
            cov_a: float | None = None, cov_b: float | None = None) -> None:
        change = _change(a, b, digits)
        cov = _coverage_change(cov_a, cov_b)
        line = f"  {label:<40} {_score(a, digits):>6} → {_score(b, digits):>6}  {change}"
        if cov:  # the coverage column after the widest change ("no longer scored")
            line = f"{line:<{2 + 40 + 1 + 6 + 3 + 6 + 2 + 16}}  {cov}{_fewer_rules(a, b, cov_a, cov_b, digits)}"
        c.out.print(line.rstrip(), markup=False)

    for line in _information_lines(w, rb):
        c.out.print(line, markup=False)
    overall = _coverage_change(w.before.coverage, w.after.coverage).removeprefix("coverage ")
    c.out.print(f"  Scores are over the rules with known inputs. Coverage (share of a dimension's rules, or of a party's "
                f"benefit weight, with known inputs) of all rules: {overall}", markup=False)
    for k in rb.dimensions:
        b, a = w.before.dimensions[k], w.after.dimensions[k]
        row(rb.dimensions[k].title, b.score, a.score, 1, b.coverage, a.coverage)
    for p in rb.parties:
        row(rb.parties[p], w.before.stakeholders[p], w.after.stakeholders[p], 1,
            w.before.party_coverage.get(p), w.after.party_coverage.get(p))
    row("Balance index", w.before.balance, w.after.balance, 2)
    titles = w.after.flag_titles
    if delta["flags_removed"]:
        c.out.print("  Flags removed: " + "; ".join(titles.get(f, f) for f in delta["flags_removed"]), markup=False)
    if delta["flags_not_assessable"]:
        c.out.print("  Flags that cannot be assessed now (input not coded): "
                    + "; ".join(titles.get(f, f) for f in delta["flags_not_assessable"]), markup=False)
    if delta["flags_added"]:
        c.out.print("  Flags added: " + "; ".join(titles.get(f, f) for f in delta["flags_added"]), markup=False)
    c.out.print("  (nothing was written)")


def _percentile(v: dict[str, Any]) -> str:
    if v["score"] is None:
        return f"the draft is not scored here ({v['denominator']} compared partnerships are)"
    if not v["denominator"]:
        return "no compared partnership is scored"
    return f"{v['percentile']}% of {v['denominator']} scored"


def _print_draft_coverage(cov: dict[str, Any], rb: rubric_mod.Rubric) -> None:
    """What the draft's scores rest on; when too little, that its percentiles are not meaningful and what to code."""
    parties = ", ".join(f"{rb.parties.get(p, p)} {v:.0%}" for p, v in cov["parties"].items())
    c.out.print(f"\n  [bold]Draft coverage[/bold]: {cov['rules_known']} of {cov['rules_total']} rules with known inputs "
                f"({cov['rules']:.0%}); share of each party's benefit weight known: {escape(parties)}")
    if not cov["low"]:
        return
    c.out.print(f"  ! Coverage below {cov['threshold']:.0%}: the percentiles below are not meaningful. A score counts "
                "only the rules with known inputs, so a draft with few coded fields can rank at the top.", markup=False)
    if cov["code_first"]:
        fields = ", ".join(f"{x['field']} ({_count(len(x['rules']), 'rule')}, benefit weight {x['weight']:g})"
                           for x in cov["code_first"])
        c.out.print(f"    Code first (the inputs of the unknown rules with the most weight): {fields}", markup=False)


def _low(v: dict[str, Any]) -> str:
    """The draft's coverage behind one percentile, when it has one."""
    if "coverage" in v:
        return f"; draft coverage {v['coverage']:.0%}" + (", low" if v.get("low_coverage") else "")
    return "; rests on a party score with low coverage" if v.get("low_coverage") else ""


def print_benchmark(result: dict[str, Any], rb: rubric_mod.Rubric) -> None:
    pc = result["percentiles"]
    from smpatlas.store.filters import describe

    where = f" matching {describe(result['filters'])}" if result.get("filters") else ""
    if "coverage" in pc:
        _print_draft_coverage(pc["coverage"], rb)
    selected = pc.get("selected", pc["compared_with"])
    min_cov = f"coverage ≥ {pc['min_coverage']:.0%}" if "min_coverage" in pc else ""
    if not selected:
        c.out.print(f"\n  No partnerships{where or ' in the inventory'} to compare the draft with.", markup=False)
        return
    if not pc["compared_with"]:
        c.out.print(f"\n  No percentiles: none of the {_count(selected)}{where or ' in the inventory'} has "
                    f"{min_cov} of the rubric's rules (too little coded to compare with).", markup=False)
        return
    of = (f" with {min_cov} (of {selected}{where or ' in the inventory'}; {pc['left_out_low_coverage']} left out "
          "with lower coverage)" if min_cov else where)
    c.out.print(f"\n  [bold]Percentiles[/bold] against {_count(pc['compared_with'])}{escape(of)} "
                "(share of those scored at or below the draft)")
    for k, v in pc["dimensions"].items():
        c.out.print(f"     {rb.dimensions[k].title:<40} {_score(v['score'])}/4  {_percentile(v)}{_low(v)}",
                    markup=False)
    for k, v in pc["stakeholders"].items():
        c.out.print(f"     {rb.parties[k]:<40} {_score(v['score'])}  {_percentile(v)}{_low(v)}", markup=False)
    bal = pc.get("balance")
    if bal is not None:
        c.out.print(f"     {'Balance index':<40} {_score(bal['score'], 2)}  {_percentile(bal)}{_low(bal)}",
                    markup=False)
    if not result["most_similar"]:
        from smpatlas.analysis.similarity import MIN_SHARED

        c.out.print(f"\n  Most similar: none (no partnership shares at least {MIN_SHARED} coded design fields "
                    "with the draft)", markup=False)
        return
    c.out.print(f"\n  [bold]Most similar[/bold] ({escape(result['similarity_measure'])})")
    for n in result["most_similar"]:
        c.out.print(f"     {n['similarity']:.2f}  {n['id']} — {n['name']} ({n['shared_fields']} shared fields)",
                    markup=False)
