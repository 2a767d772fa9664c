"""The prefilter, the worker processes and the cache change the speed, never the findings.

Every project under ``tests/fixtures``, the example app, two projects written
here (a client, a re-export, a wrapper and callers that only the prefilter's
later rounds reach) and a small generated benchmark app are checked with and
without the prefilter, with one and two worker processes, and with a cold and a
warm cache: the findings (rule, path, line, column, message) are the same.
Then the cache itself: its folder and ``.gitignore``, corrupt and foreign
entries, two processes sharing it, the remembered findings of an unchanged
project; and start-up: ``mixlint --version`` and a run served from the cache do
not import libcst. No test measures time.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import mixlint.run.options as run_options
import mixlint.run.workers as run_workers
from mixlint.cache import SCHEMA, Cache
from mixlint.checks import all_rules
from mixlint.config import Config, find_config, load_config
from mixlint.engine import check
from mixlint.naming import ModuleName, PathNames
from mixlint.prefilter import COMMENT, DATA, SNIFF, STRONG, References, Scanner, imports
from mixlint.run import Options, analyse, check_project
from mixlint.sdk import load_sdk
from tests.helpers import write_project

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures"
EXAMPLE = HERE.parent / "examples" / "shop"
BENCH = HERE.parent / "benchmarks" / "bench.py"

# rule, path, line, column, message, suppression, paths of the related locations
Located = tuple[str, str, int, int, str, object, tuple[str, ...]]

# -- projects -------------------------------------------------------------------------

# A client in one module, re-exported by a package, used by a wrapper in another
# package, called by views, whose callers (and theirs) are in further modules:
# each link is found only in the round after the one before (6 rounds).
CHAIN = {
    "core/__init__.py": "from .sdk import client as analytics_client\n",
    "core/sdk.py": """
        from mixpanel import Mixpanel

        client = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
    """,
    "lib/__init__.py": "",
    "lib/events.py": """
        from core import analytics_client


        def emit(user, name, props):
            analytics_client.track(str(user.pk), name, props)
    """,
    "app/__init__.py": "",
    "app/views.py": """
        from lib.events import emit


        def signup(request):
            emit(request.user, "Signed Up", {"email": request.user.email})


        def logout(request):
            emit(request.user, "Logged Out", {"plan": request.user.plan})
    """,
    "app/services.py": """
        from app.views import signup


        def handle(request):
            if has_consent(request.user):
                signup(request)
    """,
    "app/tasks.py": """
        from app import services


        def nightly(request):
            services.handle(request)
    """,
    "app/utils.py": """
        def emit_log(message):
            print(message)


        def signup_count(rows):
            return len(rows)
    """,
    "legacy/old.py": """
        import sys
        print "old report", sys.argv
    """,
    "misc/notes.py": """
        VALUE = 1  # noqa: MX101
    """,
}

# A tracker class re-exported by ``import *``, a factory, a secret and a weak
# pseudonymiser in modules that name nothing of Mixpanel, a GDPR deletion whose
# URL is a constant of another module.
CLASSES = {
    "trk/__init__.py": "from .client import *\n",
    "trk/client.py": """
        import mixpanel

        __all__ = ["Tracker"]


        class Tracker:
            def __init__(self):
                self.mp = mixpanel.Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")

            def send(self, uid, event, props):
                self.mp.track(uid, event, props)

            def profile(self, uid, props):
                self.mp.people_set(uid, props)
    """,
    "trk/factory.py": """
        from trk import Tracker


        def get_tracker():
            return Tracker()
    """,
    "web/__init__.py": "",
    "web/handlers.py": """
        from trk import Tracker
        from trk.factory import get_tracker
        from web.privacy import pseudonymize


        def on_login(user):
            Tracker().send(pseudonymize(user.email), "Login", {"phone": user.phone})


        class Profiles:
            def save(self, user):
                if user.analytics_consent:
                    get_tracker().profile(str(user.pk), {"plan": user.plan})
    """,
    "web/secrets.py": """
        API_SECRET = "9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5"
    """,
    "web/importer.py": """
        from trk.client import Tracker
        from web.secrets import API_SECRET


        def backfill(uid):
            Tracker().mp.import_data(None, uid, "Backfill", 0, api_secret=API_SECRET)
    """,
    "web/privacy.py": """
        import hashlib


        def pseudonymize(value):
            return hashlib.sha256(value.encode()).hexdigest()
    """,
    "web/admin.py": """
        from web.handlers import Profiles


        def resave(user):
            Profiles().save(user)
    """,
    "ops/__init__.py": "",
    "ops/settings.py": """
        DELETE_URL = "https://eu.mixpanel.com/api/app/data-deletions/v3.0"
    """,
    "ops/gdpr.py": """
        import requests

        from ops.settings import DELETE_URL


        def forget(uid):
            requests.post(DELETE_URL, json={"distinct_ids": [uid]}, timeout=5)
    """,
    "ops/unrelated.py": """
        import json


        def send(payload):
            return json.dumps(payload)
    """,
}

# A CLI whose commands derive from a base class that tracks in ``run``: every command
# module reaches tracking, and each call site hands ``run`` a lambda full of the
# project's loaders and settings that nothing reads. What the rules do read sits in
# other modules: a pseudonymiser and a helper behind a wrapper's arguments, a
# profile helper returning a dict, the token of a GDPR request whose URL and header
# are constants of two further modules.
COMMANDS = {
    "toolkit/__init__.py": "",
    "toolkit/tracker.py": """
        import hashlib

        from mixpanel import Mixpanel

        from toolkit.settings import MIXPANEL_TOKEN


        class Tracker:
            def __init__(self):
                self.mp = Mixpanel(MIXPANEL_TOKEN)

            def command(self, user_id, name, properties):
                self.mp.track(user_id, f"Command {name}", properties)

            def profile(self, user_id, traits):
                self.mp.people_set(user_id, traits)


        def anonymous_id(value):
            return hashlib.sha256(value.encode()).hexdigest()
    """,
    "toolkit/settings.py": """
        import os

        MIXPANEL_TOKEN = os.environ.get("MIXPANEL_TOKEN", "")
        TIMEOUT = 30
    """,
    "toolkit/commands/__init__.py": """
        from toolkit.commands.base import Command
        from toolkit.commands.deploy import DeployCommand
        from toolkit.commands.clean import CleanCommand
    """,
    "toolkit/commands/base.py": """
        from toolkit.identity import current_user
        from toolkit.tracker import Tracker


        class Command:
            name = "command"

            def __init__(self):
                self.tracker = Tracker()

            def run(self, execute):
                user = current_user()
                self.tracker.command(user.account_id, self.name, {"email": user.email})
                return execute()
    """,
    "toolkit/identity.py": """
        from toolkit.accounts import Account


        def current_user():
            return Account.load()
    """,
    "toolkit/accounts.py": """
        import json
        from pathlib import Path


        class Account:
            def __init__(self, account_id, email):
                self.account_id = account_id
                self.email = email

            @classmethod
            def load(cls):
                data = json.loads(Path("~/.toolkit.json").expanduser().read_text())
                return cls(data["id"], data["email"])
    """,
    "toolkit/commands/deploy.py": """
        from toolkit.commands.base import Command
        from toolkit.loaders import ResourceLoader


        class DeployCommand(Command):
            name = "deploy"

            def execute(self, loader: ResourceLoader, timeout: int):
                return loader.load_all(timeout)
    """,
    "toolkit/commands/clean.py": """
        from toolkit.commands.base import Command


        class CleanCommand(Command):
            name = "clean"

            def execute(self, dry_run):
                return [] if dry_run else ["removed"]
    """,
    "toolkit/loaders.py": """
        from toolkit.resources import RESOURCE_TYPES
        from toolkit.resources.graph import DependencyGraph


        class ResourceLoader:
            def __init__(self, folder):
                self.folder = folder
                self.graph = DependencyGraph(RESOURCE_TYPES)

            def load_all(self, timeout):
                return self.graph.order(self.folder, timeout)
    """,
    "toolkit/resources/__init__.py": """
        RESOURCE_TYPES = ("spaces", "containers", "views", "data_models")
    """,
    "toolkit/resources/graph.py": """
        class DependencyGraph:
            def __init__(self, kinds):
                self.kinds = kinds

            def order(self, folder, timeout):
                return sorted(self.kinds)
    """,
    "toolkit/cli.py": """
        from toolkit import settings
        from toolkit.commands import CleanCommand, DeployCommand
        from toolkit.loaders import ResourceLoader


        def deploy(folder):
            cmd = DeployCommand()
            cmd.run(lambda: cmd.execute(ResourceLoader(folder), settings.TIMEOUT))


        def clean(dry_run):
            cmd = CleanCommand()
            cmd.run(lambda: cmd.execute(dry_run))
    """,
    "toolkit/onboarding.py": """
        from toolkit.privacy import hashed_email
        from toolkit.profiles import traits_of
        from toolkit.tracker import Tracker
        from toolkit.watcher import Watcher


        def welcome(user):
            tracker = Tracker()
            tracker.command(hashed_email(user.email), "welcome", {"plan": user.plan})
            tracker.profile(user.account_id, traits_of(user))


        def watch(user, folder):
            watcher = Watcher(folder, tracker=Tracker())
            watcher.changed(user, folder)
    """,
    "toolkit/watcher.py": """
        class Watcher:
            def __init__(self, folder, tracker=None):
                self.folder = folder
                self.tracker = tracker

            def changed(self, user, path):
                if self.tracker is not None:
                    self.tracker.command(user.account_id, "file changed", {"suffix": path.suffix})
    """,
    "toolkit/privacy.py": """
        import hashlib


        def hashed_email(email):
            return hashlib.md5(email.strip().lower().encode()).hexdigest()
    """,
    "toolkit/profiles.py": """
        def traits_of(user):
            return {"plan": user.plan, "$email": user.email}
    """,
    "toolkit/doctor.py": """
        import platform

        from toolkit import tracker


        def machine_id():
            return tracker.anonymous_id(platform.node())
    """,
    "toolkit/selftest.py": """
        import toolkit.tracker


        def ping():
            toolkit.tracker.Tracker().command("selftest", "ping", {"ok": True})
    """,
    "toolkit/metrics/__init__.py": "",
    "toolkit/metrics/client.py": """
        from toolkit.tracker import Tracker

        shared = Tracker()
    """,
    "toolkit/notify.py": """
        import toolkit.metrics.client


        class Notifier:
            def __init__(self, channel):
                self.channel = channel
                self.tracker = toolkit.metrics.client.shared

            def notify(self, user):
                self.tracker.command(user.account_id, "notify", {"channel": self.channel})
    """,
    "toolkit/telemetry/__init__.py": """
        from toolkit import tracker
    """,
    "toolkit/reporting.py": """
        from toolkit.telemetry import tracker


        def weekly_report(account):
            tracker.Tracker().command(account.account_id, "report", {"weeks": 1})
    """,
    "tests/test_settings.py": """
        from unittest import mock

        import toolkit.tracker
        from toolkit import settings


        def test_default_timeout():
            with mock.patch("toolkit.tracker.Tracker.command"):
                assert settings.TIMEOUT == 30
    """,
    "toolkit/gdpr/__init__.py": "",
    "toolkit/gdpr/endpoints.py": """
        DELETIONS = "https://eu.mixpanel.com/api/app/data-deletions/v3.0"
    """,
    "toolkit/gdpr/credentials.py": """
        SERVICE_TOKEN = "Bearer 9c1e7b3a5d2f48e6a0b4c8d2e6f1a3b5"
    """,
    "toolkit/gdpr/erase.py": """
        import requests

        from toolkit.gdpr.credentials import SERVICE_TOKEN
        from toolkit.gdpr.endpoints import DELETIONS


        def erase(distinct_ids):
            return requests.post(
                DELETIONS,
                json={"distinct_ids": distinct_ids, "compliance_type": "GDPR"},
                headers={"Authorization": SERVICE_TOKEN},
                timeout=10,
            )
    """,
}


def copy(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".mixlint_cache"))


def bench_module() -> object:
    spec = importlib.util.spec_from_file_location("mixlint_bench", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def projects() -> list[str]:
    found = (
        sorted(
            path.name for path in FIXTURES.iterdir() if path.is_dir() and any(path.rglob("*.py"))
        )
        if FIXTURES.is_dir()
        else []
    )
    return [
        *(f"fixture:{name}" for name in found),
        "example:shop",
        "inline:chain",
        "inline:classes",
        "inline:commands",
        "bench:app",
    ]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("projects")
    bench_root = base / "bench"
    write_project(bench_root, {})
    bench_module().make_app(bench_root, 12)  # type: ignore[attr-defined]
    return {
        "inline:chain": write_project(base / "chain", CHAIN),
        "inline:classes": write_project(base / "classes", CLASSES),
        "inline:commands": write_project(base / "commands", COMMANDS),
        "bench:app": bench_root,
    }


def project_root(name: str, made: dict[str, Path]) -> Path:
    kind, _, rest = name.partition(":")
    if kind == "fixture":
        return FIXTURES / rest
    if kind == "example":
        return EXAMPLE
    return made[name]


def config_of(root: Path) -> Config:
    location = find_config([root])
    return load_config(location, [rule.id for rule in all_rules()]) if location else Config()


def located(root: Path, options: Options | None) -> list[Located]:
    config = config_of(root)
    result = check(analyse([root], config, options), config)
    return [
        (
            f.rule_id,
            f.path,
            f.span.start_line,
            f.span.start_col,
            f.message,
            f.suppressed,
            tuple(place.path for place in f.related),
        )
        for f in result.findings
    ]


@pytest.fixture
def parallel(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Worker processes even for the few files of a test project."""
    monkeypatch.setattr(run_workers, "PARALLEL_MIN_FILES", 0)
    monkeypatch.setattr(run_workers, "PARALLEL_MIN_SCAN_BYTES", 0)
    yield


