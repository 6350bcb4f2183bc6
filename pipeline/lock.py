"""One build at a time per output folder: an exclusive, non-blocking lock on `<out>/.kzru.lock`.

The lock is `fcntl.flock` on an open file, so the kernel releases it when the holding process
ends, however it ends (even SIGKILL): a lock file left behind by a dead build never blocks the
next one. The file itself stays in place (deleting a flock file races with a process that has
just opened it) and holds the pid of the current holder, for the message of the one turned
away.

The lock is re-entrant within a process: `kzru build` holds it and calls `publish`, which asks
for it again.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".kzru.lock"

#: Exit status of a command that found the lock taken (EX_TEMPFAIL of sysexits.h).
EXIT_LOCKED = 75

#: Locks held by this process: resolved lock path -> (open file descriptor, depth).
_held: dict[Path, tuple[int, int]] = {}


class Locked(RuntimeError):
    """Another process holds the lock of an output folder."""

    def __init__(self, path: Path, pid: int | None) -> None:
        self.path = path
        self.pid = pid
        who = f"pid {pid}" if pid is not None else "pid unknown"
        super().__init__(f"another build holds the lock on {path} ({who}); try later")


def lock_path(out_dir: Path) -> Path:
    return out_dir / LOCK_NAME


def holder(out_dir: Path) -> int | None:
    """The pid written by the process that holds (or last held) the lock, if readable."""
    try:
        text = lock_path(out_dir).read_text("ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


@contextmanager
def acquire(out_dir: Path) -> Iterator[Path]:
    """Hold the lock of `out_dir` for the block; raise `Locked` at once if another process
    holds it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = lock_path(out_dir).resolve()
    if path in _held:
        fd, depth = _held[path]
        _held[path] = (fd, depth + 1)
        try:
            yield path
        finally:
            fd, depth = _held[path]
            _held[path] = (fd, depth - 1)
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise Locked(path, holder(out_dir)) from None
    except BaseException:
        os.close(fd)
        raise
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        _held[path] = (fd, 1)
        yield path
    finally:
        _held.pop(path, None)
        os.close(fd)  # releases the flock


def is_locked(out_dir: Path) -> bool:
    """Whether some process (this one included) holds the lock of `out_dir` now."""
    path = lock_path(out_dir)
    if not path.exists():
        return False
    if path.resolve() in _held:
        return True
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
