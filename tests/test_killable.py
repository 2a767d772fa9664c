"""mixlint.killable: work in a child process under a hard time limit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from mixlint import killable
from mixlint.killable import Outcome, in_child

pytestmark = pytest.mark.skipif(not killable.AVAILABLE, reason="fork is used on Linux only")


@pytest.fixture(autouse=True)
def children(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The children forked during the test."""
    forked: list[int] = []
    fork = os.fork

    def recording() -> int:
        pid = fork()
        if pid:
            forked.append(pid)
        return pid

    monkeypatch.setattr(os, "fork", recording)
    return forked


def assert_reaped(children: list[int]) -> None:
    """Every child has ended and been waited for (no zombie, nothing left running)."""
    assert children
    for pid in children:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_the_answer_comes_back_whole(children: list[int]) -> None:
    # Larger than a pipe's buffer: the parent reads while the child writes.
    assert in_child(lambda: 3, lambda n: b"ab" * n * 1_000_000, 10) == b"ab" * 3_000_000
    assert in_child(lambda: 0, lambda _: b"", 10) == b""
    assert_reaped(children)


def test_a_child_that_raises_or_dies_fails(children: list[int]) -> None:
    assert in_child(lambda: 1 // 0, lambda _: b"x", 10) is Outcome.FAILED
    assert in_child(lambda: 0, lambda _: os._exit(3), 10) is Outcome.FAILED
    assert_reaped(children)


def test_a_child_killed_by_a_signal_crashed(children: list[int]) -> None:
    # What a native parser overflowing its stack looks like from the parent.
    assert in_child(lambda: os.kill(os.getpid(), signal.SIGSEGV), lambda _: b"", 10) is (
        Outcome.CRASHED
    )
    assert_reaped(children)


def test_a_crash_prints_nothing_even_with_faulthandler_on() -> None:
    # The parent reports the outcome; the child's dump of mixlint's frames would
    # land in the user's terminal (and in pytest's output, which enables it too).
    crash = (
        "import os, signal\n"
        "from mixlint.killable import in_child\n"
        "print(in_child(lambda: os.kill(os.getpid(), signal.SIGSEGV), lambda _: b'', 10))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-X", "faulthandler", "-c", crash],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "Outcome.CRASHED\n", "")


@pytest.mark.parametrize("slow", ["analyse", "send"])
def test_a_child_out_of_time_is_killed(slow: str, children: list[int]) -> None:
    def sleep(*_: object) -> bytes:
        time.sleep(60)
        return b""

    started = time.monotonic()
    if slow == "analyse":
        assert in_child(sleep, lambda _: b"", 0.3) is Outcome.TIMED_OUT
    else:
        assert in_child(lambda: 0, sleep, 0.3) is Outcome.TIMED_OUT
    assert time.monotonic() - started < 5
    assert_reaped(children)


def test_the_send_gets_as_long_again() -> None:
    def analyse() -> int:
        time.sleep(0.3)
        return 1

    def send(value: int) -> bytes:
        time.sleep(0.3)
        return b"%d" % value

    assert in_child(analyse, send, 0.5) == b"1"
