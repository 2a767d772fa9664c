"""Fixes as data: the changes rules attach to their findings.

Nothing here parses code: a change names the node it applies to by the exact span the
model recorded for it, and the code it writes there (``mixlint.fix.codemod`` does it).

Code a fix writes from the configuration (a pseudonymiser, the pseudonymisation key, a
consent predicate) must reach every name it uses where it goes. ``Names`` decides: a
name bound there (a builtin, a module-level name, a parameter of an enclosing function,
a local the call itself reads) is used as it is; the first name of a ``"module:code"``
entry is imported from that module; a function defined once in the project is imported
from its module. A name none of these reach makes no fix: mixlint never guesses.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from mixlint.config import Config, code_reference
from mixlint.model import (
    Applicability,
    Change,
    ChangeKind,
    Fix,
    Import,
    ModuleSummary,
    ProjectModel,
    Property,
    Span,
)

# In the code of a REPLACE change: the code of the node at the change's ``inner`` span.
VALUE = "\ue000"

_BUILTINS = frozenset(dir(builtins))
_DOTTED = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
HMAC = Import("hmac")
HASHLIB = Import("hashlib")


def fix(description: str, applicability: Applicability, changes: Iterable[Change]) -> Fix | None:
    """The fix made of ``changes``; None when there are none."""
    made = tuple(changes)
    return Fix(description, applicability, made) if made else None


def drop_property(path: str, prop: Property) -> Change:
    """Remove a property where it is written: its dict entry, its keyword argument
    (``dict(email=...)``, a wrapper's ``**properties``) or its ``props["email"] = ...``."""
    return Change(ChangeKind.REMOVE_ENTRY, path, prop.value.span, key=prop.key, inner=prop.key_span)


def remove_argument(path: str, value: Span, keyword: str | None) -> Change:
    """Remove the argument whose value is at ``value`` (keyword ``keyword``, or positional)."""
    return Change(ChangeKind.REMOVE_ENTRY, path, value, key=keyword)


def replace(
    path: str, span: Span, code: str, inner: Span | None = None, imports: Iterable[Import] = ()
) -> Change:
    """The expression at ``span`` becomes ``code`` (``VALUE`` in it: the code at ``inner``)."""
    return Change(ChangeKind.REPLACE, path, span, code, inner=inner, imports=tuple(imports))


def add_argument(
    path: str, call: Span, keyword: str, code: str, imports: Iterable[Import] = ()
) -> Change:
    return Change(ChangeKind.ADD_ARGUMENT, path, call, code, key=keyword, imports=tuple(imports))


def edit_string(path: str, span: Span, old: str, new: str) -> Change:
    """In the string literal at ``span`` (an f-string: its literal text), ``old`` -> ``new``."""
    return Change(ChangeKind.EDIT_STRING, path, span, new, key=old)


def edit_comment(path: str, span: Span, text: str) -> Change:
    """The comment text at ``span`` becomes ``text``; ``""`` removes it."""
    return Change(ChangeKind.EDIT_COMMENT, path, span, text)


def guard(path: str, call: Span, condition: str, imports: Iterable[Import] = ()) -> Change:
    """The statement that is the call at ``call`` runs only under ``if condition:``."""
    return Change(ChangeKind.GUARD, path, call, condition, imports=tuple(imports))


@dataclass(frozen=True, slots=True)
class Snippet:
    """Code a fix writes, and the imports it needs where it goes."""

    code: str
    imports: tuple[Import, ...] = ()


class Names:
    """The names code inserted at one place of the project can use."""

    def __init__(
        self, project: ProjectModel, path: str, function: str = "", local: Collection[str] = ()
    ) -> None:
        self.project = project
        self.module: ModuleSummary | None = project.modules.get(path)
        self.local = set(local)
        qualname = function.partition("::")[2]
        if self.module is not None and qualname and qualname != "<module>":
            # A nested function sees the parameters of the functions around it.
            parts = qualname.split(".")
            for end in range(1, len(parts) + 1):
                enclosing = self.module.functions.get(".".join(parts[:end]))
                if enclosing is not None:
                    self.local.update(param.name for param in enclosing.params)

    def bound(self, name: str) -> bool:
        return (
            name in self.local
            or name in _BUILTINS
            or (self.module is not None and name in self.module.globals)
        )

    def snippet(self, reference: str) -> Snippet | None:
        """A configured expression (``"code"`` or ``"module:code"``) written here."""
        parsed = code_reference(reference)
        if parsed is None:
            return None
        module, code = parsed
        tree = ast.parse(code, mode="eval")
        roots = list(dict.fromkeys(_loaded_names(tree)))
        imports: list[Import] = []
        for position, name in enumerate(roots):
            if self.bound(name):
                continue
            if module is not None and position == 0:
                imports.append(Import(module, name))
                continue
            defined = self.defined_once(name)
            if defined is None:
                return None
            imports.append(Import(defined, name))
        return Snippet(code, tuple(imports))

    def function(self, entry: str) -> Snippet | None:
        """A function named in the configuration (``make_token``, ``app.privacy.make_token``)."""
        if not _DOTTED.fullmatch(entry):
            return None  # a pattern, not a name
        module, _, name = entry.rpartition(".")
        if module and self.bound(entry.split(".", 1)[0]):
            return Snippet(entry)  # ``privacy.make_token`` with ``privacy`` imported here
        return self.snippet(f"{module}:{name}" if module else name)

    def defined_once(self, name: str) -> str | None:
        """The module of the one top-level function ``name`` in the project, if any."""
        modules = [
            summary.module
            for summary in self.project.modules.values()
            if name in summary.functions and summary.module
        ]
        return modules[0] if len(modules) == 1 else None


def _loaded_names(tree: ast.AST) -> Iterable[str]:
    """Names an expression reads, in order (lambda and comprehension variables excluded)."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    names = [node for node in ast.walk(tree) if isinstance(node, ast.Name)]
    names.sort(key=lambda node: (node.lineno, node.col_offset))
    return [node.id for node in names if isinstance(node.ctx, ast.Load) and node.id not in bound]


def configured_pseudonymiser(names: Names, config: Config) -> Snippet | None:
    """``pseudonymise(VALUE)`` with the first configured pseudonymiser the place can reach."""
    for entry in config.pseudonymizers:
        found = names.function(entry)
        if found is not None:
            return Snippet(f"{found.code}({VALUE})", found.imports)
    return None


def pseudonymiser(names: Names, config: Config) -> Snippet | None:
    """A call that makes ``VALUE`` pseudonymous: the configured pseudonymiser, else a keyed
    hash with the configured key."""
    configured = configured_pseudonymiser(names, config)
    if configured is not None:
        return configured
    digest = keyed_digest(names, config)
    if digest is None:
        return None
    return Snippet(digest.code.replace(VALUE, f"{VALUE}.encode()") + ".hexdigest()", digest.imports)


def keyed_digest(names: Names, config: Config) -> Snippet | None:
    """``hmac.new(<key>, VALUE, hashlib.sha256)``: a digest of the bytes ``VALUE`` with the
    configured key; None without one (or when the key's names cannot be reached)."""
    if config.pseudonymisation_key is None:
        return None
    key = names.snippet(config.pseudonymisation_key)
    if key is None:
        return None
    return Snippet(f"hmac.new({key.code}, {VALUE}, hashlib.sha256)", (*key.imports, HMAC, HASHLIB))


DROP_AUTOFIX = (
    "Drops the property where it is written: its dict entry, its keyword argument "
    '(`dict(...)`, a wrapper\'s `**properties`) or its `props["key"] = ...` statement. '
    "Unsafe: the event no longer carries the value, so reports built on it change; sending "
    "a derived value instead is a decision the fix cannot make."
)


def drop(path: str, prop: Property | None) -> Fix | None:
    """MX101, MX102, MX104: drop the property (unsafe: it changes what is sent); None
    when the property is not written where the finding is (a wrapper wrote its key)."""
    if prop is None:
        return None
    what = f"'{prop.key}'" if prop.key is not None else "with the computed key"
    return Fix(f"Drop the property {what}", Applicability.UNSAFE, (drop_property(path, prop),))
