"""Reading one file: the facts the prefilter keeps of its text (cached by content),
its import statements read from the text, and the modules they name."""

from __future__ import annotations

import ast
import copyreg
import hashlib
import io
import re
import tokenize
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mixlint.parse import MAX_FILE_BYTES

FACTS_VERSION = 1

# (level, module, names): ``from ..a.b import c, d`` -> (2, "a.b", ("c", "d"));
# ``import a.b`` -> (0, "a.b", None); ``from a import *`` -> (0, "a", ("*",)).
Import = tuple[int, str, "tuple[str, ...] | None"]

STRONG, DATA, COMMENT, SNIFF = 1, 2, 4, 8


@dataclass(frozen=True, slots=True)
class Facts:
    """What the prefilter needs from one file's text (plain data, cached by content)."""

    sha: str  # sha256 of the bytes
    flags: int  # STRONG | DATA | COMMENT | SNIFF
    imports: tuple[Import, ...] = ()


# The cache's manifest holds one per file: loading a constructor call is twice as fast
# as the generic ``__setstate__`` of a slotted dataclass.
copyreg.pickle(Facts, lambda facts: (Facts, (facts.sha, facts.flags, facts.imports)))


# -- reading one file -------------------------------------------------------------

_DATA_WORDS = (b"people_delete", b"data-deletions", b"/api/app/data-")
_HEURISTIC = re.compile(rb"(?i)(?<![A-Za-z0-9_])_?mp(?:_client)?(?![A-Za-z0-9_])")
_NOQA_MX = re.compile(rb"(?i)noqa[^\n]*?mx[0-9]")
# Python 2 and other reasons a file cannot be parsed. Each pattern starts with a
# literal, which the regex engine finds fast; a statement must also start a line or
# follow ``:`` / ``;`` (``_line_start``).
_STATEMENTS = (
    re.compile(rb"print[ \t]+[^\s(=)\]},;.:]"),
    re.compile(rb"exec[ \t]+[\"'A-Za-z_]"),
    re.compile(rb"except[ \t]+[\w.]+[ \t]*,[ \t]*\w+[ \t]*:"),
)
_CONFLICTS = (b"<<<<<<<", b">>>>>>>")
_UR_STRINGS = (b"ur'", b'ur"')  # in the lowered text: ur"" strings
_IDENTIFIER_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


class Scanner:
    """Reads files into ``Facts``. ``methods``: the SDK's tracking methods (heuristic
    clients); ``words``: names of wrappers declared in configuration."""

    def __init__(self, methods: Iterable[str], words: Iterable[str] = ()) -> None:
        names = sorted(set(methods), key=lambda name: (-len(name), name))
        self._methods = re.compile(
            rb"\.(?:\s|\\)*(?:" + b"|".join(re.escape(n.encode()) for n in names) + rb")(?![\w])"
        )
        self._words = [
            re.compile(r"(?<![\w])" + re.escape(word) + r"(?![\w])") for word in sorted(set(words))
        ]
        self.signature = hashlib.sha256(
            repr((FACTS_VERSION, names, sorted(set(words)))).encode()
        ).hexdigest()[:16]

    def scan(self, data: bytes) -> Facts:
        sha = hashlib.sha256(data).hexdigest()
        if len(data) > MAX_FILE_BYTES or b"\x00" in data:
            return Facts(sha, SNIFF)
        try:
            text = _decode(data)
        except (UnicodeDecodeError, SyntaxError, LookupError):
            return Facts(sha, SNIFF)
        lowered = data.lower()
        flags = 0
        if b"mixpanel" in lowered or (
            self._methods.search(data) is not None and _HEURISTIC.search(data) is not None
        ):
            flags |= STRONG
        if any(word in lowered for word in _DATA_WORDS) or any(
            word.search(text) for word in self._words
        ):
            flags |= DATA
        if b"mixlint" in lowered or (b"noqa" in lowered and _NOQA_MX.search(data) is not None):
            flags |= COMMENT
        if _sniff(data, lowered) and not compiles(data):
            flags |= SNIFF
        return Facts(sha, flags, imports(text))


