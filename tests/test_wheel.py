"""The built wheel works on its own: rules data is found inside the installed package."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

REPO = Path(__file__).parent.parent


_BUILT_OR_CACHED = shutil.ignore_patterns(
    ".git", "*.egg-info", "build", "dist", ".mixlint_cache", "__pycache__", ".*_cache"
)


def not_sources(folder: str, names: list[str]) -> set[str]:
    """What a copy of the checkout leaves out: build output, caches and virtual
    environments (the README makes `.venv` in the checkout: hundreds of MB)."""
    environments = {
        name for name in names if os.path.isfile(os.path.join(folder, name, "pyvenv.cfg"))
    }
    return set(_BUILT_OR_CACHED(folder, names)) | environments


def site_folders() -> list[str]:
    """Where the running interpreter finds installed packages: its site-packages (a
    virtual environment's own, and the base's when it includes them) and the user's."""
    folders = site.getsitepackages()
    if site.ENABLE_USER_SITE:
        folders.append(site.getusersitepackages())
    return [folder for folder in folders if os.path.isdir(folder)]


def test_wheel_installs_and_runs_from_a_fresh_environment(tmp_path: Path) -> None:
    source = tmp_path / "src"
    # Build from a copy so that the build never writes into the checkout.
    shutil.copytree(REPO, source, ignore=not_sources)
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
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    # mixlint only from the wheel; its dependencies from the running interpreter, which
    # has them installed (`pip install '.[test]'`): in a virtual environment, its own
    # site-packages, which the new environment's `system_site_packages` (the base
    # interpreter's) would miss. The lines of a .pth file come after the environment's
    # own site-packages on sys.path, so a mixlint installed there too never wins.
    own_site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(own_site) / "running_interpreter.pth").write_text(
        "".join(f"{folder}\n" for folder in site_folders()), encoding="utf-8"
    )
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
