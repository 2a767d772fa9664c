"""Configuration files: discovery, complete values, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from mixlint.config import (
    DEFAULT_CONSENT_PATTERN,
    Config,
    ConfigError,
    ConsentConfig,
    WrapperDecl,
    apply_overrides,
    expand_selector,
    find_config,
    load_config,
    path_matches,
)
from mixlint.model import Level

KNOWN = frozenset(
    {
        "MX001",
        "MX002",
        "MX101",
        "MX102",
        "MX103",
        "MX104",
        "MX105",
        "MX106",
        "MX201",
        "MX301",
        "MX302",
        "MX401",
        "MX402",
        "MX403",
        "MX501",
    }
)
MX1 = {"MX101", "MX102", "MX103", "MX104", "MX105", "MX106"}

FULL_PYPROJECT = """\
[project]
name = "shop"

[tool.mixlint]
select = ["MX1", "MX201"]
extend-select = ["MX402"]
ignore = ["MX105"]
fail-on = "error"
exclude = ["build/**"]
extend-exclude = ["legacy/*.py"]
pseudonymizers = ["app.privacy.scramble"]
residency = "eu"
baseline = "ci/mixlint-baseline.json"
test-paths = ["tests", "test_*.py", "qa/**"]
include-tests = true

[tool.mixlint.per-file-ignores]
"tests/**" = ["MX1", "MX201"]
"**/migrations/*.py" = ["ALL"]

[tool.mixlint.severity]
MX1 = "warning"
MX101 = "error"
MX501 = "off"

[tool.mixlint.consent]
pattern = "(?i)user_agreed"
opt-out-pattern = "(?i)declined"
predicates = ["app.privacy.may_track"]
decorators = ["app.privacy.needs_consent"]

[tool.mixlint.personal-data]
extra-words = { email = ["correo"], phone = ["handy", "mobil"] }
allow-keys = ["email_domain_hash"]

[[tool.mixlint.wrappers]]
function = "app.analytics.track_event"
event = "name"
distinct-id = "user_id"
properties = "props"

[[tool.mixlint.wrappers]]
function = "app.analytics.identify"
"""

FULL_YAML = """\
select: [MX1, MX201]
extend-select: [MX402]
ignore: [MX105]
fail-on: error
exclude: ["build/**"]
extend-exclude: ["legacy/*.py"]
pseudonymizers: [app.privacy.scramble]
residency: eu
baseline: ci/mixlint-baseline.json
test-paths: [tests, "test_*.py", "qa/**"]
include-tests: true
wrappers:
  - function: app.analytics.track_event
    event: name
    distinct-id: user_id
    properties: props
  - function: app.analytics.identify
per-file-ignores:
  "tests/**": [MX1, MX201]
  "**/migrations/*.py": [ALL]
severity:
  MX1: warning
  MX101: error
  MX501: off
consent:
  pattern: (?i)user_agreed
  opt-out-pattern: (?i)declined
  predicates: [app.privacy.may_track]
  decorators: [app.privacy.needs_consent]
personal-data:
  extra-words:
    email: [correo]
    phone: [handy, mobil]
  allow-keys: [email_domain_hash]
