"""The prefilter: which files can matter, decided from their text, so that the rest is never parsed.

libcst is thorough but slow, and in a large project almost no file tracks
anything. A file is parsed only when something in its text could make a
difference to the findings. The first reasons are read from the file alone
(``scan``, cached by content hash):

- *strong*: it names the SDK (``mixpanel`` in any case: the SDK module and
  classes, ``flask_mixpanel``, ``mixpanel_utils``, the API hosts), or it calls
  an SDK method (``.track``, ``.people_set`` ...) next to a name the extractor
  takes for a client by name alone (``mp``, ``_mp``, ``mp_client``);
- *data*: a deletion path or the GDPR API (``people_delete``,
  ``data-deletions``, ``/api/app/data-``), a wrapper declared in configuration;
- *comment*: an inline suppression (``# mixlint: ...``, ``# noqa: MX...``), whose
  MX002 needs the file's lines;
- *sniff*: it may not parse at all (undecodable, NUL bytes, too large; or it has
  Python 2 ``print`` / ``exec`` statements, ``except X, e:``, ``ur''`` strings or
  merge-conflict markers, and CPython's parser confirms the syntax error), so that
  MX001 is reported as before.

The first round also parses the packages between those: whose ``__init__`` one of
them imports and which import one of them by name (``go_betweens``: a package
re-exporting its client), which would join a round later. Parsing more than
needed never changes the findings, only the time.

Then, in rounds until nothing changes (``Selector``), the files parsed so far
are resolved and extracted as usual, and their *relevant* names are found: the
functions that contain tracking calls or build SDK objects, their callers (all
the way up, for MX201), factories returning clients, module globals and class
attributes that hold clients, SDK names or strings naming Mixpanel, classes
with any of these, and the modules exporting them (also by ``import *``). An
unparsed file joins when one of its import statements (read from the text,
relative imports resolved as Python does) reaches a relevant name or module,
and its code uses it (``References``, from CPython's syntax tree): writes the
name through what the statement binds (``Tracker``, ``tracking.Tracker``,
``app.tracking.Tracker`` after ``import app.tracking``; a module bound by a name
is used through its own relevant names, or where it is stored or returned), or
re-exports it and another file reads it from there (``from app.telemetry import
tracking``). A file that imports the tracker's module and writes none of its
relevant names cannot reach them.

And the values the rules read are followed into the files they come from: the
expressions of the tracking calls (at a wrapper's call site, the arguments that
flow into the wrapper), of the SDK objects and of requests to the GDPR API, and
every call in a file with deletion words or declared wrappers; name by name
through globals, imports and re-exports into what a name holds (a global's
values, a function's results, a class's bases), so that constants,
pseudonymisers and helpers are all there. What a module merely refers to
elsewhere (a function's body, a class's attributes, the arguments of a call
that reaches tracking without passing them on) is not followed: no rule reads it.
What the resolver reads to classify a call that may reach a relevant name is
there too: the packages its chain of attributes goes through, as the extractor
finds them (an unparsed module that is no such package holds nothing relevant).

Everything another file can contribute to a finding reaches it through an
import statement naming it, which is why the result equals a full parse's.
The one difference: a file that names nothing of the above and fails to parse
for a reason the sniff does not recognise is not reported (MX001);
``--no-prefilter`` parses every file.
"""

from __future__ import annotations

import ast
import copyreg
import hashlib
import io
import re
import tokenize
import warnings
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from mixlint.model import CallSite, Expr, ExprKind, ModuleSummary, ProjectModel, Span
from mixlint.modules import Module, ModuleFinder, parent

FACTS_VERSION = 1
MAX_FILE_BYTES = 10 * 1024 * 1024  # as mixlint.project: larger files are a problem (MX001)

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
    """As ``mixlint.project.decode``: BOM, PEP 263 cookie, else strict UTF-8."""
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
            targets.append(_join(spec, name))
    return targets


def _join(spec: str, name: str) -> str:
    """``name`` under the module ``spec`` of an import statement (``..pkg`` or ``.``)."""
    return spec + name if not spec or spec.endswith(".") else f"{spec}.{name}"


# -- relevance ------------------------------------------------------------------------

# Strings whose value matters beyond their own file: Mixpanel hosts (an HTTP request
# or a consumer configured from a constant) and the deletion API. Not any text that
# mentions Mixpanel (a help_text, a docstring-like label).
_SEED_STRINGS = ("mixpanel.com", "data-deletions", "/api/app/data-", "people_delete")

Node = tuple[str, str, str]  # ("g" global | "f" function | "c" class | "m" module, path, name)


