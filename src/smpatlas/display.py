"""Plain-language display of coded values, shared by the CLI, the web pages and the reports.

Owns :func:`plain` (a field value as a person reads it: country names with codes,
vocabulary values without underscores, yes/no, actors and outcomes in words),
:func:`change` (what one change of a field did, for histories: the values added and
removed, the item lines added and removed), :func:`gain` (what a recommendation would gain) and
``NOT_CODED``. Returns plain text;
escaping is the renderer's job.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from smpatlas.codebook import Field
from smpatlas.countries import name_of

NOT_CODED = "not coded"


def plain(f: Field, value: Any) -> str:
    """A field value as a person reads it (``NOT_CODED`` for a missing value)."""
    if value is None:
        return NOT_CODED
    if f.kind == "countries":
        return ", ".join(v if (name := name_of(v)) == v else f"{name} ({v})" for v in value)  # a region: EU
    if f.kind == "isco":
        from smpatlas.reference.isco import label

        return ", ".join(label(v) for v in value)  # '2221 Nursing professionals'
    if f.kind == "set":
        return ", ".join(str(v).replace("_", " ") for v in value) or "none"
    if f.kind in ("bool", "tristate"):
        return "yes" if value is True else "no" if value is False else str(value)
    if f.kind == "enum":
        return str(value).replace("_", " ")
    if f.kind == "number":
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,}"
    if f.kind == "actors":
        parts = []
        for a in value:
            extra = ", ".join(x for x in (str(a.get("role") or "").replace("_", " "), a.get("country") or "") if x)
            parts.append(a["name"] + (f" ({extra})" if extra else ""))
        return "; ".join(parts)
    if f.kind == "outcomes":
        return "; ".join(f"{o['period']}: {o['indicator'].replace('_', ' ')} = {o['value']:,}"
                         + (f" ({o['source']})" if o.get("source") else "") for o in value)
    if f.kind == "sources":
        return f"{len(value)} (listed below)"
    return str(value)


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _scalar(value: Any) -> str:
    return NOT_CODED if value is None else json.dumps(value, ensure_ascii=False)


def _missing_from(these: list[str], others: list[str]) -> list[str]:
    """The entries of ``these`` that ``others`` lacks, in order (a line held twice and kept once: one of them)."""
    extra = Counter(these) - Counter(others)
    out = []
    for x in these:
        if extra[x] > 0:
            extra[x] -= 1
            out.append(x)
    return out


def change(f: Field | None, old: Any, new: Any) -> tuple[str, list[str]]:
    """What one change of a field did, as a person reads it: a summary, and for nested fields (actors,
    sources, outcomes) one line per item removed (``- …``) or added (``+ …``), written in the spreadsheet
    cell syntax. Sets say which values were added and removed; other fields ``old → new``. A field the
    codebook no longer has (``f`` None) is shown ``old → new`` as stored."""
    if f is None or not f.multi or not all(v is None or isinstance(v, list) for v in (old, new)):
        return f"{_scalar(old)} → {_scalar(new)}", []
    before, after = old or [], new or []
    if f.nested:
        from smpatlas.cells import format_nested

        def line(item: Any) -> str:
            return format_nested(f.kind, [item]) if isinstance(item, dict) else json.dumps(item, ensure_ascii=False)

        olds, news = [line(i) for i in before], [line(i) for i in after]
    else:
        olds, news = [str(v) for v in before], [str(v) for v in after]
    removed, added = _missing_from(olds, news), _missing_from(news, olds)
    cleared = "cleared: " if new is None else ""
    if not added and not removed:
        return ("no change" if olds == news else
                f"the same {'lines' if f.nested else 'values'} in another order"), []
    if not f.nested:
        parts = ([f"added {', '.join(added)}"] if added else []) + ([f"removed {', '.join(removed)}"] if removed else [])
        return cleared + "; ".join(parts), []
    if added and removed:
        summary = f"{_count(len(added), 'line')} added, {len(removed)} removed"
    else:
        summary = f"{_count(len(added), 'line')} added" if added else f"{_count(len(removed), 'line')} removed"
    return cleared + summary, [f"- {x}" for x in removed] + [f"+ {x}" for x in added]


def gain(rec: dict[str, Any], ranked_by: str, party: str | None = None) -> str:
    """What a recommendation (``Recommendation.to_dict()``) would gain, as the CLI, the web and the profiles say
    it: "+16.7" for the weakest party (naming ``party`` when given); when it raises only the other parties, "no
    gain for the weakest party; +75.0 across all parties" (never "+0.0"); when no party has a score
    (``ranked_by`` "benefit_weight"), the benefit weight at stake."""
    if ranked_by == "benefit_weight":
        return f"benefit weight {rec['weight']:g}"
    if rec["gain"] >= 0.05:
        return f"+{rec['gain']:.1f}" + (f" for the weakest party, {party}" if party else "")
    return ("no gain for the weakest party" + (f" ({party})" if party else "")
            + f"; +{rec['total_gain']:.1f} across all parties")
