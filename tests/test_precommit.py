"""The pre-commit hook (.pre-commit-hooks.yaml), run by the real pre-commit.

pre-commit installs the hook from a git repository at a commit. ``try-repo``
on this checkout itself would see only what is committed plus changes to
tracked files (``git add -u``): new files that are not committed yet would be
missing. So the tests commit a snapshot of the working tree (tracked and
untracked files, minus what ``.gitignore`` ignores) to a repository of their
own and point pre-commit at that.

pre-commit builds the hook's virtualenv and pip-installs mixlint from PyPI
packages: this needs the network. Every cache (pre-commit's store, pip,
virtualenv) lives under pytest's temporary directory, never in ``~/.cache``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
HOOKS = REPO / ".pre-commit-hooks.yaml"
DOCS = REPO / "README.md"

# Git variables that a surrounding git hook or the user's setup may set and that
# would make git act on another repository (the list pre-commit itself keeps).
_GIT_KEEP = frozenset({
    "GIT_EXEC_PATH", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_SSL_CAINFO", "GIT_SSL_NO_VERIFY",
    "GIT_HTTP_PROXY_AUTHMETHOD", "GIT_ALLOW_PROTOCOL", "GIT_ASKPASS",
})  # fmt: skip
_IGNORED_WITHOUT_GIT = shutil.ignore_patterns(
    ".git", "__pycache__", "*.pyc", "*.egg-info", "build", "dist", ".venv", ".*_cache",
    ".hypothesis", ".mixlint_cache",
)  # fmt: skip

VIOLATING = """\
from flask import Flask, request
from mixpanel import Mixpanel

app = Flask(__name__)
mp = Mixpanel("tok")


@app.post("/signup")
def signup():
    user = create_user(request.form)
    mp.track(user.email, "Signed Up", {"email": user.email})
    return "ok"
"""

# The same view fixed for real: tracked only with consent, under a keyed
# pseudonym instead of the e-mail address, no personal data in the properties,
# sent to Mixpanel's EU host.
FIXED = """\
import hashlib
import hmac
import os

from flask import Flask, request
from mixpanel import Consumer, Mixpanel

app = Flask(__name__)
mp = Mixpanel(os.environ["MIXPANEL_TOKEN"], consumer=Consumer(api_host="api-eu.mixpanel.com"))
PSEUDONYM_KEY = os.environ["PSEUDONYM_KEY"].encode()


def pseudonym(user_id):
    return hmac.new(PSEUDONYM_KEY, str(user_id).encode(), hashlib.sha256).hexdigest()


def has_analytics_consent(user):
    return bool(user.analytics_consent)


@app.post("/signup")
def signup():
    user = create_user(request.form)
    if has_analytics_consent(user):
        mp.track(pseudonym(user.pk), "Signed Up", {"plan": user.plan})
    return "ok"
