"""Parsing in a child process forked at the start of the run (``EarlyParser``).

A run with more than one job forks a child that imports libcst while the run starts
up. A run on a few files (`mixlint check a.py b.py`: a pre-commit hook) has it
summarise the named files while the run reads the rest of the project; any run has
it parse what the prefilter selects, in workers forked from it. These tests hold
what it must not change: the findings, what the cache keeps, the time limit, and
that no process outlives the run.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import mixlint.run.early as run_early
import mixlint.run.options as run_options
from mixlint import killable
from mixlint.cache import dumps
from mixlint.config import Config
from mixlint.discovery import discover_project
from mixlint.engine import check
from mixlint.model import Span
from mixlint.run import EarlyParser, Options, analyse, check_project
from tests.helpers import write_project

pytestmark = pytest.mark.skipif(not killable.AVAILABLE, reason="the child is forked (Linux)")

CLIENT = """\
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
"""
CONSENT = """\
def has_analytics_consent(user):
    return user.consents.filter(purpose="analytics", granted=True).exists()
"""
TRACKING = """\
from shop.analytics import mp
from shop.consent import has_analytics_consent


def track_event(user, event, properties=None):
    if not has_analytics_consent(user):
        return
    mp.track(user.pseudonym, event, properties or {})
"""
ORDERS = """\
from shop.tracking import track_event


def checkout(user, order):
    track_event(user, "Order Placed", {"total": order.total})
"""
PROFILE = """\
from shop.tracking import track_event


def update_profile(user, form):
    user.save()
    track_event(user, "Profile Updated", {"fields": len(form)})
"""
SETTINGS = """\
DEBUG = False
ALLOWED_HOSTS = ["shop.example.com"]
"""
FILES = {
    "shop/__init__.py": "",
    "shop/analytics.py": CLIENT,
    "shop/consent.py": CONSENT,
    "shop/tracking.py": TRACKING,
    "shop/orders.py": ORDERS,
    "shop/profile.py": PROFILE,
    "shop/settings.py": SETTINGS,
}

Located = tuple[str, str, int, int, str]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return write_project(tmp_path / "shop-project", FILES)


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files whose summaries this process took from the early child."""
    found: list[str] = []
    real = EarlyParser.take

    def spy(self: EarlyParser, relative: str, sha: str | None) -> Any:
        made = real(self, relative, sha)
        if made is not None:
            found.append(relative)
        return made

    monkeypatch.setattr(EarlyParser, "take", spy)
    yield found


def located(findings: list[Any]) -> list[Located]:
    return [(f.rule_id, f.path, f.span.start_line, f.span.start_col, f.message) for f in findings]


def expected(paths: list[Path]) -> list[Located]:
    """In-process, every file parsed, no cache: the reference."""
    config = Config()
    return located(check(analyse(paths, config), config).findings)


