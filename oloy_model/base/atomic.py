"""Output folders that appear complete or not at all, and are replaced only when safe.

The protocol (documented in README.md and docs/robustness.md):

1. Before any computation, :func:`check_target` refuses an existing ``--out`` without
   ``--force``, a path that is not a folder, and, with ``--force``, anything but an empty folder
   or an earlier oloy output folder (one holding a ``manifest.json`` written by oloy), and never
   the working directory, one of its parents, the home folder or ``/``.
2. Leftovers of dead runs next to the target are cleaned first (:func:`clean_leftovers`):
   a temporary folder ``.<name>.oloy-tmp-<pid>-<token>`` whose process is gone is removed; a
   backup ``.<name>.oloy-old-<pid>-<token>`` is removed when the target exists, else renamed
   back to the target (a crash between the two renames of a replacement).
3. The run fills the temporary folder, then moves it into place with a rename that fails if
   the target exists (``renameat2(RENAME_NOREPLACE)`` on Linux), so a folder created by another
   run meanwhile is never overwritten; a replacement swaps the two folders in one step
   (``RENAME_EXCHANGE``) where the system allows, else renames the old folder to its backup name
   and the new one into place. The old folder is deleted last. A crash at any moment thus
   leaves the old folder or the new one complete (or the old one under its backup name, which
   the next run puts back).
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from .errors import OloyInputError

RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2
AT_FDCWD = -100
USE_RENAMEAT2 = sys.platform.startswith("linux")
USE_EXCHANGE = True  # False: always the two-rename replacement (tests cover both paths)
LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?P<kind>oloy-tmp|oloy-old)-(?P<pid>\d+)-[0-9a-f]{8}$")
LEGACY = re.compile(r"^\.(?P<name>.+)\.(?:tmp|old)-(?P<pid>\d+)$")  # names of versions <= 0.1.0


def checkpoint(name: str) -> None:
    """A named moment of the protocol; does nothing (the kill tests replace it to pause there)."""


def _renameat2(source: Path, target: Path, flags: int) -> bool:
    """``renameat2`` with ``flags``; False when the system or file system lacks it."""
    if not USE_RENAMEAT2:
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    function = getattr(libc, "renameat2", None)
    if function is None:
        return False
    if function(AT_FDCWD, os.fsencode(source), AT_FDCWD, os.fsencode(target), flags) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(source), None, str(target))


def rename_noreplace(source: Path, target: Path) -> None:
    """Rename ``source`` to ``target``; ``FileExistsError`` if ``target`` exists (even empty)."""
    if _renameat2(source, target, RENAME_NOREPLACE):
        return
    if os.path.lexists(target):  # fallback: a narrow race remains where renameat2 is missing
        raise FileExistsError(errno.EEXIST, "File exists", str(target))
    os.rename(source, target)


def _is_oloy_output(folder: Path) -> bool:
    manifest = folder / "manifest.json"
    try:
        return json.loads(manifest.read_text(encoding="utf-8")).get("package") == "oloy_model"
    except (OSError, ValueError, AttributeError):
        return False


def _protected(target: Path) -> str | None:
    """Why ``target`` must never be replaced, or None."""
    if Path.cwd().resolve().is_relative_to(target):
        return "it is the current directory or one of its parents"
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home folder known: nothing to protect there
        return None
    if home.is_relative_to(target):
        return "it is the home folder or one of its parents"
    return None


def check_target(target: Path, *, force: bool) -> Path:
    """The absolute output folder, after refusing every unsafe case (see the module doc)."""
    target = Path(target).resolve()
    if not os.path.lexists(target):
        blocker = next((p for p in target.parents if os.path.lexists(p)), None)
        if blocker is not None and not blocker.is_dir():
            raise OloyInputError(f"{target}: cannot be created because {blocker} is a file, not a folder; "
                                 "nothing was changed")
        return target
    if not target.is_dir():
        raise OloyInputError(f"{target}: exists and is not a folder; nothing was changed")
    if not force:
        raise OloyInputError(f"{target}: output folder already exists; nothing was changed "
                             "(use --force to replace it, or choose another --out)")
    reason = _protected(target)
    if reason is None and any(target.iterdir()) and not _is_oloy_output(target):
        reason = "it is neither empty nor an earlier oloy output folder (no oloy manifest.json in it)"
    if reason:
        raise OloyInputError(f"{target}: --force refused because {reason}; nothing was changed")
    return target


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_leftovers(target: Path, say: Callable[[str], None]) -> None:
    """Remove temporary folders of dead runs next to ``target``; restore an orphaned backup.

    Folders named like those of earlier versions (``.<name>.tmp-<pid>``) are only reported:
    without the random part a user's own folder could carry such a name.
    """
    if not target.parent.is_dir():
        return
    for entry in sorted(target.parent.iterdir()):  # '.X.oloy-old-*' sorts before '.X.oloy-tmp-*'
        match = LEFTOVER.match(entry.name) or LEGACY.match(entry.name)
        if not match or match["name"] != target.name:
            continue
        pid = int(match["pid"])
        if _alive(pid):
            if pid != os.getpid():
                say(f"note: {entry} belongs to a running process (pid {pid}); left alone")
        elif match.re is LEGACY:
            say(f"note: {entry} looks like the leftover of an interrupted run of an earlier oloy version; "
                "delete it by hand if it is")
        elif match["kind"] == "oloy-old" and not os.path.lexists(target):
            rename_noreplace(entry, target)
            say(f"restored {target} from {entry.name}, left by an interrupted run (pid {pid})")
        else:
            shutil.rmtree(entry, ignore_errors=True)
            say(f"removed {entry}, left by an interrupted run (pid {pid})")


def _swap_in(temporary: Path, target: Path) -> None:
    """Put ``temporary`` at ``target``, replacing the folder there; the old one is deleted last."""
    if USE_EXCHANGE and _renameat2(temporary, target, RENAME_EXCHANGE):
        checkpoint("exchanged")  # target is new; temporary holds the old folder
        shutil.rmtree(temporary, ignore_errors=True)
        return
    backup = temporary.with_name(temporary.name.replace(".oloy-tmp-", ".oloy-old-"))
    os.rename(target, backup)
    checkpoint("between-renames")  # target missing; the next run restores it from the backup
    try:
        rename_noreplace(temporary, target)
    except FileExistsError:
        shutil.rmtree(backup)  # another run put a complete folder there meanwhile; it stands
        raise
    checkpoint("before-delete-backup")
    shutil.rmtree(backup, ignore_errors=True)  # if it fails, the next run removes it


def _refuse_created_meanwhile(target: Path) -> OloyInputError:
    return OloyInputError(f"{target}: another run created this folder while this one was running; it was left "
                          "as it is and this run's results were discarded (choose another --out)")


def write_folder_atomically(target: Path, fill: Callable[[Path], None], *, force: bool = False,
                            say: Callable[[str], None] | None = None) -> Path:
    """Create (or with ``force`` replace) the folder ``target`` by ``fill(temporary)`` + rename.

    Raises
    ------
    OloyInputError
        For every refusal of :func:`check_target`, when another run created ``target``
        meanwhile, and when the file system fails (read-only, full): the message names the
        path; the earlier folder, if any, is unchanged.
    """
    say = say or (lambda message: print(message, file=sys.stderr))
    target = Path(target).resolve()
    try:
        clean_leftovers(target, say)  # first: a restored backup then counts as existing
        target = check_target(target, force=force)
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.parent / f".{target.name}.oloy-tmp-{os.getpid()}-{secrets.token_hex(4)}"
        temporary.mkdir()
    except OSError as error:
        raise _output_error(target, error) from None
    try:
        fill(temporary)
        checkpoint("filled")
        _move_into_place(temporary, target, force)
        checkpoint("done")
    except OSError as error:
        raise _output_error(target, error) from None
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    return target


def _move_into_place(temporary: Path, target: Path, force: bool) -> None:
    try:
        if not os.path.lexists(target):
            rename_noreplace(temporary, target)
            return
    except FileExistsError:
        pass  # created meanwhile: judged below like a folder found there
    if not force:
        raise _refuse_created_meanwhile(target)
    check_target(target, force=force)  # it may have changed meanwhile
    try:
        _swap_in(temporary, target)
    except FileExistsError:
        raise _refuse_created_meanwhile(target) from None


def _output_error(target: Path, error: OSError) -> OloyInputError:
    where = error.filename or target
    return OloyInputError(f"{where}: cannot write the output ({error.strerror or error}); "
                          f"{target} was left as it was")
