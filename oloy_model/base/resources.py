"""Where the bundled data and scenarios are, and integrity checks on reading them.

The data live at the top level of the checkout (``data/``, ``scenarios/``); a non-editable
install carries them inside the package as ``oloy_model/_data`` and ``oloy_model/_scenarios``.
Every bundled file is listed with its SHA-256 in ``data/MANIFEST.sha256``; a file whose bytes
differ from the manifest is reported by name before it is parsed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd

from .caching import read_only_cache
from .errors import OloyInputError

_PACKAGE = Path(__file__).resolve().parents[1]  # oloy_model/ (this file is oloy_model/base/resources.py)
MANIFEST_NAME = "MANIFEST.sha256"
#: The quality tags a bundled row or a source may carry (data/README.md explains each).
QUALITY_TAGS = frozenset({"official", "mirror", "secondary", "derived", "UN", "estimated", "assumption"})


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise OloyInputError(
        "bundled folder not found; looked in: " + ", ".join(str(c) for c in candidates)
        + " (reinstall the package with `pip install .`)"
    )


def data_dir() -> Path:
    """Folder of the bundled data (installed copy first, then the source checkout)."""
    return _first_existing(_PACKAGE / "_data", _PACKAGE.parent / "data")


def scenarios_dir() -> Path:
    """Folder of the bundled scenario files."""
    return _first_existing(_PACKAGE / "_scenarios", _PACKAGE.parent / "scenarios")


def sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


@read_only_cache(maxsize=8)
def read_manifest(root: Path) -> dict[str, str]:
    """Map of relative path -> SHA-256 from ``root/MANIFEST.sha256``."""
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        raise OloyInputError(f"{manifest}: checksum manifest missing")
    entries = {}
    for number, line in enumerate(manifest.read_text(encoding="utf-8").splitlines(), start=1):
        digest, _, name = line.partition("  ")
        if len(digest) != 64 or not name:
            raise OloyInputError(f"{manifest}, line {number}: expected '<sha256>  <path>', got {line!r}")
        entries[name] = digest
    return entries


def verify_file(relative: str, root: Path | None = None) -> Path:
    """Check one bundled file against the manifest and return its path.

    Raises
    ------
    OloyInputError
        When the file is missing, unlisted, or its checksum differs (changed or truncated).
    """
    root = data_dir() if root is None else root
    path = root / relative
    expected = read_manifest(root).get(relative)
    if expected is None:
        raise OloyInputError(f"{path}: not listed in {root / MANIFEST_NAME}")
    if not path.is_file():
        raise OloyInputError(f"{path}: bundled data file missing")
    actual = sha256(path)
    if actual != expected:
        raise OloyInputError(
            f"{path}: checksum mismatch (expected sha256 {expected[:12]}..., found {actual[:12]}...); "
            "the bundled file was changed or truncated: reinstall the package or restore the file"
        )
    return path


def verify_all(root: Path | None = None) -> list[str]:
    """Check every file in the manifest; return the list of problems (empty when all is well)."""
    root = data_dir() if root is None else root
    problems = []
    for relative in read_manifest(root):
        try:
            verify_file(relative, root)
        except OloyInputError as error:
            problems.append(str(error))
    return problems


@read_only_cache(maxsize=64)
def _read_bundled(relative: str, root: Path) -> pd.DataFrame:
    path = verify_file(relative, root)
    try:
        return pd.read_csv(path, dtype={"region": str, "parent": str}, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise OloyInputError(f"{path}: cannot be read as CSV ({error})") from None


def read_bundled(relative: str, root: Path | None = None) -> pd.DataFrame:
    """Read a bundled CSV after checking its checksum (returns a fresh copy: :mod:`oloy_model.base.caching`)."""
    return _read_bundled(relative, data_dir() if root is None else root)


def data_checksum(root: Path | None = None) -> str:
    """One SHA-256 over the manifest entries of the data files (documentation excluded):
    identifies the bundled data the model reads."""
    root = data_dir() if root is None else root
    entries = sorted((name, digest) for name, digest in read_manifest(root).items() if not name.endswith(".md"))
    text = "\n".join(f"{digest}  {name}" for name, digest in entries)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