def options(cache: Path | None, timeout: float | None = None) -> Options:
    return Options(
        jobs=2, cache=cache is not None, cache_dir=cache, prefilter=True, timeout=timeout
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_changed_tracking_modules_come_from_the_child(
    shop: Path, tmp_path: Path, taken: list[str]
) -> None:
    cache = tmp_path / "cache"
    check_project([shop], Config(), options(cache))
    # A commit adds personal data to two tracking modules.
    orders, profile = shop / "shop/orders.py", shop / "shop/profile.py"
    edit(orders, '{"total": order.total}', '{"total": order.total, "email": user.email}')
    edit(profile, '{"fields": len(form)}', '{"phone": form["phone"]}')
    named = [orders, profile]
    found = located(check_project(named, Config(), options(cache)).findings)
    assert run_options.LAST_STATS.parsed == 2
    assert found == expected(named)
    assert [(rule, path, line) for rule, path, line, *_ in found] == [
        (
            "MX101",
            "shop/orders.py",
            5,
        ),
        ("MX101", "shop/profile.py", 6),
    ]
    assert sorted(taken) == ["shop/orders.py", "shop/profile.py"]
    # This process stored what the child made: the next run on other paths parses nothing.
    check_project([shop], Config(), options(cache))
    assert run_options.LAST_STATS.parsed == 0


def test_without_a_cache_the_child_parses_every_named_file(shop: Path, taken: list[str]) -> None:
    named = [shop / "shop/orders.py", shop / "shop/settings.py"]
    assert located(check_project(named, Config(), options(None)).findings) == expected(named)
    # settings.py tracks nothing: made ahead all the same, and not used.
    assert taken == ["shop/orders.py"]


def test_a_file_changed_after_the_child_read_it_is_parsed_again(shop: Path) -> None:
    orders = shop / "shop/orders.py"
    named = [orders, shop / "shop/settings.py"]
    early = EarlyParser.fork(named, options(None))
    assert early is not None
    early.send(discover_project(named, Config()), Config(), options(None))
    try:
        before = hashlib.sha256(orders.read_bytes()).hexdigest()
        made = early.take("shop/orders.py", before)
        assert made is not None and made[0] == before
        assert [(site.function, site.guarded) for site in made[1].calls] == [("checkout", False)]
        assert made[3] is None  # no cache: nothing to store
        edit(orders, "order.total", "order.total_net")
        after = hashlib.sha256(orders.read_bytes()).hexdigest()
        assert early.take("shop/orders.py", after) is None
        assert early.take("shop/settings.py", None) is not None
        assert early.take("shop/tracking.py", None) is None  # not named
    finally:
        early.close()


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("import mixpanel\nx = " + " + ".join(["1"] * 4000) + "\n", "analysis timed out after 1s"),
        ("import mixpanel\nx = " + "f(" * 1500 + "1" + ")" * 1500 + "\n", "the parser crashed"),
    ],
    ids=["long-sum", "deep-calls"],
)
def test_the_time_limit_holds_in_the_child(
    shop: Path, tmp_path: Path, taken: list[str], source: str, problem: str
) -> None:
    (shop / "shop/slow.py").write_text(source, encoding="utf-8")
    named = [shop / "shop/slow.py", shop / "shop/orders.py"]
    cache = tmp_path / "cache"
    for total in ("order.total", "order.total_net"):
        edit(shop / "shop/orders.py", "order.total", total)
        model = check_project(named, Config(), options(cache, timeout=1)).model
        assert [(p.path, p.message, p.span) for p in model.problems] == [
            ("shop/slow.py", problem, Span(1, 1, 1, 1))
        ]
        # Made by the child both times: a time-out or a crash is never cached.
        assert sorted(taken) == ["shop/orders.py", "shop/slow.py"]
        taken.clear()


