"""The plain-data model that flows between the pipeline's steps.

Everything here is immutable, picklable and free of libcst objects, so that a
module's summary can cross process boundaries and be cached, and rules and
reporters can work without ever touching a syntax tree.

Flow: ``collect`` turns one parsed file into a ``ModuleSummary`` (expressions as
``Expr`` trees, calls as ``CallSite``); ``resolve`` and ``extract`` turn all
summaries into a ``ProjectModel`` of ``TrackingCall`` and ``SdkObject``; rules
turn that into ``Finding``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Literal

from mixlint.modules import ModuleFinder, UnresolvedImport


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A source range: 1-based lines, 1-based columns (end column exclusive)."""

    start_line: int
    start_col: int
    end_line: int
    end_col: int

    def contains(self, other: Span) -> bool:
        return (self.start_line, self.start_col) <= (other.start_line, other.start_col) and (
            other.end_line,
            other.end_col,
        ) <= (self.end_line, self.end_col)


NO_SPAN = Span(0, 0, 0, 0)


def keyword_span(keyword: str, value: Span) -> Span:
    """Where ``keyword=`` stands before its value, as PEP 8 writes it (no spaces)."""
    start = value.start_col - len(keyword) - 1
    if start < 1:
        return value
    return Span(value.start_line, start, value.start_line, start + len(keyword))


class ExprKind(str, Enum):
    """What an ``Expr`` node is. The field use of each kind is listed beside it."""

    CONST = "const"  # value: str | int | float | bool | bytes | None
    NAME = "name"  # value: identifier; origin: what reaches it (local dataflow), if known
    IMPORT = "import"  # value: the imported qualified name ("mixpanel.Mixpanel")
    PARAM = "param"  # value: parameter name; annotation: qualified annotation or None
    ATTR = "attr"  # base: the object; value: attribute name
    SUBSCRIPT = "subscript"  # base: the object; args: (index,)
    CALL = "call"  # base: the callee; args: positional; keywords: (name | None for **, expr)
    DICT = "dict"  # items: (key | None for **spread, value)
    SEQ = "seq"  # list, tuple or set display; args: elements (STARRED for *x)
    STARRED = "starred"  # base: the starred expression (``*x`` in a call or display)
    FSTRING = "fstring"  # args: the interpolated expressions
    CONCAT = "concat"  # binary operation; args: (left, right); value: operator ("+", "%")
    COND = "cond"  # ``a if t else b``; args: (body, orelse); base: the test (None: any
    # one of args, as a name bound in both branches of an ``if`` holds: ``exprs.either``)
    BOOLOP = "boolop"  # value: "and" | "or"; args: the operands
    NOT = "not"  # base: the operand
    COMPARE = "compare"  # base: the left operand; value: first operator; args: comparators
    ITER = "iter"  # an element of base (loop variable, comprehension target, unpacking)
    LAMBDA = "lambda"
    OTHER = "other"  # anything mixlint does not follow (comparison, arithmetic ...)


@dataclass(frozen=True, slots=True)
class Expr:
    """An expression reduced to what the analyses follow.

    ``text`` is the expression's source code (for messages and the inventory);
    ``span`` where it stands.
    """

    kind: ExprKind
    text: str
    span: Span
    value: str | int | float | bool | bytes | None = None
    base: Expr | None = None
    args: tuple[Expr, ...] = ()
    keywords: tuple[tuple[str | None, Expr], ...] = ()
    items: tuple[tuple[Expr | None, Expr], ...] = ()
    origin: Expr | None = None
    annotation: str | None = None

    def chain(self) -> tuple[str, ...]:
        """The dotted names of an attribute/subscript/call chain, root first.

        ``request.META["REMOTE_ADDR"]`` -> ("request", "META", "REMOTE_ADDR");
        ``user.get_full_name()`` -> ("user", "get_full_name"). A constant
        subscript contributes its value; anything else ends the chain.
        """
        parts: list[str] = []
        node: Expr | None = self
        while node is not None:
            if node.kind in (ExprKind.NAME, ExprKind.PARAM):
                parts.append(str(node.value))
                break
            if node.kind is ExprKind.ATTR:
                parts.append(str(node.value))
                node = node.base
            elif node.kind is ExprKind.SUBSCRIPT:
                index = node.args[0] if node.args else None
                if index is not None and index.kind is ExprKind.CONST:
                    parts.append(str(index.value))
                node = node.base
            elif node.kind is ExprKind.CALL:
                node = node.base
            else:
                break
        return tuple(reversed(parts))

    def keyword(self, name: str) -> Expr | None:
        for key, expr in self.keywords:
            if key == name:
                return expr
        return None

    def argument(self, position: int | None, name: str | None) -> Expr | None:
        """A call's argument by keyword, else by position (stops at ``*args``)."""
        if name is not None:
            by_name = self.keyword(name)
            if by_name is not None:
                return by_name
        if position is None:
            return None
        for index, arg in enumerate(self.args):
            if arg.kind is ExprKind.STARRED:
                return None
            if index == position:
                return arg
        return None


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    kind: Literal["positional", "keyword_only", "var_positional", "var_keyword"]
    annotation: str | None = None
    has_default: bool = False
    span: Span = NO_SPAN  # the name in the ``def``: its PARAM expressions carry it too
    default: Expr | None = None