@dataclass(slots=True)
class _Refs:
    """What an expression refers to: names of its module, imports, defs, classes."""

    seed: bool = False
    names: set[str] = field(default_factory=set)
    # an import's target and the attributes read from it: ("pkg", ("sub", "client"))
    imports: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)
    defs: set[str] = field(default_factory=set)  # "def:qualname" / "class:qualname"
    classes: set[str] = field(default_factory=set)  # self's class
    attrs: set[tuple[str, tuple[str, ...]]] = field(default_factory=set)  # name.attr.attr

    def add(self, expr: Expr | None, seen: set[int], spine: bool = False) -> None:
        """What ``expr`` refers to. ``spine``: only what decides what the expression is
        (what the resolver reads): not the arguments of a call, the index of a
        subscript, the test of a condition, nor the parts of a string or a sum."""
        if expr is None:
            return
        stack = [expr]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            kind = node.kind
            if kind is ExprKind.CONST:
                if isinstance(node.value, str) and _seed_string(node.value):
                    self.seed = True
                continue
            if kind is ExprKind.NAME:
                if node.origin is not None:
                    stack.append(node.origin)
                else:
                    self.names.add(str(node.value))
                continue
            if kind is ExprKind.IMPORT:
                self.imports.add((str(node.value), ()))
                continue
            if kind is ExprKind.PARAM:
                self.annotation(node.annotation)
                continue
            if kind is ExprKind.FSTRING and _seed_string(node.text):
                self.seed = True
            if (
                kind is ExprKind.OTHER
                and isinstance(node.value, str)
                and (node.value.startswith(("def:", "class:")))
            ):
                self.defs.add(node.value)
            if kind is ExprKind.ATTR and self.dotted(node, stack):
                continue
            if spine:
                _spine(node, stack)
                continue
            if node.base is not None:
                stack.append(node.base)
            if node.origin is not None:
                stack.append(node.origin)
            stack.extend(node.args)
            stack.extend(value for _, value in node.keywords)
            for key, value in node.items:
                if key is not None:
                    stack.append(key)
                stack.append(value)

    def dotted(self, node: Expr, stack: list[Expr]) -> bool:
        """``a.b.c`` over an import or a module global: one dotted reference."""
        attrs: list[str] = []
        current: Expr | None = node
        while current is not None and current.kind is ExprKind.ATTR:
            attrs.append(str(current.value))
            current = current.base
        if current is None:
            return False
        attrs.reverse()
        if (
            current.kind is ExprKind.NAME
            and current.origin is not None
            and (current.origin.kind is ExprKind.IMPORT)
        ):
            self.imports.add((str(current.origin.value), tuple(attrs)))
            return True
        if current.kind is ExprKind.NAME and current.origin is None:
            self.attrs.add((str(current.value), tuple(attrs)))
            return True
        if current.kind is ExprKind.PARAM and (current.annotation or "").startswith("<self>"):
            self.classes.add(str(current.annotation)[len("<self>") :])
            return True
        stack.append(current)
        return True

    def annotation(self, annotation: str | None) -> None:
        for part in (annotation or "").split("|"):
            if not part:
                continue
            if part.startswith("<self>"):
                self.classes.add(part[len("<self>") :])
                continue
            head, _, rest = part.partition(".")
            if rest:
                self.attrs.add((head, tuple(rest.split("."))))
            else:
                self.names.add(head)


def _spine(node: Expr, stack: list[Expr]) -> None:
    """The parts of ``node`` that decide what it is, as ``ProjectIndex.symbol`` reads it."""
    kind = node.kind
    if kind in (ExprKind.CALL, ExprKind.SUBSCRIPT, ExprKind.ITER, ExprKind.STARRED):
        if node.base is not None:
            stack.append(node.base)
    elif kind in (ExprKind.SEQ, ExprKind.COND, ExprKind.BOOLOP):
        stack.extend(node.args)


def _seed_string(value: str) -> bool:
    lowered = value.lower()
    return any(seed in lowered for seed in _SEED_STRINGS)


class _ModuleRefs:
    """The references of one summary's parts, computed once per summary."""

    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self._globals: dict[str, _Refs] = {}
        self._functions: dict[str, _Refs] = {}
        self._classes: dict[str, _Refs] = {}
        self._callees: list[tuple[_Refs, _Refs]] | None = None
        # What the cache holds, unpacked when asked for (most of it never is).
        self._packed: tuple[dict[str, Any], dict[str, Any], dict[str, Any]] = ({}, {}, {})
        self.methods: dict[str, list[str]] = {}
        for qualname, function in summary.functions.items():
            if function.class_name is not None:
                self.methods.setdefault(function.class_name, []).append(qualname)

    def preload(self, data: RefsData) -> None:
        globals_, functions, classes, callees = data
        self._packed = (globals_, functions, classes)
        self._callees = [(_unpack(callee), _unpack(arguments)) for callee, arguments in callees]

    def global_(self, name: str) -> _Refs:
        refs = self._globals.get(name)
        if refs is None and name in self._packed[0]:
            refs = self._globals[name] = _unpack(self._packed[0][name])
        if refs is None:
            refs = _Refs()
            seen: set[int] = set()
            for value in self.summary.globals.get(name, ()):
                refs.add(value, seen)
            self._globals[name] = refs
        return refs

    def function(self, qualname: str) -> _Refs:
        """What a function's result refers to (factories)."""
        refs = self._functions.get(qualname)
        if refs is None and qualname in self._packed[1]:
            refs = self._functions[qualname] = _unpack(self._packed[1][qualname])
        if refs is None:
            refs = _Refs()
            function = self.summary.functions.get(qualname)
            if function is not None:
                seen: set[int] = set()
                for value in function.returns:
                    refs.add(value, seen)
                refs.annotation(function.return_annotation)
            self._functions[qualname] = refs
        return refs

    def class_(self, qualname: str) -> _Refs:
        """A class's attributes and bases."""
        refs = self._classes.get(qualname)
        if refs is None and qualname in self._packed[2]:
            refs = self._classes[qualname] = _unpack(self._packed[2][qualname])
        if refs is None:
            refs = _Refs()
            seen: set[int] = set()
            for base in self.summary.class_bases.get(qualname, ()):
                refs.add(base, seen)
            prefix = qualname + "."
            for name, values in self.summary.class_attrs.items():
                if name.startswith(prefix) and "." not in name[len(prefix) :]:
                    for value in values:
                        refs.add(value, seen)
            self._classes[qualname] = refs
        return refs

    def callees(self) -> list[tuple[_Refs, _Refs]]:
        """What decides the callee of each call, and what its arguments refer to."""
        if self._callees is None:
            self._callees = []
            for site in self.summary.calls:
                callee = _Refs()
                callee.add(site.callee, set(), spine=True)
                arguments = _Refs()
                seen: set[int] = set()
                for argument in (*site.call.args, *(value for _, value in site.call.keywords)):
                    arguments.add(argument, seen)
                self._callees.append((callee, arguments))
        return self._callees

    def bases(self, qualname: str) -> _Refs:
        """A class's bases (not its attributes: what the rules read never reaches them)."""
        refs = _Refs()
        seen: set[int] = set()
        for base in self.summary.class_bases.get(qualname, ()):
            refs.add(base, seen)
        return refs


RefsData = tuple[Any, ...]


def _pack(refs: _Refs) -> RefsData | None:
    if not (refs.seed or refs.names or refs.imports or refs.defs or refs.classes or refs.attrs):
        return None
    return (
        refs.seed,
        tuple(refs.names),
        tuple(refs.imports),
        tuple(refs.defs),
        tuple(refs.classes),
        tuple(refs.attrs),
    )


