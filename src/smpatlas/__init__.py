"""SMP Atlas: build, analyse and publish inventories of skills mobility partnerships.

>>> import smpatlas
>>> atlas = smpatlas.open("atlas.db")          # doctest: +SKIP
>>> atlas.overview(destination="DEU").n        # doctest: +SKIP
"""

from smpatlas.atlas import Atlas, open
from smpatlas.errors import ConfigError, ConflictError, NotFound, SmpAtlasError, ValidationFailed
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
