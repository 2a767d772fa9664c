"""Inline suppressions: ``mixlint: ignore[...]``, ``noqa: MX...``, ``mixlint: ignore-file[...]``.

Only real comments count, so a ``"# noqa: MX101"`` inside a string literal
suppresses nothing; comments are found with ``tokenize``, and with a small
line scanner when the file does not tokenize (a syntax error must not make
suppressions silently disappear elsewhere in the file).
"""

from __future__ import annotations

import dataclasses
import io
import re
import tokenize
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass

from mixlint.fix.changes import edit_comment, fix
from mixlint.model import Applicability, Finding, Level, Span

UNUSED_SUPPRESSION = "MX002"


@dataclass(frozen=True, slots=True)
class Suppression:
    """One suppression directive found in a comment.

    ``col`` is the 1-based column of the directive's ``#``; ``text`` the
    directive as written. ``misplaced`` marks an ``ignore-file`` below the
    leading comment block: it suppresses nothing and is reported.
    """

    path: str
    line: int
    col: int
    rule_ids: tuple[str, ...]
    reason: str
    file_level: bool
    text: str
    misplaced: bool = False

    @property
    def span(self) -> Span:
        return Span(self.line, self.col, self.line, self.col + len(self.text))


# A comment may hold several directives: a ruff noqa for E501, then ours.
_DIRECTIVE_START = re.compile(r"#\s*(?:mixlint\s*:|noqa\b)", re.IGNORECASE)
_MIXLINT = re.compile(
    r"#\s*mixlint\s*:\s*(?P<kind>ignore[-_]file|ignore)\b"
    r"(?:\s*\[(?P<ids>[^\]]*)\])?(?:\s*--\s*(?P<reason>.*))?",
    re.IGNORECASE | re.DOTALL,
)
# ruff's noqa grammar: codes separated by commas and/or whitespace.
_NOQA = re.compile(
    r"#\s*noqa(?:\s*:\s*(?P<codes>[A-Za-z]+[0-9]+(?:[\s,]+[A-Za-z]+[0-9]+)*))?"
    r"(?:\s*--\s*(?P<reason>.*))?",
    re.IGNORECASE | re.DOTALL,
)
# Another tool's directive after a reason ends it: "-- why  # type: ignore".
_REASON_END = re.compile(r"\s+#\s*(?:[A-Za-z_-]+\s*:|noqa\b|nosec\b)", re.IGNORECASE)
_RULE_ID = re.compile(r"[A-Za-z]+[0-9]+")


def parse_suppressions(path: str, lines: Sequence[str]) -> list[Suppression]:
    """Every suppression directive in a file's comments, in file order."""
    source = "\n".join(line.rstrip("\r\n") for line in lines) + "\n"
    if _DIRECTIVE_START.search(source) is None:
        return []  # most files: no directive anywhere, so none in a comment
    try:
        comments, header_end = _tokenized_comments(source)
    except (tokenize.TokenError, SyntaxError):
        comments, header_end = _scanned_comments(source.split("\n"))
    found: list[Suppression] = []
    for line, col, comment in comments:
        for suppression in _directives(path, line, col, comment):
            if suppression.file_level and line >= header_end:
                suppression = dataclasses.replace(suppression, misplaced=True)
            found.append(suppression)
    return found


def _tokenized_comments(source: str) -> tuple[list[tuple[int, int, str]], int]:
    """(line, 0-based column, text) of each comment, and the first line of code."""
    comments: list[tuple[int, int, str]] = []
    header_end: int | None = None
    layout = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING}
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            comments.append((token.start[0], token.start[1], token.string))
        elif header_end is None and token.type not in layout:
            header_end = token.start[0]
    return comments, header_end if header_end is not None else len(source.splitlines()) + 1


def _scanned_comments(lines: Sequence[str]) -> tuple[list[tuple[int, int, str]], int]:
    """Comments found line by line, skipping string literals (triple-quoted included)."""
    comments: list[tuple[int, int, str]] = []
    header_end: int | None = None
    open_quote: str | None = None  # the delimiter of a string still open at line end
    for number, line in enumerate(lines, start=1):
        start, open_quote = _comment_start(line, open_quote)
        if start is not None:
            comments.append((number, start, line[start:]))
        if header_end is None and line.strip() and not line.lstrip().startswith("#"):
            header_end = number
    return comments, header_end if header_end is not None else len(lines) + 1


