"""Inventory reports, profiles and charts: self-contained, complete, escaped, and readable as PDF.

External references: the HTML may contain ``http(s)`` URLs only as ``<a href>``
links in the sources lists — references a reader clicks, never resources
the page loads. Every ``src``, ``<link href>``, CSS ``url()`` or ``@import``
must be absent or non-network.
"""

from __future__ import annotations

import html as html_lib
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pypdf
import pytest
from sqlalchemy import Engine

import smpatlas
from smpatlas.atlas import Atlas
from smpatlas.io.importer import import_files
from smpatlas.report import charts, inventory, maps, profile, render
from smpatlas.store import database
from tests.conftest import BUNDLED, minimal, write_jsonl
from tests.report.conftest import ARTIFACTS

URL = re.compile(r"https?://", re.I)


class Refs(HTMLParser):
    """Collects every URL-bearing attribute and CSS url()/@import."""

    def __init__(self) -> None:
        super().__init__()
        self.loaded: list[str] = []  # resources the page would fetch
        self.links: list[str] = []   # <a href> a reader may click
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for k, v in attrs:
            if v is None:
                continue
            if tag == "a" and k == "href":
                self.links.append(v)
            elif k in ("src", "href", "xlink:href", "srcset", "data", "poster", "action") or "url(" in v:
                self.loaded.append(v)
        self._in_style = tag == "style"

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.loaded += re.findall(r"url\(([^)]*)\)", data) + re.findall(r"@import\s+([^;]+)", data)

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False


def refs(page: str) -> Refs:
    p = Refs()
    p.feed(page)
    return p


def pdf_text(page: Any) -> str:
    """A page's text, whitespace folded (some fonts extract with NUL padding)."""
    return re.sub(r"\s+", " ", (page.extract_text() or "").replace("\x00", ""))


def atlas_of(engine: Engine) -> Atlas:
    return Atlas(engine)


#: Reports read through the backend-neutral Atlas API: the heavy rendering tests run on SQLite only, and
#: test_the_same_report_from_either_engine checks that PostgreSQL gives the identical report.
SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)


def mark_labels(svg: str) -> list[str]:
    """The aria-labels of the data marks (bars, rules, shapes), which Vega writes from the tooltip fields."""
    tags = re.findall(r"<(?:path|line|rect)\b[^>]*>", svg)
    return [html_lib.unescape(m.group(1)) for t in tags if (m := re.search(r'aria-label="([^"]*)"', t))]


def assert_marks_for_every_category(name: str, table: Any, svg: str) -> None:
    labels = " | ".join(mark_labels(svg))
    for row in table.rows:
        if name == "world_map" and maps.feature_key(row["code"]) is None:
            continue  # too small for the 1:110m map; named in the caption instead
        if name == "corridors":
            needle = f"Origin: {row['origin']}; Destination: {row['destination']}"
        elif name == "dimensions":
            needle = row["category_key"]
        else:
            needle = str(row["label"])
        assert needle in labels, f"{name}: no mark for {needle!r}"


def save_first_page_png(pdf: Path, stem: str) -> None:
    """Render page 1 to reports/<stem>.png for people to look at (needs poppler's pdftoppm)."""
    if shutil.which("pdftoppm") is None:
        return  # the one assertion skipped without poppler-utils
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / stem)], check=True)
    assert (ARTIFACTS / f"{stem}.png").stat().st_size > 1000


@SQLITE_ONLY
def test_every_chart_has_marks_for_every_category(sample_engine: Engine) -> None:
    data = inventory.collect(atlas_of(sample_engine))
    assert data.n > 100
    for name in inventory.CHARTS:
        table, spec = inventory.chart(name, data)
        assert table.rows, name
        assert "url" not in (spec.get("data") or {}), name
        svg = render.svg(spec)
        assert svg.startswith("<svg") and "Source: SMP Atlas" in html_lib.unescape(svg), name
        assert_marks_for_every_category(name, table, svg)


@SQLITE_ONLY
def test_map_inlines_the_topojson_and_joins_countries(sample_engine: Engine) -> None:
    data = inventory.collect(atlas_of(sample_engine))
    table, spec = inventory.chart("world_map", data)
    assert spec["data"]["format"]["type"] == "topojson" and spec["data"]["values"]["type"] == "Topology"
    assert maps.feature_key("DEU") == "276" and maps.feature_key("XKX") == "Kosovo"
    assert "Germany" in [r["label"] for r in table.rows]


