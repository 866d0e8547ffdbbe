"""Docs examples are runnable, under test: every ``smpatlas …`` line in a fenced code block of README.md and
docs/*.md runs, in-process (the ``cli`` fixture), in a folder prepared like a user's.

What an example is: a line of a fenced code block (``` or ~~~) that starts with ``smpatlas `` (also after
``$ ``), or a pipeline of such a line (``echo "$PW" | smpatlas user add …``, ``smpatlas export … | head``).
Lines ending in ``\\`` are joined; a ``# comment`` is cut off where the shell would cut it (a ``#`` that
begins a word outside quotes). Arguments are split with :func:`shlex.split`. In each block, the shell lines
``export NAME=VALUE`` and ``mkdir -p DIR`` above an example are part of its setting; other shell lines
(``createdb``, ``curl``, ``uvicorn``) are not run.

Where the examples run (a copy per test of a folder made once per session, :func:`user_folders`):

- every doc: the default database ``smpatlas.db`` in the current folder (``SMPATLAS_DATABASE_URL`` unset)
  holds the bundled inventory (as ``smpatlas demo`` loads it) plus ``old-pilot``, the partnership the tour
  deletes; ``atlas.db`` is a copy of the bundled inventory (the reader's own inventory); and the files the
  examples name: ``partnerships.xlsx`` (three new partnerships, written by the exporter), ``fixes.csv``
  (the README's fixes file: the required columns and the one being fixed, cut from a CSV export),
  ``inventory.jsonl`` and ``inventory.xlsx`` (the bundled inventory, exported by the library), ``draft.yaml``
  (the Triple Win design without its id and sources) and the small files of ``tests/doc_examples/``;
- README.md only: what ``make demo`` (its Quick start, which the tour follows) leaves behind as well:
  ``demo/atlas.db`` and the folder ``reports/``. The docs are read outside the checkout too, so they get
  neither (an example that needs a folder must make it).

``postgresql+psycopg://…@dbhost/…`` in an example is the reader's PostgreSQL server: each such URL is a new,
empty database on the throwaway server of the ``pg_server`` fixture (about 3 s to start, once), which is
what ``createdb`` gives the reader. Password prompts get an answer as if typed at a terminal.

Tables below (keyed by file and command, not line, so that editing a doc does not break them; a key that
matches no example fails :func:`test_tables_name_existing_examples`): steps an example needs first
(:data:`SETUP`), documented failures (:data:`DOCUMENTED`), examples that run with the server loop stubbed
(:data:`SERVER_STUBBED`), and known failures (:data:`XFAIL`). No example is skipped.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import re
import shlex
import shutil
import sys
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import BUNDLED, Result, minimal

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).with_name("doc_examples")
DOCS = ("README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")))
PASSWORD = "correct horse battery staple"  # what the reader types at a password prompt
SHELL_VARIABLES = {"PW": PASSWORD}  # variables the examples use without setting them ($PW: a password)
PG_PLACEHOLDER = re.compile(r"postgresql\+psycopg://[^\s/@]+@dbhost/\w+")  # the reader's PostgreSQL server

Cli = Callable[..., Result]


# --- What the examples need first, what they are documented to do, what is known to fail ------------------
# Keys are (file, command as written, without its comment). A step is a command of the same file (run, and
# required to succeed, before the example, in the same folder) or "rm NAME".

_ADD_ANNA = "smpatlas user add anna --role editor --db atlas.db"
SETUP: dict[tuple[str, str], tuple[str, ...]] = {
    # "an empty inventory": init makes a new file (atlas.db is the reader's inventory elsewhere).
    ("README.md", "smpatlas init --db atlas.db"): ("rm atlas.db",),
    ("README.md", "smpatlas show old-pilot"): ("smpatlas delete old-pilot --yes",),
    ("README.md", "smpatlas user list --db atlas.db"): (_ADD_ANNA,),
    ("README.md", "smpatlas user passwd anna --db atlas.db"): (_ADD_ANNA,),
    ("README.md", "smpatlas token create anna --db atlas.db"): (_ADD_ANNA,),
    ("README.md", "smpatlas user role anna admin --db atlas.db"): (_ADD_ANNA,),
    ("README.md", "smpatlas token list anna --db atlas.db"): (_ADD_ANNA,),
    ("README.md", "smpatlas restore atlas.zip --db postgresql+psycopg://atlas@dbhost/atlas"):
        ("smpatlas dump --out atlas.zip",),
    ("docs/deployment.md", "smpatlas import inventory.xlsx --user anna"): ("smpatlas init",),
    ("docs/deployment.md", "smpatlas restore atlas.zip --db postgresql+psycopg://atlas@dbhost/atlas"):
        ("smpatlas dump --out atlas.zip --db atlas.db",),
    ("docs/reference-data.md", "smpatlas who-list list"):
        ('smpatlas who-list import ssl-2023.csv --edition 2023 --source "WHO health workforce support and '
         'safeguards list 2023 (ISBN 9789240069787)"',),
    ("docs/web.md", "smpatlas user add anna --role admin --db demo/atlas.db"): ("smpatlas demo --db demo/atlas.db",),
    ("docs/web.md", "smpatlas serve --db demo/atlas.db"): ("smpatlas demo --db demo/atlas.db",),
    ("docs/web.md", "smpatlas user passwd anna"): ("smpatlas user add anna --role editor",),
    ("docs/web.md", 'smpatlas token create ci --label "nightly import"'):
        ("smpatlas user add ci --role editor --password-stdin",),
    ("docs/web.md", "smpatlas user role anna admin"): ("smpatlas user add anna --role editor",),
    ("docs/web.md", "smpatlas user disable anna"): ("smpatlas user add anna --role editor",),
    ("docs/web.md", "smpatlas token list ci"): ("smpatlas user add ci --role editor --password-stdin",),
    ("docs/web.md", "smpatlas token revoke ci 3"):
        ("smpatlas user add ci --role editor --password-stdin",
         *['smpatlas token create ci --label "nightly import"'] * 3),
}


@dataclass(frozen=True)
class Documented:
    """What an example is documented to do when that is not just "exit 0": its exit code, whether the JSON block
    that follows its code block in the doc is its (abridged) output, and texts its output must have."""

    code: int
    json_follows: bool = False
    stdout_has: tuple[str, ...] = ()
    stderr_has: tuple[str, ...] = ()


DOCUMENTED: dict[tuple[str, str], Documented] = {
    # "a deleted partnership: who deleted it, its history": shown, and exit 1, as 'smpatlas show --help' says (the
    # partnership is not there; scripts must not take it for one that is).
    ("README.md", "smpatlas show old-pilot"):
        Documented(1, stdout_has=("(old-pilot, deleted in version 2)", "History"), stderr_has=("deleted on",)),
    # The abridged report of a file with one error: exit code 2 (validation errors), the report after it.
    ("docs/import-report.md", "smpatlas validate bad.csv --report-format json"): Documented(2, json_follows=True),
}

# 'smpatlas serve' runs until Ctrl-C. These examples run with uvicorn.run replaced by a stub: options, settings,
# the database and the app are all real; the test then asks the app for its first page.
SERVER_STUBBED = {
    ("README.md", "smpatlas serve --db demo/atlas.db"),
    ("README.md", "smpatlas serve --db atlas.db --private --secure-cookies"),
    ("docs/web.md", "smpatlas serve --db demo/atlas.db"),
    ("docs/web.md", "smpatlas serve --db atlas.db --host 0.0.0.0 --port 8080 --private --secure-cookies"),
}

# Known failures, of the program or of docs that are not edited with this test (README.md, docs/web.md): strict,
# so that a fix shows up as XPASS and the entry goes.
XFAIL: dict[tuple[str, str], str] = {}


# --- Reading the examples out of the Markdown ----------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    """One ``smpatlas`` command of a doc, with what the shell around it gives it."""

    file: str  # "README.md", "docs/web.md"
    line: int  # where it starts
    command: str  # "smpatlas …", as written, without its comment and the rest of its pipeline
    stdin: str | None = None  # the pipeline before it ('echo "$PW"'), or None
    pipe: str | None = None  # the pipeline after it ("head"), or None
    env: tuple[tuple[str, str], ...] = ()  # `export NAME=VALUE` above it in its block
    folders: tuple[str, ...] = ()  # `mkdir -p DIR` above it in its block
    block: int = 0  # which fenced block of the file (0, 1, …)

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def key(self) -> tuple[str, str]:
        return (self.file, self.command)

    @property
    def argv(self) -> list[str]:
        words = shlex.split(self.command)
        assert words[0] == "smpatlas"
        return words[1:]


@dataclass
class Block:
    line: int  # of the opening fence
    info: str  # "sh", "json", …
    lines: list[tuple[int, str]] = field(default_factory=list)


_FENCE = re.compile(r"^(?P<indent> {0,3}|\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def fenced_blocks(text: str) -> list[Block]:
    """The fenced code blocks of a Markdown text (also indented ones, in list items), in order."""
    blocks: list[Block] = []
    current: Block | None = None
    fence = ""
    for number, line in enumerate(text.splitlines(), 1):
        m = _FENCE.match(line)
        if current is None:
            if m and not (m.group("fence")[0] == "`" and "`" in m.group("info")):
                fence, current = m.group("fence"), Block(number, m.group("info").strip())
        elif m and m.group("fence")[0] == fence[0] and len(m.group("fence")) >= len(fence) \
                and not m.group("info").strip():
            blocks.append(current)
            current = None
        else:
            current.lines.append((number, line))
    assert current is None, f"a code block opened at line {current.line} is never closed"
    return blocks


def _unquoted(line: str) -> Iterator[tuple[int, str]]:
    """(index, character) of the characters of a shell line that are outside quotes and not escaped."""
    quote = ""
    escaped = False
    for i, ch in enumerate(line):
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if ch == "'" else quote
        elif ch == "\\":
            escaped = True
        elif quote == '"':
            quote = "" if ch == '"' else quote
        elif ch in "'\"":
            quote = ch
        else:
            yield i, ch


def strip_comment(line: str) -> str:
    """The line without its ``# comment``: a ``#`` that begins a word, outside quotes (``a#b`` and ``a\\ #b`` are
    one word)."""
    blank = {-1}  # indexes of unquoted, unescaped blanks (and the start of the line)
    for i, ch in _unquoted(line):
        if ch == "#" and i - 1 in blank:
            return line[:i].rstrip()
        if ch.isspace():
            blank.add(i)
    return line.rstrip()


def pipeline(line: str) -> list[str]:
    """The commands of a pipeline (``|`` outside quotes; ``||`` is not one)."""
    cuts = [i for i, ch in _unquoted(line) if ch == "|"]
    assert not any(b == a + 1 for a, b in itertools.pairwise(cuts)), f"'||' in {line!r}: teach this test"
    parts, start = [], 0
    for i in cuts:
        parts.append(line[start:i].strip())
        start = i + 1
    return [*parts, line[start:].strip()]


def logical_lines(block: Block) -> Iterator[tuple[int, str]]:
    """(first line number, text) of each command line of a block: continuation lines joined, comments cut."""
    pending: tuple[int, str] | None = None
    for number, raw in block.lines:
        text = raw.strip()
        start = number
        if pending is not None:
            start, text = pending[0], pending[1] + " " + text
        if text.endswith("\\") and not text.endswith("\\\\"):
            pending = (start, text[:-1].rstrip())
            continue
        pending = None
        yield start, strip_comment(text).removeprefix("$ ")
    assert pending is None, f"line {block.lines[-1][0]} ends with '\\' and nothing follows"


def examples_in(file: str) -> list[Example]:
    found: list[Example] = []
    for index, block in enumerate(fenced_blocks((ROOT / file).read_text("utf-8"))):
        env: dict[str, str] = {}
        folders: list[str] = []
        for line, text in logical_lines(block):
            if re.fullmatch(r"export [A-Za-z_]\w*=\S*", text):
                name, value = text.removeprefix("export ").split("=", 1)
                env[name] = value
                continue
            if text.startswith("mkdir -p "):
                folders.extend(shlex.split(text)[2:])
                continue
            parts = pipeline(text)
            at = [i for i, part in enumerate(parts) if part.startswith("smpatlas ")]
            if not at:
                continue
            assert len(at) == 1, f"{file}:{line}: two smpatlas commands in one pipeline: teach this test"
            i = at[0]
            found.append(Example(file, line, parts[i], stdin=" | ".join(parts[:i]) or None,
                                 pipe=" | ".join(parts[i + 1:]) or None, env=tuple(env.items()),
                                 folders=tuple(folders), block=index))
    return found


EXAMPLES = [e for doc in DOCS for e in examples_in(doc)]
BY_KEY = {e.key: e for e in EXAMPLES}


def _param(example: Example) -> Any:
    marks = [pytest.mark.xfail(strict=True, reason=XFAIL[example.key])] if example.key in XFAIL else []
    return pytest.param(example, id=example.id, marks=marks)


# --- The reader's folder -------------------------------------------------------------------------------------

def _load_demo(path: Path) -> None:
    """The bundled inventory, loaded as 'smpatlas demo' loads it (so demo recognises the file as its own)."""
    from smpatlas.cli.cmd_demo import DEMO_USER
    from smpatlas.io.importer import import_files
    from smpatlas.store import database

    engine = database.open_engine(str(path))
    try:
        report = import_files(engine, [BUNDLED], mode="replace", user=DEMO_USER)
        assert report.valid, report.to_text()
    finally:
        engine.dispose()


def _fixes_csv(inventory: Path, out: Path) -> None:
    """The README's fixes file: the required columns and the one being fixed (last_reviewed), for two records."""
    import smpatlas
    from smpatlas.codebook import default as default_codebook

    full = out.with_name("full.csv")
    with smpatlas.open(str(inventory), create=False) as atlas:
        atlas.export("csv", full)
    required = [f.name for f in default_codebook().fields if f.required]
    with full.open(encoding="utf-8-sig", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["id"] in ("de-ph-triple-win", "de-in-kerala-triple-win")]
    full.unlink()
    assert len(rows) == 2, "the two partnerships of fixes.csv are no longer in the bundled inventory"
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, [*required, "last_reviewed"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**r, "last_reviewed": "2026-12-01"} for r in rows)


