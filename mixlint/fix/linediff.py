"""``difflib.SequenceMatcher``'s line diff of a file and that file with a few stretches of
lines rewritten, computed around the stretches.

``SequenceMatcher`` (without junk) takes the longest block of equal lines in the range
it looks at, then looks again on each side of it. Between the rewritten stretches the
two files hold the same lines, shifted by what the stretches before added or removed:
each such gap is a block of equal lines (grown into the stretches around it as far as
their lines still match), and everything else that matches lies inside a stretch. So
``LineDiff`` asks only those: the gaps' blocks, and ``SequenceMatcher`` itself on the
lines of each stretch. It gives ``SequenceMatcher``'s opcodes as long as no block of
equal lines longer than those is found at some other shift, which takes a file
repeating the same lines over and over (``tests/test_fix_edits.py`` compares the two).
The cost follows the stretches, not the file.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher

Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True, slots=True)
class Stretch:
    """The old lines ``[start, end)`` become ``lines``."""

    start: int
    end: int
    lines: Sequence[str]


@dataclass(slots=True)
class _Gap:
    """A gap between stretches (old lines ``[start, end)``, at ``shift`` in the new file),
    and the block of equal lines along that shift that holds it."""

    start: int
    end: int
    shift: int
    low: int = 0  # the block, in old lines
    high: int = 0


@dataclass(slots=True)
class LineDiff:
    """``old``'s lines, and the new lines that ``stretches`` (in order, apart) make of them."""

    old: Sequence[str]
    stretches: Sequence[Stretch]
    starts: list[int] = field(default_factory=list)  # where each stretch starts in the new file
    gaps: list[_Gap] = field(default_factory=list)
    matchers: dict[int, SequenceMatcher[str]] = field(default_factory=dict)
    length: int = 0  # of the new file

    def __post_init__(self) -> None:
        given = list(self.stretches)
        margins = [stretch.end - stretch.start + len(stretch.lines) for stretch in given]
        while True:
            joined = _joined(self.old, given, margins)
            self._lay_out([stretch for stretch, _ in joined])
            crossed = [
                members
                for (stretch, members), start in zip(joined, self.starts, strict=True)
                if self._crossed(stretch, start)
            ]
            if not crossed:
                break
            for members in crossed:
                for index in members:
                    margins[index] = 2 * margins[index] + 1
        for gap in self.gaps:
            low, high = gap.start, gap.end
            while (
                low > 0
                and low + gap.shift > 0
                and self.old[low - 1] == self.new(low - 1 + gap.shift)
            ):
                low -= 1
            while (
                high < len(self.old)
                and high + gap.shift < self.length
                and self.old[high] == self.new(high + gap.shift)
            ):
                high += 1
            gap.low, gap.high = low, high

    def _lay_out(self, stretches: list[Stretch]) -> None:
        self.stretches, self.starts, self.gaps = stretches, [], []
        shift = 0
        previous = 0
        for stretch in stretches:
            self.gaps.append(_Gap(previous, stretch.start, shift))
            self.starts.append(stretch.start + shift)
            shift += len(stretch.lines) - (stretch.end - stretch.start)
            previous = stretch.end
        self.gaps.append(_Gap(previous, len(self.old), shift))
        self.length = len(self.old) + shift

    def _crossed(self, stretch: Stretch, start: int) -> bool:
        """Whether a block of equal lines runs across an edge of the stretch (old lines
        ``[stretch.start, stretch.end)``, new lines from ``start``) other than along the
        unchanged lines next to it."""
        old, new, end = self.old, self.new, start + len(stretch.lines)

        def pair(i: int, j: int) -> bool:  # old[i - 1:i + 1] == new[j - 1:j + 1]
            return (
                0 < i < len(old)
                and 0 < j < self.length
                and old[i - 1] == new(j - 1)
                and old[i] == new(j)
            )

        for i, j in ((stretch.start, start), (stretch.end, end)):
            if any(pair(i, other) for other in range(start, end + 1) if other != j):
                return True
            if any(pair(other, j) for other in range(stretch.start, stretch.end + 1) if other != i):
                return True
        return False

    def new(self, index: int) -> str:
        """Line ``index`` of the new file."""
        at = bisect_right(self.starts, index) - 1
        if at >= 0:
            stretch = self.stretches[at]
            inside = index - self.starts[at]
            if inside < len(stretch.lines):
                return stretch.lines[inside]
            return self.old[index - self.gaps[at + 1].shift]
        return self.old[index]

    def longest(self, alo: int, ahi: int, blo: int, bhi: int) -> tuple[int, int, int]:
        """``SequenceMatcher.find_longest_match``: the longest block, the first of them."""
        best = (0, alo, blo)  # size, i, j
        for gap in self.gaps:
            low = max(gap.low, alo, blo - gap.shift)
            high = min(gap.high, ahi, bhi - gap.shift)
            if high > low:
                best = _better(best, (high - low, low, low + gap.shift))
        for at, stretch in enumerate(self.stretches):
            start = self.starts[at]
            a1, a2 = max(alo, stretch.start), min(ahi, stretch.end)
            b1, b2 = max(blo, start), min(bhi, start + len(stretch.lines))
            if a1 >= a2 or b1 >= b2:
                continue
            matcher = self.matchers.get(at)
            if matcher is None:
                lines = self.old[stretch.start : stretch.end]
                matcher = SequenceMatcher(None, lines, stretch.lines, autojunk=False)
                self.matchers[at] = matcher
            i, j, size = matcher.find_longest_match(
                a1 - stretch.start, a2 - stretch.start, b1 - start, b2 - start
            )
            if size:
                best = _better(best, (size, i + stretch.start, j + start))
        return best[1], best[2], best[0]

    def opcodes(self) -> list[Opcode]:
        """``SequenceMatcher(None, old, new, autojunk=False).get_opcodes()``."""
        # SequenceMatcher.get_matching_blocks and get_opcodes, with ``longest``.
        queue = [(0, len(self.old), 0, self.length)]
        blocks: list[tuple[int, int, int]] = []
        while queue:
            alo, ahi, blo, bhi = queue.pop()
            i, j, size = self.longest(alo, ahi, blo, bhi)
            if size:
                blocks.append((i, j, size))
                if alo < i and blo < j:
                    queue.append((alo, i, blo, j))
                if i + size < ahi and j + size < bhi:
                    queue.append((i + size, ahi, j + size, bhi))
        blocks.sort()
        collapsed: list[tuple[int, int, int]] = []
        for i, j, size in blocks:
            if collapsed and collapsed[-1][0] + collapsed[-1][2] == i:
                last = collapsed[-1]
                if last[1] + last[2] == j:
                    collapsed[-1] = (last[0], last[1], last[2] + size)
                    continue
            collapsed.append((i, j, size))
        collapsed.append((len(self.old), self.length, 0))
        found: list[Opcode] = []
        i = j = 0
        for ai, bj, size in collapsed:
            tag = "replace" if i < ai and j < bj else "delete" if i < ai else "insert"
            if i < ai or j < bj:
                found.append((tag, i, ai, j, bj))
            i, j = ai + size, bj + size
            if size:
                found.append(("equal", ai, i, bj, j))
        return found


