#!/usr/bin/env python3
"""mixlint's speed, side by side with semgrep and bandit, on one generated tree.

    python benchmarks/bench.py                 # the full run (about 40 minutes)
    python benchmarks/bench.py --quick         # fewer repetitions (about 12 minutes)
    python benchmarks/bench.py --write-results # also rewrite benchmarks/RESULTS.md

The tree is a copy of the running interpreter's standard library sources (the
untracked bulk: nothing in it tracks anything) plus N generated app modules that
track through an imported client, wrappers, consent guards and personal data
(``make_app``). semgrep (with ``../shared/peers/semgrep-mixpanel.yml``) and bandit
are installed into their own virtual environment the first time, never into
mixlint's.

One interleaved run times, per repetition and in turn: mixlint with a cold cache,
mixlint again with a warm cache and no change, mixlint on 5 changed files (a
pre-commit hook run), ``mixlint --version``, semgrep and bandit. It reports
medians, the peak RSS of each process tree (``wait4``), each ratio to semgrep,
and the scaling curve of mixlint for N = 0, 100, 1000 and 1x / 3x the bulk.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEER_RULES = Path("shared") / "peers" / "semgrep-mixpanel.yml"
# ../shared beside the checkout (or beside the folder of worktrees it is in).
DEFAULT_RULES = next(
    (folder / PEER_RULES for folder in REPO.parents if (folder / PEER_RULES).is_file()),
    REPO.parent / PEER_RULES,
)
DEFAULT_WORK = Path(os.environ.get("MIXLINT_BENCH_DIR", "/tmp/mixlint-bench"))
PRECOMMIT_FILES = 5
TARGETS = {
    "cold_vs_semgrep": 0.5,
    "cold_vs_bandit": 0.1,
    "warm_s": 0.5,
    "precommit_s": 0.8,
    "version_s": 0.15,
    "rss_n1000_mb": 300.0,
}

# -- the generated app ----------------------------------------------------------------

_CLIENT = '''\
"""The Mixpanel client of the app, on the EU host."""

import os

from mixpanel import Consumer, Mixpanel

mp_client = Mixpanel(
    os.environ.get("MIXPANEL_TOKEN", ""),
    consumer=Consumer(api_host="api-eu.mixpanel.com"),
)
'''

_EVENTS = '''\
"""Tracking helpers: every view goes through these."""

from shopapp.tracking import mp_client
from shopapp.tracking.privacy import pseudonymize


def track_event(user, event, properties=None):
    payload = {"app": "web"}
    payload.update(properties or {})
    mp_client.track(pseudonymize(user.pk), event, payload)


def record_profile(user, fields):
    mp_client.people_set(pseudonymize(user.pk), fields, meta={"$ip": 0})


def forget(user):
    mp_client.people_delete(pseudonymize(user.pk))
'''

_CONSENT = '''\
"""The user's analytics consent."""

import functools


def has_analytics_consent(user):
    profile = getattr(user, "profile", None)
    return bool(profile is not None and profile.analytics_consent)


def requires_consent(func):
    @functools.wraps(func)
    def wrapper(user, *args, **kwargs):
        if not has_analytics_consent(user):
            return None
        return func(user, *args, **kwargs)

    return wrapper
'''

_PRIVACY = '''\
"""Keyed pseudonyms for user ids."""

import hashlib
import hmac
import os

_KEY = os.environ.get("PSEUDONYM_KEY", "").encode()


def pseudonymize(value):
    return hmac.new(_KEY, str(value).encode(), hashlib.sha256).hexdigest()
'''

_FEATURE = '''\
"""Feature {n}: {title}."""

import datetime
import json
import logging

from shopapp.tracking import mp_client
from shopapp.tracking.consent import has_analytics_consent, requires_consent
from shopapp.tracking.events import record_profile, track_event
from shopapp.tracking.privacy import pseudonymize

log = logging.getLogger(__name__)
PAGE_SIZE = {page}


