"""Output safety (issue 11): scenario names, output folders, --force, races, kills, xlsx, locale.

Every bad case asserts exit 2 (or ``OloyInputError``) with the file/path and the value in the
message, no traceback, nothing written outside ``--out`` and an existing folder unchanged.
The kill tests pause a run at a named moment of the folder protocol
(:func:`oloy_model.base.atomic.checkpoint`, replaced in a child process) or kill a real
``oloy run`` at seeded random offsets, and check that the old folder is intact or the new one
complete, and that the next run leaves no leftovers.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from oloy_model import OloyInputError
from oloy_model.base import atomic
from oloy_model.cli import main
from oloy_model.reporting.output import RUN_SECTION, write_manifest, write_xlsx
from oloy_model.base.safe_names import MAX_BYTES, MAX_CHARACTERS, name_problem

PYTHON = sys.executable


# ---------------------------------------------------------------- helpers

def tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes() if p.is_file() else None) for p in sorted(root.rglob("*"))}


def complete(folder: Path) -> bool:
    """A folder whose manifest lists exactly its files, each with the right checksum."""
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {"manifest.json"}
    return present == set(listed) and all(
        hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest for path, digest in listed.items())


def leftovers(parent: Path, name: str) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(f".{name}."))


def toml_string(text: str) -> str:
    """A TOML basic string holding any text (escapes everything but plain ASCII)."""
    def escape(character: str) -> str:
        if " " <= character <= "~" and character not in '"\\':
            return character
        return f"\\u{ord(character):04X}" if ord(character) < 0x10000 else f"\\U{ord(character):08X}"
    return '"' + "".join(map(escape, text)) + '"'


def scenario_file(folder: Path, name: str | None, stem: str = "my") -> Path:
    path = folder / f"{stem}.toml"
    line = "" if name is None else f"name = {toml_string(name)}\n"
    path.write_text(line + 'extends = "baseline"\n', encoding="utf-8")
    return path


def light_fill(tag: str, pause_mid: bool = False):
    """A fast stand-in for a run: a few files and an oloy manifest."""
    def fill(folder: Path) -> None:
        (folder / "a.txt").write_text(tag, encoding="utf-8")
        if pause_mid:
            atomic.checkpoint("mid-fill")
        (folder / "sub").mkdir()
        (folder / "sub" / "b.txt").write_text(tag * 1000, encoding="utf-8")
        write_manifest(folder, scenarios=[])
    return fill


def tag_of(folder: Path) -> str:
    return (folder / "a.txt").read_text(encoding="utf-8")


def dead_pid() -> int:
    process = subprocess.Popen([PYTHON, "-c", "pass"])
    process.wait()
    return process.pid


# ---------------------------------------------------------------- scenario names

BAD_NAMES = [
    "../victim", "..", ".", "./x", "a/b", "/abs", "/tmp/x", "a\\b", "C:\\x", "C:", "..\\..\\x", ".hidden", "x.",
    "nul\x00byte", "tab\tname", "new\nline", "cr\rname", "bell\x07", "esc\x1b[31m", "del\x7f", "rtl\u202eoverride",
    "zero\u200bwidth", "line\u2028sep", "para\u2029sep", "private\ue000use", " leading", "trailing ", "\u3000全角空格",
    "=HYPERLINK(\"http://x\",\"y\")", "=1+1", "+cmd", "-rf", "@SUM(A1)", "a<b", "a>b", "a:b", 'a"b', "a|b", "a?b", "a*b",
    "manifest.json", "MANIFEST.JSON", "oloy_results.xlsx", "report.html", "report.md", "figures", "Figures",
    "summary_all_scenarios.csv", "all", "index.csv", "CON", "nul", "com1", "LPT9.txt", "aux.toml",
    "x" * (MAX_CHARACTERS + 1), "情" * (MAX_BYTES // 3 + 1), "😀" * (MAX_BYTES // 4 + 1),
]
GOOD_NAMES = ["baseline_v2", "三孩政策 支持", "情景-A.1", "Ünïcödé", "x" * MAX_CHARACTERS, "情" * (MAX_BYTES // 3),
              "a b", "2035", "console", "all_counties", "report", "_private", "a'b", "a(b)", "né-été"]


@pytest.mark.parametrize("name", BAD_NAMES)
def test_validate_rejects_unsafe_name(name, tmp_path, capsys):
    path = scenario_file(tmp_path, name)
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "key 'name'" in err and repr(name) in err and "Traceback" not in err
    assert name_problem(name)


@pytest.mark.parametrize("name", GOOD_NAMES)
def test_validate_accepts_safe_name(name, tmp_path, capsys):
    assert name_problem(name) is None
    assert main(["validate", str(scenario_file(tmp_path, name))]) == 0, capsys.readouterr().err


@pytest.mark.parametrize("stem", ["manifest.json", "figures", "all", "-x", ".y", "con"])
def test_name_from_file_stem_is_checked(stem, tmp_path, capsys):
    path = scenario_file(tmp_path, None, stem=stem)
    assert main(["validate", str(path)]) == 2
    assert "key 'name'" in capsys.readouterr().err


@pytest.mark.parametrize("value", [1, 2.5, True, [], {}])
def test_non_string_name(value, tmp_path, capsys):
    path = tmp_path / "my.toml"
    path.write_text(f"name = {json.dumps(value)}\nextends = 'baseline'\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "name" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["../victim", "..", "/tmp/oloy-victim", "manifest.json", "nul\x00", "=1+1",
                                  "x" * 300])
def test_run_refuses_unsafe_name_before_any_work(name, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "victim").mkdir()
    (tmp_path / "victim" / "keep.txt").write_text("mine", encoding="utf-8")
    path = scenario_file(tmp_path, name)
    before = tree(tmp_path)
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-figures"]) == 2
    err = capsys.readouterr().err
    assert "key 'name'" in err and "projecting" not in err and "Traceback" not in err
    assert tree(tmp_path) == before and not Path("/tmp/oloy-victim").exists()


@pytest.mark.parametrize("names", [("Base", "base"), ("情景", "情景")])
def test_names_equal_up_to_case_are_duplicates(names, tmp_path, capsys):
    paths = [scenario_file(tmp_path, n, stem=f"s{i}") for i, n in enumerate(names)]
    assert main(["run", *map(str, paths), "--out", str(tmp_path / "out"), "--no-figures"]) == 2
    assert "unique" in capsys.readouterr().err and not (tmp_path / "out").exists()


# ---------------------------------------------------------------- output folders and --force

def _foreign(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "thesis.docx").write_text("irreplaceable", encoding="utf-8")


def _fake_manifest(folder: Path, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "manifest.json").write_text(text, encoding="utf-8")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")


def _file(path: Path) -> None:
    path.write_text("x", encoding="utf-8")


# case id: (setup(workplace root) -> the --out argument (relative to root/work), --force?, words in the message)
FOLDER_CASES = {
    "exists": (lambda t: (_foreign(t / "work" / "o"), "o")[1], False, "already exists"),
    "oloy-folder-without-force": (lambda t: (_fake_manifest(t / "work" / "o", '{"package": "oloy_model"}'), "o")[1],
                                  False, "already exists"),
    "empty-without-force": (lambda t: ((t / "work" / "o").mkdir(), "o")[1], False, "already exists"),
    "is-a-file": (lambda t: (_file(t / "work" / "o"), "o")[1], False, "not a folder"),
    "is-a-file-force": (lambda t: (_file(t / "work" / "o"), "o")[1], True, "not a folder"),
    "parent-is-a-file": (lambda t: (_file(t / "work" / "f"), "f/o")[1], False, "is a file"),
    "grandparent-is-a-file": (lambda t: (_file(t / "work" / "f"), "f/a/o")[1], True, "is a file"),
    "foreign-force": (lambda t: (_foreign(t / "work" / "o"), "o")[1], True, "neither empty nor an earlier oloy output"),
    "foreign-manifest-force": (lambda t: (_fake_manifest(t / "work" / "o", '{"package": "other"}'), "o")[1], True,
                               "neither empty"),
    "broken-manifest-force": (lambda t: (_fake_manifest(t / "work" / "o", "{not json"), "o")[1], True, "neither empty"),
    "list-manifest-force": (lambda t: (_fake_manifest(t / "work" / "o", "[1, 2]"), "o")[1], True, "neither empty"),
    "cwd-force": (lambda t: ".", True, "current directory"),
    "cwd-absolute-force": (lambda t: str(t / "work"), True, "current directory"),
    "cwd-trailing-slash-force": (lambda t: str(t / "work") + "/", True, "current directory"),
    "cwd-dotted-force": (lambda t: "./../work/.", True, "current directory"),
    "parent-force": (lambda t: "..", True, "current directory or one of its parents"),
    "grandparent-force": (lambda t: "../..", True, "parents"),
    "root-force": (lambda t: "/", True, "parents"),
    "home-force": (lambda t: str(t / "home"), True, "home folder"),
    "home-tilde-expanded-force": (lambda t: os.path.expanduser("~"), True, "home folder"),
    "home-parent-force": (lambda t: str(t / "home" / ".."), True, "parents"),
    "cwd-not-force": (lambda t: ".", False, "already exists"),
    "dot-dot-not-force": (lambda t: "..", False, "already exists"),
}


@pytest.fixture
def workplace(tmp_path, monkeypatch):
    """A working directory ``tmp/work`` holding a user's file; HOME at ``tmp/home``."""
    (tmp_path / "home").mkdir()
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "my.toml").write_text('extends = "baseline"\n', encoding="utf-8")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path / "work")
    return tmp_path


