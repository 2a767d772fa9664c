"""Personal-data literals: detection (checksums, conservative shapes) and masking."""

from __future__ import annotations

import re

import pytest

import mixlint.literals as literals_module
from mixlint.literals import LiteralMatch, classify_literal, mask, mask_line
from mixlint.vocabulary import Vocabulary

EMAILS = [
    "max@example.de",
    "max.mustermann@example.de",
    "Max.Mustermann+news@mail.example.co.uk",
    "jean-luc_picard@exemple.fr",
    "a@b.io",
    "user123@sub-domain.example.com",
]
PHONES = [
    "+49 30 1234567",
    "+4930123456",
    "+49 (0)30 1234567",
    "+1 (415) 555-2671",
    "+33 6 12 34 56 78",
    "+39 06 1234 5678",
    "+31 20 123 4567",
    "+34 912 345 678",
    "0049 30 1234567",
    "030 1234567",
    "030/1234567",
    "030-1234567",
    "(030) 123-4567",
    "0151 12345678",
    "06 12 34 56 78",
    "06.12.34.56.78",
    "(415) 555-2671",
    "415-555-2671",
    "415.555.2671",
]
IPS = [
    "192.168.1.23",
    "10.0.0.1",
    "172.16.5.4",
    "203.0.113.7",
    "81.2.69.142",
    "2001:db8::1",
    "2a00:1450:4001:82a::200e",
    "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
]
IBANS = [
    "DE89370400440532013000",
    "DE89 3704 0044 0532 0130 00",
    "GB82WEST12345698765432",
    "GB82 WEST 1234 5698 7654 32",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "AT611904300234573201",
    "CH9300762011623852957",
]
CARDS = [
    "4111111111111111",
    "4111 1111 1111 1111",
    "4111-1111-1111-1111",
    "5555555555554444",
    "2223003122003222",
    "378282246310005",
    "3782 822463 10005",
    "6011111111111117",
    "3530111333300000",
    "4012888888881881",
]

NOT_PERSONAL = [
    # dates, times, versions, numbers
    "2024-01-31",
    "31.01.2024",
    "01.02.2024",
    "01/02/2024",
    "01/02/24",
    "2024-01-31T10:00:00Z",
    "2024-01-31T10:00:00+01:00",
    "10:00:00",
    "1.2.3",
    "1.2.3.4",
    "v10.0.0.1",
    "10.0.19041.1",
    "19.99",
    "1,234.56",
    "1700000000",
    "1700000000000",
    "0 - 1000000",
    "0123456789",
    "00123456789",
    "ORD-123456",
    "ORD-0123456",
    "INV-2024-000123",
    "123e4567-e89b-12d3-a456-426614174000",
    "sha256:9f86d081884c7d659a2feaa0c55ad015",
    "ffff:ffff",
    "00:1A:2B:3C:4D:5E",
    # addresses that are nobody's
    "127.0.0.1",
    "0.0.0.0",
    "169.254.10.20",
    "224.0.0.1",
    "255.255.255.0",
    "255.255.255.255",
    "10.0.0.0/8",
    "192.168.1.0",
    "192.168.1.255",
    "http://10.0.0.5:8080/track",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0.0.0",
    "::1",
    "::",
    "fe80::1",
    "ff02::1",
    # checksum negatives
    "DE88370400440532013000",
    "GB83WEST12345698765432",
    "DE8937040044053201300",
    "XX89370400440532013000",
    "4111111111111112",
    "1234567890123456",
    "9111111111111111",
    # not e-mail addresses
    "icon@2x.png",
    "git@github.com",
    "noreply@example.com",
    "user@localhost",
    "@mention",
    "foo@",
    "pkg @ git+https://example.com/pkg",
    # ordinary strings
    "Signed Up",
    "api-eu.mixpanel.com",
    "https://api-eu.mixpanel.com/track",
    "",
]


@pytest.mark.parametrize(
    ("text", "category"),
    [(text, "email") for text in EMAILS]
    + [(text, "phone") for text in PHONES]
    + [(text, "ip_address") for text in IPS]
    + [(text, "bank_account") for text in IBANS]
    + [(text, "payment_card") for text in CARDS],
)
def test_classify_personal_literal(text: str, category: str) -> None:
    match = classify_literal(text)
    assert match is not None, text
    assert match.category_id == category
    assert text not in match.masked
    assert match.masked == mask(text)


