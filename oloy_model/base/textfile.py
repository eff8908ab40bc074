"""Reading user text files (scenario TOML, CSV tables) as UTF-8, with errors that say what to do.

A UTF-8 byte-order mark (written by Excel's "CSV UTF-8" and by Windows Notepad) is accepted
and dropped. Any other encoding (GBK/GB18030 from a Chinese-locale Excel, for instance) is an
:class:`~oloy_model.base.errors.OloyInputError` naming the file, the line and the column of the
first undecodable byte, with the instruction to save the file as UTF-8.
"""
from __future__ import annotations

from pathlib import Path

from .errors import OloyInputError

BOM = b"\xef\xbb\xbf"


def read_utf8(path: str | Path, *, what: str = "file") -> str:
    """The text of ``path`` decoded as UTF-8 (a leading byte-order mark is dropped)."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise OloyInputError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    if data.startswith(BOM):
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise OloyInputError(
            f"{path}: line {line}, column {column}: byte 0x{data[error.start]:02x} is not UTF-8 text; the {what} "
            "seems to use another encoding (GBK/GB18030?): save it as UTF-8 (in Excel: Save As > "
            "'CSV UTF-8'; in a text editor: encoding UTF-8) and try again") from None
