"""ISCO-08 title search: words match by stem, real matches rank above loose ones, hits say what matched."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from smpatlas.reference import isco
from tests.conftest import Result

Cli = Callable[..., Result]

NURSING = {"2221", "222", "3221", "322"}


@pytest.mark.parametrize(("a", "b", "same"), [
    ("nurse", "nursing", True),
    ("nurses", "nurse", True),
    ("engineer", "engineering", True),
    ("manager", "management", True),
    ("teacher", "teachers", True),
    ("nurse", "nursery", False),  # a longer word, not the same word: only a weak (word-start) match
    ("care", "car", False),  # stems never shorter than 4 letters
    ("cook", "cooking", True),
])
def test_stems(a: str, b: str, same: bool) -> None:
    assert (isco.stem(a) == isco.stem(b)) is same


@pytest.mark.parametrize(("query", "first"), [
    ("nurse", NURSING),
    ("nurses", NURSING),
    ("nursing", NURSING),
    ("Nurse", NURSING),
    ("midwife", {"2222", "3222", "222", "322"}),
])
def test_nursing_groups_come_first(query: str, first: set[str]) -> None:
    codes = [m.code for m in isco.search(query)]
    assert set(codes[:len(first)]) == first, codes[:8]


@pytest.mark.parametrize(("query", "best"), [
    ("nurse", "2221"),  # the unit group whose title is closest ("Nursing professionals")
    ("software developer", "2512"),
    ("electrician", "7411"),
    ("plumber", "7126"),
    ("health", "22"),
])
def test_best_hit(query: str, best: str) -> None:
    assert isco.search(query)[0].code == best


@pytest.mark.parametrize(("query", "real", "loose"), [
    # 6113 "... nursery growers" and 1341 via "nursery school head teacher" only start with "nurse";
    # 2619 Legal professionals n.e.c. comes through the alternative label "legal nurse consultant".
    ("nurse", NURSING | {"3240", "5321"}, {"6113", "1341", "2619"}),
    ("cook", {"512", "5120"}, {"8131"}),  # 8131 via "varnish cooker", an alternative label
])
def test_loose_hits_rank_below_real_ones(query: str, real: set[str], loose: set[str]) -> None:
    codes = [m.code for m in isco.search(query, limit=200)]
    assert real <= set(codes) and loose <= set(codes)
    assert max(codes.index(c) for c in real) < min(codes.index(c) for c in loose), codes


def test_excluded_words_do_not_match() -> None:
    # 71 "Building and related trades workers, excluding electricians"
    assert "71" not in {m.code for m in isco.search("electrician", limit=200)}
    assert "214" not in {m.code for m in isco.search("electrotechnology", limit=200)}


@pytest.mark.parametrize(("query", "code", "via"), [
    ("nurse", "2221", "isco"),
    ("veterinary nurse", "3240", "esco: veterinary nurse"),
    ("legal nurse", "2619", "esco: legal nurse consultant (alternative label of 'legal consultant')"),
])
def test_a_hit_names_the_label_that_matched(query: str, code: str, via: str) -> None:
    hit = next(m for m in isco.search(query) if m.code == code)
    assert hit.via == via


def test_every_query_word_must_match() -> None:
    assert isco.search("nurse zzzqqq") == []
    assert all(m.code != "2512" for m in isco.search("software nurse"))


def test_cli_search_nurse_lists_nursing_first(cli: Cli) -> None:
    res = cli("isco", "search", "nurse")
    assert res.code == 0
    lines = res.stdout.splitlines()
    assert [line.split()[0] for line in lines[:4]] == ["2221", "222", "3221", "322"], lines[:6]
    assert "Gardeners" not in "\n".join(lines[:8])
    hits = cli("isco", "search", "nurse", "--format", "json").json()
    assert hits[2] == {"code": "3221", "title": "Nursing associate professionals", "level": 4, "via": "isco"}