class Feature{n}View:
    template = "feature_{n}.html"

    def get(self, request):
        user = request.user
        if has_analytics_consent(user):
            track_event(user, "Feature {n} Viewed", {{"page": request.GET.get("page", "1")}})
        return self.render(request, {{"items": self.items(request)}})

    def post(self, request):
        user = request.user
        data = json.loads(request.body or "{{}}")
        if not has_analytics_consent(user):
            return self.render(request, {{"saved": False}})
        track_event(user, "Feature {n} Saved", {{"size": len(data), {extra}}})
        return self.render(request, {{"saved": True}})

    def items(self, request):
        start = int(request.GET.get("page", "1")) * PAGE_SIZE
        rows = [{{"id": i, "label": f"row {{i}}"}} for i in range(start, start + PAGE_SIZE)]
        return sorted(rows, key=lambda row: row["label"])

    def render(self, request, context):
        context = dict(context, feature={n}, at=datetime.datetime.now().isoformat())
        log.debug("rendering %s", self.template)
        return json.dumps(context)


@requires_consent
def sync_feature_{n}(user, plan):
    record_profile(user, {{"plan": plan, "feature_{n}": True}})


def export_feature_{n}(user, rows):
    if has_analytics_consent(user):
        mp_client.track(pseudonymize(user.pk), "Feature {n} Exported", {{"rows": len(rows)}})
    {unguarded}
    return [json.dumps(row) for row in rows]


def summarize_{n}(rows):
    total = 0
    for row in rows:
        total += len(str(row.get("label", "")))
    return {{"count": len(rows), "total": total, "mean": total / max(1, len(rows))}}
