"""mixlint on code nobody curated: every input has an exact expected behaviour.

mixlint runs unattended in CI over generated files, vendored Python 2,
half-written files in a pre-commit hook and odd encodings. A crash, a hang or
a silently skipped file there is worse than a false alarm, so each case below
pins what happens: which MX001 (message, line, column), which findings, which
exit code, which one-line error.

Runs that check exit codes, stderr or hangs use a subprocess with a timeout;
the rest run the CLI in-process (CliRunner), which is much faster.
"""

from __future__ import annotations

import ast
import ctypes
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mixlint.cli import main

PYPROJECT = "[project]\nname = 'example'\n"
SUBPROCESS_TIMEOUT = 120

# One tracking call guarded by consent, so that the expected findings are few:
# MX402 (no EU consumer) on line 3 and MX101 (an e-mail key) on line 8.
APP = """\
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def signup(user, consent):
    if consent:
        mp.track(user.id, "Signed Up", {"email": user.email})
"""
APP_MX101 = ("MX101", "app.py", 8, 41, 8, 48)

Finding = tuple[str, str, int, int, int, int, str]


# --------------------------------------------------------------------------- helpers


def make_project(root: Path, files: dict[str, str | bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_bytes(content.encode("utf-8"))
        else:
            path.write_bytes(content)
    return root


def invoke(*args: str | Path) -> tuple[int, str, str]:
    """``mixlint ARGS`` in-process: (exit code, stdout, stderr). Exceptions escape."""
    result = CliRunner().invoke(main, [str(arg) for arg in args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def check_json(root: Path, *args: str | Path) -> tuple[int, dict[str, Any]]:
    """``mixlint check ROOT --format json --no-cache ARGS`` in-process."""
    code, out, err = invoke("check", root, "--format", "json", "--no-cache", *args)
    assert err == "", err
    return code, json.loads(out)


def findings(report: dict[str, Any]) -> list[Finding]:
    return [
        (
            f["rule"],
            f["path"],
            f["start_line"],
            f["start_column"],
            f["end_line"],
            f["end_column"],
            f["message"],
        )
        for f in report["findings"]
        if f["suppressed"] is None
    ]


def positions(report: dict[str, Any], rule: str | None = None) -> list[tuple[Any, ...]]:
    """(rule, path, start line, start column, end line, end column) of each finding."""
    return [f[:6] for f in findings(report) if rule is None or f[0] == rule]


def mx001(path: str, line: int, column: int, reason: str) -> Finding:
    return (
        "MX001",
        path,
        line,
        column,
        line,
        column,
        f"cannot analyse this file: {reason}; its compliance is unknown",
    )


def mx001_of(report: dict[str, Any]) -> list[Finding]:
    return [f for f in findings(report) if f[0] == "MX001"]


def mixlint(
    *args: str | Path,
    cwd: Path,
    timeout: float = SUBPROCESS_TIMEOUT,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m mixlint.cli ARGS`` in a subprocess that must end within ``timeout``."""
    env = {**os.environ, "NO_COLOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "mixlint.cli", *[str(arg) for arg in args]],
        cwd=cwd,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env=env,
        preexec_fn=preexec_fn,
        check=False,
    )


def assert_usage_error(proc: subprocess.CompletedProcess[str], message: str) -> None:
    """Exit code 2, nothing on stdout, exactly one line on stderr: the message."""
    assert "Traceback" not in proc.stderr, proc.stderr
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", f"mixlint: error: {message}\n")


# Running as root, mode 000 does not stop reads: root has CAP_DAC_OVERRIDE. The
# child drops that capability and CAP_DAC_READ_SEARCH from its bounding set
# before mixlint starts (exec gives root every capability in the bounding set),
# so permissions apply to it as to any user and the read really fails.
_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH = 1, 2
_PR_CAPBSET_DROP = 24


def _drop_file_capabilities() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (_CAP_DAC_OVERRIDE, _CAP_DAC_READ_SEARCH):
        if libc.prctl(_PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) failed")


def unprivileged() -> Callable[[], None] | None:
    """A ``preexec_fn`` under which file permissions apply (None: they already do)."""
    if os.geteuid() != 0:
        return None
    if not sys.platform.startswith("linux"):
        pytest.skip("running as root outside Linux: cannot make a file unreadable")
    return _drop_file_capabilities


def assert_unreadable(path: Path, preexec_fn: Callable[[], None] | None) -> None:
    """The precondition: a process started like mixlint really cannot read ``path``."""
    probe = subprocess.run(
        [sys.executable, "-c", "import sys; open(sys.argv[1], 'rb').read()", str(path)],
        capture_output=True,
        text=True,
        preexec_fn=preexec_fn,
        timeout=SUBPROCESS_TIMEOUT,
        check=False,
    )
    assert probe.returncode != 0 and "PermissionError" in probe.stderr, probe.stderr


def tree_state(root: Path) -> dict[str, tuple[str, int, str]]:
    """Every entry below ``root``: kind, permission bits and content hash / link target."""
    state: dict[str, tuple[str, int, str]] = {}
    for directory, folders, files in os.walk(root):
        for name in [*folders, *files]:
            path = Path(directory, name)
            info = path.lstat()
            relative = path.relative_to(root).as_posix()
            mode = stat.S_IMODE(info.st_mode)
            if stat.S_ISLNK(info.st_mode):
                state[relative] = ("link", mode, os.readlink(path))
            elif stat.S_ISDIR(info.st_mode):
                state[relative] = ("dir", mode, "")
            else:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                state[relative] = ("file", mode, f"{digest} {info.st_mtime_ns}")
    return state


# ------------------------------------------------------------------ files that do not parse


LEGACY = """\
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def report(user_id):
    print "tracking", user_id
    mp.track(user_id, "Report Generated")
"""


def test_python2_print_statement_is_mx001_with_the_parsers_message(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP, "legacy.py": LEGACY})
    code, report = check_json(root)
    assert mx001_of(report) == [
        mx001(
            "legacy.py",
            7,
            5,
            "syntax error: Missing parentheses in call to 'print'. Did you mean print(...)?",
        )
    ]
    # The other file is analysed and reported as if legacy.py were not there.
    assert APP_MX101 in positions(report)
    assert report["problems"] == [
        {
            "path": "legacy.py",
            "line": 7,
            "column": 5,
            "message": "syntax error: Missing parentheses in call to 'print'. "
            "Did you mean print(...)?",
        }
    ]
    assert code == 1


# (source, line, column, CPython's message): the same on Python 3.10 to 3.13.
SYNTAX_ERRORS = {
    # (`except IOError, error:` is not here: it is valid Python 3.14, PEP 758.)
    "py2_long": ("x = 10L\n", 1, 6, "invalid decimal literal"),
    "py2_ur_string": ("s = ur'abc'\n", 1, 7, "invalid syntax"),
    "py2_raise": (
        'def f():\n    raise ValueError, "nothing to export"\n',
        2,
        21,
        "invalid syntax",
    ),
    "py2_octal": (
        'import os\nos.chmod("x", 0644)\n',
        2,
        15,
        "leading zeros in decimal integer literals are not permitted; "
        "use an 0o prefix for octal integers",
    ),
    "py2_exec": (
        'exec "x = 1"\n',
        1,
        1,
        "Missing parentheses in call to 'exec'. Did you mean exec(...)?",
    ),
    "py2_backticks": ("x = `y`\n", 1, 5, "invalid syntax"),
    "unclosed_call": (
        'def signup(request:\n    return render(request, "signup.html")\n',
        1,
        11,
        "'(' was never closed",
    ),
    "truncated_in_a_dict": (
        'from mixpanel import Mixpanel\n\nmp = Mixpanel("t")\n'
        'mp.track("u1", "Signed Up", {"plan": "pro",\n',
        4,
        29,
        "'{' was never closed",
    ),
    "truncated_after_def": (
        "def track_signup(user):\n",
        1,
        24,
        "expected an indented block after function definition on line 1",
    ),
    "truncated_in_a_string": (
        'x = 1\n"""docstring\nnever closed\n',
        2,
        1,
        "unterminated triple-quoted string literal (detected at line 3)",
    ),
    "unterminated_string": ('x = "abc\n', 1, 5, "unterminated string literal (detected at line 1)"),
    "tabs_and_spaces": (
        "if True:\n        x = 1\n\ty = 2\n",
        3,
        1,
        "inconsistent use of tabs and spaces in indentation",
    ),
    "bad_dedent": (
        "if True:\n        x = 1\n    y = 2\n",
        3,
        10,
        "unindent does not match any outer indentation level",
    ),
    "merge_conflict": (
        "x = 1\n<<<<<<< HEAD\ny = 2\n=======\ny = 3\n>>>>>>> branch\n",
        2,
        1,
        "invalid syntax",
    ),
    "indented_101_levels": (
        "".join(" " * i + "if x:\n" for i in range(101)) + " " * 101 + "pass\n",
        101,
        1,
        "too many levels of indentation",
    ),
}


# The prefilter's sniff recognises these (or the file names Mixpanel, so it is parsed).
PREFILTER_SEES = {"py2_ur_string", "py2_exec", "merge_conflict", "truncated_in_a_dict"}


@pytest.mark.parametrize("prefilter", [False, True], ids=["no-prefilter", "default"])
@pytest.mark.parametrize("case", SYNTAX_ERRORS)
def test_syntax_errors_are_mx001_and_nothing_else_is_lost(
    tmp_path: Path, case: str, prefilter: bool
) -> None:
    source, line, column, message = SYNTAX_ERRORS[case]
    root = make_project(tmp_path, {"app.py": APP, "broken.py": source})
    code, report = check_json(root, *([] if prefilter else ["--no-prefilter"]))
    if prefilter and case not in PREFILTER_SEES:
        # By design (README, MX001): the prefilter does not parse a file that names
        # nothing of Mixpanel, no client, wrapper or module leading to one: such a
        # file cannot send anything, so its compliance is known without parsing it.
        assert mx001_of(report) == []
    else:
        assert mx001_of(report) == [mx001("broken.py", line, column, f"syntax error: {message}")]
    assert APP_MX101 in positions(report)
    assert code == 1


def test_a_string_libcst_reads_and_cpython_does_not_is_mx001(tmp_path: Path) -> None:
    """libcst parses ``"\\N{...}"`` with a name Unicode does not have; CPython does
    not compile the file (seen in kiteco's test data): MX001 with CPython's message,
    not a crash."""
    source = 'LABELS = {\n    "cafe": "caf\\N{LATIN SMALL LETTER E WITH ACUTE!}",\n}\n'
    with pytest.raises(SyntaxError) as cpython:
        ast.parse(source)
    root = make_project(tmp_path, {"app.py": APP, "labels.py": source})
    code, report = check_json(root, "--no-prefilter")
    assert mx001_of(report) == [
        mx001("labels.py", 2, cpython.value.offset or 1, f"syntax error: {cpython.value.msg}")
    ]
    assert cpython.value.lineno == 2
    assert "unknown Unicode character name" in cpython.value.msg
    assert APP_MX101 in positions(report)
    assert code == 1


def test_exit_code_and_output_with_a_broken_file_in_a_subprocess(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP, "legacy.py": LEGACY})
    proc = mixlint("check", ".", "--no-cache", "--select", "MX001,MX101", cwd=root)
    assert proc.returncode == 1
    assert proc.stderr == ""
    assert proc.stdout.splitlines()[0] == (
        "app.py:8:41: MX101 property 'email' is an e-mail address (personal data): send a "
        "pseudonymous ID instead or drop it ['email' matched 'email' (e-mail address, en)]"
    )
    assert (
        "legacy.py:7:5: MX001 cannot analyse this file: syntax error: Missing parentheses in "
        "call to 'print'. Did you mean print(...)?; its compliance is unknown"
    ) in proc.stdout.splitlines()


def test_parser_warnings_do_not_reach_stderr(tmp_path: Path) -> None:
    source = 'import re\nfrom mixpanel import Mixpanel\nDIGITS = re.compile("\\d+")\ndef f(:\n'
    root = make_project(tmp_path, {"legacy.py": source})
    # What Python 3.12 does by default, on every supported Python.
    warnings = "always::DeprecationWarning:<unknown>,always::SyntaxWarning"
    proc = subprocess.run(
        [sys.executable, "-m", "mixlint.cli", "check", ".", "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_TIMEOUT,
        env={**os.environ, "PYTHONWARNINGS": warnings, "NO_COLOR": "1"},
        check=False,
    )
    assert proc.stdout.startswith(
        "legacy.py:4:7: MX001 cannot analyse this file: syntax error: invalid syntax;"
    )
    assert (proc.returncode, proc.stderr) == (1, "")


# --------------------------------------------------------------------------- encodings


def variants_agree(tmp_path: Path, variant: bytes, name: str = "app.py") -> dict[str, Any]:
    """The report on ``variant`` of APP equals the report on APP itself."""
    _, plain = check_json(make_project(tmp_path / "plain", {name: APP}))
    _, other = check_json(make_project(tmp_path / "variant", {name: variant}))
    assert findings(other) == findings(plain)
    assert other["problems"] == []
    return other


def test_utf8_with_bom_is_read_like_utf8(tmp_path: Path) -> None:
    report = variants_agree(tmp_path, b"\xef\xbb\xbf" + APP.encode("utf-8"))
    assert APP_MX101 in positions(report)


LATIN1 = """\
# -*- coding: latin-1 -*-
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def bestellung(kunde, einwilligung):
    if einwilligung:
        mp.track(kunde.id, "Grüße gesendet", {"straße": kunde.strasse, "größe": 42})
"""


def test_pep263_latin1_file_with_umlauts_is_parsed_correctly(tmp_path: Path) -> None:
    root = make_project(tmp_path / "latin1", {"app.py": LATIN1.encode("latin-1")})
    code, report = check_json(root)
    # The same file saved as UTF-8 (the cookie then lies, but only for non-ASCII
    # bytes, which Python would reject): identical findings, columns in characters.
    utf8 = LATIN1.replace("latin-1", "utf-8").encode("utf-8")
    _, same = check_json(make_project(tmp_path / "utf8", {"app.py": utf8}))
    assert findings(report) == findings(same)
    assert report["problems"] == []
    mx101 = [f for f in findings(report) if f[0] == "MX101"]
    assert [f[:6] for f in mx101] == [("MX101", "app.py", 9, 47, 9, 55)]
    assert "'straße'" in mx101[0][6]
    assert code == 1
    # The text report prints the line decoded, umlauts intact.
    _, text, _ = invoke("check", root, "--no-cache", "--select", "MX101")
    assert '9 |         mp.track(kunde.id, "Grüße gesendet", {"straße": ' in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b'x = "caf\xe9"\n', "invalid or missing encoding declaration"),
        (
            b"# a comment\nx = 1\n\ny = 'caf\xe9'\n",
            "'utf-8' codec can't decode byte 0xe9 in position 27: invalid continuation byte",
        ),
    ],
    ids=["first-line", "fourth-line"],
)
def test_invalid_utf8_without_a_cookie_is_mx001(tmp_path: Path, data: bytes, message: str) -> None:
    root = make_project(tmp_path, {"app.py": APP, "latin.py": data})
    code, report = check_json(root)
    assert mx001_of(report) == [mx001("latin.py", 1, 1, f"cannot decode file: {message}")]
    assert APP_MX101 in positions(report)
    assert code == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"# -*- coding: klingon -*-\nx = 1\n", "cannot decode file: unknown encoding: klingon"),
        (
            b"\xef\xbb\xbf# -*- coding: latin-1 -*-\nx = 1\n",
            "cannot decode file: encoding problem: utf-8",
        ),
        (b"x = 1\x00\n", "file contains NUL bytes"),
        ("x = 'utf-16'\n".encode("utf-16"), "file contains NUL bytes"),
    ],
    ids=["unknown-cookie", "bom-and-other-cookie", "nul-byte", "utf-16"],
)
def test_undecodable_files_are_mx001(tmp_path: Path, data: bytes, message: str) -> None:
    root = make_project(tmp_path, {"app.py": APP, "odd.py": data})
    code, report = check_json(root)
    assert mx001_of(report) == [mx001("odd.py", 1, 1, message)]
    assert APP_MX101 in positions(report)
    assert code == 1