def _unpack(data: RefsData | None) -> _Refs:
    if data is None:
        return _Refs()
    seed, names, imports, defs, classes, attrs = data
    return _Refs(bool(seed), set(names), set(imports), set(defs), set(classes), set(attrs))


def module_refs(summary: ModuleSummary) -> RefsData:
    """Everything the prefilter's rounds ask of a summary, worked out once (plain data,
    cached with the summary, so a later run does not walk its expressions again)."""
    refs = _ModuleRefs(summary)
    return (
        {name: _pack(refs.global_(name)) for name in summary.globals if name != "*"},
        {name: _pack(refs.function(name)) for name in summary.functions},
        {name: _pack(refs.class_(name)) for name in summary.class_bases},
        [(_pack(callee), _pack(arguments)) for callee, arguments in refs.callees()],
    )


class References:
    """The dotted names a file's code refers to, through what its imports bind, as
    written (relative ones with their dots): resolved by ``Selector`` (``Uses``).

    ``import app.tracking`` binds ``app``: ``app.tracking.Tracker`` refers to
    ``app.tracking.Tracker``; ``from app import tracking as t`` binds ``t``:
    ``t.Tracker`` refers to the same. Read from CPython's syntax tree: names and
    attribute chains in the code, and the names in string annotations (which the
    collector reads as names too); never the text of other strings or comments.
    ``bindings``: what the import statements themselves bind, (name, target; ``*``,
    the module), which another module reads when it imports the name from this one.
    """

    __slots__ = ("bindings", "chains", "stored")

    def __init__(
        self,
        chains: frozenset[str],
        bindings: tuple[tuple[str, str], ...],
        stored: frozenset[str],
    ) -> None:
        self.chains = chains
        self.bindings = bindings
        self.stored = stored  # chains that are stored or returned as they are (x = mod)

    @classmethod
    def of(cls, data: bytes) -> References | None:
        tree = cpython_tree(data)
        if tree is None:
            return None
        bound: dict[str, set[str]] = {}
        stars: set[str] = set()
        written: set[str] = set()
        stored: set[str] = set()
        pending: list[ast.AST] = [tree]
        while pending:
            node = pending.pop()
            if isinstance(node, _STORING) and isinstance(node.value, ast.Attribute | ast.Name):
                chain, _ = _chain(node.value)
                if chain is not None:
                    stored.add(chain)
            if isinstance(node, ast.Attribute | ast.Name):
                # The longest chain only (``reach`` tries its prefixes); below a chain that
                # does not start at a name (``f().x``), what it starts from.
                chain, start = _chain(node)
                if chain is not None:
                    written.add(chain)
                else:
                    pending.append(start)
                continue
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        bound.setdefault(alias.asname, set()).add(alias.name)
                    else:
                        root = alias.name.split(".")[0]
                        bound.setdefault(root, set()).add(root)
                continue
            if isinstance(node, ast.ImportFrom):
                base = "." * node.level + (node.module or "")
                for alias in node.names:
                    if alias.name == "*":
                        stars.add(base)
                    else:
                        target = _join(base, alias.name)
                        bound.setdefault(alias.asname or alias.name, set()).add(target)
                continue
            if isinstance(node, ast.Constant):
                continue
            if isinstance(node, ast.arg | ast.AnnAssign):
                written.update(_string_annotations(node.annotation))
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                written.update(_string_annotations(node.returns))
            pending.extend(ast.iter_child_nodes(node))

        def expanded(chains: set[str]) -> frozenset[str]:
            found: set[str] = set()
            for chain in chains:
                root, _, rest = chain.partition(".")
                targets = bound.get(root) or {_join(star, root) for star in stars}
                found.update(f"{target}.{rest}" if rest else target for target in targets)
            return frozenset(found)

        bindings = [(name, target) for name, targets in bound.items() for target in targets]
        bindings.extend(("*", star) for star in stars)
        return cls(expanded(written), tuple(sorted(bindings)), expanded(stored))


# Where an expression is kept as it is: a module bound to a name there is still used.
_STORING = (
    ast.Assign,
    ast.AnnAssign,
    ast.AugAssign,
    ast.NamedExpr,
    ast.Return,
    ast.Yield,
    ast.YieldFrom,
)


def _chain(node: ast.Attribute | ast.Name) -> tuple[str | None, ast.expr]:
    """``a.b.c`` of a name or an attribute chain rooted at a name; else None and the
    expression the chain starts from."""
    parts: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        parts.append(current.attr)
        current = current.value
    if not isinstance(current, ast.Name):
        return None, current
    parts.append(current.id)
    return ".".join(reversed(parts)), current


def _string_annotations(annotation: ast.expr | None) -> Iterator[str]:
    """The names in the strings of an annotation (``"Tracker | None"``), as
    ``mixlint.collect`` reads them."""
    for node in ast.walk(annotation) if annotation is not None else ():
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for part in node.value.replace("|", ",").split(","):
                if part.strip():
                    yield part.strip()


@dataclass(slots=True)
class _Wanted:
    """The relevant names a file may use, by (path of their module, name); ``bound``:
    those that are modules (``from . import tracking``), -> that module's path;
    ``bare``: modules whose object itself counts where it is stored or returned
    (``module = tracking``); ``any_name``: modules any name of which counts (``*``)."""

    names: set[tuple[str, str]] = field(default_factory=set)
    bound: dict[tuple[str, str], str] = field(default_factory=dict)
    bare: set[str] = field(default_factory=set)
    any_name: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.names or self.bound or self.bare or self.any_name)

    def matches(self, module: Module | None, attrs: tuple[str, ...], stored: bool) -> bool:
        """Is ``module.attrs[0].attrs[1]...`` one of them (or something in one)?"""
        if module is None:
            return False
        path = module.path
        while True:
            if not attrs:
                return stored and path in self.bare
            if path in self.any_name or (path, attrs[0]) in self.names:
                return True
            target = self.bound.get((path, attrs[0]))
            if target is None:
                return False
            path, attrs = target, attrs[1:]