@SQLITE_ONLY
def test_inventory_html_is_self_contained_and_complete(sample_engine: Engine, tmp_path: Path) -> None:
    atlas = atlas_of(sample_engine)
    out = inventory.write(atlas, tmp_path / "inventory.html", title="Sample inventory")
    page = out.read_text("utf-8")
    r = refs(page)
    assert not [u for u in r.loaded if URL.search(u) or u.startswith("//")]
    assert r.links and all(u.startswith(("#", "http://", "https://")) for u in r.links)
    assert "<svg" in page and page.count('class="chart-figure"') == len(inventory.CHARTS)
    assert page.count("<table") >= len(inventory.CHARTS)
    stats = atlas.stats()
    for h in stats.headlines():
        assert html_lib.escape(h, quote=False) in page or h in html_lib.unescape(page)
    for text in ("Codebook version", "Rubric", "Filters", "Data sources, by partnership"):
        assert text in page
    ids = [rec["id"] for rec in atlas.records()]
    assert all(f"({rid})" in page for rid in ids)


@SQLITE_ONLY
@pytest.mark.slow
def test_inventory_pdf_parses_with_headlines(sample_engine: Engine, tmp_path: Path) -> None:
    atlas = atlas_of(sample_engine)
    out = inventory.write(atlas, tmp_path / "inventory.pdf")
    reader = pypdf.PdfReader(out)
    assert 10 <= len(reader.pages) <= 80
    flat = " ".join(pdf_text(p) for p in reader.pages)
    stats = atlas.stats()
    assert f"{stats.n:,} partnerships" in flat
    sk = stats.derived["skill_levels_students_as_middle"]["values"]["high"]["count"]
    assert f"({sk} of {stats.n})" in flat
    assert "Page 1 of" in flat and "Contents" in flat
    save_first_page_png(out, "inventory-sample")


@SQLITE_ONLY
def test_xlsx_has_a_sheet_per_chart(sample_engine: Engine, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = inventory.write(atlas_of(sample_engine), tmp_path / "t.xlsx")
    wb = load_workbook(out, read_only=True)
    assert set(inventory.CHARTS) | {"About", "corridors_all"} <= set(wb.sheetnames)


@SQLITE_ONLY
def test_profile_html_and_pdf(sample_engine: Engine, tmp_path: Path) -> None:
    atlas = atlas_of(sample_engine)
    rid = "de-ph-triple-win"
    page = profile.write(atlas, rid, tmp_path / "p.html").read_text("utf-8")
    assert not [u for u in refs(page).loaded if URL.search(u)]
    assert "Six dimensions" in page and "Balance index" in page and "Recommendations" in page
    pdf = profile.write(atlas, rid, tmp_path / "p.pdf")
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) == 1
    assert "Triple Win" in pdf_text(reader.pages[0])
    save_first_page_png(pdf, "profile-sample")


def test_partnership_with_every_field_missing_says_not_coded(engine: Engine, tmp_path: Path) -> None:
    rec = minimal("xx-empty", sources=None)
    rec.pop("sources")
    report = import_files(engine, [write_jsonl(tmp_path / "e.jsonl", [rec])], user="t")
    assert report.valid, report.to_text()
    atlas = atlas_of(engine)
    ctx = profile.context(atlas, "xx-empty")
    texts = [e["text"] for s in ctx["fields"] for e in s["entries"]]
    assert texts.count("not coded") >= 20
    page = profile.html(atlas, "xx-empty")
    assert "not coded" in page and "not scored" in page
    assert "0.0 of 4" not in page  # unknown is never shown as a zero score
    pdf = profile.write(atlas, "xx-empty", tmp_path / "e.pdf")
    assert len(pypdf.PdfReader(pdf).pages) == 1