@dataclass(frozen=True, slots=True)
class CallSite:
    """One call expression inside a function, as collected from one file.

    The callee (``mp.track`` -> ATTR(base=NAME mp)) has its names resolved
    through the function's own assignments.
    """

    call: Expr
    function: str  # qualified name of the enclosing function ("<module>" at top level)
    guarded: bool  # by a consent check inside its own function
    guard_reason: str = ""
    # What exists wherever it runs (``if self.mp:``), as ``Binding.target``: guard form 7
    # when each exists only with consent (judged over the project by ``mixlint.presence``).
    present: tuple[str, ...] = ()

    @property
    def callee(self) -> Expr:
        assert self.call.base is not None
        return self.call.base


@dataclass(frozen=True, slots=True)
class Binding:
    """A value bound to an attribute of ``self``, a class attribute or a module global, or
    returned by a function: what guard form 7 reads (a client created only after opt-in,
    set to None on opt-out; a getter that returns one only with consent)."""

    # "Class.attr" (an attribute of the class's instances), a global's name, or what a
    # function returns: "Class.method()", "function()"
    target: str
    span: Span
    function: str  # qualname of the function that binds it ("<module>", or the class's)
    guarded: bool  # on a consent-guarded path, or in a function named for opting in
    none: bool  # the value bound is None
    # The attributes or globals the value is (``return self._client``): it exists only
    # with consent when they do.
    holds: tuple[str, ...] = ()
    reason: str = ""  # how it is guarded ("early exit on ... (line 26)", "in enable_analytics()")


@dataclass(frozen=True, slots=True)
class FunctionSummary:
    qualname: str  # "views.signup", "Tracker.send" (module-relative; "<module>" for top level)
    span: Span
    params: tuple[Parameter, ...]
    is_method: bool
    class_name: str | None
    decorators: tuple[Expr, ...]
    returns: tuple[Expr, ...]
    consent_decorated: bool
    return_annotation: str | None = None


@dataclass(frozen=True, slots=True)
class ClassField:
    """A name bound in a class body: what dataclasses, pydantic, attrs and Django make
    the fields of an instance (``email: str``, ``email = models.EmailField()``)."""

    name: str
    span: Span
    annotation: str | None  # the annotation's names, ``|``-joined ("ClassVar|int"), if any
    value: Expr | None  # the value bound in the class body, if any


@dataclass(frozen=True, slots=True)
class ClassSummary:
    qualname: str  # module-relative ("UserInfo", "Outer.Inner")
    span: Span  # the class name
    decorators: tuple[Expr, ...]
    fields: tuple[ClassField, ...]  # in the order of the class body


@dataclass(frozen=True, slots=True)
class ModuleSummary:
    """Everything later steps need from one parsed file."""

    path: str  # relative POSIX path from the project root
    module: str  # dotted module name ("app.analytics")
    is_package: bool
    globals: dict[str, tuple[Expr, ...]]  # module-level bindings (imports and assignments)
    class_attrs: dict[str, tuple[Expr, ...]]  # "Class.attr" -> values (class body and self.attr)
    class_bases: dict[str, tuple[Expr, ...]]
    functions: dict[str, FunctionSummary]
    calls: tuple[CallSite, ...]
    strings: tuple[Expr, ...] = ()  # string constants naming Mixpanel hosts or endpoints
    lines: tuple[str, ...] = ()  # source lines (for reports and inline suppressions)
    classes: dict[str, ClassSummary] = field(default_factory=dict)  # by qualname
    bindings: tuple[Binding, ...] = ()  # to attributes of self, class attributes, globals


