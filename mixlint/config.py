"""Configuration: the validated settings every step reads.

Settings come from ``[tool.mixlint]`` in ``pyproject.toml`` or from a YAML file
(``.mixlint.yaml``, ``.mixlint.yml``, ``mixlint.yaml``), with keys in kebab-case
like ruff's. Everything is validated here, once: a mistake in a config file is
a one-line ``ConfigError`` naming the file, the key and what was expected, so
no later step has to second-guess a value.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import datetime
import difflib
import keyword
import re
import sys
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from mixlint.model import Level

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

DEFAULT_CONSENT_PATTERN = (
    r"(?i)(consent|opt(ed)?_?in|(tracking|analytics)_?(allowed|enabled|permitted|ok)"
    r"|(allow|enable|permit)s?_?(tracking|analytics)|(can|may|should)_?track|gdpr|einwilligung)"
)
DEFAULT_OPT_OUT_PATTERN = r"(?i)(opt(ed)?_?out|do_?not_?track|\bdnt\b|^dnt$|tracking_?disabled)"
DEFAULT_PSEUDONYMIZER_PATTERN = r"(?i)(hash|pseudonym|anonymi|mask|redact|tokeni)"
# Test code (``test-paths``), as pytest and Django name it: globs without a slash match any
# folder or file name on the path.
DEFAULT_TEST_PATHS = ("tests", "test", "test_*.py", "*_test.py", "tests.py", "conftest.py")
# The rules that report in test code unless ``include-tests`` is on: a real secret leaks
# from a test file as from any other.
TEST_CODE_RULES = frozenset({"MX403"})

# Nearest first within one directory: a dedicated file wins over pyproject.toml,
# as ruff prefers .ruff.toml.
CONFIG_FILE_NAMES = (".mixlint.yaml", ".mixlint.yml", "mixlint.yaml", "pyproject.toml")

FAIL_ON_VALUES = ("error", "warning", "note", "never")
SEVERITY_VALUES = ("error", "warning", "note", "off")
RESIDENCY_VALUES = ("eu", "any")
RESIDENCY_RULE = "MX402"
# MX403's fix reads each kind of credential from this environment variable.
DEFAULT_CREDENTIAL_ENV_VARS = {
    "api-secret": "MIXPANEL_API_SECRET",
    "api-key": "MIXPANEL_API_KEY",
    "service-account-secret": "MIXPANEL_SERVICE_ACCOUNT_SECRET",
    "service-account-password": "MIXPANEL_SERVICE_ACCOUNT_PASSWORD",
    "gdpr-api-token": "MIXPANEL_GDPR_API_TOKEN",
}
_ENV_VAR = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_REFERENCE = re.compile(r"(?P<module>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):(?P<code>.*)", re.DOTALL)


class ConfigError(Exception):
    """A configuration, baseline or command-line setting that cannot be used.

    ``str()`` is the complete one-line message to show the user.
    """


@dataclass(slots=True)
class ConsentConfig:
    pattern: str = DEFAULT_CONSENT_PATTERN
    opt_out_pattern: str = DEFAULT_OPT_OUT_PATTERN
    predicates: list[str] = field(default_factory=list)  # extra names that are consent checks
    decorators: list[str] = field(default_factory=list)  # extra decorator names
    # The predicates written in call form (``"has_analytics_consent(user)"``, optionally
    # ``"module:..."``): MX201's fix guards a call with the first whose names it can reach.
    guards: list[str] = field(default_factory=list)


@dataclass(slots=True)
class WrapperDecl:
    """A project function declared as a wrapper: which parameter carries what."""

    function: str  # qualified name: "app.analytics.track_event"
    event: str | None = None
    distinct_id: str | None = None
    properties: str | None = None
    method: str = "track"  # the SDK method its calls stand for


@dataclass(slots=True)
class Config:
    """Validated settings. Rule sets hold exact rule IDs: selectors such as
    ``"MX1"`` or ``"ALL"`` are expanded when the configuration is read."""

    select: set[str] | None = None  # None: every rule
    extend_select: set[str] = field(default_factory=set)
    ignore: set[str] = field(default_factory=set)
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)  # glob -> rule IDs
    severity: dict[str, Level | Literal["off"]] = field(default_factory=dict)
    fail_on: Level | Literal["never"] = Level.WARNING
    exclude: list[str] = field(default_factory=list)  # globs relative to ``root``
    extend_exclude: list[str] = field(default_factory=list)
    consent: ConsentConfig = field(default_factory=ConsentConfig)
    pseudonymizers: list[str] = field(default_factory=list)  # extra function names / patterns
    extra_words: dict[str, list[str]] = field(default_factory=dict)  # category -> words
    allow_keys: list[str] = field(default_factory=list)
    wrappers: list[WrapperDecl] = field(default_factory=list)
    residency: Literal["eu", "any"] | None = None  # None: MX402 at its default level
    fix: bool = False  # apply safe fixes (``--fix``)
    unsafe_fixes: bool | None = None  # None: unsafe fixes are hinted at, not offered
    # The secret key of the keyed hash the MX103/MX106 fixes use: a Python expression,
    # optionally ``"module:expression"`` to import its first name from ``module``.
    pseudonymisation_key: str | None = None
    credential_env_vars: dict[str, str] = field(
        default_factory=lambda: dict(DEFAULT_CREDENTIAL_ENV_VARS)
    )
    # Test code is not production traffic: it never counts as a call site for MX201 and,
    # unless ``include_tests``, gets no findings but those of ``TEST_CODE_RULES``.
    test_paths: list[str] = field(default_factory=lambda: list(DEFAULT_TEST_PATHS))
    include_tests: bool = False
    baseline: str | None = None  # absolute path
    source: str | None = None  # the file the configuration came from
    root: str | None = None  # absolute directory of ``source``: config paths are relative to it
    known_rules: frozenset[str] = frozenset()  # rule IDs selectors were checked against

    def rule_enabled(self, rule_id: str, path: str) -> bool:
        """Whether ``rule_id`` runs on ``path`` (relative POSIX path from ``root``).

        ``ignore`` and ``per-file-ignores`` win over ``select``; a rule levelled
        ``off`` (or MX402 under ``residency = "any"``) is not enabled either.
        """
        selected = self.select is None or rule_id in self.select or rule_id in self.extend_select
        if not selected or rule_id in self.ignore or self._off(rule_id):
            return False
        if not self.include_tests and rule_id not in TEST_CODE_RULES and self.is_test_code(path):
            return False
        relative = _relative_posix(path, self.root)
        for pattern, rule_ids in self.per_file_ignores.items():
            if rule_id not in rule_ids:
                continue
            # "!pattern" applies to every file that does not match, as in ruff.
            if pattern.startswith("!"):
                if not path_matches(pattern[1:], relative):
                    return False
            elif path_matches(pattern, relative):
                return False
        return True

    def is_test_code(self, path: str) -> bool:
        """Whether ``path`` (relative POSIX path from the project root) is test code: it
        matches a ``test-paths`` glob (default: a ``tests`` or ``test`` folder,
        ``test_*.py``, ``*_test.py``, ``tests.py``, ``conftest.py``).

        The one place that says so: rules, the inventory and file selection ask here.
        """
        relative = _relative_posix(path, self.root)
        return any(path_matches(pattern, relative) for pattern in self.test_paths)

    def level_for(self, rule_id: str, default: Level) -> Level | None:
        """The level ``rule_id`` reports at, or None when it is turned off.

        An explicit ``severity`` entry wins over ``residency``.
        """
        override = self.severity.get(rule_id)
        if override == "off":
            return None
        if override is not None:
            return Level(override)
        if rule_id == RESIDENCY_RULE:
            if self.residency == "eu":
                return Level.ERROR
            if self.residency == "any":
                return None
        return default

    def _off(self, rule_id: str) -> bool:
        return self.level_for(rule_id, Level.NOTE) is None


# --------------------------------------------------------------------------- paths


def display_path(path: Path | str) -> str:
    """``path`` as the user would type it: relative to the working directory when inside it."""
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return str(candidate)
    return str(candidate)


def _relative_posix(path: str, root: str | None) -> str:
    posix = path.replace("\\", "/")
    if root is not None and Path(posix).is_absolute():
        with contextlib.suppress(ValueError):
            posix = Path(posix).relative_to(root).as_posix()
    while posix.startswith("./"):
        posix = posix[2:]
    return posix


def path_matches(pattern: str, path: str) -> bool:
    """Whether a relative POSIX ``path`` matches a config glob.

    ``*`` and ``?`` stay within one path segment, ``**`` spans segments,
    ``{a,b}`` alternates, ``[...]`` is a character class. A pattern without a
    slash matches any segment (``"conftest.py"``, ``"migrations"``), like a
    ``.gitignore`` line; a trailing slash means "everything below".
    """
    return _compile_glob(pattern).fullmatch(path) is not None


@lru_cache(maxsize=1024)
def _compile_glob(pattern: str) -> re.Pattern[str]:
    pattern = pattern.replace("\\", "/").strip()
    while pattern.startswith("./"):
        pattern = pattern[2:]
    pattern = pattern.lstrip("/")
    if pattern.endswith("/"):
        pattern += "**"
    body = _glob_body(pattern)
    if "/" not in pattern:
        return re.compile(rf"(?:.*/)?{body}(?:/.*)?", re.DOTALL)
    return re.compile(body, re.DOTALL)


def _glob_body(pattern: str) -> str:
    out: list[str] = []
    depth = 0  # inside {a,b}
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                inner = pattern[i + 1 : end]
                if inner.startswith("!"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = end + 1
                continue
        elif char == "{":
            depth += 1
            out.append("(?:")
        elif char == "}" and depth:
            depth -= 1
            out.append(")")
        elif char == "," and depth:
            out.append("|")
        else:
            out.append(re.escape(char))
        i += 1
    out.append(")" * depth)
    return "".join(out)


# --------------------------------------------------------------------------- code in config


def code_reference(text: str) -> tuple[str | None, str] | None:
    """``"module:expression"`` or ``"expression"`` -> (module or None, expression); None
    when the expression is not one Python expression. The module, when given, is where
    the expression's first name is imported from (as in entry points: ``pkg.mod:attr``)."""
    found = _REFERENCE.fullmatch(text.strip())
    module: str | None = None
    code = text.strip()
    if found is not None and not keyword.iskeyword(found.group("module").split(".")[0]):
        module, code = found.group("module"), found.group("code").strip()
    try:
        tree = ast.parse(code, mode="eval")
    except (SyntaxError, ValueError):
        return None
    if module is not None and not isinstance(_leading_name(tree.body), ast.Name):
        return None
    return module, code