class Uses:
    """A file's ``References``, resolved by the project's module finder: what module
    (and attributes of it) each chain of its code, each value it stores or returns,
    and each name its import statements bind, stand for."""

    def __init__(self, references: References, path: str, finder: ModuleFinder) -> None:
        self.path = path
        self.chains = [finder.cut(path, chain) for chain in references.chains]
        self.stored = [finder.cut(path, chain) for chain in references.stored]
        self.bindings = []
        own = Module(path) if path.endswith("__init__.py") or path == "__init__.py" else None
        for name, target in references.bindings:
            module, attrs = finder.cut(path, target)
            # A package's own submodule bound by its name (``from . import run``) is no
            # re-export: ``from pkg import run`` elsewhere names the submodule itself.
            if own is not None and not attrs and module == finder.child(own, name):
                continue
            self.bindings.append((name, module, attrs))

    def reach(self, wanted: _Wanted) -> bool:
        return any(wanted.matches(module, attrs, False) for module, attrs in self.chains) or any(
            wanted.matches(module, attrs, True) for module, attrs in self.stored
        )

    def exported(self, wanted: _Wanted) -> Iterator[str]:
        """The names the file's import statements bind to one of ``wanted`` (``*``: it
        re-exports a module that holds some)."""
        for name, module, attrs in self.bindings:
            if name == "*":
                if module is not None and not attrs and _holds(module.path, wanted):
                    yield name
            elif wanted.matches(module, attrs, True):
                yield name


def _holds(path: str, wanted: _Wanted) -> bool:
    return (
        path in wanted.any_name
        or path in wanted.bare
        or any(module == path for module, _ in wanted.names)
        or any(module == path for module, _ in wanted.bound)
    )


@dataclass(slots=True)
class Round:
    """What one round found: the files to parse next, and why (for ``--debug`` and tests)."""

    candidates: set[str] = field(default_factory=set)  # import a relevant name or module
    needed: set[str] = field(default_factory=set)  # hold what a read value refers to
    exporting: set[str] = field(default_factory=set)  # modules exporting relevant names
    exports: Exports | None = None