class Resolution(str, Enum):
    """How mixlint knows that an expression is a Mixpanel client."""

    IMPORT = "import"  # followed from `mixpanel.Mixpanel` through imports and assignments
    ANNOTATION = "annotation"  # a parameter or attribute annotated as Mixpanel
    FACTORY = "factory"  # returned by a project function that builds a client
    HEURISTIC = "heuristic"  # a name-only guess (settings.MIXPANEL["client"])
    CONFIG = "config"  # declared in configuration
    SENDER = "sender"  # a known third-party sender (flask_mixpanel, mixpanel-celery)
    HTTP = "http"  # a direct HTTP request to a Mixpanel endpoint


TrackingKind = Literal["sdk", "wrapper", "http", "flags", "sender"]


@dataclass(frozen=True, slots=True)
class Property:
    """One key/value pair of a payload; ``key`` is None when it cannot be known."""

    key: str | None
    key_span: Span
    value: Expr
    reserved: bool = False  # a Mixpanel reserved key such as "$email"
    inherited: bool = False  # at a wrapper call site: written in the wrapper, judged there


@dataclass(frozen=True, slots=True)
class Payload:
    """A dict-like payload argument, with what could be followed and what could not."""

    expr: Expr
    properties: tuple[Property, ...]
    opaque: tuple[Expr, ...] = ()  # parts whose keys cannot be seen (``**kwargs``, ``vars(x)``)


@dataclass(frozen=True, slots=True)
class TrackingCall:
    path: str
    span: Span
    kind: TrackingKind
    method: str  # SDK method ("track"), sender ("flask_mixpanel.track") or "POST /track"
    function: str  # enclosing function qualname, module-qualified
    resolution: Resolution
    wrapper_chain: tuple[str, ...] = ()  # wrappers from this call site down to the SDK call
    client: str | None = None  # id of the SdkObject (client) used, when known
    event: Expr | None = None
    distinct_ids: tuple[Expr, ...] = ()
    inherited_ids: tuple[bool, ...] = ()  # per distinct_id: written in the wrapper, judged there
    properties: Payload | None = None
    meta: Payload | None = None
    context: Payload | None = None  # feature-flag context
    arguments: tuple[Expr, ...] = ()  # every argument as written (credential checks)
    # At a wrapper call site: what the caller's helpers and getters returned into the
    # payload (``user_traits(user)``), judged as written by the caller.
    followed: tuple[Expr, ...] = ()
    call: Expr | None = None
    guarded: bool = False
    guard_reason: str = ""
    via: tuple[str, ...] = ()  # "path:line" of the SDK call(s) this wrapper call reaches
    # Reached through ``self`` in a base class to a method of this subclass ("path::Class"):
    # it runs only where the object is one (``MixpanelBackend().process_batch()``).
    requires: str = ""


