"""The edits the reports show for each fix: its changes as text replacements.

SARIF's ``replacements`` and the JSON report's ``edits`` are the same edits: each
finding's fix is made on its own, on the file as it is, and the difference is cut down
to the lines that differ (as ``difflib`` matches them), then to the characters that
change, with lines and columns counted as findings count them (``text_edits``).

A file is parsed once for all its fixes, and each fix costs what it changes, not the
file: the code is compared with the original only where the fix rewrote it
(``mixlint.fix.regions``), and the lines only around there (``mixlint.fix.linediff``),
giving the edits that ``text_edits`` gives for the whole file. Whether the new code
parses is asked of the rewritten statements alone (a file Python does not parse as it
is, or a change the comparison does not follow, is made and compared whole, as
``--fix`` makes it).

Making a fix needs libcst and a parse of its file, which a run that reported its
findings from the cache never paid for: the edits are kept in the cache too, by the
fix and the content of the files it changes, and libcst is imported only when some
fix is not there.
"""

from __future__ import annotations

import difflib
import hashlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import accumulate
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint.model import Change, Edit, Finding, Span

if TYPE_CHECKING:
    from mixlint.cache import Cache
    from mixlint.fix.codemod import Fixer
    from mixlint.fix.linediff import Opcode
    from mixlint.fix.regions import Region

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
    sources: dict[str, _Source | None] = {}
    for finding in fixable:
        fix = finding.fix
        assert fix is not None
        key = _key(fix.changes, lines, contents)
        edits = known.get(key)
        if edits is None:
            edits = _made(root, finding, lines, sources)
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
    sources: dict[str, _Source | None],
) -> tuple[Edit, ...]:
    """The finding's fix made on the files as they are: its edits, or none when it no
    longer applies."""
    from mixlint.fix.files import changes_in

    assert finding.fix is not None
    edits: list[Edit] = []
    for path in dict.fromkeys(change.path for change in finding.fix.changes):
        if path not in sources:
            sources[path] = _Source.read(root, path, lines)
        source = sources[path]
        made = source.edits(path, changes_in(finding, path)) if source is not None else None
        if made is None:
            return ()
        edits.extend(made)
    return tuple(edits)


@dataclass(slots=True)
class _Source:
    """A file as analysed, parsed once for the fixes made in it one at a time."""

    text: str
    fixer: Fixer
    layout: _Layout
    # Whether Python parses the file as it is (None: not asked yet): then new statements
    # that parse where they stand make a file that parses.
    parses: bool | None = None

    @classmethod
    def read(cls, root: Path, path: str, lines: Mapping[str, Sequence[str]]) -> _Source | None:
        from mixlint.fix.codemod import Fixer, FixError
        from mixlint.fix.files import read_source

        source = read_source(root, path, lines, [])
        if source is None:
            return None
        try:
            return cls(source.text, Fixer(source.text), _Layout(source.text))
        except FixError:
            return None

    def edits(self, path: str, changes: Sequence[Change]) -> list[Edit] | None:
        """The edits of ``changes`` made together; None when they cannot be made or the
        code they make does not parse (as ``--fix`` decides)."""
        from mixlint.fix.codemod import FixError
        from mixlint.fix.files import fixed_code
        from mixlint.fix.regions import Unsupported

        try:
            regions = self.fixer.regions(changes)
            if not self._parses(regions, path):
                return None
            return _region_edits(path, self.text, self.layout, regions)
        except FixError:
            return None
        except Unsupported:
            code = fixed_code(self.fixer, changes, path)
            return None if code is None else text_edits(path, self.text, code)

    def _parses(self, regions: Sequence[Region], path: str) -> bool:
        from mixlint.fix.files import parses

        if self.parses is None:
            # barry_as_FLUFL is the one future import that changes the grammar.
            self.parses = "barry_as_FLUFL" not in self.text and parses(self.text, path)
        if self.parses:
            return all(parses(region.statements, path) for region in regions if region.statements)
        return parses(_rewritten(self.text, regions), path)


def _rewritten(text: str, regions: Sequence[Region]) -> str:
    """``text`` with ``regions`` (in order, apart) rewritten."""
    parts: list[str] = []
    done = 0
    for region in regions:
        parts += [text[done : region.start], region.text]
        done = region.end
    parts.append(text[done:])
    return "".join(parts)


