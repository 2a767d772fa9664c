"""The pipeline: discover -> parse and summarise -> resolve and extract -> rules -> findings."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from mixlint.baseline import apply_baseline, assign_fingerprints, load_baseline
from mixlint.checks import all_rules
from mixlint.checks.base import CheckContext
from mixlint.config import Config
from mixlint.model import FileProblem, Finding, ProjectModel
from mixlint.project import build_model
from mixlint.summaries import Options, ProjectFiles, discover_project
from mixlint.suppressions import apply_suppressions, parse_suppressions
from mixlint.values import ValueAnalyzer
from mixlint.vocabulary import Vocabulary


@dataclass(slots=True)
class Result:
    model: ProjectModel
    findings: list[Finding] = field(default_factory=list)
    lines: Mapping[str, Sequence[str]] = field(default_factory=dict)


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
    project: ProjectFiles, config: Config, options: Options | None = None
) -> ProjectModel:
    """``analyse`` of a project already discovered (``mixlint.summaries.discover_project``)."""
    root = project.root
    if options is not None and options.prefilter:
        named = {_relative(path, root) for path in project.requested if path.is_file()}
        options = replace(options, explicit=frozenset(named))
    model = build_model(root, project.files, config, options=options)
    for path, message in project.problems:
        model.problems.append(FileProblem(_link_relative(path, root), message))
    model.problems = sorted(set(model.problems), key=lambda p: (p.path.split("/"), p.span))
    model.requested = {_link_relative(path, root) for path in project.requested}
    return model


def prepare_check(config: Config) -> CheckContext:
    """What the rules share; ``check_project`` makes it while the parsers work."""
    vocabulary = Vocabulary.load(config.extra_words, config.allow_keys)
    return CheckContext(
        config=config, vocabulary=vocabulary, values=ValueAnalyzer(config, vocabulary)
    )


def check(model: ProjectModel, config: Config, context: CheckContext | None = None) -> Result:
    """The findings of the rules on ``model``. ``context``: ``prepare_check(config)``."""
    if context is None:
        context = prepare_check(config)
    findings: list[Finding] = []
    for rule in all_rules():
        level = config.level_for(rule.id, rule.level)
        if level is None:
            continue
        for finding in rule().check(model, context):
            if model.in_scope(finding.path) and config.rule_enabled(finding.rule_id, finding.path):
                finding.level = level
                findings.append(finding)
    lines = {path: summary.lines for path, summary in model.modules.items()}
    suppressions = {
        path: parse_suppressions(path, summary.lines)
        for path, summary in model.modules.items()
        if model.in_scope(path)
    }
    call_lines = {
        (call.path, line): call.span.start_line
        for call in model.calls
        for line in range(call.span.start_line, call.span.end_line + 1)
    }
    known = [rule.id for rule in all_rules()]
    findings = apply_suppressions(
        findings, suppressions, call_lines, known, enabled=config.rule_enabled
    )
    findings = [f for f in findings if config.level_for(f.rule_id, f.level) is not None]
    assign_fingerprints(findings, lines)
    if config.baseline:
        apply_baseline(findings, load_baseline(Path(config.baseline)))
    findings.sort(key=Finding.sort_key)
    return Result(model, findings, lines)


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