def _leading_name(node: ast.expr) -> ast.expr:
    """The name an expression starts with (``settings`` of ``settings.KEY.encode()``)."""
    while isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node


def callee_name(code: str) -> str | None:
    """The dotted callee of a call expression (``has_analytics_consent(user)`` ->
    ``has_analytics_consent``), or None when ``code`` is not a call of a dotted name."""
    try:
        node = ast.parse(code, mode="eval").body
    except (SyntaxError, ValueError):
        return None
    if not isinstance(node, ast.Call):
        return None
    parts: list[str] = []
    func = node.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    return ".".join([func.id, *reversed(parts)])


# --------------------------------------------------------------------------- rule selectors


def expand_selector(selector: str, known_rule_ids: Collection[str]) -> set[str] | None:
    """The rule IDs a selector names: an exact ID, a prefix (``"MX1"``) or ``"ALL"``.

    None when it names no known rule.
    """
    wanted = selector.strip().upper()
    if not wanted:
        return None
    if wanted == "ALL":
        return set(known_rule_ids)
    matched = {rule_id for rule_id in known_rule_ids if rule_id.upper().startswith(wanted)}
    return matched or None


def _expand_all(
    selectors: Iterable[str],
    known_rule_ids: Collection[str],
    error: Callable[[str], ConfigError],
) -> set[str]:
    """Every rule ID the selectors name; ``error`` words the failure for its place."""
    rules: set[str] = set()
    for selector in selectors:
        expanded = expand_selector(selector, known_rule_ids)
        if expanded is None:
            raise error(f"unknown rule '{selector}'")
        rules |= expanded
    return rules