def test_no_child_outlives_the_run(
    shop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last whole run answers a change to a file that tracks nothing: the child,
    still parsing, is killed and reaped."""
    import mixlint.parse

    real = mixlint.parse.summarize_bytes

    def endless(data: bytes, relative: str, *args: Any) -> Any:
        if relative == "shop/settings.py":
            while True:
                pass
        return real(data, relative, *args)

    cache = tmp_path / "cache"
    check_project([shop], Config(), options(cache))
    monkeypatch.setattr(mixlint.parse, "summarize_bytes", endless)
    edit(shop / "shop/settings.py", "DEBUG = False", "DEBUG = True")
    named = [shop / "shop/settings.py"]
    assert check_project(named, Config(), options(cache)).findings == []
    assert run_options.LAST_STATS.memo
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_only_named_python_files_are_parsed_ahead(shop: Path) -> None:
    jobs = options(None)
    too_many = [shop / "shop/orders.py"] * (EarlyParser.MAX_FILES + 1)
    for paths, named in [
        ([shop / "shop/orders.py", shop / "shop/profile.py"], True),
        ([shop], False),  # a folder
        ([shop / "shop/orders.py", shop], False),
        ([shop / "pyproject.toml"], False),
        (too_many, False),
    ]:
        early = EarlyParser.fork(paths, jobs)
        assert early is not None
        early.close()
        assert early.named is named, paths
    assert EarlyParser.fork([shop / "shop/orders.py"], Options(jobs=1)) is None
    assert EarlyParser.fork([shop], Options(jobs=1)) is None


@pytest.fixture
def ordered(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The files this process ordered the early child to parse."""
    found: list[str] = []
    real = EarlyParser.parse

    def spy(self: EarlyParser, tasks: list[Any]) -> Any:
        found.extend(relative for relative, *_ in tasks)
        return real(self, tasks)

    monkeypatch.setattr(EarlyParser, "parse", spy)
    yield found


def test_a_folder_is_parsed_by_the_early_childs_workers(
    shop: Path, tmp_path: Path, ordered: list[str]
) -> None:
    cache = tmp_path / "cache"
    found = located(check_project([shop], Config(), options(cache)).findings)
    stats = run_options.LAST_STATS
    assert found == expected([shop])
    assert [(rule, path, line) for rule, path, line, *_ in found] == [
        ("MX402", "shop/analytics.py", 3),
    ]
    # The client, the wrapper and its two callers; ``has_analytics_consent`` is a
    # consent check by its name, which needs nothing of shop/consent.py.
    assert stats.parsed == len(ordered) == 4
    assert sorted(ordered) == sorted(stats.reasons)
    # Its workers stored the summaries: the next run on the project parses nothing.
    edit(shop / "shop/settings.py", "DEBUG = False", "DEBUG = True")
    assert located(check_project([shop], Config(), options(cache)).findings) == found
    assert run_options.LAST_STATS.parsed == 0 and run_options.LAST_STATS.cached == 4


def test_the_time_limit_holds_in_the_early_childs_workers(shop: Path, ordered: list[str]) -> None:
    (shop / "shop/slow.py").write_text(
        "import mixpanel\nx = " + " + ".join(["1"] * 4000) + "\n", encoding="utf-8"
    )
    model = check_project([shop], Config(), options(None, timeout=1)).model
    assert "shop/slow.py" in ordered
    assert [(p.path, p.message) for p in model.problems] == [
        ("shop/slow.py", "analysis timed out after 1s")
    ]


def test_a_child_that_dies_is_done_without(
    shop: Path, monkeypatch: pytest.MonkeyPatch, ordered: list[str]
) -> None:
    """The child ends at its first order: this process parses the files itself."""

    def dying(orders: int, answers: int) -> None:
        run_early._receive_message(orders)
        run_early._send_message(answers, dumps({}))
        run_early._receive_message(orders)
        os._exit(1)

    monkeypatch.setattr(run_early, "_serve_parses", dying)
    found = located(check_project([shop], Config(), options(None)).findings)
    assert ordered and run_options.LAST_STATS.parsed == len(ordered) == 4
    assert found == expected([shop])
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)


def test_no_worker_of_the_early_child_outlives_the_run(shop: Path, tmp_path: Path) -> None:
    """In a process that adopts orphans (a subreaper): once the run is over, nothing
    is left to adopt, alive or dead."""
    script = tmp_path / "run.py"
    script.write_text(
        textwrap.dedent(f"""
            import ctypes, os
            ctypes.CDLL(None).prctl(36, 1)  # PR_SET_CHILD_SUBREAPER
            from mixlint.config import Config
            from mixlint.run import Options, check_project, options as run_options
            options = Options(jobs=2, cache=False, prefilter=True)
            check_project([{str(shop)!r}], Config(), options)
            assert run_options.LAST_STATS.parsed > 0
            try:
                print("left:", os.waitpid(-1, os.WNOHANG))
            except ChildProcessError:
                print("nothing left")
        """),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "nothing left", done.stderr


def test_a_bad_option_after_the_fork_leaves_no_child(shop: Path) -> None:
    from click.testing import CliRunner

    from mixlint.cli import main

    named = str(shop / "shop/orders.py")
    result = CliRunner().invoke(main, ["check", named, "--select", "MX999", "--jobs", "2"])
    assert result.exit_code == 2
    assert "MX999" in result.output
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)