class Selector:
    """The rounds of the prefilter over one project.

    ``facts``: per file (relative path, in file order); ``finder``: how imports name
    files (``mixlint.modules``), over every file; ``requests``: the callee names of
    HTTP requests (``requests.post``, ``post``), whose URL and headers the rules read
    wherever they are; ``read``: a file's bytes (None:
    every file that imports a module leading to relevant names is taken to use them).
    ``references``: what a file refers to (``References``), by path, with the hash of
    the content it was read from: those of the last run, and those this one reads
    (``references_read``: some).
    ``select`` gives the first files to parse; after each round's model,
    ``next_round`` gives the files to add, until it gives none.
    """

    def __init__(
        self,
        facts: Mapping[str, Facts],
        finder: ModuleFinder,
        requests: Collection[str] = (),
        read: Callable[[str], bytes] | None = None,
    ) -> None:
        self.facts = facts
        self.finder = finder
        self.requests = frozenset(requests)
        self.read = read
        self._references: dict[str, References | None] = {}
        self._uses: dict[str, Uses | None] = {}
        self.references: dict[str, tuple[str, References | None]] = {}
        self.references_read = False
        self._by_name: dict[str, set[str]] | None = None
        self._whole: dict[str, set[str]] | None = None
        self._refs: dict[str, _ModuleRefs] = {}
        self._head_cache: dict[str, frozenset[str]] = {}
        # Files with deletion API words or declared wrappers in their text: every call
        # in them may be read (a GDPR request, a declared wrapper's call site).
        self.data: set[str] = set()
        # path -> (summary, module_refs(summary)) known from the cache
        self.preloaded: dict[str, tuple[ModuleSummary, RefsData]] = {}

    def select(self) -> set[str]:
        chosen = set()
        for path, facts in self.facts.items():
            named = named_mixpanel(path)
            if facts.flags or named:
                chosen.add(path)
            if facts.flags & DATA:
                self.data.add(path)
        return chosen

    def go_betweens(self, selected: AbstractSet[str]) -> set[str]:
        """Packages whose ``__init__`` files of ``selected`` import, and which import
        files of ``selected`` themselves, by name: a package that re-exports its client.
        Most of them matter; parsing them with ``selected`` saves the round that would
        find them (a superset of what matters is safe). Not any module between two
        selected files: one that merely uses the client is found when it matters, and
        parsed for nothing otherwise (with all that import from it then)."""
        found = set()
        for path in self._imported(selected, packages=True) - selected:
            if path.endswith("__init__.py") and not self._imported(
                [path], packages=False
            ).isdisjoint(selected):
                found.add(path)
        return found

    def _imported(self, importers: Iterable[str], packages: bool) -> set[str]:
        """The files the import statements of ``importers`` name; ``packages``: with
        the packages above them (importing a module runs its packages' ``__init__``)."""
        found = set()
        finder = self.finder
        for importer in importers:
            facts = self.facts.get(importer)
            for record in facts.imports if facts is not None else ():
                for dotted in import_targets(*record):
                    module, _ = finder.cut(importer, dotted)
                    if module is None:
                        continue
                    if not module.namespace:
                        found.add(module.path)
                    if not packages:
                        continue
                    folder = parent(module.path) if module.package else module.folder
                    while finder.regular(folder):
                        found.add(f"{folder}/__init__.py" if folder else "__init__.py")
                        if not folder:
                            break
                        folder = parent(folder)
        return found

    def _heads(self, path: str, records: Sequence[Import]) -> frozenset[str]:
        """The first names of the modules the import statements name ("." for a relative
        import, which may name any file)."""
        found = self._head_cache.get(path)
        if found is None:
            heads = set()
            for level, module, _names in records:
                heads.add("." if level else module.split(".")[0])
            found = self._head_cache[path] = frozenset(heads)
        return found

    def values_read(
        self,
        modules: Mapping[str, ModuleSummary],
        model: ProjectModel,
        relevant: _Relevance,
        direct_only: bool,
    ) -> Iterator[tuple[str, Expr]]:
        """The expressions whose values the rules read, with the file each stands in:
        the tracking calls (of a wrapper call, what the wrapper sends: the arguments
        that flow into it), the SDK objects, requests to the GDPR API (their token) and
        every call of the ``data`` files. Without the wrappers (``direct_only``), every
        call site of a relevant function, whole."""
        for call in model.calls:
            if call.kind != "wrapper" and call.call is not None:
                yield call.path, call.call
                continue
            for expr in (call.event, *call.distinct_ids):
                if expr is not None:
                    yield call.path, expr
            for part in (call.properties, call.meta, call.context):
                if part is not None:
                    yield call.path, part.expr
        for obj in model.objects:
            yield obj.path, obj.call
        sites: dict[str, set[Span]] = {}
        if direct_only:
            for callee, callers in model.callers.items():
                node = _function_node(callee)
                if node is not None and node in relevant.relevant:
                    for caller in callers:
                        sites.setdefault(caller.path, set()).add(caller.span)
        requests = self.requests
        for path, summary in modules.items():
            every = path in self.data
            spans = sites.get(path, ())
            for site in summary.calls:
                expr = site.call
                if every or expr.span in spans:
                    yield path, expr
                    continue
                chain = site.callee.chain()
                if (
                    chain
                    and (chain[-1] in requests or ".".join(chain) in requests)
                    and self._names_the_api(expr, summary, relevant)
                ):
                    yield path, expr

    @staticmethod
    def _names_the_api(call: Expr, summary: ModuleSummary, relevant: _Relevance) -> bool:
        """Can the URL of an HTTP request name the GDPR API (or Mixpanel)? Only through
        a string naming it, here or in a relevant global: the file holding that string
        is parsed for its own text, those re-exporting it as importers of relevant names."""
        url = call.keyword("url")
        refs = _Refs()
        seen: set[int] = set()
        for candidate in [url] if url is not None else call.args[:2]:
            refs.add(candidate, seen)
        return relevant.reaches(refs, summary)

    def _used(self, path: str, reached: Iterable[Reached], relevant: _Relevance) -> bool:
        """Does the file use what its import statements reach? Only by writing a
        relevant name, through whatever the import statements bind: ``Tracker`` after
        ``from app.tracking import Tracker``, ``tracking.Tracker`` after ``from app import
        tracking``, ``app.tracking.Tracker`` after ``import app.tracking``. A file that
        writes none of them cannot use them (and is not parsed), however many it imports.
        """
        wanted = _Wanted()
        for item in reached:
            if item.name is not None:
                names: Iterable[tuple[str, str]] = [(item.module.path, item.name)]
            else:
                found = relevant.names_under(item.module)
                if found is None:
                    return True
                names = found
                wanted.bare.add(item.module.path)
            if not relevant.spellings(names, wanted):
                return True
        if not wanted:
            return False
        uses = self._uses_of(path)
        if uses is None or uses.reach(wanted):
            return True
        return any(self._read_from(path, name) for name in uses.exported(wanted))

    def _read_from(self, path: str, name: str) -> bool:
        """Does another file read ``name`` (``*``: any name) from the module at ``path``:
        import it by that name (``from module import name``, or ``*``), or write
        ``module.name`` after importing the module or a package above it?"""
        by_name, whole = self._importers()
        names = by_name.get(path, set())
        if name in names or "*" in names or (name == "*" and names):
            return True
        wanted = _Wanted()
        if name == "*":
            wanted.bare.add(path)
            wanted.any_name.add(path)
        else:
            wanted.names.add((path, name))
        folder = parent(path)
        holders = [path]
        while True:
            holders.append(f"{folder}/__init__.py" if folder else "__init__.py")
            holders.append(folder)  # a namespace package
            if not folder:
                break
            folder = parent(folder)
        for holder in holders:
            for importer in whole.get(holder, ()):
                if importer == path:
                    continue
                uses = self._uses_of(importer)
                if uses is None or uses.reach(wanted):
                    return True
        return False

    def _importers(self) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
        """From every file's import statements: module (path) -> the names imported from
        it by name; module -> the files that bind it whole (``import a.b`` binds ``a``)."""
        if self._by_name is None or self._whole is None:
            self._by_name, self._whole = {}, {}
            finder = self.finder
            for importer, facts in self.facts.items():
                for level, module, names in facts.imports:
                    if names is None:
                        found = finder.find(importer, module.split(".")[0])
                        if found is not None:
                            self._whole.setdefault(found.path, set()).add(importer)
                        continue
                    spec = "." * level + module
                    base = finder.find(importer, spec)
                    if base is not None:
                        self._by_name.setdefault(base.path, set()).update(names)
                    for name in names:
                        found = finder.find(importer, _join(spec, name))
                        if found is not None:
                            self._whole.setdefault(found.path, set()).add(importer)
        return self._by_name, self._whole

    def _uses_of(self, path: str) -> Uses | None:
        """What the file's code refers to, resolved (None: CPython cannot read it)."""
        if path not in self._uses:
            references = self._references_of(path)
            self._uses[path] = None if references is None else Uses(references, path, self.finder)
        return self._uses[path]

    def _references_of(self, path: str) -> References | None:
        """What the file's code refers to (None: CPython cannot read it)."""
        if path in self._references:
            return self._references[path]
        facts = self.facts.get(path)
        known = self.references.get(path)
        if facts is not None and known is not None and known[0] == facts.sha:
            found = known[1]
        else:
            found = None
            if self.read is not None:
                try:
                    found = References.of(self.read(path))
                except OSError:
                    found = None
            if facts is not None:
                self.references[path] = (facts.sha, found)
                self.references_read = True
        self._references[path] = found
        return found

    def refs(self, summary: ModuleSummary) -> _ModuleRefs:
        found = self._refs.get(summary.path)
        if found is None or found.summary is not summary:
            found = _ModuleRefs(summary)
            data = self.preloaded.get(summary.path)
            if data is not None and data[0] is summary:
                found.preload(data[1])
            self._refs[summary.path] = found
        return found

    def next_round(
        self,
        modules: Mapping[str, ModuleSummary],
        model: ProjectModel,
        parsed: Collection[str],
        direct_only: bool = False,
        unread: Callable[[list[tuple[ModuleSummary, CallSite]]], set[str]] | None = None,
    ) -> Round:
        """Files to add to ``parsed`` (every file already read, parse failures included).

        ``direct_only``: ``model`` holds direct tracking calls only
        (``assemble(direct_only=True)``); a wrapper's call sites are among the callers
        of a relevant function. ``unread``: the files the extractor would look into, and
        does not have, to classify some calls (``mixlint.project.unread_files``).
        """
        relevant = _Relevance(self, modules, model)
        relevant.run()
        found = Round(exporting=set(relevant.exporting), exports=relevant.snapshot())
        needs = _Needs(self, modules)
        for path, expr in self.values_read(modules, model, relevant, direct_only):
            needs.expression(path, expr)
        # What the resolver reads to find what a call that may reach a relevant name
        # calls: of the unparsed files, only the packages above relevant modules can
        # matter there, as namespaces (``pkg.metrics.client.shared``): any other holds
        # nothing relevant and leads to nothing relevant, or one of its import statements
        # would have reached it. Those the callees name (all at once, down the chain),
        # and those the extractor itself looks into and does not have (a class's
        # attribute holding ``pkg.metrics.client.shared``). And a call that hands a
        # relevant value to a function of another module (``FileWatcher(coder,
        # analytics=analytics)``) types that function's parameters: its module too.
        namespaces = _Needs(self, modules)
        sites: list[tuple[ModuleSummary, CallSite]] = []
        for summary in modules.values():
            callees = self.refs(summary).callees()
            for site, (callee, arguments) in zip(summary.calls, callees, strict=True):
                if relevant.reaches(callee, summary):
                    namespaces.follow(callee, summary)
                    sites.append((summary, site))
                elif relevant.reaches(arguments, summary):
                    needs.follow(callee, summary)
        found.needed = needs.run()
        looked_into = namespaces.run() | (unread(sites) if unread is not None else set())
        found.needed.update(
            path
            for path in looked_into
            if path.endswith("__init__.py") and relevant.ancestor(Module(path))
        )
        # An absolute import can only reach a parsed module through its first name,
        # which is a folder or the file on its path (below the root it is found in):
        # files importing nothing of the sort are passed over without resolving their
        # imports. A relative one ("." here) may reach anything.
        heads = {"."}
        for path in modules:
            heads.update(path.removesuffix(".py").split("/"))
        for path, facts in self.facts.items():
            if path in parsed or not facts.imports:
                continue
            if self._heads(path, facts.imports).isdisjoint(heads):
                continue
            if self._used(path, relevant.reached(path, facts.imports), relevant):
                found.candidates.add(path)
        found.needed -= set(parsed)
        found.candidates -= set(parsed)
        return found


