"""Reports and charts on awkward inventories: empty, one record, extreme text, many values, odd output paths.

Each module-scoped inventory is built once from JSON Lines records (real SQLite files through the importer), and
the cases are tables of inputs and expected outputs. Only a few tests write PDFs (they are slow).
"""

from __future__ import annotations

import html as html_lib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pycountry
import pypdf
import pytest
from openpyxl import load_workbook

from smpatlas.atlas import Atlas
from smpatlas.codebook import default as default_codebook
from smpatlas.countries import name_of
from smpatlas.errors import ConfigError
from smpatlas.io.importer import import_files
from smpatlas.report import charts, inventory, maps, profile, render
from smpatlas.report.tables import InventoryData
from smpatlas.store import database
from smpatlas.store.filters import Filters
from tests.conftest import BUNDLED, minimal, write_jsonl
from tests.report.test_reports import URL, pdf_text, refs

U = "unspecified"
#: Text that must reach every page as text: markup, Jinja syntax, a right-to-left override.
HOSTILE = "<script>alert(1)</script> & {{ 7*7 }} {% if true %}JINJA{% endif %} \u202eRTL"
#: Names people really use, and names built to break layouts and spreadsheets.
NAMES = {
    "xx-formula": "=cmd|' /C calc'!A0",
    "xx-plus": "+SUM(1,2)",
    "xx-minus": "-2+3",
    "xx-at": "@SUM(A1)",
    "xx-hostile": HOSTILE,
    "xx-arabic": "شراكة المهارات والتنقل بين ألمانيا والمغرب",
    "xx-hebrew": "שותפות כישורים וניידות",
    "xx-cjk": "技能流动伙伴关系 日本とベトナムの技能実習",
    "xx-emoji": "👩🏽‍⚕️ Nurses 🇩🇪🇵🇭 partnership",
    "xx-combining": "Zalgo Z̷̢̛a̴͓͝l̸̰̈g̵̣̿o̶̹͑ combining é",
    "xx-markdown": "# Markdown **bold** | pipe | ![img](http://evil.example/i.png)",
    "xx-long-words": ("Long " * 100)[:500],
    "xx-long-unbroken": "A" * 500,
}
INDICATORS = ["recruited", "trained", "departed", "employed_at_destination", "certified", "recognised", "returned",
              "reintegrated_employed", "dropped_out", "remote_placements"]
#: Codes with the longest English names: the widest country lists.
LONGEST = sorted((c.alpha_3 for c in pycountry.countries),
                 key=lambda c: (-len(pycountry.countries.get(alpha_3=c).name), c))  # type: ignore[union-attr]


def hostile(rid: str, text: str) -> dict[str, Any]:
    """A record with ``text`` in every free-text field."""
    return minimal(rid, name=text, acronym=text[:60], summary=text, notes=text, coder=text[:200],
                   actors=[{"name": text, "role": "employer", "country": "DEU"}],
                   sources=[{"title": text, "url": f"https://example.org/{rid}", "accessed": "2026-11-27"}],
                   outcomes=[{"period": "2021", "indicator": "recruited", "value": 5, "source": text}])


def all_unspecified(rid: str) -> dict[str, Any]:
    """Every field that can say "not specified in the sources" says it."""
    rec = minimal(rid, status=U)
    for f in default_codebook().fields:
        if f.name in rec or U not in f.vocabulary:
            continue
        rec[f.name] = [U] if f.kind == "set" else U
    return rec


