"""Without ``SMPATLAS_SECRET_KEY`` a server makes up its own key: said in its log where people can log in."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from smpatlas.store import database
from smpatlas.store import users as users_store
from smpatlas.web.app import create_app
from smpatlas.web.settings import Settings

WARNING = "SMPATLAS_SECRET_KEY is not set"


def _warnings(caplog: pytest.LogCaptureFixture, settings: Settings) -> list[str]:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="smpatlas.web"):
        app = create_app(settings)
    app.state.smpatlas.atlas.close()
    return [r.getMessage() for r in caplog.records if WARNING in r.getMessage()]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_warned_when_people_can_log_in_with_a_made_up_key(engine: str, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture,
                                                          request: pytest.FixtureRequest) -> None:
    url = str(tmp_path / "atlas.db") if engine == "sqlite" else request.getfixturevalue("pg_server").create_database()
    up = str(tmp_path / "up")
    made_up = Settings.from_env({}, database_url=url, upload_dir=up)
    assert made_up.generated_secret and len(made_up.secret_key) >= 60
    given = Settings.from_env({"SMPATLAS_SECRET_KEY": "k" * 40}, database_url=url, upload_dir=up)
    assert not given.generated_secret and given.secret_key == "k" * 40
    assert _warnings(caplog, given) == []
    # a lone demo server (SQLite, nobody to log in) is not warned; a shared PostgreSQL database always is
    assert len(_warnings(caplog, made_up)) == (1 if engine == "postgresql" else 0)
    eng = database.open_engine(url)
    with eng.begin() as conn:
        users_store.create_user(conn, name="anna", role="admin", password="correct horse")
    eng.dispose()
    said = _warnings(caplog, made_up)
    assert len(said) == 1 and "fail on any other worker" in said[0] and "docs/deployment.md" in said[0]
    assert made_up.with_(public=False).generated_secret and not made_up.with_(secret_key="x" * 40).generated_secret