# -- the findings do not change -------------------------------------------------------


@pytest.mark.parametrize("name", projects())
def test_prefilter_finds_the_same(name: str, made: dict[str, Path]) -> None:
    root = project_root(name, made)
    full = located(root, Options(prefilter=False))
    filtered = located(root, Options(prefilter=True))
    assert filtered == full
    if name.startswith("inline:") or name == "example:shop":
        assert full, "the project must have findings for this test to mean something"
        assert run_options.LAST_STATS.skipped > 0, "the prefilter must leave files unparsed"


def test_later_rounds_are_needed(made: dict[str, Path]) -> None:
    """The callers that decide MX201 are three imports away from anything Mixpanel."""
    root = made["inline:chain"]
    findings = located(root, Options(prefilter=True))
    stats = run_options.LAST_STATS
    assert stats.rounds >= 5
    assert stats.reasons["app/services.py"].startswith("imports (round")
    assert "app/utils.py" not in stats.reasons  # never parsed
    # `signup` is called only under a consent check (app/services.py): no MX201 there.
    assert [f[:3] for f in findings if f[0] == "MX201"] == [("MX201", "app/views.py", 9)]


def test_a_package_that_re_exports_its_client_is_parsed_in_the_first_round(
    made: dict[str, Path],
) -> None:
    """The feature modules import the client from ``shopapp/tracking/__init__.py``,
    which imports it from ``client.py``: parsed with them, it saves the round that
    would find it (and the round after, which finds the URL module importing the views)."""
    root = made["bench:app"]
    findings = located(root, Options(prefilter=True))
    stats = run_options.LAST_STATS
    assert stats.reasons["shopapp/tracking/__init__.py"] == "between selected files"
    assert stats.reasons["shopapp/urls.py"] == "imports (round 1)"
    assert stats.rounds == 2
    assert findings == located(root, Options(prefilter=False))