class _Layout:
    """Where the lines of a text are."""

    __slots__ = ("line_break", "lines", "offsets", "starts")

    def __init__(self, text: str) -> None:
        from mixlint.fix.files import lines_of

        self.lines = lines_of(text)
        # Where each line starts, and the end of the text.
        self.offsets = [0, *accumulate(map(len, self.lines))]
        # Where each line starts, and one past a final line break (positions count it).
        self.starts = [0] + [
            end
            for end, line in zip(self.offsets[1:], self.lines, strict=True)
            if line.endswith(("\n", "\r"))
        ]
        last = self.lines[-1] if self.lines else ""
        self.line_break = _LINE_END.search(last[-2:])  # the text's last, if it ends with one

    def position(self, offset: int) -> tuple[int, int]:
        """1-based line and column of ``offset``."""
        line = bisect_right(self.starts, offset) - 1
        return line + 1, offset - self.starts[line] + 1


def text_edits(path: str, before: str, after: str) -> list[Edit]:
    """The smallest replacements (by line, then trimmed to the characters that differ) that
    turn ``before`` into ``after``; spans count lines and code points as findings count them."""
    from mixlint.fix.files import lines_of

    layout = _Layout(before)
    new = lines_of(after)
    matcher = difflib.SequenceMatcher(None, layout.lines, new, autojunk=False)
    return _edits(path, before, layout, new.__getitem__, matcher.get_opcodes())


def _region_edits(path: str, before: str, layout: _Layout, regions: Sequence[Region]) -> list[Edit]:
    """``text_edits`` of ``before`` and ``before`` with ``regions`` (in order, apart)
    rewritten, worked out around the regions."""
    from mixlint.fix.files import lines_of
    from mixlint.fix.linediff import LineDiff, Stretch
    from mixlint.fix.regions import Unsupported

    offsets, count = layout.offsets, len(layout.lines)
    stretches: list[Stretch] = []
    at = 0
    while at < len(regions):
        # The whole lines the region touches, with the regions that touch them too.
        first = bisect_right(offsets, regions[at].start) - 1
        last = max(first, bisect_left(offsets, regions[at].end))
        if last == first < count and offsets[first] != regions[at].start:
            last += 1  # an insertion inside a line
        parts = [before[offsets[first] : regions[at].start]]
        while True:
            parts.append(regions[at].text)
            done = regions[at].end
            at += 1
            if at == len(regions) or offsets[last] < regions[at].start:
                break
            parts.append(before[done : regions[at].start])
            last = max(last, bisect_left(offsets, regions[at].end))
        parts.append(before[done : offsets[last]])
        text = "".join(parts)
        if (text[:1] == "\n" and before[offsets[first] - 1 : offsets[first]] == "\r") or (
            text[-1:] == "\r" and before[offsets[last] : offsets[last] + 1] == "\n"
        ):
            raise Unsupported("a line break split by the change")
        if stretches and stretches[-1].end == first:  # touching: one stretch
            previous = stretches.pop()
            first, text = previous.start, "".join(previous.lines) + text
        stretches.append(Stretch(first, last, lines_of(text)))
    diff = LineDiff(layout.lines, stretches)
    return _edits(path, before, layout, diff.new, diff.opcodes())


def _edits(
    path: str,
    before: str,
    layout: _Layout,
    new: Callable[[int], str],
    opcodes: Sequence[Opcode],
) -> list[Edit]:
    """The edits of ``opcodes`` (``SequenceMatcher``'s, of ``before``'s lines and the new
    lines ``new`` gives), trimmed to the characters that differ."""
    old, offsets = layout.lines, layout.offsets
    edits: list[Edit] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            continue
        removed, added = "".join(old[i1:i2]), "".join(new(j) for j in range(j1, j2))
        prefix = len(_common_prefix(removed, added))
        suffix = len(_common_prefix(removed[prefix:][::-1], added[prefix:][::-1]))
        start = offsets[i1] + prefix
        end = offsets[i1] + len(removed) - suffix
        text = added[prefix : len(added) - suffix]
        start, end, text = _inside(before, layout, start, end, text)
        edits.append(Edit(path, Span(*layout.position(start), *layout.position(end)), text))
    return edits


def _inside(before: str, layout: _Layout, start: int, end: int, text: str) -> tuple[int, int, str]:
    """An edit that ends after the file's last line break, moved back over that break
    (the same change, ``"\\n" + x`` for ``x + "\\n"``) so that it ends on a line of the file."""
    line_break = layout.line_break
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
