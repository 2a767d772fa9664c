"""The personal-data vocabulary: does a property key or attribute name mean personal data?

Keys and names are split into folded words (``userEmail`` -> ``user``, ``email``;
``Straße`` -> ``strasse``) and matched word-wise, never as substrings, against
the multilingual word lists in ``rules/vocabulary/*.yaml``. A vocabulary entry
matches a run of adjacent words whose concatenation spells it, so ``e_mail``,
``E-Mail-Adresse`` and ``vorName`` find ``email``, ``emailadresse`` and
``vorname``. German and Dutch compounds are matched by their head
(``Rechnungsadresse`` -> ``adresse``), special categories also by their first
part (``Diagnosedatum`` -> ``diagnose``).

Precedence: a special category (Art. 9/10) always wins and is never cleared;
otherwise the longest match wins, and it is dropped when a clearing word stands
beside it (``email_verified``, ``Dateiname``).

Context: an ambiguous word (``name``) is personal only next to a person word
(``user.name``, ``customer_name``); a contextual word (``full_name``, ``login``,
``handle``) is personal unless the closest person or non-person word before it,
or else its owner, names something that is not a person (``repo.full_name``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from types import MappingProxyType
from typing import Any

from mixlint.resources import data_dir, load_data

_LANGUAGES = ("en", "de", "fr", "es", "it", "nl")
_COMPOUND_LANGUAGES = frozenset({"de", "nl"})
_MIN_PREFIX = 3  # shorter "prefixes" are English inflections: tip, zip, rename
_MIN_HEAD = 5  # "mail" as a head would find "hotmail", "voicemail"
_MIN_AMBIGUOUS_HEAD = 4  # "name", "naam", "foto": safe, they need a person prefix anyway
_MIN_MODIFIER = 6
_MAX_SPAN = 6  # words joined into one entry: "numero de securite sociale" and spare
_GETTERS = frozenset({"get", "fetch"})

_RUN = re.compile(r"[^\W_]+")
_UMLAUT = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
# The plain-vowel spelling ("Langengrad") is only added for vocabulary entries;
# code is folded with _UMLAUT, so both spellings in code find the entry.
_PLAIN = str.maketrans({"ä": "a", "ö": "o", "ü": "u", "ß": "ss"})


@dataclass(frozen=True, slots=True)
class Category:
    id: str
    label: str
    special: bool
    direct_identifier: bool


@dataclass(frozen=True, slots=True)
class WordMatch:
    category: Category
    word: str  # the vocabulary entry as written in the YAML ("geburtsdatum")
    language: str  # "de"; "config" for extra words from the configuration
    source: str  # the key or name as written in code ("Geburtsdatum")
    contextual: bool = False  # personal because nothing says its object is not a person

    def explain(self) -> str:
        return f"'{self.source}' matched '{self.word}' ({self.category.label}, {self.language})"


class _Kind(Enum):
    """When an entry is personal: always, next to a person, or unless next to a thing."""

    DIRECT = "words"
    AMBIGUOUS = "ambiguous"
    CONTEXTUAL = "contextual"


@dataclass(frozen=True, slots=True)
class _Entry:
    category: Category
    word: str
    language: str
    kind: _Kind


@dataclass(frozen=True, slots=True)
class _Context:
    """What the words of one key or name say about the object a word there belongs to:
    per word index, whether an ambiguous or a contextual word starting there is personal."""

    ambiguous: tuple[bool, ...]  # a person is named (the closest word before, else anywhere)
    contextual: tuple[bool, ...]  # no thing is named (the closest word before, else the owner)


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    entry: _Entry
    length: int  # characters matched, to prefer "emailaddress" over "address"


def _case_parts(run: str) -> Iterable[str]:
    """Split one alphanumeric run at camelCase, ACRONYMWord and digit boundaries."""
    start = 0
    for i in range(1, len(run)):
        prev, cur = run[i - 1], run[i]
        if (
            prev.isdigit() != cur.isdigit()
            or (prev.islower() and cur.isupper())
            or (prev.isupper() and cur.isupper() and i + 1 < len(run) and run[i + 1].islower())
        ):
            yield run[start:i]
            start = i
    yield run[start:]


def _fold(word: str, table: dict[int, str]) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower().translate(table))
    return "".join(char for char in decomposed if char.isascii() and char.isalnum())


@lru_cache(maxsize=1 << 16)
def _words(identifier: str, plain: bool = False) -> tuple[str, ...]:
    table = _PLAIN if plain else _UMLAUT
    folded = (_fold(part, table) for run in _RUN.findall(identifier) for part in _case_parts(run))
    return tuple(word for word in folded if word)


def _forms(entry: str) -> set[str]:
    """The spellings an entry is looked up by: its words joined, umlauts both ways."""
    return {"".join(_words(entry)), "".join(_words(entry, plain=True))} - {""}


def _singulars(form: str) -> tuple[str, ...]:
    # Plurals are only guessed for longer words so that "ips" or "dos" stay apart.
    if len(form) >= 5 and form.endswith("s"):
        return (form, form[:-1], form[:-2]) if form.endswith("es") else (form, form[:-1])
    # German and Dutch plurals in -n/-en (Telefonnummern, Adressen, Nachnamen).
    if len(form) >= 7 and form.endswith("n"):
        return (form, form[:-1], form[:-2]) if form.endswith("en") else (form, form[:-1])
    return (form,)


def _stems(prefix: str) -> set[str]:
    """A compound's first part without its linking element (Kunden-, Rechnungs-, klanten-)."""
    stems = {prefix}
    for ending in ("s", "n", "e", "en", "es"):
        if prefix.endswith(ending) and len(prefix) - len(ending) >= _MIN_PREFIX:
            stems.add(prefix[: -len(ending)])
    return stems


