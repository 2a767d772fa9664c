"""``mixlint.positions`` gives every node exactly the span libcst's PositionProvider gives."""

from __future__ import annotations

import functools
import sysconfig
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from mixlint.model import Span
from mixlint.positions import positions
from tests.opt_in import LONG

ROOT = Path(__file__).resolve().parent.parent
STDLIB = Path(sysconfig.get_paths()["stdlib"])
# Files spread over the whole standard library. With TRICKY and the project's files,
# 50 of them show the same 157 kinds of node as the 150 of MIXLINT_LONG_TESTS=1
# on Python 3.11 (the 150 cost 10 s more, 5 of them parsing while tests are collected).
STDLIB_SAMPLE = 150 if LONG else 50
STDLIB_MAX_BYTES = 40_000  # keeps the run short: big files bring no new kind of node

TRICKY = {
    "empty": "",
    "only newline": "\n",
    "only blank lines": "\n\n  \n",
    "only comment": "# nothing here",
    "no trailing newline": "x = 1\nprint(x)",
    "no trailing newline after block": "if x:\n    y = 1",
    "crlf": "import os\r\n\r\ndef f(a,\r\n      b):\r\n    return (a +\r\n            b)\r\n",
    "crlf without trailing newline": "x = 1\r\ny = (2,\r\n     3)",
    "lone cr": "x = 1\ry = [1,\r     2]\rif x:\r    pass\r",
    "mixed line breaks": "a = 1\r\nb = 2\nc = 3\rd = (\r\n 4\n)\r",
    "cr before lf on a blank line": "x = 1\r\r\ny = 2\n",
    "form feeds": "\x0cimport os\n\x0c\ndef f():\n    x = 1\n    \x0c\n    return x\n",
    # libcst moves these form feeds (its code differs from the source); positions follow it.
    "form feeds before statements": "def f():\n\x0c    x = 1\n    return x\n\x0c# c\n\x0cy = 2\n",
    "form feed inside a line": "x = 1 \x0c+ 2\n",
    "tabs": "if x:\n\ty = {\t'a':\t1}\n\tif y:\n\t\tz = 2\n",
    "tabs inside lines": "x\t=\t(1,\t2)\t# tab\t\ny = 'a\tb'\n",
    "non-ascii identifiers": "größe = 1\nπ = 3.14\n名前 = größe + π\nprint(名前)\n",
    "non-ascii strings": "s = 'héllo wörld'; t = \"日本語\"\nu = s + t\n",
    "emoji": "x = '👍🏽 ok'  # 🎉\ny = f'{x} 👨‍👩‍👧'\nz = x\n",
    "line separator in string": "x = 'a\u2028b'\ny = x\n",
    "nested parentheses": "x = ((a))\ny = (((a + (b)) * c))\nz = f((a), ((b)))\n",
    "parenthesised targets": "(a) = 1\n((b), c) = 2, 3\n[(d)] = [4]\n",
    "decorators": "@a\n@b.c(1)\n@ (d)\ndef f():\n    pass\n\n@e\nclass C:\n    pass\n",
    "decorators with comments": (
        "# leading\n@a  # after a\n# between\n@b\n\n# before def\ndef f():  # on def\n"
        "    # in body\n    pass  # trailing\n    # after body\n# module end\n"
    ),
    "comments": "# header\n\nx = 1  # one\n\n# middle\n\ny = 2\n# footer\n",
    "backslash continuations": (
        "x = 1 + \\\n    2\nif a and \\\n   b:\n    pass\nassert x, \\\n  'm'\n"
    ),
    "backslash continuation with crlf": "x = 1 + \\\r\n    2\r\n",
    "f-strings": (
        "x = f'{a}'\ny = f\"{a!r:>{width}} {b=}\"\n"
        "z = f'''multi\n{line}\n'''\nw = rf'\\d{x}' f'{x}'\n"
    ),
    "strings": "a = 'x' 'y'\nb = '''one\ntwo'''\nc = b'\\x00'\nd = r'\\n'\n",
    "semicolons": "a = 1; b = 2;c = 3 ;\nif a: b; c\n",
    "async": (
        "async def f():\n    async with a as b:\n        await b\n"
        "    async for x in y:\n        pass\n    return [x async for x in y]\n"
    ),
    "match": (
        "match command.split():\n    case [action]:\n        pass\n"
        "    case [action, obj] if obj:\n        pass\n"
        "    case Point(x=0, y=(0)) | {'k': [*_]}:\n        pass\n"
        "    case _:\n        pass\n"
    ),
    "walrus": "if (n := len(a)) > 10:\n    print(n)\n[y := f(x), y ** 2]\n",
    "lambdas": (
        "f = lambda: 0\ng = lambda a, *b, c=1, **d: (a, b)\nh = lambda x: (lambda y: x + y)\n"
    ),
    "classes and functions": (
        "class C(B, metaclass=M):\n    '''doc'''\n    x: int = 1\n\n"
        "    def m(self, a: int = 1, /, b=2, *, c: str) -> None:\n"
        "        global g\n        nonlocal_ = 1\n        del a\n"
        "        return None\n"
    ),
    "control flow": (
        "for i in range(3):\n    if i:\n        continue\n    elif i > 1:\n        break\n"
        "    else:\n        pass\nelse:\n    pass\nwhile x:\n    x -= 1\nelse:\n    y = 1\n"
        "try:\n    pass\nexcept (A, B) as e:\n    raise X from e\nelse:\n    pass\n"
        "finally:\n    pass\nwith a as (b, c), d:\n    pass\n"
        "try:\n    pass\nexcept* C:\n    pass\n"
    ),
    "comprehensions": (
        "a = [x for x in y if x]\nb = {k: v for k, v in d.items()}\n"
        "c = {x for x in y}\nd = (x for x in y for z in x)\n"
    ),
    "subscripts and slices": "a[1]\na[1:2]\na[::2, ...]\na[(1)]\na[b:c:d, e]\n",
    "calls": "f(a, *b, c=1, **d)\nf(\n    a,\n    b,\n)\nf(x for x in y)\n",
    "operators": "a = not b and c or d\nb = -a ** 2 // 3 @ m\nc = a if b else c\nd = a is not b\n",
    "augmented assignments and comparisons": (
        "a += 1\na -= 1\na *= 2\na /= 2\na //= 2\na %= 2\na **= 2\na @= m\na &= b\n"
        "a |= b\na ^= b\na <<= 1\na >>= 1\nb = a < b <= c > d >= e == f != g in h not in i\n"
        "c = a & b | c ^ d << 1 >> 2 % 3 / 4\nd = ~a + 1j\n"
    ),
    "annotations": "x: int\ny: 'List[int]' = []\ndef f(a: (int)) -> (str): ...\n",
    "imports": "import a.b as c, d\nfrom . import (e,\n    f as g,)\nfrom ..h import *\n",
    "star expressions": "a, *b = c\nprint(*a, *b)\nx = [*a, *b]\ny = {**a, 'k': 1}\n",
    "yield": "def g():\n    x = yield\n    yield from x\n    yield (1)\n",
    "type alias like": "type_ = 1\nprint(type_)\n",
    "deep indentation": "if a:\n  if b:\n      if c:\n       d = 1\n  e = 2\n",
    "trailing whitespace": "x = 1   \ny = 2\t\n\n   \n",
    "indented comment after block": "def f():\n    pass\n        # odd comment\nx = 1\n",
}


