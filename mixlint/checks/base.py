"""The rule unit: one class per rule, with its documentation and examples.

A rule reads the ``ProjectModel`` (never a syntax tree) and yields findings.
Its VALID and INVALID examples are single-file projects: the test suite runs
each through the whole pipeline, and ``mixlint explain`` prints them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from mixlint.model import Applicability, Finding, Fix, Level, Location, ProjectModel, Span

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.values import ValueAnalyzer
    from mixlint.vocabulary import Vocabulary


@dataclass(frozen=True, slots=True)
class CheckContext:
    config: Config
    vocabulary: Vocabulary
    values: ValueAnalyzer


class Rule:
    id: ClassVar[str]
    name: ClassVar[str]
    level: ClassVar[Level]
    summary: ClassVar[str]  # one line: what it flags
    why: ClassVar[str]  # why it matters under the GDPR (cites the article)
    fix: ClassVar[str]  # how to fix it
    # What ``mixlint check --fix`` does about it ("": no automatic fix), and whether that
    # is safe (applied by ``--fix``) or unsafe (only with ``--unsafe-fixes``).
    autofix: ClassVar[str] = ""
    autofix_safety: ClassVar[Applicability] = Applicability.SAFE
    tags: ClassVar[tuple[str, ...]] = ("privacy", "gdpr")
    security_severity: ClassVar[float] = 5.0
    precision: ClassVar[str] = "high"
    valid: ClassVar[tuple[str, ...]] = ()
    invalid: ClassVar[tuple[str, ...]] = ()

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        raise NotImplementedError

    def finding(
        self,
        path: str,
        span: Span,
        message: str,
        *,
        fix: Fix | None = None,
        related: tuple[Location, ...] = (),
        flows: tuple[tuple[Location, ...], ...] = (),
    ) -> Finding:
        return Finding(
            rule_id=self.id,
            level=self.level,
            path=path,
            span=span,
            message=message,
            related=related,
            flows=flows,
            fix=fix,
        )
