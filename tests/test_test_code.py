"""Test code: no call site for consent, no findings but MX403 unless asked for, and
marked as such in the inventory.

Tests exercise the tracking with mocks and fake users: what they "send" reaches no one,
so their findings are noise, and a wrapper called only from tests is called by nothing
in production. A real secret in a test file leaks all the same (MX403).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mixlint.cli import main
from mixlint.config import Config, ConfigError, load_config
from tests.helpers import findings_of, run, write_project

PROJECT = {
    "app/__init__.py": "",
    "app/analytics.py": """
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05",
                      consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def has_analytics_consent(user):
            return user.is_authenticated and user.profile.analytics_consent


        def track_signup(user, plan):
            mp.track(str(user.pk), "Signed Up", {"plan": plan})
        """,
    "app/views.py": """
        from app.analytics import has_analytics_consent, track_signup


        def signup(request, plan):
            user = request.user
            if has_analytics_consent(user):
                track_signup(user, plan)
        """,
    "app/jobs.py": """
        from app.analytics import mp


        def nightly_profile_sync(user):
            mp.people_set(str(user.pk), {"plan": user.plan})
        """,
    "tests/__init__.py": "",
    "tests/test_analytics.py": """
        import os

        from app.analytics import mp, track_signup


        def test_signup_is_tracked(user):
            track_signup(user, "pro")


        def test_import(user):
            mp.track(user.email, "Imported", {"email": user.email})
            mp.import_data(
                os.environ["MIXPANEL_API_KEY"],
                [],
                api_secret="9c1e7a2b4d5f6e8a0b3c5d7e9f1a2b4c",
            )
        """,
    "tests/unit/test_jobs.py": """
        from app.jobs import nightly_profile_sync


        def test_sync(user):
            nightly_profile_sync(user)
        """,
    "conftest.py": """
        import pytest

        from app.analytics import mp


        @pytest.fixture
        def tracked(user):
            mp.track(user.email, "Fixture Used")
        """,
    "smoke_test.py": """
        from app.analytics import mp

        mp.track("qa@example.com", "Smoke", {"phone": "+49 30 1234567"})
        """,
    "shop/__init__.py": "",
    "shop/tests.py": """
        from django.test import TestCase

        from app.analytics import mp


        class ShopTests(TestCase):
            def test_checkout(self):
                mp.track(self.user.email, "Checkout")
        """,
}


def found(root: Path, config: Config | None = None, paths: list[Path] | None = None) -> list:
    return [
        (f.rule_id, f.path, f.span.start_line)
        for f in findings_of(run(root, config or Config(), paths))
    ]


# What a default run reports: production code only, and the secret in a test.
DEFAULT = [
    # Called only from tests: nothing in production calls it, so it checks consent itself.
    ("MX201", "app/jobs.py", 5),
    ("MX501", "app/jobs.py", 5),
    ("MX403", "tests/test_analytics.py", 15),
]


def test_test_code_gets_only_mx403_and_is_no_call_site(tmp_path: Path) -> None:
    root = write_project(tmp_path, PROJECT)
    result = run(root)
    assert found(root) == DEFAULT
    (consent,) = findings_of(result, "MX201")
    assert "`nightly_profile_sync()` is called only from test code in the project" in (
        consent.message
    )
    # The test's unguarded call of track_signup() does not make the wrapper unguarded.
    (signup,) = [call for call in result.model.calls if call.path == "app/analytics.py"]
    assert signup.guarded
    assert signup.guard_reason == "every call site of track_signup is guarded"


def test_include_tests_reports_test_code_but_never_as_consent(tmp_path: Path) -> None:
    root = write_project(tmp_path, PROJECT)
    assert found(root, Config(include_tests=True)) == [
        ("MX201", "app/jobs.py", 5),
        ("MX501", "app/jobs.py", 5),
        ("MX103", "conftest.py", 8),
        ("MX103", "shop/tests.py", 8),
        ("MX103", "smoke_test.py", 3),
        ("MX101", "smoke_test.py", 3),
        ("MX103", "tests/test_analytics.py", 11),
        ("MX101", "tests/test_analytics.py", 11),
        ("MX403", "tests/test_analytics.py", 15),
    ]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_a_test_file_named_on_the_command_line_is_still_test_code(tmp_path: Path) -> None:
    """As pre-commit runs it (`mixlint check tests/test_analytics.py`): what a full run
    reports for the file (ruff's --force-exclude, which its pre-commit hook always
    passes, makes the same choice), and everything with --include-tests."""
    root = write_project(tmp_path, PROJECT)
    named = root / "tests" / "test_analytics.py"
    code, out, _ = invoke("check", str(named), "--no-cache", "--format", "json")
    assert code == 1
    assert [(f["rule"], f["path"], f["start_line"]) for f in json.loads(out)["findings"]] == [
        ("MX403", "tests/test_analytics.py", 15)
    ]
    code, out, _ = invoke("check", str(named), "--no-cache", "--format", "json", "--include-tests")
    assert [(f["rule"], f["start_line"]) for f in json.loads(out)["findings"]] == [
        ("MX103", 11),
        ("MX101", 11),
        ("MX403", 15),
    ]


def test_test_paths_and_include_tests_from_the_configuration(tmp_path: Path) -> None:
    files = dict(PROJECT)
    files["pyproject.toml"] = '[tool.mixlint]\ntest-paths = ["tests", "qa"]\ninclude-tests = true\n'
    root = write_project(tmp_path, files)
    (root / "pyproject.toml").write_text(files["pyproject.toml"], encoding="utf-8")
    code, out, _ = invoke("check", str(root), "--no-cache", "--format", "json")
    assert code == 1
    reported = {f["path"] for f in json.loads(out)["findings"]}
    assert reported == {
        "app/jobs.py",
        "conftest.py",
        "shop/tests.py",
        "smoke_test.py",
        "tests/test_analytics.py",
    }
    # --no-include-tests wins over the configuration; conftest.py, smoke_test.py and
    # shop/tests.py are not test code under these test-paths.
    code, out, _ = invoke(
        "check", str(root), "--no-cache", "--format", "json", "--no-include-tests"
    )
    assert code == 1
    assert [(f["rule"], f["path"], f["start_line"]) for f in json.loads(out)["findings"]] == [
        ("MX201", "app/jobs.py", 5),
        ("MX501", "app/jobs.py", 5),
        ("MX201", "conftest.py", 8),
        ("MX103", "conftest.py", 8),
        ("MX201", "shop/tests.py", 8),
        ("MX103", "shop/tests.py", 8),
        ("MX201", "smoke_test.py", 3),
        ("MX103", "smoke_test.py", 3),
        ("MX101", "smoke_test.py", 3),
        ("MX403", "tests/test_analytics.py", 15),
    ]


def test_the_inventory_lists_test_code_marked_as_such(tmp_path: Path) -> None:
    root = write_project(tmp_path, PROJECT)
    code, out, _ = invoke("inventory", str(root), "--no-cache", "--format", "json")
    assert code == 0
    calls = json.loads(out)["calls"]
    assert [(c["path"], c["line"], c["kind"], c["test_code"]) for c in calls] == [
        ("app/analytics.py", 12, "sdk", False),
        ("app/jobs.py", 5, "sdk", False),
        ("app/views.py", 7, "wrapper", False),
        ("conftest.py", 8, "sdk", True),
        ("shop/tests.py", 8, "sdk", True),
        ("smoke_test.py", 3, "sdk", True),
        ("tests/test_analytics.py", 7, "wrapper", True),
        ("tests/test_analytics.py", 11, "sdk", True),
        ("tests/test_analytics.py", 12, "sdk", True),
        ("tests/unit/test_jobs.py", 5, "wrapper", True),
    ]
    code, out, _ = invoke("inventory", str(root), "--no-cache", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {(row["path"], row["test_code"]) for row in rows} == {
        ("app/analytics.py", "false"),
        ("app/jobs.py", "false"),
        ("app/views.py", "false"),
        ("conftest.py", "true"),
        ("shop/tests.py", "true"),
        ("smoke_test.py", "true"),
        ("tests/test_analytics.py", "true"),
        ("tests/unit/test_jobs.py", "true"),
    }
    code, out, _ = invoke("inventory", str(root), "--no-cache", "--format", "markdown")
    assert (
        "Of these, 7 calls are in test code, marked “(test code)”: they show what the tests "
        "send, not what the application sends."
    ) in out
    assert (
        "Sent from `app/analytics.py:12`, `app/views.py:7`, `tests/test_analytics.py:7` "
        "(test code). Consent checked before sending: 2 of 3 calls."
    ) in out


@pytest.mark.parametrize(
    ("path", "is_test"),
    [
        ("tests/test_views.py", True),
        ("tests/helpers.py", True),  # anything under a tests folder
        ("src/app/tests/factories.py", True),
        ("test/fixtures.py", True),
        ("app/test_utils.py", True),
        ("app/views_test.py", True),
        ("conftest.py", True),
        ("shop/tests.py", True),  # Django's tests module
        ("app/testing.py", False),
        ("app/contest.py", False),
        ("tests_smoke/helpers.py", False),  # a folder of another name: see test-paths
        ("app/attestation.py", False),
    ],
)
def test_default_test_paths(path: str, is_test: bool) -> None:
    assert Config().is_test_code(path) is is_test


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "test-paths = 'tests'",
            "pyproject.toml: [tool.mixlint] key 'test-paths': expected a list of globs, "
            "got 'tests'",
        ),
        (
            "include-tests = 'yes'",
            "pyproject.toml: [tool.mixlint] key 'include-tests': expected true or false, got 'yes'",
        ),
        (
            "include_tests = true",
            "pyproject.toml: [tool.mixlint] unknown key 'include_tests' (did you mean "
            "'include-tests'?)",
        ),
    ],
)
def test_bad_test_code_settings_are_one_line_errors(
    tmp_path: Path, body: str, message: str
) -> None:
    config_file = tmp_path / "pyproject.toml"
    config_file.write_text(f"[tool.mixlint]\n{body}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(config_file, {"MX201", "MX403"})
    assert str(error.value).endswith(message)
