"""The command line: ``mixlint check | inventory | rules | explain``. No analysis here.

Heavy modules (libcst, the analysis, sarif-om) are imported inside the commands,
so ``mixlint --version`` and ``--help`` start fast.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from mixlint import __version__

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.run.memo import Checked

EXIT_CLEAN, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
REPORT_FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")
INVENTORY_FORMATS = ("json", "markdown", "csv")


def fail(message: str) -> NoReturn:
    click.echo(f"mixlint: error: {message}", err=True)
    sys.exit(EXIT_USAGE)


class _Group(click.Group):
    """Usage errors end with one line and exit code 2, like every other error."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["standalone_mode"] = False
        try:
            return super().main(*args, **kwargs)
        except click.UsageError as error:
            fail(error.format_message())
        except click.exceptions.Exit as error:
            sys.exit(error.exit_code)
        except click.Abort:
            fail("aborted")


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mixlint", message="%(prog)s %(version)s")
def main() -> None:
    """mixlint: a GDPR-compliance linter for Mixpanel tracking code in Python."""


def run() -> NoReturn:
    """The ``mixlint`` console script: ``main``, then the exit without the interpreter's
    teardown. Freeing every object of a project's analysis one by one takes ~0.2 s,
    a quarter of a pre-commit run (mypy exits the same way). Work the run started
    has ended by then: reports are written, worker processes joined, children reaped."""
    gc.set_threshold(*_GC_THRESHOLDS)
    try:
        main()
        code = EXIT_CLEAN
    except SystemExit as error:
        if isinstance(error.code, str):
            click.echo(error.code, err=True)
        code = error.code if isinstance(error.code, int) else int(error.code is not None)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:  # a closed pipe (``mixlint check | head``): as Python's own exit
        code = code or 120
    os._exit(code)


# The analysis allocates millions of objects and frees few: collecting cycles
# every 700 allocations (the default) costs ~5% of a run for nothing (as in mypy).
_GC_THRESHOLDS = (200_000, 30, 30)


def _load_config(paths: Sequence[str], config_file: str | None) -> Config:
    from mixlint.checks import all_rules
    from mixlint.config import ConfigError, find_config, load_config

    known = [rule.id for rule in all_rules()]
    try:
        if config_file is not None:
            if not Path(config_file).is_file():
                fail(f"config file '{config_file}' does not exist")
            location: Path | None = Path(config_file)
        else:
            location = find_config([Path(p) for p in paths] or [Path(".")])
        return load_config(location, known)
    except ConfigError as error:
        fail(str(error))


def _write_output(text: str, output: str | None) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    from mixlint.atomic import write_atomic

    try:
        write_atomic(Path(output), text)
    except OSError as error:
        fail(f"cannot write '{output}': {error.strerror or error}")


def _speed_options(function: Any) -> Any:
    """--jobs, --no-cache, --cache-dir, --timeout, --no-prefilter."""
    options = [
        click.option(
            "--jobs",
            "-j",
            type=click.IntRange(min=1),
            default=None,
            help="Worker processes  [default: the number of CPUs; 1: no workers]",
        ),
        click.option("--no-cache", is_flag=True, help="Do not read or write the cache."),
        click.option(
            "--cache-dir",
            type=click.Path(file_okay=False),
            envvar="MIXLINT_CACHE_DIR",
            help="Cache folder (env: MIXLINT_CACHE_DIR)  [default: .mixlint_cache in the "
            "project root]",
        ),
        click.option(
            "--timeout",
            type=click.FloatRange(min=0, min_open=True),
            default=20.0,
            show_default=True,
            help="Seconds allowed per file (then MX001).",
        ),
        click.option(
            "--no-prefilter",
            is_flag=True,
            help="Parse every file, even those that cannot track anything (MX001 for all).",
        ),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _run_options(
    jobs: int | None, no_cache: bool, cache_dir: str | None, timeout: float, no_prefilter: bool
) -> Any:
    from mixlint.run.options import Options, default_jobs

    return Options(
        jobs=jobs or default_jobs(),
        cache=not no_cache,
        cache_dir=Path(cache_dir).absolute() if cache_dir else None,
        prefilter=not no_prefilter,
        timeout=timeout,
    )


def _use_color(output: str | None, fmt: str) -> bool:
    if output is not None or fmt != "text" or os.environ.get("NO_COLOR"):
        return False
    return sys.stdout.isatty() or bool(os.environ.get("FORCE_COLOR"))


def _warn(message: str) -> None:
    click.echo(f"mixlint: warning: {message}", err=True)


def _show_diff(result: Checked, config: Config, output: str | None) -> NoReturn:
    """``--diff``: the diff of the fixes ``--fix`` would make first, on stdout (or
    ``output``), and how many they fix on stderr; exit 1 when there is something to fix."""
    from mixlint.fix.files import applicable, fix_findings
    from mixlint.report import would_fix_sentence

    unsafe = config.unsafe_fixes is True
    chosen = applicable(result.findings, unsafe)
    outcome = fix_findings(Path(result.model.root), chosen, result.lines, result.model.in_scope)
    for problem in outcome.problems:
        _warn(problem)
    _write_output(outcome.diff(), output)
    hidden = (
        len(applicable(result.findings, True)) - len(chosen) if config.unsafe_fixes is None else 0
    )
    click.echo(would_fix_sentence(len(outcome.fixed), hidden), err=True)
    sys.exit(EXIT_FINDINGS if outcome.fixed and config.fail_on != "never" else EXIT_CLEAN)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(REPORT_FORMATS),
    default="text",
    show_default=True,
    help="Output format.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the report here.")