@pytest.fixture(scope="session")
def user_folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The folder each doc's examples start in (see the module's docstring), made once: "docs", "README.md"."""
    import yaml

    import smpatlas
    from smpatlas.io.exporter import write_xlsx

    docs = tmp_path_factory.mktemp("reader")
    _load_demo(docs / "atlas.db")
    shutil.copyfile(docs / "atlas.db", docs / "smpatlas.db")
    with smpatlas.open(str(docs / "smpatlas.db"), user="anna", create=False) as atlas:
        # old-pilot: the partnership the README deletes (real partnerships are not deleted in examples).
        report = atlas.import_files([_jsonl(docs / "old-pilot.jsonl", minimal("old-pilot"))])
        assert report.valid, report.to_text()
        (docs / "old-pilot.jsonl").unlink()
    with smpatlas.open(str(docs / "atlas.db"), create=False) as atlas:
        atlas.export("jsonl", docs / "inventory.jsonl")
        atlas.export("xlsx", docs / "inventory.xlsx")
    _fixes_csv(docs / "atlas.db", docs / "fixes.csv")
    write_xlsx([minimal(f"xx-ph-new-partnership-{n}", start_year=2020 + n) for n in (1, 2, 3)],
               docs / "partnerships.xlsx")
    bundled = {r["id"]: r for r in map(json.loads, filter(str.strip, BUNDLED.read_text("utf-8").splitlines()))}
    draft = {k: v for k, v in bundled["de-ph-triple-win"].items()
             if k not in ("id", "acronym", "actors", "sources", "outcomes", "notes", "confidence")}
    (docs / "draft.yaml").write_text(yaml.safe_dump(draft, allow_unicode=True, sort_keys=False), "utf-8")
    for small in DATA.iterdir():
        shutil.copyfile(small, docs / small.name)

    readme = tmp_path_factory.mktemp("checkout")
    shutil.copytree(docs, readme, dirs_exist_ok=True)
    (readme / "demo").mkdir()
    shutil.copyfile(docs / "atlas.db", readme / "demo" / "atlas.db")  # make demo: smpatlas demo --db demo/atlas.db
    (readme / "reports").mkdir()  # make demo writes reports/inventory.html there
    return {"docs": docs, "README.md": readme}


def _jsonl(path: Path, record: dict[str, Any]) -> Path:
    path.write_text(json.dumps(record) + "\n", "utf-8")
    return path


class _Terminal(io.StringIO):
    """Standard input that is a terminal: what the command asks is answered by the prompt stub."""

    def isatty(self) -> bool:
        return True


@dataclass
class Reader:
    """Runs examples the way the reader would, in their folder."""

    cli: Cli
    monkeypatch: pytest.MonkeyPatch
    request: pytest.FixtureRequest
    served: list[dict[str, Any]] = field(default_factory=list)
    databases: dict[str, str] = field(default_factory=dict)  # PostgreSQL placeholder → a real database

    def postgres(self, text: str) -> str:
        """``text`` with each placeholder URL of the reader's server replaced by a database of the test server."""
        def real(m: re.Match[str]) -> str:
            if m.group(0) not in self.databases:
                server = self.request.getfixturevalue("pg_server")
                self.databases[m.group(0)] = server.create_database()
            return self.databases[m.group(0)]

        return PG_PLACEHOLDER.sub(real, text)

    def run(self, example: Example) -> Result:
        for folder in example.folders:
            Path(folder).mkdir(parents=True, exist_ok=True)
        with self.monkeypatch.context() as m:
            for name, value in example.env:
                m.setenv(name, self.postgres(value))
            m.setattr(sys, "stdin", _Terminal("") if example.stdin is None else io.StringIO(self.stdin(example)))
            return self.cli(*(self.postgres(a) for a in example.argv))

    def stdin(self, example: Example) -> str:
        """What the pipeline before the command writes (only ``echo WORDS`` is understood)."""
        assert example.stdin is not None
        words = shlex.split(example.stdin)
        assert words[0] == "echo" and "|" not in example.stdin, f"{example.id}: teach this test {example.stdin!r}"
        return " ".join(re.sub(r"\$(\w+)", lambda m: SHELL_VARIABLES[m.group(1)], w) for w in words[1:]) + "\n"

    def setup(self, example: Example) -> None:
        for step in SETUP.get(example.key, ()):
            if step.startswith("rm "):
                Path(step.removeprefix("rm ")).unlink()
                continue
            before = BY_KEY.get((example.file, step))
            assert before is not None, f"{example.id}: no example {step!r} in {example.file} (see SETUP)"
            res = self.run(before)
            assert res.code == 0, f"{example.id}: the step before it, {before.id} {step!r}, failed:\n{res.stderr}"


