"""What the inventory statistics accept: the settings the ``stats`` command offers as options.

Owns the values only; :mod:`smpatlas.analysis.stats` (which computes the statistics) imports them from
here. Imports nothing, so the command line can show them in ``--help`` without loading the analysis and
the database layer. Must not import anything heavier than the standard library.
"""

from __future__ import annotations

#: Partnerships planning more participants than this count as large (``--scale-threshold``).
DEFAULT_SCALE_THRESHOLD = 5000
#: Number fields whose every value is a category of its own (the only numbers --by accepts).
YEARS = ("start_year", "end_year")
#: The number summary's statistics, in the order the renderings show them.
SUMMARY_STATS = ("min", "median", "max", "mean")