class _AllNodes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.nodes: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        self.nodes.append(node)
        return True


def _assert_same_spans(module: cst.Module) -> None:
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    walker = _AllNodes()
    module.visit(walker)
    walked = {id(node) for node in walker.nodes}
    # The walk reaches every node libcst gives a position: comparing along it
    # compares the whole result.
    assert all(id(node) in walked for node in expected)
    found = positions(module)
    want = []
    for node in walker.nodes:
        code_range = expected.get(node)
        want.append(
            None
            if code_range is None
            else Span(
                code_range.start.line,
                code_range.start.column + 1,
                code_range.end.line,
                code_range.end.column + 1,
            )
        )
    got = [found.span(node) for node in walker.nodes]
    assert got == want


@pytest.mark.parametrize("source", TRICKY.values(), ids=TRICKY.keys())
def test_tricky_sources(source: str) -> None:
    _assert_same_spans(cst.parse_module(source))


def test_tricky_sources_with_crlf() -> None:
    for source in TRICKY.values():
        _assert_same_spans(cst.parse_module(source.replace("\r\n", "\n").replace("\n", "\r\n")))


def test_line_break_split_between_tokens() -> None:
    """A built tree can end one token with "\\r" and start the next with "\\n":
    libcst, which looks at one token at a time, counts two line breaks there."""
    module = cst.Module(
        body=[
            cst.SimpleStatementLine(
                [cst.Expr(cst.Name("a"))],
                trailing_whitespace=cst.TrailingWhitespace(newline=cst.Newline("\r")),
            ),
            cst.SimpleStatementLine(
                [cst.Expr(cst.Name("b"))],
                leading_lines=[cst.EmptyLine(newline=cst.Newline("\n"))],
            ),
        ]
    )
    assert module.code == "a\r\nb\n"
    _assert_same_spans(module)
    spans = positions(module)
    second = module.body[1]
    assert isinstance(second, cst.SimpleStatementLine)
    assert spans.span(second.body[0]) == Span(3, 1, 3, 2)


def test_nodes_outside_the_tree_have_no_span() -> None:
    module = cst.parse_module("x = 1\n")
    assert positions(module).span(cst.Name("x")) is None


@functools.cache
def _parse(path: Path) -> cst.Module | None:
    """The file's tree; None for the few files libcst cannot parse (Python 2 examples),
    which are left out of the comparison when the tests are collected."""
    try:
        return cst.parse_module(path.read_bytes())
    except (cst.ParserSyntaxError, RecursionError, UnicodeDecodeError, SyntaxError):
        return None


def _project_files() -> list[Path]:
    return [
        path
        for path in sorted(
            path
            for folder in (ROOT / "tests" / "fixtures", ROOT / "examples")
            for path in folder.rglob("*.py")
        )
        if _parse(path) is not None
    ]


def _stdlib_files() -> list[Path]:
    candidates = sorted(
        path
        for path in STDLIB.rglob("*.py")
        if "site-packages" not in path.parts and path.stat().st_size <= STDLIB_MAX_BYTES
    )
    step = max(1, len(candidates) // STDLIB_SAMPLE)
    return [path for path in candidates[::step] if _parse(path) is not None][:STDLIB_SAMPLE]


@pytest.mark.parametrize(
    "path",
    [
        *(pytest.param(path, id=path.relative_to(ROOT).as_posix()) for path in _project_files()),
        *(pytest.param(path, id=path.relative_to(STDLIB).as_posix()) for path in _stdlib_files()),
    ],
)
def test_real_files(path: Path) -> None:
    module = _parse(path)
    assert module is not None
    _assert_same_spans(module)