def _comment_start(line: str, open_quote: str | None) -> tuple[int | None, str | None]:
    i = 0
    while i < len(line):
        if open_quote is not None:
            if line[i] == "\\":
                i += 2
                continue
            if line.startswith(open_quote, i):
                i += len(open_quote)
                open_quote = None
                continue
            i += 1
            continue
        char = line[i]
        if char == "#":
            return i, None
        if char in "'\"":
            triple = char * 3
            open_quote = triple if line.startswith(triple, i) else char
            i += len(open_quote)
            continue
        i += 1
    # A single-quoted string cannot continue on the next line (short of a
    # backslash continuation, which a fallback scanner can afford to miss).
    return None, open_quote if open_quote is not None and len(open_quote) == 3 else None


def _directives(path: str, line: int, col: int, comment: str) -> Iterator[Suppression]:
    starts = [match.start() for match in _DIRECTIVE_START.finditer(comment)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(comment)
        segment = comment[start:end].rstrip()
        parsed = _directive(path, line, col + start + 1, segment)
        if parsed is not None:
            yield parsed


def _directive(path: str, line: int, col: int, segment: str) -> Suppression | None:
    match = _MIXLINT.match(segment)
    if match is not None:
        ids = _rule_ids(match.group("ids") or "")
        file_level = match.group("kind").lower() != "ignore"
    else:
        match = _NOQA.match(segment)
        if match is None or not match.group("codes"):
            return None  # a bare noqa belongs to other tools
        ids = tuple(code for code in _rule_ids(match.group("codes")) if code.startswith("MX"))
        if not ids:
            return None  # only foreign codes (E501): not ours
        file_level = False
    end = match.end()
    reason = ""
    if match.group("reason") is not None:
        trimmed = _REASON_END.search(segment, match.start("reason"))
        if trimmed is not None:
            end = trimmed.start()
        reason = segment[match.start("reason") : end].strip()
    return Suppression(
        path=path,
        line=line,
        col=col,
        rule_ids=ids,
        reason=reason,
        file_level=file_level,
        text=segment[:end].rstrip(),
    )


def without(item: Suppression, rule_id: str | None) -> str:
    """The directive's text without ``rule_id`` (MX002's fix); "" when nothing it
    suppresses would be left, or for ``rule_id`` None (the whole directive goes)."""
    match = _MIXLINT.match(item.text)
    group = "ids"
    if match is None:
        match, group = _NOQA.match(item.text), "codes"
    if rule_id is None or match is None or match.group(group) is None:
        return ""
    kept = [
        part
        for part in re.split(r"[\s,]+", match.group(group).strip())
        if part and part.upper() != rule_id.upper()
    ]
    if not kept:
        return ""
    return item.text[: match.start(group)] + ", ".join(kept) + item.text[match.end(group) :]


def _rule_ids(text: str) -> tuple[str, ...]:
    # Unknown spellings are kept (upper-cased) so that they are reported, not dropped.
    seen: dict[str, None] = {}
    for part in re.split(r"[\s,]+", text.strip()):
        if part:
            seen[part.upper() if _RULE_ID.fullmatch(part) else part] = None
    return tuple(seen)


def apply_suppressions(
    findings: list[Finding],
    suppressions: Mapping[str, list[Suppression]],
    call_lines: Mapping[tuple[str, int], int],
    known_rule_ids: Collection[str],
    *,
    enabled: Callable[[str, str], bool] | None = None,
) -> list[Finding]:
    """Mark suppressed findings and report suppressions that suppress nothing.

    A line suppression covers findings that start on its line, or whose
    tracking call starts there (``call_lines``). Findings are marked in place
    (``suppressed="inline"``); the result is every finding plus one MX002 per
    unused, unknown or missing rule ID, sorted. ``enabled(rule_id, path)``,
    when given, keeps IDs of rules that did not run on a file from being
    reported as unused (a ``--select`` run must not flood with MX002).
    MX002 itself can be suppressed only by ``ignore-file`` (or config).
    """
    known = set(known_rule_ids)
    used: set[tuple[str, int, int, str]] = set()  # (path, line, col, rule ID)
    by_line: dict[tuple[str, int], list[Suppression]] = {}
    by_file: dict[str, list[Suppression]] = {}
    for path, items in suppressions.items():
        for item in items:
            if item.misplaced:
                continue
            if item.file_level:
                by_file.setdefault(path, []).append(item)
            else:
                by_line.setdefault((path, item.line), []).append(item)

    for finding in findings:
        if finding.suppressed is not None or finding.rule_id == UNUSED_SUPPRESSION:
            continue
        own = finding.span.start_line
        lines = {own, call_lines.get((finding.path, own), own)}
        candidates = [s for line in sorted(lines) for s in by_line.get((finding.path, line), [])]
        _suppress(finding, [*candidates, *by_file.get(finding.path, [])], used)

    reports: list[Finding] = []
    for items in suppressions.values():
        for item in items:
            reports.extend(_unused(item, used, known, enabled))
    # Reports about suppressions are themselves suppressible file-wide only, and
    # a report about an ``ignore-file[MX002]`` is never suppressed: no loops.
    for report in reports:
        covering = [s for s in by_file.get(report.path, []) if report.span != s.span]
        _suppress(report, covering, used)
    for items in by_file.values():
        for item in items:
            if UNUSED_SUPPRESSION in item.rule_ids:
                reports.extend(_unused(item, used, known, enabled, only=UNUSED_SUPPRESSION))
    return sorted([*findings, *reports], key=Finding.sort_key)


def _suppress(
    finding: Finding, candidates: Sequence[Suppression], used: set[tuple[str, int, int, str]]
) -> None:
    for suppression in candidates:
        if finding.rule_id not in suppression.rule_ids:
            continue
        used.add((suppression.path, suppression.line, suppression.col, finding.rule_id))
        if finding.suppressed is None:
            finding.suppressed = "inline"
            finding.suppression_reason = suppression.reason


def _unused(
    item: Suppression,
    used: set[tuple[str, int, int, str]],
    known: set[str],
    enabled: Callable[[str, str], bool] | None,
    only: str | None = None,
) -> Iterator[Finding]:
    def report(message: str, unused: str | None = None) -> Finding:
        """MX002, with the fix that removes ``unused`` (None: the whole directive)."""
        kept = without(item, unused)
        return Finding(
            rule_id=UNUSED_SUPPRESSION,
            level=Level.WARNING,
            path=item.path,
            span=item.span,
            message=message,
            fix=fix(
                f"Remove {unused} from the suppression" if kept else "Remove the suppression",
                Applicability.SAFE,
                [edit_comment(item.path, item.span, kept)],
            ),
        )

    if only is None:
        if item.misplaced:
            yield report(
                "'ignore-file' suppresses nothing here: it belongs in the comment block "
                "at the top of the file"
            )
            return
        if not item.rule_ids:
            yield report(
                "suppression names no rule: rule IDs are required, e.g. '# mixlint: ignore[MX101]'"
            )
            return
    where = "in this file" if item.file_level else "on this line"
    for rule_id in item.rule_ids:
        if only is not None and rule_id != only:
            continue
        if only is None and item.file_level and rule_id == UNUSED_SUPPRESSION:
            continue  # judged last, once every other report is known
        if rule_id not in known:
            yield report(f"unknown rule '{rule_id}' in suppression", rule_id)
        elif rule_id == UNUSED_SUPPRESSION and not item.file_level:
            yield report(
                f"{UNUSED_SUPPRESSION} can only be suppressed by "
                "'# mixlint: ignore-file[MX002]' or config",
                rule_id,
            )
        elif (item.path, item.line, item.col, rule_id) not in used and (
            enabled is None or enabled(rule_id, item.path)
        ):
            yield report(f"unused suppression: no {rule_id} finding {where}", rule_id)