def widest(rid: str = "xx-widest") -> dict[str, Any]:
    """The largest record the codebook allows, near enough: every list long, every text at its limit."""
    cb = default_codebook()
    rec = minimal(
        rid, name=("Wide partnership name " * 30)[:500], acronym="W" * 60, summary="word " * 1000,
        partnership_type="skills_mobility_partnership", origin_countries=LONGEST[:60],
        destination_countries=LONGEST[60:100], start_year=1990, end_year=2100, budget_eur=123456789012,
        # every item distinct (a repeated item is refused) and at its longest
        actors=[{"name": "A" * 497 + f"{i:03d}", "role": "employer", "country": "DEU"} for i in range(40)],
        sources=[{"title": "T" * 497 + f"{i:03d}", "url": "https://example.org/" + "u" * 1897 + f"{i:03d}",
                  "accessed": "2025-01-01"} for i in range(200)],
        outcomes=[{"period": f"{2000 + i // 10}-{1 + i % 12:02d}", "indicator": INDICATORS[i % 10], "value": i * 1000,
                   "source": "S" * 500} for i in range(50)],
        coder="C" * 200, notes="N" * 20000, planned_participants=100_000_000,
        occupations=["2221", "2222", "3221", "5321", "7126", "7411", "8322", "9333", "2512", "2142"])
    for f in cb.fields:
        if f.name in rec:
            continue
        values = [v for v in f.vocabulary if v not in f.exclusive and v != U]
        if f.kind == "set":
            rec[f.name] = values
        elif f.kind == "enum":
            rec[f.name] = max(values, key=len)
        elif f.kind in ("bool", "tristate"):
            rec[f.name] = True
    return rec


#: The inventories of this module: name → records.
INVENTORIES: dict[str, Callable[[], list[dict[str, Any]]]] = {
    "empty": lambda: [],
    "one": lambda: [minimal("xx-one")],
    "unspecified": lambda: [all_unspecified("xx-unspec")],
    "hostile": lambda: [hostile(rid, text) for rid, text in NAMES.items()],
    "islands": lambda: [minimal("xx-islands", origin_countries=["WSM", "TON", "KIR", "XKX", "SGP", "MLT"],
                                destination_countries=["AUS"])],
    "many": lambda: [widest(), minimal("xx-late", start_year=2100),
                     *(minimal(f"xx-m{i}", origin_countries=[LONGEST[i]], destination_countries=[LONGEST[-1 - i]],
                               start_year=1990 + (i * 37) % 110) for i in range(60))],
    "bundled": lambda: [],
}


@pytest.fixture(scope="module")
def atlases(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Atlas]:
    """The inventory ``name`` of :data:`INVENTORIES`, built on first use and kept for the module."""
    root = tmp_path_factory.mktemp("edge")
    opened: dict[str, Atlas] = {}

    def get(name: str) -> Atlas:
        if name not in opened:
            engine = database.open_engine(str(root / f"{name}.db"))
            files = [BUNDLED] if name == "bundled" else [write_jsonl(root / f"{name}.jsonl", INVENTORIES[name]())]
            if name != "empty":
                report = import_files(engine, files, user="test")
                assert report.valid and report.written, report.to_text(limit=5)
            opened[name] = Atlas(engine)
        return opened[name]

    return get


@pytest.fixture(scope="module")
def collected(atlases: Callable[[str], Atlas]) -> Callable[[str], InventoryData]:
    """The whole of inventory ``name``, collected once (its charts are drawn once too)."""
    done: dict[str, InventoryData] = {}

    def get(name: str) -> InventoryData:
        if name not in done:
            done[name] = inventory.collect(atlases(name))
        return done[name]

    return get


def axis_labels(svg: str) -> dict[str, list[str]]:
    """Each axis's tick labels by its title, read from a Vega SVG."""
    out: dict[str, list[str]] = {}
    for part in svg.split('aria-roledescription="axis"')[1:]:
        title = re.search(r"axis titled '([^']*)'", part[:300])
        group = re.search(r'role-axis-label"[^>]*>(.*?)</g>', part, re.S)
        if title and group:
            out[html_lib.unescape(title.group(1))] = [html_lib.unescape(t) for t in re.findall(r">([^<]*)</text>",
                                                                                                   group.group(1))]
    return out


def legend_labels(svg: str) -> list[str]:
    labels: list[str] = []
    for group in re.findall(r'role-legend-label"[^>]*>(.*?)</g>', svg, re.S):
        labels += [html_lib.unescape(t) for t in re.findall(r">([^<]*)</text>", group)]
    return labels


