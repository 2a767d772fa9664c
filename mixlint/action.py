"""The GitHub Action's run: one analysis, every output the action needs.

``action.yml`` runs ``python -m mixlint.action``, which analyses the paths once
and then

* writes the SARIF report (for code scanning) to ``--sarif-file``;
* prints the ``github`` annotations (workflow commands) to stdout;
* appends the Markdown summary to ``$GITHUB_STEP_SUMMARY``;
* writes ``findings=N`` and ``sarif-file=PATH`` to ``$GITHUB_OUTPUT``;
* exits like ``mixlint check``: 0 clean, 1 findings at or above the fail
  level, 2 when mixlint cannot run (bad configuration, missing path).

Paths in the reports are made relative to the working directory (the
workspace, which is the repository root) when the project root mixlint finds
lies below it, so that GitHub can place annotations and alerts on the files of
a repository whose Python project sits in a subfolder.

The inputs arrive as arguments, each possibly empty (an empty action input):
an empty ``--config`` means "find the configuration", an empty ``--fail-on``
means "the configuration's fail-on".
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint import __version__

if TYPE_CHECKING:
    from mixlint.model import Fix, Location
    from mixlint.report import Report

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
FAIL_ON_CHOICES = ("error", "warning", "note", "never")


class UsageError(Exception):
    """A problem with the inputs: reported on one line, exit status 2."""


def split_paths(text: str) -> list[str]:
    """The ``paths`` input as a list: one path per line when there are several
    lines (so a path may contain spaces), else separated by whitespace."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    if len(lines) > 1:
        return lines
    return text.split() or ["."]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mixlint.action",
        description="Run mixlint once for the GitHub Action: SARIF, annotations, "
        "job summary and step outputs.",
    )
    parser.add_argument("--paths", default=".", help="Paths separated by whitespace or newlines.")
    parser.add_argument("--config", default="", help="Configuration file (empty: find it).")
    parser.add_argument(
        "--fail-on", default="", help="error, warning, note or never (empty: from config)."
    )
    parser.add_argument("--sarif-file", default="mixlint.sarif", help="Where to write SARIF.")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return run(
            split_paths(args.paths),
            config_file=args.config.strip() or None,
            fail_on=args.fail_on.strip().lower() or None,
            sarif_file=args.sarif_file.strip() or "mixlint.sarif",
        )
    except UsageError as error:
        print(f"mixlint: error: {error}", file=sys.stderr)
        return EXIT_USAGE


def run(paths: list[str], *, config_file: str | None, fail_on: str | None, sarif_file: str) -> int:
    from mixlint.checks import all_rules
    from mixlint.config import ConfigError, apply_overrides, find_config, load_config
    from mixlint.discovery import DiscoveryError
    from mixlint.engine import check as run_checks
    from mixlint.fix.edits import plan_edits
    from mixlint.model import Level
    from mixlint.report import Report, active, render
    from mixlint.run import analyse

    if fail_on is not None and fail_on not in FAIL_ON_CHOICES:
        raise UsageError(f"fail-on: expected one of {', '.join(FAIL_ON_CHOICES)}, got {fail_on!r}")
    # The same steps as `mixlint check` (mixlint/cli.py), with the action's inputs.
    known = [rule.id for rule in all_rules()]
    try:
        if config_file is not None:
            location: Path | None = Path(config_file)
            if not Path(config_file).is_file():
                raise UsageError(f"config file '{config_file}' does not exist")
        else:
            location = find_config([Path(p) for p in paths])
        config = apply_overrides(load_config(location, known), fail_on=fail_on)
        model = analyse(paths, config)
        result = run_checks(model, config)
    except (ConfigError, DiscoveryError) as error:
        raise UsageError(str(error)) from error
    plan_edits(Path(model.root), result.findings, result.lines)

    fail_level = None if config.fail_on == "never" else Level(config.fail_on)
    report = Report(
        root=Path(model.root), findings=result.findings, problems=model.problems,
        rules=all_rules(), lines=result.lines, files_analysed=len(model.files),
        fail_level=fail_level, tool_version=__version__, unresolved=model.unresolved,
    )  # fmt: skip
    report = rebase(report, Path.cwd())

    sarif_path = Path(sarif_file)
    try:
        write_file(sarif_path, render(report, "sarif"))
    except OSError as error:
        raise UsageError(f"cannot write '{sarif_file}': {error.strerror or error}") from error
    sys.stdout.write(render(report, "github"))
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        append(Path(summary_file), render(report, "markdown") + "\n")
    shown = active(report.findings)
    output_file = os.environ.get("GITHUB_OUTPUT")
    if output_file:
        append(
            Path(output_file),
            output_line("findings", str(len(shown))) + output_line("sarif-file", sarif_file),
        )
    print(f"mixlint: {len(shown)} finding(s); SARIF report written to {sarif_file}")

    if fail_level is None:
        return EXIT_CLEAN
    failing = [f for f in shown if f.level.rank >= fail_level.rank]
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def rebase(report: Report, workspace: Path) -> Report:
    """``report`` with paths relative to ``workspace`` when its root lies below it.

    GitHub resolves annotation paths and SARIF locations against the
    repository root (the workspace); mixlint's are relative to the project
    root, which is a subfolder in a repository holding several projects.
    """
    try:
        prefix = report.root.resolve().relative_to(workspace.resolve()).as_posix()
    except (OSError, ValueError):
        return report
    if prefix in ("", "."):
        return report

    def moved(path: str) -> str:
        return f"{prefix}/{path}"

    def located(location: Location) -> Location:
        return dataclasses.replace(location, path=moved(location.path))

    def fixed(fix: Fix | None) -> Fix | None:
        if fix is None:
            return None
        return dataclasses.replace(
            fix,
            changes=tuple(dataclasses.replace(c, path=moved(c.path)) for c in fix.changes),
            edits=tuple(dataclasses.replace(e, path=moved(e.path)) for e in fix.edits),
        )

    findings = [
        dataclasses.replace(
            f,
            path=moved(f.path),
            related=tuple(located(item) for item in f.related),
            flows=tuple(tuple(located(step) for step in flow) for flow in f.flows),
            fix=fixed(f.fix),
        )
        for f in report.findings
    ]
    return dataclasses.replace(
        report,
        root=workspace,
        findings=findings,
        problems=[dataclasses.replace(p, path=moved(p.path)) for p in report.problems],
        unresolved=[dataclasses.replace(u, path=moved(u.path)) for u in report.unresolved],
        lines={moved(path): lines for path, lines in report.lines.items()},
    )


def write_file(path: Path, text: str) -> None:
    from mixlint.atomic import write_atomic

    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, text)


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as stream:
        stream.write(text)


def output_line(name: str, value: str) -> str:
    """One ``$GITHUB_OUTPUT`` entry; a value with a line break uses a heredoc."""
    if "\n" not in value and "\r" not in value:
        return f"{name}={value}\n"
    delimiter = f"ghadelimiter_{secrets.token_hex(8)}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


if __name__ == "__main__":
    sys.exit(main())
