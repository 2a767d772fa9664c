"""A run of mixlint: discover -> select -> parse -> model -> check, as fast as it can.

``analyse`` makes the ``ProjectModel`` of the project around some paths:
``mixlint.discovery`` finds the files, ``mixlint.naming`` names them, and the
prefilter's rounds (``rounds``) select, parse and assemble the files that can
matter (``mixlint.project``). ``check_project`` is ``mixlint check``'s whole
analysis: the findings of the last run when nothing they depend on changed
(``memo``), else ``analyse`` then the rules (``mixlint.engine``), remembered for
the next run.

The package, one idea per module, each importing only those listed before it:

- ``options``: how a run runs (``Options``) and what the last one did (``Stats``);
- ``summarise``: one file's summary in whichever process makes it, within the
  time limit;
- ``workers``: the pool of worker processes, and work given to it by chunks;
- ``early``: the child forked first thing that imports libcst and parses for the run;
- ``facts``: what the prefilter reads from every file, remembered between runs;
- ``rounds``: the prefilter's rounds, select -> parse -> assemble;
- ``memo``: the findings of a whole run, remembered.

``mixlint.engine``, ``mixlint.project`` and ``mixlint.parse`` never import this
package: it calls them, where they are needed (a run served by the memo never
loads the analysis or libcst). ``mixlint check`` imports this package before it
forks the early child, so no module of it imports them, or a process pool, at
import time.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint.discovery import ProjectFiles, discover_project
from mixlint.model import FileProblem, ProjectModel
from mixlint.naming import PathNames
from mixlint.run.early import EarlyParser
from mixlint.run.memo import Checked, Memo
from mixlint.run.options import Options, Stats, keep_stats
from mixlint.run.rounds import RunState, produce_model
from mixlint.run.workers import Workers

if TYPE_CHECKING:
    from mixlint.checks.base import CheckContext
    from mixlint.config import Config

__all__ = ["Checked", "EarlyParser", "Options", "analyse", "analyse_project", "check_project"]


def analyse(
    paths: Sequence[str | Path], config: Config, options: Options | None = None
) -> ProjectModel:
    """The project model of the project around ``paths``, limited to what they name.

    The whole project (from its root) is read for context, so that a run on a
    few files reports exactly what a full run reports for those files.
    ``options`` (prefilter, cache, jobs, timeout) change the speed, not the
    findings; the default parses every file, in-process, without a cache.
    """
    return analyse_project(discover_project(paths, config), config, options)


def analyse_project(
    project: ProjectFiles,
    config: Config,
    options: Options | None = None,
    state: RunState | None = None,
) -> ProjectModel:
    """``analyse`` of a project already discovered (``mixlint.discovery.discover_project``).
    ``state``: shared with the ``check_project`` that asks."""
    root = project.root
    options = options or Options()
    if options.prefilter:
        named = {_relative(path, root) for path in project.requested if path.is_file()}
        options = replace(options, explicit=frozenset(named))
    naming = state.naming if state is not None else PathNames(root)
    files = [(naming.relative(path), path) for path in project.files]
    names = {relative: naming.module_name(path) for relative, path in files}
    model = produce_model(root, files, names, config, options, state)
    for path, message in project.problems:
        model.problems.append(FileProblem(_link_relative(path, root), message))
    model.problems = sorted(set(model.problems), key=lambda p: (p.path.split("/"), p.span))
    model.requested = {_link_relative(path, root) for path in project.requested}
    return model


def check_project(
    paths: Sequence[str | Path],
    config: Config,
    options: Options,
    early: EarlyParser | None = None,
) -> Checked:
    """``analyse`` then ``mixlint.engine.check``, or their findings from the last run
    when nothing they depend on changed. ``early``: ``EarlyParser.fork(paths, options)``
    done by the caller first thing (else here); it is closed here."""
    if early is None:
        early = EarlyParser.fork(paths, options)
    workers = Workers(options, config)
    prepared: list[CheckContext] = []

    def prepare() -> None:
        from mixlint.engine import prepare_check

        prepared.append(prepare_check(config))

    try:
        project = discover_project(paths, config)
        if early is not None:
            early.send(project, config, options)
        naming = PathNames(project.root)
        state = RunState(project.root, workers, naming, early=early, idle=prepare)
        memo = Memo.open(project, config, options, workers, naming)
        if memo is not None:
            state.facts = memo.facts
            found = memo.load()
            if found is None and not memo.whole:
                found = memo.from_project()
            if found is not None:
                keep_stats(Stats(files=len(project.files), memo=True, scanned=memo.facts.scanned))
                memo.store(found)
                return found
        from mixlint.engine import check

        model = analyse_project(project, config, options, state)
        if early is not None:
            early.stop()
        result = check(model, config, prepared[0] if prepared else None)
        checked = Checked(model, result.findings, result.lines)
        if memo is not None:
            memo.store(checked)
            if memo.whole:
                memo.store_project(checked, state.selection, state.exports)
        return checked
    finally:
        if early is not None:
            early.close()
        workers.close()


def _link_relative(path: Path, root: Path) -> str:
    """As ``_relative``, but a broken or looping symbolic link by its own name.

    Resolving it would name its target, or raise on a loop; a problem is shown
    where it is (and what was named on the command line, to match it).
    """
    if os.path.islink(path) and not os.path.exists(path):
        return _relative(Path(os.path.realpath(path.parent)) / path.name, root, resolve=False)
    return _relative(path, root)


def _relative(path: Path, root: Path, *, resolve: bool = True) -> str:
    try:
        resolved = path.resolve() if resolve else path
    except (OSError, RuntimeError):  # a link loop (RuntimeError before Python 3.13)
        resolved = Path(os.path.realpath(path.parent)) / path.name
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        try:
            return path.absolute().relative_to(root).as_posix()
        except ValueError:
            return path.as_posix()
