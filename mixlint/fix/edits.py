"""The edits the reports show for each fix: its changes as text replacements.

SARIF's ``replacements`` and the JSON report's ``edits`` are the same edits: each
finding's fix is made on its own, on the file as it is (``mixlint.fix.files``), and the
difference is cut down to the characters that change, with lines and columns counted as
findings count them.

Making a fix needs libcst and a parse of its file, which a run that reported its
findings from the cache never paid for: the edits are kept in the cache too, by the
fix and the content of the files it changes, and libcst is imported only when some
fix is not there.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint.model import Change, Edit, Finding, Span

if TYPE_CHECKING:
    from mixlint.cache import Cache
    from mixlint.fix.codemod import Fixer

_CACHE_NAME = "edits-"  # + a digest of the project's root: one value per project


def plan_edits(
    root: Path,
    findings: Sequence[Finding],
    lines: Mapping[str, Sequence[str]],
    cache: Cache | None = None,
) -> None:
    """Fill in each fix's ``edits``: its changes as text replacements in the files as they
    are (a fix that no longer applies gets none, and reports show no fix)."""
    fixable = [f for f in findings if f.fix is not None and f.suppressed is None]
    if not fixable:
        return
    name = _CACHE_NAME + hashlib.sha256(str(root).encode("utf-8", "surrogatepass")).hexdigest()
    name = name[:30]
    stored = cache.load_value(name, cache.salt) if cache is not None else None
    known: dict[str, tuple[Edit, ...]] = stored if isinstance(stored, dict) else {}
    planned: dict[str, tuple[Edit, ...]] = {}
    contents: dict[str, str] = {}
    fixers: dict[str, tuple[str, Fixer] | None] = {}
    for finding in fixable:
        fix = finding.fix
        assert fix is not None
        key = _key(fix.changes, lines, contents)
        edits = known.get(key)
        if edits is None:
            edits = _made(root, finding, lines, fixers)
        planned[key] = edits
        finding.fix = replace(fix, edits=edits)
    if cache is not None and planned != known:
        cache.store_value(name, cache.salt, planned)


def _key(
    changes: Sequence[Change], lines: Mapping[str, Sequence[str]], contents: dict[str, str]
) -> str:
    """What a fix's edits depend on: its changes and the analysed text of their files."""
    digest = hashlib.sha256(repr(changes).encode("utf-8", "surrogatepass"))
    for path in dict.fromkeys(change.path for change in changes):
        content = contents.get(path)
        if content is None:
            text = "".join(lines.get(path, ()))
            content = contents[path] = hashlib.sha256(
                text.encode("utf-8", "surrogatepass")
            ).hexdigest()
        digest.update(f"\0{path}\0{content}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _made(
    root: Path,
    finding: Finding,
    lines: Mapping[str, Sequence[str]],
    fixers: dict[str, tuple[str, Fixer] | None],
) -> tuple[Edit, ...]:
    """The finding's fix made on the files as they are: its edits, or none when it no
    longer applies."""
    from mixlint.fix.files import changes_in, fixed_code

    assert finding.fix is not None
    edits: list[Edit] = []
    for path in dict.fromkeys(change.path for change in finding.fix.changes):
        if path not in fixers:
            fixers[path] = _fixer(root, path, lines)
        loaded = fixers[path]
        made = fixed_code(loaded[1], changes_in(finding, path), path) if loaded else None
        if loaded is None or made is None:
            return ()
        edits.extend(text_edits(path, loaded[0], made))
    return tuple(edits)


def _fixer(root: Path, path: str, lines: Mapping[str, Sequence[str]]) -> tuple[str, Fixer] | None:
    from mixlint.fix.codemod import Fixer, FixError
    from mixlint.fix.files import read_source

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
    from mixlint.fix.files import lines_of

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
