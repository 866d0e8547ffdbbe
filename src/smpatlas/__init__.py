"""SMP Atlas: build, analyse and publish inventories of skills mobility partnerships.

>>> import smpatlas
>>> atlas = smpatlas.open("atlas.db")          # doctest: +SKIP
>>> atlas.overview(destination="DEU").n        # doctest: +SKIP

The public names below are loaded when first used (PEP 562), so that importing one
module of the package (as every ``smpatlas`` command does) does not load them all.
"""

from __future__ import annotations

import importlib as _importlib
import typing as _typing

from smpatlas.errors import ConfigError, ConflictError, NotFound, SmpAtlasError, ValidationFailed

if _typing.TYPE_CHECKING:
    from smpatlas.atlas import Atlas, open
    from smpatlas.problems import Problem, Report
    from smpatlas.store.filters import Filters

__version__ = "0.1.0"

__all__ = [
    "Atlas",
    "ConfigError",
    "ConflictError",
    "Filters",
    "NotFound",
    "Problem",
    "Report",
    "SmpAtlasError",
    "ValidationFailed",
    "__version__",
    "open",
]

_LAZY = {
    "Atlas": "smpatlas.atlas",
    "open": "smpatlas.atlas",
    "Problem": "smpatlas.problems",
    "Report": "smpatlas.problems",
    "Filters": "smpatlas.store.filters",
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
