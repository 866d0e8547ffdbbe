"""What a notebook shows for the API's results: one readable line each, not a dump of every rule or problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from smpatlas.atlas import Atlas
from tests.conftest import write_jsonl

RID = "de-ph-triple-win"


def _bad_import(atlas: Atlas, tmp: Path) -> Any:
    rows = [{"id": f"xx-bad-{i}", "name": "x", "status": "banana"} for i in range(300)]
    return atlas.import_files(write_jsonl(tmp / "bad.jsonl", rows), dry_run=True)


CASES: list[tuple[str, Callable[[Atlas, Path], Any], tuple[str, ...]]] = [
    ("assessment", lambda a, _: a.assess(RID), (f"Assessment(id='{RID}'", "scores={'integration': ", "balance=")),
    ("whatif", lambda a, _: a.whatif(RID, {"status": "completed"}),
     (f"WhatIf(id='{RID}'", "changes=['status']", "dimensions={")),
    ("stats", lambda a, _: a.stats(destination="DEU"), ("Stats(n=", "filters={'destination': ['DEU']}", "by=None")),
    ("stats by", lambda a, _: a.stats(by="destination_countries"), ("by=['destination_countries']",)),
    ("portfolio", lambda a, _: a.assess_all(), ("Portfolio(n=", "filters={}")),
    ("failed import", _bad_import, ("Report(files=[", "valid=False", "rows=300", "errors=", "written=False")),
]


@pytest.mark.parametrize(("what", "make", "shows"), CASES, ids=[c[0] for c in CASES])
def test_repr_is_one_short_line(sample_engine: Engine, tmp_path: Path, what: str,
                                make: Callable[[Atlas, Path], Any], shows: tuple[str, ...]) -> None:
    atlas = Atlas(sample_engine)
    text = repr(make(atlas, tmp_path))
    assert "\n" not in text and len(text) < 400, text
    for part in shows:
        assert part in text
