"""One file's bytes -> its ``ModuleSummary`` (libcst parse, then ``mixlint.collect``).

A file that cannot be decoded, parsed or summarised is a ``FileProblem`` (MX001),
never an exception. Each file on its own: ``mixlint.run`` calls this in worker
processes and caches what it returns. May import the model and the collectors;
libcst is imported where a file is parsed, so that a run served from the cache never
loads it.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from typing import TYPE_CHECKING

from mixlint.consent import ConsentMatcher
from mixlint.model import FileProblem, ModuleSummary, Span

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.naming import ModuleName

MAX_FILE_BYTES = 10 * 1024 * 1024


def decode(data: bytes) -> str:
    """Bytes -> text as Python reads it: BOM, PEP 263 cookie, else UTF-8 (strict)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def summarize_bytes(
    data: bytes, relative: str, name: ModuleName, config: Config
) -> ModuleSummary | FileProblem:
    """One file's summary from its bytes, or the problem that keeps it from one (MX001)."""
    if len(data) > MAX_FILE_BYTES:
        return FileProblem(relative, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if b"\x00" in data:
        return FileProblem(relative, "file contains NUL bytes")
    try:
        source = decode(data)
    except (UnicodeDecodeError, SyntaxError, LookupError) as error:
        return FileProblem(relative, f"cannot decode file: {error}")
    import libcst as cst

    from mixlint.collect import summarize

    try:
        module = cst.parse_module(source)
    except cst.ParserSyntaxError as error:
        return _syntax_problem(
            relative, source, error.editor_line, error.editor_column, error.message
        )
    except RecursionError:
        return FileProblem(relative, "file is nested too deeply to parse")
    try:
        return summarize(
            module, source, relative, name.module, name.is_package, ConsentMatcher(config.consent)
        )
    except RecursionError:
        return FileProblem(relative, "file is nested too deeply to analyse")
    except SyntaxError as error:
        # A literal that libcst reads and CPython does not (``"\N{NO SUCH NAME}"``,
        # raised where its value is asked for): CPython cannot compile the file.
        return _syntax_problem(relative, source, 1, 1, error.msg)


def _syntax_problem(
    relative: str, source: str, line: int, column: int, message: str
) -> FileProblem:
    """MX001 with CPython's own message and position, which users know best (the
    parser's ``line``, ``column`` and ``message`` when CPython says nothing).

    ``ast.parse`` only parses (nothing runs); libcst's position can be a line late.
    """
    try:
        with warnings.catch_warnings():
            # CPython warns while it parses (Python 3.12: "invalid escape sequence
            # '\d'"); those lines are not mixlint's to print on stderr.
            warnings.simplefilter("ignore")
            ast.parse(source)
    except SyntaxError as python_error:
        line = python_error.lineno or line
        column = python_error.offset or 1
        message = python_error.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    first_line = message.splitlines()[0] if message else "invalid syntax"
    return FileProblem(relative, f"syntax error: {first_line}", Span(line, column, line, column))