def _specificity(selector: str) -> int:
    # "ALL" is the least specific; a longer prefix is more specific.
    return -1 if selector.strip().upper() == "ALL" else len(selector.strip())


# --------------------------------------------------------------------------- discovery


def find_config(paths: Sequence[Path]) -> Path | None:
    """The configuration file for a scan of ``paths``.

    Walks up from each path's directory to the filesystem root, nearest first,
    and returns the first candidate; a ``pyproject.toml`` counts only when it
    has a ``[tool.mixlint]`` table. No paths means the working directory.
    """
    for start in paths or [Path.cwd()]:
        start = Path(start).absolute()
        directory = start if start.is_dir() else start.parent
        for folder in (directory, *directory.parents):
            for name in CONFIG_FILE_NAMES:
                candidate = folder / name
                if not candidate.is_file():
                    continue
                if name != "pyproject.toml" or _has_mixlint_table(candidate):
                    return candidate
    return None


def _has_mixlint_table(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # A broken file that is clearly meant for mixlint is chosen, so that
        # loading it reports the syntax error instead of silently using defaults.
        return re.search(r"^\s*\[\s*tool\s*\.\s*mixlint\b", text, re.MULTILINE) is not None
    tool = data.get("tool")
    return isinstance(tool, dict) and "mixlint" in tool


# --------------------------------------------------------------------------- loading


def load_config(path: Path | None, known_rule_ids: Collection[str]) -> Config:
    """Read and validate a configuration file; None gives the defaults.

    Raises ``ConfigError`` with a one-line message for anything wrong with it.
    """
    known = frozenset(known_rule_ids)
    if path is None:
        return Config(known_rules=known)
    path = Path(path)
    where = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where}: config file not found") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not valid UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{where}: cannot read: {error.strerror or error}") from None

    prefix = ""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        document = _parse_toml(text, where)
        table: object = document
        if path.name == "pyproject.toml":
            prefix = "[tool.mixlint] "
            tool = document.get("tool")
            table = tool.get("mixlint") if isinstance(tool, dict) else None
        mapping_word = "table"
    elif suffix in (".yaml", ".yml"):
        table = _parse_yaml(text, where)
        mapping_word = "mapping"
    else:
        raise ConfigError(
            f"{where}: unsupported config file type (expected pyproject.toml, a .toml, "
            ".yaml or .yml file)"
        )

    root = path.absolute().resolve().parent
    config = Config(source=str(path), root=str(root), known_rules=known)
    if table is None:
        return config
    reader = _Reader(where, prefix, mapping_word, root, known)
    if not isinstance(table, dict):
        what = "[tool.mixlint] to be a table" if prefix else f"a {mapping_word} of settings"
        raise ConfigError(f"{where}: expected {what}, got {reader.describe(table)}")
    reader.fill(config, table)
    return config