@dataclass(frozen=True, slots=True)
class SdkObject:
    """A construction of an SDK object: a client, consumer, flags config, credentials."""

    id: str  # "path:line:col"
    path: str
    span: Span
    kind: str  # "Mixpanel", "Consumer", "BufferedConsumer", "custom-consumer", ...
    qualname: str
    call: Expr
    consumer: str | None = None  # id of the consumer SdkObject a client uses
    function: str = "<module>"


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file that could not be read or analysed (MX001)."""

    path: str
    message: str
    span: Span = Span(1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class CallerSite:
    """A call of a project function, for the consent analysis of what it calls."""

    path: str
    span: Span
    function: str  # function id of the caller ("path::qualname")
    guarded: bool
    guard_reason: str
    runner: str = ""  # what runs the function when the site hands it over ("add_task", "delay")
    # The method's object, when its class is known: that class and its bases ("path::Class")
    receiver: tuple[str, ...] = ()
    # ``self.push_event()`` in a base class calls the subclass's method only when ``self``
    # is that subclass ("path::Class")
    requires: str = ""
    test: bool = False  # in test code: no call site for consent (``consent_sites``)


def consent_sites(sites: list[CallerSite], requires: str = "") -> list[CallerSite]:
    """The call sites that count for consent through callers (guard form 6): not those in
    test code, which is not production traffic (a function called only from tests has
    none), and for code that runs only for the subclass ``requires`` ("" for any object),
    those whose object may be one."""
    return [
        site
        for site in sites
        if not site.test and (not requires or not site.receiver or requires in site.receiver)
    ]


@dataclass(slots=True)
class ProjectModel:
    root: str
    # How imports name the project's files (``mixlint.modules``); None: no project read
    finder: ModuleFinder | None = None
    files: list[str] = field(default_factory=list)  # every analysed file (relative)
    modules: dict[str, ModuleSummary] = field(default_factory=dict)  # by path
    calls: list[TrackingCall] = field(default_factory=list)
    objects: list[SdkObject] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)
    # function id ("path::qualname") -> its call sites in the project (consent through callers)
    callers: dict[str, list[CallerSite]] = field(default_factory=dict)
    # function id -> what runs it, by its decorator (``@shared_task``: "Celery")
    runners: dict[str, str] = field(default_factory=dict)
    unresolved: list[UnresolvedImport] = field(default_factory=list)  # in every file, sorted
    requested: set[str] | None = None  # files named on the command line (subset runs)

    def in_scope(self, path: str) -> bool:
        """Whether findings in ``path`` are reported: it is, or is under, a path named."""
        if self.requested is None:
            return True
        return any(
            path == requested
            or requested in ("", ".")
            or path.startswith(requested.rstrip("/") + "/")
            for requested in self.requested
        )


class Level(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return {"error": 3, "warning": 2, "note": 1}[self.value]


@dataclass(frozen=True, slots=True)
class Location:
    """A place that explains a finding: a related location, or a step of a code flow."""

    path: str
    span: Span
    message: str  # what it is, as a noun phrase ("the tracking call that sends it")


class Applicability(str, Enum):
    """Whether a fix keeps what the program does apart from the finding (as in ruff)."""

    SAFE = "safe"  # applied by ``--fix``
    UNSAFE = "unsafe"  # changes what is sent or needs a decision: ``--fix --unsafe-fixes``


class ChangeKind(str, Enum):
    """What a ``Change`` does to the code at its span; the fields each kind reads are listed."""

    REPLACE = "replace"  # the expression at span becomes code ("{}" in it: the code at inner)
    REMOVE_ENTRY = "remove-entry"  # the dict entry, argument or ``d[k] = v`` whose value is
    # at span; key: the entry's key or keyword as written (None: a positional argument)
    ADD_ARGUMENT = "add-argument"  # ``key=code`` appended to the arguments of the call at span
    EDIT_STRING = "edit-string"  # in the string literal at span, the first ``key`` becomes code
    EDIT_COMMENT = "edit-comment"  # the comment text at span becomes code ("": removed)
    GUARD = "guard"  # the statement that is the call at span runs only under ``if code:``


@dataclass(frozen=True, slots=True)
class Import:
    """An import a change needs: ``import module`` or ``from module import name``."""

    module: str
    name: str | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """One syntactic change, located by the exact span of the node it applies to."""

    kind: ChangeKind
    path: str
    span: Span
    code: str = ""
    key: str | None = None
    inner: Span | None = None
    imports: tuple[Import, ...] = ()


@dataclass(frozen=True, slots=True)
class Edit:
    """A change as text: the code in ``span`` of ``path`` becomes ``text`` (an empty span
    inserts)."""

    path: str
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Fix:
    """How to resolve a finding, stated by its rule as data (``mixlint.fix`` applies it)."""

    description: str  # imperative, one line: "Drop the property 'email'"
    applicability: Applicability
    changes: tuple[Change, ...]
    # The changes as text edits of the files as analysed; filled in by ``mixlint.fix.plan``
    # for the reports that show them (empty: not planned, or the fix no longer applies).
    edits: tuple[Edit, ...] = ()


@dataclass(slots=True)
class Finding:
    rule_id: str
    level: Level
    path: str
    span: Span
    message: str
    fingerprint: str = ""
    suppressed: Literal["inline", "baseline"] | None = None
    suppression_reason: str = ""
    # Other places that explain it (the call that sends a property written before it, the
    # SDK call inside a wrapper); reports link them from the message.
    related: tuple[Location, ...] = ()
    # Paths the data takes, each from the finding's call site through every wrapper to the
    # SDK call.
    flows: tuple[tuple[Location, ...], ...] = ()
    fix: Fix | None = None

    def sort_key(self) -> tuple[tuple[str, ...], int, int, str]:
        return (
            tuple(self.path.split("/")),
            self.span.start_line,
            self.span.start_col,
            self.rule_id,
        )
