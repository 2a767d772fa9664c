"""Writing a file so that readers never see half of it.

Reports, baselines and the cache are read by CI steps and editors while mixlint
may be killed mid-run; a file written in place could be left truncated. Writing
a temporary file beside the destination and renaming it over is atomic on
POSIX and Windows (same directory, same filesystem).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8) in one step.

    Raises ``OSError`` (``FileNotFoundError`` with a readable message) when the
    destination directory does not exist; the temporary file never survives a
    failure.
    """
    path = Path(path)
    # Replacing a symlink would cut it; users who link a baseline into place
    # expect the target to be updated.
    if path.is_symlink():
        path = path.resolve()
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        special = False  # missing (or unreadable): written beside and renamed over
    if special:
        # /dev/null, /dev/stdout, a FIFO another CI step reads: renaming a file
        # over it would replace the device itself (for root, /dev/null for the
        # whole system); such a destination has no old content to protect.
        with open(path, "wb") as handle:
            handle.write(payload)
        return
    directory = path.parent
    if not directory.is_dir():
        reason = f"directory '{directory}' does not exist"
        error = FileNotFoundError(f"cannot write '{path}': {reason}")
        # str() stays the full sentence; strerror is the bare reason, as for
        # any OSError, for callers that name the file themselves.
        error.strerror = reason
        raise error

    temp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    # os.open with 0o666 lets the umask decide the mode, as for a plain open();
    # mkstemp would leave the result readable by its owner only.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    fd = os.open(temp, flags, 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            # Keep the mode of the file being replaced (an executable script, a
            # group-readable report).
            os.chmod(temp, stat.S_IMODE(os.stat(path).st_mode))
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_directory(directory)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename itself durable; not possible on Windows, where opening a
    # directory fails, and the rename is already as durable as it gets there.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
