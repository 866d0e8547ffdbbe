"""PDF output: the HTML reports printed by WeasyPrint.

Owns :func:`from_html`. Page size (A4), margins, page numbers, the table of
contents' page references and "never split a chart" are print rules in the
report stylesheet (``templates/report.css``, ``@media print`` and ``@page``),
so the PDF is the HTML report, paginated. WeasyPrint needs Pango (from the
system); a missing library is reported with what to install.
"""

from __future__ import annotations

import logging

from smpatlas.errors import ConfigError


def from_html(html: str) -> bytes:
    """The PDF of a self-contained HTML document (no base URL: nothing is fetched)."""
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:  # pragma: no cover - depends on the system
        raise ConfigError("PDF output needs WeasyPrint and the Pango library: pip install weasyprint, and on "
                          f"Debian/Ubuntu apt install libpango-1.0-0 libpangoft2-1.0-0 ({exc}).") from exc
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # No protocol is allowed: a report must not load anything from outside itself.
    fetcher = weasyprint.urls.URLFetcher(allowed_protocols=frozenset())
    out: bytes = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    return out