@pytest.mark.parametrize("command", ["run", "backtest"])
@pytest.mark.parametrize("case", sorted(FOLDER_CASES))
def test_unsafe_output_folder_is_refused_before_any_work(case, command, workplace, capsys):
    setup, force, words = FOLDER_CASES[case]
    out = setup(workplace)
    before = tree(workplace)
    argv = ["run", "my.toml", "--no-figures"] if command == "run" else ["backtest"]
    assert main(argv + ["--out", out] + (["--force"] if force else [])) == 2
    captured = capsys.readouterr()
    assert words in captured.err and "Traceback" not in captured.err
    assert "projecting" not in captured.err and "Backtest:" not in captured.out  # refused before computing
    assert tree(workplace) == before


@pytest.mark.parametrize("state", ["empty", "oloy"])
def test_force_replaces_empty_or_oloy_folder(state, tmp_path):
    out = tmp_path / "o"
    if state == "empty":
        out.mkdir()
    else:
        atomic.write_folder_atomically(out, light_fill("old"))
    atomic.write_folder_atomically(out, light_fill("new"), force=True, say=lambda m: None)
    assert tag_of(out) == "new" and complete(out) and leftovers(tmp_path, "o") == []


# ---------------------------------------------------------------- the folder protocol in process

@pytest.fixture(params=["exchange", "two-renames"])
def protocol(request, monkeypatch):
    monkeypatch.setattr(atomic, "USE_EXCHANGE", request.param == "exchange")
    return request.param