def _parse_toml(text: str, where: str) -> dict[str, Any]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        line = getattr(error, "lineno", None)
        column = getattr(error, "colno", None)
        found = re.search(r"\s*\(at line (\d+), column (\d+)\)\s*$", message)
        if found:
            line, column = int(found.group(1)), int(found.group(2))
            message = message[: found.start()]
        elif message.endswith("(at end of document)"):
            line = line or text.count("\n") + 1
            message = message[: -len("(at end of document)")].rstrip()
        where_in = ""
        if line is not None:
            where_in = f" (line {line}, column {column})" if column else f" (line {line})"
        raise ConfigError(f"{where}: not valid TOML{where_in}: {message}") from None
    return data


class _YamlLoader(yaml.SafeLoader):
    """YAML 1.2 booleans and no duplicate keys.

    Under YAML 1.1 ``off``, ``no`` and ``on`` are booleans, so ``MX402: off``
    would arrive as ``False``; and a repeated key silently replaces the first.
    """


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_YamlLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[object] = set()
    # Checked before merge keys ("<<") are flattened in: overriding a merged
    # key is allowed, writing the same key twice is not.
    for key_node, _ in node.value:
        if key_node.tag == "tag:yaml.org,2002:merge":
            continue
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in seen
            seen.add(key)
        except TypeError:
            continue  # unhashable: construct_mapping below reports it
        if duplicate:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                f"found duplicate key '{key}'",
                key_node.start_mark,
            )
    loader.flatten_mapping(node)
    return loader.construct_mapping(node, deep=True)


_YamlLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _parse_yaml(text: str, where: str) -> object:
    try:
        return yaml.load(text, Loader=_YamlLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "syntax error"
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{where}: not valid YAML{at}: {problem}") from None
    except yaml.reader.ReaderError as error:
        line = text[: error.position].count("\n") + 1
        raise ConfigError(f"{where}: not valid YAML (line {line}): {error.reason}") from None
    except yaml.YAMLError as error:
        first = str(error).splitlines()[0] if str(error) else "syntax error"
        raise ConfigError(f"{where}: not valid YAML: {first}") from None


KeyPath = tuple[str | int, ...]


class _Reader:
    """Validates one parsed configuration table into a ``Config``."""

    TOP_KEYS = (
        "select",
        "extend-select",
        "ignore",
        "per-file-ignores",
        "severity",
        "fail-on",
        "exclude",
        "extend-exclude",
        "consent",
        "pseudonymizers",
        "personal-data",
        "wrappers",
        "residency",
        "baseline",
        "fix",
        "unsafe-fixes",
        "pseudonymisation-key",
        "credential-env-vars",
        "test-paths",
        "include-tests",
    )
    CONSENT_KEYS = ("pattern", "opt-out-pattern", "predicates", "decorators")
    PERSONAL_DATA_KEYS = ("extra-words", "allow-keys")
    WRAPPER_KEYS = ("function", "method", "event", "distinct-id", "properties")

    def __init__(
        self, where: str, prefix: str, mapping_word: str, root: Path, known: frozenset[str]
    ) -> None:
        self.where = where
        self.prefix = prefix
        self.mapping_word = mapping_word
        self.root = root
        self.known = known

    # ---- messages

    def error(self, key: KeyPath, message: str) -> ConfigError:
        return ConfigError(f"{self.where}: {self.prefix}key '{_render(key)}': {message}")

    def type_error(self, key: KeyPath, expected: str, value: object) -> ConfigError:
        return self.error(key, f"expected {expected}, got {self.describe(value)}")

    def describe(self, value: object) -> str:
        if isinstance(value, str):
            return repr(value)
        if isinstance(value, bool):
            return f"a boolean ({'true' if value else 'false'})"
        if isinstance(value, int):
            return f"an integer ({value})"
        if isinstance(value, float):
            return f"a number ({value})"
        if isinstance(value, dict):
            return f"a {self.mapping_word}"
        if isinstance(value, list):
            return "a list"
        if value is None:
            return "nothing (null)"
        if isinstance(value, (datetime.date, datetime.time)):
            return f"a date/time ({value})"
        return type(value).__name__

    def check_keys(self, key: KeyPath, table: dict[Any, Any], allowed: Sequence[str]) -> None:
        for name in table:
            if not isinstance(name, str):
                raise self.type_error((*key, str(name)), "a string key", name)
            if name in allowed:
                continue
            full = _render((*key, name))
            hint = _suggest(name, allowed)
            if hint is None and key:
                hint = "expected one of " + ", ".join(allowed)
            elif hint is not None:
                hint = f"did you mean '{hint}'?"
            rest = f" ({hint})" if hint else ""
            raise ConfigError(f"{self.where}: {self.prefix}unknown key '{full}'{rest}")

    # ---- value readers

    def table(self, key: KeyPath, value: object) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.type_error(key, f"a {self.mapping_word}", value)
        return value

    def string(self, key: KeyPath, value: object, what: str = "a string") -> str:
        if not isinstance(value, str) or not value.strip():
            if isinstance(value, str):
                raise self.error(key, f"expected {what}, got an empty string")
            raise self.type_error(key, what, value)
        return value

    def strings(self, key: KeyPath, value: object, what: str = "strings") -> list[str]:
        if not isinstance(value, list):
            raise self.type_error(key, f"a list of {what}", value)
        return [self.string((*key, index), item) for index, item in enumerate(value)]

    def choice(self, key: KeyPath, value: object, choices: Sequence[str]) -> str:
        if not isinstance(value, str) or value.strip().lower() not in choices:
            raise self.type_error(key, "one of " + ", ".join(choices), value)
        return value.strip().lower()

    def boolean(self, key: KeyPath, value: object) -> bool:
        if not isinstance(value, bool):
            raise self.type_error(key, "true or false", value)
        return value

    def code(self, key: KeyPath, value: object, what: str) -> str:
        """A Python expression, optionally ``"module:expression"`` (``code_reference``)."""
        text = self.string(key, value, what)
        if code_reference(text) is None:
            raise self.error(
                key, f"expected {what}, got {text!r}, which is not one Python expression"
            )
        return text.strip()

    def regex(self, key: KeyPath, value: object) -> str:
        pattern = self.string(key, value, "a regular expression")
        try:
            re.compile(pattern)
        except re.error as error:
            raise self.error(key, f"invalid regular expression: {error}") from None
        return pattern

    def rule_set(self, key: KeyPath, value: object) -> set[str]:
        selectors = self.strings(key, value, 'rule IDs (e.g. ["MX101"])')
        return _expand_all(selectors, self.known, lambda message: self.error(key, message))

    # ---- the configuration

    def fill(self, config: Config, table: dict[str, Any]) -> None:
        self.check_keys((), table, self.TOP_KEYS)
        handlers: dict[str, Callable[[Config, KeyPath, object], None]] = {
            "select": lambda c, k, v: setattr(c, "select", self.rule_set(k, v)),
            "extend-select": lambda c, k, v: setattr(c, "extend_select", self.rule_set(k, v)),
            "ignore": lambda c, k, v: setattr(c, "ignore", self.rule_set(k, v)),
            "per-file-ignores": self.per_file_ignores,
            "severity": self.severity,
            "fail-on": self.fail_on,
            "exclude": lambda c, k, v: setattr(c, "exclude", self.strings(k, v, "globs")),
            "extend-exclude": lambda c, k, v: setattr(
                c, "extend_exclude", self.strings(k, v, "globs")
            ),
            "consent": self.consent,
            "pseudonymizers": lambda c, k, v: setattr(c, "pseudonymizers", self.strings(k, v)),
            "personal-data": self.personal_data,
            "wrappers": self.wrappers,
            "residency": lambda c, k, v: setattr(
                c, "residency", self.choice(k, v, RESIDENCY_VALUES)
            ),
            "baseline": self.baseline,
            "fix": lambda c, k, v: setattr(c, "fix", self.boolean(k, v)),
            "unsafe-fixes": lambda c, k, v: setattr(c, "unsafe_fixes", self.boolean(k, v)),
            "pseudonymisation-key": lambda c, k, v: setattr(
                c,
                "pseudonymisation_key",
                self.code(k, v, 'a Python expression (e.g. "settings.ANALYTICS_PEPPER")'),
            ),
            "credential-env-vars": self.credential_env_vars,
            "test-paths": lambda c, k, v: setattr(c, "test_paths", self.strings(k, v, "globs")),
            "include-tests": lambda c, k, v: setattr(c, "include_tests", self.boolean(k, v)),
        }
        for name, value in table.items():
            handlers[name](config, (name,), value)

    def per_file_ignores(self, config: Config, key: KeyPath, value: object) -> None:
        result: dict[str, set[str]] = {}
        for pattern, rules in self.table(key, value).items():
            pattern_key = (*key, str(pattern))
            self.string(pattern_key, pattern, "a glob")
            result[pattern] = self.rule_set(pattern_key, rules)
        config.per_file_ignores = result

    def severity(self, config: Config, key: KeyPath, value: object) -> None:
        table = self.table(key, value)
        result: dict[str, Level | Literal["off"]] = {}
        # A specific entry wins over a prefix whatever the order in the file.
        for selector in sorted(table, key=lambda s: _specificity(str(s))):
            selector_key = (*key, str(selector))
            if not isinstance(selector, str):
                raise self.type_error(selector_key, "a rule ID", selector)
            level = self.choice(selector_key, table[selector], SEVERITY_VALUES)
            rules = _expand_all([selector], self.known, lambda message: self.error(key, message))
            for rule_id in rules:
                result[rule_id] = "off" if level == "off" else Level(level)
        config.severity = result

    def fail_on(self, config: Config, key: KeyPath, value: object) -> None:
        level = self.choice(key, value, FAIL_ON_VALUES)
        config.fail_on = "never" if level == "never" else Level(level)

    def consent(self, config: Config, key: KeyPath, value: object) -> None:
        table = self.table(key, value)
        self.check_keys(key, table, self.CONSENT_KEYS)
        consent = ConsentConfig()
        if "pattern" in table:
            consent.pattern = self.regex((*key, "pattern"), table["pattern"])
        if "opt-out-pattern" in table:
            consent.opt_out_pattern = self.regex(
                (*key, "opt-out-pattern"), table["opt-out-pattern"]
            )
        if "predicates" in table:
            predicates_key = (*key, "predicates")
            for index, entry in enumerate(self.strings(predicates_key, table["predicates"])):
                name, guard = self.predicate((*predicates_key, index), entry)
                consent.predicates.append(name)
                if guard is not None:
                    consent.guards.append(guard)
        if "decorators" in table:
            consent.decorators = self.strings((*key, "decorators"), table["decorators"])
        config.consent = consent

    def predicate(self, key: KeyPath, entry: str) -> tuple[str, str | None]:
        """A consent predicate: a dotted name (``user.marketing_ok``), or a call
        (``"has_analytics_consent(user)"``, ``"app.consent:has_analytics_consent(user)"``)
        that MX201's fix can write. -> (the name calls are matched by, the call or None)."""
        text = entry.strip()
        if re.fullmatch(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*", text):
            return text, None
        found = code_reference(text)
        name = callee_name(found[1]) if found is not None else None
        if name is None:
            raise self.error(
                key,
                f"expected a dotted name or a call such as 'has_analytics_consent(user)', "
                f"got {entry!r}",
            )
        return name, text

    def credential_env_vars(self, config: Config, key: KeyPath, value: object) -> None:
        table = self.table(key, value)
        self.check_keys(key, table, tuple(DEFAULT_CREDENTIAL_ENV_VARS))
        names = dict(DEFAULT_CREDENTIAL_ENV_VARS)
        for kind, name in table.items():
            text = self.string((*key, kind), name, "an environment variable name")
            if not _ENV_VAR.fullmatch(text):
                raise self.error(
                    (*key, kind), f"expected an environment variable name, got {text!r}"
                )
            names[kind] = text
        config.credential_env_vars = names

    def personal_data(self, config: Config, key: KeyPath, value: object) -> None:
        table = self.table(key, value)
        self.check_keys(key, table, self.PERSONAL_DATA_KEYS)
        if "extra-words" in table:
            words_key = (*key, "extra-words")
            words: dict[str, list[str]] = {}
            for category, items in self.table(words_key, table["extra-words"]).items():
                category_key = (*words_key, str(category))
                self.string(category_key, category, "a category name")
                words[category] = self.strings(category_key, items, "words")
            config.extra_words = words
        if "allow-keys" in table:
            config.allow_keys = self.strings((*key, "allow-keys"), table["allow-keys"], "keys")

    def wrappers(self, config: Config, key: KeyPath, value: object) -> None:
        if not isinstance(value, list):
            raise self.type_error(key, f"a list of {self.mapping_word}s", value)
        result: list[WrapperDecl] = []
        for index, item in enumerate(value):
            item_key = (*key, index)
            table = self.table(item_key, item)
            self.check_keys(item_key, table, self.WRAPPER_KEYS)
            if "function" not in table:
                raise self.error(item_key, "missing required key 'function'")

            roles = {
                name: self.string((*item_key, name), table[name], "a parameter name")
                for name in ("event", "distinct-id", "properties")
                if name in table
            }
            result.append(
                WrapperDecl(
                    function=self.string((*item_key, "function"), table["function"]),
                    event=roles.get("event"),
                    distinct_id=roles.get("distinct-id"),
                    properties=roles.get("properties"),
                    method=self.string((*item_key, "method"), table.get("method", "track")),
                )
            )
        config.wrappers = result

    def baseline(self, config: Config, key: KeyPath, value: object) -> None:
        relative = self.string(key, value, "a file path")
        config.baseline = str((self.root / relative).resolve())


def _render(key: KeyPath) -> str:
    out = ""
    for part in key:
        if isinstance(part, int):
            out += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z0-9_-]+", part):
            out += f".{part}" if out else part
        else:
            out += f'["{part}"]'
    return out


def _suggest(name: str, allowed: Sequence[str]) -> str | None:
    # snake_case and camelCase are the usual slips for kebab-case keys.
    kebab = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "-", name).replace("_", "-").lower()
    if kebab in allowed:
        return kebab
    close = difflib.get_close_matches(kebab, allowed, n=1, cutoff=0.6)
    return close[0] if close else None


