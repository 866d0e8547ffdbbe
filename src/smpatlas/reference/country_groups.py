"""Country groupings for statistics: UN regions, continents, EU/EEA membership.

Owns reading the country table shipped by the maintained ``country-converter``
package (its ``country_data.tsv``; read directly, without importing the
package, which needs pandas) into groupings by ISO3 code. World Bank income
groups are not in any maintained package installed here, so they are not
offered (see docs/reference-data.md).
"""

from __future__ import annotations

import csv
import importlib.util
from functools import cache
from pathlib import Path

from smpatlas.errors import ConfigError

#: grouping name → column of country_data.tsv
GROUPINGS = {"region": "UNregion", "continent": "continent", "eu": "EU27", "eea": "EEA", "oecd": "OECD"}
SOURCE = "country-converter (coco) country_data.tsv: UN M49 regions, continents, EU27/EEA/OECD membership"


@cache
def _table() -> dict[str, dict[str, str]]:
    spec = importlib.util.find_spec("country_converter")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError("Country groupings need the country-converter package: pip install country-converter")
    path = Path(next(iter(spec.submodule_search_locations))) / "country_data.tsv"
    with path.open(encoding="utf-8") as fh:
        return {r["ISO3"]: r for r in csv.DictReader(fh, delimiter="\t") if r.get("ISO3")}


def group_of(code: str, grouping: str) -> str:
    """The group of an ISO3 code, e.g. group_of('DEU', 'region') == 'Western Europe'.

    The region ``EU`` (allowed in country fields for schemes with the European Union as a party) is in
    the EU grouping; it has no region, continent, EEA or OECD membership of its own: "(no group)".
    """
    column = GROUPINGS[grouping]
    row = _table().get(code)
    if row is None:
        if code == "EU" and grouping == "eu":  # the European Union as a party: an EU scheme
            return "EU"
        return "(no group)"
    value = row.get(column, "").strip()
    if grouping in ("eu", "eea", "oecd"):
        return grouping.upper() if value else f"not {grouping.upper()}"
    return value or "(no group)"
