"""A rule's documentation as Markdown: `mixlint explain` and `docs/rules/MXnnn.md`.

A rule with an automatic fix shows it made on its first flagged example that it changes:
the example is checked and fixed by the pipeline itself (in a temporary folder), so the
page shows what ``mixlint check --fix`` really does.
"""

from __future__ import annotations

import difflib
import sys
import tempfile
import textwrap
from pathlib import Path

from mixlint.checks.base import Rule
from mixlint.config import Config, ConsentConfig
from mixlint.model import Applicability

# What the fixes that need a decision from the configuration are shown with.
EXAMPLE_KEY = "django.conf:settings.ANALYTICS_PEPPER"
EXAMPLE_GUARDS = [
    "app.consent:has_analytics_consent(user)",
    "app.consent:has_analytics_consent(request.user)",
]
_EXAMPLE_CONFIG_TOML = (
    "[tool.mixlint]\n"
    f'pseudonymisation-key = "{EXAMPLE_KEY}"\n\n'
    "[tool.mixlint.consent]\n"
    f"predicates = [{', '.join(f'{chr(34)}{guard}{chr(34)}' for guard in EXAMPLE_GUARDS)}]"
)


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
        *_automatic_fix(rule),
        "## Suppressing it",
        "",
        f"`# mixlint: ignore[{rule.id}] -- reason` or `# noqa: {rule.id}` on the line, or "
        f'`ignore = ["{rule.id}"]` in `[tool.mixlint]`.',
        "",
    ]
    return "\n".join(lines)


def _automatic_fix(rule: type[Rule]) -> list[str]:
    lines = ["## Automatic fix", ""]
    if not rule.autofix:
        return [*lines, "None: the change needs a decision that only a person can make.", ""]
    if rule.autofix_safety is Applicability.SAFE:
        how = "**Safe fix**, made by `mixlint check --fix`"
    else:
        how = "**Unsafe fix**, made by `mixlint check --fix --unsafe-fixes`"
    lines += [f"{how} (`--diff` shows it first). {rule.autofix.strip()}", ""]
    shown = fixed_example(rule)
    if shown is not None:
        before, after, configured = shown
        where = (
            f"With this configuration\n\n```toml\n{_EXAMPLE_CONFIG_TOML}\n```\n\nthe"
            if configured
            else "The"
        )
        diff = difflib.unified_diff(
            before.splitlines(), after.splitlines(), lineterm="", n=len(before)
        )
        body = [line.rstrip() for line in diff if not line.startswith(("---", "+++", "@@"))]
        lines += [
            f"{where} first flagged example above that it changes becomes:",
            "",
            "```diff",
            *body,
            "```",
            "",
        ]
    return lines


def fixed_example(rule: type[Rule]) -> tuple[str, str, bool] | None:
    """(before, after, whether it took the example configuration) of the first INVALID
    example that the rule's fix changes, as ``mixlint check --fix --unsafe-fixes`` fixes it."""
    from mixlint.engine import check
    from mixlint.fix.files import applicable, fix_findings
    from mixlint.run import analyse

    example_config = Config(
        pseudonymisation_key=EXAMPLE_KEY,
        consent=ConsentConfig(predicates=["has_analytics_consent"], guards=EXAMPLE_GUARDS),
    )
    for config, configured in ((Config(), False), (example_config, True)):
        for example in rule.invalid:
            source = textwrap.dedent(example).lstrip("\n")
            with tempfile.TemporaryDirectory() as folder:
                root = Path(folder)
                (root / "pyproject.toml").write_text("[project]\nname = 'example'\n")
                (root / "example.py").write_text(source, encoding="utf-8")
                result = check(analyse([root], config), config)
                mine = [f for f in applicable(result.findings, True) if f.rule_id == rule.id]
                changed = fix_findings(root, mine, result.lines).changed.get("example.py")
            if changed is not None:
                return changed[0], changed[1], configured
    return None


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
