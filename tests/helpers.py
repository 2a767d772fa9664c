"""Running mixlint's pipeline on code written by a test."""

from __future__ import annotations

import textwrap
from pathlib import Path

from mixlint.config import Config
from mixlint.engine import Result, check
from mixlint.model import Finding
from mixlint.run import analyse


def write_project(root: Path, files: dict[str, str]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'example'\n", encoding="utf-8")
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
    return root


def run(root: Path, config: Config | None = None, paths: list[Path] | None = None) -> Result:
    config = config or Config()
    return check(analyse(paths or [root], config), config)


def findings_of(result: Result, rule_id: str | None = None) -> list[Finding]:
    return [
        f
        for f in result.findings
        if f.suppressed is None and (rule_id is None or f.rule_id == rule_id)
    ]