# -- charts ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("inv", "name", "axis", "expected"), [
    ("one", "skill_levels", "Partnerships", ["0", "1"]),
    ("one", "sectors", "Partnerships", ["0", "1"]),
    ("one", "planned_scale", "Partnerships", ["0", "1"]),
    ("one", "timeline", "Partnerships started", ["0", "1"]),
    ("one", "dimensions", "Partnerships", ["0", "1"]),
    ("many", "timeline", "Partnerships started", ["0", "1", "2"]),
    ("hostile", "mobility_types", "Partnerships", [str(i) for i in range(14)]),
])
def test_count_axes_have_whole_distinct_ticks(collected: Callable[[str], InventoryData], inv: str, name: str,
                                              axis: str, expected: list[str]) -> None:
    """A count axis never says 0, 1, 1 (a tick at 0.5 printed as a whole number)."""
    _, spec = inventory.chart(name, collected(inv))
    assert axis_labels(render.svg(spec))[axis] == expected


@pytest.mark.parametrize(("years", "expected"), [
    (["2020"], ["2020"]),
    ([str(y) for y in range(2000, 2020)], [str(y) for y in range(2000, 2020)]),
    ([str(y) for y in range(2000, 2031)], [str(y) for y in range(2000, 2031, 2)]),
    ([str(y) for y in range(1993, 2026)], [str(y) for y in range(1994, 2026, 2)]),
    ([str(y) for y in range(1990, 2101)], [str(y) for y in range(1990, 2101, 10)]),
])
def test_timeline_labels_years_that_fit(years: list[str], expected: list[str]) -> None:
    assert charts.year_labels(years) == expected


def test_a_century_of_start_years_has_legible_labels(collected: Callable[[str], InventoryData]) -> None:
    table, spec = inventory.chart("timeline", collected("many"))
    assert len(table.rows) == 111  # 1990–2100, empty years kept
    assert axis_labels(render.svg(spec))["Start year"] == [str(y) for y in range(1990, 2101, 10)]


@pytest.mark.parametrize(("counts", "expected"), [
    ([], []), ([0], []), ([1], [1]), ([1, 1, 1], [1]), ([1, 2], [1, 2]), ([0, 3], [3]), ([1, 5], [1, 2, 3, 4, 5]),
    ([1, 6], [1, 2, 3, 5, 6]), ([1, 51], [1, 13, 26, 39, 51]), ([7, 100], [7, 30, 53, 77, 100]),
])
def test_legend_values_are_whole_numbers(counts: list[int], expected: list[int]) -> None:
    assert maps.legend_values(counts) == expected


@pytest.mark.parametrize(("inv", "name", "expected"), [
    ("one", "corridors", ["1"]),
    ("one", "world_map", ["1"]),
    ("islands", "world_map", ["1"]),
    ("hostile", "corridors", ["13"]),
    ("many", "corridors", ["1"]),  # the 40 largest of 2,460 corridors: one partnership each
])
def test_legends_count_whole_partnerships(collected: Callable[[str], InventoryData], inv: str, name: str,
                                          expected: list[str]) -> None:
    """No legend of partnerships says 0.2 or 1.5 (and the map's is swatches, which every PDF viewer draws)."""
    _, spec = inventory.chart(name, collected(inv))
    svg = render.svg(spec)
    assert legend_labels(svg) == expected
    assert "linearGradient" not in svg


@pytest.mark.parametrize(("inv", "drawn", "coloured"), [
    ("one", ["Germany", "Philippines"], 2),
    ("islands", ["Australia", "Kosovo"], 2),  # Samoa, Tonga, … are too small: named in the caption instead
    ("bundled", ["Germany", "India"], None),
])
def test_world_map_draws_the_whole_world(collected: Callable[[str], InventoryData], inv: str, drawn: list[str],
                                         coloured: int | None) -> None:
    """Countries no partnership involves are drawn in grey: the map keeps the world, not just the data."""
    table, spec = inventory.chart("world_map", collected(inv))
    svg = render.svg(spec)
    shapes = re.findall(r'<path aria-label="([^"]*)"[^>]*fill="([^"]*)"', svg)
    countries = len(maps.world()["objects"]["countries"]["geometries"]) - 1  # without Antarctica
    assert len(shapes) == countries
    grey = [label for label, fill in shapes if fill == maps.NO_DATA_GREY]
    assert "Partnerships: 0; Country: Russia; As origin: 0; As destination: 0" in grey
    for name in drawn:
        assert any(re.match(rf"Partnerships: [1-9]\d*; Country: {name};", label) and fill != maps.NO_DATA_GREY
                   for label, fill in shapes), name
    if coloured is not None:
        assert len(shapes) - len(grey) == coloured
    assert "countries in grey have none" in " ".join(table.notes)


