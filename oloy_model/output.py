"""Writing run outputs: atomic folders, deterministic CSV and Excel, and a manifest.

A run writes into a temporary sibling folder and renames it into place only when complete,
so a failed run leaves nothing behind and an existing folder is replaced only on request.
CSV files are byte-identical across runs of the same inputs; the Excel workbook too (fixed
document times and zip entry dates). Only ``manifest.json`` carries the time of the run.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import re
import shutil
import sys
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import OloyInputError
from .resources import data_checksum

FIXED_TIME = _dt.datetime(2020, 11, 1, 0, 0, 0)
CSV_FLOAT = "%.6f"


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
            for column in worksheet.columns:
                width = max(len(str(cell.value or "")) for cell in column[:200])
                worksheet.column_dimensions[column[0].column_letter].width = min(max(10, width + 2), 80)
        writer.book.properties.created = FIXED_TIME
        writer.book.properties.modified = FIXED_TIME
        writer.book.properties.creator = f"oloy_model {__version__}"
    path.write_bytes(_normalise_zip(buffer.getvalue()))


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


def write_manifest(folder: Path, *, scenarios: list[dict], seed: int | None = None, draws: int | None = None) -> None:
    """``manifest.json``: version, data checksum, scenarios and hashes, command, files, time."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "manifest.json")
    manifest = {
        "package": "oloy_model",
        "version": __version__,
        "created_utc": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": " ".join(["oloy"] + sys.argv[1:]) if sys.argv and sys.argv[0].endswith("oloy") else " ".join(sys.argv),
        "data_checksum": data_checksum(),
        "seed": seed,
        "draws": draws,
        "scenarios": scenarios,
        "files": [{"path": p.relative_to(folder).as_posix(), "sha256": file_sha256(p), "bytes": p.stat().st_size}
                  for p in files],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_folder_atomically(target: Path, fill: Callable[[Path], None], *, force: bool = False) -> Path:
    """Create ``target`` by calling ``fill(tmp)`` on a temporary sibling, then renaming it.

    Raises
    ------
    OloyInputError
        When ``target`` exists and ``force`` is false (nothing is changed).
    """
    target = Path(target).resolve()
    if target.exists() and not force:
        raise OloyInputError(f"{target}: output folder already exists; nothing was changed "
                             "(use --force to replace it, or choose another --out)")
    if target.exists() and not target.is_dir():
        raise OloyInputError(f"{target}: exists and is not a folder")
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(temporary, ignore_errors=True)
    temporary.mkdir()
    try:
        fill(temporary)
        if target.exists():
            old = target.parent / f".{target.name}.old-{os.getpid()}"
            os.replace(target, old)
            os.replace(temporary, target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temporary, target)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return target
