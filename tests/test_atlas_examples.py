"""The Python API documents itself: every public method has a docstring with an example, and every example runs.

Each example runs as a doctest in a folder holding ``atlas.db`` (the bundled inventory, imported by "anna") and
``partnerships.xlsx`` (its export), with ``smpatlas`` and ``atlas`` (open on ``atlas.db``) defined; each on a
fresh copy, so an example that edits or deletes never changes what the next one sees.
"""

from __future__ import annotations

import doctest
import inspect
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import smpatlas
from smpatlas import atlas as atlas_mod
from tests.conftest import BUNDLED

EXAMPLES = {t.name: t for t in doctest.DocTestFinder().find(atlas_mod, "smpatlas.atlas") if t.examples}
PUBLIC = sorted(n for n, m in vars(atlas_mod.Atlas).items() if not n.startswith("_") and callable(m))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("atlas-template")
    with smpatlas.open(folder / "atlas.db", user="anna") as atlas:
        assert atlas.import_files([BUNDLED]).valid
        assert atlas.export("xlsx", folder / "partnerships.xlsx") > 100
    return folder


@pytest.fixture
def workdir(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    for name in ("atlas.db", "partnerships.xlsx"):
        shutil.copy(template / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SMPATLAS_DATABASE_URL", raising=False)
    yield tmp_path


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_method_has_a_docstring_with_an_example(name: str) -> None:
    doc = inspect.getdoc(getattr(atlas_mod.Atlas, name)) or ""
    assert doc, f"Atlas.{name} has no docstring"
    if isinstance(inspect.getattr_static(atlas_mod.Atlas, name), property):
        return  # an attribute: its docstring says what it holds
    assert f"smpatlas.atlas.Atlas.{name}" in EXAMPLES, f"Atlas.{name}'s docstring has no example (>>>)"


def test_open_the_class_and_the_module_have_examples() -> None:
    assert {"smpatlas.atlas", "smpatlas.atlas.Atlas", "smpatlas.atlas.open"} <= set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs(name: str, workdir: Path) -> None:
    test = EXAMPLES[name]
    atlas = smpatlas.open("atlas.db", user="anna")
    test.globs = {"smpatlas": smpatlas, "atlas": atlas}
    out: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    try:
        result = runner.run(test, out=out.append)
    finally:
        atlas.close()
        test.globs.clear()
    assert result.failed == 0, "".join(out)


def test_the_readme_python_section_runs(workdir: Path) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text("utf-8")
    section = readme.split("## From Python", 1)[1]
    code = section.split("```python", 1)[1].split("```", 1)[0]
    namespace: dict[str, object] = {}
    exec(compile(code, "README.md (From Python)", "exec"), namespace)
    atlas = namespace["atlas"]
    assert isinstance(atlas, smpatlas.Atlas)
    atlas.close()