class Reached(NamedTuple):
    """What an import statement reaches that matters: a relevant ``name`` of
    ``module``, imported by its name; or (``name`` None) ``module`` imported whole,
    which exports relevant names or holds modules that do."""

    module: Module
    name: str | None = None


class _Reach:
    """Does an unparsed file's import statement reach a relevant name? (the check shared
    by a round and by a run that reuses the last one's findings)"""

    finder: ModuleFinder
    exporting: AbstractSet[str]

    def parsed(self, path: str) -> bool:
        raise NotImplementedError

    def exports(self, path: str, name: str) -> bool:
        raise NotImplementedError

    def ancestor(self, module: Module) -> bool:
        raise NotImplementedError

    def imported_by(self, importer: str, records: Sequence[Import]) -> bool:
        return any(True for _ in self.reached(importer, records))

    def reached(self, importer: str, records: Sequence[Import]) -> Iterator[Reached]:
        """What the import statements reach that matters (see ``Reached``)."""
        finder = self.finder
        for level, module, names in records:
            if names is None:
                parts = module.split(".")
                for size in range(1, len(parts) + 1):
                    found = finder.find(importer, ".".join(parts[:size]))
                    if found is not None and (found.path in self.exporting or self.ancestor(found)):
                        yield Reached(found)
                continue
            spec = "." * level + module
            for name in names:
                dotted = spec if name == "*" else _join(spec, name)
                target, attrs = finder.cut(importer, dotted)
                if target is None or not self.parsed(target.path):
                    continue
                if not attrs:
                    if target.path in self.exporting or self.ancestor(target):
                        yield Reached(target)
                elif self.exports(target.path, attrs[0]):
                    yield Reached(target, attrs[0])


def _ancestors(exporting: Iterable[str]) -> set[str]:
    """The folders above the exporting modules (the packages that hold them)."""
    found = set()
    for path in exporting:
        folder = parent(path)
        while folder not in found:
            found.add(folder)
            if not folder:
                break
            folder = parent(folder)
    return found


@dataclass(frozen=True, slots=True)
class Exports:
    """What the parsed files of a finished selection export that matters (plain data,
    remembered with the findings): enough to tell whether a changed unparsed file
    now imports something relevant, without parsing anything."""

    parsed: frozenset[str]
    exporting: frozenset[str]
    names: dict[str, frozenset[str]]  # path -> its relevant global names
    stars: frozenset[str]  # exporting modules with ``import *``: any name may be relevant

    def reaches(self, finder: ModuleFinder, importer: str, records: Sequence[Import]) -> bool:
        return _StoredReach(self, finder).imported_by(importer, records)


class _StoredReach(_Reach):
    def __init__(self, exports: Exports, finder: ModuleFinder) -> None:
        self.finder = finder
        self.stored = exports
        self.exporting = exports.exporting
        self._ancestors = _ancestors(exports.exporting)

    def parsed(self, path: str) -> bool:
        return path in self.stored.parsed

    def exports(self, path: str, name: str) -> bool:
        return name in self.stored.names.get(path, ()) or path in self.stored.stars

    def ancestor(self, module: Module) -> bool:
        return module.package and module.folder in self._ancestors