def _better(best: tuple[int, int, int], other: tuple[int, int, int]) -> tuple[int, int, int]:
    """The longer block; of two as long, the first (in the old lines, then the new)."""
    if other[0] > best[0] or (other[0] == best[0] and other[1:] < best[1:]):
        return other
    return best


def _joined(
    old: Sequence[str], stretches: Sequence[Stretch], margins: Sequence[int]
) -> list[tuple[Stretch, list[int]]]:
    """``stretches`` with ``margins`` unchanged lines on each side, joined where they meet
    (with the indexes of the stretches each holds)."""
    groups: list[tuple[int, int, list[int]]] = []  # start, end, the stretches
    for index, stretch in enumerate(stretches):
        start = max(0, stretch.start - margins[index])
        end = min(len(old), stretch.end + margins[index])
        if groups and groups[-1][1] >= start:
            first, reach, members = groups.pop()
            groups.append((first, max(reach, end), [*members, index]))
        else:
            groups.append((start, end, [index]))
    joined: list[tuple[Stretch, list[int]]] = []
    for start, end, members in groups:
        lines = list(old[start : stretches[members[0]].start])
        for at, index in enumerate(members):
            after = stretches[members[at + 1]].start if at + 1 < len(members) else end
            lines += [*stretches[index].lines, *old[stretches[index].end : after]]
        joined.append((Stretch(start, end, lines), members))
    return joined