@lru_cache(maxsize=1)
def _documents() -> tuple[Mapping[str, Any], ...]:
    """Every vocabulary YAML document, read once per process."""
    documents: list[Mapping[str, Any]] = []
    for path in sorted((data_dir() / "vocabulary").glob("*.yaml")):
        document = load_data(path) or {}
        if not isinstance(document, dict):
            raise ValueError(f"{path}: expected a mapping at the top level")
        documents.append(document)
    return tuple(documents)


def _by_language(raw: object) -> Iterable[tuple[str, str]]:
    """(language, entry) pairs of a ``{language: [entries]}`` mapping, known languages first."""
    if not raw:
        return
    if not isinstance(raw, dict):
        raise ValueError(f"expected a mapping of language to words, got {raw!r}")
    rank = {language: i for i, language in enumerate(_LANGUAGES)}
    for language in sorted(raw, key=lambda lang: rank.get(lang, len(rank))):
        for entry in raw[language] or ():
            yield str(language), str(entry)


class Vocabulary:
    """Word lists compiled into lookup tables; build with ``Vocabulary.load()``."""

    def __init__(self) -> None:
        self._categories: dict[str, Category] = {}
        self._direct: dict[str, _Entry] = {}
        self._ambiguous: dict[str, _Entry] = {}
        self._contextual: dict[str, _Entry] = {}
        self._heads: dict[str, _Entry] = {}
        self._modifiers: dict[str, list[tuple[str, _Entry]]] = {}  # by first letters
        self._clearing: set[str] = set()
        self._category_clearing: dict[str, frozenset[str]] = {}
        self._person: set[str] = set()
        self._things: set[str] = set()
        self._allow: set[str] = set()
        self._max_length = 0
        self._key_cache: dict[str, WordMatch | None] = {}
        self._name_cache: dict[tuple[str, str | None, bool], WordMatch | None] = {}
        self._compound_cache: dict[str, _Entry | None] = {}

    @classmethod
    def load(
        cls,
        extra_words: Mapping[str, Sequence[str]] | None = None,
        allow_keys: Sequence[str] = (),
    ) -> Vocabulary:
        """The shipped vocabulary plus configured words and allowed keys.

        ``extra_words`` maps a category id to more words (reported with language
        "config"); ``allow_keys`` are keys that are never personal, compared
        after splitting (``"E-Mail"`` allows ``e_mail``).
        """
        vocabulary = cls()
        for document in _documents():
            for raw in document.get("categories") or ():
                vocabulary._add_category(raw)
            for _, word in _by_language(document.get("person_words")):
                vocabulary._person |= _forms(word)
            for _, word in _by_language(document.get("non_person_words")):
                vocabulary._things |= _forms(word)
            for _, word in _by_language(document.get("clearing_words")):
                vocabulary._clearing |= _forms(word)
        for category_id, words in (extra_words or {}).items():
            category = vocabulary._categories.get(category_id)
            if category is None:
                known = ", ".join(sorted(vocabulary._categories))
                raise ValueError(
                    f"unknown personal-data category {category_id!r} in extra words "
                    f"(known: {known})"
                )
            for extra in words:
                entry = _Entry(category, str(extra), "config", _Kind.DIRECT)
                for form in _forms(str(extra)):
                    # The user's word wins over a shipped entry of another category.
                    vocabulary._direct[form] = entry
                    vocabulary._max_length = max(vocabulary._max_length, len(form))
        vocabulary._allow = {"_".join(_words(key)) for key in allow_keys}
        return vocabulary

    def _add_category(self, raw: Mapping[str, Any]) -> None:
        category = Category(
            id=str(raw["id"]),
            label=str(raw["label"]),
            special=bool(raw.get("special", False)),
            direct_identifier=bool(raw.get("direct_identifier", False)),
        )
        if category.id in self._categories:
            raise ValueError(f"personal-data category {category.id!r} is defined twice")
        self._categories[category.id] = category
        clear: set[str] = set()
        for entry in raw.get("clear") or ():
            clear |= _forms(str(entry))
        self._category_clearing[category.id] = frozenset(clear)
        tables = {
            _Kind.DIRECT: self._direct,
            _Kind.AMBIGUOUS: self._ambiguous,
            _Kind.CONTEXTUAL: self._contextual,
        }
        for kind, table in tables.items():
            for language, word in _by_language(raw.get(kind.value)):
                entry = _Entry(category, word, language, kind)
                for form in _forms(word):
                    table.setdefault(form, entry)  # the first language listed explains it
                    self._max_length = max(self._max_length, len(form))
                    if language not in _COMPOUND_LANGUAGES or kind is _Kind.CONTEXTUAL:
                        continue
                    ambiguous = kind is _Kind.AMBIGUOUS
                    if len(form) >= (_MIN_AMBIGUOUS_HEAD if ambiguous else _MIN_HEAD):
                        self._heads.setdefault(form, entry)
                    if category.special and len(form) >= _MIN_MODIFIER:
                        bucket = self._modifiers.setdefault(form[:_MIN_MODIFIER], [])
                        bucket.append((form, entry))
                        bucket.sort(key=lambda item: -len(item[0]))  # longest explains best

    @staticmethod
    def split(identifier: str) -> list[str]:
        """The folded words of an identifier or key.

        ``"userEmail"`` -> ``["user", "email"]``; ``"$first_name"`` -> ``["first", "name"]``;
        ``"Straße"`` -> ``["strasse"]``; ``"prénom"`` -> ``["prenom"]``; ``"ipv4"`` ->
        ``["ipv", "4"]``.
        """
        return list(_words(identifier))

    @property
    def categories(self) -> Mapping[str, Category]:
        return MappingProxyType(self._categories)

    def is_person_word(self, word: str) -> bool:
        """Whether ``word`` (or any word of it: ``current_user``) names a person."""
        return self._has_person(_words(word))

    def is_thing_word(self, word: str) -> bool:
        """Whether ``word`` names something that is not a person (``repo``, ``github_org``):
        its closest person or non-person word is a non-person word."""
        return self._closest(_words(word), len(_words(word))) is False

    def allowed(self, key: str) -> bool:
        """Whether the configuration allows ``key`` (compared after splitting)."""
        return "_".join(_words(key)) in self._allow

    def match_key(self, key: str) -> WordMatch | None:
        """The personal data a property key names, if any (``"$email"``, ``"Geburtsdatum"``)."""
        if key in self._key_cache:
            return self._key_cache[key]
        words = _words(key)
        result: WordMatch | None = None
        if not self.allowed(key):
            # A "$" key is a Mixpanel profile property: the profile is a person.
            profile = key.lstrip().startswith("$")
            result = self._match(key, words, self._context(words, True if profile else None))
        self._key_cache[key] = result
        return result

    def match_name(
        self, name: str, owner: str | None = None, *, called: bool = False
    ) -> WordMatch | None:
        """The personal data an attribute, subscript or call name reads, if any.

        ``name`` is the last segment of a chain (``email`` in ``user.email``,
        ``get_full_name`` in ``user.get_full_name()``), ``owner`` the segment
        before it. Ambiguous words (``name``) need an owner that names a person;
        contextual words (``full_name``) an owner that does not name a thing.
        ``called``: the name is a method called (``self.handle(event)``): a
        contextual word is then a verb unless a getter prefix comes first.
        """
        cache_key = (name, owner, called)
        if cache_key in self._name_cache:
            return self._name_cache[cache_key]
        words = _words(name)
        getter = len(words) > 1 and words[0] in _GETTERS
        if getter:
            words = words[1:]
        owner_says = self._closest(_words(owner), len(_words(owner))) if owner else None
        context = self._context(words, owner_says)
        if called and not getter:
            context = _Context(context.ambiguous, (False,) * len(words))
        result = self._match(name, words, context)
        self._name_cache[cache_key] = result
        return result

    def match_field(self, name: str, owner: str) -> WordMatch | None:
        """The personal data a field of the class ``owner`` holds, if any: a class any of
        whose words names a person (``UserEvent``, ``CustomerProfile``) describes that
        person, so its ``u_name`` is a person's name."""
        words = _words(owner)
        says = True if self._has_person(words) else self._closest(words, len(words))
        return self._match(name, _words(name), self._context(_words(name), says))

    def _context(self, words: tuple[str, ...], owner: bool | None) -> _Context:
        """``owner``: True when the object is a person, False a thing, None unknown."""
        anywhere = owner is True or self._has_person(words)
        ambiguous: list[bool] = []
        contextual: list[bool] = []
        for start in range(len(words)):
            before = self._closest(words, start)
            ambiguous.append(before is True or (before is None and anywhere))
            contextual.append((before if before is not None else owner) is not False)
        return _Context(tuple(ambiguous), tuple(contextual))

    def _closest(self, words: Sequence[str], end: int) -> bool | None:
        """True when the closest person or non-person word before ``end`` names a person,
        False when it names a thing, None when there is none (``repo_owner`` -> True)."""
        for stop in range(end, 0, -1):
            for start in range(stop - 1, max(stop - 3, 0) - 1, -1):
                joined = "".join(words[start:stop])
                forms = _singulars(joined)
                if any(form in self._person for form in forms):
                    return True
                if any(form in self._things for form in forms):
                    return False
        return None

    def _match(self, source: str, words: tuple[str, ...], context: _Context) -> WordMatch | None:
        hits = self._hits(words, context)
        if not hits:
            return None
        special = [hit for hit in hits if hit.entry.category.special]
        if special:
            best = min(special, key=_rank)
        else:
            # A word inside a longer match belongs to it: "ip_address_country" is
            # about the IP address (and cleared), not a postal "address".
            outer = [hit for hit in hits if not any(_inside(hit, other) for other in hits)]
            kept = [hit for hit in outer if not self._cleared(words, hit)]
            if not kept:
                return None
            best = min(kept, key=_rank)
        entry = best.entry
        return WordMatch(
            entry.category, entry.word, entry.language, source, entry.kind is _Kind.CONTEXTUAL
        )

    def _hits(self, words: tuple[str, ...], context: _Context) -> list[_Hit]:
        hits: list[_Hit] = []
        for start in range(len(words)):
            joined = ""
            for end in range(start + 1, min(len(words), start + _MAX_SPAN) + 1):
                joined += words[end - 1]
                if len(joined) > self._max_length + 2:
                    break
                entry = self._lookup(joined, context.ambiguous[start], context.contextual[start])
                if entry is not None:
                    hits.append(_Hit(start, end, entry, len(joined)))
        covered = {i for hit in hits for i in range(hit.start, hit.end)}
        for i, word in enumerate(words):
            if i not in covered:
                entry = self._compound(word)
                if entry is not None:
                    hits.append(_Hit(i, i + 1, entry, len(word)))
        return hits

    def _lookup(self, form: str, person: bool, contextual: bool) -> _Entry | None:
        for candidate in _singulars(form):
            entry = self._direct.get(candidate)
            if entry is None and person:
                entry = self._ambiguous.get(candidate)
            if entry is not None:
                return entry
        # Contextual words are matched as written: "logins" is a count, not a login.
        return self._contextual.get(form) if contextual else None

    def _compound(self, word: str) -> _Entry | None:
        """A German/Dutch compound: ``rechnungsadresse``, ``kundenname``, ``diagnosedatum``."""
        if word not in self._compound_cache:
            self._compound_cache[word] = self._split_compound(word)
        return self._compound_cache[word]

    def _split_compound(self, word: str) -> _Entry | None:
        for split in range(_MIN_PREFIX, len(word) - _MIN_AMBIGUOUS_HEAD + 1):
            entry = next(
                (e for head in _singulars(word[split:]) if (e := self._heads.get(head))), None
            )
            if entry is None:
                continue
            stems = _stems(word[:split])
            if entry.category.special:
                return entry
            if entry.kind is _Kind.AMBIGUOUS:
                # Dateiname, Produktname, bestandsnaam are not a person's name.
                return entry if stems & self._person else None
            if stems & self._clearing or stems & self._category_clearing[entry.category.id]:
                return None
            return entry
        for form, entry in self._modifiers.get(word[:_MIN_MODIFIER], ()):
            if word.startswith(form) and len(word) - len(form) >= _MIN_PREFIX:
                return entry
        return None

    def _cleared(self, words: tuple[str, ...], hit: _Hit) -> bool:
        clearing = self._category_clearing[hit.entry.category.id]
        for i, word in enumerate(words):
            if hit.start <= i < hit.end:
                continue
            if any(form in self._clearing or form in clearing for form in _singulars(word)):
                return True
        return False

    def _has_person(self, words: Sequence[str]) -> bool:
        for start in range(len(words)):
            joined = ""
            for end in range(start, min(len(words), start + 3)):
                joined += words[end]
                if any(form in self._person for form in _singulars(joined)):
                    return True
        return False


def _inside(hit: _Hit, other: _Hit) -> bool:
    return (
        other is not hit
        and other.start <= hit.start
        and hit.end <= other.end
        and other.end - other.start > hit.end - hit.start
    )


def _rank(hit: _Hit) -> tuple[int, int, int]:
    return (-(hit.end - hit.start), -hit.length, hit.start)