# (an earlier folder?, what another run puts at the target while this one computes, outcome)
MEANWHILE = [(False, "empty", "kept"), (False, "foreign", "kept"), (False, "oloy", "kept"),
             (True, "foreign", "kept"), (True, "empty", "replaced"), (True, "oloy", "replaced")]


@pytest.mark.parametrize("existing, intruder, outcome", MEANWHILE)
def test_folder_created_meanwhile(existing, intruder, outcome, protocol, tmp_path):
    """Without --force a folder that appeared meanwhile is kept; with it, only unsafe ones are."""
    out = tmp_path / "o"
    if existing:
        atomic.write_folder_atomically(out, light_fill("old"))

    def fill(folder: Path) -> None:
        light_fill("mine")(folder)
        shutil.rmtree(out, ignore_errors=True)  # another run (or user) acts on the target meanwhile
        if intruder == "oloy":
            atomic.write_folder_atomically(out, light_fill("other"))
        else:
            out.mkdir()
            if intruder == "foreign":
                (out / "thesis.docx").write_text("theirs", encoding="utf-8")

    if outcome == "kept":
        with pytest.raises(OloyInputError) as caught:
            atomic.write_folder_atomically(out, fill, force=existing, say=lambda m: None)
        assert str(out) in str(caught.value)
        assert {"empty": [], "foreign": ["thesis.docx"], "oloy": ["a.txt", "manifest.json", "sub"]}[intruder] == sorted(
            p.name for p in out.iterdir())
    else:
        atomic.write_folder_atomically(out, fill, force=True, say=lambda m: None)
        assert tag_of(out) == "mine" and complete(out)
    assert leftovers(tmp_path, "o") == []


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"),
                                   PermissionError(13, "Permission denied", "/some/where/population.csv"),
                                   OSError(30, "Read-only file system")])
