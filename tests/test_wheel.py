"""The built wheel works on its own: rules data is found inside the installed package."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).parent.parent


def test_wheel_installs_and_runs_from_a_fresh_environment(tmp_path: Path) -> None:
    source = tmp_path / "src"
    # Build from a copy so that the build never writes into the checkout.
    shutil.copytree(
        REPO,
        source,
        ignore=shutil.ignore_patterns(
            ".git", "*.egg-info", "build", "dist", ".mixlint_cache", "__pycache__", ".*_cache"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    wheel = next((tmp_path / "dist").glob("mixlint-*.whl"))
    environment = tmp_path / "venv"
    # The dependencies come from the running interpreter; mixlint itself only from the wheel.
    venv.create(environment, with_pip=True, system_site_packages=True)
    python = environment / "bin" / "python"
    subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-index",
            "--force-reinstall",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    example = tmp_path / "shop"
    shutil.copytree(REPO / "examples" / "shop", example)
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()

    where = subprocess.run(
        [str(python), "-c", "import mixlint.resources as r; print(r.data_dir())"],
        cwd=workdir,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where).is_relative_to(environment), where
    assert (Path(where) / "sdk" / "mixpanel.yaml").is_file()

    mixlint = environment / "bin" / "mixlint"
    checked = subprocess.run(
        [str(mixlint), "check", str(example), "--format", "json"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 1, checked.stderr
    report = json.loads(checked.stdout)
    rules = {finding["rule"] for finding in report["findings"]}
    assert {"MX001", "MX101", "MX201"} <= rules

    inventory = subprocess.run(
        [str(mixlint), "inventory", str(example), "--format", "json"],
        cwd=workdir,
        capture_output=True,
        text=True,
    )
    assert inventory.returncode == 0, inventory.stderr
    calls = json.loads(inventory.stdout)["calls"]
    assert len(calls) >= 10