class _Relevance(_Reach):
    """Which names of the parsed modules matter to a file that imports them (a fixed point)."""

    def __init__(
        self, selector: Selector, modules: Mapping[str, ModuleSummary], model: ProjectModel
    ) -> None:
        self.selector = selector
        self.finder = selector.finder
        self.modules = modules
        self.model = model
        self.relevant: set[Node] = set()
        self.dependents: dict[Node, list[Node]] = {}
        self.built: set[Node] = set()
        self.exporting: set[str] = set()  # paths of modules with relevant names
        self._queue: list[Node] = []
        self._ancestors: set[str] | None = None
        self._names: dict[str, set[str]] | None = None
        # names_under's answers: the relevant names it reads are fixed once it is asked.
        self._under: dict[Module, list[tuple[str, str]] | None] = {}
        self._pending: list[Node] = []

    # graph

    def node_refs(self, node: Node) -> Iterator[Node | None]:
        """The nodes ``node`` depends on; None stands for "relevant in itself"."""
        kind, path, name = node
        summary = self.modules[path]
        refs = self.selector.refs(summary)
        if kind == "g":
            if name in summary.globals:
                yield from self.resolve(refs.global_(name), summary)
            else:
                for star in summary.globals.get("*", ()):
                    yield from self.imported(f"{star.value!s}.{name}", path)
        elif kind == "f":
            yield from self.resolve(refs.function(name), summary)
        elif kind == "c":
            for method in refs.methods.get(name, ()):
                yield ("f", path, method)
            yield from self.resolve(refs.class_(name), summary)
        else:
            for global_name in summary.globals:
                if global_name != "*":
                    yield ("g", path, global_name)
            for qualname, function in summary.functions.items():
                if "." not in qualname and function.class_name is None:
                    yield ("f", path, qualname)
            for qualname in summary.class_bases:
                if "." not in qualname:
                    yield ("c", path, qualname)
            for star in summary.globals.get("*", ()):
                target, attrs = self.finder.cut(path, str(star.value))
                if target is not None and not attrs and target.path in self.modules:
                    yield ("m", target.path, "")

    def resolve(self, refs: _Refs, summary: ModuleSummary) -> Iterator[Node | None]:
        path = summary.path
        if refs.seed:
            yield None
        for name in refs.names:
            yield ("g", path, name)
        for definition in refs.defs:
            prefix, _, qualname = definition.partition(":")
            yield ("f" if prefix == "def" else "c", path, qualname)
        for qualname in refs.classes:
            yield ("c", path, qualname)
        for target, attrs in refs.imports:
            yield from self.imported(".".join((target, *attrs)), path)
        for name, attrs in refs.attrs:
            bindings = summary.globals.get(name, ())
            if bindings and all(value.kind is ExprKind.IMPORT for value in bindings):
                for value in bindings:
                    yield from self.imported(".".join((str(value.value), *attrs)), path)
            else:
                yield ("g", path, name)

    def imported(self, dotted: str, importer: str) -> Iterator[Node | None]:
        if "mixpanel" in dotted.lower():
            yield None
            return
        target, attrs = self.finder.cut(importer, dotted)
        if target is None or target.path not in self.modules:
            return
        if not attrs:
            yield ("m", target.path, "")
        else:
            yield ("g", target.path, attrs[0])

    def build(self, node: Node) -> None:
        if node in self.built:
            return
        self.built.add(node)
        if node[1] not in self.modules:
            return
        for dependency in self.node_refs(node):
            if dependency is None:
                self.mark(node)
                continue
            self.dependents.setdefault(dependency, []).append(node)
            if dependency in self.relevant:
                self.mark(node)
            elif dependency not in self.built:
                self._pending.append(dependency)

    def mark(self, node: Node) -> None:
        if node not in self.relevant:
            self.relevant.add(node)
            self._queue.append(node)

    def run(self) -> None:
        # Relevant in themselves: functions with tracking calls or SDK objects.
        # A call that ``self.method()`` in a base class makes only for one subclass
        # (``requires``) is not: the code that calls the base method on that subclass
        # refers to the subclass (or its factory), which is relevant itself.
        for call in self.model.calls:
            if not call.requires:
                self.mark_function(call.function)
        for obj in self.model.objects:
            self.mark_function(f"{obj.path}::{obj.function}")
        # A caller of a relevant function is relevant (MX201 follows callers up).
        for callee, sites in self.model.callers.items():
            callee_node = _function_node(callee)
            if callee_node is None:
                continue
            for site in sites:
                if site.requires:
                    continue
                caller = _function_node(site.function)
                if caller is not None:
                    self.dependents.setdefault(callee_node, []).append(caller)
        for path, summary in self.modules.items():
            self._pending.append(("m", path, ""))
            for global_name in summary.globals:
                if global_name != "*":
                    self._pending.append(("g", path, global_name))
            for qualname in summary.functions:
                self._pending.append(("f", path, qualname))
            for qualname in summary.class_bases:
                self._pending.append(("c", path, qualname))
        while self._pending:
            self.build(self._pending.pop())
        while self._queue:
            node = self._queue.pop()
            for dependent in self.dependents.get(node, ()):
                self.mark(dependent)
        self.exporting = {path for kind, path, _ in self.relevant if kind == "m"}

    def mark_function(self, function_id: str) -> None:
        node = _function_node(function_id)
        if node is not None and node[1] in self.modules:
            self.mark(node)

    # queries

    def exports(self, path: str, name: str) -> bool:
        """Does ``from <module at path> import name`` bring a relevant name?"""
        if ("g", path, name) in self.relevant:
            return True
        summary = self.modules.get(path)
        if summary is None:
            return False
        if name not in summary.globals and "*" in summary.globals:
            node = ("g", path, name)
            self._pending = [node]
            while self._pending:
                self.build(self._pending.pop())
            while self._queue:
                current = self._queue.pop()
                for dependent in self.dependents.get(current, ()):
                    self.mark(dependent)
            return node in self.relevant
        return False

    def reaches(self, refs: _Refs, summary: ModuleSummary) -> bool:
        """Does what ``refs`` refers to in ``summary`` hold anything relevant?"""
        return any(node is None or node in self.relevant for node in self.resolve(refs, summary))

    def names_under(self, module: Module) -> list[tuple[str, str]] | None:
        """The relevant global names of ``module`` and of the modules below it, as (path,
        name) (None: one of them has an ``import *``, which may bring any name)."""
        if self._names is None:
            self._names = {}
            for kind, path, name in self.relevant:
                if kind == "g":
                    self._names.setdefault(path, set()).add(name)
        if module in self._under:
            return self._under[module]
        package = module.package
        prefix = f"{module.folder}/" if module.folder else ""
        found: list[tuple[str, str]] = []
        for path in self.exporting:
            if not (path == module.path or (package and path.startswith(prefix))):
                continue
            if "*" in self.modules[path].globals:
                self._under[module] = None
                return None
            found.extend((path, name) for name in self._names.get(path, ()))
        self._under[module] = found
        return found

    def spellings(self, names: Iterable[tuple[str, str]], wanted: _Wanted) -> bool:
        """Add to ``wanted`` the relevant ``names`` (path, name) a file may use. A name
        bound to a module (``from . import tracking``) is used through the relevant names
        of that module (``tracking.Tracker``), or as the module itself where it is stored
        or returned. False: an ``import *`` may bring any name."""
        pending = list(names)
        while pending:
            key = pending.pop()
            if key in wanted.names or key in wanted.bound:
                continue
            target = self._module_bound(*key)
            if target is None:
                wanted.names.add(key)
                continue
            wanted.bound[key] = target.path
            wanted.bare.add(target.path)
            below = self.names_under(target)
            if below is None:
                return False
            pending.extend(below)
        return True

    def _module_bound(self, path: str, name: str) -> Module | None:
        """The module that ``name`` is bound to in the module at ``path`` by import
        statements only, if it is one (``from . import tracking``)."""
        summary = self.modules.get(path)
        values = summary.globals.get(name, ()) if summary is not None else ()
        found: Module | None = None
        for value in values:
            if value.kind is not ExprKind.IMPORT:
                return None
            target, attrs = self.finder.cut(path, str(value.value))
            if target is None or attrs or (found is not None and found != target):
                return None
            found = target
        return found

    def ancestor(self, module: Module) -> bool:
        """Is ``module`` a package above a relevant module?"""
        if self._ancestors is None:
            self._ancestors = _ancestors(self.exporting)
        return module.package and module.folder in self._ancestors

    def parsed(self, path: str) -> bool:
        return path in self.modules

    def snapshot(self) -> Exports:
        names: dict[str, set[str]] = {}
        for kind, path, name in self.relevant:
            if kind == "g":
                names.setdefault(path, set()).add(name)
        return Exports(
            parsed=frozenset(self.modules),
            exporting=frozenset(self.exporting),
            names={path: frozenset(found) for path, found in names.items()},
            stars=frozenset(path for path in self.exporting if "*" in self.modules[path].globals),
        )


