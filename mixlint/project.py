"""Files -> module summaries -> the ``ProjectModel`` (parse, resolve, extract).

Each file is read and summarised on its own (so this step can run in worker
processes and be cached); resolution and extraction then see all summaries.
"""

from __future__ import annotations

import ast
import io
import tokenize
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint.config import Config
from mixlint.consent import ConsentMatcher
from mixlint.extract import Extractor
from mixlint.model import FileProblem, ModuleSummary, ProjectModel, Span
from mixlint.modules import ModuleFinder, RootMarkers
from mixlint.resolve import ProjectIndex
from mixlint.sdk import load_sdk

if TYPE_CHECKING:
    # libcst is imported where a file is parsed: a run served from the cache never loads it.
    import libcst as cst

    from mixlint.summaries import Options

MAX_FILE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ModuleName:
    module: str
    is_package: bool
    source_root: str  # relative to the project root; "" for the root itself


def decode(data: bytes) -> str:
    """Bytes -> text as Python reads it: BOM, PEP 263 cookie, else UTF-8 (strict)."""
    encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    text = data.decode(encoding)
    return text[1:] if text.startswith("\ufeff") else text


def summarize_file(
    path: Path, relative: str, name: ModuleName, config: Config
) -> ModuleSummary | FileProblem:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return FileProblem(
                relative, f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB"
            )
        data = path.read_bytes()
    except OSError as error:
        return FileProblem(relative, f"cannot read file: {error.strerror or error}")
    return summarize_bytes(data, relative, name, config)


def summarize_bytes(
    data: bytes, relative: str, name: ModuleName, config: Config
) -> ModuleSummary | FileProblem:
    """One file's summary from its bytes (what ``summarize_file`` read)."""
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
        return _syntax_problem(relative, source, error)
    except RecursionError:
        return FileProblem(relative, "file is nested too deeply to parse")
    try:
        return summarize(
            module, source, relative, name.module, name.is_package, ConsentMatcher(config.consent)
        )
    except RecursionError:
        return FileProblem(relative, "file is nested too deeply to analyse")


def _syntax_problem(relative: str, source: str, error: cst.ParserSyntaxError) -> FileProblem:
    """MX001 with CPython's own message and position, which users know best.

    ``ast.parse`` only parses (nothing runs); libcst's position can be a line late.
    """
    line, column, message = error.editor_line, error.editor_column, error.message
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


def build_model(
    root: Path,
    files: Sequence[Path],
    config: Config,
    summaries: Sequence[ModuleSummary | FileProblem] | None = None,
    options: Options | None = None,
) -> ProjectModel:
    """The model of ``files``. Without ``summaries``, they are produced as ``options``
    say (prefilter, cache, worker processes: ``mixlint.summaries``)."""
    from mixlint.summaries import path_names

    naming = path_names(root)
    relatives = []
    names = {}
    for path in files:
        relative = naming.relative(path)
        relatives.append(relative)
        names[relative] = naming.module_name(path)
    if summaries is None:
        from mixlint.summaries import produce_model

        return produce_model(root, list(zip(relatives, files, strict=True)), names, config, options)
    return assemble(root, relatives, module_finder(root, relatives), summaries, config)


def module_finder(root: Path, relatives: Sequence[str]) -> ModuleFinder:
    """How the project's modules are found (``mixlint.modules``): from every file of the
    project, analysed or not, so that the prefilter and the model resolve alike."""
    sdk = load_sdk()
    external = {name.split(".")[0] for name in (*sdk.modules, *sdk.objects, *sdk.senders)}
    return ModuleFinder(relatives, RootMarkers(root), external)


def assemble(
    root: Path,
    relatives: Sequence[str],
    finder: ModuleFinder,
    summaries: Sequence[ModuleSummary | FileProblem],
    config: Config,
    *,
    direct_only: bool = False,
) -> ProjectModel:
    """Resolution and extraction over the summaries (of all files, or of those that matter).

    ``direct_only``: the calls classified one by one, without the wrapper fixed point
    (a wrapper's call sites are in ``callers``): what the prefilter's rounds need.
    """
    model = ProjectModel(root=str(root), finder=finder)
    model.files.extend(relatives)
    for result in summaries:
        if isinstance(result, FileProblem):
            model.problems.append(result)
        else:
            model.modules[result.path] = result
    index = ProjectIndex(model.modules.values(), finder, load_sdk())
    extractor = Extractor(index, load_sdk(), config.wrappers)
    if direct_only:
        model.calls = [
            located.call
            for module in index.summaries.values()
            for site in module.calls
            for located in extractor.classify(module, site)
        ]
        model.objects = extractor.objects
        model.callers = extractor.callers
        return model
    calls, objects, callers = extractor.run()
    model.calls = calls
    model.objects = objects
    model.callers = callers
    model.runners = extractor.runners
    return model
