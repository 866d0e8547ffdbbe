"""Reports and charts: the inventory report, the one-page partnership profile, single charts.

Modules, each owning one concern:

- :mod:`tables` — the numbers behind every chart (one ``Table`` per chart);
- :mod:`charts` — the Vega-Lite spec of every chart and the colour palette;
- :mod:`maps` — the world map and the corridor flow (shipped Natural Earth data);
- :mod:`render` — SVG/PNG rendering with vl-convert, offline;
- :mod:`html` — Jinja2 environment and filters (autoescape on);
- :mod:`inventory` — the inventory report (HTML, PDF, XLSX);
- :mod:`profile` — the one-page partnership profile (HTML, PDF);
- :mod:`pdf`, :mod:`xlsx` — the output formats.

The public names are the three things people ask for: a report, a profile, a chart.
"""

from __future__ import annotations

from smpatlas.report.inventory import CHARTS, chart, collect
from smpatlas.report.inventory import write as write_inventory
from smpatlas.report.profile import write as write_profile

__all__ = ["CHARTS", "chart", "collect", "write_inventory", "write_profile"]
