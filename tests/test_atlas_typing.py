"""A user's typed notebook code checks with mypy --strict against the Python API's type hints."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import smpatlas

SRC = Path(smpatlas.__file__).resolve().parent.parent

USER_CODE = '''
from pathlib import Path

import smpatlas
from smpatlas import Filters


def main(db: Path) -> None:
    with smpatlas.open(db, user="nb") as atlas:
        report = atlas.import_files(db.with_suffix(".jsonl"), mode="upsert")
        ok: bool = report.valid
        name: str = atlas.get("de-ph-triple-win")["name"]
        recs = atlas.records(Filters(origin=["PHL"]), destination=["DEU"], order="-start_year", limit=3)
        more = atlas.records({"destination": "DEU"})
        n: int = atlas.count(destination="DEU")
        lines: list[str] = atlas.stats(destination="DEU", by="destination_countries").headlines()
        a = atlas.assess("de-ph-triple-win")
        score: float | None = a.dimensions["skills"].score
        first: str = a.recommendations[0].text
        delta = atlas.whatif("de-ph-triple-win", {"status": "completed"}).delta()
        pn: int = atlas.assess_all(sector=["health_care"]).n
        bench = atlas.benchmark({"sectors": "health care"}, k=3)
        history = atlas.history("de-ph-triple-win")
        v1: smpatlas.Version = atlas.version("de-ph-triple-win", 1)
        stats: smpatlas.Stats = atlas.stats()
        outcomes: smpatlas.Outcomes = atlas.outcomes(destination="DEU")
        assessed: smpatlas.Assessment = a
        portfolio: smpatlas.Portfolio = atlas.assess_all()
        what: smpatlas.WhatIf = atlas.whatif("de-ph-triple-win", {"status": "completed"})
        seen: smpatlas.Overview = atlas.overview()
        saved = atlas.edit("de-ph-triple-win", {"status": "completed"}, expected_version=1)
        atlas.delete("de-ph-triple-win")
        written: int = atlas.export("csv", "out.csv")
        html: Path = atlas.report("inventory.html", destination="DEU")
        profile: Path = atlas.profile("de-ph-triple-win", Path("profile.pdf"))
        closed: bool = atlas.closed
        print(ok, name, recs, more, n, lines, score, first, delta, pn, bench, history, saved, written, html,
              profile, closed, v1.record, stats.n, outcomes.n, assessed, portfolio.n, what, seen)
    try:
        smpatlas.open("x.db").get("nope")
    except smpatlas.NotFound as exc:
        print(exc.record_id)
    except smpatlas.ValidationFailed as exc:
        print(exc.report.to_text())
    except (smpatlas.Busy, smpatlas.SmpAtlasError) as exc:
        print(exc)
'''


@pytest.mark.slow
def test_typed_user_code_checks(tmp_path: Path) -> None:
    script = tmp_path / "notebook.py"
    script.write_text(USER_CODE, "utf-8")
    env = {**os.environ, "MYPYPATH": str(SRC)}
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent", "--config-file=",
                           "--cache-dir", str(tmp_path / "cache"), str(script)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_package_says_it_is_typed() -> None:
    assert (SRC / "smpatlas" / "py.typed").exists()
