"""PDF output: the HTML reports printed by WeasyPrint.

Owns :func:`from_html`. Page size (A4), margins, page numbers, the table of
contents' page references and "never split a chart" are print rules in the
report stylesheet (``templates/report.css``, ``@media print`` and ``@page``),
so the PDF is the HTML report, paginated. WeasyPrint needs Pango (from the
system); a missing library is reported with what to install.

Nothing is loaded from outside the page: the URL fetcher opens only ``data:``
URIs and the report's own charts, named ``smpatlas-chart:NAME`` and handed in
by the caller as functions — so a chart still being drawn (vl-convert, on
another core) is waited for only when WeasyPrint reaches it, after parsing
and styling the page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from smpatlas.errors import ConfigError

#: The scheme of the charts a report hands to :func:`from_html` (``<img src="smpatlas-chart:world_map">``).
CHART_SCHEME = "smpatlas-chart:"


def from_html(html: str, charts: Mapping[str, Callable[[], bytes]] | None = None) -> bytes:
    """The PDF of a self-contained HTML document (no base URL: nothing is fetched).

    ``charts`` maps a chart name to a function returning its SVG, for ``<img src="smpatlas-chart:NAME">``.
    """
    out: bytes = _document(html, charts).write_pdf()
    return out


def first_fitting(pages: Iterable[Callable[[], str]], most: int = 1) -> bytes:
    """The PDF of the first HTML document of ``pages`` (each made when its turn comes) that fits on ``most`` pages.

    The last one is printed however long it is: a document is always written.
    """
    doc = None
    for make in pages:
        doc = _document(make())
        if len(doc.pages) <= most:
            break
    if doc is None:
        raise ValueError("first_fitting needs at least one document")
    out: bytes = doc.write_pdf()
    return out


def _document(html: str, charts: Mapping[str, Callable[[], bytes]] | None = None) -> Any:
    """The laid-out WeasyPrint document of ``html`` (its ``pages``, and ``write_pdf``)."""
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the system
        raise ConfigError("PDF output needs WeasyPrint and the Pango library: pip install weasyprint, and on "
                          f"Debian/Ubuntu apt install libpango-1.0-0 libpangoft2-1.0-0 ({exc}).") from exc
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    own = dict(charts or {})

    class Fetcher(weasyprint.urls.URLFetcher):  # type: ignore[misc]
        """Refuses every URL but data: and the report's own charts: a report loads nothing from outside."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(CHART_SCHEME) and url[len(CHART_SCHEME):] in own:
                return weasyprint.urls.URLFetcherResponse(url, own[url[len(CHART_SCHEME):]](),
                                                          {"Content-Type": "image/svg+xml"})
            return super().fetch(url, headers)

    return weasyprint.HTML(string=html, url_fetcher=Fetcher(allowed_protocols=frozenset({"data"}))).render()