def test_needed_modules_are_followed(made: dict[str, Path]) -> None:
    """A secret and a pseudonymiser in modules that only the values' imports lead to."""
    root = made["inline:classes"]
    findings = located(root, Options(prefilter=True))
    rules = {(f[0], f[1]) for f in findings}
    assert ("MX403", "web/secrets.py") in rules
    assert ("MX106", "web/handlers.py") in rules
    assert run_options.LAST_STATS.reasons["web/privacy.py"].startswith("needed")


def test_only_what_the_rules_read_is_followed(made: dict[str, Path]) -> None:
    """The pseudonymiser and the helper behind a wrapper's arguments, the token of a
    GDPR request, the user behind a tracked e-mail and the packages the resolver goes
    through to the tracker are parsed; the loaders that the commands hand to ``run``
    in lambdas are not, nor a module that imports the tracker's module but uses none
    of its relevant names."""
    root = made["inline:commands"]
    findings = located(root, Options(prefilter=True))
    reasons = run_options.LAST_STATS.reasons
    assert findings == located(root, Options(prefilter=False))
    assert {(f[0], f[1]) for f in findings} >= {
        ("MX106", "toolkit/onboarding.py"),  # hashed_email() in toolkit/privacy.py
        ("MX403", "toolkit/gdpr/credentials.py"),  # the Authorization header of erase()
        # No caller of Tracker.command() checks consent (DeployCommand().run(...) in
        # cli.py among them): the one finding sits at its SDK call.
        ("MX201", "toolkit/tracker.py"),
    }
    for needed in ("toolkit/privacy.py", "toolkit/profiles.py", "toolkit/gdpr/credentials.py"):
        assert reasons[needed].startswith("needed"), needed
    # The tracker handed to Watcher() types its parameter: Watcher.changed() sends.
    assert reasons["toolkit/watcher.py"].startswith("needed")
    # The one MX201 of Tracker.command() counts the six call sites that reach it: the
    # commands', Watcher.changed()'s and those through the packages below.
    (command,) = (f for f in findings if f[0] == "MX201" and f[2] == 13)
    assert "none of the 6 call sites" in command[4] and "`Watcher.changed()`" in command[4]
    # The packages a chain of attributes goes through, to the tracker: its own
    # (toolkit.tracker.Tracker in a function) and a class attribute's
    # (toolkit.metrics.client.shared).
    assert reasons["toolkit/__init__.py"].startswith("needed")
    assert reasons["toolkit/metrics/__init__.py"].startswith("needed")
    assert "toolkit/notify.py" in command[6]
    # selftest.py's ping sends a constant id and constant properties: about no one.
    assert "toolkit/selftest.py" not in command[6]
    # A module imported whole is used only through the names written after it in the
    # code: toolkit/selftest.py writes toolkit.tracker.Tracker; toolkit/doctor.py only
    # tracker.anonymous_id, which reaches nothing; tests/test_settings.py names the
    # tracker in a string only. A re-export is a use when another module imports it
    # (toolkit/commands/__init__.py).
    assert reasons["toolkit/selftest.py"].startswith("imports")
    assert reasons["toolkit/commands/__init__.py"].startswith("imports")
    # toolkit/telemetry/__init__.py re-exports the tracker's module, which
    # toolkit/reporting.py imports from it: both are parsed, and the call is found.
    assert reasons["toolkit/telemetry/__init__.py"].startswith("imports")
    assert "toolkit/reporting.py" in command[6]
    for unread in (
        "toolkit/loaders.py",
        "toolkit/resources/__init__.py",
        "toolkit/doctor.py",
        "tests/test_settings.py",
    ):
        assert unread not in reasons, unread


