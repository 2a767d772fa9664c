"""Syntactic positions of a libcst tree: the spans of libcst's ``PositionProvider``, cheaper.

``PositionProvider`` splits every generated token at line breaks and builds two
``CodePosition`` objects per node. Here, code generation only notes how many
tokens came before each node's start and end; those counts become line and
column only for the nodes that are asked about. On request (``extents``), it also
notes where all of each node's code is, the whitespace it owns included, and each
node's parent: a fix finds its way to a node, and rewrites its text there
(``mixlint.fix``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from itertools import accumulate
from types import TracebackType

import libcst as cst
from libcst._nodes.internal import CodegenState

from mixlint.model import Span

# libcst's NEWLINE_RE (position_provider.py), which also decides what a column is.
_LINE_BREAK = re.compile(r"\r\n?|\n")


class _RecordingState(CodegenState):
    """``PositionProvidingCodegenState`` with token counts for positions.

    It is its own context manager for ``record_syntactic_position``: what that
    records waits on a stack, which saves a generator per call.
    """

    __slots__ = ("_pending", "_starts", "ranges")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(
            default_indent=module.default_indent, default_newline=module.default_newline
        )
        self.ranges: dict[cst.CSTNode, tuple[int, int]] = {}
        self._starts: list[int] = []
        self._pending: list[tuple[cst.CSTNode, cst.CSTNode | None, cst.CSTNode | None, int]] = []

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        # A syntactic position recorded inside the node wins, as in libcst.
        if node not in self.ranges:
            self.ranges[node] = (start, len(self.tokens))

    def pop_trailing_newline(self) -> None:
        # libcst drops the token from the code but still counts it in positions
        # (the module's end); keeping it keeps the counts libcst's.
        pass

    def record_syntactic_position(  # type: ignore[override]
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _RecordingState:
        # libcst's nodes only ever use it in a ``with`` statement.
        self._pending.append((node, start_node, end_node, len(self.tokens)))
        return self

    def __enter__(self) -> None:
        pass

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        node, start_node, end_node, start = self._pending.pop()
        if kind is not None:
            # Nothing recorded survives the error: let it through as it is (a
            # child's missing range would replace it with a KeyError).
            return
        ranges = self.ranges
        ranges[node] = (
            start if start_node is None else ranges[start_node][0],
            len(self.tokens) if end_node is None else ranges[end_node][1],
        )


class _ExtentRecordingState(_RecordingState):
    """``_RecordingState`` that also notes the tokens of all of each node's code, and
    each node's parent (the node whose code generation writes it)."""

    __slots__ = ("_open", "extents", "parents")

    def __init__(self, module: cst.Module) -> None:
        super().__init__(module)
        self.extents: dict[cst.CSTNode, tuple[int, int]] = {}
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._open: list[cst.CSTNode] = []

    def before_codegen(self, node: cst.CSTNode) -> None:
        super().before_codegen(node)
        if self._open:
            self.parents[node] = self._open[-1]
        self._open.append(node)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts[-1]
        super().after_codegen(node)
        self._open.pop()
        self.extents[node] = (start, len(self.tokens))


class Positions:
    """Where each node of one module is, as ``PositionProvider`` says."""

    __slots__ = ("_by_offsets", "_extents", "_line_starts", "_offsets", "_ranges", "parents")

    def __init__(
        self,
        ranges: dict[cst.CSTNode, tuple[int, int]],
        tokens: list[str],
        extents: dict[cst.CSTNode, tuple[int, int]] | None = None,
        parents: dict[cst.CSTNode, cst.CSTNode] | None = None,
    ) -> None:
        self._ranges = ranges
        self._extents = extents
        self.parents = parents  # with ``extents``: each node's parent
        self._by_offsets: dict[tuple[int, int], list[cst.CSTNode]] | None = None
        # Offset of each token (and of the end) in the generated code.
        self._offsets = [0, *accumulate(map(len, tokens))]
        code = "".join(tokens)
        if "\r\n" in code:
            self._line_starts = [0]
            for match in _LINE_BREAK.finditer(code):
                end = match.end()
                # libcst finds line breaks token by token: a "\r" that ends one
                # token and the "\n" that starts the next are two line breaks there.
                if end - match.start() == 2 and self._token_starts_at(end - 1):
                    self._line_starts.append(end - 1)
                self._line_starts.append(end)
        else:
            self._line_starts = [0, *(match.end() for match in _LINE_BREAK.finditer(code))]

    def _token_starts_at(self, offset: int) -> bool:
        at = bisect_left(self._offsets, offset)
        return at < len(self._offsets) and self._offsets[at] == offset

    def span(self, node: cst.CSTNode) -> Span | None:
        """1-based lines and columns (end exclusive); None for a node not generated."""
        found = self._ranges.get(node)
        if found is None:
            return None
        line_starts = self._line_starts
        start = self._offsets[found[0]]
        end = self._offsets[found[1]]
        start_line = bisect_right(line_starts, start)
        end_line = bisect_right(line_starts, end)
        return Span(
            start_line,
            start - line_starts[start_line - 1] + 1,
            end_line,
            end - line_starts[end_line - 1] + 1,
        )

    def extent(self, node: cst.CSTNode) -> tuple[int, int]:
        """Where ``node``'s code starts and ends in the module's code (with the whitespace
        it owns; offsets in code points; the module's code as generated, which keeps a
        final line break the file does not have: see ``code_length``). Needs ``extents``."""
        assert self._extents is not None
        start, end = self._extents[node]
        return self._offsets[start], self._offsets[end]

    @property
    def code_length(self) -> int:
        """The length of the module's code as generated, its last token kept (libcst
        drops it, a line break, when the file does not end with one)."""
        return self._offsets[-1]

    def nodes_at(self, span: Span) -> list[cst.CSTNode]:
        """The nodes whose span is exactly ``span``, outermost first (how a fix finds the
        node a finding's span was taken from)."""
        if self._by_offsets is None:
            offsets = self._offsets
            by_offsets: dict[tuple[int, int], list[cst.CSTNode]] = {}
            # Ranges are recorded as code generation leaves a node: inner nodes first.
            for node, (start, end) in reversed(self._ranges.items()):
                by_offsets.setdefault((offsets[start], offsets[end]), []).append(node)
            self._by_offsets = by_offsets
        line_starts = self._line_starts
        if not (
            1 <= span.start_line <= len(line_starts) and 1 <= span.end_line <= len(line_starts)
        ):
            return []
        start = line_starts[span.start_line - 1] + span.start_col - 1
        end = line_starts[span.end_line - 1] + span.end_col - 1
        return list(self._by_offsets.get((start, end), ()))


def positions(module: cst.Module, *, extents: bool = False) -> Positions:
    """The positions of ``module``'s nodes (and with ``extents``, where all their code is,
    and their parents)."""
    if extents:
        recording = _ExtentRecordingState(module)
        module._codegen(recording)
        return Positions(recording.ranges, recording.tokens, recording.extents, recording.parents)
    state = _RecordingState(module)
    module._codegen(state)
    return Positions(state.ranges, state.tokens)
