"""Never lose the user's workbook: atomic replacement and one writer per file.

:func:`atomic_output` writes a file beside the target under a temporary name, fsyncs
it, then renames it over the target in one step (``os.replace``), and fsyncs the
folder: a crash or SIGKILL at any moment leaves either the old file or the new one,
never a half-written workbook (at worst a stray ``.~kpi-BOOK.xlsx-*.tmp`` beside it, which
the next run on that file removes: :func:`remove_stale_temps`).

:func:`target_lock` serialises writers of the same file: two ``kpi recalc --in-place``
runs on one workbook take turns, and a run that waits longer than its timeout refuses
with :class:`LockedError`. The lock file lives in the temp folder, keyed by the target's
absolute path, so nothing is left beside the workbook (it guards runs on one machine).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


class OutputError(Exception):
    """The output file cannot be written (read-only, a folder, no permission, disk full)."""


class LockedError(OutputError):
    """Another run is writing the same file and did not finish in time."""


def check_writable(target: Path) -> None:
    """Refuse a target that is read-only or not a file, and a folder that does not exist.

    A read-only workbook is refused even though replacing it would work (the rename only
    needs the folder's permission): someone made it read-only on purpose.
    """
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{target}: folder {folder} does not exist")
    try:
        st = target.stat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(f"{target}: cannot be inspected ({e.strerror or e})") from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{target}: is a folder")
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise OutputError(f"{target}: is read-only; make it writable or write elsewhere with -o")


def _lock_path(target: Path) -> Path:
    folder = Path(tempfile.gettempdir()) / "kpi-recalc-locks"
    if not folder.is_dir():
        folder.mkdir(exist_ok=True)
        try:
            os.chmod(folder, 0o1777)  # shared like /tmp: any user may lock their files
        except OSError:
            pass
    key = hashlib.sha256(os.path.normcase(str(target.resolve())).encode("utf-8")).hexdigest()[:32]
    return folder / f"{key}.lock"


if os.name == "nt":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            return False

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)


@contextmanager
def target_lock(target: Path, timeout: float = 60.0) -> Iterator[None]:
    """Hold the per-file lock of ``target``; wait up to ``timeout`` seconds, then refuse."""
    path = _lock_path(target)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        raise OutputError(f"{target}: cannot create lock file {path} ({e.strerror or e})") from None
    try:
        deadline = time.monotonic() + max(timeout, 0.0)
        while not _try_lock(fd):
            if time.monotonic() >= deadline:
                raise LockedError(
                    f"{target}: another kpi recalc is writing this file (waited {timeout:g} s); try again later"
                )
            time.sleep(0.05)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _fsync_folder(folder: Path) -> None:
    if os.name == "nt":  # pragma: no cover
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale_temps(target: Path) -> int:
    """Delete temporary files an interrupted run left for ``target`` (call it holding the lock).

    Only names :func:`atomic_output` makes for this very target are touched:
    ``.~kpi-<name>-<8 random characters>.tmp``.
    """
    target = Path(os.path.realpath(target))
    pattern = re.compile(r"\.~kpi-" + re.escape(target.name) + r"-[A-Za-z0-9_]{8}\.tmp")
    removed = 0
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return 0
    for p in entries:
        if pattern.fullmatch(p.name):
            try:
                p.unlink()
                removed += 1
            except OSError:
                pass
    return removed


@contextmanager
def atomic_output(target: Path) -> Iterator[BinaryIO]:
    """Yield a temporary file beside ``target``; on success it atomically becomes ``target``.

    The new file keeps the permission bits of the file it replaces (or gets the usual
    ones for a new file). On any error the temporary file is removed and ``target`` is
    untouched.
    """
    target = Path(os.path.realpath(target))  # replace a symlink's file, not the link
    check_writable(target)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".~kpi-{target.name}-", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise OutputError(f"{target}: cannot write in {target.parent} ({e.strerror or e})") from None
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        try:
            os.replace(tmp, target)
        except PermissionError as e:
            raise OutputError(
                f"{target}: cannot be replaced ({e.strerror or e}); is it open in another program?"
            ) from None
        _fsync_folder(target.parent)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{target}: writing failed ({e.strerror or e})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
