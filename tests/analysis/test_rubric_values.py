"""A rubric's values are checked at load time: types, ranges, operators per field kind, whole-rubric sense."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from smpatlas.analysis import rubric
from smpatlas.atlas import Atlas
from smpatlas.errors import ConfigError
from smpatlas.io.importer import import_files
from smpatlas.store import database
from tests.conftest import BUNDLED, Result

DEFAULT = Path(rubric.__file__).parents[1] / "data" / "rubric.toml"
PARTIES_TABLE = ('[parties]\norigin = "Country of origin"\ndestination = "Country of destination"\n'
                 'migrants = "Migrants"\nemployers = "Employers"\n')
BY_VALUE = "points_by_value = { joint_curriculum = 1.0, "
PRE_DEPARTURE = '{ field = "integration_starts_pre_departure", is = true }'
FIRST_PARTIES = "parties = { migrants = 2, destination = 1 }"  # rule integration.beyond_language


def _mutated(tmp_path: Path, *edits: tuple[str, str]) -> Path:
    text = DEFAULT.read_text("utf-8")
    for old, new in edits:
        assert old in text, old
        text = text.replace(old, new, 1)
    p = tmp_path / "r.toml"
    p.write_text(text, "utf-8")
    return p


def _once(old: str, new: str) -> tuple[tuple[str, str], ...]:
    return ((old, new),)


R1 = "rule 'integration.beyond_language'"
MUTATIONS: list[tuple[str, tuple[tuple[str, str], ...], str]] = [
    # wrong types: "Internal error" before
    ("points text", _once("points = 1", 'points = "one"'),
     f"{R1}: points = 'one' is not allowed; points must be a number greater than 0 and at most 1000"),
    ("low_coverage_below text", _once("low_coverage_below = 0.5", 'low_coverage_below = "half"'),
     "r.toml: low_coverage_below = 'half' is not allowed; low_coverage_below must be a number from 0 to 1"),
    ("skew_gap text", _once("skew_gap = 20", 'skew_gap = "big"'),
     "balance.skew_gap = 'big' is not allowed; balance.skew_gap must be a number greater than 0 and at most 100"),
    ("party weight text", _once(FIRST_PARTIES, 'parties = { migrants = "two", destination = 1 }'),
     f"{R1}: parties.migrants = 'two' is not allowed; parties.migrants must be a number from 0 to 1000"),
    ("points_by_value text", _once(BY_VALUE, 'points_by_value = { joint_curriculum = "x", '),
     "rule 'skills.recognition_built_in': points_by_value.joint_curriculum = 'x' is not allowed"),
    ("way text", _once("way = 3", 'way = "three"'),
     "dimension 'digital': way = 'three' is not allowed; way must be a whole number from 1 to 1000"),
    # accepted, then TypeError in assess
    ("count_at_least text", _once("count_at_least = 3", 'count_at_least = "3"'),
     "when.count_at_least = '3' is not allowed; when.count_at_least must be a whole number from 1 to 1000"),
    ("at_least text", _once("at_least = 0.5", 'at_least = "half"'),
     "rule 'alignment.shortage_occupations': when.at_least = 'half' is not allowed; "
     "when.at_least must be a number from 0 to 1"),
    ("at_most text", _once("at_least = 0.5", 'at_most = "0"'), "when.at_most = '0' is not allowed"),
    # operators per field kind
    ("in on a multi-valued field", _once('{ field = "skill_levels", any_of = ["low"] }',
                                         '{ field = "skill_levels", in = ["low"] }'),
     "'in' applies to single-valued fields; 'skill_levels' is a set field (set of vocabulary values): "
     "use any_of, all_of, only or count_at_least."),
    ("in on a yes/no field", _once(PRE_DEPARTURE, '{ field = "government_to_government", in = [true] }'),
     "'in' applies to single-valued fields; 'government_to_government' is a bool field (yes / no): use is."),
    ("in = [true] on a yes/no/unspecified field",
     _once(PRE_DEPARTURE, '{ field = "integration_starts_pre_departure", in = [true] }'),
     "true is not a value of 'integration_starts_pre_departure' for in; in on this field (yes / no / unspecified) "
     'takes only "unspecified" (for yes or no use is = true or false)'),
    ("in with a number on an enum", _once('in = ["worker"]', "in = [1]"),
     "1 is not a value of 'recruitment_costs_borne_by' for in; in on this field (one of the vocabulary) takes texts"),
    ("among on a list of objects",
     _once('{ field = "integration_support", count_at_least = 3, among',
           '{ field = "actors", count_at_least = 3, among'),
     "'among' cannot apply to 'actors'"),
    # yes/no values
    ("is = 1", _once(PRE_DEPARTURE, '{ field = "integration_starts_pre_departure", is = 1 }'),
     "when.is = 1 is not allowed; when.is must be true or false"),
    ("is = 'yes' on a bool", _once(PRE_DEPARTURE, '{ field = "government_to_government", is = "yes" }'),
     "when.is = 'yes' is not allowed; when.is must be true or false"),
    ("nested is", _once('{ derived = "return_anticipated", is = true }, { field = "reintegration_support"',
                        '{ derived = "return_anticipated", is = "true" }, { field = "reintegration_support"'),
     "flag 'return_without_reintegration': when.all item 1.is = 'true' is not allowed"),
    # zero, negative, non-finite and absurd numbers
    ("points 0", _once("points = 1", "points = 0"), f"{R1}: points = 0 is not allowed"),
    ("points negative", _once("points = 1", "points = -1"), "points = -1 is not allowed"),
    ("points nan", _once("points = 1", "points = nan"), "points = nan is not allowed"),
    ("points inf", _once("points = 1", "points = inf"), "points = inf is not allowed"),
    ("points huge", _once("points = 1", "points = 1e308"), "points = 1e+308 is not allowed"),
    ("party weight nan", _once(FIRST_PARTIES, "parties = { migrants = nan, destination = 1 }"),
     "parties.migrants = nan is not allowed"),
    ("party weight negative", _once(FIRST_PARTIES, "parties = { migrants = -2, destination = 1 }"),
     "parties.migrants = -2 is not allowed; parties.migrants must be a number from 0 to 1000"),
    ("points_by_value negative", _once(BY_VALUE, "points_by_value = { joint_curriculum = -1.0, "),
     "points_by_value.joint_curriculum = -1.0 is not allowed; points_by_value.joint_curriculum must be a number "
     "from 0 to 1000"),
    ("points_by_value above points", _once(BY_VALUE, "points = 1\npoints_by_value = { joint_curriculum = 7, "),
     "points_by_value.joint_curriculum = 7 is not allowed; it must be from 0 to the rule's points (1)"),
    ("points_by_value all zero", _once(
        "{ joint_curriculum = 1.0, bridging_course = 1.0, mutual_recognition_agreement = 0.75, "
        "standard_procedure = 0.25 }",
        "{ joint_curriculum = 0, bridging_course = 0 }"), "points_by_value gives 0 to every value"),
    ("skew_gap negative", _once("skew_gap = 20", "skew_gap = -5"), "balance.skew_gap = -5 is not allowed"),
    ("low_coverage_below 5", _once("low_coverage_below = 0.5", "low_coverage_below = 5"),
     "low_coverage_below = 5 is not allowed; low_coverage_below must be a number from 0 to 1"),
    ("count_at_least 0", _once("count_at_least = 3", "count_at_least = 0"), "when.count_at_least = 0 is not allowed"),
    # whole-rubric sense
    ("party no rule benefits", _once(PARTIES_TABLE, PARTIES_TABLE + 'families = "Families"\n'),
     "party 'families' is benefited by no rule; give it a weight above 0 in some rule's parties"),
    # containers before names
    ("rule parties a text", _once(FIRST_PARTIES, 'parties = "migrants"'),
     f"{R1}: parties = 'migrants' is not allowed; parties must be a table of party → benefit weight"),
    ("parties a text", (("version = ", 'parties = "migrants"\nversion = '), (PARTIES_TABLE, "")),
     "r.toml: parties = 'migrants' is not allowed; parties must be a table of party → label"),
    ("any_of a text", _once('any_of = ["women"]', 'any_of = "women"'),
     "rule 'inclusion.women': when.any_of = 'women' is not allowed; when.any_of must be a non-empty list of text"),
    ("any_of empty", _once('any_of = ["women"]', "any_of = []"), "when.any_of = [] is not allowed"),
    ("any_of a table in the list", _once('any_of = ["women"]', "any_of = [[\"women\"]]"),
     "when.any_of item 1 = ['women'] is not allowed"),
    ("when a text", _once('when = { field = "target_groups", any_of = ["women"] }', 'when = "women"'),
     "when = 'women' is not allowed; when must be a condition table"),
    ("two structures in one condition",
     _once('when = { field = "target_groups", any_of = ["women"] }',
           'when = { field = "target_groups", any_of = ["women"], not = { field = "status", in = ["ended"] } }'),
     "needs exactly one of field, derived, all, any, not"),
    # keys named, and missing keys say where
    ("dimension without title", _once('title = "Digital mobility and remote work"\n', ""),
     "r.toml, dimension 'digital': missing 'title' (a non-empty text)"),
    ("misspelt key", _once("points = 1", "point = 1"),
     f"{R1}: unknown key 'point'; known: id, dimension, title, when, applies_when, points"),
    ("misspelt condition key", _once("count_at_least = 3, among", "count_at_least = 3, amoung"),
     "unknown key 'when.amoung'"),
    ("misspelt top-level key", _once("low_coverage_below = 0.5", "low_coverage = 0.5"), "unknown key 'low_coverage'"),
    ("missing version", _once('version = "1.0"\n', ""),
     "r.toml: missing 'version' (needs version, parties and dimensions)"),
    ("no parties", _once(PARTIES_TABLE, "[parties]\n"),
     "unknown party 'migrants'; known: none (declare it in [parties])"),
]


@pytest.mark.parametrize(("edits", "message"), [m[1:] for m in MUTATIONS], ids=[m[0] for m in MUTATIONS])
def test_a_bad_value_is_refused_at_load_time_naming_where_and_what_is_allowed(
        tmp_path: Path, edits: tuple[tuple[str, str], ...], message: str) -> None:
    p = _mutated(tmp_path, *edits)
    with pytest.raises(ConfigError) as info:
        rubric.load(p)
    assert message in str(info.value)
    assert str(p) in str(info.value)


def test_a_refused_rubric_is_a_message_on_the_command_line(tmp_path: Path, cli: Callable[..., Result]) -> None:
    p = _mutated(tmp_path, ("points = 1", "points = nan"))
    out = cli("rubric", "--rubric", str(p))
    assert out.code == 1
    assert "points = nan is not allowed" in out.stderr + out.stdout
    assert "Internal error" not in out.stderr + out.stdout


def test_points_below_the_best_value_are_the_rules_maximum(tmp_path: Path) -> None:
    p = _mutated(tmp_path, (BY_VALUE, "points = 2\npoints_by_value = { joint_curriculum = 1.0, "))
    rule = next(r for r in rubric.load(p).rules if r.id == "skills.recognition_built_in")
    assert rule.points == 2.0 and rule.points_by_value["joint_curriculum"] == 1.0


def _as_before(raw: dict[str, Any]) -> rubric.Rubric:
    """The bundled rubric built straight from its TOML, as the loader did before values were checked."""
    dims = {k: rubric.Dimension(k, v["title"], int(v["way"]), v["description"]) for k, v in raw["dimensions"].items()}
    rules = tuple(rubric.Rule(
        id=r["id"], dimension=r["dimension"], title=r["title"], when=rubric.Condition(r["when"]),
        parties={k: float(v) for k, v in r["parties"].items()}, recommendation=r["recommendation"],
        source=r["source"], points=float(max(r["points_by_value"].values()) if "points_by_value" in r
                                         else r.get("points", 1)),
        points_by_value={k: float(v) for k, v in r.get("points_by_value", {}).items()},
        applies_when=rubric.Condition(r["applies_when"]) if "applies_when" in r else None,
    ) for r in raw["rules"])
    flags = tuple(rubric.Flag(f["id"], f["dimension"], f["title"], rubric.Condition(f["when"]), f["source"])
                  for f in raw["flags"])
    return rubric.Rubric(version=str(raw["version"]), title=raw["title"], parties=dict(raw["parties"]),
                         dimensions=dims, rules=rules, flags=flags, skew_gap=float(raw["balance"]["skew_gap"]),
                         low_coverage_below=float(raw["low_coverage_below"]))


def test_the_bundled_rubric_loads_and_assesses_the_bundled_inventory_as_before(tmp_path: Path) -> None:
    before = _as_before(tomllib.loads(DEFAULT.read_text("utf-8")))
    assert rubric.load() == before
    engine = database.open_engine(f"sqlite:///{tmp_path / 'atlas.db'}")
    try:
        assert import_files(engine, [BUNDLED], user="test").valid
        atlas = Atlas(engine, rubric=DEFAULT)  # through the checks, as --rubric does
        ids = [r["id"] for r in atlas.records()]
        now = {"all": atlas.assess_all().to_dict(), "one": [atlas.assess(i).to_dict() for i in ids]}
        atlas.rubric = before
        then = {"all": atlas.assess_all().to_dict(), "one": [atlas.assess(i).to_dict() for i in ids]}
    finally:
        engine.dispose()
    assert len(ids) > 100
    assert json.dumps(now, sort_keys=True, allow_nan=False) == json.dumps(then, sort_keys=True, allow_nan=False)