@pytest.fixture
def reader(cli: Cli, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Reader:
    """The reader: password prompts answered as at a terminal; uvicorn.run stubbed (see SERVER_STUBBED)."""
    import typer
    import uvicorn

    def prompt(text: str, **kw: Any) -> str:
        assert kw.get("hide_input"), f"an example asked {text!r}, which the test cannot answer"
        return PASSWORD

    reader = Reader(cli, monkeypatch, request)
    monkeypatch.setattr(typer, "prompt", prompt)
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: reader.served.append({"app": app, **kw}))
    monkeypatch.delenv("SMPATLAS_DATABASE_URL", raising=False)
    return reader


# --- The tests -----------------------------------------------------------------------------------------------

def _option(argv: list[str], *names: str) -> str | None:
    for i, word in enumerate(argv):
        if word in names and i + 1 < len(argv):
            return argv[i + 1]
        for name in names:
            if word.startswith(name + "="):
                return word.split("=", 1)[1]
    return None


def _abridged(doc: Any, real: Any, where: str = "") -> None:
    """``doc`` (a doc's abridged JSON) is ``real``: every key it shows with its value; a text ending in '...' is
    the start of the real one."""
    if isinstance(doc, dict):
        assert isinstance(real, dict), where
        for k, v in doc.items():
            assert k in real, f"{where}.{k} is not in the output"
            _abridged(v, real[k], f"{where}.{k}")
    elif isinstance(doc, list):
        assert isinstance(real, list) and len(real) >= len(doc), where
        for i, v in enumerate(doc):
            _abridged(v, real[i], f"{where}[{i}]")
    elif isinstance(doc, str) and doc.endswith("..."):
        assert isinstance(real, str) and real.startswith(doc[:-3]), f"{where}: {real!r} vs {doc!r}"
    else:
        assert doc == real, f"{where}: the doc says {doc!r}, the command gives {real!r}"


