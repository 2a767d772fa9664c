"""A rule's documentation as Markdown: `mixlint explain` and `docs/rules/MXnnn.md`."""

from __future__ import annotations

from mixlint.checks.base import Rule


def _examples(title: str, examples: tuple[str, ...]) -> list[str]:
    lines = [f"## {title}", ""]
    for example in examples:
        lines += ["```python", example.strip("\n"), "```", ""]
    return lines


def rule_markdown(rule: type[Rule]) -> str:
    lines = [
        f"# {rule.id} {rule.name}",
        "",
        f"Default level: **{rule.level.value}**. Tags: {', '.join(rule.tags)}.",
        "",
        "## What it does",
        "",
        rule.summary.strip(),
        "",
        "## Why it matters under the GDPR",
        "",
        rule.why.strip(),
        "",
        "## How to fix it",
        "",
        rule.fix.strip(),
        "",
        *_examples("Example (flagged)", rule.invalid),
        *_examples("Example (not flagged)", rule.valid),
        "## Suppressing it",
        "",
        f"`# mixlint: ignore[{rule.id}] -- reason` or `# noqa: {rule.id}` on the line, or "
        f"`ignore = [\"{rule.id}\"]` in `[tool.mixlint]`.",
        "",
    ]
    return "\n".join(lines)
