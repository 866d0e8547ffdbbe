"""Schemathesis against /api/v1/openapi.json: no 5xx, responses match the documented schemas (bounded)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        negative_data_rejection,
        response_schema_conformance,
        status_code_conformance,
    )

from smpatlas.web import create_app
from tests.web.conftest import settings_for


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def fuzz_app(request: pytest.FixtureRequest, sample_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app over a private copy of the sample inventory: a SQLite file, then a PostgreSQL database."""
    import shutil

    tmp = tmp_path_factory.mktemp("fuzz")
    db: Path | str
    if request.param == "postgresql":
        db = request.getfixturevalue("pg_server").create_database(
            template=request.getfixturevalue("pg_sample_template"))
    else:
        db = tmp / "atlas.db"
        shutil.copy(sample_db, db)
    app = create_app(settings_for(db, tmp))
    yield app
    app.state.smpatlas.atlas.close()


def test_api_never_fails_and_matches_its_schema(fuzz_app: Any) -> None:
    from hypothesis import given

    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", fuzz_app)
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def run(case: Any) -> None:
            case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, status_code_conformance],
                                   excluded_checks=[negative_data_rejection])

        run()
        checked += 1
    assert checked >= 12
