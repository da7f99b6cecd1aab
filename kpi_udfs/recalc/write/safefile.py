"""Never lose the user's workbook: atomic replacement and one writer per file.

:func:`atomic_output` writes a file beside the target under a temporary name, fsyncs
it, then renames it over the target in one step (``os.replace``), and fsyncs the
folder: a crash or SIGKILL at any moment leaves either the old file or the new one,
never a half-written workbook (at worst a stray ``.~kpi-BOOK.xlsx-*.tmp`` beside it, which
the next run on that file removes: :func:`remove_stale_temps`).

:func:`target_lock` serialises writers of the same file: two ``kpi recalc --in-place``
runs on one workbook take turns, and a run that waits longer than its timeout refuses
with :class:`LockedError`. The lock file ``.~kpi-BOOK.xlsx.lock`` lives beside the target,
like the temporary file, so two runs agree on it whatever their TMPDIR (a lock in the
temp folder let two runs with different TMPDIR both "hold" it and delete each other's
temporary file); it is removed when the lock is released (a killed run leaves an empty one
that the next run reuses). It guards runs on one machine.

Both names keep within the 255 bytes a file name may have: a long workbook name is cut
and followed by a hash of the whole name (:func:`side_name`).
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

from ...i18n import _


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
        raise OutputError(f"{target}: " + _("folder {folder} does not exist", folder=str(folder)))
    try:
        st = target.stat()
    except FileNotFoundError:
        return
    except OSError as e:
        raise OutputError(f"{target}: " + _("cannot be inspected ({error})", error=e.strerror or e)) from None
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{target}: " + _("is a folder"))
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        raise OutputError(f"{target}: " + _("is read-only; make it writable or write elsewhere with -o"))


#: Longest file name (bytes) on the file systems we write to (ext4, APFS, NTFS: 255).
NAME_MAX = 255
_PREFIX = ".~kpi-"
#: Room for the target's name inside ``.~kpi-<name>-<8 random>.tmp``.
_NAME_ROOM = NAME_MAX - len(_PREFIX) - len("-12345678.tmp")


def _bytes(name: str) -> int:
    return len(os.fsencode(name))


def side_name(target: Path) -> str:
    """The target's name as it appears in the names of its temporary and lock files:
    the whole name when it fits, else its start, ``~`` and 12 hex digits of its SHA-256
    (so a 245-byte workbook name still gives names under 255 bytes, distinct per name)."""
    name = target.name
    if _bytes(name) <= _NAME_ROOM:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:12]
    cut = ""
    for ch in name:
        if _bytes(cut + ch) > _NAME_ROOM - 13:
            break
        cut += ch
    return f"{cut}~{digest}"


def lock_path(target: Path) -> Path:
    """The lock file of ``target``: beside it (the real file, through symbolic links)."""
    real = Path(os.path.realpath(target))
    return real.parent / f"{_PREFIX}{side_name(real)}.lock"


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


def _same_file(fd: int, path: Path) -> bool:
    """Is ``path`` still the file open as ``fd`` (not unlinked by the lock's last holder)?"""
    try:
        st = os.stat(path)
    except OSError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


@contextmanager
def target_lock(target: Path, timeout: float = 60.0) -> Iterator[None]:
    """Hold the per-file lock of ``target``; wait up to ``timeout`` seconds, then refuse.

    The lock file is removed on release, while still locked; a run that opened it before
    the removal finds, once it gets the lock, that the name now leads elsewhere (or
    nowhere) and starts again, so two runs never hold two different lock files.
    """
    path = lock_path(target)
    if not path.parent.is_dir():
        raise OutputError(f"{target}: " + _("folder {folder} does not exist", folder=str(path.parent)))
    deadline = time.monotonic() + max(timeout, 0.0)
    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as e:
            raise OutputError(f"{target}: " + _("cannot create the lock file {name} in {folder} ({error})",
                                                name=path.name, folder=str(path.parent), error=e.strerror or e)) from None
        try:
            while not _try_lock(fd):
                if time.monotonic() >= deadline:
                    raise LockedError(f"{target}: " + _(
                        "another kpi recalc is writing this file (waited {seconds} s); try again later",
                        seconds=format(timeout, "g")))
                time.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise
        if os.name == "nt" or _same_file(fd, path):
            break
        _unlock(fd)  # the holder before us removed this file: lock the current one
        os.close(fd)
    try:
        yield
    finally:
        if os.name != "nt":  # Windows cannot remove an open file; the empty lock file stays
            try:
                os.unlink(path)
            except OSError:
                pass
        _unlock(fd)
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
    ``.~kpi-<name>-<8 random characters>.tmp`` (``<name>`` as :func:`side_name` gives it).
    """
    target = Path(os.path.realpath(target))
    pattern = re.compile(re.escape(_PREFIX + side_name(target)) + r"-[A-Za-z0-9_]{8}\.tmp")
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
        fd, tmp_name = tempfile.mkstemp(prefix=f"{_PREFIX}{side_name(target)}-", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise OutputError(f"{target}: " + _("cannot write in {folder} ({error})", folder=str(target.parent),
                                            error=e.strerror or e)) from None
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
            raise OutputError(f"{target}: " + _("cannot be replaced ({error}); is it open in another program?",
                                                error=e.strerror or e)) from None
        _fsync_folder(target.parent)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{target}: " + _("writing failed ({error})", error=e.strerror or e)) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_file(target: Path, data: bytes) -> None:
    """Write ``data`` as ``target`` in one step (:func:`atomic_output`), making its folder
    if missing; :class:`OutputError` with one clear reason when that cannot be done."""
    make_folder(Path(os.path.abspath(target)).parent, for_=target)
    with atomic_output(target) as fh:
        fh.write(data)


def make_folder(folder: Path, for_: Path | None = None) -> None:
    """Make ``folder`` and its parents if missing; :class:`OutputError` naming why not
    (a file in the way, no permission)."""
    if folder.is_dir():
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        blocker = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
        where = f"{for_}: " if for_ is not None else ""
        if blocker is not None:
            why = _("the folder {folder} cannot be made ({path} is a file)", folder=str(folder), path=str(blocker))
        else:
            why = _("the folder {folder} cannot be made ({error})", folder=str(folder), error=e.strerror or str(e))
        raise OutputError(where + why) from None
