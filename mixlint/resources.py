"""Where mixlint's data files (vocabularies, SDK descriptions) are found at run time."""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

import yaml

try:  # libyaml parses the data files about eight times faster
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


def data_dir() -> Path:
    """The data directory: ``mixlint/data`` in an installed wheel, ``rules/`` in a checkout.

    The wheel build copies the repository's ``rules/`` directory to
    ``mixlint/data`` (see ``force-include`` in pyproject.toml), so both layouts
    hold the same files.
    """
    installed = importlib.resources.files("mixlint") / "data"
    if installed.is_dir():
        return Path(str(installed))
    return Path(__file__).resolve().parent.parent / "rules"


def load_data(path: Path) -> Any:
    """One of mixlint's own YAML data files (not user configuration: that is
    ``mixlint.config``, which reports errors by line)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