@pytest.mark.parametrize("inv", ["one", "unspecified", "hostile", "islands", "many"])
def test_every_chart_draws_on_awkward_inventories(collected: Callable[[str], InventoryData], inv: str) -> None:
    data = collected(inv)
    for name in inventory.CHARTS:
        table, spec = inventory.chart(name, data)
        svg = render.svg(spec)
        assert svg.startswith("<svg") and "<script" not in svg, (inv, name)
        for note in table.notes:
            assert not re.search(r"\b1 partnerships\b|\b1 countries\b|\b1 corridors\b", note), (inv, name, note)


# -- the inventory report -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("inv", "filters", "lead", "absent"), [
    ("empty", None, "The inventory holds no partnerships yet: import some", "class=\"chart-figure\""),
    ("bundled", Filters(text="zzzz-nothing"), "No partnership matches the filters (text: zzzz-nothing).",
     "class=\"chart-figure\""),
    ("bundled", Filters(destination=["DEU"], year_to=1991), "No partnership matches the filters (destination: DEU; "
     "year to: 1991).", "class=\"chart-figure\""),
    ("one", None, "1 partnership, 2 countries, start year 2020.", "1 partnerships"),
    ("islands", None, "1 partnership, 7 countries, start year 2020.", "1 partnerships"),
    ("many", None, "62 partnerships, ", "start year 1990–"),
])
def test_overview_says_what_was_selected(atlases: Callable[[str], Atlas], inv: str, filters: Filters | None,
                                         lead: str, absent: str) -> None:
    page = inventory.html(inventory.collect(atlases(inv), filters))
    assert html_lib.escape(lead, quote=False) in page
    assert absent not in page


def test_one_record_report_speaks_in_the_singular(collected: Callable[[str], InventoryData]) -> None:
    page = html_lib.unescape(inventory.html(collected("one")))
    assert "1 partnerships" not in page and "1 countries" not in page and "1 corridors" not in page
    for text in ("· 1 partnership ·", "N = 1 partnership; 1 not coded", "(1 corridor among 1 partnership)",
                 "Source: SMP Atlas inventory, 1 partnership (codebook"):
        assert text in page, text


@pytest.mark.parametrize("rid", list(NAMES))
def test_hostile_text_is_text_in_the_inventory(atlases: Callable[[str], Atlas],
                                               collected: Callable[[str], InventoryData], rid: str) -> None:
    page = inventory.html(collected("hostile"))
    name = atlases("hostile").get(rid)["name"]
    assert f"<bdi>{html_lib.escape(name, quote=False)}</bdi>" in page.replace("&#39;", "'").replace("&#34;", '"')
    assert "<script" not in page and "JINJA{% endif %}" in page and "{{ 7*7 }}" in page
    assert not [u for u in refs(page).loaded if URL.search(u)]


@pytest.mark.parametrize("rid", list(NAMES))
def test_hostile_text_is_text_in_the_profile(atlases: Callable[[str], Atlas], rid: str) -> None:
    page = profile.html(atlases("hostile"), rid)
    unescaped = page.replace("&#39;", "'").replace("&#34;", '"')
    assert f"<h1><bdi>{html_lib.escape(atlases('hostile').get(rid)['name'], quote=False)}</bdi>" in unescaped
    assert "<script" not in page
    assert not [u for u in refs(page).loaded if URL.search(u)]


@pytest.mark.parametrize("title", ["=cmd|' /C calc'!A0", "+1+1", "-1", "@SUM(A1)", "\tTab", HOSTILE])
def test_xlsx_never_holds_a_formula(atlases: Callable[[str], Atlas], tmp_path: Path, title: str) -> None:
    out = inventory.write(atlases("one"), tmp_path / "t.xlsx", title=title)
    wb = load_workbook(out)
    cells = [c for ws in wb for row in ws.iter_rows() for c in row if c.value is not None]
    assert all(c.data_type != "f" for c in cells)
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@\t"]
    assert wb["About"]["A1"].value in (title, "'" + title)


