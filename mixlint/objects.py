"""Whole objects sent as payloads: which project class an object is, and its fields.

``asdict(info)``, ``info.model_dump()``, ``vars(order)`` and ``model_to_dict(user)``
send every field of an object. When the object's class is a dataclass, a pydantic
model, an attrs class or a Django model of the project, its fields are the names
its class body declares (and those of its project base classes), so they can be
judged like the keys of a dict written out in the call.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from mixlint.extract import flowing_params
from mixlint.model import ClassField, ClassSummary, Expr, ExprKind, ModuleSummary, Span
from mixlint.resolve import ProjectIndex, Sym, SymKind, alternatives, bind_arguments

MAX_DEPTH = 12

_DATACLASS_DECORATORS = frozenset({"dataclasses.dataclass", "pydantic.dataclasses.dataclass"})
_ATTRS_DECORATORS = frozenset(
    f"{package}.{name}"
    for package in ("attr", "attrs")
    for name in ("s", "attrs", "define", "frozen", "mutable")
)
_ATTRS_FIELDS = frozenset({"ib", "attrib", "field"})
_PYDANTIC_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic.main.BaseModel",
        "pydantic.v1.BaseModel",
        "pydantic_settings.BaseSettings",
        "sqlmodel.SQLModel",
    }
)
_DJANGO_BASES = frozenset(
    {
        "django.db.models.Model",
        "django.db.models.base.Model",
        "django.contrib.auth.models.AbstractUser",
        "django.contrib.auth.models.AbstractBaseUser",
        "django.contrib.auth.base_user.AbstractBaseUser",
    }
)
_DJANGO_RELATIONS = frozenset({"ForeignKey", "OneToOneField", "ManyToManyField"})
# Manager methods that return one instance: User.objects.get(pk=...).
_INSTANCE_METHODS = frozenset(
    {"get", "create", "first", "last", "latest", "earliest", "get_or_create", "update_or_create"}
)
# ``ClassVar[str]``, ``t.ClassVar[str]``, ``typing.ClassVar``, ``dataclasses.InitVar``
_NOT_FIELDS = frozenset({"ClassVar", "InitVar"})


@dataclass(frozen=True, slots=True)
class SentClass:
    """The project class of an object sent whole, and the names of the fields it sends."""

    name: str  # "UserInfo"; "SignupEvent or LoginEvent" when it is one of several
    kind: str  # "dataclass", "pydantic model", "attrs class", "Django model"
    path: str
    span: Span
    fields: tuple[str, ...]
    owners: tuple[str, ...]  # per field, the class that declares it ("UserEvent")


def sent_class(
    subject: Expr, module: ModuleSummary, index: ProjectIndex, call: Expr | None = None
) -> SentClass | None:
    """The class of ``subject`` (the ``x`` of ``asdict(x)``) when its fields are known,
    or the classes it may be, with all their fields; ``call``, the call that dumps it,
    may select fields (``model_dump(include={...})``)."""
    found = [
        sent
        for sym in _instance_classes(subject, module, index)
        if (sent := _sent(sym, index, call)) is not None
    ]
    if not found:
        return None
    first = found[0]
    declared = {
        name: owner for sent in found for name, owner in zip(sent.fields, sent.owners, strict=True)
    }
    return SentClass(
        " or ".join(dict.fromkeys(sent.name for sent in found)),
        first.kind,
        first.path,
        first.span,
        tuple(declared),
        tuple(declared.values()),
    )


def _sent(sym: Sym, index: ProjectIndex, call: Expr | None) -> SentClass | None:
    owner = index.summaries.get(sym.module)
    summary = owner.classes.get(sym.name) if owner is not None else None
    if owner is None or summary is None:
        return None
    kind = _kind(sym, summary, owner, index, 0)
    if kind is None:
        return None
    declared = _fields(sym, index, frozenset(), 0)
    names = _selected(tuple(name for name, _ in declared), call)
    if names is None:
        return None
    owners = dict(declared)
    return SentClass(
        sym.name.rsplit(".", 1)[-1],
        kind,
        owner.path,
        summary.span,
        names,
        tuple(owners[name] for name in names),
    )


def factory_inputs(
    call: Expr, module: ModuleSummary, index: ProjectIndex
) -> tuple[tuple[str, Expr], ...]:
    """The fields a project factory fills from the arguments of ``call``, each with the
    argument: ``SignedIn.create(method="sso", user=u)`` where ``create`` returns
    ``cls(method=method, ...)`` -> (("method", '"sso"'),). ``**`` dicts of the call count as
    the keywords they hold."""
    given = _spread(call)
    found: dict[tuple[str, int], tuple[str, Expr]] = {}
    for sym in alternatives(index.symbol(call.base, module)):
        located = index.function(sym)
        if located is None:
            continue
        function, _ = located
        mapping = bind_arguments(function, given)
        for returned in function.returns:
            made = _follow(returned)
            if made.kind is not ExprKind.CALL:
                continue
            for field, value in made.keywords:
                if field is None:
                    continue
                for name in flowing_params(value, frozenset(mapping)):
                    found.setdefault((field, id(mapping[name])), (field, mapping[name]))
    return tuple(found.values())


def _spread(call: Expr) -> Expr:
    """``call`` with the keywords of its ``**`` dict displays written out."""
    keywords: list[tuple[str | None, Expr]] = []
    pending = list(call.keywords)
    for _ in range(MAX_DEPTH * 4):
        if not pending:
            break
        name, value = pending.pop(0)
        held = _follow(value) if name is None else None
        if held is None or held.kind is not ExprKind.DICT:
            keywords.append((name, value))
            continue
        for key, item in held.items:
            if key is None:
                pending.append((None, item))
            elif key.kind is ExprKind.CONST and isinstance(key.value, str):
                pending.append((key.value, item))
    return replace(call, keywords=tuple(keywords))


def _selected(fields: tuple[str, ...], call: Expr | None) -> tuple[str, ...] | None:
    """The fields a pydantic dump keeps with ``include=`` / ``exclude=`` (None: unknown)."""
    if call is None or call.kind is not ExprKind.CALL:
        return fields
    for keyword, keep in (("include", True), ("exclude", False)):
        value = call.keyword(keyword)
        if value is None:
            continue
        names = _literal_names(value)
        if names is None:
            return None
        fields = tuple(name for name in fields if (name in names) is keep)
    return fields


def _literal_names(expr: Expr) -> set[str] | None:
    """``{"name", "email"}`` or ``{"name": True}``: the names; None when not literal."""
    target = _follow(expr)
    if target.kind is ExprKind.SEQ:
        keys = target.args
    elif target.kind is ExprKind.DICT:
        keys = tuple(key for key, _ in target.items if key is not None)
    else:
        return None
    if not all(key.kind is ExprKind.CONST and isinstance(key.value, str) for key in keys):
        return None
    return {str(key.value) for key in keys}


def _instance_classes(subject: Expr, module: ModuleSummary, index: ProjectIndex) -> Iterator[Sym]:
    """The classes ``subject`` may be an instance of (``Event = A if x else B; Event(...)``)."""
    objects = list(alternatives(index.symbol(subject, module)))
    if objects and all(sym.kind is SymKind.OBJECT for sym in objects):
        for sym in objects:
            yield Sym(SymKind.CLASS, sym.name, sym.module)
        return
    found = _instance_class(subject, module, index)
    if found is not None:
        yield found


def _instance_class(subject: Expr, module: ModuleSummary, index: ProjectIndex) -> Sym | None:
    """The class a project factory or a model manager's query makes ``subject`` of."""
    target = _follow(subject)
    if target.kind is not ExprKind.CALL or target.base is None:
        return None
    callee = target.base
    made = _made_by(target, module, index)
    if made is not None:
        return made
    chain = callee.chain()
    if chain and chain[-1] == "get_object_or_404" and target.args:
        model = index.symbol(target.args[0], module)
        return model if model.kind is SymKind.CLASS else None
    # Model.objects.get(...), Model.objects.filter(...).first()
    if callee.kind is not ExprKind.ATTR or callee.value not in _INSTANCE_METHODS:
        return None
    node: Expr | None = callee.base
    for _ in range(MAX_DEPTH):
        if node is None:
            return None
        if node.kind is ExprKind.ATTR and node.value == "objects":
            model = index.symbol(node.base, module)
            return model if model.kind is SymKind.CLASS else None
        node = node.base
    return None


