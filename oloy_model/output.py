"""Writing run outputs: deterministic CSV and Excel, and a manifest.

CSV files are byte-identical across runs of the same inputs; the Excel workbook too (fixed
document times and zip entry dates). Only the ``run`` section of ``manifest.json`` carries the
time and command of the run. Folders are created and replaced by :mod:`oloy_model.atomic`
(re-exported here as :func:`write_folder_atomically`).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import re
import sys
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from . import __version__
from .atomic import write_folder_atomically  # noqa: F401 - re-exported
from .resources import data_checksum

FIXED_TIME = _dt.datetime(2020, 11, 1, 0, 0, 0)
CSV_FLOAT = "%.6f"
RUN_SECTION = "run"  # the one manifest section that differs between runs of the same inputs
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # spreadsheets may evaluate text starting so


def write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV: UTF-8, ``\\n`` line ends, fixed float format, no index."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, float_format=CSV_FLOAT, lineterminator="\n", encoding="utf-8")


def write_xlsx(path: Path, sheets: Mapping[str, pd.DataFrame], *, notes: Mapping[str, str] | None = None) -> None:
    """An Excel workbook with one sheet per table (plus a README sheet), byte-deterministic.

    Parameters
    ----------
    sheets : mapping of sheet name -> DataFrame
        Sheet names are cut to Excel's 31 characters.
    notes : mapping of sheet name -> description, optional
        Listed on the README sheet with the units.
    """
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        readme = pd.DataFrame({"sheet": list(sheets), "content": [(notes or {}).get(n, "") for n in sheets]})
        readme.to_excel(writer, sheet_name="README", index=False)
        for name, frame in sheets.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        for worksheet in writer.book.worksheets:
            _text_not_formulas(worksheet)
            for column in worksheet.columns:
                width = max(len(str(cell.value or "")) for cell in column[:200])
                worksheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 80)
        writer.book.properties.created = FIXED_TIME
        writer.book.properties.modified = FIXED_TIME
        writer.book.properties.creator = f"oloy_model {__version__}"
    path.write_bytes(_normalise_zip(buffer.getvalue()))


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
