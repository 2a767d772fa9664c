"""Fixes made to files: ``--fix`` writes them, ``--diff`` prints them, reports show them.

A file is fixed only when it still holds what was analysed (its lines are compared), the
fixed code still parses, and then it is written atomically in its own encoding (a BOM and
line endings kept). Fixes whose changes overlap are not made together (unless one wraps
the other: a guard around a statement, an argument added to a call): the first wins and
the others wait for the next round of ``--fix``, after the code is checked again.
``mixlint.fix.edits`` turns each fix into the text edits the reports show.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TypeVar

from mixlint.atomic import write_atomic
from mixlint.collect import source_lines
from mixlint.fix.codemod import Fixer, FixError
from mixlint.literals import mask_line
from mixlint.model import Applicability, Change, ChangeKind, Finding, ProjectModel

# Rounds of ``--fix``: each fixes what it can, writes, and checks the code again (a fix
# that waited for an overlapping one, or a finding the previous round's fix revealed).
MAX_ROUNDS = 10


class Checked(Protocol):
    """What a check of the project gives (``mixlint.run.memo.Checked``)."""

    @property
    def model(self) -> ProjectModel: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def lines(self) -> Mapping[str, Sequence[str]]: ...


_Checked = TypeVar("_Checked", bound=Checked)


def fix_rounds(
    root: Path,
    checked: _Checked,
    check: Callable[[], _Checked],
    *,
    unsafe: bool,
    warn: Callable[[str], None],
) -> tuple[_Checked, int]:
    """``--fix``: fix what ``checked`` found, write the files, check again, until a round
    fixes nothing more. -> the last check, and how many findings were fixed."""
    fixed = 0
    warned: set[str] = set()  # a fix that does not apply is tried again each round
    for _ in range(MAX_ROUNDS):
        chosen = applicable(checked.findings, unsafe)
        if not chosen:
            break
        outcome = fix_findings(root, chosen, checked.lines, checked.model.in_scope)
        written = outcome.write(root)
        for problem in outcome.problems:
            if problem not in warned:
                warned.add(problem)
                warn(problem)
        if not written:
            break
        fixed += sum(
            1
            for finding in outcome.fixed
            if finding.fix is not None
            and all(change.path in written for change in finding.fix.changes)
        )
        checked = check()
    return checked, fixed


def applicable(findings: Sequence[Finding], unsafe: bool) -> list[Finding]:
    """The findings ``--fix`` fixes: not suppressed, with a fix that is safe (or any fix
    with ``unsafe``)."""
    return [
        finding
        for finding in findings
        if finding.suppressed is None
        and finding.fix is not None
        and (unsafe or finding.fix.applicability is Applicability.SAFE)
    ]


@dataclass(slots=True)
class _Source:
    text: str
    encoding: str


@dataclass(slots=True)
class Outcome:
    """What fixing a set of findings did (in memory until ``write``)."""

    fixed: list[Finding] = field(default_factory=list)
    changed: dict[str, tuple[str, str]] = field(default_factory=dict)  # path -> before, after
    problems: list[str] = field(default_factory=list)  # files and fixes left alone, and why
    encodings: dict[str, str] = field(default_factory=dict)

    def write(self, root: Path) -> set[str]:
        """Write every changed file (atomically); -> the paths written (a file that cannot
        be written is a problem)."""
        written: set[str] = set()
        for path, (_, after) in self.changed.items():
            try:
                write_atomic(root / path, after.encode(self.encodings[path]))
            except (OSError, UnicodeEncodeError) as error:
                reason = error.strerror if isinstance(error, OSError) else None
                self.problems.append(f"{path}: cannot write it ({reason or error})")
                continue
            written.add(path)
        return written

    def diff(self) -> str:
        """The changes as a unified diff (``--- a/path`` / ``+++ b/path``), personal data in
        literals masked as in every report."""
        out: list[str] = []
        for path, (before, after) in sorted(self.changed.items()):
            lines = difflib.unified_diff(
                lines_of(before), lines_of(after), fromfile=f"a/{path}", tofile=f"b/{path}"
            )
            for line in lines:
                body = line.rstrip("\r\n")
                out.append(
                    mask_line(body) if line[:1] in " +-" and body[:3] not in _HEADS else body
                )
        return "".join(f"{line}\n" for line in out)


_HEADS = ("---", "+++")


def fix_findings(
    root: Path,
    findings: Sequence[Finding],
    lines: Mapping[str, Sequence[str]],
    writable: Callable[[str], bool] = lambda path: True,
) -> Outcome:
    """The fixes of ``findings`` made in memory, each file at most once: overlapping fixes
    after the first wait for the next round; a fix that no longer applies, or whose file
    changed since it was analysed, is left out (``Outcome.problems`` says why)."""
    outcome = Outcome()
    chosen: list[Finding] = []
    taken: dict[str, list[Change]] = {}
    for finding in findings:
        assert finding.fix is not None
        changes = finding.fix.changes
        if any(not writable(change.path) for change in changes):
            continue
        if any(_conflicts(change, taken) for change in changes):
            continue
        chosen.append(finding)
        for change in changes:
            taken.setdefault(change.path, []).append(change)
    by_path: dict[str, list[Finding]] = {}
    for finding in chosen:
        assert finding.fix is not None
        for path in dict.fromkeys(change.path for change in finding.fix.changes):
            by_path.setdefault(path, []).append(finding)
    done: dict[str, set[int]] = {}  # path -> ids of the findings fixed in it
    for path, in_file in sorted(by_path.items()):
        source = read_source(root, path, lines, outcome.problems)
        if source is None:
            continue
        accepted = _fixed_file(path, source.text, in_file, outcome.problems)
        if accepted is None:
            continue
        after, fixed = accepted
        done[path] = {id(finding) for finding in fixed}
        if after != source.text:
            outcome.changed[path] = (source.text, after)
            outcome.encodings[path] = source.encoding
    for finding in chosen:
        assert finding.fix is not None
        paths = {change.path for change in finding.fix.changes}
        if all(id(finding) in done.get(path, ()) for path in paths):
            outcome.fixed.append(finding)
    return outcome


# Changes that keep the code inside their node as the other changes leave it (a guard
# wraps the statement, an argument is added to the call): one inside them can be made
# in the same round.
_KEEPS_INSIDE = frozenset({ChangeKind.GUARD, ChangeKind.ADD_ARGUMENT})


def _conflicts(change: Change, taken: Mapping[str, list[Change]]) -> bool:
    """Whether ``change`` and one already taken cannot be made in one round."""
    for other in taken.get(change.path, ()):
        a, b = change.span, other.span
        overlap = a == b or (
            (a.start_line, a.start_col) < (b.end_line, b.end_col)
            and (b.start_line, b.start_col) < (a.end_line, a.end_col)
        )
        if not overlap:
            continue
        nested = any(
            outer.kind in _KEEPS_INSIDE
            and outer.span.contains(inner.span)
            and (outer.span != inner.span or inner.kind in _KEEPS_INSIDE)
            for outer, inner in ((change, other), (other, change))
        )
        if not nested:
            return True
    return False


def changes_in(finding: Finding, path: str) -> list[Change]:
    assert finding.fix is not None
    return [change for change in finding.fix.changes if change.path == path]


def _fixed_file(
    path: str, text: str, findings: Sequence[Finding], problems: list[str]
) -> tuple[str, list[Finding]] | None:
    """The file with every fix that applies made, and those fixes' findings."""
    try:
        fixer = Fixer(text)
    except FixError as error:
        problems.append(f"{path}: {error}; its fixes were not applied")
        return None
    everything = [change for finding in findings for change in changes_in(finding, path)]
    made = fixed_code(fixer, everything, path)
    if made is not None:
        return made, list(findings)
    # One of them no longer applies: add the fixes one at a time, keeping those that do.
    kept: list[Finding] = []
    changes: list[Change] = []
    after = text
    for finding in findings:
        trial = [*changes, *changes_in(finding, path)]
        made = fixed_code(fixer, trial, path)
        if made is None:
            span = finding.span
            problems.append(
                f"{path}:{span.start_line}:{span.start_col}: the {finding.rule_id} fix no "
                f"longer applies; it was not made"
            )
            continue
        kept.append(finding)
        changes, after = trial, made
    return after, kept


