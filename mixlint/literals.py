"""Personal-data literals written in code, and their masking for reports.

``classify_literal`` says whether a string literal carries an e-mail address, a
phone number, an IP address, an IBAN or a payment card number (MX102, MX301).
``mask``/``mask_line`` hide every such literal in text that a reporter prints,
so a finding never repeats the personal data it is about.

The detectors are conservative: a false "personal data" on a version string,
a date or an order number would be noise in every report. Checksums decide
IBANs (ISO 13616 mod 97) and cards (Luhn plus a known issuer prefix); phone
numbers need a leading ``+``/``00`` or a trunk ``0`` with separators, or the
North American shape. IP addresses that cannot be a person's (loopback,
unspecified, link-local, multicast, reserved, networks ending in ``.0`` and
broadcasts in ``.255``) are ignored, as are four-part numbers whose parts are
all below 10 (``1.2.3.4`` is a version far more often than an address) and
dotted quads after a ``/`` (``Chrome/120.0.0.0``, a URL's host); private and
documentation ranges are flagged, since code rarely writes them except as an
example of a client address.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LiteralMatch:
    category_id: str  # "email", "phone", "ip_address", "bank_account", "payment_card"
    label: str  # "e-mail address", ...: the same labels as the vocabulary's categories
    masked: str  # the literal masked for reports


_LABELS = {
    "email": "e-mail address",
    "bank_account": "bank account (IBAN)",
    "payment_card": "payment card number",
    "ip_address": "IP address",
    "phone": "phone number",
}

# A cheap first look: every literal the detectors accept contains one of these
# (an "@", four digits in a row, a dotted quad, two colons, or digits around a
# phone separator). Most source lines contain none, and skip the detectors.
_HINT = re.compile(r"@|\d{4}|\d\.\d{1,3}\.\d|:[0-9A-Fa-f]{0,4}:|\d[ ()/-]{1,3}\d")
_NON_DIGIT = re.compile(r"\D")

_EMAIL = re.compile(
    r"(?<![\w.%+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+([A-Za-z]{2,24}))"
    r"(?![\w-]|\.[A-Za-z0-9])"
)
# "icon@2x.png" is an asset name, not an address.
_FILE_SUFFIXES = frozenset(
    {"png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "bmp", "css", "js", "json", "html"}
    | {"htm", "txt", "pdf", "map"}
)
# "git@github.com" is an SSH remote; no-reply senders are nobody's mailbox.
_TECHNICAL_MAILBOXES = frozenset(
    {"git", "noreply", "no-reply", "donotreply", "do-not-reply", "mailer-daemon", "postmaster"}
)

_IBAN = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{2}\d{2}"
    r"(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)"
    r"(?![A-Za-z0-9])"
)
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip

_CARD = re.compile(
    r"(?<![\w.+-])"
    r"(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{1,4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})"
    r"(?!\w|[.-]\d)"
)

# Not after "/": "Chrome/120.0.0.0" is a version, "http://10.0.0.1/" a host, not a person.
_IPV4 = re.compile(r"(?<![\w./])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d|/\d)")
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?![\w:]|\.\w)")

_PHONE = re.compile(r"(?<![\w+.,/-])(?:\+|\(?\d)[\d ()./-]{5,22}\d(?!\w|[.,/-]\d)")
_PHONE_SEPARATOR = re.compile(r"[ ()/-]")
_LEADING_DIGITS = re.compile(r"\d+")
_FRENCH_DOTTED = re.compile(r"0[1-9](?:\.\d{2}){4}")
_NORTH_AMERICAN = re.compile(
    r"\([2-9]\d{2}\) ?[2-9]\d{2}[-. ]\d{4}"
    r"|[2-9]\d{2}-[2-9]\d{2}-\d{4}"
    r"|[2-9]\d{2}\.[2-9]\d{2}\.\d{4}"
)
_DATE = re.compile(
    r"(?<!\d)(?:\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4})(?!\d)"
)


def _is_email(match: re.Match[str]) -> bool:
    return (
        match.group(3).lower() not in _FILE_SUFFIXES
        and match.group(1).lower() not in _TECHNICAL_MAILBOXES
    )


def _mask_email(match: re.Match[str]) -> str:
    return f"{match.group(1)[0]}***@{match.group(2)}"


def _is_iban(match: re.Match[str]) -> bool:
    compact = match.group(0).replace(" ", "")
    if _IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


def _mask_iban(match: re.Match[str]) -> str:
    text = match.group(0)
    alnum = [i for i, char in enumerate(text) if char != " "]
    keep = set(alnum[:4] + alnum[-2:])
    return "".join(char if i in keep or char == " " else "*" for i, char in enumerate(text))


def _luhn(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _known_issuer(digits: str) -> bool:
    two, three, four = int(digits[:2]), int(digits[:3]), int(digits[:4])
    return (
        digits[0] == "4"  # Visa
        or 51 <= two <= 55  # Mastercard
        or 2221 <= four <= 2720  # Mastercard 2-series
        or two in (34, 37)  # American Express
        or two in (36, 38, 39) or 300 <= three <= 305  # Diners Club
        or 3528 <= four <= 3589  # JCB
        or two == 50 or 56 <= two <= 69  # Maestro, Discover (6011, 64x, 65), UnionPay (62)
    )  # fmt: skip


def _is_card(match: re.Match[str]) -> bool:
    digits = _NON_DIGIT.sub("", match.group(0))
    return 13 <= len(digits) <= 19 and _known_issuer(digits) and _luhn(digits)


def _mask_card(match: re.Match[str]) -> str:
    return _mask_digits(match.group(0), keep_head=0, keep_tail=4)


def _personal_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return _personal_ip(str(address.ipv4_mapped))
    if (
        address.is_loopback
        or address.is_unspecified
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
    ):
        return False
    if address.version == 4:
        parts = [int(part) for part in text.split(".")]
        # x.y.z.0 and x.y.z.255 are networks and broadcasts; all parts below 10
        # ("1.2.3.4") is a version number far more often than an address.
        return parts[3] not in (0, 255) and max(parts) >= 10
    return True


def _is_ipv4(match: re.Match[str]) -> bool:
    return _personal_ip(match.group(0))


def _mask_ipv4(match: re.Match[str]) -> str:
    first, second, _, _ = match.group(0).split(".")
    return f"{first}.{second}.*.*"


def _is_ipv6(match: re.Match[str]) -> bool:
    text = match.group(0)
    groups = [group for group in text.split(":") if group]
    return len(groups) >= 3 and any(char.isdigit() for char in text) and _personal_ip(text)


def _mask_ipv6(match: re.Match[str]) -> str:
    head = [group for group in match.group(0).split(":")[:2] if group]
    return ":".join([*head, "****"])


def _is_phone(match: re.Match[str]) -> bool:
    text = match.group(0)
    digits = _NON_DIGIT.sub("", text)
    if len(digits) > 15 or text.count("(") != text.count(")"):
        return False
    if text.startswith("+"):
        return len(digits) >= 8 and digits[0] != "0"
    bare = text.lstrip("(")
    if bare.startswith("00"):
        # International prefix: "0049 30 1234567"; zero-padded IDs have no separators.
        return (
            len(digits) >= 10
            and digits[2] != "0"
            and "." not in text
            and _PHONE_SEPARATOR.search(text) is not None
        )
    if bare.startswith("0"):
        if _FRENCH_DOTTED.fullmatch(text):
            return True
        # A trunk prefix of at least two digits ("030", "0151") and a separator:
        # "0 - 100000" is arithmetic, "01.02.2024" and "01/02/24" are dates.
        return (
            7 <= len(digits) <= 13
            and bare[1:2].isdigit()
            and "." not in text
            and _PHONE_SEPARATOR.search(text) is not None
            and _DATE.search(text) is None
        )
    return _NORTH_AMERICAN.fullmatch(text) is not None


def _mask_phone(match: re.Match[str]) -> str:
    text = match.group(0)
    # The country code after "+" says little about the person: keep it when it
    # is written apart ("+49 30 ..." -> "+49"), else at most two digits.
    code = _LEADING_DIGITS.match(text, 1)
    head = 0
    if text.startswith("+") and code is not None:
        head = len(code.group(0)) if len(code.group(0)) <= 3 else 2
    return _mask_digits(text, keep_head=head, keep_tail=2)


def _mask_digits(text: str, keep_head: int, keep_tail: int) -> str:
    """Star every digit but the first ``keep_head`` and the last ``keep_tail``."""
    positions = [i for i, char in enumerate(text) if char.isdigit()]
    hidden = set(positions[keep_head : len(positions) - keep_tail])
    return "".join("*" if i in hidden else char for i, char in enumerate(text))


_Detector = tuple[
    str, re.Pattern[str], Callable[[re.Match[str]], bool], Callable[[re.Match[str]], str]
]

# Order matters: an IBAN's digits must be masked before they can look like a
# card or phone number, an IP address before it can look like a phone number.
_DETECTORS: tuple[_Detector, ...] = (
    ("email", _EMAIL, _is_email, _mask_email),
    ("bank_account", _IBAN, _is_iban, _mask_iban),
    ("payment_card", _CARD, _is_card, _mask_card),
    ("ip_address", _IPV4, _is_ipv4, _mask_ipv4),
    ("ip_address", _IPV6, _is_ipv6, _mask_ipv6),
    ("phone", _PHONE, _is_phone, _mask_phone),
)


def classify_literal(text: str) -> LiteralMatch | None:
    """The personal data a string literal carries (the first kind found), if any."""
    if not _HINT.search(text):
        return None
    for category_id, pattern, valid, _ in _DETECTORS:
        if any(valid(match) for match in pattern.finditer(text)):
            return LiteralMatch(category_id, _LABELS[category_id], mask(text))
    return None


def mask(text: str) -> str:
    """``text`` with every personal-data literal in it masked.

    ``max@example.de`` -> ``m***@example.de``; ``+49 30 1234567`` -> ``+49 ** *****67``;
    ``192.168.1.23`` -> ``192.168.*.*``; an IBAN keeps its country, check digits and
    last two characters; a card number its last four digits. Masking is idempotent.
    """
    if not _HINT.search(text):
        return text
    for _, pattern, valid, masker in _DETECTORS:
        if pattern is _EMAIL and "@" not in text:
            continue
        if pattern is _IPV6 and ":" not in text:
            continue
        text = _substitute(pattern, valid, masker, text)
    return text


def _substitute(
    pattern: re.Pattern[str],
    valid: Callable[[re.Match[str]], bool],
    masker: Callable[[re.Match[str]], str],
    text: str,
) -> str:
    return pattern.sub(lambda match: masker(match) if valid(match) else match.group(0), text)


def mask_line(line: str) -> str:
    """A source line (or message) with every personal-data literal in it masked.

    The same as ``mask``; a separate name so that reporters say what they mask.
    Literals are found inside string literals and comments alike, so an address
    in a comment beside the flagged code is hidden too.
    """
    return mask(line)