@pytest.mark.parametrize("text", NOT_PERSONAL)
def test_not_personal_literal(text: str) -> None:
    assert classify_literal(text) is None
    assert mask(text) == text


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Contact max.mustermann@example.de for details", "email"),
        ("mailto:max@example.de", "email"),
        ("<max@example.de>", "email"),
        ("Call +49 30 1234567 today", "phone"),
        ("tel:+4930123456", "phone"),
        ("Tel. 030 1234567, Fax 030 7654321", "phone"),
        ("client at 192.168.1.23:8000", "ip_address"),
        ("[2001:db8::1]:443", "ip_address"),
        ("IBAN: DE89 3704 0044 0532 0130 00 (Sparkasse)", "bank_account"),
        ("card 4111 1111 1111 1111 exp 12/30", "payment_card"),
    ],
)
def test_literal_inside_text(text: str, category: str) -> None:
    match = classify_literal(text)
    assert match is not None
    assert match.category_id == category


def test_labels_match_the_vocabulary() -> None:
    categories = Vocabulary.load().categories
    for category_id, label in literals_module._LABELS.items():
        assert categories[category_id].label == label


def test_literal_match_fields() -> None:
    assert classify_literal("max@example.de") == LiteralMatch(
        "email", "e-mail address", "m***@example.de"
    )


# --- masking --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("max@example.de", "m***@example.de"),
        ("max.mustermann@example.de", "m***@example.de"),
        ("+49 30 1234567", "+49 ** *****67"),
        ("+1 (415) 555-2671", "+1 (***) ***-**71"),
        ("030 1234567", "*** *****67"),
        ("192.168.1.23", "192.168.*.*"),
        ("2001:db8::1", "2001:db8:****"),
        ("DE89370400440532013000", "DE89****************00"),
        ("DE89 3704 0044 0532 0130 00", "DE89 **** **** **** **** 00"),
        ("4111 1111 1111 1111", "**** **** **** 1111"),
        ("4111111111111111", "************1111"),
    ],
)
def test_mask(text: str, masked: str) -> None:
    assert mask(text) == masked


ALL_PERSONAL = EMAILS + PHONES + IPS + IBANS + CARDS


@pytest.mark.parametrize("literal", ALL_PERSONAL)
def test_masked_line_never_contains_the_literal(literal: str) -> None:
    line = f'    mp.track(user.id, "Signed Up", {{"value": "{literal}", "n": 3}})  # see {literal}'
    masked = mask_line(line)
    assert literal not in masked
    assert masked.startswith('    mp.track(user.id, "Signed Up", {"value": "')
    assert mask_line(masked) == masked  # idempotent


@pytest.mark.parametrize("literal", ALL_PERSONAL)
def test_mask_keeps_at_most_a_few_characters(literal: str) -> None:
    masked = mask(literal)
    digits = re.sub(r"\D", "", literal)
    kept = re.sub(r"\D", "", masked)
    if "@" not in literal and ":" not in literal and "." not in literal:
        assert len(kept) <= max(4, len(digits) // 3), masked


def test_mask_line_masks_every_literal() -> None:
    line = (
        'props = {"email": "max@example.de", "phone": "+49 30 1234567", "ip": "203.0.113.7", '
        '"iban": "DE89 3704 0044 0532 0130 00", "card": "4111111111111111"}'
    )
    masked = mask_line(line)
    for literal in ("max@", "1234567", "203.0.113.7", "0532 0130", "4111111111111111"):
        assert literal not in masked
    assert masked.startswith('props = {"email": "m***@example.de", "phone": "+49 ** *****67"')


@pytest.mark.parametrize(
    "line",
    [
        'mp.track(user.id, "Signed Up", {"plan": plan.name, "count": 3, "amount": 19.99})',
        "Mixpanel(token, consumer=Consumer(api_host='api-eu.mixpanel.com'))",
        "    return render(request, 'index.html', {'year': 2024, 'version': '1.2.3'})",
        "created = datetime(2024, 1, 31, 10, 0, 0)  # 2024-01-31 10:00:00",
        "",
    ],
)
def test_mask_line_leaves_ordinary_code_alone(line: str) -> None:
    assert mask_line(line) == line


def test_prefilter_never_hides_a_literal() -> None:
    """The cheap first look must accept everything a detector accepts."""
    texts = [*ALL_PERSONAL, *(f"x = '{text}'" for text in ALL_PERSONAL)]
    for text in texts:
        assert literals_module._HINT.search(text), text