def fixed_code(fixer: Fixer, changes: Sequence[Change], path: str) -> str | None:
    """The code with ``changes`` made, when they apply and the result parses."""
    try:
        code = fixer.apply(changes)
    except FixError:
        return None
    return code if parses(code, path) else None


def parses(code: str, path: str) -> bool:
    """Whether Python parses ``code`` (syntax only: ``ast.PyCF_ONLY_AST``)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes etc. are the file's own
            compile(code, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def read_source(
    root: Path, path: str, lines: Mapping[str, Sequence[str]], problems: list[str]
) -> _Source | None:
    """The file as text, if it still holds what was analysed."""
    try:
        data = (root / path).read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        text = data.decode(encoding)
    except (OSError, SyntaxError, UnicodeDecodeError, LookupError) as error:
        problems.append(f"{path}: cannot read it ({error}); its fixes were not applied")
        return None
    text = text.removeprefix("\ufeff")
    analysed = lines.get(path)
    if analysed is not None and source_lines(text) != list(analysed):
        problems.append(
            f"{path}: changed since it was analysed; its fixes were not applied (run mixlint again)"
        )
        return None
    return _Source(text, encoding)


def lines_of(text: str) -> list[str]:
    """Lines with their line breaks (only ``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return [match.group() for match in re.finditer(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$", text)]
