"""What assess, whatif and benchmark say about what was missing (on SQLite): un-coding a field in a what-if,
a flag that can no longer be assessed, recommendations when no party has a score, and a draft sharing the id
of a partnership."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from smpatlas.analysis.similarity import design_fields
from tests.cli.conftest import Inventory
from tests.conftest import Result, minimal, write_jsonl

Cli = Callable[..., Result]
pytestmark = pytest.mark.parametrize("backend", ["sqlite"], indirect=True)


def _row(text: str, label: str) -> str:
    return next(line for line in text.splitlines() if line.strip().startswith(label))


def test_whatif_uncoding_a_field_says_it_removes_information(cli: Cli, demo_db: Inventory) -> None:
    res = cli("whatif", "de-ph-triple-win", "--set", "recognition_mechanism=", *demo_db.db)
    assert res.code == 0, res.stderr
    text = res.stdout
    assert ("Removes information: recognition_mechanism was coded (standard procedure), now not coded — scores are "
            "over fewer rules (Skills development and recognition 75% → 50%") in text
    assert "so a rise here is not an improvement" in text
    skills = _row(text, "Skills development and recognition")
    assert re.search(r"3\.0 → +4\.0 +\+1\.0 +coverage 75% → 50%  — over fewer rules, not an improvement$", skills)
    for label in ("(Re)integration support", "Country of origin", "Migrants"):
        assert "coverage " in _row(text, label), label  # every score with its coverage
    assert "over fewer rules" in _row(text, "Migrants")
    d = cli("whatif", "de-ph-triple-win", "--set", "recognition_mechanism=", *demo_db.db, "--format", "json").json()
    assert d["delta"]["fields_uncoded"] == ["recognition_mechanism"]
    assert d["delta"]["coverage"]["dimensions"]["skills"] == -0.25
    assert d["before"]["dimensions"]["skills"]["coverage"] == 0.75 and d["after"]["dimensions"]["skills"]["coverage"] == 0.5


def test_whatif_coding_a_field_is_not_said_to_remove_information(cli: Cli, demo_db: Inventory) -> None:
    text = cli("whatif", "de-ph-triple-win", "--set", "recognition_mechanism=bridging_course", *demo_db.db).stdout
    assert "Removes information" not in text and "Adds information" not in text and "over fewer rules" not in text
    text = cli("whatif", "de-ph-triple-win", "--set", "remote_work=after_return", *demo_db.db).stdout
    assert "Adds information: remote_work was not coded, now coded — scores are over more rules" in text


@pytest.fixture
def group_none(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> tuple[str, ...]:
    """One partnership that targets no underrepresented group (the flag is raised on a known input)."""
    rec = minimal("xx-yy-none", target_groups=["none"])
    res = cli("import", write_jsonl(tmp_path / "one.jsonl", [rec]), *fresh_db.db)
    assert res.code == 0, res.stderr
    return fresh_db.db


@pytest.mark.parametrize(("change", "said", "not_said"), [
    (("--set", "target_groups="), "Flags that cannot be assessed now (input not coded): No underrepresented group "
     "targeted", "Flags removed"),
    (("--set", "sectors=ict", "--clear", "target_groups"), "Flags that cannot be assessed now (input not coded): "
     "No underrepresented group targeted", "Flags removed"),
    (("--set", "target_groups=women"), "Flags removed: No underrepresented group targeted", "cannot be assessed now"),
])
def test_a_flag_whose_input_is_uncoded_is_not_said_removed(cli: Cli, group_none: tuple[str, ...],
                                                           change: tuple[str, ...], said: str, not_said: str) -> None:
    res = cli("whatif", "xx-yy-none", *change, *group_none)
    assert res.code == 0, res.stderr
    assert said in res.stdout and not_said not in res.stdout
    removed = "women" in change[1]
    if not removed:
        assert "Removes information: target_groups was coded (none), now not coded" in res.stdout
    d = cli("whatif", "xx-yy-none", *change, *group_none, "--format", "json").json()["delta"]
    assert ("no_underrepresented_group" in d["flags_removed"]) is removed
    assert ("no_underrepresented_group" in d["flags_not_assessable"]) is not removed


@pytest.fixture
def min_one(cli: Cli, fresh_db: Inventory, tmp_path: Path) -> tuple[str, ...]:
    """The QA case: a CSV with only the required fields coded."""
    path = tmp_path / "min.csv"
    path.write_text("id,name,partnership_type,origin_countries,destination_countries,start_year,status\n"
                    "min-one,Minimal one,other,PHL,DEU,2020,ongoing\n", "utf-8")
    res = cli("import", path, *fresh_db.db)
    assert res.code == 0, res.stderr
    return fresh_db.db


def test_with_no_party_scored_no_gain_is_printed_and_fields_to_code_come_first(cli: Cli,
                                                                              min_one: tuple[str, ...]) -> None:
    text = cli("assess", "min-one", *min_one).stdout
    d = cli("assess", "min-one", *min_one, "--format", "json").json()
    assert d["recommendations_ranked_by"] == "benefit_weight"
    assert "+0.0" not in text and "summed over all parties" not in text
    assert "ranked by the benefit weight at stake" in text
    first = d["code_first"][0]
    assert (f"Code these fields first (the inputs of the unknown rules, most benefit weight first): {first['field']} "
            f"({len(first['rules'])} rules, benefit weight {first['weight']:g})") in text
    shown = [line for line in text.splitlines() if re.match(r" +\d+\. ", line)]
    assert len(shown) == 8
    for line, rec in zip(shown, d["recommendations"], strict=False):  # the text's order is the JSON's
        assert rec["text"] in line and f"benefit weight {rec['weight']:g};" in line


@pytest.mark.parametrize("with_id", [True, False])
def test_a_draft_sharing_a_partnerships_id_is_compared_with_it(cli: Cli, demo_db: Inventory, tmp_path: Path,
                                                               with_id: bool) -> None:
    """A draft is never an inventory record: the partnership with its id is among the most similar (here the
    same design), and the draft's assessment has no id, as docs/assessment-json.md says."""
    stored = cli("show", "de-ph-triple-win", *demo_db.db, "--format", "json").json()["record"]
    draft = {k: stored[k] for k in ["name", *design_fields()] if stored.get(k) is not None}
    if with_id:
        draft["id"] = "de-ph-triple-win"
    path = tmp_path / "draft.json"
    path.write_text(json.dumps(draft), "utf-8")
    d = cli("benchmark", path, *demo_db.db, "--format", "json").json()
    assert d["most_similar"][0]["id"] == "de-ph-triple-win" and d["most_similar"][0]["similarity"] == 1.0
    assert d["assessment"]["id"] is None
    assert d["draft"]["id"] == ("de-ph-triple-win" if with_id else "draft")  # the draft's own fields, as read
    text = cli("benchmark", path, *demo_db.db).stdout
    similar = text.split("Most similar", 1)[1]
    assert "1.00  de-ph-triple-win — " in similar


def test_a_low_coverage_assessment_names_the_fields_to_code_first(cli: Cli, group_none: tuple[str, ...]) -> None:
    d = cli("assess", "xx-yy-none", *group_none, "--format", "json").json()
    text = cli("assess", "xx-yy-none", *group_none).stdout
    assert d["coverage"] < d["low_coverage_below"] and d["recommendations_ranked_by"] == "weakest_party_gain"
    assert f"below 50%: code these fields first: {d['code_first'][0]['field']} (" in text