def _json_after(example: Example) -> Any:
    blocks = fenced_blocks((ROOT / example.file).read_text("utf-8"))
    after = blocks[example.block + 1]
    assert after.info == "json", f"{example.id}: the block after it is not JSON"
    return json.loads("\n".join(text for _, text in after.lines))


def _check_served(reader: Reader, example: Example) -> None:
    with warnings.catch_warnings():  # starlette's TestClient warns about httpx at import time
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient

    assert len(reader.served) == 1, "serve did not start the server"
    served = reader.served[0]
    argv = example.argv
    assert (served["host"], served["port"]) == (_option(argv, "--host") or "127.0.0.1", int(_option(argv, "--port")
                                                                                              or 8000))
    with TestClient(served["app"], base_url="http://127.0.0.1:8000", follow_redirects=False) as client:
        page = client.get("/")
    if "--private" in argv:
        assert page.status_code == 303 and "/login" in page.headers["location"], page.status_code
    else:
        assert page.status_code == 200 and "partnerships" in page.text.lower(), page.status_code


@pytest.mark.slow
@pytest.mark.parametrize("example", [_param(e) for e in EXAMPLES])
def test_doc_example_runs(example: Example, reader: Reader, user_folders: dict[str, Path], tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "reader"
    shutil.copytree(user_folders["README.md" if example.file == "README.md" else "docs"], folder)
    monkeypatch.chdir(folder)
    reader.setup(example)

    res = reader.run(example)

    documented = DOCUMENTED.get(example.key, Documented(0))
    assert res.code == documented.code, (f"{example.id}: {example.command!r} exited {res.code} "
                                         f"(the doc says {documented.code}):\n{res.stderr}{res.stdout[-2000:]}")
    for text, stream in [*((t, "stdout") for t in documented.stdout_has), *((t, "stderr") for t in documented.stderr_has)]:
        assert text in getattr(res, stream), f"{example.id}: {text!r} is not in its {stream}"
    argv = example.argv
    out = _option(argv, "--out")
    if out not in (None, "-"):
        written = Path(out)
        assert written.exists() and (written.is_dir() or written.stat().st_size > 0), f"{out} was not written"
    fmt = (_option(argv, "--format", "-f") or _option(argv, "--report-format") or "").lower()
    if fmt == "json" and out in (None, "-"):
        output = json.loads(res.stdout)
        if documented.json_follows:
            _abridged(_json_after(example), output)
    if example.pipe is not None:
        assert example.pipe == "head", f"{example.id}: teach this test what '| {example.pipe}' does"
        assert res.stdout.strip(), "nothing was written to the pipe"
    if example.key in SERVER_STUBBED:
        _check_served(reader, example)
    else:
        assert not reader.served, "uvicorn.run was called: add the example to SERVER_STUBBED"


# --- Every option an example (or a command in the prose) uses is one that --help lists -----------------------

def _inline_commands(file: str) -> Iterator[tuple[int, str]]:
    """(line, text) of the ``smpatlas …`` code spans outside the fenced blocks (``import|validate`` → both)."""
    text = (ROOT / file).read_text("utf-8")
    lines = text.splitlines()
    for block in fenced_blocks(text):
        for number, _ in block.lines:
            lines[number - 1] = ""
        lines[block.line - 1] = ""
    masked = "\n".join(lines)
    for m in re.finditer(r"`(smpatlas [^`]+)`", masked):
        line = masked.count("\n", 0, m.start()) + 1
        command = " ".join(m.group(1).split())
        first, _, rest = command.removeprefix("smpatlas ").partition(" ")
        for name in first.split("|"):
            yield line, f"smpatlas {name} {rest}".rstrip()


INLINE = [pytest.param(e, id=f"{file}:{line}:inline")
          for file in DOCS for line, e in _inline_commands(file)]


_HELP: dict[tuple[str, ...], str] = {}  # --help of each command, asked once


@functools.cache
def _root_command() -> Any:
    import typer.main

    from smpatlas.cli.app import app

    return typer.main.get_command(app)


def _help_of(cli: Cli, argv: list[str]) -> tuple[list[str], str]:
    """The command path an argument list names (["user", "add"]) and its --help text."""
    command = _root_command()  # a group has .commands (Typer has its own click: no isinstance)
    path: list[str] = []
    for word in argv:
        if word not in getattr(command, "commands", {}):
            break
        command = command.commands[word]
        path.append(word)
    assert path and not hasattr(command, "commands"), f"no smpatlas command in {argv}"
    if tuple(path) not in _HELP:
        res = cli(*path, "--help")
        assert res.code == 0, res.stderr
        _HELP[tuple(path)] = res.stdout
    return path, _HELP[tuple(path)]


def _options_not_in_help(cli: Cli, argv: list[str]) -> list[str]:
    path, text = _help_of(cli, argv)
    listed = set(re.findall(r"(?<![\w-])(--?[A-Za-z][\w-]*)", text))
    used = {name for word in argv[len(path):] if word.startswith("-") and word != "-"
            for name in word.split("=", 1)[0].split("/")}
    return sorted(used - listed)


@pytest.mark.parametrize("example", [pytest.param(e, id=e.id) for e in EXAMPLES])
def test_doc_example_options_are_in_help(example: Example, cli: Cli) -> None:
    assert not _options_not_in_help(cli, example.argv), f"{example.id}: options that --help does not list"


@pytest.mark.parametrize("command", INLINE)
def test_inline_command_options_are_in_help(command: str, cli: Cli) -> None:
    try:
        argv = shlex.split(command)[1:]
    except ValueError:  # an unbalanced quote in prose: words are enough to find options
        argv = command.split()[1:]
    assert not _options_not_in_help(cli, argv), f"{command!r}: options that --help does not list"


# --- The extraction and the tables ---------------------------------------------------------------------------

def test_examples_are_found_in_the_docs() -> None:
    files = {e.file for e in EXAMPLES}
    assert {"README.md", "docs/reports.md", "docs/deployment.md", "docs/web.md"} <= files
    assert len({e.key for e in EXAMPLES}) == len(EXAMPLES), "a doc shows one command twice: the tables' keys are ambiguous"


def test_tables_name_existing_examples() -> None:
    keys = {e.key for e in EXAMPLES}
    named = {*SETUP, *DOCUMENTED, *SERVER_STUBBED, *XFAIL}
    assert not named - keys, f"tables name examples no doc shows (any more): {sorted(named - keys)}"
    for (file, _), steps in SETUP.items():
        missing = [s for s in steps if not s.startswith("rm ") and (file, s) not in keys]
        assert not missing, f"setup steps that {file} does not show: {missing}"
    serve = {e.key for e in EXAMPLES if e.argv[0] == "serve"}
    assert serve == SERVER_STUBBED, "every 'smpatlas serve' example runs with the server stubbed, and only those"


@pytest.mark.parametrize(("line", "expected"), [
    ('smpatlas x --title "a # b"   # comment', 'smpatlas x --title "a # b"'),
    ("smpatlas x --text \"it's #1\" # c", "smpatlas x --text \"it's #1\""),
    ("smpatlas x --text 'a#b' #c", "smpatlas x --text 'a#b'"),
    (r"smpatlas x --text a\ #b", r"smpatlas x --text a\ #b"),
    ("# only a comment", ""),
    ("smpatlas x a#b", "smpatlas x a#b"),
])
def test_strip_comment(line: str, expected: str) -> None:
    assert strip_comment(line) == expected


def test_extraction_joins_lines_and_reads_pipelines() -> None:
    text = ('Text\n\n~~~sh\nexport SMPATLAS_DATABASE_URL=x\nmkdir -p out\n$ smpatlas a --b \\\n    "c | d"  # e\n'
            'echo "$PW" | smpatlas f --g | head\n~~~\n\n  ```json\n  {}\n  ```\n')
    blocks = fenced_blocks(text)
    assert [(b.line, b.info) for b in blocks] == [(3, "sh"), (11, "json")]
    assert list(logical_lines(blocks[0]))[2:] == [(6, 'smpatlas a --b "c | d"'), (8, 'echo "$PW" | smpatlas f --g | head')]
    assert pipeline('echo "$PW" | smpatlas f --g | head') == ['echo "$PW"', "smpatlas f --g", "head"]


def test_the_options_check_sees_an_option_help_does_not_list(cli: Cli) -> None:
    assert _options_not_in_help(cli, ["user", "add", "anna", "--role", "admin", "--colour", "x", "--db=a.db"]) == \
        ["--colour"]
    assert _options_not_in_help(cli, ["edit", "ID", "--set/--unset"]) == ["--unset"]
