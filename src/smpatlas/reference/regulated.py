"""Regulated professions: ISCO-08 minor groups regulated in each country.

Owns reading the shipped table derived from the EU Regulated Professions
Database (hand-coded to ISCO-08 3-digit minor groups by Lighthouse Reports;
see PROVENANCE.md) into country → minor group → profession names. A
profession regulated at the destination needs its qualification recognised
there. Knows nothing of records or databases.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

from smpatlas.countries import lookup
from smpatlas.problems import CellError

SOURCE = ("EU Regulated Professions Database, coded to ISCO-08 minor groups by Lighthouse Reports "
          "(Brainwaste project); see data/reference/PROVENANCE.md")


@cache
def table() -> dict[str, dict[str, list[str]]]:
    """ISO3 country → ISCO-08 minor group (3 digits) → generic profession names."""
    text = resources.files("smpatlas").joinpath("data/reference/regulated_professions_isco08.csv").read_text("utf-8")
    out: dict[str, dict[str, list[str]]] = {}
    names: dict[str, str | None] = {}
    for r in csv.DictReader(io.StringIO(text)):
        minor = r["isco08_minor_group"]
        if not minor:
            continue
        country = r["country"]
        if country not in names:
            try:
                names[country] = lookup(country)
            except CellError:
                names[country] = None
        code = names[country]
        if code is None:
            continue
        professions = out.setdefault(code, {}).setdefault(minor, [])
        name = r["generic_name"] or r["name_country"]
        if name and name not in professions:
            professions.append(name)
    return out


def countries() -> set[str]:
    return set(table())


def regulated(country: str, isco_code: str) -> list[str] | None:
    """Profession names regulated in ``country`` for the minor group of ``isco_code``.

    None when the country is not covered by the table; [] when covered and not regulated.
    Codes of fewer than 3 digits match every regulated minor group below them.
    """
    by_group = table().get(country)
    if by_group is None:
        return None
    if len(isco_code) >= 3:
        return list(by_group.get(isco_code[:3], []))
    return [n for g, names in by_group.items() if g.startswith(isco_code) for n in names]
