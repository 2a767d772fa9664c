"""The edits the reports show for each fix: its changes as text replacements.

SARIF's ``replacements`` and the JSON report's ``edits`` are the same edits: each
finding's fix is made on its own, on the file as it is (``mixlint.fix.files``), and the
difference is cut down to the characters that change, with lines and columns counted as
findings count them.
"""

from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from mixlint.fix.codemod import Fixer, FixError
from mixlint.fix.files import changes_in, fixed_code, lines_of, read_source
from mixlint.model import Edit, Finding, Span


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
            made = fixed_code(loaded[1], changes_in(finding, path), path) if loaded else None
            if loaded is None or made is None:
                edits = []
                break
            edits.extend(text_edits(path, loaded[0], made))
        finding.fix = replace(fix, edits=tuple(edits))


def _fixer(root: Path, path: str, lines: Mapping[str, Sequence[str]]) -> tuple[str, Fixer] | None:
    source = read_source(root, path, lines, [])
    if source is None:
        return None
    try:
        return source.text, Fixer(source.text)
    except FixError:
        return None


def text_edits(path: str, before: str, after: str) -> list[Edit]:
    """The smallest replacements (by line, then trimmed to the characters that differ) that
    turn ``before`` into ``after``; spans count lines and code points as findings do."""
    old, new = lines_of(before), lines_of(after)
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
