"""Writing run outputs: deterministic CSV and Excel, and a manifest.

CSV files are byte-identical across runs of the same inputs; the Excel workbook too (fixed
document times and zip entry dates). Only the ``run`` section of ``manifest.json`` carries the
time and command of the run. Folders are created and replaced by :mod:`oloy_model.base.atomic`
(re-exported here as :func:`write_folder_atomically`).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import re
import sys
import unicodedata
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..base.atomic import write_folder_atomically
from ..base.resources import data_checksum
from ..base.scenario import _plain
from ..base.version import __version__

FIXED_TIME = _dt.datetime(2020, 11, 1, 0, 0, 0)
CSV_FLOAT = "%.6f"
RUN_SECTION = "run"  # the one manifest section that differs between runs of the same inputs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # spreadsheets may evaluate text starting so


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV: UTF-8, ``\\n`` line ends, fixed float format, no index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    floats = {column: _formatted(frame[column].to_numpy()) for column in frame.columns
              if frame[column].dtype == np.float64}
    frame = frame.assign(**floats) if floats else frame
    frame.to_csv(path, index=False, float_format=CSV_FLOAT, lineterminator="\n", encoding="utf-8")


def _formatted(values: np.ndarray) -> np.ndarray:
    """``CSV_FLOAT % value`` for each value, '' for missing: the text pandas writes for a float
    column with ``float_format``, made in one pass (pandas checks and formats value by value,
    half of the time of writing the tables)."""
    text = np.array([CSV_FLOAT % value for value in values.tolist()], dtype=object)
    text[np.isnan(values)] = ""
    return text


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame], *, notes: Mapping[str, str] | None = None,
               readme: pd.DataFrame | None = None, first: str | None = None,
               number_formats: Mapping[str, Mapping[str, str]] | None = None,
               highlight: Mapping[str, Sequence[str]] | None = None,
               freeze_columns: Mapping[str, int] | None = None) -> None:
    """An Excel workbook with one sheet per table (plus a README sheet), byte-deterministic.

    Every sheet has its header row frozen, a filter on the header and fitted column widths
    (long text wraps in a wide column); text that looks like a formula is stored as text.

    Parameters
    ----------
    sheets : mapping of sheet name -> DataFrame
        Sheet names are cut to Excel's 31 characters.
    notes : mapping of sheet name -> description, optional
        Listed on the README sheet with the units (when ``readme`` is not given).
    readme : DataFrame, optional
        The README sheet's table (e.g. one row per sheet and column) instead of ``notes``.
    first : str, optional
        A sheet placed before the README sheet (the sheet the workbook opens on).
    number_formats : mapping of sheet name -> {column: Excel number format}, optional
    highlight : mapping of sheet name -> columns, optional
        Cells above 0.5 in these columns (shortfalls) are shaded red.
    freeze_columns : mapping of sheet name -> number of leading columns kept in view, optional
    """
    notes, formats = notes or {}, number_formats or {}
    if readme is None:
        readme = pd.DataFrame({"sheet": list(sheets), "content": [notes.get(n, "") for n in sheets]})
    order = ([first] if first in sheets else []) + ["README"] + [n for n in sheets if n != first]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name in order:
            frame = readme if name == "README" else sheets[name]
            frame.to_excel(writer, sheet_name=name[:31], index=False)
            _layout(writer.sheets[name[:31]], frame, formats.get(name, {}), (highlight or {}).get(name, ()),
                    (freeze_columns or {}).get(name, 0))
        for worksheet in writer.book.worksheets:
            _text_not_formulas(worksheet)
        writer.book.properties.created = FIXED_TIME
        writer.book.properties.modified = FIXED_TIME
        writer.book.properties.creator = f"oloy_model {__version__}"
    path.write_bytes(_normalise_zip(buffer.getvalue()))


def _display_width(text: str) -> int:
    """Width in Latin characters: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


SHORTFALL_FILL = "FFF4C7C3"  # light red
SHORTFALL_FONT = "FF9C0006"  # dark red