'''


def make_app(root: Path, modules: int) -> None:
    """The tracking part of the tree: ``modules`` feature modules and their helpers."""
    package = root / "shopapp"
    (package / "tracking").mkdir(parents=True, exist_ok=True)
    (package / "features").mkdir(parents=True, exist_ok=True)
    (package / "__init__.py").write_text('"""A generated shop app."""\n', encoding="utf-8")
    (package / "features" / "__init__.py").write_text("", encoding="utf-8")
    tracking = package / "tracking"
    (tracking / "__init__.py").write_text("from .client import mp_client\n", encoding="utf-8")
    (tracking / "client.py").write_text(_CLIENT, encoding="utf-8")
    (tracking / "events.py").write_text(_EVENTS, encoding="utf-8")
    (tracking / "consent.py").write_text(_CONSENT, encoding="utf-8")
    (tracking / "privacy.py").write_text(_PRIVACY, encoding="utf-8")
    views = []
    for n in range(modules):
        extra = '"email": user.email' if n % 10 == 0 else '"plan": data.get("plan", "free")'
        unguarded = (
            f'mp_client.track(pseudonymize(user.pk), "Feature {n} Raw Export")'
            if n % 7 == 0
            else "pass"
        )
        source = _FEATURE.format(
            n=n,
            title=f"generated feature number {n}",
            page=10 + n % 40,
            extra=extra,
            unguarded=unguarded,
        )
        (package / "features" / f"feature_{n:04d}.py").write_text(source, encoding="utf-8")
        views.append(n)
    urls = ['"""URL routes."""', ""]
    urls += [f"from shopapp.features.feature_{n:04d} import Feature{n}View" for n in views]
    urls += ["", "ROUTES = ["]
    urls += [f'    ("feature/{n}/", Feature{n}View),' for n in views]
    urls += ["]", ""]
    (package / "urls.py").write_text("\n".join(urls), encoding="utf-8")


def stdlib_sources() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def copy_bulk(source: Path, target: Path) -> None:
    """The interpreter's standard library, Python files only (no site-packages)."""
    skip = {"site-packages", "__pycache__", "dist-packages"}
    for folder, dirs, files in os.walk(source):
        dirs[:] = sorted(d for d in dirs if d not in skip)
        relative = Path(folder).relative_to(source)
        for name in sorted(files):
            if name.endswith(".py"):
                destination = target / relative / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(folder) / name, destination)


def make_tree(work: Path, modules: int, bulk: int) -> Path:
    """The tree for ``modules`` app modules and ``bulk`` copies of the standard library."""
    tree = work / f"tree-n{modules}-b{bulk}"
    marker = tree / ".complete"
    if marker.exists():
        return tree
    if tree.exists():
        shutil.rmtree(tree)
    tree.mkdir(parents=True)
    (tree / "pyproject.toml").write_text('[project]\nname = "benchtree"\n', encoding="utf-8")
    for copy in range(bulk):
        copy_bulk(stdlib_sources(), tree / ("stdlib" if copy == 0 else f"stdlib_{copy + 1}"))
    make_app(tree, modules)
    marker.write_text("", encoding="utf-8")
    return tree


def tree_size(tree: Path) -> tuple[int, int]:
    files = [p for p in tree.rglob("*.py") if ".mixlint_cache" not in p.parts]
    return len(files), sum(p.stat().st_size for p in files)


# -- tools ------------------------------------------------------------------------------


def mixlint_command() -> list[str]:
    """The installed console script (what users run), else ``python -m``."""
    scripts = Path(sysconfig.get_paths()["scripts"])
    for candidate in (scripts / "mixlint", Path(sys.executable).parent / "mixlint"):
        if candidate.exists():
            return [str(candidate)]
    return [sys.executable, "-c", "from mixlint.cli import run; run()"]


def peers_venv(work: Path) -> Path:
    """A virtual environment with semgrep and bandit (created once)."""
    venv = work / "peers-venv"
    bin_dir = venv / "bin"
    if not (bin_dir / "semgrep").exists() or not (bin_dir / "bandit").exists():
        print(f"installing semgrep and bandit into {venv} ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(bin_dir / "python"), "-m", "pip", "install", "-q", "semgrep", "bandit"], check=True
        )
    return bin_dir


def semgrep_command(bins: Path, rules: Path) -> list[str]:
    """semgrep with the peer rules on the current folder, as a user runs it in CI."""
    return [
        str(bins / "semgrep"),
        "--metrics=off",
        "--disable-version-check",
        "--quiet",
        "--config",
        str(rules),
        "--json",
        "-o",
        os.devnull,
        ".",
    ]


def version_of(command: Sequence[str]) -> str:
    done = subprocess.run([*command, "--version"], capture_output=True, text=True, check=False)
    return (done.stdout or done.stderr).strip().splitlines()[0] if done.returncode == 0 else "?"


@dataclass
class Sample:
    seconds: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    exit_codes: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds) if self.seconds else float("nan")

    @property
    def rss_mb(self) -> float:
        return max(self.rss_kb) / 1024 if self.rss_kb else float("nan")


def tool_environment() -> dict[str, str]:
    """As installed tools run: byte-code caches may be written (pip writes them for
    semgrep and bandit at install time; an editable mixlint writes its own once)."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


ENV = tool_environment()


def measure(command: Sequence[str], cwd: Path, sample: Sample) -> None:
    """Wall time and the peak RSS of the process tree (``wait4``: the process and the
    children it waited for, such as mixlint's workers and semgrep-core)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        list(command), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    sample.seconds.append(elapsed)
    sample.rss_kb.append(int(usage.ru_maxrss))
    sample.exit_codes.add(process.returncode)


UNTRACKED = ("json/decoder.py", "csv.py", "glob.py", "textwrap.py", "string.py")


def touch_changes(tree: Path, round_number: int, tracking: bool) -> list[Path]:
    """Change 5 files as a commit would (the pre-commit run gets their names): app
    modules that track (``tracking``), or files of the untracked bulk."""
    if tracking:
        chosen = sorted((tree / "shopapp" / "features").glob("feature_*.py"))[:PRECOMMIT_FILES]
    else:
        chosen = [tree / "stdlib" / name for name in UNTRACKED]
    if not chosen:  # N = 0: no app modules
        chosen = [tree / "stdlib" / name for name in UNTRACKED]
    for path in chosen:
        text = path.read_text(encoding="utf-8")
        lines = [line for line in text.splitlines() if not line.startswith("# edited ")]
        lines.append(f"# edited in round {round_number}")
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return chosen


def clear_cache(tree: Path) -> None:
    """Every cache folder in ``tree`` (a run on files of a sub-project keeps its own)."""
    for folder in [tree / ".mixlint_cache", *tree.rglob(".mixlint_cache")]:
        shutil.rmtree(folder, ignore_errors=True)


# -- the runs ---------------------------------------------------------------------------


def compare(
    tree: Path, repeat: int, rules: Path, bins: Path | None, with_bandit: bool
) -> dict[str, Sample]:
    """The interleaved side-by-side run on one tree."""
    mixlint = mixlint_command()
    samples = {
        name: Sample()
        for name in (
            "mixlint cold",
            "mixlint warm",
            "mixlint pre-commit (untracked)",
            "mixlint pre-commit (tracking)",
            "mixlint --version",
            "semgrep",
            "bandit",
        )
    }
    check = [*mixlint, "check", ".", "--format", "json", "--exit-zero"]
    subprocess.run(check, cwd=tree, env=ENV, capture_output=True, check=False)  # warm-up
    for round_number in range(repeat):
        print(f"  round {round_number + 1}/{repeat}", flush=True)
        clear_cache(tree)
        measure(check, tree, samples["mixlint cold"])
        measure(check, tree, samples["mixlint warm"])
        for tracking, name in ((False, "untracked"), (True, "tracking")):
            changed = touch_changes(tree, round_number, tracking)
            names = [str(p.relative_to(tree)) for p in changed]
            measure(
                [*mixlint, "check", "--format", "json", "--exit-zero", *names],
                tree,
                samples[f"mixlint pre-commit ({name})"],
            )
        measure([*mixlint, "--version"], tree, samples["mixlint --version"])
        if bins is not None:
            measure(semgrep_command(bins, rules), tree, samples["semgrep"])
            if with_bandit:
                measure(
                    [str(bins / "bandit"), "-r", "-q", "-f", "json", "-o", os.devnull, "."],
                    tree,
                    samples["bandit"],
                )
    return {name: sample for name, sample in samples.items() if sample.seconds}


def scaling(work: Path, repeat: int) -> list[tuple[int, int, int, int, Sample, Sample]]:
    """mixlint cold and warm for N = 0, 100, 1000 and 1x / 3x the bulk (interleaved)."""
    mixlint = mixlint_command()
    points = [(n, bulk) for bulk in (1, 3) for n in (0, 100, 1000)]
    trees = {point: make_tree(work, *point) for point in points}
    cold = {point: Sample() for point in points}
    warm = {point: Sample() for point in points}
    check = [*mixlint, "check", ".", "--format", "json", "--exit-zero"]
    for round_number in range(repeat):
        print(f"  round {round_number + 1}/{repeat}", flush=True)
        for point in points:
            clear_cache(trees[point])
            measure(check, trees[point], cold[point])
            measure(check, trees[point], warm[point])
    rows = []
    for point in points:
        files, size = tree_size(trees[point])
        rows.append((point[0], point[1], files, size, cold[point], warm[point]))
    return rows


# -- the report -------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError, AttributeError):
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs{memory}; {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(
    compared: dict[str, Sample],
    tree: Path,
    modules: int,
    repeat: int,
    curve: list[tuple[int, int, int, int, Sample, Sample]] | None,
    versions: dict[str, str],
    quick: bool,
) -> str:
    files, size = tree_size(tree)
    semgrep = compared.get("semgrep")
    bandit = compared.get("bandit")
    lines = [
        "# mixlint benchmark results",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {machine()}.",
        f"Tools: {', '.join(f'{k} {v}' for k, v in versions.items())}.",
        "",
        "Reproduce from a fresh checkout (installs semgrep and bandit into their own",
        "virtual environment under the work folder, `/tmp/mixlint-bench` by default):",
        "",
        "```console",
        "$ pip install -e .",
        "$ python benchmarks/bench.py --write-results"
        + ("  # add --quick: 3 rounds" if not quick else " --quick"),
        "```",
        "",
        f"## Side by side (N = {modules} tracking modules, 1x bulk)",
        "",
        f"Tree: {files} Python files, {size / 1e6:.1f} MB: a copy of this interpreter's standard",
        f"library plus the generated app. Medians of {repeat} interleaved rounds; peak RSS is",
        "the largest of the process tree (workers included). semgrep runs with its default",
        "ignore list, which skips `test/` and `tests/` folders (about half of the standard",
        "library), so it reads fewer files than mixlint and bandit.",
        "",
        "| run | median wall (s) | min | max | peak RSS (MB) | / semgrep | / bandit |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, sample in compared.items():
        ratio_s = f"{sample.median / semgrep.median:.3f}" if semgrep else "-"
        ratio_b = f"{sample.median / bandit.median:.4f}" if bandit else "-"
        lines.append(
            f"| {name} | {sample.median:.3f} | {min(sample.seconds):.3f} | "
            f"{max(sample.seconds):.3f} | {sample.rss_mb:.0f} | {ratio_s} | {ratio_b} |"
        )
    cold = compared["mixlint cold"]
    warm = compared["mixlint warm"]
    untracked = compared["mixlint pre-commit (untracked)"]
    tracking = compared["mixlint pre-commit (tracking)"]
    version = compared["mixlint --version"]
    lines += ["", "## Targets", "", "| target | measured | |", "|---|---:|---|"]
    if semgrep:
        ratio = cold.median / semgrep.median
        lines.append(
            f"| cold <= {TARGETS['cold_vs_semgrep']}x semgrep | {ratio:.3f}x | "
            f"{verdict(ratio <= TARGETS['cold_vs_semgrep'])} |"
        )
    if bandit:
        ratio = cold.median / bandit.median
        lines.append(
            f"| cold <= {TARGETS['cold_vs_bandit']}x bandit | {ratio:.4f}x | "
            f"{verdict(ratio <= TARGETS['cold_vs_bandit'])} |"
        )
    lines.append(
        f"| warm re-run, no change <= {TARGETS['warm_s']} s | {warm.median:.3f} s | "
        f"{verdict(warm.median <= TARGETS['warm_s'])} |"
    )
    for label, sample in (("untracked", untracked), ("tracking modules", tracking)):
        lines.append(
            f"| pre-commit, 5 changed {label} files <= {TARGETS['precommit_s']} s | "
            f"{sample.median:.3f} s | {verdict(sample.median <= TARGETS['precommit_s'])} |"
        )
    lines.append(
        f"| `mixlint --version` <= {TARGETS['version_s']} s | {version.median:.3f} s | "
        f"{verdict(version.median <= TARGETS['version_s'])} |"
    )
    if curve:
        n1000 = [row for row in curve if row[0] == 1000 and row[1] == 1]
        if n1000:
            rss = max(n1000[0][4].rss_mb, n1000[0][5].rss_mb)
            lines.append(
                f"| peak RSS at N = 1000 <= {TARGETS['rss_n1000_mb']:.0f} MB | "
                f"{rss:.0f} MB | {verdict(rss <= TARGETS['rss_n1000_mb'])} |"
            )
        lines += [
            "",
            "## Scaling (mixlint only)",
            "",
            "Cold: no cache; warm: the same run again. Medians of the same number of rounds.",
            "",
            "| N | bulk | files | MB | cold (s) | warm (s) | peak RSS cold (MB) |",
            "|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for modules_n, bulk, count, total, cold_s, warm_s in curve:
            lines.append(
                f"| {modules_n} | {bulk}x | {count} | {total / 1e6:.1f} | "
                f"{cold_s.median:.3f} | {warm_s.median:.3f} | {cold_s.rss_mb:.0f} |"
            )
        by_point = {(row[0], row[1]): row[4].median for row in curve}
        if all(point in by_point for point in ((0, 1), (100, 1), (1000, 1), (100, 3))):
            per_module = (by_point[(1000, 1)] - by_point[(100, 1)]) / 900
            bulk_growth = by_point[(100, 3)] / by_point[(100, 1)]
            lines += [
                "",
                f"Each tracking module adds about {per_module * 1000:.1f} ms (cold, N = 100 to "
                f"1000); tripling the untracked bulk multiplies the cold time at N = 100 by "
                f"{bulk_growth:.2f}.",
            ]
    lines += ["", "## Notes", "", NOTES]
    return "\n".join(lines) + "\n"


NOTES = textwrap.dedent("""\
    - The machine is shared (other jobs may run at the same time); rounds are
      interleaved so that load affects every tool alike, and medians are reported.
    - Cold: `.mixlint_cache` is deleted before the run (the OS file cache is warm,
      as it is for every tool). Warm: the same command again. Pre-commit: 5 files
      are changed, then `mixlint check <those 5 files>` runs (the whole project is
      read for context, from the cache): 5 files of the untracked bulk (most commits
      of a large project), and 5 app modules that track (the files are parsed
      again and the project's model is rebuilt: the hard case).
    - mixlint runs with its defaults: the prefilter, the persistent cache, one
      worker per CPU. Only files that can track something are parsed with libcst;
      the standard library copy is read (and hashed) but never parsed.
    """)


def write_results(text: str) -> None:
    """RESULTS.md anew, keeping the real-code section that ``real.py`` writes after it."""
    results = HERE / "RESULTS.md"
    current = results.read_text(encoding="utf-8") if results.exists() else ""
    marker = "<!-- real-code benchmark"
    kept = current[current.index(marker) :] if marker in current else ""
    results.write_text(text + ("\n" + kept if kept else ""), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 rounds instead of 5")
    parser.add_argument("--repeat", type=int, help="rounds (default 5, --quick 3)")
    parser.add_argument("--modules", type=int, default=100, help="N for the side-by-side run")
    parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="work folder")
    parser.add_argument("--semgrep-rules", type=Path, default=DEFAULT_RULES)
    parser.add_argument("--no-peers", action="store_true", help="mixlint only")
    parser.add_argument("--no-bandit", action="store_true", help="skip bandit (slow)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling curve")
    parser.add_argument("--write-results", action="store_true", help=f"write {HERE / 'RESULTS.md'}")
    args = parser.parse_args(argv)
    repeat = args.repeat or (3 if args.quick else 5)
    args.work.mkdir(parents=True, exist_ok=True)
    bins = None if args.no_peers else peers_venv(args.work)
    if bins is not None and not args.semgrep_rules.is_file():
        parser.error(f"semgrep rules not found: {args.semgrep_rules} (use --semgrep-rules)")
    versions = {"mixlint": version_of(mixlint_command()).replace("mixlint ", "")}
    if bins is not None:
        versions["semgrep"] = version_of([str(bins / "semgrep")])
        versions["bandit"] = version_of([str(bins / "bandit")]).replace("bandit ", "")
    tree = make_tree(args.work, args.modules, 1)
    print(f"side by side on {tree} ({repeat} rounds)", flush=True)
    compared = compare(tree, repeat, args.semgrep_rules, bins, not args.no_bandit)
    curve = None
    if not args.no_scaling:
        print(f"scaling ({repeat} rounds)", flush=True)
        curve = scaling(args.work, repeat)
    text = report(compared, tree, args.modules, repeat, curve, versions, args.quick)
    print(text)
    if args.write_results:
        write_results(text)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"(children CPU: {usage.ru_utime + usage.ru_stime:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
