"""Plain-language display of coded values, shared by the CLI, the web pages and the reports.

Owns :func:`plain` (a field value as a person reads it: country names with codes,
vocabulary values without underscores, yes/no, actors and outcomes in words) and
``NOT_CODED``. Returns plain text; escaping is the renderer's job.
"""

from __future__ import annotations

from typing import Any

from smpatlas.codebook import Field
from smpatlas.countries import name_of

NOT_CODED = "not coded"


def plain(f: Field, value: Any) -> str:
    """A field value as a person reads it (``NOT_CODED`` for a missing value)."""
    if value is None:
        return NOT_CODED
    if f.kind == "countries":
        return ", ".join(f"{name_of(v)} ({v})" for v in value)
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
