"""Shared pytest configuration."""

from __future__ import annotations

import pytest

from tests.opt_in import LONG


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "needs_shared: uses the development tools in ../shared (a no-op where they are absent)",
    )
    config.addinivalue_line(
        "markers", "long: a huge input or a long run, deselected unless MIXLINT_LONG_TESTS=1"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if LONG:
        return
    long = [item for item in items if item.get_closest_marker("long")]
    if long:
        config.hook.pytest_deselected(items=long)
        items[:] = [item for item in items if not item.get_closest_marker("long")]