@pytest.mark.parametrize("newline", ["\r\n", "\r"], ids=["crlf", "cr"])
def test_crlf_and_lone_cr_line_endings(tmp_path: Path, newline: str) -> None:
    report = variants_agree(tmp_path, APP.replace("\n", newline).encode("utf-8"))
    assert APP_MX101 in positions(report)


def test_mixed_line_endings(tmp_path: Path) -> None:
    lines = APP.splitlines(keepends=True)
    mixed = "".join(
        line.replace("\n", "\r\n") if number % 2 else line for number, line in enumerate(lines)
    )
    variants_agree(tmp_path, mixed.encode("utf-8"))


# A form feed is whitespace to Python, not a line break; str.splitlines() breaks
# lines at it (and at \v, \x1c-\x1e, \x85, \u2028, \u2029), so source lines
# must be split at \n, \r\n and \r only.
FORM_FEED_APP = APP.replace("\n\n\ndef signup", "\n\n\x0c\ndef signup").replace(
    '"Signed Up"', '"Signed\\x0cUp\u2028"'
)


def test_form_feeds_and_unicode_line_separators_are_not_line_breaks(tmp_path: Path) -> None:
    source = FORM_FEED_APP.replace(
        '{"email": user.email})', '{"email": user.email})  # mixlint: ignore[MX101] -- ok'
    )
    root = make_project(tmp_path, {"app.py": source})
    code, report = check_json(root, "--select", "MX101,MX002")
    # Suppressed on its own line, and no MX002 "unused suppression" elsewhere.
    assert findings(report) == []
    assert [f["rule"] for f in report["findings"]] == ["MX101"]
    assert code == 0
    root = make_project(tmp_path / "unsuppressed", {"app.py": FORM_FEED_APP})
    _, text, _ = invoke("check", root, "--no-cache", "--select", "MX101")
    assert text.splitlines()[1].startswith('8 |         mp.track(user.id, "Signed')