# --------------------------------------------------------------------------- command line


def apply_overrides(
    config: Config,
    *,
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
    fail_on: str | Level | None = None,
    exit_zero: bool = False,
    exclude: Iterable[str] | None = None,
    extend_exclude: Iterable[str] | None = None,
    baseline: Path | str | None = None,
    known_rule_ids: Collection[str] | None = None,
    fix: bool | None = None,
    unsafe_fixes: bool | None = None,
    include_tests: bool | None = None,
) -> Config:
    """A copy of ``config`` with command-line options applied, as ruff does.

    ``--select`` replaces the selection entirely (the file's ``extend-select``
    and ``ignore`` included); ``--ignore`` and ``--extend-select`` add to it.
    Each option value may hold several comma-separated selectors. Rule IDs are
    checked against ``known_rule_ids`` (default: the set the config was loaded
    with).
    """
    known = frozenset(known_rule_ids) if known_rule_ids is not None else config.known_rules
    result = dataclasses.replace(config, known_rules=known)
    if select is not None:
        result.select = _cli_rules("--select", select, known)
        result.extend_select = set()
        result.ignore = set()
    if extend_select is not None:
        result.extend_select = result.extend_select | _cli_rules(
            "--extend-select", extend_select, known
        )
    if ignore is not None:
        result.ignore = result.ignore | _cli_rules("--ignore", ignore, known)
    if fail_on is not None:
        value = fail_on.value if isinstance(fail_on, Level) else str(fail_on).strip().lower()
        if value not in FAIL_ON_VALUES:
            raise ConfigError(
                f"--fail-on: expected one of {', '.join(FAIL_ON_VALUES)}, got {fail_on!r}"
            )
        result.fail_on = "never" if value == "never" else Level(value)
    if exit_zero:
        result.fail_on = "never"
    if exclude is not None:
        result.exclude = _split_options(exclude)
    if extend_exclude is not None:
        result.extend_exclude = [*result.extend_exclude, *_split_options(extend_exclude)]
    if baseline is not None:
        result.baseline = str(Path(baseline).absolute().resolve())
    if fix is not None:
        result.fix = fix
    if unsafe_fixes is not None:
        result.unsafe_fixes = unsafe_fixes
    if include_tests is not None:
        result.include_tests = include_tests
    return result


def _split_options(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def _cli_rules(option: str, values: Iterable[str], known: Collection[str]) -> set[str]:
    return _expand_all(
        _split_options(values), known, lambda message: ConfigError(f"{option}: {message}")
    )


__all__ = [
    "CONFIG_FILE_NAMES",
    "DEFAULT_CONSENT_PATTERN",
    "DEFAULT_CREDENTIAL_ENV_VARS",
    "DEFAULT_OPT_OUT_PATTERN",
    "DEFAULT_PSEUDONYMIZER_PATTERN",
    "DEFAULT_TEST_PATHS",
    "TEST_CODE_RULES",
    "Config",
    "ConfigError",
    "ConsentConfig",
    "WrapperDecl",
    "apply_overrides",
    "callee_name",
    "code_reference",
    "display_path",
    "expand_selector",
    "find_config",
    "load_config",
    "path_matches",
]
