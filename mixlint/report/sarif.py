"""SARIF 2.1.0 output for GitHub code scanning and other SARIF consumers.

The log is built from ``sarif_om`` objects and serialised by ``to_json``, which
maps each attrs field to its SARIF name (the field's ``schema_property_name``
metadata) and leaves out what is unset. Choices that matter to consumers:

* every rule is described (``tool.driver.rules``), not only those with results,
  so that ``ruleIndex`` is stable and GitHub can show help for any alert;
* paths are relative URIs under the ``%SRCROOT%`` base (declared in
  ``originalUriBaseIds``), so the log does not depend on the checkout directory;
* ``partialFingerprints["mixlint/v1"]`` carries the finding's fingerprint,
  which does not change when code moves, so alerts survive unrelated edits;
* suppressed findings stay as results with ``suppressions`` (``inSource`` for
  an inline comment, ``external`` for the baseline), so that dismissals are
  visible and auditable instead of silently vanishing;
* files that could not be analysed are ``toolExecutionNotifications`` of level
  ``error``: SARIF's sign that the result set may be incomplete; so are, of level
  ``warning``, imports of project modules that could not be resolved (what they
  import is not followed);
* a finding's related locations (the call that sends a property written before it, the
  SDK call inside a wrapper, the unguarded call sites of a wrapper) are
  ``relatedLocations``, linked from the message as SARIF allows (``See [the tracking
  call that sends it](1).``; literal brackets in such a message are escaped; locations
  that say the same are linked once), and the path through a wrapper chain is a
  ``codeFlow``, so that GitHub code scanning shows it step by step;
* a finding's fix is a ``fix`` whose ``artifactChanges`` replace regions of the files as
  they were analysed (``properties.applicability``: ``safe`` or ``unsafe``); a fix whose
  new code would show personal data from a literal is left out, as masking it would make
  it wrong.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attr
import sarif_om as om

from mixlint.checks.base import Rule
from mixlint.literals import mask_line
from mixlint.model import Edit, FileProblem, Finding, Level, Location, Span
from mixlint.modules import UnresolvedImport
from mixlint.report import Report, shown_fix

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/mixlint/mixlint"
# Rule documentation, one page per rule (written by mixlint.docs).
HELP_URI = INFORMATION_URI + "/blob/main/docs/rules/{id}.md"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "mixlint/v1"

_SUPPRESSION_KIND = {"inline": "inSource", "baseline": "external"}
# GitHub reads `problem.severity` for alerts that are not security alerts.
_PROBLEM_SEVERITY = {Level.ERROR: "error", Level.WARNING: "warning", Level.NOTE: "recommendation"}
# A result's level must always be written: without it a consumer falls back to
# the rule's default level, which is wrong for a rule re-levelled in config.
_ALWAYS_WRITTEN = frozenset({"level"})


def render(
    report: Report, *, color: bool = False, statistics: bool = False, show_suppressed: bool = False
) -> str:
    return json.dumps(to_json(build_log(report)), indent=2, ensure_ascii=False) + "\n"


def build_log(report: Report) -> om.SarifLog:
    rules = list(report.rules)
    # A finding of a rule that was not passed in still needs a descriptor for
    # its ruleIndex; describe it minimally rather than drop the finding.
    descriptors = [_descriptor(rule) for rule in rules]
    index = {rule.id: position for position, rule in enumerate(rules)}
    for finding in report.findings:
        if finding.rule_id not in index:
            index[finding.rule_id] = len(descriptors)
            descriptors.append(_unknown_descriptor(finding.rule_id))
    driver = om.ToolComponent(
        name="mixlint",
        full_name=f"mixlint {report.tool_version}",
        version=report.tool_version,
        semantic_version=report.tool_version,
        information_uri=INFORMATION_URI,
        rules=descriptors,
    )
    run = om.Run(
        tool=om.Tool(driver=driver),
        original_uri_base_ids={SRCROOT: om.ArtifactLocation(uri=_directory_uri(report.root))},
        column_kind="unicodeCodePoints",
        invocations=[
            om.Invocation(
                execution_successful=True,
                tool_execution_notifications=[
                    *(_notification(problem, index) for problem in report.problems),
                    *(_unresolved(item) for item in report.unresolved),
                ]
                or None,
            )
        ],
        results=[_result(finding, index[finding.rule_id]) for finding in report.findings],
    )
    return om.SarifLog(runs=[run], version="2.1.0", schema_uri=SCHEMA_URI)


def _directory_uri(root: Path) -> str:
    # A base URI must end in "/" or the last segment is replaced when resolving.
    uri = root.absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _descriptor(rule: type[Rule]) -> om.ReportingDescriptor:
    summary = _sentence(rule.summary)
    tags = list(dict.fromkeys((*rule.tags, "security")))
    return om.ReportingDescriptor(
        id=rule.id,
        name=rule.name,
        short_description=om.MultiformatMessageString(text=summary),
        full_description=om.MultiformatMessageString(text=f"{summary} {_sentence(rule.why)}"),
        help=om.MultiformatMessageString(
            text=_help_text(rule, summary), markdown=_help_markdown(rule, summary)
        ),
        help_uri=HELP_URI.format(id=rule.id),
        default_configuration=om.ReportingConfiguration(level=rule.level.value),
        # sarif_om's PropertyBag models only `tags`; SARIF property bags are
        # open, so the GitHub-specific keys go in a plain mapping.
        properties={
            "tags": tags,
            "precision": rule.precision,
            "security-severity": f"{rule.security_severity:.1f}",
            "problem.severity": _PROBLEM_SEVERITY[rule.level],
        },
    )


def _unknown_descriptor(rule_id: str) -> om.ReportingDescriptor:
    text = f"Findings of rule {rule_id}."
    return om.ReportingDescriptor(
        id=rule_id,
        short_description=om.MultiformatMessageString(text=text),
        full_description=om.MultiformatMessageString(
            text=f"{text} mixlint has no description of this rule."
        ),
        help=om.MultiformatMessageString(text=text, markdown=text),
        help_uri=INFORMATION_URI,
    )


def _help_text(rule: type[Rule], summary: str) -> str:
    why, fix = _paragraphs(rule.why), _paragraphs(rule.fix)
    parts = [f"{rule.id} {rule.name} ({rule.level.value})", summary, f"Why: {why}", f"Fix: {fix}"]
    for title, examples in (("Flagged", rule.invalid), ("Not flagged", rule.valid)):
        if examples:
            parts.append(f"{title}:\n{_masked(examples[0])}")
    return "\n\n".join(parts)


def _help_markdown(rule: type[Rule], summary: str) -> str:
    why, fix = _paragraphs(rule.why), _paragraphs(rule.fix)
    parts = [
        f"**{rule.id} {rule.name}** (default level: {rule.level.value})",
        summary,
        f"### Why it matters\n\n{why}",
        f"### How to fix\n\n{fix}",
    ]
    for title, examples in (("Flagged", rule.invalid), ("Not flagged", rule.valid)):
        if examples:
            parts.append(f"### {title}\n\n```python\n{_masked(examples[0])}\n```")
    return "\n\n".join(parts)


def _paragraphs(text: str) -> str:
    """Rule prose as written (paragraphs kept), ending in a period."""
    text = text.strip()
    return text if text.endswith(".") else text + "."


def _masked(source: str) -> str:
    return "\n".join(mask_line(line) for line in source.strip("\n").splitlines())


def _result(finding: Finding, rule_index: int) -> om.Result:
    suppressions = None
    if finding.suppressed is not None:
        suppressions = [
            om.Suppression(
                kind=_SUPPRESSION_KIND[finding.suppressed],
                justification=mask_line(finding.suppression_reason) or None,
            )
        ]
    return om.Result(
        rule_id=finding.rule_id,
        rule_index=rule_index,
        level=finding.level.value,
        message=om.Message(text=_linked_message(finding)),
        locations=[_location(finding.path, finding.span)],
        related_locations=[
            _location(item.path, item.span, _sentence(mask_line(item.message)), index)
            for index, item in enumerate(finding.related, start=1)
        ]
        or None,
        code_flows=[_code_flow(flow) for flow in finding.flows] or None,
        partial_fingerprints={FINGERPRINT_KEY: finding.fingerprint}
        if finding.fingerprint
        else None,
        suppressions=suppressions,
        fixes=_fixes(finding),
    )


def _linked_message(finding: Finding) -> str:
    """The message, then a link to each kind of related location: ``See [the call](1).``

    Related locations that say the same (MX201's call sites of a wrapper, often dozens)
    are linked once, at the first: ``See [calls run() without a consent check](1) and
    69 more like it.``"""
    text = _sentence(mask_line(finding.message))
    if not finding.related:
        return text
    alike: dict[str, list[int]] = {}
    for index, item in enumerate(finding.related, start=1):
        alike.setdefault(_escaped(mask_line(item.message)), []).append(index)
    links = ", ".join(
        f"[{message}]({indices[0]})"
        + (f" and {len(indices) - 1} more like it" if indices[1:] else "")
        for message, indices in alike.items()
    )
    return f"{_escaped(text)} See {links}."


def _escaped(text: str) -> str:
    """Literal text in a message with embedded links: brackets escaped (SARIF 3.11.6)."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _code_flow(flow: tuple[Location, ...]) -> om.CodeFlow:
    return om.CodeFlow(
        thread_flows=[
            om.ThreadFlow(
                locations=[
                    om.ThreadFlowLocation(
                        location=_location(step.path, step.span, _sentence(mask_line(step.message)))
                    )
                    for step in flow
                ]
            )
        ]
    )


def _fixes(finding: Finding) -> list[om.Fix] | None:
    fix = shown_fix(finding)
    if fix is None:
        return None
    by_path: dict[str, list[Edit]] = {}
    for edit in fix.edits:
        by_path.setdefault(edit.path, []).append(edit)
    return [
        om.Fix(
            description=om.Message(text=_sentence(mask_line(fix.description))),
            artifact_changes=[
                om.ArtifactChange(
                    artifact_location=_artifact(path),
                    replacements=[
                        om.Replacement(
                            deleted_region=_region(edit.span),
                            inserted_content=om.ArtifactContent(text=edit.text)
                            if edit.text
                            else None,
                        )
                        for edit in edits
                    ],
                )
                for path, edits in by_path.items()
            ],
            properties={"applicability": fix.applicability.value},
        )
    ]


def _notification(problem: FileProblem, index: dict[str, int]) -> om.Notification:
    rule = None
    if "MX001" in index:
        rule = om.ReportingDescriptorReference(id="MX001", index=index["MX001"])
    return om.Notification(
        message=om.Message(
            text=_sentence(f"Could not analyse {problem.path}: {mask_line(problem.message)}")
        ),
        level="error",
        locations=[_location(problem.path, problem.span)],
        associated_rule=rule,
    )


def _unresolved(item: UnresolvedImport) -> om.Notification:
    return om.Notification(
        message=om.Message(
            text=f"The import of {item.module} names no module of the project: what it "
            "imports is not followed, and tracking calls through it may be missed."
        ),
        level="warning",
        locations=[_location(item.path, Span(item.line, 1, item.line, 1))],
    )


def _location(
    path: str, span: Span, message: str | None = None, location_id: int = -1
) -> om.Location:
    return om.Location(
        id=location_id,
        physical_location=om.PhysicalLocation(
            artifact_location=_artifact(path), region=_region(span)
        ),
        message=om.Message(text=message) if message is not None else None,
    )


def _artifact(path: str) -> om.ArtifactLocation:
    return om.ArtifactLocation(uri=quote(path, safe="/"), uri_base_id=SRCROOT)


def _region(span: Span) -> om.Region:
    # SARIF regions are 1-based with startLine required; a finding without a
    # position (a whole-project finding) points at the start of its file.
    start_line = max(span.start_line, 1)
    start_col = max(span.start_col, 1)
    end_line = max(span.end_line, start_line)
    end_col = max(span.end_col, 1)
    if end_line == start_line:
        end_col = max(end_col, start_col)
    return om.Region(
        start_line=start_line, start_column=start_col, end_line=end_line, end_column=end_col
    )


def _sentence(text: str) -> str:
    """SARIF messages and descriptions are sentences: one line, ending in a period."""
    text = " ".join(text.split())
    return text if text.endswith(".") else text + "."


def to_json(value: Any) -> Any:
    """A sarif_om object tree as JSON data, under SARIF's property names.

    Fields left at their default are dropped: sarif_om fills in defaults such
    as ``ruleIndex: -1`` or ``byteOffset: -1`` that mean "absent", and the
    schema's own defaults add nothing but size.
    """
    if attr.has(type(value)):
        out: dict[str, Any] = {}
        for field in attr.fields(type(value)):
            item = getattr(value, field.name)
            name = field.metadata["schema_property_name"]
            if item is None:
                continue
            if name not in _ALWAYS_WRITTEN and item == _default(field):
                continue
            out[name] = to_json(item)
        if isinstance(value, om.SarifLog):
            # Readers (and people) look for the schema and version first.
            out = {key: out[key] for key in ("$schema", "version") if key in out} | out
        return out
    if isinstance(value, dict):
        return {key: to_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json(item) for item in value]
    return value


def _default(field: Any) -> Any:
    default = field.default
    if isinstance(default, attr.Factory):  # type: ignore[arg-type]
        return default.factory()
    return default