def test_form_feed_positions(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": FORM_FEED_APP})
    _, report = check_json(root, "--select", "MX101")
    assert positions(report) == [("MX101", "app.py", 8, 45, 8, 52)]


def test_tabs_count_as_one_column(tmp_path: Path) -> None:
    source = APP.replace("    if consent:\n        mp", "\tif consent:\n\t\tmp")
    root = make_project(tmp_path, {"app.py": source})
    _, report = check_json(root, "--select", "MX101")
    assert positions(report) == [("MX101", "app.py", 8, 35, 8, 42)]
    _, text, _ = invoke("check", root, "--no-cache", "--select", "MX101")
    # The marker line copies the tabs, so the terminal puts ^ under the key.
    assert "\n  | \t\t" + " " * 32 + "^^^^^^^\n" in text


def test_empty_and_whitespace_only_files(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app.py": APP,
            "empty.py": b"",
            "blank.py": b"\n\n  \n",
            "ff.py": b"\x0c\n",
            "bom.py": b"\xef\xbb\xbf",
        },
    )
    code, report = check_json(root)
    assert report["problems"] == []
    assert {f[1] for f in findings(report)} == {"app.py"}
    assert report["summary"]["files_analysed"] == 5
    assert code == 1


# --------------------------------------------------------------------------- size and depth


def test_50000_line_file(tmp_path: Path) -> None:
    # Generated code: one assignment in ten lines, comments in between (a file
    # of 50,000 assignments takes ~16 s here: close to the default time limit).
    body = "".join(
        f"VALUE_{i} = {i}\n" if i % 10 == 0 else f"# generated line {i}\n" for i in range(49_990)
    )
    source = APP.replace("\n\ndef signup", "\n" + body + "\ndef signup")
    assert source.count("\n") == 49_998
    root = make_project(tmp_path, {"app.py": source})
    code, report = check_json(root, "--select", "MX101", "--timeout", "600")
    assert positions(report) == [("MX101", "app.py", 49_998, 41, 49_998, 48)]
    assert report["problems"] == []
    assert code == 1


def test_5_mb_single_line_file(tmp_path: Path) -> None:
    blob = "ab" * (5 * 1024 * 1024 // 2)
    source = (
        'from mixpanel import Mixpanel; mp = Mixpanel("t"); DATA = "'
        + blob
        + '"; mp.track("u1", "Signed Up", {"email": "x"})\n'
    )
    assert len(source) > 5 * 1024 * 1024 and source.count("\n") == 1
    root = make_project(tmp_path, {"app.py": source})
    column = source.index('"email"') + 1
    code, report = check_json(root, "--select", "MX101", "--timeout", "600")
    assert positions(report) == [("MX101", "app.py", 1, column, 1, column + 7)]
    assert code == 1
    sarif_code, sarif, _ = invoke(
        "check", root, "--no-cache", "--format", "sarif", "--select", "MX101"
    )
    assert sarif_code == 1 and len(sarif) < 200_000


def test_long_line_text_report_stays_small(tmp_path: Path) -> None:
    # 1 MB is enough to show it (5 MB takes ~20 s).
    source = 'from mixpanel import Mixpanel; mp = Mixpanel("t"); DATA = "' + "ab" * 524_288
    source += '"; mp.track("u1", "Signed Up", {"email": "x"})\n'
    root = make_project(tmp_path, {"app.py": source})
    start = time.monotonic()
    code, text, _ = invoke("check", root, "--no-cache", "--select", "MX101", "--timeout", "600")
    assert code == 1
    assert len(text) < 10_000
    assert time.monotonic() - start < 15


def test_larger_than_10_mb_is_mx001(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP, "huge.py": b"x = 1\n" * (2 * 1024 * 1024)})
    code, report = check_json(root)
    assert mx001_of(report) == [mx001("huge.py", 1, 1, "file is larger than 10 MB")]
    assert APP_MX101 in positions(report)
    assert code == 1


@pytest.mark.parametrize("size", [2_000, pytest.param(10_000, marks=pytest.mark.long)])
def test_dict_literal_with_thousands_of_keys(tmp_path: Path, size: int) -> None:
    keys = ", ".join(f'"field_{i}": row[{i}]' for i in range(size - 1))
    source = APP.replace('{"email": user.email}', "{" + keys + ', "email": user.email}')
    root = make_project(tmp_path, {"app.py": source})
    column = source.splitlines()[7].index('"email"') + 1
    code, report = check_json(root, "--select", "MX101", "--timeout", "600")
    assert positions(report) == [("MX101", "app.py", 8, column, 8, column + 7)]
    assert code == 1


DEEP = 1000
_TRACKING = 'from mixpanel import Mixpanel\nmp = Mixpanel("t")\n'
# Each shape nested DEEP levels deep. Redundant parentheses add no depth to libcst's
# tree; every other shape is too deep to analyse. Some cost libcst's parser seconds and
# gigabytes (calls 2.3 GB, dicts 1.6 GB, lists 1 GB): by default a cheap one stands for
# them all, and MIXLINT_LONG_TESTS=1 runs every shape.
DEEPLY_NESTED = {
    "parens.py": _TRACKING + "x = " + "(" * DEEP + "1" + ")" * DEEP + "\n",
    "calls.py": _TRACKING + "x = " + "f(" * DEEP + "1" + ")" * DEEP + "\n",
    "lists.py": _TRACKING + "x = " + "[" * DEEP + "]" * DEEP + "\n",
    "binop.py": _TRACKING + "x = " + " + ".join(["'a'"] * DEEP) + "\n",
    "attrs.py": _TRACKING + "x = y" + ".a" * DEEP + "\n",
    "lambdas.py": _TRACKING + "f = " + "lambda: " * DEEP + "1\n",
    "nots.py": _TRACKING + "x = " + "not " * DEEP + "y\n",
    "unary.py": _TRACKING + "x = " + "-" * DEEP + "1\n",
    "subscripts.py": _TRACKING + "x = y" + "[0]" * DEEP + "\n",
    "calls_chain.py": _TRACKING + "x = y" + ".a()" * DEEP + "\n",
    "dict_nest.py": _TRACKING + "x = " + "{'a': " * DEEP + "1" + "}" * DEEP + "\n",
}