@pytest.mark.parametrize("name", projects())
def test_one_or_two_jobs_find_the_same(name: str, made: dict[str, Path], parallel: None) -> None:
    root = project_root(name, made)
    for prefilter in (False, True):
        one = located(root, Options(jobs=1, prefilter=prefilter))
        two = located(root, Options(jobs=2, prefilter=prefilter))
        assert run_options.LAST_STATS.parallel
        assert two == one


@pytest.mark.parametrize("name", projects())
def test_cache_finds_the_same(name: str, made: dict[str, Path], tmp_path: Path) -> None:
    root = project_root(name, made)
    expected = located(root, Options())
    for prefilter in (False, True):
        cache = tmp_path / f"cache-{prefilter}"
        options = Options(cache=True, cache_dir=cache, prefilter=prefilter)
        assert located(root, options) == expected  # cold
        assert run_options.LAST_STATS.cached == 0
        assert located(root, options) == expected  # warm: nothing parsed again
        assert run_options.LAST_STATS.parsed == 0
        assert run_options.LAST_STATS.scanned == 0
        assert run_options.LAST_STATS.cached > 0


def test_few_changed_files_are_read_again_rather_than_the_manifest_rewritten(
    tmp_path: Path,
) -> None:
    """In a project of 40 files, one changed file: the prefilter's manifest is left as
    it is, so the file is read again by every run, until more have changed."""
    files = {
        f"app/helpers_{n:02}.py": f"def helper_{n}(x):\n    return x + {n}\n" for n in range(38)
    }
    files["app/__init__.py"] = ""
    files["app/views.py"] = 'from mixpanel import Mixpanel\n\nmp = Mixpanel("token")\n'
    root = write_project(tmp_path / "project", files)
    for path in root.rglob("*.py"):
        os.utime(path, ns=(1, 1))  # old enough for their stats to be trusted
    cache = tmp_path / "cache"
    options = Options(cache=True, cache_dir=cache, prefilter=True)
    expected = located(root, options)
    manifest = next((cache / f"v{SCHEMA}").glob("files-*"))
    written = manifest.read_bytes()
    helper = root / "app" / "helpers_07.py"
    for run in range(3):
        helper.write_text(f"def helper_7(x):\n    return x * {run}\n", encoding="utf-8")
        os.utime(helper, ns=(run + 2, run + 2))
        assert located(root, options) == expected
        assert run_options.LAST_STATS.scanned == 1
        assert manifest.read_bytes() == written
    # Two changed files of 40: rewriting the manifest costs less than reading them again.
    many = [root / "app" / f"helpers_{n:02}.py" for n in range(2)]
    for path in many:
        path.write_text(path.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
        os.utime(path, ns=(1, 1))
    assert located(root, options) == expected
    assert run_options.LAST_STATS.scanned == 3
    assert manifest.read_bytes() != written
    located(root, options)
    assert run_options.LAST_STATS.scanned == 0


def test_changed_file_is_analysed_again(made: dict[str, Path], tmp_path: Path) -> None:
    root = tmp_path / "chain"
    copy(made["inline:chain"], root)
    options = Options(cache=True, cache_dir=tmp_path / "cache", prefilter=True)
    located(root, options)
    views = root / "app" / "views.py"
    views.write_text(views.read_text().replace('"plan"', '"home_address"'), encoding="utf-8")
    os.utime(views, ns=(1, 1))  # an old mtime: the size and inode tell the change
    after = located(root, options)
    assert run_options.LAST_STATS.parsed == 1
    assert after == located(root, Options())
    assert any(f[0] == "MX101" and "home_address" in f[4] for f in after)


def test_what_candidates_refer_to_is_read_once(
    made: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The prefilter reads a candidate's code (CPython's syntax tree) to see whether it
    uses what it imports; the next run reuses that for every file whose content did
    not change: after a change to the tracker, only the tracker would be read again."""
    root = tmp_path / "commands"
    copy(made["inline:commands"], root)
    options = Options(cache=True, cache_dir=tmp_path / "cache", prefilter=True)
    located(root, options)
    tracker = root / "toolkit" / "tracker.py"
    tracker.write_text(tracker.read_text() + "\n# changed\n", encoding="utf-8")
    os.utime(tracker, ns=(1, 1))
    expected = located(root, Options(prefilter=True))
    read: list[str] = []
    real = References.of

    def spy(data: bytes) -> References | None:
        read.append(data.decode())
        return real(data)

    monkeypatch.setattr(References, "of", spy)
    assert located(root, options) == expected
    assert run_options.LAST_STATS.parsed == 1
    assert read == []  # the tracker is selected by its text, never read for its imports


def test_same_summaries_with_and_without_cache(tmp_path: Path) -> None:
    options = Options(cache=True, cache_dir=tmp_path / "cache")
    config = Config()
    fresh = analyse([EXAMPLE], config)
    analyse([EXAMPLE], config, options)
    cached = analyse([EXAMPLE], config, options)
    assert run_options.LAST_STATS.cached == len(fresh.modules) + len(fresh.problems)
    assert cached.modules == fresh.modules
    assert cached.calls == fresh.calls
    assert cached.problems == fresh.problems
    assert cached.files == fresh.files


# -- the cache --------------------------------------------------------------------------


def entries(cache: Path) -> list[Path]:
    return sorted(p for p in (cache / f"v{SCHEMA}").glob("??/*") if p.is_file())


def test_corrupt_and_foreign_entries_are_rebuilt(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    copy(EXAMPLE, root)
    cache = tmp_path / "cache"
    options = Options(cache=True, cache_dir=cache, prefilter=True)
    expected = located(root, Options())
    assert located(root, options) == expected
    found = entries(cache)
    assert len(found) >= 4
    good = found[0].read_bytes()
    found[0].write_bytes(good[: len(good) // 2])  # truncated
    found[1].write_bytes(b"garbage, not a cache entry")
    found[2].write_bytes(found[3].read_bytes())  # another file's entry: foreign key
    body = bytearray(found[3].read_bytes())
    body[-5] ^= 0xFF  # one flipped byte: the digest does not match
    found[3].write_bytes(bytes(body))
    for manifest in (cache / f"v{SCHEMA}").glob("files-*"):
        manifest.write_bytes(b"\x80\x04garbage")
    assert located(root, options) == expected
    assert run_options.LAST_STATS.parsed == 4
    # Rebuilt: the next run reads every summary from the cache again.
    assert located(root, options) == expected
    assert run_options.LAST_STATS.parsed == 0


def test_a_pickle_that_would_run_code_is_refused(tmp_path: Path) -> None:
    import pickle

    cache = Cache.open(tmp_path / "cache", Config())
    assert cache is not None
    key = cache.key("a.py", "a", False, "0" * 64)

    class Evil:
        def __reduce__(self) -> tuple[object, tuple[str]]:
            return (os.system, ("echo pwned",))

    cache.store(key, pickle.dumps((Evil(), None)))
    assert cache.load(key, "a.py") is None


def test_unwritable_cache_folder_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    options = Options(cache=True, cache_dir=blocker / "cache", prefilter=True)
    assert located(EXAMPLE, options) == located(EXAMPLE, Options())


def mixlint(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    code = "import sys; from mixlint.cli import main; sys.argv[0] = 'mixlint'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )


def report(process: subprocess.CompletedProcess[str]) -> list[tuple[str, str, int, int]]:
    assert process.returncode in (0, 1), process.stderr
    data = json.loads(process.stdout)
    return [(f["rule"], f["path"], f["start_line"], f["start_column"]) for f in data["findings"]]


def test_cache_folder_with_its_gitignore(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    copy(EXAMPLE, root)
    first = mixlint("check", ".", "--format", "json", cwd=root)
    second = mixlint("check", ".", "--format", "json", cwd=root)
    assert report(first) == report(second)
    assert first.stdout == second.stdout
    cache = root / ".mixlint_cache"
    assert (cache / ".gitignore").read_text(encoding="utf-8").strip().endswith("*")
    assert entries(cache)
    uncached = mixlint(
        "check", ".", "--format", "json", "--no-cache", "--no-prefilter", "--jobs", "1", cwd=root
    )
    assert uncached.stdout == first.stdout
    if shutil.which("git"):
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
        listed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        assert ".mixlint_cache" not in listed.stdout


def test_cache_dir_option(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    copy(EXAMPLE, root)
    elsewhere = tmp_path / "elsewhere"
    run = mixlint("check", ".", "--format", "json", "--cache-dir", str(elsewhere), cwd=root)
    assert report(run)
    assert (elsewhere / ".gitignore").is_file()
    assert not (root / ".mixlint_cache").exists()
    mixlint("check", ".", "--format", "json", "--no-cache", cwd=root)
    assert not (root / ".mixlint_cache").exists()
    from_env = tmp_path / "from-env"
    mixlint(
        "check",
        ".",
        "--format",
        "json",
        cwd=root,
        env={**os.environ, "MIXLINT_CACHE_DIR": str(from_env)},
    )
    assert (from_env / ".gitignore").is_file()
    assert not (root / ".mixlint_cache").exists()


def test_two_processes_share_one_cache(tmp_path: Path, made: dict[str, Path]) -> None:
    shop = tmp_path / "shop"
    copy(EXAMPLE, shop)
    chain = tmp_path / "chain"
    copy(made["inline:chain"], chain)
    cache = tmp_path / "shared-cache"
    expected = {
        root: mixlint("check", ".", "--format", "json", "--no-cache", cwd=root).stdout
        for root in (shop, chain)
    }
    code = "import sys; from mixlint.cli import main; sys.argv[0] = 'mixlint'; main()"
    for _ in range(2):  # cold, then warm
        processes = [
            (
                root,
                subprocess.Popen(
                    [
                        sys.executable,
                        "-c",
                        code,
                        "check",
                        ".",
                        "--format",
                        "json",
                        "--cache-dir",
                        str(cache),
                        "--jobs",
                        "2",
                    ],
                    cwd=root,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                ),
            )
            for root in (shop, shop, chain)
        ]
        for root, process in processes:
            out, err = process.communicate(timeout=300)
            assert process.returncode in (0, 1), err
            assert out == expected[root]


def test_unchanged_project_findings_come_from_the_cache(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    copy(EXAMPLE, root)
    options = Options(cache=True, prefilter=True)
    config = config_of(root)
    first = check_project([root], config, options)
    assert not run_options.LAST_STATS.memo
    again = check_project([root], config, options)
    assert run_options.LAST_STATS.memo
    assert again.findings == first.findings
    assert again.model.problems == first.model.problems
    assert again.model.files == first.model.files
    for finding in first.findings:
        if finding.path in first.lines:
            assert list(again.lines[finding.path]) == list(first.lines[finding.path])
    # Another configuration, a changed file: analysed again.
    check_project([root], Config(select={"MX101"}), options)
    assert not run_options.LAST_STATS.memo
    views = root / "orders" / "views.py"
    views.write_text(views.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    check_project([root], config, options)
    assert not run_options.LAST_STATS.memo
    check_project([root], config, options)
    assert run_options.LAST_STATS.memo


def test_a_file_that_starts_tracking_is_found_after_the_last_runs_files(
    made: dict[str, Path], tmp_path: Path
) -> None:
    """A run that starts from the files the last run parsed assembles its first model
    completely; a file that now imports a wrapper still takes a second round."""
    root = tmp_path / "chain"
    copy(made["inline:chain"], root)
    options = Options(cache=True, cache_dir=tmp_path / "cache", prefilter=True)
    located(root, options)
    assert "app/utils.py" not in run_options.LAST_STATS.reasons
    utils = root / "app" / "utils.py"
    utils.write_text(
        "from lib.events import emit\n\n\n"
        "def emit_log(request, message):\n"
        '    emit(request.user, "Logged", {"phone": request.user.phone})\n',
        encoding="utf-8",
    )
    after = located(root, options)
    stats = run_options.LAST_STATS
    assert stats.reasons["app/utils.py"] == "imports (round 1)"
    assert stats.rounds == 2
    assert after == located(root, Options(prefilter=False))
    assert ("MX101", "app/utils.py", 5) in {f[:3] for f in after}
    # Nothing changed: the last run's files are all there is, in one round.
    utils.touch()
    located(root, Options(cache=True, cache_dir=tmp_path / "cache", prefilter=True))
    assert run_options.LAST_STATS.rounds == 1


def test_a_run_on_some_files_reuses_the_last_whole_run(tmp_path: Path) -> None:
    """Changed files that the prefilter leaves unparsed: the findings of the last run
    on the whole project, for the files named. Changes that matter: analysed again."""
    root = tmp_path / "shop"
    copy(EXAMPLE, root)
    config = config_of(root)
    options = Options(cache=True, prefilter=True)
    check_project([root], config, options)
    named = [root / "accounts" / "views.py", root / "manage.py"]
    reused: list[bool] = []

    def subset() -> list[tuple[str, str, int, int, str]]:
        found = check_project(named, config, options).findings
        reused.append(run_options.LAST_STATS.memo)
        return [(f.rule_id, f.path, f.span.start_line, f.span.start_col, f.message) for f in found]

    def expected() -> list[tuple[str, str, int, int, str]]:
        found = check(analyse(named, config), config).findings
        return [(f.rule_id, f.path, f.span.start_line, f.span.start_col, f.message) for f in found]

    manage = root / "manage.py"
    manage.write_text(manage.read_text(encoding="utf-8") + "# unrelated\n", encoding="utf-8")
    assert subset() == expected()
    assert reused[-1]
    assert any(rule == "MX101" for rule, *_ in subset())
    # A suppression comment is something the prefilter reads: analysed again.
    manage.write_text(manage.read_text(encoding="utf-8") + "X = 1  # noqa: MX101\n", "utf-8")
    assert subset() == expected()
    assert not reused[-1]
    # A named file that does not parse is reported, even though it tracks nothing.
    manage.write_text("def main(:\n", encoding="utf-8")
    check_project([root], config, options)
    manage.write_text("def main(:\n    pass\n", encoding="utf-8")
    assert ("MX001", "manage.py") in {(rule, path) for rule, path, *_ in subset()}
    # A tracking module changed: analysed again.
    check_project([root], config, options)
    views = root / "accounts" / "views.py"
    views.write_text(views.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert subset() == expected()
    assert not reused[-1]


# -- start-up -----------------------------------------------------------------------------


def imported_after(args: list[str], cwd: Path) -> set[str]:
    code = textwrap.dedent(f"""
        import sys
        from mixlint.cli import main
        sys.argv = ["mixlint", *{args!r}]
        try:
            main()
        except SystemExit:
            pass
        print("MODULES", " ".join(sorted(sys.modules)), file=sys.stderr)
    """)
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    line = [row for row in done.stderr.splitlines() if row.startswith("MODULES ")]
    assert line, done.stderr
    return set(line[-1].split()[1:])


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["check", "--help"]])
def test_start_does_not_import_the_analysis(args: list[str], tmp_path: Path) -> None:
    modules = imported_after(args, tmp_path)
    assert "libcst" not in modules
    assert not {"mixlint.engine", "mixlint.project", "mixlint.parse", "mixlint.collect"} & modules


def test_a_run_served_from_the_cache_does_not_import_libcst(tmp_path: Path) -> None:
    root = tmp_path / "shop"
    copy(EXAMPLE, root)
    # One job: no early child parses for the run, so parsing would import libcst here.
    args = ["check", ".", "-o", os.devnull, "--jobs", "1"]
    assert "libcst" in imported_after(args, root)
    assert "libcst" not in imported_after(args, root)
    # A change to a file that tracks nothing: analysed again, still without libcst.
    manage = root / "manage.py"
    manage.write_text(manage.read_text(encoding="utf-8") + "# changed\n", encoding="utf-8")
    assert "libcst" not in imported_after(args, root)


# -- a file that takes too long -------------------------------------------------------------


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_over_the_time_limit_is_reported(
    jobs: int, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, parallel: None
) -> None:
    import mixlint.parse

    real = mixlint.parse.summarize_bytes

    def slow(data: bytes, relative: str, *args: object) -> object:
        if relative.endswith("slow.py"):
            while True:
                pass
        return real(data, relative, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(mixlint.parse, "summarize_bytes", slow)
    root = write_project(
        tmp_path / "project",
        {
            "slow.py": "from mixpanel import Mixpanel\n",
            "fast.py": "from mixpanel import Mixpanel\nmp = Mixpanel('t')\n",
        },
    )
    model = analyse([root], Config(), Options(jobs=jobs, timeout=0.5, prefilter=True))
    assert [(p.path, p.message) for p in model.problems] == [
        ("slow.py", "analysis timed out after 0.5s")
    ]
    assert "fast.py" in model.modules


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_summary_too_deep_to_pickle(jobs: int, tmp_path: Path, parallel: None) -> None:
    """Thousands of chained assignments: the summary is made in-process, not cached."""
    body = "\n".join(
        [
            "def f(user):",
            "    x = 0",
            *["    x = x + 1"] * 3000,
            '    mp.track(x, "Event", {"value": x})',
        ]
    )
    root = write_project(
        tmp_path / "p",
        {
            "deep.py": f"from mixpanel import Mixpanel\nmp = Mixpanel('t')\n{body}\n",
            "other.py": "from mixpanel import Mixpanel\nclient = Mixpanel('t')\n",
        },
    )
    expected = located(root, Options())
    options = Options(jobs=jobs, cache=True, cache_dir=tmp_path / "cache", prefilter=True)
    assert located(root, options) == expected
    assert located(root, options) == expected
    assert any(rule == "MX201" and path == "deep.py" for rule, path, *_ in expected)


# -- the pieces -------------------------------------------------------------------------------


def test_import_statements_are_read_from_the_text() -> None:
    text = textwrap.dedent("""
        import os, a.b as c
        from . import x
        from ..pkg.mod import (
            one,  # a comment (with parentheses)
            two as deux,
        )
        from pkg \\
            import three
        if TYPE_CHECKING: from typing_mod import Four
        x = 1; import five
        from.six import seven
        from star import *
        reimport = "import nothing"
        print("from the import of old")
    """)
    found = set(imports(text))
    assert {
        (0, "os", None),
        (0, "a.b", None),
        (1, "", ("x",)),
        (2, "pkg.mod", ("one", "two")),
        (0, "pkg", ("three",)),
        (0, "typing_mod", ("Four",)),
        (0, "five", None),
        (1, "six", ("seven",)),
        (0, "star", ("*",)),
    } <= found


@pytest.mark.parametrize(
    ("source", "flags"),
    [
        ("from mixpanel import Mixpanel\n", STRONG),
        ("MIXPANEL_TOKEN = 'x'\n", STRONG),
        ("def f(mp):\n    mp.track('id', 'event')\n", STRONG),
        ("def f(mp):\n    return mp\n", 0),
        ("import multiprocessing as mp\npool = mp.Pool()\n", 0),
        ("URL = '/api/app/data-deletions/v3.0'\n", DATA),
        ("def forget(u, c):\n    c.people_delete(u)\n", DATA),
        ("x = 1  # noqa: MX101\n", COMMENT),
        ("x = 1  # noqa: E501\n", 0),
        ("print 'hello'\n", SNIFF),
        ("def f():\n    '''\n    print the value\n    '''\n", 0),
        ("<<<<<<< HEAD\nx = 1\n=======\nx = 2\n>>>>>>> branch\n", SNIFF),
        ("x = 1\x00\n", SNIFF),
        ("# -*- coding: latin-1 -*-\nname = 'caf\xe9'\n", 0),
        ("print('fine')\n", 0),
    ],
)
def test_what_the_text_says(source: str, flags: int) -> None:
    data = source.encode("latin-1")
    assert Scanner(load_sdk().methods).scan(data).flags == flags


# What PathNames answers, asked of the file system directly (one question per path).
def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        try:
            return path.relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()


def module_name(path: Path, root: Path) -> ModuleName:
    parts = [path.stem] if path.name != "__init__.py" else []
    folder = path.parent
    while (folder / "__init__.py").exists() and folder != root.parent:
        parts.insert(0, folder.name)
        if folder == root:
            break
        folder = folder.parent
    return ModuleName(".".join(parts), path.name == "__init__.py")


def test_path_names_are_those_of_the_project_module(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {
            "pkg/__init__.py": "",
            "pkg/sub/__init__.py": "",
            "pkg/sub/mod.py": "",
            "scripts/tool.py": "",
            "top.py": "",
        },
    )
    (root / "linked").symlink_to(root / "pkg" / "sub", target_is_directory=True)
    (root / "alias.py").symlink_to(root / "top.py")
    files = [p for p in sorted(root.rglob("*.py"))]
    files.append(root / "linked" / "mod.py")
    names = PathNames(root.resolve())
    for path in files:
        assert names.relative(path) == _relative(path, root.resolve())
        assert names.module_name(path) == module_name(path, root.resolve())


def test_named_broken_file_is_reported_with_the_prefilter(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"example.py": "def signup(request:\n    return 1\n"})
    model = analyse([root / "example.py"], Config(), Options(prefilter=True))
    assert [p.path for p in model.problems] == ["example.py"]
