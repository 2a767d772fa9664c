"""A rule's documentation as Markdown: `mixlint explain` and `docs/rules/MXnnn.md`."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from mixlint.checks.base import Rule


def _examples(title: str, examples: tuple[str, ...]) -> list[str]:
    lines = [f"## {title}", ""]
    for example in examples:
        lines += ["```python", textwrap.dedent(example).strip("\n"), "```", ""]
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
        f'`ignore = ["{rule.id}"]` in `[tool.mixlint]`.',
        "",
    ]
    return "\n".join(lines)


def write_rule_docs(folder: Path) -> list[Path]:
    """Regenerate ``docs/rules/MXnnn.md`` from the rule units."""
    from mixlint.checks import all_rules

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for rule in all_rules():
        path = folder / f"{rule.id}.md"
        path.write_text(rule_markdown(rule), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_rule_docs(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/rules")):
        print(written_path)
