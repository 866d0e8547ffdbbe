"""HTML rendering: the Jinja2 environment, filters and the inline stylesheet.

Owns the template environment (autoescape on for every template, so names
and titles from the data are always escaped), the cell and URL filters, and
:func:`render`. Charts enter templates as SVG produced by Vega (already
XML-escaped) and are marked safe only there. No fonts or files are linked:
the CSS is inlined and uses the reader's system fonts, so a report opens
without network access.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from smpatlas.report.tables import Share

#: Schemes a source link may use; anything else is shown as text, never as a link.
LINK_SCHEMES = frozenset({"http", "https"})


def cell(value: Any, key: str = "") -> str:
    """A table cell in plain text: shares as percentages, numbers with separators, nothing as a dash."""
    if value is None:
        return "not scored" if key in ("mean", "median", "score") else "—"
    if key == "share" and isinstance(value, Share):
        return value.percent()  # rounded once from the exact count ÷ denominator, as the headline figures are
    if key == "share" and isinstance(value, int | float):
        return f"{value:.0%}"
    if key == "coverage" and isinstance(value, int | float):
        return f"{value:.0%}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def link(url: Any) -> str | None:
    """``url`` when it is a web link a reader may click, else None (shown as text)."""
    if not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in LINK_SCHEMES else None


@cache
def css() -> Markup:
    """The report stylesheet, inlined into every page."""
    text = resources.files("smpatlas.report").joinpath("templates/report.css").read_text("utf-8")
    return Markup(text.replace("</", "<\\/"))


@cache
def environment() -> Environment:
    env = Environment(loader=PackageLoader("smpatlas.report", "templates"),
                      autoescape=select_autoescape(["html", "xml"], default_for_string=True, default=True),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["cell"] = cell
    env.filters["link"] = link
    return env


def render(template: str, **context: Any) -> str:
    """Render ``template`` with ``context`` (plus the inline CSS)."""
    return environment().get_template(template).render(css=css(), **context)


def trusted_svg(svg: str) -> Markup:
    """An SVG produced by Vega from our own spec: its text is already XML-escaped."""
    start = svg.find("<svg")
    return Markup(svg[start:] if start >= 0 else svg)