def _function_node(function_id: str) -> Node | None:
    path, _, qualname = function_id.partition("::")
    if not qualname or qualname == "<module>":
        return None
    return ("f", path, qualname)


class _Needs:
    """Unparsed modules that what the rules read comes from, name by name.

    From each expression read: its names, through the module's globals, imports and
    re-exports, into what they hold: a global's values, a function's results (a
    pseudonymiser, a helper, a factory), a class's bases. Not into a function's body
    or a class's attributes, which no rule reads from a value.
    """

    def __init__(self, selector: Selector, modules: Mapping[str, ModuleSummary]) -> None:
        self.selector = selector
        self.finder = selector.finder
        self.modules = modules
        self.needed: set[str] = set()
        self.visited: set[tuple[str, str]] = set()
        self._work: list[tuple[str, str]] = []

    def expression(self, path: str, expr: Expr) -> None:
        summary = self.modules.get(path)
        if summary is not None:
            refs = _Refs()
            refs.add(expr, set())
            self.follow(refs, summary)

    def run(self) -> set[str]:
        while self._work:
            path, name = self._work.pop()
            self.name(path, name)
        return self.needed

    def follow(self, refs: _Refs, summary: ModuleSummary) -> None:
        path = summary.path
        for target, attrs in refs.imports:
            self.dotted(target, attrs, path)
        for name in refs.names:
            self.push(path, name)
        for definition in refs.defs:
            self.push(path, definition.partition(":")[2])
        for qualname in refs.classes:
            self.push(path, qualname)
        for name, attrs in refs.attrs:
            self.push(path, name)
            for value in summary.globals.get(name, ()):
                if value.kind is ExprKind.IMPORT:
                    self.dotted(str(value.value), attrs, path)

    def dotted(self, value: str, attrs: tuple[str, ...], importer: str) -> None:
        """An import's target (``value``) and the attributes read from it: the module it
        names, then each module the attributes go through (``import pkg.sub`` binds
        ``pkg``, and ``pkg.sub.client`` is read from ``pkg``, then from ``pkg.sub``,
        as the resolver does), up to the name read from the last one."""
        finder = self.finder
        target, rest = finder.cut(importer, value)
        if target is None:
            return
        names = (*rest, *attrs)
        for name in (*names, None):
            if not target.namespace:  # a folder: nothing of it is imported but submodules
                if target.path not in self.modules:
                    self.needed.add(target.path)
                    return
                if name is not None:
                    self.push(target.path, name)
            below = finder.child(target, name) if name is not None else None
            if below is None:
                return
            target = below

    def push(self, path: str, name: str) -> None:
        if (path, name) not in self.visited:
            self.visited.add((path, name))
            self._work.append((path, name))

    def name(self, path: str, name: str) -> None:
        summary = self.modules.get(path)
        if summary is None:
            return
        refs = self.selector.refs(summary)
        if name in summary.globals:
            self.follow(refs.global_(name), summary)
        elif "*" in summary.globals:
            for star in summary.globals["*"]:
                self.dotted(str(star.value), (name,), path)
        if name in summary.functions:
            self.follow(refs.function(name), summary)
        if name in summary.class_bases:
            self.follow(refs.bases(name), summary)


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
