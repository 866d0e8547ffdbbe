"""schema.fold: the text that search and sorting by name compare."""

from __future__ import annotations

import pytest

from smpatlas.store.schema import fold, search_text, sort_name


@pytest.mark.parametrize(("text", "folded"), [
    ("Triple Win", "triple win"),
    ("Québec", "quebec"),
    ("Émile – Côte d'Ivoire", "emile – cote d'ivoire"),  # the dash is not a mark: kept
    ("Straße", "strasse"),
    ("ÖKUMENE", "okumene"),
    ("Ａｕｓｂｉｌｄｕｎｇ", "ausbildung"),  # full-width forms
    ("ﬁnance", "finance"),  # ligature
    ("Ελλάδα", "ελλαδα"),  # Greek: accents dropped, lower-cased
    ("Łódź", "łodz"),  # ł has no decomposition: kept
    ("Việt Nam", "viet nam"),
    ("", ""),
])
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_search_text_and_sort_name_are_folded() -> None:
    rec = {"name": "Québec Infirmières", "acronym": "QI", "actors": [{"name": "Ministère du Travail"}]}
    assert search_text(rec) == "quebec infirmieres\nqi\nministere du travail"
    assert sort_name(rec) == "quebec infirmieres"
