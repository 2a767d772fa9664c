"""Fingerprints, the baseline file, and atomic writes."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from mixlint import atomic
from mixlint.atomic import write_atomic
from mixlint.baseline import (
    apply_baseline,
    assign_fingerprints,
    fingerprint,
    load_baseline,
    write_baseline,
)
from mixlint.config import ConfigError
from mixlint.model import Finding, Level, Span

SOURCE = """\
import mixpanel

mp = mixpanel.Mixpanel("token")


def signup(user):
    mp.track(user.id, "signup", {"email": user.email})
    mp.track(user.id, "signup", {"email": user.email})
"""


def key_finding(line: int, path: str = "app/views.py", rule_id: str = "MX101") -> Finding:
    # The "email" key on a line of SOURCE: columns 34-41 ('"email"').
    return Finding(
        rule_id=rule_id,
        level=Level.ERROR,
        path=path,
        span=Span(line, 34, line, 41),
        message="'email' matched 'email' (e-mail, en)",
    )


def lines_of(text: str) -> list[str]:
    return text.splitlines()


# --------------------------------------------------------------------------- fingerprints


def test_fingerprint_is_short_hex() -> None:
    value = fingerprint(key_finding(7), lines_of(SOURCE))
    assert len(value) == 24
    int(value, 16)


def test_fingerprint_stable_when_three_lines_are_inserted_above() -> None:
    before = [key_finding(7), key_finding(8)]
    assign_fingerprints(before, {"app/views.py": lines_of(SOURCE)})

    moved_source = "import os\nimport sys\n# analytics\n" + SOURCE
    after = [key_finding(10), key_finding(11)]
    assign_fingerprints(after, {"app/views.py": lines_of(moved_source)})

    assert [f.fingerprint for f in after] == [f.fingerprint for f in before]


def test_fingerprint_ignores_reindentation() -> None:
    findings = [key_finding(7)]
    assign_fingerprints(findings, {"app/views.py": lines_of(SOURCE)})
    reindented = SOURCE.replace('    mp.track(user.id, "signup"', '    mp.track(user.id,  "signup"')
    again = [key_finding(7)]
    again[0].span = Span(7, 35, 7, 42)
    assign_fingerprints(again, {"app/views.py": lines_of(reindented)})
    assert again[0].fingerprint == findings[0].fingerprint


def test_identical_findings_on_different_lines_differ_by_occurrence() -> None:
    first, second = key_finding(7), key_finding(8)
    # Given out of order: occurrence is counted in file order all the same.
    assign_fingerprints([second, first], {"app/views.py": lines_of(SOURCE)})
    assert first.fingerprint != second.fingerprint
    lines = lines_of(SOURCE)
    assert first.fingerprint == fingerprint(key_finding(7), lines, occurrence=0)
    assert second.fingerprint == fingerprint(key_finding(8), lines, occurrence=1)
    # Without the index the two would collide.
    assert fingerprint(key_finding(7), lines) == fingerprint(key_finding(8), lines)


def test_fingerprint_differs_by_rule_path_and_span() -> None:
    lines = lines_of(SOURCE)
    base = fingerprint(key_finding(7), lines)
    assert fingerprint(key_finding(7, rule_id="MX104"), lines) != base
    assert fingerprint(key_finding(7, path="app/other.py"), lines) != base
    value = key_finding(7)
    value.span = Span(7, 44, 7, 54)  # user.email on the same line
    assert fingerprint(value, lines) != base


def test_fingerprint_without_source() -> None:
    # MX001 on an unreadable file has no lines; it still gets a stable value.
    problem = Finding("MX001", Level.ERROR, "bad.py", Span(1, 1, 1, 1), "cannot read")
    assign_fingerprints([problem], {})
    assert problem.fingerprint == fingerprint(problem, [])


# --------------------------------------------------------------------------- the file


def fingerprinted() -> list[Finding]:
    findings = [
        key_finding(8),
        key_finding(7),
        Finding("MX201", Level.ERROR, "app/a.py", Span(3, 1, 3, 9), "not guarded"),
    ]
    assign_fingerprints(
        findings, {"app/views.py": lines_of(SOURCE), "app/a.py": ["", "", "mp.track(x)"]}
    )
    return findings


def test_write_and_load_round_trip(tmp_path: Path) -> None:
    findings = fingerprinted()
    inline = Finding("MX102", Level.ERROR, "app/a.py", Span(1, 1, 1, 2), "x", "f" * 24, "inline")
    path = tmp_path / "baseline.json"
    write_baseline(path, [*findings, inline])

    views = sorted(f.fingerprint for f in findings[:2])
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "version": 1,
        "tool": "mixlint",
        "findings": [
            {
                "rule": "MX201",
                "path": "app/a.py",
                "fingerprint": findings[2].fingerprint,
                "message": "not guarded",
            },
            *(
                {
                    "rule": "MX101",
                    "path": "app/views.py",
                    "fingerprint": value,
                    "message": "'email' matched 'email' (e-mail, en)",
                }
                for value in views
            ),
        ],
    }
    assert path.read_text(encoding="utf-8").endswith("}\n")
    assert load_baseline(path) == {f.fingerprint for f in findings}
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_write_requires_fingerprints(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="finding without a fingerprint"):
        write_baseline(tmp_path / "b.json", [key_finding(7)])


def test_write_into_missing_directory_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError) as caught:
        write_baseline(Path("nope/b.json"), fingerprinted())
    assert str(caught.value) == (
        "baseline 'nope/b.json': cannot write: directory 'nope' does not exist"
    )


def test_apply_baseline_marks_only_unsuppressed() -> None:
    findings = fingerprinted()
    findings[0].suppressed = "inline"
    apply_baseline(findings, {f.fingerprint for f in findings[:2]})
    assert [f.suppressed for f in findings] == ["inline", "baseline", None]


def test_baseline_hides_old_findings_after_lines_move(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    old = [key_finding(7)]
    assign_fingerprints(old, {"app/views.py": lines_of(SOURCE)})
    write_baseline(path, old)

    moved = "import os\nimport sys\n# analytics\n" + SOURCE
    now = [key_finding(10), key_finding(11)]
    assign_fingerprints(now, {"app/views.py": lines_of(moved)})
    apply_baseline(now, load_baseline(path))
    assert [f.suppressed for f in now] == ["baseline", None]


# --------------------------------------------------------------------------- load errors


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def load_error(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_baseline(path)
    return str(caught.value)


def test_invalid_json_names_the_line(in_tmp: Path) -> None:
    (in_tmp / "x.json").write_text('{\n  "version": 1,\n  "tool" "mixlint"\n}\n')
    assert load_error(Path("x.json")) == "baseline 'x.json': not valid JSON (line 3)"
    (in_tmp / "empty.json").write_text("")
    assert load_error(Path("empty.json")) == "baseline 'empty.json': not valid JSON (line 1)"


def test_not_a_baseline(in_tmp: Path) -> None:
    expected = (
        "baseline 'x.json': not a mixlint baseline "
        '(expected a JSON object with "tool": "mixlint" and a "findings" list)'
    )
    for text in ("[]", '{"version": 1, "findings": []}', '{"tool": "mixlint", "findings": {}}'):
        (in_tmp / "x.json").write_text(text)
        assert load_error(Path("x.json")) == expected
    (in_tmp / "x.json").write_text('{"version": 2, "tool": "mixlint", "findings": []}')
    assert load_error(Path("x.json")) == "baseline 'x.json': unsupported version 2 (expected 1)"
    (in_tmp / "x.json").write_text(
        '{"version": 1, "tool": "mixlint", "findings": [{"fingerprint": "ab"}, {"rule": "MX101"}]}'
    )
    assert load_error(Path("x.json")) == (
        "baseline 'x.json': findings[1]: expected an object with a 'fingerprint' string"
    )


def test_missing_baseline(in_tmp: Path) -> None:
    assert load_error(Path("ci/b.json")) == (
        "baseline 'ci/b.json': file not found "
        "(create it with 'mixlint check --write-baseline ci/b.json')"
    )


def test_unreadable_baseline(in_tmp: Path) -> None:
    path = in_tmp / "b.json"
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # root reads a chmod-000 file; a directory fails to read for anyone.
        path.mkdir()
        assert load_error(Path("b.json")) == "baseline 'b.json': cannot read: Is a directory"
        return
    path.write_text('{"version": 1, "tool": "mixlint", "findings": []}')
    path.chmod(0)
    try:
        assert load_error(Path("b.json")) == "baseline 'b.json': cannot read: Permission denied"
    finally:
        path.chmod(0o644)


def test_absolute_path_is_shown_relative_to_cwd(in_tmp: Path) -> None:
    (in_tmp / "b.json").write_text("{")
    assert load_error(in_tmp / "b.json") == "baseline 'b.json': not valid JSON (line 1)"


# --------------------------------------------------------------------------- atomic writes


def test_write_atomic_text_and_bytes(tmp_path: Path) -> None:
    target = tmp_path / "report.txt"
    write_atomic(target, "héllo\n")
    assert target.read_bytes() == "héllo\n".encode()
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in tmp_path.iterdir()] == ["report.txt"]


def test_write_atomic_keeps_the_mode_of_the_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "run.sh"
    target.write_text("old")
    target.chmod(0o750)
    write_atomic(target, "new")
    assert stat.S_IMODE(target.stat().st_mode) == 0o750


def test_write_atomic_follows_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_write_atomic_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError) as caught:
        write_atomic(tmp_path / "missing" / "out.json", "{}")
    assert str(caught.value) == (
        f"cannot write '{tmp_path / 'missing' / 'out.json'}': "
        f"directory '{tmp_path / 'missing'}' does not exist"
    )
    assert caught.value.strerror == f"directory '{tmp_path / 'missing'}' does not exist"


def test_write_atomic_cleans_up_on_failure(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")

    def fail(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