def test_script_names_are_escaped(engine: Engine, tmp_path: Path) -> None:
    evil = "<script>alert(1)</script>"
    rec = minimal("xx-evil", name=evil, sources=[{"title": "x", "url": "javascript:alert(2)"}])
    report = import_files(engine, [write_jsonl(tmp_path / "e.jsonl", [rec])], user="t")
    assert [p.code for p in report.errors] == ["bad_url"] and not report.written  # refused on import
    # Stored anyway (an inventory from before links were checked, or a write that skips validation):
    # the reports must still escape the name and never link the script.
    from smpatlas.store import repository as repo

    with engine.begin() as conn:
        repo.write(conn, [rec], mode="insert", change=repo.Change(user="t"))
    atlas = atlas_of(engine)
    for page in (inventory.html(inventory.collect(atlas)), profile.html(atlas, "xx-evil")):
        assert evil not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert 'href="javascript:' not in page
    for fig in profile.context(atlas, "xx-evil")["figures"]:
        assert "<script" not in str(fig["svg"])
    # The page's copy of a chart goes without its title (the heading prints it); the titled chart escapes it too.
    titled = render.svg(charts.profile_dimensions(profile.dimension_table(atlas.assess("xx-evil"), atlas.rubric, evil),
                                                  "Source: test."))
    assert "<script" not in titled and "&lt;script&gt;" in titled


@SQLITE_ONLY
def test_cli_report_and_chart(sample_engine: Engine, tmp_path: Path, cli: Any) -> None:
    atlas_of(sample_engine)
    db_path = sample_engine.url.database
    res = cli("report", "inventory", "--db", str(db_path), "--out", str(tmp_path / "r.html"), "--destination", "DEU")
    assert res.code == 0, res.stderr
    assert "Wrote" in res.stdout and (tmp_path / "r.html").stat().st_size > 10_000
    res = cli("chart", "skill_levels", "--db", str(db_path), "--out", str(tmp_path / "s.svg"))
    assert res.code == 0, res.stderr
    assert (tmp_path / "s.svg").read_text("utf-8").startswith("<svg")
    res = cli("chart", "world_map", "--db", str(db_path), "--out", str(tmp_path / "m.png"))
    assert res.code == 0 and (tmp_path / "m.png").read_bytes()[:4] == b"\x89PNG"
    assert "world_map" in cli("chart", "--list").stdout
    bad = cli("chart", "nope", "--db", str(db_path), "--out", str(tmp_path / "x.svg"))
    assert bad.code == 1 and "no chart called" in bad.stderr
    bad = cli("report", "inventory", "--db", str(db_path), "--out", str(tmp_path / "x.doc"))
    assert bad.code == 1 and "Cannot tell which format" in bad.stderr
    bad = cli("report", "partnership", "nope", "--db", str(db_path), "--out", str(tmp_path / "x.html"))
    assert bad.code == 1 and "No partnership" in bad.stderr
    for cmd in (["report", "inventory"], ["report", "partnership"], ["chart"]):
        assert "Example" in cli(*cmd, "--help").stdout


@pytest.mark.slow
def test_generated_inventory_of_1000(big_db: str, tmp_path: Path) -> None:
    atlas = smpatlas.open(big_db, create=False)
    data = inventory.collect(atlas)
    assert data.n == 1000
    for name in ("corridors", "world_map", "sectors", "dimensions"):
        table, spec = inventory.chart(name, data)
        assert_marks_for_every_category(name, table, render.svg(spec))
    page = inventory.html(data)
    assert not [u for u in refs(page).loaded if URL.search(u)]
    out = tmp_path / "big.pdf"
    from smpatlas.report import pdf

    out.write_bytes(pdf.from_html(page))
    reader = pypdf.PdfReader(out)
    assert 15 <= len(reader.pages) <= 400
    assert "1,000 partnerships" in pdf_text(reader.pages[0])
    save_first_page_png(out, "inventory-generated-1000")
    atlas.close()


def test_the_same_report_from_either_engine(tmp_path: Path, pg_server: Any, pg_template: str) -> None:
    """The inventory report and a profile read from PostgreSQL are identical to those read from SQLite."""
    pages = []
    for url in (f"sqlite:///{tmp_path / 'atlas.db'}", pg_server.create_database(template=pg_template)):
        engine = database.open_engine(url)
        assert import_files(engine, [BUNDLED], user="t").valid
        atlas = atlas_of(engine)
        data = inventory.collect(atlas)
        # Vega numbers gradients once per process (gradient_0, gradient_1, …): not a difference of content.
        pages.append(tuple(re.sub(r"gradient_\d+", "gradient_N", page)
                           for page in (inventory.html(data), profile.html(atlas, "de-ph-triple-win"))))
        engine.dispose()
    assert pages[0] == pages[1]
    assert "Triple Win" in pages[0][1]
