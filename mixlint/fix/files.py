"""Fixes made to files: ``--fix`` writes them, ``--diff`` prints them, reports show them.

A file is fixed only when it still holds what was analysed (its lines are compared), the
fixed code still parses, and then it is written atomically in its own encoding (a BOM and
line endings kept). Fixes whose changes overlap are not made together: the first wins and
the others wait for the next round of ``--fix``, after the code is checked again.
"""

from __future__ import annotations

import ast
import difflib
import io
import re
import tokenize
import warnings
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol, TypeVar

from mixlint.atomic import write_atomic
from mixlint.collect import source_lines
from mixlint.fix.codemod import Fixer, FixError
from mixlint.literals import mask_line
from mixlint.model import Applicability, Change, Edit, Finding, ProjectModel, Span

# Rounds of ``--fix``: each fixes what it can, writes, and checks the code again (a fix
# that waited for an overlapping one, or a finding the previous round's fix revealed).
MAX_ROUNDS = 10


class Checked(Protocol):
    """What a check of the project gives (``mixlint.summaries.Checked``)."""

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
    for _ in range(MAX_ROUNDS):
        chosen = applicable(checked.findings, unsafe)
        if not chosen:
            break
        outcome = fix_findings(root, chosen, checked.lines, checked.model.in_scope)
        written = outcome.write(root)
        for problem in outcome.problems:
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
                _lines(before), _lines(after), fromfile=f"a/{path}", tofile=f"b/{path}"
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
    taken: dict[str, list[Span]] = {}
    for finding in findings:
        assert finding.fix is not None
        changes = finding.fix.changes
        if any(not writable(change.path) for change in changes):
            continue
        if any(_overlaps(change, taken) for change in changes):
            continue
        chosen.append(finding)
        for change in changes:
            taken.setdefault(change.path, []).append(change.span)
    by_path: dict[str, list[Finding]] = {}
    for finding in chosen:
        assert finding.fix is not None
        for path in dict.fromkeys(change.path for change in finding.fix.changes):
            by_path.setdefault(path, []).append(finding)
    done: dict[str, set[int]] = {}  # path -> ids of the findings fixed in it
    for path, in_file in sorted(by_path.items()):
        source = _read(root, path, lines, outcome.problems)
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


def _overlaps(change: Change, taken: Mapping[str, list[Span]]) -> bool:
    span = change.span
    return any(
        span == other
        or (
            (span.start_line, span.start_col) < (other.end_line, other.end_col)
            and (other.start_line, other.start_col) < (span.end_line, span.end_col)
        )
        for other in taken.get(change.path, ())
    )


def _changes_in(finding: Finding, path: str) -> list[Change]:
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
    everything = [change for finding in findings for change in _changes_in(finding, path)]
    made = _made(fixer, everything, path)
    if made is not None:
        return made, list(findings)
    # One of them no longer applies: add the fixes one at a time, keeping those that do.
    kept: list[Finding] = []
    changes: list[Change] = []
    after = text
    for finding in findings:
        trial = [*changes, *_changes_in(finding, path)]
        made = _made(fixer, trial, path)
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


def _made(fixer: Fixer, changes: Sequence[Change], path: str) -> str | None:
    """The code with ``changes`` made, when they apply and the result parses."""
    try:
        code = fixer.apply(changes)
    except FixError:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes etc. are the file's own
            compile(code, path, "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    return code


def _read(
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


def _lines(text: str) -> list[str]:
    """Lines with their line breaks (only ``\\r\\n``, ``\\r`` and ``\\n`` end a line)."""
    return [match.group() for match in re.finditer(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$", text)]


# --------------------------------------------------------------------------- report edits


def plan_edits(
    root: Path,
    findings: Sequence[Finding],
    lines: Mapping[str, Sequence[str]],
) -> None:
    """Fill in each fix's ``edits``: its changes as text replacements in the files as they
    are (a fix that no longer applies gets none, and reports show no fix)."""
    fixers: dict[str, tuple[str, Fixer] | None] = {}
    for finding in findings:
        fix = finding.fix
        if fix is None or finding.suppressed is not None:
            continue
        edits: list[Edit] = []
        for path in dict.fromkeys(change.path for change in fix.changes):
            if path not in fixers:
                fixers[path] = _fixer(root, path, lines)
            loaded = fixers[path]
            made = _made(loaded[1], _changes_in(finding, path), path) if loaded else None
            if loaded is None or made is None:
                edits = []
                break
            edits.extend(text_edits(path, loaded[0], made))
        finding.fix = replace(fix, edits=tuple(edits))


def _fixer(root: Path, path: str, lines: Mapping[str, Sequence[str]]) -> tuple[str, Fixer] | None:
    source = _read(root, path, lines, [])
    if source is None:
        return None
    try:
        return source.text, Fixer(source.text)
    except FixError:
        return None


def text_edits(path: str, before: str, after: str) -> list[Edit]:
    """The smallest replacements (by line, then trimmed to the characters that differ) that
    turn ``before`` into ``after``; spans count lines and code points as findings do."""
    old, new = _lines(before), _lines(after)
    starts = [0]  # where each line starts (and one past a final line break)
    offsets = [0]  # where each of ``old`` starts, and the end
    for line in old:
        offsets.append(offsets[-1] + len(line))
        if line.endswith(("\n", "\r")):
            starts.append(offsets[-1])
    edits: list[Edit] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        removed, added = "".join(old[i1:i2]), "".join(new[j1:j2])
        prefix = len(_common_prefix(removed, added))
        suffix = len(_common_prefix(removed[prefix:][::-1], added[prefix:][::-1]))
        start = offsets[i1] + prefix
        end = offsets[i1] + len(removed) - suffix
        text = added[prefix : len(added) - suffix]
        start, end, text = _inside(before, start, end, text)
        edits.append(Edit(path, Span(*_position(starts, start), *_position(starts, end)), text))
    return edits


def _inside(before: str, start: int, end: int, text: str) -> tuple[int, int, str]:
    """An edit that ends after the file's last line break, moved back over that break
    (the same change, ``"\\n" + x`` for ``x + "\\n"``) so that it ends on a line of the file."""
    line_break = _LINE_END.search(before)
    if end != len(before) or line_break is None or start == 0:
        return start, end, text
    size = len(line_break.group())
    removed = before[start:end]
    if (
        before[start - size : start] == line_break.group()
        and (not removed or removed.endswith(line_break.group()))
        and (not text or text.endswith(line_break.group()))
    ):
        moved = line_break.group() + text[:-size] if text else ""
        return start - size, end - size, moved
    return start, end, text


_LINE_END = re.compile(r"(?:\r\n?|\n)\Z")


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        size += 1
    return a[:size]


def _position(starts: list[int], offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset`` (past the last line break: a line of its own)."""
    line = bisect_right(starts, offset) - 1
    return line + 1, offset - starts[line] + 1