def _decode(data: bytes) -> str:
    """As ``mixlint.parse.decode`` (BOM, PEP 263 cookie, else strict UTF-8), without
    ``detect_encoding``'s work for the common file that has neither cookie nor BOM."""
    second = data.find(b"\n", data.find(b"\n") + 1)
    head = data if second == -1 else data[:second]
    if b"coding" not in head and not data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8")  # no cookie, no BOM: what detect_encoding decides
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def _sniff(data: bytes, lowered: bytes) -> bool:
    for pattern in _STATEMENTS:
        for match in pattern.finditer(data):
            start = match.start()
            if (not start or data[start - 1] not in _IDENTIFIER_BYTES) and _line_start(data, start):
                return True
    for marker in _CONFLICTS:
        start = data.find(marker)
        while start != -1:
            if data[start + 7 : start + 8] in (b" ", b"\t", b"\r", b"\n") and _line_start(
                data, start
            ):
                return True
            start = data.find(marker, start + 7)
    for marker in _UR_STRINGS:
        start = lowered.find(marker)
        while start != -1:
            if not start or lowered[start - 1] not in _IDENTIFIER_BYTES:
                return True
            start = lowered.find(marker, start + 3)
    return False


def _line_start(data: bytes, start: int) -> bool:
    """Only blanks, or a ``:`` / ``;`` ending a statement, before ``start`` on its line."""
    prefix = data[data.rfind(b"\n", 0, start) + 1 : start].rstrip(b" \t")
    return not prefix or prefix[-1:] in (b":", b";")


def compiles(data: bytes) -> bool:
    """Does CPython parse it? Only asked when the sniff suspects it does not (cheap)."""
    return cpython_tree(data) is not None


