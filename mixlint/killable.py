"""Work under a hard time limit, in a child process killed when the time is up.

A Python signal handler runs only between bytecodes, so an alarm cannot stop
native code such as libcst's parser; killing a process always works. The work
runs in a forked child (it shares everything already imported, so it starts in
a few milliseconds) and sends its bytes back through a pipe.

A child reports only through that pipe and its exit status: how it ended (an
``Outcome``) is the parent's to report, with the file it was given. So a crash
there prints nothing, even when the parent has ``faulthandler`` on (``python -X
faulthandler``, ``PYTHONFAULTHANDLER``, pytest): its dump would show mixlint's
own frames in the user's terminal, read as mixlint crashing, for a file that
mixlint reports as MX001 and that the run survives.
"""

from __future__ import annotations

import enum
import faulthandler
import os
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

# fork, as mixlint's worker pool uses: elsewhere the default (spawn) would import
# everything again in each child.
AVAILABLE = sys.platform.startswith("linux")

_READ_SIZE = 1024 * 1024
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_ANALYSED = b"\x01"  # sent first, when ``analyse`` returns

T = TypeVar("T")


class Outcome(enum.Enum):
    TIMED_OUT = "timed out"
    FAILED = "failed"  # the child ended without an answer (an exception)
    CRASHED = "crashed"  # killed by a signal it did not ask for (native code overflowed its stack)


def in_child(
    analyse: Callable[[], T], send: Callable[[T], bytes], seconds: float
) -> bytes | Outcome:
    """``send(analyse())``, computed in a child process that is killed when ``analyse``
    takes longer than ``seconds`` or ``send`` longer than ``seconds`` again."""
    return Child(analyse, send).answer(seconds)


class Child:
    """``send(analyse())``, computed in a child process forked now; ``answer`` collects
    it later, so that this process works meanwhile."""

    def __init__(self, analyse: Callable[[], T], send: Callable[[T], bytes]) -> None:
        read_end, write_end = os.pipe()
        self.started = time.monotonic()
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            _serve(parent, analyse, send, read_end, write_end)
        os.close(write_end)
        self._pid: int | None = pid
        self._read_end = read_end

    def answer(self, seconds: float) -> bytes | Outcome:
        """What the child sent; TIMED_OUT (the child killed) when ``analyse`` did not
        end within ``seconds`` of the fork, or ``send`` took ``seconds`` more."""
        pid = self._pid
        if pid is None:
            return Outcome.FAILED  # answered, or killed, before
        self._pid = None
        answer: bytes | None = None
        try:
            answer = _receive(self._read_end, self.started + seconds, seconds)
        finally:
            os.close(self._read_end)
            if answer is None:
                os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
        if answer is None:
            return Outcome.TIMED_OUT
        if os.WIFSIGNALED(status):
            return Outcome.CRASHED
        return (
            answer[len(_ANALYSED) :] if os.waitstatus_to_exitcode(status) == 0 else Outcome.FAILED
        )

    def kill(self) -> None:
        """End the child now, unless it was answered already."""
        pid, self._pid = self._pid, None
        if pid is not None:
            os.close(self._read_end)
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def die_with(parent: int) -> None:
    """In the child: be killed by the kernel if the parent dies first (SIGKILL, a CI
    time-out). A watching thread would not do: native code holds the GIL for long."""
    import ctypes  # here: most runs never start a child

    ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that
        os._exit(1)


def _serve(
    parent: int,
    analyse: Callable[[], T],
    send: Callable[[T], bytes],
    read_end: int,
    write_end: int,
) -> NoReturn:
    """In the child: announce the end of the analysis, send its result, then end
    whatever happens, without returning into the parent's code, running its exit
    handlers or flushing its copies of the parent's buffers."""
    code = 1
    try:
        faulthandler.disable()  # a crash is the parent's to report (see above)
        os.close(read_end)
        die_with(parent)
        with os.fdopen(write_end, "wb") as pipe:
            value = analyse()
            pipe.write(_ANALYSED)
            pipe.flush()
            pipe.write(send(value))
        code = 0
    finally:
        os._exit(code)


def _receive(read_end: int, deadline: float, seconds: float) -> bytes | None:
    """Everything the child writes until it closes the pipe; None when the analysis
    is not announced by ``deadline`` or the rest takes longer than ``seconds``."""
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not poller.poll(left * 1000):
            return None
        chunk = os.read(read_end, _READ_SIZE)
        if not chunk:
            return b"".join(chunks)
        if not chunks:
            deadline = time.monotonic() + seconds
        chunks.append(chunk)
