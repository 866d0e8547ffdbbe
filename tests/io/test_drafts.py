"""Draft designs read from a file (``smpatlas benchmark DRAFT``): unreadable files are one clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from smpatlas.errors import ConfigError, ValidationFailed
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


def _draft(tmp_path: Path, suffix: str, data: bytes) -> Path:
    path = tmp_path / f"draft{suffix}"
    if suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        for line in data.decode("utf-8").splitlines():
            wb.active.append(line.split(","))
        wb.save(path)
    else:
        path.write_bytes(data)
    return path


#: A draft in another encoding than UTF-8: (suffix, file bytes, what the error says).
NOT_UTF8 = [
    (".json", b"\xff\xfe" + '{"name": "x"}'.encode("utf-16-le"),
     "not UTF-8 text: the file is UTF-16 LE (its byte order mark"),
    (".json", b"\xff\xfe{\x00}\x00", "iconv -f UTF-16LE -t UTF-8"),
    (".json", b"\xfe\xff" + '{"name": "x"}'.encode("utf-16-be"), "the file is UTF-16 BE (its byte order mark"),
    (".json", '{"name": "x"}'.encode("utf-32"), "the file is UTF-32 LE (its byte order mark"),
    (".json", '{"name": "x"}'.encode("utf-16-le"), "the file is UTF-16 LE (it has zero bytes between its characters)"),
    (".json", '{"name": "x"}'.encode("utf-32-be"), "the file is UTF-32 BE (it has zero bytes"),
    (".json", '{"name": "Café"}'.encode("cp1252"), "not UTF-8 text (byte 0xe9 on line 1 cannot be decoded"),
    (".yaml", "name: x\n".encode("utf-16"), "not UTF-8 text: the file is UTF-16 LE (its byte order mark"),
    (".yaml", "name: x\n".encode("utf-16"), "a YAML draft must be UTF-8 (save it as UTF-8: in Notepad"),
    (".yml", "name: x\n".encode("utf-16-be"), "the file is UTF-16 BE (it has zero bytes"),
    (".yaml", "name: x\nnotes: Zoë\n".encode("latin-1"), "byte 0xeb on line 2 cannot be decoded"),
    (".csv", "name\nx\n".encode("utf-16"), "the file is UTF-16 LE (its byte order mark says so); a CSV draft must be "
                                           "UTF-8 (in Excel use 'Save As' → 'CSV UTF-8"),
]


@pytest.mark.parametrize(("suffix", "data", "words"), NOT_UTF8)
def test_a_draft_not_in_utf8_is_refused_naming_its_encoding(tmp_path: Path, suffix: str, data: bytes,
                                                            words: str) -> None:
    with pytest.raises(ConfigError, match=rf"draft\{suffix}: ") as info:
        read_draft(_draft(tmp_path, suffix, data))
    assert words in str(info.value)
    assert "thousands" not in str(info.value)


@pytest.mark.parametrize(("suffix", "data"), [
    (".json", b'\xef\xbb\xbf{"name": "Caf\xc3\xa9"}'),
    (".yaml", b"\xef\xbb\xbfname: Caf\xc3\xa9\n"),
    (".csv", b"\xef\xbb\xbfname\nCaf\xc3\xa9\n"),
])
def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path, suffix: str, data: bytes) -> None:
    assert read_draft(_draft(tmp_path, suffix, data))["name"] == "Café"


#: A key, column or field given twice: (suffix, file bytes, what the error says). The last one never wins silently.
REPEATED = [
    (".json", b'{"name": "a", "name": "b"}', "key 'name' is given twice ('a', then 'b')"),
    (".json", b'{"name": "a", "budget_eur": 1, "budget_eur": 2}', "key 'budget_eur' is given twice (1, then 2)"),
    (".json", b'{"name": "a", "#note": {"x": 1, "x": 2}}', "key 'x' is given twice (1, then 2)"),
    (".yaml", b"name: a\nname: b\n", "key 'name' is given twice (line 1: 'a', then line 2: 'b')"),
    (".yaml", b"name: a\nskill_levels: [low]\nskill_levels: high\n",
     "key 'skill_levels' is given twice (line 2: a list, then line 3: 'high')"),
    (".yaml", b"{name: a, name: a}", "key 'name' is given twice"),
    (".yaml", b"name: a\n'#note':\n  x: 1\n  x: 2\n", "key 'x' is given twice (line 3: '1', then line 4: '2')"),
    (".csv", b"name,skill_levels,name\na,low,b\n", "column 'name' is given twice (column 1: 'a', then column 3: 'b')"),
    (".csv", b"name,skill_levels, name\na,low,\n", "column 'name' is given twice (column 1: 'a', then column 3: '')"),
    (".xlsx", b"name,skill_levels,name\na,low,b\n", "column 'name' is given twice (column A: 'a', then column C: 'b')"),
    (".csv", b"field,value\nname,a\nname,b\n", "field 'name' is given twice (row 2: 'a', then row 3: 'b')"),
    (".csv", b"name,a\nname,b\n", "field 'name' is given twice (the header row: 'a', then row 2: 'b')"),
]


@pytest.mark.parametrize(("suffix", "data", "words"), REPEATED)
def test_a_key_given_twice_is_refused(tmp_path: Path, suffix: str, data: bytes, words: str) -> None:
    with pytest.raises(ConfigError, match=rf"draft\{suffix}: ") as info:
        read_draft(_draft(tmp_path, suffix, data))
    assert words in str(info.value)
    assert "delete the one you do not mean" in str(info.value)


@pytest.mark.parametrize(("suffix", "data"), [
    (".csv", b"name,Name\na,b\n"),
    (".json", b'{"name": "a", "Name": "b"}'),
    (".yaml", b"name: a\nName: b\n"),
])
def test_two_spellings_of_one_field_are_refused(tmp_path: Path, suffix: str, data: bytes) -> None:
    with pytest.raises(ValidationFailed) as info:
        read_draft(_draft(tmp_path, suffix, data))
    (problem,) = info.value.report.problems
    assert (problem.code, problem.column, problem.value) == ("duplicate_column", "Name", "b")
    assert "'name' and 'Name' both mean 'name'" in problem.message
    assert problem.hint == "keep one of them"


@pytest.mark.parametrize(("suffix", "data"), [
    (".yaml", b"'#base': &base {name: a, budget_eur: 1}\n'#draft':\n  <<: *base\n  name: b\n"),  # a merge may override
    (".csv", b"#note,name,#note\nx,a,y\n"),  # notes are ignored, however many
    (".json", b'{"name": "a", "#note": [{"x": 1}, {"x": 2}]}'),  # the same key in two objects
    (".json", b'{"name": "a", "#notes": ["x"]}'),  # a note is ignored, as on import (not read as notes)
])
def test_keys_that_only_look_repeated_are_accepted(tmp_path: Path, suffix: str, data: bytes) -> None:
    read_draft(_draft(tmp_path, suffix, data))


#: A number field given NaN or infinity is refused as on import, never taken as blank.
NOT_FINITE = [
    (".json", b'{"budget_eur": NaN}', "budget_eur", "expected a finite number"),
    (".json", b'{"budget_eur": -Infinity}', "budget_eur", "expected a finite number"),
    (".yaml", b"budget_eur: .nan\n", "budget_eur", "expected a finite number"),
    (".yaml", b"budget_eur: .inf\n", "budget_eur", "expected a finite number"),
    (".yaml", b"budget_eur: -.Inf\n", "budget_eur", "expected a finite number"),
    (".csv", b"budget_eur\nnan\n", "budget_eur", "expected a finite number"),
    (".json", b'{"planned_participants": NaN}', "planned_participants", "expected a whole number"),
    (".yaml", b"planned_participants: .nan\n", "planned_participants", "expected a whole number"),
]


@pytest.mark.parametrize(("suffix", "data", "field", "words"), NOT_FINITE)
def test_a_number_that_is_not_finite_is_refused(tmp_path: Path, suffix: str, data: bytes, field: str,
                                                words: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        read_draft(_draft(tmp_path, suffix, data))
    (problem,) = info.value.report.problems
    assert (problem.file, problem.column, problem.field) == (str(tmp_path / f"draft{suffix}"), field, field)
    assert words in problem.message
    assert problem.hint