@pytest.mark.parametrize(
    "shapes",
    [
        pytest.param(("parens.py", "binop.py"), id="parens-and-sum"),
        pytest.param(tuple(DEEPLY_NESTED), id="every-shape", marks=pytest.mark.long),
    ],
)
def test_expressions_nested_1000_levels_deep(tmp_path: Path, shapes: tuple[str, ...]) -> None:
    root = make_project(tmp_path, {"app.py": APP, **{name: DEEPLY_NESTED[name] for name in shapes}})
    proc = mixlint(
        "check", ".", "--no-cache", "--select", "MX001,MX101", "--format", "json",
        "--timeout", "600", cwd=root,
    )  # fmt: skip
    # No RecursionError (or any traceback) escapes; a file that cannot be
    # analysed is MX001, never skipped; every other file is analysed.
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    too_deep = sorted(set(shapes) - {"parens.py"})
    assert mx001_of(report) == [
        mx001(name, 1, 1, "file is nested too deeply to analyse") for name in too_deep
    ]
    # Redundant parentheses add no depth to libcst's tree: analysed like any file.
    assert APP_MX101 in positions(report)
    assert proc.returncode == 1


# --------------------------------------------------------------------------- file system


def test_unreadable_file(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP, "secret.py": "x = 1\n"})
    (root / "secret.py").chmod(0)
    preexec = unprivileged()
    assert_unreadable(root / "secret.py", preexec)
    proc = mixlint(
        "check", ".", "--no-cache", "--select", "MX001,MX101", cwd=root, preexec_fn=preexec
    )
    assert proc.stderr == ""
    assert proc.returncode == 1
    assert proc.stdout.splitlines()[0].startswith("app.py:8:41: MX101 ")
    assert (
        "secret.py:1:1: MX001 cannot analyse this file: cannot read file: Permission denied; "
        "its compliance is unknown"
    ) in proc.stdout.splitlines()


def test_unreadable_folder(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP, "private/inner.py": "x = 1\n"})
    (root / "private").chmod(0)
    preexec = unprivileged()
    try:
        assert_unreadable(root / "private" / "inner.py", preexec)
        proc = mixlint("check", ".", "--no-cache", "--format", "json", cwd=root, preexec_fn=preexec)
    finally:
        (root / "private").chmod(0o755)
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert mx001_of(report) == [mx001("private", 1, 1, "cannot read directory: Permission denied")]
    assert proc.returncode == 1