def _made_by(call: Expr, module: ModuleSummary, index: ProjectIndex) -> Sym | None:
    """The class a project factory returns: by its return annotation, or a classmethod
    returning ``cls(...)`` (``UserInfo.load(client)``)."""
    found = index.function(index.symbol(call.base, module))
    if found is None:
        return None
    function, owner = found
    annotated = index.annotated(function.return_annotation, owner, 0)
    if annotated.kind is SymKind.OBJECT:
        return Sym(SymKind.CLASS, annotated.name, annotated.module)
    for returned in function.returns:
        base = returned.base if returned.kind is ExprKind.CALL else None
        annotation = base.origin.annotation if base is not None and base.origin else None
        if annotation and annotation.startswith("<self>"):
            return Sym(SymKind.CLASS, annotation[len("<self>") :], owner.path)
    return None


def _follow(expr: Expr) -> Expr:
    for _ in range(MAX_DEPTH):
        if expr.kind is not ExprKind.NAME or expr.origin is None:
            break
        expr = expr.origin
    return expr


def _kind(
    sym: Sym, summary: ClassSummary, owner: ModuleSummary, index: ProjectIndex, depth: int
) -> str | None:
    for decorator in summary.decorators:
        target = decorator.base if decorator.kind is ExprKind.CALL else decorator
        name = index.symbol(target, owner).name
        if name in _DATACLASS_DECORATORS:
            return "dataclass"
        if name in _ATTRS_DECORATORS:
            return "attrs class"
    bases = set(index.external_bases(sym, 0))
    if bases & _PYDANTIC_BASES:
        return "pydantic model"
    if bases & _DJANGO_BASES:
        return "Django model"
    if depth < MAX_DEPTH:
        # A dataclass or attrs class derived from another keeps its kind.
        for base in owner.class_bases.get(sym.name, ()):
            base_sym = index.symbol(base, owner)
            base_module = index.summaries.get(base_sym.module)
            if base_sym.kind is SymKind.CLASS and base_module is not None:
                base_summary = base_module.classes.get(base_sym.name)
                if base_summary is not None:
                    kind = _kind(base_sym, base_summary, base_module, index, depth + 1)
                    if kind is not None:
                        return kind
    return None


