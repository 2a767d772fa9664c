"""Where mixlint's data files (vocabularies, SDK descriptions) are found at run time."""

from __future__ import annotations

import importlib.resources
from pathlib import Path


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