@pytest.mark.parametrize(("filters", "inv"), [
    (None, "bundled"), (Filters(destination=["DEU"]), "bundled"), (Filters(sector=["health_care"]), "bundled"),
    (None, "hostile"), (None, "unspecified"), (None, "many"), (Filters(text="zzzz-nothing"), "bundled"),
])
def test_tables_agree_with_stats(atlases: Callable[[str], Atlas], filters: Filters | None, inv: str) -> None:
    """Every field chart's table has the counts, shares and missing counts of ``smpatlas stats`` on the selection."""
    atlas = atlases(inv)
    data = inventory.collect(atlas, filters)
    stats = atlas.stats(filters.normalised() if filters else None).to_dict()
    assert data.n == stats["n"]
    fields = {"skill_levels": "skill_levels", "mobility_types": "mobility_types", "sectors": "sectors",
              "recognition": "recognition_mechanism", "integration": "integration_support",
              "reintegration": "reintegration_support", "target_groups": "target_groups"}
    for chart, field in fields.items():
        table, _ = inventory.chart(chart, data)
        got = {r["value"]: (r["count"], r["share"]) for r in table.rows if r["kind"] != "missing"}
        want = {v: (x["count"], x["share"]) for v, x in stats["fields"][field]["values"].items()}
        assert got == want, chart
        missing = [r["count"] for r in table.rows if r["kind"] == "missing"]
        assert missing == ([stats["fields"][field]["missing"]] if stats["fields"][field]["missing"] else [])
        assert f"{stats['fields'][field]['missing']:,} not coded" in table.notes[0]
    if data.n:
        lead = inventory.overview(data.stats)[0]
        assert lead.startswith(f"{data.n:,} partnership") and f"{stats['countries']['count']:,} countr" in lead


# -- output paths ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("out", "fmt", "kind", "message"), [
    ("-", None, "inventory", "written to a file, not to standard output"),
    ("-", "html", "inventory", "written to a file, not to standard output"),
    ("-", "pdf", "profile", "written to a file, not to standard output"),
    ("a-folder", None, "inventory", "it is a folder; give a file name"),
    ("a-folder", "html", "profile", "it is a folder; give a file name"),
    ("missing/r.html", None, "inventory", "does not exist; create it first"),
    ("missing/r.pdf", None, "profile", "does not exist; create it first"),
    ("no-extension", None, "inventory", "Cannot tell which format to write for 'no-extension'"),
    ("r.doc", None, "inventory", "use a file ending in .html, .pdf or .xlsx, or --format"),
    ("p.xlsx", None, "profile", "cannot be written as XLSX ('p.xlsx'): use a file ending in .html or .pdf."),
    ("r.html", "pdf", "inventory", "--format pdf contradicts the file name 'r.html'"),
])
def test_output_paths_are_refused_with_a_message(atlases: Callable[[str], Atlas], tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, out: str, fmt: str | None,
                                                 kind: str, message: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-folder").mkdir()
    atlas = atlases("one")
    with pytest.raises(ConfigError) as err:
        if kind == "inventory":
            inventory.write(atlas, out, fmt=fmt)
        else:
            profile.write(atlas, "xx-one", out, fmt=fmt)
    assert message in str(err.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-folder"]  # nothing written, not even a file named "-"
    assert not any((tmp_path / "a-folder").iterdir())


@pytest.mark.parametrize(("args", "message"), [
    (["report", "inventory", "--out", "-", "--format", "html"], "not to standard output"),
    (["report", "inventory", "--out", "."], "it is a folder"),
    (["report", "partnership", "xx-one", "--out", "p.xlsx"], "cannot be written as XLSX"),
])
def test_cli_output_errors_are_one_line(atlases: Callable[[str], Atlas], cli: Any, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch, args: list[str], message: str) -> None:
    db = str(atlases("one").engine.url.database)
    monkeypatch.chdir(tmp_path)
    res = cli(*args, "--db", db)
    assert res.code == 1 and message in res.stderr and "Traceback" not in res.stderr
    assert not list(tmp_path.iterdir())


# -- the profile ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("field", "value", "expected"), [
    ("sectors", ["health_care", "ict"], "health care, ICT"),
    ("visa_channel", ["eu_blue_card", "skilled_worker"], "EU Blue Card, skilled worker"),
    ("funders", ["eu", "employers"], "EU, employers"),
    ("mobility_types", ["long_term", "unspecified"], "long-term, not specified in the sources"),
    ("recognition_mechanism", "mutual_recognition_agreement", "mutual recognition agreement"),
    ("origin_countries", LONGEST[:12], ", ".join(name_of(c) for c in LONGEST[:12])),  # the HTML lists them all
])
def test_field_text_keeps_acronyms(field: str, value: Any, expected: str) -> None:
    assert profile.field_text(default_codebook()[field], value) == expected


