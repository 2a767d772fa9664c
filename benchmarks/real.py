#!/usr/bin/env python3
"""mixlint's speed on real projects, side by side with semgrep and the peer rules.

    python benchmarks/real.py clone --into DIR     # git clone each repository at its commit
    python benchmarks/real.py extract --git-dir G --into DIR/owner+name
                                                  # or extract one snapshot, file by file
    python benchmarks/real.py run --repos DIR      # measure (add --write-results)

The repositories and their pinned commits are listed in ``real-repos.toml`` (only
the list is committed, never their code). ``run`` expects each one in
``DIR/<owner>+<name>``. Per repository, in one interleaved run (each round runs
every measurement of every repository once, in turn), it times: mixlint with a cold
cache, mixlint again (warm), a pre-commit run on 5 changed files that reach
tracking, and semgrep with ``../shared/peers/semgrep-mixpanel.yml``. It reports
medians, the peak RSS of each process tree, and how many files the prefilter let
through and how many were parsed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from bench import (
    DEFAULT_RULES,
    DEFAULT_WORK,
    ENV,
    HERE,
    PRECOMMIT_FILES,
    Sample,
    clear_cache,
    machine,
    measure,
    mixlint_command,
    peers_venv,
    semgrep_command,
    version_of,
)

REPOS_FILE = HERE / "real-repos.toml"
RESULTS = HERE / "RESULTS.md"
SECTION_START = "<!-- real-code benchmark: written by benchmarks/real.py -->"
COMMIT_MARKER = ".mixlint-bench-commit"  # written by `extract`: the commit the files came from
EDIT_PREFIX = "# mixlint-bench edit "
TARGETS = {"cold_vs_semgrep": 0.5, "warm_s": 0.5, "precommit_s": 0.8, "rss_mb": 400.0}


@dataclass(frozen=True)
class Repo:
    name: str
    commit: str
    shape: str
    why: str

    @property
    def folder_name(self) -> str:
        return self.name.replace("/", "+")


def load_repos(path: Path = REPOS_FILE) -> list[Repo]:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return [Repo(r["name"], r["commit"], r["shape"], r["why"]) for r in data["repo"]]


# -- getting the code -------------------------------------------------------------------


def clone(repos: Sequence[Repo], into: Path) -> None:
    """``git clone`` each repository and check out its pinned commit (needs GitHub)."""
    into.mkdir(parents=True, exist_ok=True)
    for repo in repos:
        target = into / repo.folder_name
        if not target.exists():
            url = f"https://github.com/{repo.name}.git"
            subprocess.run(["git", "clone", "--filter=blob:none", url, str(target)], check=True)
        subprocess.run(["git", "-C", str(target), "checkout", "-q", repo.commit], check=True)


def extract(git_dir: Path, into: Path) -> tuple[int, int]:
    """Every blob of HEAD into ``into``, file by file: a snapshot may lack a few blobs
    (large or LFS files), which ``git archive`` would stop at. Returns (written, missing)."""
    listing = subprocess.run(
        ["git", "--git-dir", str(git_dir), "ls-tree", "-r", "-z", "HEAD"],
        capture_output=True,
        check=True,
    ).stdout
    blobs: list[tuple[str, str]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, path = record.split(b"\t", 1)
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):
            blobs.append((sha.decode(), os.fsdecode(path)))
    reader = subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert reader.stdin is not None and reader.stdout is not None
    written = missing = 0
    for sha, path in blobs:
        reader.stdin.write(sha.encode() + b"\n")
        reader.stdin.flush()
        header = reader.stdout.readline().split()
        if header[-1] == b"missing":
            missing += 1
            continue
        data = reader.stdout.read(int(header[2]))
        reader.stdout.read(1)  # the newline after each object
        destination = into / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(data)
        written += 1
    reader.stdin.close()
    reader.wait()
    head = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", "HEAD"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (into / COMMIT_MARKER).write_text(head + "\n", encoding="utf-8")
    return written, missing


def checked_out_commit(tree: Path) -> str | None:
    marker = tree / COMMIT_MARKER
    if marker.is_file():
        return marker.read_text(encoding="utf-8").strip()
    done = subprocess.run(
        ["git", "-C", str(tree), "rev-parse", "HEAD"], capture_output=True, text=True, check=False
    )
    return done.stdout.strip() if done.returncode == 0 else None


# -- the measurements -------------------------------------------------------------------


def python_files(tree: Path) -> tuple[int, int]:
    files = [p for p in tree.rglob("*.py") if ".mixlint_cache" not in p.parts and p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def tracking_files(tree: Path, count: int) -> list[Path]:
    """The ``count`` files with the most tracking calls (the inventory's), outside tests
    where there are enough: what a commit that touches tracking code changes."""
    done = subprocess.run(
        [*mixlint_command(), "inventory", ".", "--format", "json"],
        cwd=tree,
        capture_output=True,
        text=True,
        env=ENV,
        check=False,
    )
    calls = json.loads(done.stdout)["calls"] if done.stdout.strip() else []
    per_file = Counter(call["path"] for call in calls)
    ranked = sorted(per_file, key=lambda path: (_is_test(path), -per_file[path], path))
    return [tree / path for path in ranked[:count]]


def _is_test(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(part in ("test", "tests") for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def edit(paths: Sequence[Path], round_number: int) -> None:
    """Change each file as a commit would: one comment line at the end."""
    for path in paths:
        restore([path])
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{EDIT_PREFIX}{round_number}\n")


def restore(paths: Sequence[Path]) -> None:
    for path in paths:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        kept = [line for line in lines if not line.startswith(EDIT_PREFIX)]
        if len(kept) != len(lines):
            path.write_text("".join(kept), encoding="utf-8")


def run_statistics(tree: Path, names: Sequence[str] = ()) -> dict[str, int]:
    """What the prefilter let through and what was parsed, read from a run's statistics
    (a separate, untimed run: ``names`` for a pre-commit run on a warm cache)."""
    code = (
        "import json, sys\n"
        "from mixlint.cli import main\n"
        "try:\n"
        "    main(sys.argv[1:], standalone_mode=False)\n"
        "except SystemExit:\n"
        "    pass\n"
        "from mixlint.run.options import LAST_STATS as s\n"
        "print(json.dumps({'files': s.files, 'let_through': s.files - s.skipped,"
        " 'parsed': s.parsed, 'rounds': s.rounds}))\n"
    )
    arguments = ["check", *(names or ["."]), "--format", "json", "--exit-zero", "-o", os.devnull]
    done = subprocess.run(
        [sys.executable, "-c", code, *arguments],
        cwd=tree,
        capture_output=True,
        text=True,
        env=ENV,
        check=True,
    )
    result: dict[str, int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass
class Measured:
    repo: Repo
    tree: Path
    files: int
    size: int
    changed: list[Path]
    cold: Sample
    warm: Sample
    precommit: Sample
    semgrep: Sample
    stats: dict[str, int]
    precommit_stats: dict[str, int]


def compare(
    repos: Sequence[Repo], folder: Path, repeat: int, rules: Path, bins: Path
) -> list[Measured]:
    mixlint = mixlint_command()
    check = [*mixlint, "check", ".", "--format", "json", "--exit-zero"]
    trees = [folder / repo.folder_name for repo in repos]
    # A checkout has its .git at the top: without one, a run on files with no project
    # marker above them (kiteco's airflow/ DAGs) would take their own folder for the
    # project. Trees extracted from snapshots get the marker for the run.
    markers = [tree / ".git" for tree in trees if not (tree / ".git").exists()]
    for marker in markers:
        marker.mkdir()
    runs: list[Measured] = []
    try:
        for repo, tree in zip(repos, trees, strict=True):
            files, size = python_files(tree)
            changed = tracking_files(tree, PRECOMMIT_FILES)
            runs.append(
                Measured(
                    repo, tree, files, size, changed, Sample(), Sample(), Sample(), Sample(), {}, {}
                )
            )
        for run in runs:  # warm-up: byte-code caches, the OS file cache
            subprocess.run(check, cwd=run.tree, env=ENV, capture_output=True, check=False)
        for round_number in range(repeat):
            print(f"  round {round_number + 1}/{repeat}", flush=True)
            for run in runs:
                clear_cache(run.tree)
                measure(check, run.tree, run.cold)
                measure(check, run.tree, run.warm)
                names = [str(path.relative_to(run.tree)) for path in run.changed]
                precommit = [*mixlint, "check", "--format", "json", "--exit-zero", *names]
                # The hook ran at the last commit too: its project (the nearest marker
                # above the first file, backend/setup.py in deepchecks) has its cache.
                subprocess.run(precommit, cwd=run.tree, env=ENV, capture_output=True, check=False)
                edit(run.changed, round_number)
                measure(precommit, run.tree, run.precommit)
                measure(semgrep_command(bins, rules), run.tree, run.semgrep)
        for run in runs:
            clear_cache(run.tree)
            run.stats = run_statistics(run.tree)
            names = [str(path.relative_to(run.tree)) for path in run.changed]
            run_statistics(run.tree, names)
            edit(run.changed, repeat)
            run.precommit_stats = run_statistics(run.tree, names)
    finally:
        for run in runs:
            restore(run.changed)
            clear_cache(run.tree)
        for marker in markers:
            marker.rmdir()
    return runs


# -- the report -------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def report(runs: Sequence[Measured], repeat: int, versions: dict[str, str]) -> str:
    lines = [
        SECTION_START,
        "",
        "## Real projects",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M %Z')} on {machine()}.",
        f"Tools: {', '.join(f'{k} {v}' for k, v in versions.items())}.",
        "",
        "The repositories of `benchmarks/real-repos.toml` at their pinned commits",
        "(`python benchmarks/real.py run --repos DIR --write-results`). Medians of",
        f"{repeat} interleaved rounds; peak RSS of the process tree. *let through*: files",
        "the prefilter let through to the parser on a cold run (of all Python files);",
        "*parsed (pre-commit)*: files parsed by the pre-commit run, which names the 5",
        "files with the most tracking calls after changing them.",
        "",
        "| repository | shape | files | MB | let through | parsed (pre-commit) "
        "| mixlint cold (s) | semgrep (s) | cold / semgrep | warm (s) | pre-commit (s) "
        "| peak RSS (MB) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    misses: list[str] = []
    for run in runs:
        ratio = run.cold.median / run.semgrep.median
        rss = max(run.cold.rss_mb, run.warm.rss_mb, run.precommit.rss_mb)
        lines.append(
            f"| {run.repo.name} | {run.repo.shape} | {run.files} | {run.size / 1e6:.1f} | "
            f"{run.stats.get('let_through', '?')} | {run.precommit_stats.get('parsed', '?')} | "
            f"{run.cold.median:.2f} | {run.semgrep.median:.2f} | {ratio:.2f} | "
            f"{run.warm.median:.2f} | {run.precommit.median:.2f} | {rss:.0f} |"
        )
        checks = (
            (ratio <= TARGETS["cold_vs_semgrep"], f"cold {ratio:.2f}x semgrep"),
            (run.warm.median <= TARGETS["warm_s"], f"warm {run.warm.median:.2f} s"),
            (
                run.precommit.median <= TARGETS["precommit_s"],
                f"pre-commit {run.precommit.median:.2f} s",
            ),
            (rss <= TARGETS["rss_mb"], f"RSS {rss:.0f} MB"),
        )
        misses += [f"{run.repo.name}: {what}" for ok, what in checks if not ok]
    lines += [
        "",
        f"Targets: cold <= {TARGETS['cold_vs_semgrep']}x semgrep, warm <= {TARGETS['warm_s']} s, "
        f"pre-commit <= {TARGETS['precommit_s']} s, peak RSS <= {TARGETS['rss_mb']:.0f} MB "
        "on every repository: "
        + ("all met." if not misses else "missed: " + "; ".join(misses) + "."),
        "",
        "Changed files of the pre-commit runs:",
        "",
    ]
    for run in runs:
        names = ", ".join(f"`{path.relative_to(run.tree)}`" for path in run.changed)
        lines.append(f"- {run.repo.name}: {names or '(no tracking calls found)'}")
    return "\n".join(lines) + "\n"


def write_section(text: str, results: Path = RESULTS) -> None:
    """Replace the real-code section of RESULTS.md (everything from its marker on)."""
    current = results.read_text(encoding="utf-8") if results.exists() else ""
    head = current.split(SECTION_START, 1)[0].rstrip("\n")
    results.write_text((head + "\n\n" if head else "") + text, encoding="utf-8")


# -- the command ------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    clone_parser = commands.add_parser("clone", help="git clone every repository at its commit")
    clone_parser.add_argument("--into", type=Path, required=True)
    extract_parser = commands.add_parser("extract", help="extract one snapshot, file by file")
    extract_parser.add_argument("--git-dir", type=Path, required=True)
    extract_parser.add_argument("--into", type=Path, required=True)
    run_parser = commands.add_parser("run", help="measure")
    run_parser.add_argument("--repos", type=Path, required=True, help="folder of the checkouts")
    run_parser.add_argument("--repeat", type=int, default=5, help="rounds (default 5)")
    run_parser.add_argument("--only", action="append", help="owner/name (repeatable)")
    run_parser.add_argument("--work", type=Path, default=DEFAULT_WORK, help="peers' venv folder")
    run_parser.add_argument("--semgrep-rules", type=Path, default=DEFAULT_RULES)
    run_parser.add_argument("--write-results", action="store_true", help=f"update {RESULTS}")
    args = parser.parse_args(argv)
    repos = load_repos()
    if args.command == "clone":
        clone(repos, args.into)
        return 0
    if args.command == "extract":
        args.into.mkdir(parents=True, exist_ok=True)
        written, missing = extract(args.git_dir, args.into)
        print(f"{args.into}: {written} files written, {missing} missing from the snapshot")
        return 0
    if args.only:
        unknown = set(args.only) - {repo.name for repo in repos}
        if unknown:
            parser.error(f"not in {REPOS_FILE.name}: {', '.join(sorted(unknown))}")
        repos = [repo for repo in repos if repo.name in args.only]
    for repo in repos:
        tree = args.repos / repo.folder_name
        commit = checked_out_commit(tree) if tree.is_dir() else None
        if commit != repo.commit:
            parser.error(f"{tree}: expected {repo.name} at {repo.commit}, found {commit}")
    if not args.semgrep_rules.is_file():
        parser.error(f"semgrep rules not found: {args.semgrep_rules} (use --semgrep-rules)")
    args.work.mkdir(parents=True, exist_ok=True)
    bins = peers_venv(args.work)
    versions = {
        "mixlint": version_of(mixlint_command()).replace("mixlint ", ""),
        "semgrep": version_of([str(bins / "semgrep")]),
    }
    print(f"{len(repos)} repositories, {args.repeat} rounds", flush=True)
    runs = compare(repos, args.repos, args.repeat, args.semgrep_rules, bins)
    text = report(runs, args.repeat, versions)
    print(text)
    if args.write_results:
        write_section(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