def cpython_tree(data: bytes) -> ast.AST | None:
    """CPython's syntax tree of the file (nothing runs), or None when CPython cannot
    parse it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "invalid escape sequence" and the like
            tree: ast.AST = compile(data, "<mixlint>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return None
    return tree


_IMPORT_WORD = re.compile(r"import")
_WORD = re.compile(r"\w+")
_AS = re.compile(r"\s+as\s+")


def imports(text: str) -> tuple[Import, ...]:
    """Every import statement in the text, found without parsing.

    Generous by design: an ``import`` in a string or a comment that looks like a
    statement is kept too (it costs a lookup), and no real statement is missed
    (continuation lines, parentheses, ``;``, ``if x: import y``, relative forms).
    """
    found: dict[Import, None] = {}
    length = len(text)
    for match in _IMPORT_WORD.finditer(text):
        start = match.start()
        if start and (text[start - 1].isalnum() or text[start - 1] in "_."):
            continue
        end = start + 6
        if end < length and (text[end].isalnum() or text[end] == "_"):
            continue
        if _simple(text, start, found):
            continue
        prefix = text[_logical_start(text, start) : start]
        prefix = prefix.replace("\\\r\n", " ").replace("\\\n", " ")
        segment = prefix[max(prefix.rfind(";"), prefix.rfind(":")) + 1 :].strip()
        tail = _statement_tail(text, end)
        if not segment:
            for item in tail.split(","):
                module = "".join(_AS.split(item.strip())[0].split())
                if module:
                    found[(0, module, None)] = None
        elif segment.startswith("from") and (
            len(segment) == 4 or not (segment[4].isalnum() or segment[4] == "_")
        ):
            spec = "".join(segment[4:].split())
            level = len(spec) - len(spec.lstrip("."))
            names = tuple(
                "".join(_AS.split(item.strip())[0].split())
                for item in tail.strip().strip("()").split(",")
                if item.strip()
            )
            found[(level, spec[level:], names)] = None
    return tuple(found)


_ONE_IMPORT = re.compile(
    r"[ \t]*import[ \t]+([\w.]+(?:[ \t]+as[ \t]+\w+)?"
    r"(?:[ \t]*,[ \t]*[\w.]+(?:[ \t]+as[ \t]+\w+)?)*)[ \t\r]*"
)
_ONE_FROM = re.compile(
    r"[ \t]*from[ \t]+(\.*)([\w.]*)[ \t]+import[ \t]+"
    r"(\*|\w+(?:[ \t]+as[ \t]+\w+)?(?:[ \t]*,[ \t]*\w+(?:[ \t]+as[ \t]+\w+)?)*)[ \t\r]*"
)


def _simple(text: str, start: int, found: dict[Import, None]) -> bool:
    """The common case fast: one import statement alone on its line (a comment after
    it allowed); False when the line needs the general reading."""
    line_start = text.rfind("\n", 0, start) + 1
    if (
        line_start >= 2
        and text[line_start - 2] in "\\\r"
        and (text[line_start - 2] == "\\" or text[line_start - 3 : line_start - 1] == "\\\r")
    ):
        return False  # continues the line before
    line_end = text.find("\n", start)
    line = text[line_start : line_end if line_end != -1 else len(text)]
    if "#" in line:
        line = line.split("#", 1)[0]
    match = _ONE_IMPORT.fullmatch(line)
    if match is not None:
        for item in match.group(1).split(","):
            found[(0, item.split()[0], None)] = None
        return True
    match = _ONE_FROM.fullmatch(line)
    if match is not None:
        names = match.group(3)
        found[
            (
                len(match.group(1)),
                match.group(2),
                tuple(item.split()[0] for item in names.split(",")),
            )
        ] = None
        return True
    return False


def _logical_start(text: str, index: int) -> int:
    start = text.rfind("\n", 0, index) + 1
    while start >= 2 and (text[start - 2] == "\\" or text[start - 3 : start - 1] == "\\\r"):
        start = text.rfind("\n", 0, start - 2) + 1
    return start


def _statement_tail(text: str, index: int) -> str:
    """What follows ``import`` up to the end of the statement (comments dropped)."""
    position = index
    while True:
        while position < len(text) and text[position] in " \t":
            position += 1
        if text.startswith("\\\n", position):
            position += 2
        elif text.startswith("\\\r\n", position):
            position += 3
        else:
            break
    parts: list[str] = []
    parenthesized = text.startswith("(", position)
    if parenthesized:
        position += 1
    for _ in range(1000):
        newline = text.find("\n", position)
        code = text[position : newline if newline != -1 else len(text)].split("#", 1)[0]
        if parenthesized:
            closing = code.find(")")
            if closing != -1:
                parts.append(code[:closing])
                break
            parts.append(code)
        else:
            semicolon = code.find(";")
            if semicolon != -1:
                parts.append(code[:semicolon])
                break
            stripped = code.rstrip("\r \t")
            if not stripped.endswith("\\"):
                parts.append(code)
                break
            parts.append(stripped[:-1])
        if newline == -1:
            break
        position = newline + 1
    return " ".join(parts)


# -- imports as modules -------------------------------------------------------------


def named_mixpanel(path: str) -> bool:
    """A file whose path names Mixpanel (``analytics/mixpanel_client.py``) may hold
    what matters even if its text does not show it: it is read."""
    return "mixpanel" in path.lower()


def import_targets(level: int, module: str, names: tuple[str, ...] | None) -> list[str]:
    """The dotted names an import statement names (relative ones with their dots): the
    module, and each ``from`` name under it."""
    spec = "." * level + module
    targets = [spec]
    for name in names or ():
        if name != "*":
            targets.append(join_import(spec, name))
    return targets


def join_import(spec: str, name: str) -> str:
    """``name`` under the module ``spec`` of an import statement (``..pkg`` or ``.``)."""
    return spec + name if not spec or spec.endswith(".") else f"{spec}.{name}"


def scan_files(
    scanner: Scanner, items: Sequence[tuple[str, str]], read: Callable[[str], bytes]
) -> list[Facts | None]:
    """``scanner.scan`` over (relative, path) pairs; None for a file that cannot be read."""
    results: list[Facts | None] = []
    for _, path in items:
        try:
            data = read(path)
        except OSError:
            results.append(None)
            continue
        results.append(scanner.scan(data))
    return results