"""


def git(*args: str, cwd: Path, env: dict[str, str]) -> str:
    process = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert process.returncode == 0, f"git {' '.join(args)}: {process.stderr}"
    return process.stdout


def init_repo(path: Path, env: dict[str, str]) -> None:
    path.mkdir(parents=True, exist_ok=True)
    git("init", "--quiet", ".", cwd=path, env=env)
    git("config", "user.email", "tests@mixlint.invalid", cwd=path, env=env)
    git("config", "user.name", "mixlint tests", cwd=path, env=env)
    git("config", "commit.gpgsign", "false", cwd=path, env=env)


@pytest.fixture(scope="session")
def precommit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of every git and pre-commit command of these tests."""
    home = tmp_path_factory.mktemp("pre-commit-home")
    git_config = home / "gitconfig"
    git_config.write_text("", encoding="utf-8")
    env = {
        key: value
        for key, value in os.environ.items()
        if not (key.startswith("GIT_") and key not in _GIT_KEEP)
        and not key.startswith("PRE_COMMIT")
        and key not in ("SKIP", "PYTHONPATH")  # hooks to skip; code outside the hook's env
    }
    env.update(
        PRE_COMMIT_HOME=str(home / "pre-commit"),
        PRE_COMMIT_COLOR="never",
        PIP_CACHE_DIR=str(home / "pip"),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        XDG_CACHE_HOME=str(home / "cache"),
        VIRTUALENV_OVERRIDE_APP_DATA=str(home / "virtualenv"),
        # The user's git configuration (templates, hooks, signing) stays out.
        GIT_CONFIG_GLOBAL=str(git_config),
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


@pytest.fixture(scope="session")
def hook_repo(
    tmp_path_factory: pytest.TempPathFactory, precommit_env: dict[str, str]
) -> tuple[Path, str]:
    """This checkout's working tree committed to a repository of its own: (path, commit)."""
    snapshot = tmp_path_factory.mktemp("hook-repo") / "mixlint"
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO, env=precommit_env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if listing.returncode == 0 and listing.stdout:
        for name in listing.stdout.split("\0"):
            source = REPO / name
            if name and source.is_file():  # a tracked file may be deleted
                target = snapshot / name
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
    else:  # not a git checkout (an unpacked sdist)
        shutil.copytree(REPO, snapshot, ignore=_IGNORED_WITHOUT_GIT)
    assert (snapshot / ".pre-commit-hooks.yaml").is_file()
    init_repo(snapshot, precommit_env)
    git("add", "--all", ".", cwd=snapshot, env=precommit_env)
    git("commit", "--quiet", "--no-verify", "-m", "snapshot", cwd=snapshot, env=precommit_env)
    return snapshot, git("rev-parse", "HEAD", cwd=snapshot, env=precommit_env).strip()


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color=never"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip


def test_hook_manifest_is_valid() -> None:
    hooks = yaml.safe_load(HOOKS.read_text(encoding="utf-8"))
    assert [hook["id"] for hook in hooks] == ["mixlint"]
    hook = hooks[0]
    assert hook["entry"] == "mixlint check"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook["require_serial"] is True
    # check-jsonschema has no builtin schema for hook manifests; pre-commit's
    # own validator is the reference (offline).
    process = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(HOOKS)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr


def test_docs_config_snippet_is_valid(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(# \.pre-commit-config\.yaml\n.*?)```", text, re.DOTALL)
    assert blocks, "README.md shows a .pre-commit-config.yaml"
    config = tmp_path / ".pre-commit-config.yaml"
    config.write_text(blocks[0], encoding="utf-8")
    hooks = yaml.safe_load(blocks[0])["repos"][0]["hooks"]
    assert [hook["id"] for hook in hooks] == ["mixlint"]
    process = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(config)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr


@pytest.fixture
def violating_project(tmp_path: Path, precommit_env: dict[str, str]) -> Path:
    """A git repository with VIOLATING staged as app.py."""
    project = tmp_path / "project"
    init_repo(project, precommit_env)
    (project / "app.py").write_text(VIOLATING, encoding="utf-8")
    git("add", "app.py", cwd=project, env=precommit_env)
    return project


# Long: it builds a second hook environment (5 s of CPU, and downloads) to run the
# same hook as the test below, through pre-commit's own way of trying a repository.
@pytest.mark.long
def test_try_repo_fails_on_a_violation(
    violating_project: Path, precommit_env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    hook_path, _ = hook_repo
    # pre-commit try-repo: the way to try a hook repository (it builds the
    # hook's environment in a store of its own, thrown away afterwards).
    tried = pre_commit("try-repo", str(hook_path), "mixlint", "--all-files",
                       cwd=violating_project, env=precommit_env)  # fmt: skip
    output = tried.stdout + tried.stderr
    assert tried.returncode == 1, output
    assert re.search(r"^mixlint\.+Failed$", output, re.MULTILINE), output
    assert re.search(r"app\.py:\d+.*\bMX\d{3}\b", output), output


def test_hook_fails_on_a_violation_and_passes_once_fixed(
    violating_project: Path, precommit_env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    hook_path, commit = hook_repo
    project = violating_project
    # A .pre-commit-config.yaml as users write it (README.md), at
    # this snapshot; `args` reach `mixlint check` before the file names. Its
    # environment is built once in PRE_COMMIT_HOME and reused by both runs.
    config = {
        "repos": [
            {
                "repo": str(hook_path),
                "rev": commit,
                "hooks": [{"id": "mixlint", "args": ["--fail-on", "warning"]}],
            }
        ]
    }
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    git("add", ".pre-commit-config.yaml", cwd=project, env=precommit_env)
    failed = pre_commit("run", "--all-files", cwd=project, env=precommit_env)
    output = failed.stdout + failed.stderr
    assert failed.returncode == 1, output
    assert re.search(r"app\.py:\d+.*\bMX\d{3}\b", output), output

    (project / "app.py").write_text(FIXED, encoding="utf-8")
    git("add", "app.py", cwd=project, env=precommit_env)
    passed = pre_commit("run", "--all-files", cwd=project, env=precommit_env)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert re.search(r"^mixlint\.+Passed$", output, re.MULTILINE), output


def test_hook_test_sources_parse() -> None:
    # A syntax error would be reported as MX001 and the "fixed" run would fail
    # for the wrong reason.
    for source in (VIOLATING, FIXED):
        compile(source, "app.py", "exec")
