"""The short overview of an inventory: how many records, countries and years.

Owns :class:`Overview` and its computation with portable SQL over the
selected records. Every figure says what it counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy import Connection, Text, cast, func, select

from smpatlas.store.filters import Filters
from smpatlas.store.schema import partnership_values as pv
from smpatlas.store.schema import partnerships as p


@dataclass
class Overview:
    """Counts over a selection of partnerships."""

    n: int
    origins: list[str] = field(default_factory=list)
    destinations: list[str] = field(default_factory=list)
    start_year_min: int | None = None
    start_year_max: int | None = None
    ongoing: int = 0
    with_sources: int = 0
    filters: dict[str, Any] = field(default_factory=dict)

    @property
    def countries(self) -> list[str]:
        return sorted(set(self.origins) | set(self.destinations))

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["countries"] = self.countries
        return d

    def sentences(self) -> list[str]:
        if not self.n:
            return ["No partnerships match."]
        years = (f"starting between {self.start_year_min} and {self.start_year_max}"
                 if self.start_year_min != self.start_year_max else f"starting in {self.start_year_min}")
        return [
            f"{self.n} partnership{'s' if self.n != 1 else ''}, {years}; "
            f"{self.ongoing} of {self.n} ongoing.",
            f"{len(self.countries)} countries involved: {len(self.origins)} of origin, "
            f"{len(self.destinations)} of destination.",
            f"{self.with_sources} of {self.n} records cite at least one source.",
        ]


def overview(conn: Connection, filters: Filters | None = None) -> Overview:
    conds = filters.conditions() if filters else []
    ids = select(p.c.id).where(*conds)
    n, lo, hi = conn.execute(select(func.count(), func.min(p.c.start_year), func.max(p.c.start_year))
                             .where(*conds)).one()
    ongoing = conn.execute(select(func.count()).where(*conds, p.c.status == "ongoing")).scalar_one()
    # A missing list is stored as SQL NULL or as the JSON text null (the JSON type's None).
    cited = (p.c.sources.is_not(None), cast(p.c.sources, Text).not_in(["null", "[]"]))
    with_sources = conn.execute(select(func.count()).where(*conds, *cited)).scalar_one()

    def countries(fname: str) -> list[str]:
        stmt = (select(pv.c.value).where(pv.c.field == fname, pv.c.partnership_id.in_(ids))
                .distinct().order_by(pv.c.value))
        return list(conn.execute(stmt).scalars())

    return Overview(
        n=int(n), origins=countries("origin_countries"), destinations=countries("destination_countries"),
        start_year_min=lo, start_year_max=hi, ongoing=int(ongoing), with_sources=int(with_sources),
        filters=filters.to_dict() if filters else {},
    )