def _fields(
    sym: Sym, index: ProjectIndex, seen: frozenset[str], depth: int
) -> tuple[tuple[str, str], ...]:
    """Field names of a class, each with the class declaring it, its project base classes'
    first (as the libraries order them)."""
    owner = index.summaries.get(sym.module)
    summary = owner.classes.get(sym.name) if owner is not None else None
    if owner is None or summary is None or sym.name in seen or depth > MAX_DEPTH:
        return ()
    declared: dict[str, str] = {}
    for base in owner.class_bases.get(sym.name, ()):
        base_sym = index.symbol(base, owner)
        if base_sym.kind is SymKind.CLASS:
            declared.update(_fields(base_sym, index, seen | {sym.name}, depth + 1))
    for field in summary.fields:
        if _is_field(field) and field.name not in declared:
            declared[field.name] = sym.name.rsplit(".", 1)[-1]
    return tuple(declared.items())


def _is_field(field: ClassField) -> bool:
    """An annotated name (dataclass, attrs, pydantic) that is not a ClassVar, or a name bound
    to a Django field or an attrs ``attr.ib()``."""
    if field.name.startswith("__") or field.name == "Meta":
        return False
    if field.annotation is not None:
        return field.annotation.split("|", 1)[0].rsplit(".", 1)[-1] not in _NOT_FIELDS
    value = field.value
    if value is None or value.kind is not ExprKind.CALL or value.base is None:
        return False
    chain = value.base.chain()
    last = chain[-1] if chain else ""
    if last.endswith("Field") or last in _DJANGO_RELATIONS:
        return True
    return last in _ATTRS_FIELDS and len(chain) == 2 and chain[0] in ("attr", "attrs")


__all__ = ["SentClass", "factory_inputs", "sent_class"]
