"""Configuration: the validated settings every step reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from mixlint.model import Level

DEFAULT_CONSENT_PATTERN = (
    r"(?i)(consent|opt(ed)?_?in|(tracking|analytics)_?(allowed|enabled|permitted|ok)"
    r"|(allow|enable|permit)s?_?(tracking|analytics)|(can|may|should)_?track|gdpr|einwilligung)"
)
DEFAULT_OPT_OUT_PATTERN = r"(?i)(opt(ed)?_?out|do_?not_?track|\bdnt\b|^dnt$|tracking_?disabled)"
DEFAULT_PSEUDONYMIZER_PATTERN = r"(?i)(hash|pseudonym|anonymi|mask|redact|tokeni)"


@dataclass(slots=True)
class ConsentConfig:
    pattern: str = DEFAULT_CONSENT_PATTERN
    opt_out_pattern: str = DEFAULT_OPT_OUT_PATTERN
    predicates: list[str] = field(default_factory=list)  # extra names that are consent checks
    decorators: list[str] = field(default_factory=list)  # extra decorator names


@dataclass(slots=True)
class WrapperDecl:
    """A project function declared as a wrapper: which parameter carries what."""

    function: str  # qualified name: "app.analytics.track_event"
    event: str | None = None
    distinct_id: str | None = None
    properties: str | None = None


@dataclass(slots=True)
class Config:
    select: set[str] | None = None  # None: every rule
    extend_select: set[str] = field(default_factory=set)
    ignore: set[str] = field(default_factory=set)
    per_file_ignores: dict[str, set[str]] = field(default_factory=dict)
    severity: dict[str, Level | Literal["off"]] = field(default_factory=dict)
    fail_on: Level | Literal["never"] = Level.WARNING
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    consent: ConsentConfig = field(default_factory=ConsentConfig)
    pseudonymizers: list[str] = field(default_factory=list)  # extra function names / patterns
    extra_words: dict[str, list[str]] = field(default_factory=dict)  # category -> words
    allow_keys: list[str] = field(default_factory=list)
    wrappers: list[WrapperDecl] = field(default_factory=list)
    residency: Literal["eu", "any"] | None = None  # None: MX402 at its default level
    baseline: str | None = None
    source: str | None = None  # the file the configuration came from
