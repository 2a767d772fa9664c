"""The rule registry: every module in this package defines one ``Rule`` subclass."""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from mixlint.checks.base import Rule


@cache
def all_rules() -> tuple[type[Rule], ...]:
    """Every rule class, sorted by ID."""
    found: list[type[Rule]] = []
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, Rule)
                and value is not Rule
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return tuple(sorted(found, key=lambda rule: rule.id))


def rule_by_id(rule_id: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.id == rule_id.upper() or rule.name == rule_id:
            return rule
    return None
