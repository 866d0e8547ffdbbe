"""The Python API and wrong input: every mistake is an SmpAtlasError with a message for a person, and changes nothing.

The tables below are what a notebook user types — an int id, a dict where a list belongs, None, a filter that does
not exist, a value of the wrong type — and the error they get. Accepted spellings of the same input (a value or a
list of values, a tuple, a dict of filters, a Filters) give the same result.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import smpatlas
from smpatlas import (
    Atlas,
    ConfigError,
    ConflictError,
    Filters,
    NoSuchVersion,
    NotFound,
    SmpAtlasError,
    ValidationFailed,
)
from tests.conftest import BUNDLED, minimal, write_jsonl

RID = "de-ph-triple-win"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("atlas-inputs") / "atlas.db"
    with smpatlas.open(path, user="anna") as atlas:
        assert atlas.import_files([BUNDLED]).valid
    return path


@pytest.fixture
def atlas(template: Path, db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Atlas]:
    """The bundled inventory in a SQLite file of its own, the working folder a fresh one."""
    shutil.copy(template, db_path)
    monkeypatch.chdir(db_path.parent)
    with smpatlas.open(db_path, user="anna") as a:
        yield a


Call = Callable[[Atlas, Path], Any]

# (what the user types, the error, words of its message)
WRONG: list[tuple[str, Call, type[SmpAtlasError], str]] = [
    # ids
    ("get int id", lambda a, t: a.get(5), ConfigError, r"A partnership id is text .* not 5 \(int\)"),  # type: ignore[arg-type]
    ("get None", lambda a, t: a.get(None), ConfigError, r"not None \(NoneType\)"),  # type: ignore[arg-type]
    ("get a list of ids", lambda a, t: a.get([RID]), ConfigError, r"one id at a time"),  # type: ignore[arg-type]
    ("get unknown id", lambda a, t: a.get("nope"), NotFound, r"No partnership with id 'nope'"),
    ("get empty id", lambda a, t: a.get(""), NotFound, r"No partnership with id ''"),
    ("history int id", lambda a, t: a.history(5), ConfigError, r"A partnership id is text"),  # type: ignore[arg-type]
    ("history unknown id", lambda a, t: a.history("nope"), NotFound, r"'nope'"),
    ("version as text", lambda a, t: a.version(RID, "1"), ConfigError,  # type: ignore[arg-type]
     r"number= is a version number such as 3, not '1' \(str\)"),
    ("version never had", lambda a, t: a.version(RID, 2), NoSuchVersion, r"There is no version 2 of .*1 to 1"),
    ("version unknown id", lambda a, t: a.version("nope", 1), NotFound, r"'nope'"),
    ("deletion int id", lambda a, t: a.deletion(5), ConfigError, r"A partnership id is text"),  # type: ignore[arg-type]
    ("assess int id", lambda a, t: a.assess(3), ConfigError, r"A partnership id is text"),  # type: ignore[arg-type]
    ("assess unknown id", lambda a, t: a.assess("nope"), NotFound, r"'nope'"),
    ("align unknown id", lambda a, t: a.align("nope"), NotFound, r"'nope'"),
    ("delete int id", lambda a, t: a.delete(5), ConfigError, r"A partnership id is text"),  # type: ignore[arg-type]
    ("delete unknown id", lambda a, t: a.delete("nope"), NotFound, r"'nope'"),
    ("profile unknown id", lambda a, t: a.profile("nope", t / "p.html"), NotFound, r"'nope'"),
    ("profile out int", lambda a, t: a.profile(RID, 5), ConfigError, r"out= is a file name"),  # type: ignore[arg-type]
    # edit
    ("edit unknown id", lambda a, t: a.edit("nope", {"status": "completed"}), NotFound, r"'nope'"),
    ("edit changes as a list", lambda a, t: a.edit(RID, [("status", "completed")]), ConfigError,  # type: ignore[arg-type]
     r"Changes are a dict of field → value"),
    ("edit changes None", lambda a, t: a.edit(RID, None), ConfigError, r"Changes are a dict"),  # type: ignore[arg-type]
    ("edit field not a name", lambda a, t: a.edit(RID, {1: "x"}), ConfigError, r"names such as 'status'"),  # type: ignore[dict-item]
    ("edit unknown field", lambda a, t: a.edit(RID, {"colour": "red"}), ValidationFailed, r"1 problem"),
    ("edit unknown value", lambda a, t: a.edit(RID, {"status": "finished"}), ValidationFailed, r"1 problem"),
    ("edit id change", lambda a, t: a.edit(RID, {"id": "other"}), ValidationFailed, r"edit of de-ph-triple-win"),
    ("edit version as text", lambda a, t: a.edit(RID, {"status": "completed"}, expected_version="1"),  # type: ignore[arg-type]
     ConfigError, r"expected_version= is a version number such as 3, not '1' \(str\)"),
    ("edit version unknown", lambda a, t: a.edit(RID, {"status": "completed"}, expected_version=9), ConflictError,
     r"has no version 9"),
    ("edit user int", lambda a, t: a.edit(RID, {"status": "completed"}, user=5), ConfigError,  # type: ignore[arg-type]
     r"user= is a name"),
    # what-if and benchmark
    ("whatif unknown id", lambda a, t: a.whatif("nope", {}), NotFound, r"'nope'"),
    ("whatif changes as a list", lambda a, t: a.whatif(RID, [("status", "completed")]), ConfigError,  # type: ignore[arg-type]
     r"Changes are a dict"),
    ("whatif changes None", lambda a, t: a.whatif(RID, None), ConfigError, r"Changes are a dict"),  # type: ignore[arg-type]
    ("whatif unknown value", lambda a, t: a.whatif(RID, {"status": "finished"}), ValidationFailed, r"what-if on"),
    ("whatif id change", lambda a, t: a.whatif(RID, {"id": "other"}), ValidationFailed, r"what-if on"),
    ("benchmark None", lambda a, t: a.benchmark(None), ConfigError, r"A draft is a dict"),  # type: ignore[arg-type]
    ("benchmark a list", lambda a, t: a.benchmark([("sectors", "health_care")]), ConfigError,  # type: ignore[arg-type]
     r"A draft is a dict"),
    ("benchmark unknown value", lambda a, t: a.benchmark({"status": "finished"}), ValidationFailed, r"draft: 1 problem"),
    ("benchmark unknown field", lambda a, t: a.benchmark({"colour": "red"}), ValidationFailed, r"draft: 1 problem"),
    ("benchmark scalar as list", lambda a, t: a.benchmark({"recognition_mechanism": ["bridging_course"]}),
     ValidationFailed, r"draft: 1 problem"),
    ("benchmark k as text", lambda a, t: a.benchmark({"sectors": "health care"}, k="5"), ConfigError,  # type: ignore[arg-type]
     r"k= is a whole number"),
    ("benchmark k negative", lambda a, t: a.benchmark({"sectors": "health care"}, k=-1), ConfigError,
     r"k= is a whole number"),
    # filters
    ("unknown filter", lambda a, t: a.records(country="DEU"), ConfigError,
     r"Unknown filter 'country'\. The filters are origin, destination, "),
    ("field name as filter", lambda a, t: a.records(destination_countries="DEU"), ConfigError,
     r"Did you mean 'destination'\?"),
    ("misspelt filter", lambda a, t: a.count(destnation="DEU"), ConfigError, r"Did you mean 'destination'\?"),
    ("unknown country", lambda a, t: a.records(destination="Atlantis"), ConfigError, r"unknown country: 'Atlantis'"),
    ("filter value int", lambda a, t: a.records(destination=5), ConfigError,
     r"destination= takes 'DEU' or \['DEU', 'Austria'\], not 5 \(int\)"),
    ("filter value dict", lambda a, t: a.records(destination={"DEU": 1}), ConfigError, r"not \{'DEU': 1\} \(dict\)"),
    ("filter values ints", lambda a, t: a.records(status=[1, 2]), ConfigError, r"status= takes a value or a list"),
    ("year as text", lambda a, t: a.records(year_from="2015"), ConfigError, r"year_from= is a year such as 2015"),
    ("year as bool", lambda a, t: a.count(year_to=True), ConfigError, r"year_to= is a year"),
    ("years reversed", lambda a, t: a.count(year_from=2020, year_to=2010), ConfigError, r"before"),
    ("text as list", lambda a, t: a.records(text=["nurse"]), ConfigError, r"text= is words to search for"),
    ("g2g as text", lambda a, t: a.records(g2g="yes"), ConfigError, r"g2g= is True"),
    ("filters positional int", lambda a, t: a.records(42), ConfigError, r"Filters are keywords"),  # type: ignore[arg-type]
    ("filters dict unknown", lambda a, t: a.records({"country": "DEU"}), ConfigError, r"Unknown filter 'country'"),
    ("order unknown", lambda a, t: a.records(order="colour"), ConfigError, r"Cannot sort by 'colour'"),
    ("order int", lambda a, t: a.records(order=5), ConfigError, r"order= is the name of a column"),  # type: ignore[arg-type]
    ("limit as text", lambda a, t: a.records(limit="10"), ConfigError, r"limit= is a whole number"),  # type: ignore[arg-type]
    ("limit negative", lambda a, t: a.records(limit=-1), ConfigError, r"limit= is a whole number"),
    ("overview unknown filter", lambda a, t: a.overview(foo=1), ConfigError, r"Unknown filter 'foo'"),
    ("assess_all unknown filter", lambda a, t: a.assess_all(foo=1), ConfigError, r"Unknown filter 'foo'"),
    ("align_all unknown filter", lambda a, t: a.align_all(foo=1), ConfigError, r"Unknown filter 'foo'"),
    ("benchmark unknown filter", lambda a, t: a.benchmark({}, foo=1), ConfigError, r"Unknown filter 'foo'"),
    ("export unknown filter", lambda a, t: a.export("csv", t / "x.csv", foo=1), ConfigError, r"Unknown filter 'foo'"),
    ("report unknown filter", lambda a, t: a.report(t / "x.html", foo=1), ConfigError, r"Unknown filter 'foo'"),
    # stats
    ("stats unknown filter", lambda a, t: a.stats(foo=1), ConfigError, r"Unknown filter 'foo'"),
    ("stats by int", lambda a, t: a.stats(by=5), ConfigError, r"by= is a field name"),  # type: ignore[arg-type]
    ("stats by unknown", lambda a, t: a.stats(by=["colour"]), ConfigError, r"Cannot cross-tabulate by 'colour'"),
    ("stats threshold text", lambda a, t: a.stats(scale_threshold="100"), ConfigError,  # type: ignore[arg-type]
     r"scale_threshold= is a number of participants"),
    ("stats threshold negative", lambda a, t: a.stats(scale_threshold=-1), ConfigError, r"scale_threshold="),
    # import
    ("import int", lambda a, t: a.import_files(5), ConfigError, r"Give a file name, or a list"),  # type: ignore[arg-type]
    ("import None", lambda a, t: a.import_files(None), ConfigError, r"Give a file name"),  # type: ignore[arg-type]
    ("import list of ints", lambda a, t: a.import_files([5]), ConfigError, r"A file to import is a file name"),  # type: ignore[list-item]
    ("import mode unknown", lambda a, t: a.import_files([BUNDLED], mode="merge"), ConfigError,
     r"Unknown import mode 'merge'"),
    ("import mode int", lambda a, t: a.import_files([BUNDLED], mode=1), ConfigError, r"mode= is insert"),  # type: ignore[arg-type]
    ("import dry_run text", lambda a, t: a.import_files([BUNDLED], dry_run="no"), ConfigError,  # type: ignore[arg-type]
     r"dry_run= is True or False"),
    ("import user int", lambda a, t: a.import_files([BUNDLED], user=5), ConfigError, r"user= is a name"),  # type: ignore[arg-type]
    # export and reports
    ("export unknown format", lambda a, t: a.export("docx", t / "x.docx"), ConfigError, r"Unknown export format"),
    ("export format int", lambda a, t: a.export(5, t / "x.csv"), ConfigError, r"The format is one of csv"),  # type: ignore[arg-type]
    ("export out int", lambda a, t: a.export("csv", 5), ConfigError, r"out= is a file name"),  # type: ignore[arg-type]
    ("export missing folder", lambda a, t: a.export("csv", t / "nope" / "x.csv"), ConfigError, r"does not exist"),
    ("report out None", lambda a, t: a.report(None), ConfigError, r"out= is a file name"),  # type: ignore[arg-type]
    ("report fmt int", lambda a, t: a.report(t / "x.html", fmt=5), ConfigError, r"fmt= is html, pdf or xlsx"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("call", "error", "words"), [pytest.param(c, e, w, id=i) for i, c, e, w in WRONG])
def test_wrong_input_is_a_user_error_and_changes_nothing(atlas: Atlas, db_path: Path, call: Call,
                                                         error: type[SmpAtlasError], words: str) -> None:
    before = _state(atlas, db_path)
    with pytest.raises(SmpAtlasError) as caught:
        call(atlas, db_path.parent)
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
    message = str(caught.value)
    assert re.search(words, message), message
    assert not re.search(r"sqlalchemy|\[SQL|pydantic|Traceback|object has no attribute", message, re.I), message
    assert _state(atlas, db_path) == before


def _state(atlas: Atlas, db_path: Path) -> tuple[bytes, list[str]]:
    atlas.engine.dispose()  # the write-ahead log checkpointed into the file
    return db_path.read_bytes(), sorted(p.name for p in db_path.parent.iterdir() if not p.name.startswith("atlas.db"))


def test_a_validation_error_lists_its_problems_in_the_traceback(atlas: Atlas) -> None:
    with pytest.raises(ValidationFailed) as caught:
        atlas.edit(RID, {"status": "finished", "start_year": "soon"})
    assert str(caught.value) == f"edit of {RID}: 2 problems; nothing was written."  # as the web app shows it
    notes = "\n".join(caught.value.__notes__)
    assert "unknown value 'finished' for status" in notes and "'soon'" in notes
    assert len(caught.value.report.problems) == 2


def test_the_traceback_of_many_problems_is_short(atlas: Atlas) -> None:
    with pytest.raises(ValidationFailed) as caught:
        atlas.benchmark({f"colour_{i}": "red" for i in range(100)})
    notes = "\n".join(caught.value.__notes__)
    assert len(caught.value.report.problems) == 100
    assert notes.count("\n") == 20 and notes.endswith("... and 80 more (error.report.problems has all)")


# (the user's spelling, the canonical one): the same partnerships
SAME: list[tuple[str, dict[str, Any] | Filters | None, dict[str, Any]]] = [
    ("a value for a list", None, {"destination": "DEU"}),
    ("a tuple", None, {"destination": ("DEU",)}),
    ("a set", None, {"destination": {"DEU"}}),
    ("a country name", None, {"destination": "Germany"}),
    ("a dict of filters", {"destination": ["DEU"]}, {}),
    ("a Filters", Filters(destination=["DEU"]), {}),
    ("keywords over a Filters", Filters(destination=["FRA"]), {"destination": "DEU"}),
    ("None as not set", None, {"destination": "DEU", "origin": None, "year_from": None, "g2g": None}),
]


@pytest.mark.parametrize(("filters", "kw"), [pytest.param(f, k, id=i) for i, f, k in SAME])
def test_spellings_of_one_selection_agree(atlas: Atlas, filters: Any, kw: dict[str, Any]) -> None:
    expected = [r["id"] for r in atlas.records(destination=["DEU"])]
    assert expected
    assert [r["id"] for r in atlas.records(filters, **kw)] == expected
    assert atlas.count(filters, **kw) == len(expected)
    assert atlas.stats(filters, **kw).n == len(expected)


def test_a_filters_object_is_not_changed_by_keywords(atlas: Atlas) -> None:
    mine = Filters(origin=["PHL"])
    atlas.records(mine, destination="DEU")
    atlas.count(mine, origin="IND")
    assert mine == Filters(origin=["PHL"])


def test_by_one_field_as_text_is_a_list_of_one(atlas: Atlas) -> None:
    assert atlas.stats(by="destination_countries").crosstab == atlas.stats(by=["destination_countries"]).crosstab


def test_records_order_and_limit(atlas: Atlas) -> None:
    years = [r["start_year"] for r in atlas.records(origin="PHL", order="-start_year")]
    assert years == sorted(years, reverse=True)
    assert len(atlas.records(origin="PHL", limit=2)) == 2
    assert atlas.records(limit=0) == []


@pytest.mark.parametrize("as_given", [str, Path, lambda p: [p], lambda p: (str(p),)], ids=["str", "Path", "list", "tuple"])
def test_import_one_file_or_a_list(db_path: Path, as_given: Callable[[Path], Any]) -> None:
    path = write_jsonl(db_path.with_suffix(".jsonl"), [minimal("xx-yy-one"), minimal("xx-yy-two")])
    with smpatlas.open(db_path) as atlas:
        report = atlas.import_files(as_given(path))
        assert report.valid, report.to_text()
        assert report.files == [str(path)] and atlas.count() == 2


def test_benchmark_reads_raw_values_as_import_does(atlas: Atlas) -> None:
    raw = atlas.benchmark({"destination_countries": "Germany", "origin_countries": "Philippines",
                           "recognition_mechanism": "Bridging course", "skill_levels": "Middle"})
    canonical = atlas.benchmark({"destination_countries": ["DEU"], "origin_countries": ["PHL"],
                                 "recognition_mechanism": "bridging_course", "skill_levels": ["middle"]})
    assert raw["draft"] == canonical["draft"]
    assert raw["draft"]["recognition_mechanism"] == "bridging_course"
    assert raw["assessment"] == canonical["assessment"]
    assert raw["most_similar"] == canonical["most_similar"]
    assert raw["assessment"]["id"] is None  # a draft is never an inventory record


def test_open_with_a_rubric_of_ones_own(atlas: Atlas, db_path: Path, tmp_path: Path) -> None:
    from importlib import resources

    rubric = tmp_path / "my-rubric.toml"
    rubric.write_text(resources.files("smpatlas").joinpath("data/rubric.toml").read_text("utf-8"), "utf-8")
    with smpatlas.open(db_path, rubric=rubric) as mine:
        assert mine.assess(RID).to_dict() == atlas.assess(RID).to_dict()
    with pytest.raises(ConfigError, match="Cannot read rubric"):
        smpatlas.open(db_path, rubric=tmp_path / "none.toml")
