"""The model -> findings: the rules, then suppressions, fingerprints and the baseline.

The last step of the pipeline before reporting (``mixlint.run`` makes the model and
calls ``check``). May import the rules and what they share, never the run machinery.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from mixlint.baseline import apply_baseline, assign_fingerprints, load_baseline
from mixlint.checks import all_rules
from mixlint.checks.base import CheckContext
from mixlint.config import Config
from mixlint.model import Finding, ProjectModel
from mixlint.suppressions import apply_suppressions, parse_suppressions
from mixlint.values import ValueAnalyzer
from mixlint.vocabulary import Vocabulary


@dataclass(slots=True)
class Result:
    model: ProjectModel
    findings: list[Finding] = field(default_factory=list)
    lines: Mapping[str, Sequence[str]] = field(default_factory=dict)


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