"""


def expected_full(config_file: Path) -> Config:
    root = config_file.parent.resolve()
    return Config(
        select=MX1 | {"MX201"},
        extend_select={"MX402"},
        ignore={"MX105"},
        per_file_ignores={"tests/**": MX1 | {"MX201"}, "**/migrations/*.py": set(KNOWN)},
        severity={
            "MX101": Level.ERROR,
            "MX102": Level.WARNING,
            "MX103": Level.WARNING,
            "MX104": Level.WARNING,
            "MX105": Level.WARNING,
            "MX106": Level.WARNING,
            "MX501": "off",
        },
        fail_on=Level.ERROR,
        exclude=["build/**"],
        extend_exclude=["legacy/*.py"],
        test_paths=["tests", "test_*.py", "qa/**"],
        include_tests=True,
        consent=ConsentConfig(
            pattern="(?i)user_agreed",
            opt_out_pattern="(?i)declined",
            predicates=["app.privacy.may_track"],
            decorators=["app.privacy.needs_consent"],
        ),
        pseudonymizers=["app.privacy.scramble"],
        extra_words={"email": ["correo"], "phone": ["handy", "mobil"]},
        allow_keys=["email_domain_hash"],
        wrappers=[
            WrapperDecl(
                function="app.analytics.track_event",
                event="name",
                distinct_id="user_id",
                properties="props",
            ),
            WrapperDecl(function="app.analytics.identify"),
        ],
        residency="eu",
        baseline=str(root / "ci" / "mixlint-baseline.json"),
        source=str(config_file),
        root=str(root),
        known_rules=KNOWN,
    )


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path, KNOWN)
    return str(caught.value)


# --------------------------------------------------------------------------- values


def test_no_file_gives_defaults() -> None:
    config = load_config(None, KNOWN)
    assert config == Config(known_rules=KNOWN)
    assert config.fail_on is Level.WARNING
    assert config.consent.pattern == DEFAULT_CONSENT_PATTERN


def test_pyproject_complete_values(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", FULL_PYPROJECT)
    assert load_config(path, KNOWN) == expected_full(path)


def test_yaml_complete_values_match_toml(tmp_path: Path) -> None:
    path = write(tmp_path / ".mixlint.yaml", FULL_YAML)
    assert load_config(path, KNOWN) == expected_full(path)


def test_pyproject_without_table_gives_defaults_with_source(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert load_config(path, KNOWN) == Config(
        source=str(path), root=str(tmp_path.resolve()), known_rules=KNOWN
    )


def test_empty_yaml_gives_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / "mixlint.yaml", "# nothing yet\n")
    assert load_config(path, KNOWN) == Config(
        source=str(path), root=str(tmp_path.resolve()), known_rules=KNOWN
    )


def test_yaml_off_and_no_stay_strings(tmp_path: Path) -> None:
    # YAML 1.1 would read `off` as false; severity must still get "off".
    path = write(tmp_path / ".mixlint.yml", "severity:\n  MX402: off\n  MX2: Note\n")
    config = load_config(path, KNOWN)
    assert config.severity == {"MX402": "off", "MX201": Level.NOTE}


def test_selectors_are_case_insensitive_and_all_expands(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml", '[tool.mixlint]\nselect = ["all"]\nignore = ["mx4"]\n'
    )
    config = load_config(path, KNOWN)
    assert config.select == set(KNOWN)
    assert config.ignore == {"MX401", "MX402", "MX403"}


def test_baseline_is_resolved_against_the_config_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "proj" / "pyproject.toml", '[tool.mixlint]\nbaseline = "../b.json"\n')
    monkeypatch.chdir(tmp_path)
    assert load_config(Path("proj/pyproject.toml"), KNOWN).baseline == str(
        (tmp_path / "b.json").resolve()
    )
    assert load_config(path, KNOWN).root == str((tmp_path / "proj").resolve())


def test_other_toml_file_uses_top_level_keys(tmp_path: Path) -> None:
    path = write(tmp_path / "mixlint.toml", 'fail-on = "never"\n')
    assert load_config(path, KNOWN).fail_on == "never"


# --------------------------------------------------------------------------- discovery


def test_find_config_walks_up_nearest_first(tmp_path: Path) -> None:
    top = write(tmp_path / "pyproject.toml", "[tool.mixlint]\n")
    write(tmp_path / "pkg" / "pyproject.toml", '[project]\nname = "no mixlint table"\n')
    source = write(tmp_path / "pkg" / "sub" / "mod.py", "")
    assert find_config([source]) == top.absolute()
    assert find_config([source.parent]) == top.absolute()

    nearer = write(tmp_path / "pkg" / ".mixlint.yaml", "fail-on: error\n")
    assert find_config([source]) == nearer.absolute()


def test_find_config_prefers_dedicated_file_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.mixlint]\n")
    yml = write(tmp_path / ".mixlint.yml", "")
    assert find_config([tmp_path]) == yml.absolute()


def test_find_config_first_path_wins(tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "mixlint.yaml", "")
    write(tmp_path / "b" / ".mixlint.yaml", "")
    assert find_config([tmp_path / "a", tmp_path / "b"]) == first.absolute()


def test_find_config_picks_broken_pyproject_meant_for_mixlint(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.mixlint]\nselect = ["MX1"\n')
    assert find_config([tmp_path]) == path.absolute()


def test_find_config_nothing(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.ruff]\nline-length = 100\n")
    found = find_config([tmp_path / "src"])
    # Only something above tmp_path (never expected on a test machine) may be found.
    assert found is None or tmp_path not in found.parents


# --------------------------------------------------------------------------- errors


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def pyproject_error(root: Path, body: str) -> str:
    return load_error(write(root / "pyproject.toml", "[tool.mixlint]\n" + body))


def yaml_error(root: Path, body: str) -> str:
    return load_error(write(root / ".mixlint.yaml", body))


def test_invalid_toml_names_the_line(in_tmp: Path) -> None:
    assert pyproject_error(in_tmp, 'select = ["MX101"\nfail-on = "error"\n') == (
        "pyproject.toml: not valid TOML (line 3, column 1): Unclosed array"
    )
    assert pyproject_error(in_tmp, "fail-on = \n") == (
        "pyproject.toml: not valid TOML (line 2, column 11): Invalid value"
    )


def test_invalid_yaml_names_the_line(in_tmp: Path) -> None:
    assert yaml_error(in_tmp, "fail-on: error\nselect: [MX101\nignore: []\n") == (
        ".mixlint.yaml: not valid YAML (line 3, column 7): expected ',' or ']', but got ':'"
    )
    assert yaml_error(in_tmp, "fail-on: error\nfail-on: note\n") == (
        ".mixlint.yaml: not valid YAML (line 2, column 1): found duplicate key 'fail-on'"
    )


def test_unknown_key_suggests(in_tmp: Path) -> None:
    assert pyproject_error(in_tmp, 'fail_on = "error"\n') == (
        "pyproject.toml: [tool.mixlint] unknown key 'fail_on' (did you mean 'fail-on'?)"
    )
    assert pyproject_error(in_tmp, 'selct = ["MX1"]\n') == (
        "pyproject.toml: [tool.mixlint] unknown key 'selct' (did you mean 'select'?)"
    )
    assert (
        pyproject_error(in_tmp, "zzz = 1\n") == "pyproject.toml: [tool.mixlint] unknown key 'zzz'"
    )
    assert yaml_error(in_tmp, "consent:\n  patern: x\n") == (
        ".mixlint.yaml: unknown key 'consent.patern' (did you mean 'pattern'?)"
    )
    assert yaml_error(in_tmp, "consent:\n  zzz: x\n") == (
        ".mixlint.yaml: unknown key 'consent.zzz' "
        "(expected one of pattern, opt-out-pattern, predicates, decorators)"
    )


def test_wrong_types(in_tmp: Path) -> None:
    assert pyproject_error(in_tmp, 'fail-on = "sometimes"\n') == (
        "pyproject.toml: [tool.mixlint] key 'fail-on': "
        "expected one of error, warning, note, never, got 'sometimes'"
    )
    assert pyproject_error(in_tmp, 'select = "MX101"\n') == (
        "pyproject.toml: [tool.mixlint] key 'select': "
        """expected a list of rule IDs (e.g. ["MX101"]), got 'MX101'"""
    )
    assert pyproject_error(in_tmp, 'ignore = ["MX101", 3]\n') == (
        "pyproject.toml: [tool.mixlint] key 'ignore[1]': expected a string, got an integer (3)"
    )
    assert pyproject_error(in_tmp, "exclude = true\n") == (
        "pyproject.toml: [tool.mixlint] key 'exclude': expected a list of globs, "
        "got a boolean (true)"
    )
    assert pyproject_error(in_tmp, 'consent = "yes"\n') == (
        "pyproject.toml: [tool.mixlint] key 'consent': expected a table, got 'yes'"
    )
    assert pyproject_error(in_tmp, 'residency = "us"\n') == (
        "pyproject.toml: [tool.mixlint] key 'residency': expected one of eu, any, got 'us'"
    )
    assert pyproject_error(in_tmp, 'severity = { MX402 = "loud" }\n') == (
        "pyproject.toml: [tool.mixlint] key 'severity.MX402': "
        "expected one of error, warning, note, off, got 'loud'"
    )
    assert pyproject_error(in_tmp, 'consent.pattern = "(unclosed"\n') == (
        "pyproject.toml: [tool.mixlint] key 'consent.pattern': invalid regular expression: "
        "missing ), unterminated subpattern at position 0"
    )
    assert pyproject_error(in_tmp, 'wrappers = [{ event = "name" }]\n') == (
        "pyproject.toml: [tool.mixlint] key 'wrappers[0]': missing required key 'function'"
    )
    assert pyproject_error(in_tmp, "baseline = 3\n") == (
        "pyproject.toml: [tool.mixlint] key 'baseline': expected a file path, got an integer (3)"
    )
    assert yaml_error(in_tmp, "wrappers:\n  - function: a.b\n    distinct-id: 3\n") == (
        ".mixlint.yaml: key 'wrappers[0].distinct-id': "
        "expected a parameter name, got an integer (3)"
    )
    assert yaml_error(in_tmp, "wrappers: {function: a.b}\n") == (
        ".mixlint.yaml: key 'wrappers': expected a list of mappings, got a mapping"
    )
    assert yaml_error(in_tmp, "personal-data:\n  extra-words:\n    email: correo\n") == (
        ".mixlint.yaml: key 'personal-data.extra-words.email': "
        "expected a list of words, got 'correo'"
    )
    assert yaml_error(in_tmp, "fail-on:\n") == (
        ".mixlint.yaml: key 'fail-on': expected one of error, warning, note, never, "
        "got nothing (null)"
    )
    assert yaml_error(in_tmp, "- select\n") == (
        ".mixlint.yaml: expected a mapping of settings, got a list"
    )
    assert load_error(write(in_tmp / "pyproject.toml", "tool.mixlint = 3\n")) == (
        "pyproject.toml: expected [tool.mixlint] to be a table, got an integer (3)"
    )


def test_unknown_rule_ids(in_tmp: Path) -> None:
    assert pyproject_error(in_tmp, 'select = ["MX101", "MX999"]\n') == (
        "pyproject.toml: [tool.mixlint] key 'select': unknown rule 'MX999'"
    )
    assert pyproject_error(in_tmp, 'ignore = ["E501"]\n') == (
        "pyproject.toml: [tool.mixlint] key 'ignore': unknown rule 'E501'"
    )
    assert pyproject_error(in_tmp, 'extend-select = ["MX9"]\n') == (
        "pyproject.toml: [tool.mixlint] key 'extend-select': unknown rule 'MX9'"
    )
    body = '[tool.mixlint.per-file-ignores]\n"tests/**" = ["MX999"]\n'
    assert pyproject_error(in_tmp, body) == (
        "pyproject.toml: [tool.mixlint] key 'per-file-ignores[\"tests/**\"]': unknown rule 'MX999'"
    )
    assert pyproject_error(in_tmp, 'severity = { MX777 = "note" }\n') == (
        "pyproject.toml: [tool.mixlint] key 'severity': unknown rule 'MX777'"
    )


def test_unreadable_and_unsupported_files(in_tmp: Path) -> None:
    assert load_error(in_tmp / "missing.yaml") == "missing.yaml: config file not found"
    (in_tmp / "dir.yaml").mkdir()
    assert load_error(in_tmp / "dir.yaml") == "dir.yaml: cannot read: Is a directory"
    assert load_error(write(in_tmp / "mixlint.cfg", "")) == (
        "mixlint.cfg: unsupported config file type "
        "(expected pyproject.toml, a .toml, .yaml or .yml file)"
    )
    (in_tmp / "latin.yaml").write_bytes(b"fail-on: \xe9\n")
    assert load_error(in_tmp / "latin.yaml") == "latin.yaml: not valid UTF-8"


def test_permission_denied(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(in_tmp / ".mixlint.yaml", "fail-on: error\n")
    # Mode 000 does not stop root (CI runs as root): refuse the read itself.
    original = Path.read_text

    def refuse(self: Path, *args: object, **kwargs: object) -> str:
        if self.name == ".mixlint.yaml":
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", refuse)
    assert load_error(path) == ".mixlint.yaml: cannot read: Permission denied"


def test_absolute_path_outside_cwd_is_shown_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path / "cfg" / ".mixlint.yaml", "fail-on: x\n")
    monkeypatch.chdir(write(tmp_path / "elsewhere" / "f", "").parent)
    assert load_error(path) == (
        f"{path}: key 'fail-on': expected one of error, warning, note, never, got 'x'"
    )


# --------------------------------------------------------------------------- selection


def test_rule_enabled_select_ignore_and_per_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "pyproject.toml", FULL_PYPROJECT), KNOWN)
    assert config.rule_enabled("MX101", "app/views.py")
    assert config.rule_enabled("MX402", "app/views.py")  # extend-select
    assert not config.rule_enabled("MX105", "app/views.py")  # ignore wins
    assert not config.rule_enabled("MX301", "app/views.py")  # not selected
    assert not config.rule_enabled("MX101", "tests/unit/test_views.py")
    assert config.rule_enabled("MX402", "tests/unit/test_views.py")
    assert not config.rule_enabled("MX402", "app/migrations/0001_init.py")
    assert not config.rule_enabled("MX402", "migrations/0001_init.py")
    assert config.rule_enabled("MX402", "app/migrations/sub/0001_init.py")
    assert not config.rule_enabled("MX501", "app/views.py")  # severity off
    assert not config.rule_enabled("MX101", str(tmp_path.resolve() / "tests" / "t.py"))


def test_rule_enabled_negated_pattern_and_defaults() -> None:
    config = Config(per_file_ignores={"!src/**": {"MX201"}}, known_rules=KNOWN)
    assert config.rule_enabled("MX201", "src/app.py")
    assert not config.rule_enabled("MX201", "scripts/run.py")
    assert config.rule_enabled("MX999", "anything.py")  # select None: every rule


def test_level_for_severity_and_residency() -> None:
    config = Config(severity={"MX101": Level.WARNING, "MX105": "off"})
    assert config.level_for("MX101", Level.ERROR) is Level.WARNING
    assert config.level_for("MX105", Level.WARNING) is None
    assert config.level_for("MX201", Level.ERROR) is Level.ERROR
    assert config.level_for("MX402", Level.NOTE) is Level.NOTE
    assert Config(residency="eu").level_for("MX402", Level.NOTE) is Level.ERROR
    assert Config(residency="any").level_for("MX402", Level.NOTE) is None
    assert not Config(residency="any").rule_enabled("MX402", "a.py")
    explicit = Config(residency="any", severity={"MX402": Level.WARNING})
    assert explicit.level_for("MX402", Level.NOTE) is Level.WARNING


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("tests/**", "tests/test_a.py", True),
        ("tests/**", "tests/unit/test_a.py", True),
        ("tests/**", "src/tests/test_a.py", False),
        ("tests/", "tests/unit/test_a.py", True),
        ("**/migrations/*.py", "migrations/0001.py", True),
        ("**/migrations/*.py", "a/b/migrations/0001.py", True),
        ("**/migrations/*.py", "a/migrations/x/0001.py", False),
        ("conftest.py", "a/b/conftest.py", True),
        ("migrations", "app/migrations/0001.py", True),
        ("*.py", "deep/down/file.py", True),
        ("src/*.py", "src/a/b.py", False),
        ("src/{api,web}/*.py", "src/web/views.py", True),
        ("src/{api,web}/*.py", "src/cli/main.py", False),
        ("app/mod?.py", "app/mod1.py", True),
        ("app/mod[!0-9].py", "app/mod1.py", False),
        ("./scripts/*.py", "scripts/run.py", True),
    ],
)
def test_path_matches(pattern: str, path: str, expected: bool) -> None:
    assert path_matches(pattern, path) is expected


def test_expand_selector() -> None:
    assert expand_selector("MX10", KNOWN) == MX1
    assert expand_selector("mx201", KNOWN) == {"MX201"}
    assert expand_selector("ALL", KNOWN) == set(KNOWN)
    assert expand_selector("MX7", KNOWN) is None
    assert expand_selector("", KNOWN) is None


# --------------------------------------------------------------------------- command line


def test_overrides_follow_ruff(tmp_path: Path) -> None:
    base = load_config(write(tmp_path / "pyproject.toml", FULL_PYPROJECT), KNOWN)
    selected = apply_overrides(base, select=["MX105"])
    assert (selected.select, selected.extend_select, selected.ignore) == ({"MX105"}, set(), set())
    assert selected.rule_enabled("MX105", "app.py")
    assert base.select == MX1 | {"MX201"}  # the original is untouched

    extended = apply_overrides(base, extend_select=["MX3"], ignore=["MX201,MX402"])
    assert extended.extend_select == {"MX402", "MX301", "MX302"}
    assert extended.ignore == {"MX105", "MX201", "MX402"}
    assert extended.select == base.select

    assert apply_overrides(base, fail_on="note").fail_on is Level.NOTE
    assert apply_overrides(base, fail_on="warning", exit_zero=True).fail_on == "never"
    assert apply_overrides(base, exclude=["a/**", "b/**"]).exclude == ["a/**", "b/**"]
    assert apply_overrides(base, extend_exclude=["c"]).extend_exclude == ["legacy/*.py", "c"]


def test_override_baseline_is_relative_to_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = apply_overrides(Config(known_rules=KNOWN), baseline="b.json")
    assert config.baseline == str((tmp_path / "b.json").resolve())


def test_override_errors() -> None:
    config = load_config(None, KNOWN)
    with pytest.raises(ConfigError, match=r"^--select: unknown rule 'MX999'$"):
        apply_overrides(config, select=["MX101,MX999"])
    with pytest.raises(ConfigError, match=r"^--ignore: unknown rule 'E501'$"):
        apply_overrides(config, ignore=["E501"])
    with pytest.raises(ConfigError) as caught:
        apply_overrides(config, fail_on="sometimes")
    assert str(caught.value) == (
        "--fail-on: expected one of error, warning, note, never, got 'sometimes'"
    )
    explicit = apply_overrides(Config(), select=["MX1"], known_rule_ids=KNOWN)
    assert explicit.select == MX1