@click.option("--config", "config_file", type=click.Path(), help="Configuration file to use.")
@click.option("--select", multiple=True, help="Rules to run (IDs or prefixes; replaces config).")
@click.option("--extend-select", multiple=True, help="Rules to run in addition.")
@click.option("--ignore", multiple=True, help="Rules to skip.")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (adds to config).")
@click.option(
    "--include-tests/--no-include-tests",
    default=None,
    help="Report test code like any other code (config: include-tests); by default it gets "
    "MX403 findings only.",
)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "note", "never"]),
    help="Lowest level that makes the exit code 1.",
)
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Show a per-rule table (text format).")
@click.option("--show-suppressed", is_flag=True, help="Show suppressed findings too.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="Hide the findings recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    help="Record today's findings in this baseline file.",
)
@click.option(
    "--fix/--no-fix",
    default=None,
    help="Apply the safe fixes in place (config: fix), then report what remains.",
)
@click.option(
    "--unsafe-fixes/--no-unsafe-fixes",
    default=None,
    help="Offer unsafe fixes too: apply them with --fix, show them with --diff "
    "(config: unsafe-fixes).",
)
@click.option(
    "--diff",
    is_flag=True,
    help="Print the diff of what --fix would change, and write nothing; exit 1 when there "
    "is something to fix.",
)
@_speed_options
def check(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    config_file: str | None,
    select: tuple[str, ...],
    extend_select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    include_tests: bool | None,
    fail_on: str | None,
    exit_zero: bool,
    statistics: bool,
    show_suppressed: bool,
    baseline: str | None,
    write_baseline: str | None,
    fix: bool | None,
    unsafe_fixes: bool | None,
    diff: bool,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    timeout: float,
    no_prefilter: bool,
) -> None:
    """Check PATHS (files or folders; default: the current folder)."""
    from mixlint.run import EarlyParser, check_project

    options = _run_options(jobs, no_cache, cache_dir, timeout, no_prefilter)
    # First thing: the child that parses for the run imports libcst while the rest starts.
    early = EarlyParser.fork(paths, options)
    try:
        config = _load_config(paths, config_file)
        from mixlint.config import ConfigError, apply_overrides

        try:
            config = apply_overrides(
                config,
                select=select or None,
                ignore=ignore or None,
                extend_select=extend_select or None,
                fail_on=fail_on,
                exit_zero=exit_zero,
                extend_exclude=exclude or None,
                baseline=baseline,
                fix=fix,
                unsafe_fixes=unsafe_fixes,
                include_tests=include_tests,
            )
        except ConfigError as error:
            fail(str(error))
    except BaseException:
        if early is not None:
            early.close()
        raise
    from mixlint.baseline import write_baseline as record_baseline
    from mixlint.checks import all_rules
    from mixlint.discovery import DiscoveryError
    from mixlint.model import Level
    from mixlint.report import Report, render

    targets = list(paths) or ["."]
    try:
        result = check_project(targets, config, options, early)
        model = result.model
    except (ConfigError, DiscoveryError) as error:
        fail(str(error))
    root = Path(model.root)
    if diff:
        _show_diff(result, config, output)
    fixed = 0
    if config.fix:
        from mixlint.fix.files import fix_rounds

        try:
            result, fixed = fix_rounds(
                root,
                result,
                lambda: check_project(targets, config, options),
                unsafe=config.unsafe_fixes is True,
                warn=_warn,
            )
        except (ConfigError, DiscoveryError) as error:
            fail(str(error))
        model = result.model
    if fmt in ("json", "sarif"):
        from mixlint.cache import Cache
        from mixlint.fix.edits import plan_edits
        from mixlint.run.options import default_cache_dir

        folder = options.cache_dir or default_cache_dir(root)
        cache = Cache.open(folder, config) if options.cache else None
        plan_edits(root, result.findings, result.lines, cache)
    if write_baseline is not None:
        try:
            record_baseline(
                Path(write_baseline), [f for f in result.findings if f.suppressed is None]
            )
        except ConfigError as error:  # write_baseline words its own OSErrors
            fail(str(error))
        except OSError as error:
            fail(f"cannot write '{write_baseline}': {error.strerror or error}")
    fail_level = None if config.fail_on == "never" else Level(config.fail_on)
    report = Report(
        root=Path(model.root),
        findings=result.findings,
        problems=model.problems,
        rules=all_rules(),
        lines=result.lines,
        files_analysed=len(model.files),
        fail_level=fail_level,
        tool_version=__version__,
        unresolved=model.unresolved,
        fixed=fixed if config.fix else None,
        unsafe_fixes=config.unsafe_fixes,
    )
    _write_output(
        render(
            report,
            fmt,
            color=_use_color(output, fmt),
            statistics=statistics,
            show_suppressed=show_suppressed,
        ),
        output,
    )
    if write_baseline is not None or fail_level is None:
        sys.exit(EXIT_CLEAN)
    failing = [
        f for f in result.findings if f.suppressed is None and f.level.rank >= fail_level.rank
    ]
    sys.exit(EXIT_FINDINGS if failing else EXIT_CLEAN)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format",
    "fmt",
    type=click.Choice(INVENTORY_FORMATS),
    default="markdown",
    show_default=True,
    help="Output format.",
)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write the inventory here.")
@click.option("--config", "config_file", type=click.Path(), help="Configuration file to use.")
@click.option("--exclude", multiple=True, help="Glob of paths to skip (adds to config).")
@_speed_options
def inventory(
    paths: tuple[str, ...],
    fmt: str,
    output: str | None,
    config_file: str | None,
    exclude: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    timeout: float,
    no_prefilter: bool,
) -> None:
    """List every tracking call, event and property in PATHS (the data map for Art. 30)."""
    from mixlint.config import ConfigError, apply_overrides
    from mixlint.discovery import DiscoveryError
    from mixlint.model import Expr, Property, TrackingCall
    from mixlint.report.inventory import render_inventory
    from mixlint.run import analyse
    from mixlint.values import Scope, ValueAnalyzer
    from mixlint.vocabulary import Vocabulary

    config = _load_config(paths, config_file)
    try:
        config = apply_overrides(config, extend_exclude=exclude or None)
        model = analyse(
            list(paths) or ["."],
            config,
            _run_options(jobs, no_cache, cache_dir, timeout, no_prefilter),
        )
    except (ConfigError, DiscoveryError) as error:
        fail(str(error))
    model.calls = [call for call in model.calls if model.in_scope(call.path)]
    vocabulary = Vocabulary.load(config.extra_words, config.allow_keys)
    values = ValueAnalyzer(config, vocabulary)

    def category(prop: Property) -> str | None:
        """The personal-data category a key names or a value carries."""
        match = vocabulary.match_key(prop.key) if prop.key else None
        if match is not None:
            return match.category.label
        found = values.value(prop.value)
        return found.label if found is not None and not found.weak else None

    def fields(
        call: TrackingCall, part: Expr
    ) -> tuple[str, tuple[tuple[str, str | None], ...]] | None:
        return values.object_fields(part, Scope(model, call.path))

    _write_output(render_inventory(model, fmt, category, config.is_test_code, fields), output)


@main.command()
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
def rules(fmt: str) -> None:
    """List every rule."""
    import json

    from mixlint.checks import all_rules

    if fmt == "json":
        data = [
            {
                "id": r.id,
                "name": r.name,
                "level": r.level.value,
                "summary": r.summary,
                "tags": list(r.tags),
            }
            for r in all_rules()
        ]
        click.echo(json.dumps(data, indent=2))
        return
    for rule in all_rules():
        click.echo(f"{rule.id}  {rule.name:<28} {rule.level.value:<8} {rule.summary}")


@main.command()
@click.argument("rule_id")
def explain(rule_id: str) -> None:
    """Show a rule's documentation and examples (by ID or name)."""
    from mixlint.checks import rule_by_id
    from mixlint.docs import rule_markdown

    rule = rule_by_id(rule_id)
    if rule is None:
        fail(f"unknown rule '{rule_id}' (see `mixlint rules`)")
    click.echo(rule_markdown(rule), nl=False)


if __name__ == "__main__":
    run()