def test_broken_symlink(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    (root / "gone.py").symlink_to(root / "deleted.py")
    code, report = check_json(root)
    assert mx001_of(report) == [mx001("gone.py", 1, 1, "broken symbolic link")]
    assert APP_MX101 in positions(report)
    assert code == 1


def test_symlink_loop(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    (root / "pkg").mkdir()
    (root / "pkg" / "again").symlink_to(root)
    proc = mixlint("check", ".", "--no-cache", "--format", "json", cwd=root, timeout=60)
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert mx001_of(report) == [
        mx001("a.py", 1, 1, "symbolic link loop"),
        mx001("b.py", 1, 1, "symbolic link loop"),
    ]
    assert APP_MX101 in positions(report)
    assert proc.returncode == 1


def test_symlink_loop_named_on_the_command_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    (root / "a.py").symlink_to("a.py")
    proc = mixlint("check", "a.py", "--no-cache", "--format", "json", cwd=root, timeout=60)
    assert proc.stderr == ""
    assert mx001_of(json.loads(proc.stdout)) == [mx001("a.py", 1, 1, "symbolic link loop")]
    assert proc.returncode == 1


def test_directory_named_like_a_python_file_is_walked(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"x.py/app.py": APP})
    code, report = check_json(root)
    assert report["problems"] == []
    assert ("MX101", "x.py/app.py", 8, 41, 8, 48) in positions(report)
    code_named, named = check_json(root / "x.py")
    assert findings(named) == findings(report)
    assert code == code_named == 1


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_named_like_a_python_file_does_not_block(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    os.mkfifo(root / "x.py")
    for target in (".", "x.py"):
        proc = mixlint("check", target, "--no-cache", "--format", "json", cwd=root, timeout=60)
        assert proc.stderr == ""
        report = json.loads(proc.stdout)
        assert mx001_of(report) == [mx001("x.py", 1, 1, "not a regular file (it is a named pipe)")]
        assert proc.returncode == 1
    # The whole project is still analysed when only the FIFO is named.
    assert APP_MX101 in positions(
        json.loads(
            mixlint("check", ".", "--no-cache", "--format", "json", cwd=root, timeout=60).stdout
        )
    )


def test_socket_and_device_are_not_read(tmp_path: Path) -> None:
    import socket

    root = make_project(tmp_path, {"app.py": APP})
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(root / "sock.py"))
    except OSError as error:  # a path too long for AF_UNIX
        pytest.skip(f"cannot create a socket file here: {error}")
    if os.geteuid() == 0:  # a private null device: /dev/null itself may be damaged
        os.mknod(root / "null.py", stat.S_IFCHR | 0o666, os.makedev(1, 3))
    else:
        (root / "null.py").symlink_to(os.devnull)
    try:
        code, report = check_json(root)
    finally:
        server.close()
    assert mx001_of(report) == [
        mx001("null.py", 1, 1, "not a regular file (it is a character device)"),
        mx001("sock.py", 1, 1, "not a regular file (it is a socket)"),
    ]
    assert code == 1


def test_file_names_that_are_not_utf8(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    try:
        (root / os.fsdecode(b"caf\xe9.py")).write_text(APP)
        (root / os.fsdecode(b"d\xe9j\xe0")).mkdir()
        (root / os.fsdecode(b"d\xe9j\xe0") / "vu.py").write_text(APP)
    except (OSError, UnicodeError) as error:  # file systems that only take UTF-8 names
        pytest.skip(f"cannot create a file name that is not UTF-8 here: {error}")
    expected = [
        mx001("caf\\xe9.py", 1, 1, "file name is not valid UTF-8"),
        mx001("d\\xe9j\\xe0/vu.py", 1, 1, "file name is not valid UTF-8"),
    ]
    code, report = check_json(root)
    assert mx001_of(report) == expected
    assert APP_MX101 in positions(report)
    assert code == 1
    # Every format, to stdout and to a file (UTF-8, which such a name cannot be).
    for fmt in ("text", "json", "sarif", "github", "gitlab", "markdown"):
        proc = mixlint("check", ".", "--no-cache", "--format", fmt, "-o", f"out.{fmt}", cwd=root)
        assert (proc.returncode, proc.stderr) == (1, ""), fmt
        (root / f"out.{fmt}").read_text(encoding="utf-8")
    sarif = json.loads((root / "out.sarif").read_text(encoding="utf-8"))
    uris = {
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
    }
    assert {"caf%5Cxe9.py", "d%5Cxe9j%5Cxe0/vu.py"} <= uris
    proc = mixlint("check", ".", "--no-cache", "--write-baseline", "base.json", cwd=root)
    assert (proc.returncode, proc.stderr) == (0, "")
    # Named on the command line, the file is reported the same way.
    proc = mixlint("check", os.fsdecode(b"caf\xe9.py"), "--no-cache", "--format", "json", cwd=root)
    assert mx001_of(json.loads(proc.stdout)) == expected[:1]


def test_path_that_does_not_exist(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    proc = mixlint("check", "app.py", "nope/missing.py", cwd=root)
    assert_usage_error(proc, "path 'nope/missing.py' does not exist")


# --------------------------------------------------------------------------- configuration


CONFIG_ERRORS: dict[str, tuple[str, str, str]] = {
    "invalid-yaml": (
        ".mixlint.yaml",
        "select: [MX101\nignore: []\n",
        ".mixlint.yaml: not valid YAML (line 2, column 7): expected ',' or ']', but got ':'",
    ),
    "yaml-tab": (
        ".mixlint.yaml",
        "select:\n\t- MX101\n",
        ".mixlint.yaml: not valid YAML (line 2, column 1): found character '\\t' that cannot "
        "start any token",
    ),
    "yaml-not-a-mapping": (
        ".mixlint.yaml",
        "- MX101\n",
        ".mixlint.yaml: expected a mapping of settings, got a list",
    ),
    "invalid-toml": (
        "pyproject.toml",
        '[tool.mixlint]\nselect = ["MX101"\n',
        "pyproject.toml: not valid TOML (line 3): Unclosed array",
    ),
    "toml-wrong-type": (
        "pyproject.toml",
        '[tool.mixlint]\nselect = "MX101"\n',
        "pyproject.toml: [tool.mixlint] key 'select': expected a list of rule IDs "
        "(e.g. [\"MX101\"]), got 'MX101'",
    ),
    "yaml-wrong-type": (
        ".mixlint.yaml",
        "fail-on: 3\n",
        ".mixlint.yaml: key 'fail-on': expected one of error, warning, note, never, "
        "got an integer (3)",
    ),
    "unknown-key": (
        "pyproject.toml",
        '[tool.mixlint]\nselct = ["MX101"]\n',
        "pyproject.toml: [tool.mixlint] unknown key 'selct' (did you mean 'select'?)",
    ),
    "unknown-nested-key": (
        ".mixlint.yaml",
        "consent:\n  patern: consent\n",
        ".mixlint.yaml: unknown key 'consent.patern' (did you mean 'pattern'?)",
    ),
    "unknown-rule-in-select": (
        "pyproject.toml",
        '[tool.mixlint]\nselect = ["MX999"]\n',
        "pyproject.toml: [tool.mixlint] key 'select': unknown rule 'MX999'",
    ),
    "unknown-rule-in-ignore": (
        ".mixlint.yaml",
        "ignore: [MX101, XX1]\n",
        ".mixlint.yaml: key 'ignore': unknown rule 'XX1'",
    ),
    "unknown-rule-in-per-file-ignores": (
        "pyproject.toml",
        '[tool.mixlint.per-file-ignores]\n"tests/*" = ["MX101", "MX9"]\n',
        "pyproject.toml: [tool.mixlint] key 'per-file-ignores[\"tests/*\"]': unknown rule 'MX9'",
    ),
    "invalid-regex": (
        ".mixlint.yaml",
        "consent:\n  pattern: '(consent'\n",
        ".mixlint.yaml: key 'consent.pattern': invalid regular expression: missing ), "
        "unterminated subpattern at position 0",
    ),
    "not-utf8": (
        ".mixlint.yaml",
        "select: [MX101]  # caf\xe9\n",
        ".mixlint.yaml: not valid UTF-8",
    ),
}


@pytest.mark.parametrize("case", CONFIG_ERRORS)
def test_configuration_errors_are_one_line(
    tmp_path: Path, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    name, content, message = CONFIG_ERRORS[case]
    root = make_project(tmp_path, {"app.py": APP})
    data = content.encode("latin-1") if case == "not-utf8" else content.encode("utf-8")
    if name == "pyproject.toml":
        data = PYPROJECT.encode("utf-8") + data
        message = message.replace("(line 3", "(line 5")
    (root / name).write_bytes(data)
    assert_usage_error(mixlint("check", ".", "--no-cache", cwd=root), message)
    # Named with --config, the message names it the same way (in-process: quicker).
    monkeypatch.chdir(root)
    code, out, err = invoke("check", ".", "--no-cache", "--config", name)
    assert (code, out, err) == (2, "", f"mixlint: error: {message}\n")


def test_unknown_rule_on_the_command_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    assert_usage_error(
        mixlint("check", ".", "--select", "MX101,MX999", cwd=root), "--select: unknown rule 'MX999'"
    )
    assert_usage_error(
        mixlint("check", ".", "--ignore", "FOO", cwd=root), "--ignore: unknown rule 'FOO'"
    )
    assert_usage_error(
        mixlint("check", ".", "--config", "missing.yaml", cwd=root),
        "config file 'missing.yaml' does not exist",
    )


def test_unknown_rule_in_an_inline_suppression_is_reported_where_it_is(tmp_path: Path) -> None:
    # Source comments are not configuration: the run goes on and MX002 names the place.
    source = APP.replace(
        '{"email": user.email})', '{"email": user.email})  # mixlint: ignore[MX101, MX999]'
    )
    root = make_project(tmp_path, {"app.py": source})
    code, report = check_json(root)
    assert [f for f in findings(report) if f[0] == "MX002"] == [
        ("MX002", "app.py", 8, 64, 8, 95, "unknown rule 'MX999' in suppression")
    ]
    assert [f["suppressed"] for f in report["findings"] if f["rule"] == "MX101"] == ["inline"]
    assert code == 1


def test_baseline_problems_are_one_line(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    (root / "corrupt.json").write_text('{"tool": "mixlint", "findings": [', encoding="utf-8")
    (root / "list.json").write_text("[]\n", encoding="utf-8")
    (root / "binary.json").write_bytes(b"\xff\xfe\x00")
    (root / "folder.json").mkdir()
    cases = {
        "missing.json": "baseline 'missing.json': file not found "
        "(create it with 'mixlint check --write-baseline missing.json')",
        "corrupt.json": "baseline 'corrupt.json': not valid JSON (line 1)",
        "list.json": "baseline 'list.json': not a mixlint baseline (expected a JSON object with "
        '"tool": "mixlint" and a "findings" list)',
        "binary.json": "baseline 'binary.json': not valid UTF-8",
        "folder.json": "Invalid value for '--baseline': File 'folder.json' is a directory.",
    }
    for name, message in cases.items():
        assert_usage_error(
            mixlint("check", ".", "--no-cache", "--baseline", name, cwd=root), message
        )


def test_unreadable_baseline(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    assert (
        mixlint("check", ".", "--no-cache", "--write-baseline", "base.json", cwd=root).returncode
        == 0
    )
    (root / "base.json").chmod(0)
    preexec = unprivileged()
    assert_unreadable(root / "base.json", preexec)
    proc = mixlint(
        "check", ".", "--no-cache", "--baseline", "base.json", cwd=root, preexec_fn=preexec
    )
    assert_usage_error(proc, "Invalid value for '--baseline': File 'base.json' is not readable.")
    # Named in the configuration, the baseline is read by mixlint itself.
    (root / ".mixlint.yaml").write_text("baseline: base.json\n", encoding="utf-8")
    proc = mixlint("check", ".", "--no-cache", cwd=root, preexec_fn=preexec)
    assert_usage_error(proc, "baseline 'base.json': cannot read: Permission denied")


def test_output_in_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    assert_usage_error(
        mixlint("check", ".", "--no-cache", "-o", "reports/out.json", cwd=root),
        "cannot write 'reports/out.json': directory 'reports' does not exist",
    )
    assert not (root / "reports").exists()
    assert_usage_error(
        mixlint("inventory", ".", "--no-cache", "-o", "reports/inventory.md", cwd=root),
        "cannot write 'reports/inventory.md': directory 'reports' does not exist",
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_output_to_a_fifo_or_a_device_writes_into_it(tmp_path: Path) -> None:
    # Never /dev/null itself: the bug this guards against would replace it.
    root = make_project(tmp_path, {"app.py": APP})
    fifo = tmp_path / "report.pipe"
    os.mkfifo(fifo)
    # The reading end, opened first and without blocking; the small report fits
    # in the pipe's buffer, so the writer never waits for a reader.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        proc = mixlint(
            "check", ".", "--no-cache", "--format", "json", "-o", fifo, cwd=root, timeout=60
        )
        chunks = []
        while True:
            try:
                chunk = os.read(reader, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert proc.returncode == 1 and proc.stderr == ""
    assert APP_MX101 in positions(json.loads(b"".join(chunks)))
    if os.geteuid() == 0:
        null = tmp_path / "null"
        os.mknod(null, stat.S_IFCHR | 0o666, os.makedev(1, 3))
        proc = mixlint("check", ".", "--no-cache", "-o", null, cwd=root, timeout=60)
        assert stat.S_ISCHR(os.lstat(null).st_mode)
        assert (proc.returncode, proc.stderr) == (1, "")


def test_write_baseline_in_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    assert_usage_error(
        mixlint("check", ".", "--no-cache", "--write-baseline", "nope/base.json", cwd=root),
        "baseline 'nope/base.json': cannot write: directory 'nope' does not exist",
    )


def cache_entries(root: Path) -> list[Path]:
    return sorted(p for p in (root / ".mixlint_cache").rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: b"\x80\x04garbage" + data[::-1],
        lambda data: b'{"not": "a cache entry"}',
    ],
    ids=["empty", "truncated", "garbage", "json"],
)
def test_corrupt_cache_entries_are_silently_rebuilt(
    tmp_path: Path, damage: Callable[[bytes], bytes]
) -> None:
    root = make_project(tmp_path, {"app.py": APP, "legacy.py": LEGACY, "lib/util.py": "X = 1\n"})
    first = mixlint("check", ".", "--format", "json", cwd=root)
    assert first.returncode == 1 and first.stderr == ""
    entries = cache_entries(root)
    assert entries, "the first run wrote no cache"
    for entry in entries:
        entry.write_bytes(damage(entry.read_bytes()))
    second = mixlint("check", ".", "--format", "json", cwd=root)
    assert (second.returncode, second.stdout, second.stderr) == (1, first.stdout, "")
    third = mixlint("check", ".", "--format", "json", cwd=root)
    assert (third.returncode, third.stdout, third.stderr) == (1, first.stdout, "")


def test_cache_folder_that_cannot_be_written_is_not_an_error(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": APP})
    (root / ".mixlint_cache").write_text("a file where the cache folder should be\n")
    proc = mixlint("check", ".", "--format", "json", cwd=root)
    assert proc.returncode == 1 and proc.stderr == ""
    assert APP_MX101 in positions(json.loads(proc.stdout))


# --------------------------------------------------------------------------- invariants


PROBE = """\
import os, sys
open({sentinel!r}, "w").write("executed " + __name__)
from mixpanel import Mixpanel
mp = Mixpanel("t")
mp.track("u1", "Imported", {{"email": "max@example.de"}})
raise SystemExit("imported!")
"""


def test_scanned_code_is_never_imported_or_executed(tmp_path: Path) -> None:
    sentinel = tmp_path / "sentinel.txt"
    probe = PROBE.format(sentinel=str(sentinel))
    files = {
        "mixlint_probe_module.py": probe,
        "mixlint_probe_pkg/__init__.py": probe,
        "mixlint_probe_pkg/sub.py": probe,
        "conftest.py": probe,
        "setup.py": probe,
        "sitecustomize.py": probe,
        "usercustomize.py": probe,
        "__main__.py": probe,
        # Named like the SDK and like mixlint's own dependencies.
        "mixpanel.py": probe,
        "yaml.py": probe,
        "click.py": probe,
        "libcst.py": probe,
        "pathspec.py": probe,
    }
    root = make_project(tmp_path / "project", files)
    before = set(sys.modules)
    code, report = check_json(root)
    assert not sentinel.exists()
    assert {name for name in set(sys.modules) - before if "probe" in name} == set()
    assert report["problems"] == []
    assert code == 1
    # The console script, run from inside the project as a pre-commit hook does.
    script = Path(sys.executable).with_name("mixlint")
    commands = [[sys.executable, "-m", "mixlint.cli"]]
    if script.exists():
        commands.append([str(script)])
    for command in commands:
        for args in (["check", ".", "--format", "json"], ["inventory", ".", "--format", "json"]):
            cwd = root if command[0] == str(script) else tmp_path
            target = "." if cwd == root else "project"
            proc = subprocess.run(
                [*command, args[0], target, *args[2:]],
                cwd=cwd,
                capture_output=True,
                text=True,
                timeout=SUBPROCESS_TIMEOUT,
                check=False,
            )
            assert not sentinel.exists(), (command, args)
            assert proc.stderr == "", proc.stderr
            assert proc.returncode == (1 if args[0] == "check" else 0)
            json.loads(proc.stdout)
    assert not list(root.rglob("__pycache__"))


def test_scanned_tree_is_unchanged_after_a_run(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app.py": APP,
            "legacy.py": LEGACY,
            "pkg/__init__.py": "",
            "pkg/views.py": APP.replace("Signed Up", "Viewed"),
            "latin.py": LATIN1.encode("latin-1"),
            "reports/.keep": "",
        },
    )
    (root / "link.py").symlink_to("app.py")
    (root / "script.py").write_text("print('x')\n")
    (root / "script.py").chmod(0o755)
    (root / "readonly.py").write_text("x = 1\n")
    (root / "readonly.py").chmod(0o444)
    (root / "reports" / "old.json").write_text("old\n")
    before = tree_state(root)
    time.sleep(0.01)  # an accidental rewrite would change mtimes
    for args in (
        ["check", ".", "-o", "reports/old.json", "--format", "json"],
        ["check", ".", "--write-baseline", "baseline.json"],
        ["check", ".", "--baseline", "baseline.json", "--format", "sarif", "-o", "out.sarif"],
        ["check", "app.py", "--format", "markdown"],
        ["inventory", ".", "-o", "reports/inventory.md"],
    ):
        proc = mixlint(*args, cwd=root)
        assert proc.returncode in (0, 1) and proc.stderr == "", (args, proc.stderr)
    after = tree_state(root)
    named = {"reports/old.json", "baseline.json", "out.sarif", "reports/inventory.md"}
    changed = {
        path
        for path in set(before) | set(after)
        if before.get(path) != after.get(path)
        and path != ".mixlint_cache"
        and not path.startswith(".mixlint_cache/")
    }
    assert changed == named


def test_output_is_written_atomically_when_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mixlint.atomic

    root = make_project(tmp_path, {"app.py": APP})
    out = root / "report.json"
    out.write_text("the old report\n")

    real_fdopen = os.fdopen

    class Interrupted(BaseException):
        pass

    def fdopen(fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = real_fdopen(fd, *args, **kwargs)
        real_write = handle.write

        def write(data: bytes) -> int:
            real_write(data[: len(data) // 2])
            handle.flush()
            raise Interrupted  # as a KeyboardInterrupt or SIGTERM would, mid-write

        handle.write = write
        return handle

    monkeypatch.setattr(mixlint.atomic.os, "fdopen", fdopen)
    with pytest.raises(Interrupted):
        invoke("check", root, "--no-cache", "--format", "json", "-o", out)
    monkeypatch.undo()
    assert out.read_text() == "the old report\n"
    assert sorted(p.name for p in root.iterdir()) == ["app.py", "pyproject.toml", "report.json"]
    code, _, _ = invoke("check", root, "--no-cache", "--format", "json", "-o", out)
    assert code == 1
    assert APP_MX101 in positions(json.loads(out.read_text()))


def _no_process_mentions(text: str, wait: float = 10.0) -> bool:
    """No process (a forked worker keeps its parent's command line) names ``text``."""
    deadline = time.monotonic() + wait
    while True:
        alive = []
        for entry in Path("/proc").iterdir():
            try:
                if entry.name.isdigit() and text in (entry / "cmdline").read_bytes().decode(
                    "utf-8", "replace"
                ):
                    alive.append(entry.name)
            except OSError:
                continue
        if not alive or time.monotonic() > deadline:
            return not alive
        time.sleep(0.2)


def test_output_survives_sigkill_at_any_moment(tmp_path: Path) -> None:
    # A report of a few hundred findings, so that writing it takes a moment.
    files = {f"m{i}.py": APP.replace("Signed Up", f"Event {i}") for i in range(40)}
    root = make_project(tmp_path, files)
    out = root / "report.sarif"
    complete = mixlint("check", ".", "--no-cache", "--format", "sarif", "-o", out, cwd=root)
    assert complete.returncode == 1
    new = out.read_text()
    out.write_text("old\n")
    started = time.monotonic()
    full = mixlint("check", ".", "--no-cache", "--format", "sarif", cwd=root)
    duration = time.monotonic() - started
    assert full.stdout == new
    env = {**os.environ, "NO_COLOR": "1"}
    for step in range(5):
        out.write_text("old\n")
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "mixlint.cli",
                "check",
                ".",
                "--no-cache",
                "--format",
                "sarif",
                "-o",
                str(out),
            ],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(duration * (0.6 + step / 6))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=SUBPROCESS_TIMEOUT)
        assert out.read_text() in ("old\n", new)
        assert _no_process_mentions(str(out)), "worker processes outlived their mixlint"
        # SIGKILL may leave the temporary file beside it (nothing can remove it
        # then); never a torn report.
        for stray in root.glob(".report.sarif.*.tmp"):
            stray.unlink()


PERSONAL = {
    "email": "jane.doe@example.com",
    "phone": "+49 30 12345678",
    "iban": "DE89370400440532013000",
    "card": "4111 1111 1111 1111",
    "card_compact": "4111111111111111",
    "ipv4": "203.0.113.77",
    "ipv6": "2001:db8:85a3::8a2e:370:7334",
}
# What must never be printed: the literal, and the part masking hides.
SECRETS = {
    "email": ["jane.doe"],
    "phone": ["12345678", "30 123"],
    "iban": ["0532013000", "370400440532"],
    "card": ["1111 1111 1111 1111", "4111 1111 1111"],
    "card_compact": ["411111111111"],
    "ipv4": ["113.77"],
    "ipv6": ["8a2e:370:7334"],
}

EMAIL, PHONE, IBAN = PERSONAL["email"], PERSONAL["phone"], PERSONAL["iban"]
CARD, CARD_COMPACT = PERSONAL["card"], PERSONAL["card_compact"]
IPV4, IPV6 = PERSONAL["ipv4"], PERSONAL["ipv6"]
PII_APP = "\n".join(
    [
        "from mixpanel import Mixpanel",
        "",
        'mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")',
        f'SUPPORT = "{EMAIL}"',
        "",
        "",
        "def signup(user):",
        f'    mp.track("{EMAIL}", "Signed Up", {{"contact": "{EMAIL}", "phone": "{PHONE}"}})',
        f'    mp.track(user.id, "Paid", {{"iban": "{IBAN}", "card": "{CARD}", "ip": "{IPV4}"}})',
        f'    mp.people_set("{EMAIL}", {{"$email": SUPPORT, "$phone": "{PHONE}"}})',
        f'    mp.track(user.id, "Mail to {EMAIL}",'
        f' {{"note": "call {PHONE} or {CARD_COMPACT} at {IPV4}"}})',
        f'    mp.track(user.id, "IPv6", {{"ip": "{IPV6}"}})'
        f"  # mixlint: ignore[MX102] -- ok per {EMAIL}",
        f'    mp.track(user.id, "Dist", distinct_id="{EMAIL}")',
        f'    mp.track(user.id, "Concat", {{"to": "mailto:" + "{EMAIL}"}})',
        f'    mp.track(user.id, "Fmt", {{"to": f"{{user.id}}:{EMAIL}"}})',
        f"    # a note about {IBAN} and {IPV6}",
        "",
    ]
)
# The tail of a long literal is cut where an expression's text is shortened.
LONG_PII_APP = f"""\
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def signup(user):
    mp.track(user.id, "Long", {{"note": "{"a" * 221} {PERSONAL["email"]}"}})
    mp.track(user.id, "Longer", {{"note": "{"a" * 224} {PERSONAL["card"]}"}})
"""


def assert_no_personal_data(text: str, where: str) -> None:
    for kind, parts in SECRETS.items():
        for part in [PERSONAL[kind], *parts]:
            assert part not in text, f"{where}: {kind} {part!r} leaked"


def pii_outputs(root: Path) -> Iterator[tuple[str, str]]:
    for fmt in ("text", "json", "sarif", "github", "gitlab", "markdown"):
        code, out, err = invoke(
            "check", root, "--no-cache", "--format", fmt, "--show-suppressed", "--statistics"
        )
        assert code in (0, 1), (fmt, err)
        yield f"check --format {fmt} --statistics", out + err
        code, out, err = invoke("check", root, "--no-cache", "--format", fmt, "--show-suppressed")
        yield f"check --format {fmt}", out + err
    for fmt in ("json", "markdown", "csv"):
        code, out, err = invoke("inventory", root, "--no-cache", "--format", fmt)
        assert code in (0, 1), (fmt, err)
        yield f"inventory --format {fmt}", out + err


def test_no_report_contains_personal_data_found_in_the_code(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": PII_APP})
    _, report = check_json(root)
    assert {f[0] for f in findings(report)} >= {"MX102"}  # the literals were found
    for where, text in pii_outputs(root):
        assert_no_personal_data(text, where)


def test_baseline_file_contains_no_personal_data(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": PII_APP})
    assert invoke("check", root, "--no-cache", "--write-baseline", root / "base.json")[0] == 0
    assert_no_personal_data((root / "base.json").read_text(), "baseline")


def test_no_report_contains_personal_data_cut_at_the_text_limit(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"app.py": LONG_PII_APP})
    for where, text in pii_outputs(root):
        assert_no_personal_data(text, where)


def test_syntax_error_messages_do_not_leak_personal_data(tmp_path: Path) -> None:
    broken = f'from mixpanel import Mixpanel\nmp.track("u", "E", {{"to": "{EMAIL}"\n'
    unterminated = f'from mixpanel import Mixpanel\nmp.track("u", "E", {{"to": "{EMAIL}}})\n'
    root = make_project(tmp_path, {"broken.py": broken, "unterminated.py": unterminated})
    _, report = check_json(root)
    assert [f[1] for f in mx001_of(report)] == ["broken.py", "unterminated.py"]
    for where, text in pii_outputs(root):
        assert_no_personal_data(text, where)


# ------------------------------------------------------------------ the per-file time limit


def test_timeout_turns_a_slow_file_into_mx001(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mixlint.parse

    real = mixlint.parse.summarize_bytes

    def slow(data: bytes, relative: str, *args: Any, **kwargs: Any) -> Any:
        if relative == "slow.py":
            time.sleep(60)  # a pathological file, as far as the clock can tell
        return real(data, relative, *args, **kwargs)

    monkeypatch.setattr(mixlint.parse, "summarize_bytes", slow)
    root = make_project(tmp_path, {"app.py": APP, "slow.py": APP.replace("Signed Up", "Slow")})
    started = time.monotonic()
    code, report = check_json(root, "--timeout", "0.5", "--jobs", "1")
    assert time.monotonic() - started < 30
    assert mx001_of(report) == [mx001("slow.py", 1, 1, "analysis timed out after 0.5s")]
    assert APP_MX101 in positions(report)
    assert ("MX101", "slow.py", 8, 41, 8, 48) not in positions(report)
    assert code == 1


def test_timeout_on_a_real_pathological_file(tmp_path: Path) -> None:
    body = "".join(f"def f{i}(x):\n    return x + {i}\n" for i in range(20_000))
    root = make_project(tmp_path, {"app.py": APP, "generated.py": APP + body})
    proc = mixlint(
        "check", ".", "--no-cache", "--timeout", "1", "--format", "json", "--jobs", "1", cwd=root
    )
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert mx001_of(report) == [mx001("generated.py", 1, 1, "analysis timed out after 1s")]
    assert APP_MX101 in positions(report)
    assert proc.returncode == 1


# libcst's parser is native code that the alarm cannot interrupt: a file large
# enough for it to outlast the limit is analysed in a child process, killed in time.
# A 4 MB list of ints takes libcst ~30 s (mixlint ~30-38 s with --timeout 1 before
# files were isolated; ~3 s since).
PATHOLOGICAL = "import mixpanel\nDATA = [" + ",".join(map(str, range(600_000))) + "]\n"
# Tracking modules besides app.py, so that more files are parsed than the worker
# pool's minimum: with --jobs 2 the slow file is analysed in a worker.
EVENTS = {f"events_{i}.py": APP.replace("Signed Up", f"Event {i}") for i in range(8)}


def isolation_threshold(timeout: float) -> float:
    from mixlint.run.summarise import ISOLATE_BYTES_PER_S

    return timeout * ISOLATE_BYTES_PER_S


def count_children(monkeypatch: pytest.MonkeyPatch, log: Path) -> Callable[[], int]:
    """Record each analysis in a child process (in this process or a forked worker)."""
    from mixlint import killable

    real = killable.in_child

    def spy(*args: Any) -> Any:
        with log.open("a") as handle:
            handle.write("child\n")
        return real(*args)

    monkeypatch.setattr(killable, "in_child", spy)
    return lambda: len(log.read_text().splitlines()) if log.exists() else 0


# Small but deep: libcst's native parser takes time cubic in some nestings, far below
# the size at which a file is isolated. A 4,000-term sum (8 KB) takes it ~11 s; 1,500
# nested calls (3 KB) overflow its stack (a segmentation fault). CPython's syntax tree
# shows the depth in a millisecond.
LONG_SUM = "import mixpanel\nx = " + " + ".join(["1"] * 4000) + "\n"
DEEP_CALLS = "import mixpanel\nx = " + "f(" * 1500 + "1" + ")" * 1500 + "\n"


def test_the_pathological_files_are_below_or_above_the_isolation_size() -> None:
    assert len(PATHOLOGICAL) > 4_000_000 > isolation_threshold(1)
    assert len(LONG_SUM) < isolation_threshold(1)
    assert len(DEEP_CALLS) < isolation_threshold(1)


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("source", "timeout", "problem"),
    [
        # Half a second: the child parsing the big literal grows by some 600 MB a
        # second, on top of what it shares with this process.
        (PATHOLOGICAL, "0.5", "analysis timed out after 0.5s"),
        (LONG_SUM, "1", "analysis timed out after 1s"),
        (DEEP_CALLS, "1", "the parser crashed"),
    ],
    ids=["big-literal", "long-sum", "deep-calls"],
)
def test_a_pathological_file_cannot_stall_or_crash_the_run(
    tmp_path: Path, jobs: str, source: str, timeout: str, problem: str
) -> None:
    from mixlint.run import options as run_options

    files = {"app.py": APP, **EVENTS}
    _, clean = check_json(make_project(tmp_path / "clean", files), "--timeout", timeout)
    root = make_project(tmp_path / "slow", {**files, "slow.py": source})
    started = time.monotonic()
    code, report = check_json(root, "--timeout", timeout, "--jobs", jobs)
    assert time.monotonic() - started < 10
    assert run_options.LAST_STATS.parallel is (jobs == "2")
    assert mx001_of(report) == [mx001("slow.py", 1, 1, problem)]
    assert [f for f in findings(report) if f[1] != "slow.py"] == findings(clean)
    assert APP_MX101 in positions(report)
    assert code == 1


def test_a_parser_crash_prints_nothing_with_faulthandler_on(tmp_path: Path) -> None:
    # The user's faulthandler (PYTHONFAULTHANDLER, -X faulthandler) is for mixlint's
    # own crashes: the parser's, in the child, is the finding, not a dump of frames.
    root = make_project(tmp_path, {"app.py": APP, "slow.py": DEEP_CALLS})
    proc = subprocess.run(
        [sys.executable, "-m", "mixlint.cli", "check", ".", "--no-cache", "--format", "json",
         "--select", "MX001,MX101"],
        cwd=root, capture_output=True, text=True, timeout=SUBPROCESS_TIMEOUT,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"}, check=False,
    )  # fmt: skip
    assert proc.stderr == ""
    report = json.loads(proc.stdout)
    assert mx001_of(report) == [mx001("slow.py", 1, 1, "the parser crashed")]
    assert positions(report) == [APP_MX101, ("MX001", "slow.py", 1, 1, 1, 1)]
    assert proc.returncode == 1


def test_ordinary_code_is_not_isolated_and_deep_or_broken_code_is() -> None:
    from mixlint.run.summarise import ISOLATE_DEPTH, _maybe_deep

    for path in sorted(Path(__file__).parent.glob("fixtures/*/**/*.py")):
        assert not _maybe_deep(path.read_bytes()), path
    nested = "x = " + "f(" * (ISOLATE_DEPTH // 2) + "1" + ")" * (ISOLATE_DEPTH // 2) + "\n"
    assert not _maybe_deep(nested.encode())
    calls = "x = " + "f(" * ISOLATE_DEPTH + "1" + ")" * ISOLATE_DEPTH + "\n"
    assert _maybe_deep(calls.encode())
    assert _maybe_deep(DEEP_CALLS.encode())  # CPython: "too many nested parentheses"
    assert _maybe_deep(("x = " + " + ".join(["1"] * 50_000) + "\n").encode())
    assert _maybe_deep(b"def broken(:\n")


def with_comment_lines(count: int) -> str:
    """APP with ``count`` generated comment lines before its function: its MX101 is
    ``count`` lines further down (BIG_MX101 for BIG)."""
    comments = "".join(f"# generated line {i}\n" for i in range(count))
    return APP.replace("\n\ndef signup", "\n" + comments + "\ndef signup")


# Above the size that a 5 s limit analyses in a child (80 KB); no larger, for what its
# analysis costs (the JSON report plans fixes on the whole file: 20,000 lines took 5 s).
BIG = with_comment_lines(5_000)
BIG_MX101 = ("MX101", "big.py", 5_008, 41, 5_008, 48)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_big_file_within_the_limit_is_analysed_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: str
) -> None:
    big = BIG
    assert len(big) > isolation_threshold(5)
    root = make_project(tmp_path, {"app.py": APP, **EVENTS, "big.py": big})
    children = count_children(monkeypatch, tmp_path / "children.log")
    code, report = check_json(root, "--timeout", "5", "--jobs", jobs)
    assert children() == 1
    assert BIG_MX101 in positions(report)
    # What the same file gives analysed in this process (no child under a long limit).
    assert len(big) < isolation_threshold(600)
    assert check_json(root, "--timeout", "600", "--jobs", jobs) == (code, report)
    assert children() == 1
    assert mx001_of(report) == []


def test_a_file_the_child_cannot_answer_for_is_analysed_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A child that raised or crashed: the file is analysed as without children, so
    # that what happens (here, its findings) is what happens there.
    from mixlint import killable

    assert len(BIG) > isolation_threshold(5)
    root = make_project(tmp_path, {"app.py": APP, "big.py": BIG})
    expected = check_json(root, "--timeout", "600")
    monkeypatch.setattr(killable, "in_child", lambda *_: killable.Outcome.FAILED)
    assert check_json(root, "--timeout", "5") == expected
    assert BIG_MX101 in positions(expected[1])


def test_a_summary_made_in_a_child_is_cached_and_a_time_out_is_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mixlint.run import options as run_options

    # Large enough to be analysed in a child under a 1 s limit, small enough to take a
    # tenth of it there (20,000 lines took 0.2 s of CPU: over 1 s on a loaded machine).
    big = with_comment_lines(2_000)
    assert len(big) > isolation_threshold(1)
    # LONG_SUM times out in 40 MB; PATHOLOGICAL's child grows by 700 MB a second.
    root = make_project(tmp_path, {"app.py": APP, "big.py": big, "slow.py": LONG_SUM})
    children = count_children(monkeypatch, tmp_path / "children.log")

    def run(timeout: str) -> list[Finding]:
        code, out, err = invoke("check", root, "--format", "json", "--timeout", timeout)
        assert (code, err) == (1, "")
        return mx001_of(json.loads(out))

    assert run("1") == [mx001("slow.py", 1, 1, "analysis timed out after 1s")]
    assert children() == 2
    # A new limit (not a result of the last run) analyses the file that timed out again,
    # and only that one: big.py's summary comes from the cache.
    assert run("2") == [mx001("slow.py", 1, 1, "analysis timed out after 2s")]
    assert children() == 3
    assert (run_options.LAST_STATS.parsed, run_options.LAST_STATS.cached) == (1, 2)


def test_default_timeout_is_sane(tmp_path: Path) -> None:
    proc = mixlint("check", "--help", cwd=tmp_path)
    assert "--timeout" in proc.stdout
    assert "[default: 20.0; x>0]" in " ".join(proc.stdout.split())
    assert_usage_error(
        mixlint("check", ".", "--timeout", "0", cwd=tmp_path),
        "Invalid value for '--timeout': 0.0 is not in the range x>0.",
    )
