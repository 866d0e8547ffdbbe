"""Spreadsheet output: every table behind every chart, one sheet each.

Owns :func:`write` (the workbook is built in memory and written through
:mod:`smpatlas.outfiles`, whole or not at all). The first sheet ("About") gives the title, the headline
figures, the codebook and rubric versions, the filters and the date; then one
sheet per inventory chart (the same :class:`~smpatlas.report.tables.Table`
the chart draws), plus every corridor (the chart shows the largest only) and
"Outcomes over time" (``Outcomes.rows()``, with its denominators, rules and notes).
Shares are numbers formatted as percentages, so they stay computable.
"""

from __future__ import annotations

import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

from smpatlas import outfiles
from smpatlas.analysis import outcomes as outcomes_mod
from smpatlas.codebook import default as default_codebook
from smpatlas.report import tables
from smpatlas.report.tables import InventoryData, Table

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(value: object) -> object:
    """Text a spreadsheet would run as a formula gets a leading quote (as the exporter does)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _sheet(wb: Workbook, table: Table, name: str) -> None:
    ws = wb.create_sheet(name[:31])
    ws.append([_safe(table.title)])
    ws["A1"].font = Font(bold=True, size=13)
    for note in table.notes:
        ws.append([_safe(note)])
    ws.append([])
    header_row = ws.max_row + 1
    ws.append([heading for _, heading in table.columns])
    for c in ws[header_row]:
        c.font = Font(bold=True)
    for row in table.rows:
        ws.append([_safe(row.get(key)) for key, _ in table.columns])
        for (key, _), c in zip(table.columns, ws[ws.max_row], strict=True):
            if key == "share":
                c.number_format = "0.0%"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.column_dimensions["A"].width = 42
    for letter in "BCDE":
        ws.column_dimensions[letter].width = 18


#: The sheet of every outcomes cell (``Outcomes.rows()``, the rows of ``smpatlas outcomes --format csv``).
OUTCOMES_SHEET = "Outcomes over time"


def _outcomes_sheet(wb: Workbook, data: InventoryData) -> None:
    """Outcomes over time as ``smpatlas outcomes --format csv`` gives them: the denominators, the rules, the lines
    left out and the notes above, then one row per indicator × year (spans apart, kind ``spans_years``)."""
    o = data.outcomes
    ws = wb.create_sheet(OUTCOMES_SHEET)
    ws.append([OUTCOMES_SHEET])
    ws["A1"].font = Font(bold=True, size=13)
    lines = ([f"None of the {tables.counted(o.n, 'partnership')} selected reports an outcome indicator."]
             if not o.with_outcomes else o.headlines())
    lines.append(outcomes_mod.NOTE)
    lines += [f"Left out ({rule}): {line.partnership}, {line.indicator}, {line.period}: "
              f"{tables.people(line.value)}" for line, rule in o.left_out]
    lines += [f"Note ({n.rule}): {n.text}" for n in o.notes]
    for text in lines:
        ws.append([_safe(text)])
    ws.append([])
    header_row = ws.max_row + 1
    ws.append(list(outcomes_mod.CSV_HEADER))
    for c in ws[header_row]:
        c.font = Font(bold=True)
    for row in o.rows():
        ws.append([_safe(v) for v in row])
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    ws.column_dimensions["A"].width = 26


def write(data: InventoryData, path: Path) -> Path:
    """Write the workbook to ``path``, whole or not at all (see :mod:`smpatlas.outfiles`)."""
    wb = Workbook()
    about = wb.active
    about.title = "About"
    about.append([_safe(data.title)])
    about["A1"].font = Font(bold=True, size=14)
    about.append([_safe(data.source_line())])
    about.append(["Codebook version", default_codebook().version])
    about.append(["Rubric version", data.portfolio.rubric_version])
    about.append(["Produced", data.generated])
    about.append(["Partnerships (N)", data.n])
    about.append([])
    about.append(["Headline figures"])
    for h in data.stats.headlines():
        about.append([_safe(h)])
    about.column_dimensions["A"].width = 60
    for name, build in tables.BUILDERS.items():
        _sheet(wb, build(data), name)
    _sheet(wb, tables.corridors(data, top=None), "corridors_all")
    _outcomes_sheet(wb, data)
    buffer = io.BytesIO()
    wb.save(buffer)  # in memory (a few hundred kB at most): a failing disk never meets openpyxl's zip file
    outfiles.write_bytes(path, buffer.getvalue())
    return path
