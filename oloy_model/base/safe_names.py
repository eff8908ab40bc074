"""Scenario names are folder names: the rule that makes them safe, and a guarded path join.

A scenario's ``name`` becomes a folder of the output (``<out>/<name>/`` and
``<out>/figures/<name>/``), so it must be a single, portable file name that cannot reach
outside the output folder or collide with a file the run writes itself. The rule (documented
in README.md and docs/robustness.md):

- a non-empty string of at most :data:`MAX_CHARACTERS` characters and :data:`MAX_BYTES` bytes
  in UTF-8 (file systems allow 255 bytes; Chinese characters take 3 bytes each);
- any letters, digits or symbols of any script, Chinese included, except the path separators
  ``/`` and ``\\`` and the characters Windows forbids in file names (``< > : " | ? *``);
- no control or format characters (NUL, newline, tab, bidirectional overrides ...);
- no leading ``.`` (so neither ``.`` nor ``..`` nor hidden names), no leading or trailing
  space, no trailing ``.``;
- no leading ``=``, ``+``, ``-`` or ``@`` (spreadsheets read these as formulas, shells as
  options);
- not a Windows device name (``CON``, ``NUL``, ``COM1`` ...) and not the name of a file or
  folder the run writes (:data:`RESERVED`); both compared without regard to case.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path

from .errors import OloyInputError

MAX_CHARACTERS = 100
MAX_BYTES = 200
FORBIDDEN_CHARACTERS = '/\\<>:"|?*'
FORBIDDEN_CATEGORIES = {"Cc": "a control character", "Cf": "a format character", "Cs": "a lone surrogate",
                        "Co": "a private-use character", "Zl": "a line separator", "Zp": "a paragraph separator"}
FORMULA_STARTS = "=+-@"
# Files and folders the run writes next to the scenario folders (top level and figures/).
RESERVED = frozenset({"manifest.json", "oloy_results.xlsx", "summary_all_scenarios.csv", "report.html",
                      "report.md", "figures", "all", "index.csv", "columns.csv",
                      # an area run (oloy run --area) and the plan job (oloy plan) write these too
                      "note.md", "comparison.csv", "comparison_all_scenarios.csv", "oloy_plan.xlsx",
                      "plan_report.html", "plan_report.md"})
WINDOWS_DEVICES = frozenset({"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                             *(f"lpt{i}" for i in range(10))})
RULE = (f"a file name of 1 to {MAX_CHARACTERS} characters (at most {MAX_BYTES} bytes in UTF-8), Chinese allowed, "
        f"without / \\ < > : \" | ? * or control characters, not starting with '.', '=', '+', '-' or '@', "
        f"not ending with '.' or a space, and not a reserved name ({', '.join(sorted(RESERVED))}, CON, NUL, ...)")


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a safe scenario name, or ``None`` when it is."""
    if not isinstance(name, str):
        return "not a string"
    if not name:
        return "empty"
    for character in name:
        if character in FORBIDDEN_CHARACTERS:
            return f"contains {character!r}"
        category = unicodedata.category(character)
        if category in FORBIDDEN_CATEGORIES:
            return f"contains {FORBIDDEN_CATEGORIES[category]} (U+{ord(character):04X})"
    if len(name) > MAX_CHARACTERS or len(name.encode("utf-8")) > MAX_BYTES:
        return f"too long ({len(name)} characters, {len(name.encode('utf-8'))} bytes)"
    if name[0] == "." or name[-1] == ".":
        return "starts or ends with '.'"
    if name != name.strip():
        return "starts or ends with white space"
    if name[0] in FORMULA_STARTS:
        return f"starts with {name[0]!r}"
    folded = unicodedata.normalize("NFC", name).casefold()
    if folded in RESERVED:
        return "is the name of a file or folder the run writes itself"
    if folded.split(".")[0] in WINDOWS_DEVICES:
        return "is a Windows device name"
    return None


def check_scenario_name(name: object, where: str | Path) -> str:
    """Return ``name`` when it is safe as a folder name, else raise naming file, key and value.

    Raises
    ------
    OloyInputError
        With ``where`` (the scenario file), the key ``name``, the value and the rule.
    """
    problem = name_problem(name)
    if problem is not None:
        raise OloyInputError(f"{where}: key 'name' = {name!r} {problem}; expected {RULE}")
    return name  # type: ignore[return-value]


def name_key(name: str) -> str:
    """The form under which two names are the same folder on a case-insensitive file system."""
    return unicodedata.normalize("NFC", name).casefold()


def child(folder: Path, name: str) -> Path:
    """``folder / name`` for a scenario name, refused unless it stays directly inside ``folder``."""
    check_scenario_name(name, "scenario")
    path = folder / name
    if path.resolve().parent != folder.resolve():
        raise OloyInputError(f"{path}: would be written outside the output folder {folder}")
    return path