@pytest.mark.parametrize("existing", [False, True])
def test_write_failure_names_the_path_and_keeps_the_old_folder(error, existing, protocol, tmp_path):
    out = tmp_path / "o"
    if existing:
        atomic.write_folder_atomically(out, light_fill("old"))
    before = tree(tmp_path)

    def fill(folder: Path) -> None:
        light_fill("new")(folder)
        raise error

    with pytest.raises(OloyInputError) as caught:
        atomic.write_folder_atomically(out, fill, force=True)
    message = str(caught.value)
    assert (error.filename or str(out)) in message and (error.strerror in message)
    assert tree(tmp_path) == before


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores folder permissions")
def test_read_only_parent_exit_2_naming_the_path(tmp_path, capsys):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        assert main(["run", "baseline", "--no-figures", "--out", str(parent / "o")]) == 2
        assert str(parent) in capsys.readouterr().err
    finally:
        parent.chmod(0o755)


def test_cli_maps_a_full_disk_to_exit_2_with_the_path(tmp_path, monkeypatch, capsys):
    import oloy_model.runner as runner

    def full(frame, path):
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(runner, "write_csv", full)
    assert main(["run", "baseline", "--no-figures", "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "population.csv" in err and "internal error" not in err
    assert not (tmp_path / "o").exists() and leftovers(tmp_path, "o") == []


@pytest.mark.parametrize("kind", ["oloy-tmp", "oloy-old", "tmp", "old"])
@pytest.mark.parametrize("target_exists", [False, True])
def test_leftovers_of_dead_runs(kind, target_exists, tmp_path):
    """Ours are removed (or a backup restored); look-alikes of the old naming only reported."""
    out = tmp_path / "o"
    if target_exists:
        atomic.write_folder_atomically(out, light_fill("current"))
    legacy = not kind.startswith("oloy")
    leftover = tmp_path / f".o.{kind}-{dead_pid()}{'' if legacy else '-0a1b2c3d'}"
    leftover.mkdir()
    light_fill("leftover")(leftover)
    messages: list[str] = []
    atomic.clean_leftovers(out, messages.append)
    assert len(messages) == 1 and leftover.name in messages[0]
    assert leftovers(tmp_path, "o") == ([leftover.name] if legacy else [])
    restored = kind == "oloy-old" and not target_exists
    assert out.exists() == (target_exists or restored)
    if out.exists():
        assert tag_of(out) == ("current" if target_exists else "leftover") and complete(out)


def test_leftover_of_a_live_run_is_left_and_reported(tmp_path):
    live = tmp_path / f".o.oloy-tmp-{os.getppid()}-00000000"
    live.mkdir()
    messages: list[str] = []
    atomic.clean_leftovers(tmp_path / "o", messages.append)
    assert live.exists() and "running process" in messages[0]


@pytest.mark.parametrize("exists", ["empty-folder", "folder", "file"])
def test_rename_noreplace_never_replaces(exists, tmp_path):
    source, target = tmp_path / "s", tmp_path / "t"
    source.mkdir()
    if exists == "file":
        target.write_text("x")
    else:
        target.mkdir()
        if exists == "folder":
            (target / "f").write_text("x")
    with pytest.raises(FileExistsError):
        atomic.rename_noreplace(source, target)
    assert source.is_dir() and target.exists()


# ---------------------------------------------------------------- kills at named moments

KILL_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    sys.path.insert(0, sys.argv[5])
    import oloy_model.base.atomic as atomic
    from test_output_safety import light_fill
    target, pause_at, force, exchange = sys.argv[1:5]
    atomic.USE_EXCHANGE = exchange == "1"
    def checkpoint(name):
        if name == pause_at:
            print("AT", name, flush=True)
            time.sleep(600)
    atomic.checkpoint = checkpoint
    atomic.write_folder_atomically(Path(target), light_fill("new", pause_mid=True), force=force == "1")
""")

# (moment, replace an existing folder?, exchange?, the folder expected at the target after the kill)
MOMENTS = [
    ("mid-fill", False, True, None), ("filled", False, True, None), ("done", False, True, "new"),
    ("mid-fill", True, True, "old"), ("filled", True, True, "old"), ("exchanged", True, True, "new"),
    ("done", True, True, "new"),
    ("mid-fill", True, False, "old"), ("filled", True, False, "old"), ("between-renames", True, False, "missing"),
    ("before-delete-backup", True, False, "new"), ("done", True, False, "new"),
]


def _pause_and_kill(argv: list[str], env: dict | None = None, cwd: Path | None = None) -> str:
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=cwd)
    line = process.stdout.readline()
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert line.startswith("AT "), process.stderr.read()[-2000:]
    return line.split()[1]


@pytest.mark.slow  # a child process killed at every moment (14 cases)
@pytest.mark.parametrize("moment, replace, exchange, expected", MOMENTS,
                         ids=[f"{m}-{'replace' if r else 'new'}-{'exchange' if e else 'renames'}"
                              for m, r, e, _ in MOMENTS])
def test_kill_at_each_moment_leaves_old_or_new(moment, replace, exchange, expected, tmp_path):
    out = tmp_path / "o"
    if replace:
        atomic.write_folder_atomically(out, light_fill("old"))
    argv = [PYTHON, "-c", KILL_SCRIPT, str(out), moment, "1" if replace else "0", "1" if exchange else "0",
            str(Path(__file__).parent)]
    assert _pause_and_kill(argv) == moment
    if expected in ("old", "new"):
        assert tag_of(out) == expected and complete(out)
    elif expected is None:
        assert not out.exists()
    else:  # between the two renames: the old folder is complete under its backup name
        backups = [p for p in tmp_path.iterdir() if ".oloy-old-" in p.name]
        assert not out.exists() and len(backups) == 1 and tag_of(backups[0]) == "old" and complete(backups[0])
    messages: list[str] = []
    atomic.clean_leftovers(out, messages.append)  # what the next run does first
    assert leftovers(tmp_path, "o") == []
    if expected is not None:
        assert tag_of(out) == ("old" if expected == "missing" else expected) and complete(out)
    atomic.write_folder_atomically(out, light_fill("next"), force=True, say=messages.append)
    assert tag_of(out) == "next" and complete(out) and sorted(p.name for p in tmp_path.iterdir()) == ["o"]


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_real_run_killed_at_random_moments(seed, tmp_path):
    out = tmp_path / "o"
    atomic.write_folder_atomically(out, light_fill("old"))
    offset = random.Random(seed).uniform(1.0, 6.0)  # a run takes about 5 s here
    process = subprocess.Popen([PYTHON, "-m", "oloy_model.cli", "run", "baseline", "--no-figures", "--force",
                                "--out", str(out)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(offset)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert complete(out) and (tag_of(out) == "old" if (out / "a.txt").exists() else (out / "baseline").is_dir())
    atomic.clean_leftovers(out, lambda m: None)
    assert leftovers(tmp_path, "o") == [] and complete(out)


# ---------------------------------------------------------------- two real runs racing

@pytest.mark.slow
def test_two_runs_racing_to_the_same_folder(tmp_path):
    out = tmp_path / "o"
    command = [PYTHON, "-m", "oloy_model.cli", "run", "baseline", "--no-figures", "--out", str(out)]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [(r.wait(timeout=300), r.stderr.read()) for r in runs]
    assert sorted(code for code, _ in results) == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert ("another run created" in loser or "already exists" in loser) and "Traceback" not in loser
    assert complete(out) and sorted(p.name for p in tmp_path.iterdir()) == ["o"]
    workbook = openpyxl.load_workbook(out / "oloy_results.xlsx")
    assert not [c.coordinate for ws in workbook.worksheets for row in ws.iter_rows() for c in row
                if c.data_type == "f"]


# ---------------------------------------------------------------- spreadsheet cells

TEXTS = ["=HYPERLINK(\"http://x\",\"y\")", "=1+1", "+1+1", "-1+1", "@SUM(A1:A2)", "\t=1", "\r=1", "-", "=",
         "plain", "中文=1", "a-b"]


@pytest.mark.parametrize("text", TEXTS)
def test_xlsx_text_is_never_a_formula(text, tmp_path):
    frame = pd.DataFrame({"text": [text], "number": [-5.25], "integer": [-3], "positive": [7]})
    path = tmp_path / "t.xlsx"
    write_xlsx(path, {"data": frame})
    cells = {c.column_letter: c for c in openpyxl.load_workbook(path)["data"][2]}
    # openpyxl writes through lxml (a dependency), which escapes a carriage return: the text reads back unchanged
    assert cells["A"].data_type == "s" and cells["A"].value == text
    assert (cells["A"].quotePrefix is True) == text.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert [cells[k].value for k in "BCD"] == [-5.25, -3, 7] and {cells[k].data_type for k in "BCD"} == {"n"}
    write_xlsx(tmp_path / "again.xlsx", {"data": frame})
    assert (tmp_path / "again.xlsx").read_bytes() == path.read_bytes()


# ---------------------------------------------------------------- command-line arguments

BAD_ARGUMENTS = [
    [], ["frobnicate"], ["run", "--draws", "abc"], ["run", "--draws", "1.5"], ["run", "--seed", "x"],
    ["run", "--out"], ["run", "--no-such-option"], ["run", "--force=yes"], ["validate"], ["summary", "--year", "2015"],
    ["summary", "--method", "cubic"], ["summary", "--open-age-method", "x"], ["backtest", "--out"],
    ["backtest", "extra"], ["verify-data", "extra"], ["run", "--draws"], ["--versions"],
]


@pytest.mark.parametrize("argv", BAD_ARGUMENTS, ids=[" ".join(a) or "nothing" for a in BAD_ARGUMENTS])
def test_bad_command_line_exit_2_without_traceback(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as caught:
        main(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "usage:" in err and "Traceback" not in err and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("argv, words", [
    (["run", "baseline", "--draws", "-1", "--no-figures"], "--draws -1"),
    (["run", "no_such_scenario"], "not bundled"),
    (["run", "missing.toml"], "not found"),
    (["run", "baseline", "baseline", "--no-figures"], "unique"),
    (["validate", "missing.toml"], "not found"),
])
def test_bad_values_exit_2_naming_them(argv, words, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err and list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- locale and working directory

LOCALE_SCRIPT = textwrap.dedent("""
    import sys
    from pathlib import Path
    import oloy_model as om
    from oloy_model.cli import main
    from oloy_model.reporting.figures import county_map, pyramid_prefecture
    from oloy_model.reporting.style import save_figure
    assert main(["run", "baseline", "--no-figures", "--out", "out"]) == 0
    result = om.run(om.load_scenario("baseline"))
    for name, (figure, _) in {"map": county_map(result, "elderly_beds"), "pyramid": pyramid_prefecture(result)}.items():
        save_figure(figure, Path("out") / name)
""")


def _available_locales() -> set[str]:
    try:
        listed = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        return set()
    return {name.lower().replace("utf-8", "utf8") for name in listed}


@pytest.mark.slow
def test_outputs_identical_under_any_locale_and_working_directory(tmp_path):
    available = _available_locales()
    chinese = next((n for n in ("zh_CN.UTF-8", "zh_TW.UTF-8", "zh_HK.UTF-8", "zh_SG.UTF-8")
                    if n.lower().replace("utf-8", "utf8") in available), None)
    if chinese is None:
        pytest.skip("no Chinese UTF-8 locale on this machine (.ci/run generates zh_CN.UTF-8 with localedef)")
    folders = {}
    for index, name in enumerate(["C.UTF-8", chinese]):
        cwd = tmp_path / f"cwd{index}" / ("deeper" * index)
        cwd.mkdir(parents=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LC_") and k != "LANG"}
        env.update(LC_ALL=name, LANG=name)
        done = subprocess.run([PYTHON, "-c", LOCALE_SCRIPT], cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr[-3000:]
        folders[name] = cwd / "out"
    first, second = folders.values()
    files = sorted(p.relative_to(first).as_posix() for p in first.rglob("*") if p.is_file())
    assert {"map.png", "map.svg", "pyramid.png", "oloy_results.xlsx", "baseline/population.csv"} <= set(files)
    assert files == sorted(p.relative_to(second).as_posix() for p in second.rglob("*") if p.is_file())
    for relative in files:
        if relative == "manifest.json":
            manifests = [json.loads((f / relative).read_text(encoding="utf-8")) for f in (first, second)]
            assert set(manifests[0][RUN_SECTION]) == {"created_utc", "command"}
            assert [{k: v for k, v in m.items() if k != RUN_SECTION} for m in manifests] == [
                {k: v for k, v in manifests[0].items() if k != RUN_SECTION}] * 2
        else:
            assert (first / relative).read_bytes() == (second / relative).read_bytes(), relative
