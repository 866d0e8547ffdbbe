"""SMP Atlas: build, analyse and publish inventories of skills mobility partnerships.

From Python, open an inventory (a SQLite file, created if missing, or a database URL) and call the
methods of the :class:`Atlas` it returns; each does what the ``smpatlas`` command of the same name does::

    import smpatlas

    with smpatlas.open("atlas.db", user="anna") as atlas:
        report = atlas.import_files("partnerships.xlsx", mode="upsert")   # all or nothing; report.valid
        atlas.records(destination="DEU", skill_level="middle")            # list: dicts of fields
        atlas.get("de-ph-triple-win"); atlas.history("de-ph-triple-win")
        atlas.edit("de-ph-triple-win", {"status": "completed"}); atlas.delete("old-pilot")
        atlas.stats(destination="DEU").headlines()                         # stats: .to_dict(), .to_frame()
        atlas.assess("de-ph-triple-win").to_frame()                        # assess_all, whatif, benchmark
        atlas.align("de-ph-triple-win")                                    # align_all
        atlas.export("xlsx", "inventory.xlsx"); atlas.report("inventory.html")  # profile(id, "p.pdf")

``help(smpatlas.Atlas)`` lists every method with an example; what they return (:class:`Stats`,
:class:`Outcomes`, :class:`Overview`, :class:`Assessment`, :class:`WhatIf`, :class:`Portfolio`,
:class:`Version`) is importable from here for type hints. Filters are keywords (``origin``,
``destination``, ``skill_level``, ``mobility``, ``sector``, ``status``, ``type``, ``year_from``,
``year_to``, ``text``, ``g2g``) or a :class:`Filters`.

Every mistake a person can fix raises :class:`SmpAtlasError` with a message saying what to do:
:class:`NotFound` (an unknown id), :class:`ValidationFailed` (values that do not validate; its
``report`` lists them), :class:`ConflictError` (an edit against an outdated version),
:class:`ConfigError` (a wrong path, URL, option, filter or argument), :class:`Busy` (another program
kept the inventory locked for writing too long; nothing was written).

The public names below are loaded when first used (PEP 562), so that importing one
module of the package (as every ``smpatlas`` command does) does not load them all.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from smpatlas.errors import (
    Busy,
    ConfigError,
    ConflictError,
    NoSuchVersion,
    NotFound,
    SmpAtlasError,
    ValidationFailed,
)

if _typing.TYPE_CHECKING:
    from smpatlas.analysis.assessment import Assessment, WhatIf
    from smpatlas.analysis.outcomes import Outcomes
    from smpatlas.analysis.overview import Overview
    from smpatlas.analysis.portfolio import Portfolio
    from smpatlas.analysis.stats_result import Stats
    from smpatlas.atlas import Atlas, open
    from smpatlas.problems import Problem, Report
    from smpatlas.store.filters import Filters
    from smpatlas.store.versions import Version

__version__ = "0.1.0"

__all__ = [
    "Assessment",
    "Atlas",
    "Busy",
    "ConfigError",
    "ConflictError",
    "Filters",
    "NoSuchVersion",
    "NotFound",
    "Outcomes",
    "Overview",
    "Portfolio",
    "Problem",
    "Report",
    "SmpAtlasError",
    "Stats",
    "ValidationFailed",
    "Version",
    "WhatIf",
    "__version__",
    "open",
]

_LAZY = {
    "Atlas": "smpatlas.atlas",
    "open": "smpatlas.atlas",
    "Problem": "smpatlas.problems",
    "Report": "smpatlas.problems",
    "Filters": "smpatlas.store.filters",
    # what Atlas's methods return, for type hints in user code (def f(s: smpatlas.Stats) -> ...)
    "Assessment": "smpatlas.analysis.assessment",
    "WhatIf": "smpatlas.analysis.assessment",
    "Outcomes": "smpatlas.analysis.outcomes",
    "Overview": "smpatlas.analysis.overview",
    "Portfolio": "smpatlas.analysis.portfolio",
    "Stats": "smpatlas.analysis.stats_result",
    "Version": "smpatlas.store.versions",
}


def __getattr__(name: str) -> _typing.Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smpatlas' has no attribute {name!r}")
    value = getattr(_importlib.import_module(module), name)
    globals()[name] = value  # later lookups find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
