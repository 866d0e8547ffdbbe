"""Draft designs read from a file (``smpatlas benchmark DRAFT``): unreadable files are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpatlas.errors import ConfigError
from smpatlas.io.drafts import read_draft


@pytest.mark.parametrize(("suffix", "text", "words"), [
    (".json", '{"name": "x",', "not valid JSON"),
    (".json", '{"planned_participants": ' + "9" * 5000 + "}", "not readable JSON (a number of thousands of digits"),
    (".json", "[" * 100_000 + "]" * 100_000, "not readable JSON"),
    (".yaml", "name: [x", "not valid YAML"),
    (".yaml", "planned_participants: " + "9" * 5000, "not readable YAML (a number of thousands of digits"),
    (".yaml", "[" * 100_000 + "]" * 100_000, "not readable YAML"),
])
def test_an_unreadable_draft_is_one_clear_error(tmp_path: Path, suffix: str, text: str, words: str) -> None:
    path = tmp_path / f"draft{suffix}"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match=rf"draft\{suffix}: ") as info:
        read_draft(path)
    assert words in str(info.value)