@pytest.mark.parametrize(("field", "value", "caps", "expected"), [
    ("origin_countries", ["PHL", "DEU", "FRA"], {"max_countries": 2},
     f"Philippines, Germany; and 1 more — {profile.FULL_LIST}"),
    ("coder", "C" * 200, {"max_chars": 10}, "C" * 9 + "…"),
    ("actors", [{"name": "A" * 100, "role": "employer", "country": "DEU"}], {"actor_chars": 10},
     "A" * 9 + "… (employer, Germany)"),
])
def test_field_text_shortens_for_the_page(field: str, value: Any, caps: dict[str, int], expected: str) -> None:
    assert profile.field_text(default_codebook()[field], value, **caps) == expected


@pytest.mark.parametrize(("inv", "rid"), [("many", "xx-widest"), ("hostile", "xx-long-words"),
                                          ("hostile", "xx-long-unbroken")])
def test_page_context_cuts_what_the_html_profile_keeps(atlases: Callable[[str], Atlas], inv: str, rid: str) -> None:
    atlas = atlases(inv)
    record = atlas.get(rid)
    page = profile.context(atlas, rid, for_print=True)
    full = profile.context(atlas, rid)
    assert len(page["heading"]) <= profile.MAX_NAME_CHARS and full["heading"] == record["name"]
    assert all(len(s["title"]) <= profile.MAX_SOURCE_TITLE_CHARS for s in page["sources"])
    assert full["sources"] == record["sources"]
    texts = " ".join(e["text"] for s in page["fields"] for e in s["entries"])
    assert not re.search(rf"\w{{{profile.MAX_TEXT_CHARS + 1}}}", texts)


@pytest.mark.slow
@pytest.mark.parametrize(("inv", "rid", "dense"), [("many", "xx-widest", True), ("hostile", "xx-long-words", False),
                                                   ("unspecified", "xx-unspec", False)])
def test_largest_possible_profiles_are_one_a4_page(atlases: Callable[[str], Atlas], inv: str, rid: str,
                                                   dense: bool) -> None:
    """A record at the codebook's limits still prints on one page (on a tighter page when the first overflows)."""
    atlas = atlases(inv)
    reader = pypdf.PdfReader(io.BytesIO(profile.pdf(atlas, rid)))
    assert len(reader.pages) == 1
    text = pdf_text(reader.pages[0])
    for heading in ("Six dimensions", "Stakeholder profile", "Gap flags", "Recommendations", "Coded fields",
                    "Sources"):
        assert heading in text
    if dense:
        assert "more — full list in the HTML profile" in text


def test_tighter_pages_list_less() -> None:
    first, *rest = profile.PAGES
    assert first == profile.Page() and first.dense == ""
    for a, b in zip(profile.PAGES, rest, strict=False):
        assert b.dense and b.recommendations <= a.recommendations and b.sources <= a.sources
        assert b.countries <= a.countries and b.summary_chars <= a.summary_chars and b.name_chars <= a.name_chars


@pytest.mark.slow
def test_empty_and_one_record_pdfs(atlases: Callable[[str], Atlas], tmp_path: Path) -> None:
    for inv, pages in (("empty", 2), ("one", None)):
        out = inventory.write(atlases(inv), tmp_path / f"{inv}.pdf")
        reader = pypdf.PdfReader(out)
        flat = " ".join(pdf_text(p) for p in reader.pages)
        assert pages is None or len(reader.pages) == pages
        assert "1 partnerships" not in flat and "Page 1 of" in flat