WRAP_WIDTH = 60  # characters: a wider text column wraps in a column of WRAP_COLUMN
WRAP_COLUMN = 110


def _layout(worksheet, frame: pd.DataFrame, formats: Mapping[str, str], highlight: Sequence[str], freeze: int) -> None:
    """Frozen header, filter, widths, number formats and shortfall shading of one table sheet."""
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_row, last_row = 1, 1 + len(frame)
    worksheet.freeze_panes = worksheet.cell(row=header_row + 1, column=freeze + 1).coordinate
    if len(frame.columns):
        worksheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(frame.columns))}{last_row}"
    for index, column in enumerate(frame.columns, start=1):
        letter = get_column_letter(index)
        values = [str(column)] + [str(v) for v in frame[column].iloc[:200]]
        width = max(10, max(map(_display_width, values)) + 2)
        worksheet.column_dimensions[letter].width = WRAP_COLUMN if width > WRAP_WIDTH else width
        cells = [cell for (cell,) in worksheet.iter_rows(min_row=header_row + 1, max_row=last_row, min_col=index,
                                                        max_col=index)]
        if width > WRAP_WIDTH:
            for cell in cells:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        number_format = formats.get(column)
        if number_format:
            for cell in cells:
                cell.number_format = number_format
        if column in highlight and len(frame):
            worksheet.conditional_formatting.add(
                f"{letter}{header_row + 1}:{letter}{last_row}",
                CellIsRule(operator="greaterThan", formula=["0.5"], fill=PatternFill("solid", bgColor=SHORTFALL_FILL),
                           font=Font(color=SHORTFALL_FONT)))


def _text_not_formulas(worksheet) -> None:
    """Store text cells that look like formulas as plain text (numbers stay numbers).

    Text such as ``=HYPERLINK(...)`` from a user file would otherwise be written as a live
    formula (OWASP "CSV injection"); the quote prefix also keeps Excel from reading it as one
    when the cell is edited.
    """
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                cell.data_type = "s"
                cell.quotePrefix = True


def _normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry dates and order, so equal content gives equal bytes."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _strip_times(content)
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, content)
    return out.getvalue()


def _strip_times(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rf"\g<1>{stamp}\g<3>", text)
    return text.encode("utf-8")


def file_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_details() -> dict[str, str]:
    """What legitimately differs between two runs of the same inputs: the time and the command."""
    program = ["oloy"] + sys.argv[1:] if sys.argv and sys.argv[0].endswith("oloy") else list(sys.argv)
    return {"created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "command": " ".join(program)}


def write_manifest(folder: Path, *, scenarios: list[dict], seed: int | None = None, draws: int | None = None) -> None:
    """``manifest.json``: version, data checksum, scenarios and hashes, files; then the ``run`` section.

    Everything outside the ``run`` section (:func:`run_details`: time and command line) is
    byte-identical for the same inputs, whatever the locale or working directory.
    """
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    manifest = {
        "package": "oloy_model",
        "version": __version__,
        "data_checksum": data_checksum(),
        "seed": seed,
        "draws": draws,
        "scenarios": scenarios,
        "files": [{"path": p.relative_to(folder).as_posix(), "sha256": file_sha256(p), "bytes": p.stat().st_size}
                  for p in files],
        RUN_SECTION: run_details(),
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_scenario_json(scenario, folder: Path, *, area_values: Mapping[str, object] | None = None) -> None:
    """``scenario.json``: the scenario's name, content hash, file name and every value as run
    (file paths cut to their names: no machine-specific paths in outputs). ``area_values``: the
    values another area's run resolved differently from the file (e.g. its mortality default)."""
    resolved = {"name": scenario.name, "content_hash": scenario.content_hash, "source": Path(scenario.source).name,
                "values": _plain(dict(scenario.values))}
    for key, value in resolved["values"].items():
        if key.endswith("_file") and value:
            resolved["values"][key] = Path(value).name
    if area_values:
        resolved["resolved_for_the_area"] = _plain(dict(area_values))
    (folder / "scenario.json").write_text(json.dumps(resolved, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                          encoding="utf-8")
