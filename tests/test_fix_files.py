"""``mixlint check --fix`` on files as people write them: every byte outside the edits is
kept (comments, quotes, CRLF line endings, encodings, a BOM), a file that changed since it
was analysed is left alone, and overlapping fixes are made one round after another."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from mixlint.checks import all_rules
from mixlint.cli import main
from mixlint.config import Config, load_config
from mixlint.engine import check
from mixlint.fix.codemod import apply_changes
from mixlint.fix.edits import text_edits
from mixlint.fix.files import applicable, fix_findings
from mixlint.model import Change, ChangeKind, Edit, Span
from mixlint.run import analyse

PYPROJECT = """\
[project]
name = "checkout"

[tool.mixlint]
pseudonymisation-key = "django.conf:settings.ANALYTICS_PEPPER"
"""


def write(root: Path, files: dict[str, bytes]) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return root


def crlf(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("utf-8")


def fix(root: Path, *options: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", str(root), "--no-cache", *options])
    return result.exit_code, result.stdout, result.stderr


# A Flask view in the style of a real code base: single quotes, comments at the end of
# lines and on lines of their own, a noqa for another tool, Windows line endings.
VIEWS = '''\
# -*- coding: utf-8 -*-
"""Checkout views (Windows line endings, as the team's editors save them)."""
from flask import request
from mixpanel import Consumer, Mixpanel

# The office proxy re-signs TLS.
mp = Mixpanel('PROJECT_TOKEN', consumer=Consumer(api_host='api-eu.mixpanel.com', verify_cert=False))


def checkout(user, cart):
    if user.analytics_consent:
        props = {
            'items': len(cart.items),  # a count, not the items
            "email": user.email,  # TODO: ask the DPO
            'currency': cart.currency,
        }
        props['phone'] = user.phone
        mp.track(str(user.id), 'Checkout', props)  # noqa: MX201, E501
        mp.people_set(str(user.id), {'plan': cart.plan}, meta={'$ip': request.remote_addr})


def close_account(user):
    mp.people_delete(str(user.id))  # erasure needs no consent
'''

VIEWS_FIXED = '''\
# -*- coding: utf-8 -*-
"""Checkout views (Windows line endings, as the team's editors save them)."""
from flask import request
from mixpanel import Consumer, Mixpanel

# The office proxy re-signs TLS.
mp = Mixpanel('PROJECT_TOKEN', consumer=Consumer(api_host='api-eu.mixpanel.com'))


def checkout(user, cart):
    if user.analytics_consent:
        props = {
            'items': len(cart.items),  # a count, not the items
            'currency': cart.currency,
        }
        mp.track(str(user.id), 'Checkout', props)  # noqa: E501
        mp.people_set(str(user.id), {'plan': cart.plan}, meta={'$ip': 0})


def close_account(user):
    mp.people_delete(str(user.id))  # erasure needs no consent
'''


def test_fix_keeps_every_other_byte_with_crlf_comments_and_quotes(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    code, out, err = fix(root, "--fix", "--unsafe-fixes")
    assert (root / "app/views.py").read_bytes() == crlf(VIEWS_FIXED)
    assert err == ""
    assert code == 0
    assert out == "Found 5 findings: 5 fixed, 0 remaining.\n"


def test_fix_keeps_the_last_line_break_of_a_file_with_lone_cr_line_endings(
    tmp_path: Path,
) -> None:
    """Classic Mac OS line endings: libcst reads such a file as one without a final line
    break, and would drop it when writing the fixed file."""
    root = write(tmp_path, {"app/views.py": VIEWS.replace("\n", "\r").encode()})
    assert fix(root, "--fix", "--unsafe-fixes")[0] == 0
    assert (root / "app/views.py").read_bytes() == VIEWS_FIXED.replace("\n", "\r").encode()


def test_safe_fixes_only_without_unsafe_fixes(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    code, out, _ = fix(root, "--fix")
    fixed = (root / "app/views.py").read_bytes().decode()
    # MX401 and MX002 (safe) are made; the properties and the IP (unsafe) are not.
    assert "verify_cert" not in fixed and "# noqa: E501\r\n" in fixed
    assert "user.email" in fixed and "request.remote_addr" in fixed
    assert code == 1
    assert out.splitlines()[-3:] == [
        "Found 5 findings: 2 fixed, 3 remaining (3 errors) in 1 file.",
        "By rule: MX101 (2), MX301 (1).",
        "No fixes available (3 hidden fixes can be enabled with the `--unsafe-fixes` option).",
    ]


def test_encodings_and_byte_order_mark_are_kept(tmp_path: Path) -> None:
    latin = (
        "# -*- coding: latin-1 -*-\n"
        "# Größe der Bestellung, für das Lager.\n"
        "from mixpanel import Consumer, Mixpanel\n\n"
        "mp = Mixpanel('t', consumer=Consumer(api_host='api-eu.mixpanel.com'))\n\n\n"
        "def bestellt(kunde, request):\n"
        "    if kunde.einwilligung:\n"
        "        mp.track(str(kunde.id), 'Bestellt', {'Größe': 2, 'ip': request.remote_addr})\n"
    )
    bom = (
        "from mixpanel import Consumer\n\n"
        "consumer = Consumer(events_url='http://api-eu.mixpanel.com/track', "
        "api_host='api-eu.mixpanel.com')  # ünïcode\n"
    )
    root = write(
        tmp_path,
        {"lager.py": latin.encode("latin-1"), "transport.py": b"\xef\xbb\xbf" + bom.encode()},
    )
    assert fix(root, "--fix", "--unsafe-fixes")[0] == 0
    assert (root / "lager.py").read_bytes() == latin.replace(
        "'ip': request.remote_addr", "'ip': 0"
    ).encode("latin-1")
    assert (root / "transport.py").read_bytes() == b"\xef\xbb\xbf" + bom.replace(
        "http://", "https://"
    ).encode()


def test_a_file_changed_since_it_was_analysed_is_left_alone(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    config = Config()
    result = check(analyse([root], config), config)
    edited = crlf(VIEWS.replace("'Checkout'", "'Checkout Started'"))
    (root / "app/views.py").write_bytes(edited)
    outcome = fix_findings(root, applicable(result.findings, True), result.lines)
    assert outcome.changed == {} and outcome.fixed == []
    assert outcome.problems == [
        "app/views.py: changed since it was analysed; its fixes were not applied "
        "(run mixlint again)"
    ]
    assert (root / "app/views.py").read_bytes() == edited


def test_a_fix_that_no_longer_applies_is_skipped_and_the_others_made(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    config = Config()
    result = check(analyse([root], config), config)
    chosen = applicable(result.findings, True)
    broken = next(f for f in chosen if f.rule_id == "MX301")
    assert broken.fix is not None
    # Its node is not at this span (as after an edit that kept the lines).
    change = broken.fix.changes[0]
    broken.fix = replace(broken.fix, changes=(replace(change, span=Span(1, 1, 1, 5)),))
    outcome = fix_findings(root, chosen, result.lines)
    assert broken not in outcome.fixed and len(outcome.fixed) == len(chosen) - 1
    span = broken.span
    assert outcome.problems == [
        f"app/views.py:{span.start_line}:{span.start_col}: the MX301 fix no longer applies; "
        "it was not made"
    ]
    assert "request.remote_addr" in outcome.changed["app/views.py"][1]


def test_fixes_inside_a_call_or_a_guarded_statement_are_made_together(tmp_path: Path) -> None:
    """MX401 removes an argument of the Consumer call to which MX402 adds one; MX201's
    guard wraps a call whose property MX102 drops: one round, one diff."""
    source = (
        "from mixpanel import Consumer, Mixpanel\n\n"
        "consumer = Consumer(verify_cert=False)\n"
        "mp = Mixpanel('PROJECT_TOKEN', consumer=consumer)\n\n\n"
        "def profile_updated(request, user):\n"
        "    mp.track(str(user.pk), 'Profile Updated', {'reply_to': user.email})\n"
    )
    root = write(tmp_path, {"settings_mixpanel.py": source.encode()})
    (root / "pyproject.toml").write_text(
        PYPROJECT + "[tool.mixlint.consent]\n"
        'predicates = ["app.consent:has_analytics_consent(request.user)"]\n',
        encoding="utf-8",
    )
    config = load_config(root / "pyproject.toml", [rule.id for rule in all_rules()])
    result = check(analyse([root], config), config)
    chosen = applicable(result.findings, True)
    assert [f.rule_id for f in chosen] == ["MX401", "MX402", "MX201", "MX102"]
    outcome = fix_findings(root, chosen, result.lines)
    assert outcome.fixed == chosen
    assert outcome.changed["settings_mixpanel.py"][1] == (
        "from mixpanel import Consumer, Mixpanel\n"
        "from app.consent import has_analytics_consent\n\n"
        'consumer = Consumer(api_host="api-eu.mixpanel.com")\n'
        "mp = Mixpanel('PROJECT_TOKEN', consumer=consumer)\n\n\n"
        "def profile_updated(request, user):\n"
        "    if has_analytics_consent(request.user):\n"
        "        mp.track(str(user.pk), 'Profile Updated', {})\n"
    )


def test_overlapping_fixes_are_made_in_the_next_round(tmp_path: Path) -> None:
    """Two MX002 on one directive: each removes one rule ID; the second waits a round."""
    source = (
        "from mixpanel import Consumer, Mixpanel\n\n"
        "mp = Mixpanel('PROJECT_TOKEN', consumer=Consumer(api_host='api-eu.mixpanel.com'))\n\n\n"
        "def checkout(user, consent):\n"
        "    if consent:\n"
        "        mp.track(str(user.pk), 'Checkout')  # noqa: MX201, MX999, E501\n"
    )
    root = write(tmp_path, {"checkout.py": source.encode()})
    config = Config()
    result = check(analyse([root], config), config)
    first = fix_findings(root, applicable(result.findings, False), result.lines)
    assert [f.message for f in first.fixed] == ["unused suppression: no MX201 finding on this line"]
    code, out, _ = fix(root, "--fix")
    assert (root / "checkout.py").read_text() == source.replace("MX201, MX999, E501", "E501")
    assert (code, out) == (0, "Found 2 findings: 2 fixed, 0 remaining.\n")


def test_diff_prints_what_fix_would_do_and_writes_nothing(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    code, out, err = fix(root, "--diff")
    assert (root / "app/views.py").read_bytes() == crlf(VIEWS)
    assert code == 1
    assert err == "Would fix 2 findings (3 additional fixes available with `--unsafe-fixes`).\n"
    assert out == (
        "--- a/app/views.py\n"
        "+++ b/app/views.py\n"
        "@@ -4,7 +4,7 @@\n"
        " from mixpanel import Consumer, Mixpanel\n"
        " \n"
        " # The office proxy re-signs TLS.\n"
        "-mp = Mixpanel('PROJECT_TOKEN', consumer=Consumer("
        "api_host='api-eu.mixpanel.com', verify_cert=False))\n"
        "+mp = Mixpanel('PROJECT_TOKEN', consumer=Consumer(api_host='api-eu.mixpanel.com'))\n"
        " \n"
        " \n"
        " def checkout(user, cart):\n"
        "@@ -15,7 +15,7 @@\n"
        "             'currency': cart.currency,\n"
        "         }\n"
        "         props['phone'] = user.phone\n"
        "-        mp.track(str(user.id), 'Checkout', props)  # noqa: MX201, E501\n"
        "+        mp.track(str(user.id), 'Checkout', props)  # noqa: E501\n"
        "         mp.people_set(str(user.id), {'plan': cart.plan}, meta={'$ip': "
        "request.remote_addr})\n"
        " \n"
        " \n"
    )
    assert fix(root, "--diff", "--exit-zero")[0] == 0
    # With the unsafe fixes, nothing is hidden; after --fix there is nothing to show.
    assert fix(root, "--diff", "--unsafe-fixes")[2] == "Would fix 5 findings.\n"
    fix(root, "--fix", "--unsafe-fixes")
    assert fix(root, "--diff", "--unsafe-fixes") == (0, "", "No findings would be fixed.\n")


def test_diff_masks_personal_data_in_literals(tmp_path: Path) -> None:
    source = (
        "from mixpanel import Consumer, Mixpanel\n\n"
        "mp = Mixpanel('t', consumer=Consumer(api_host='api-eu.mixpanel.com'))\n\n\n"
        "def seed(consent):\n"
        "    if consent:\n"
        "        mp.track('fixture', 'Seeded', {'support_contact': 'jane.doe@example.com'})\n"
    )
    root = write(tmp_path, {"seed.py": source.encode()})
    _, out, _ = fix(root, "--diff", "--unsafe-fixes")
    assert "jane.doe@example.com" not in out
    assert "-        mp.track('fixture', 'Seeded', {'support_contact': " in out
    assert "+        mp.track('fixture', 'Seeded', {})" in out


def test_config_keys_fix_and_unsafe_fixes(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    pyproject = root / "pyproject.toml"
    pyproject.write_text(PYPROJECT + "fix = true\nunsafe-fixes = true\n", encoding="utf-8")
    assert fix(root, "--no-fix")[0] == 1  # the command line wins
    assert (root / "app/views.py").read_bytes() == crlf(VIEWS)
    assert fix(root, "--no-unsafe-fixes")[0] == 1
    assert "request.remote_addr" in (root / "app/views.py").read_text()
    assert fix(root)[0] == 0
    assert (root / "app/views.py").read_bytes() == crlf(VIEWS_FIXED)
    pyproject.write_text(PYPROJECT + "fix = 'yes'\n", encoding="utf-8")
    code, _, err = fix(root)
    assert code == 2
    assert "key 'fix': expected true or false, got 'yes'" in err


def test_text_report_marks_fixable_findings_as_ruff_does(tmp_path: Path) -> None:
    root = write(tmp_path, {"app/views.py": crlf(VIEWS)})
    _, out, _ = fix(root)
    headers = [line for line in out.splitlines() if line.startswith("app/views.py:")]
    assert [header.split(" ", 2)[1:2] + header.split(" ")[2:3] for header in headers] == [
        ["MX401", "[*]"],
        ["MX101", "property"],
        ["MX101", "property"],
        ["MX002", "[*]"],
        ["MX301", "meta"],
    ]
    assert out.splitlines()[-1] == (
        "[*] 2 fixable with the `--fix` option "
        "(3 hidden fixes can be enabled with the `--unsafe-fixes` option)."
    )
    _, out, _ = fix(root, "--unsafe-fixes")
    assert out.splitlines()[-1] == "[*] 5 fixable with the `--fix` option."
    assert out.count(" [*] ") == 5


@pytest.mark.parametrize(
    ("before", "after", "edits"),
    [
        ("a = 1\r\nb = 2\r\n", "a = 1\r\n", [Edit("p.py", Span(1, 6, 2, 6), "")]),
        ("import x\n\nf(a, b)\n", "import x\nimport os\n\nf(a)\n", [
            Edit("p.py", Span(2, 1, 2, 1), "import os\n"),
            Edit("p.py", Span(3, 4, 3, 7), ""),
        ]),
        ("x = 'http://h'", "x = 'https://h'", [Edit("p.py", Span(1, 10, 1, 10), "s")]),
    ],
)  # fmt: skip
def test_text_edits_are_the_smallest_replacements(
    before: str, after: str, edits: list[Edit]
) -> None:
    assert text_edits("p.py", before, after) == edits


def test_every_kind_of_change_keeps_the_layout_around_it() -> None:
    source = (
        "track(\n"
        "    user.pk,\n"
        "    {\n"
        "        'plan': plan,  # kept\n"
        "        'email': email  # removed with its line\n"
        "    },\n"
        "    verify=False,\n"
        ")\n"
    )
    changes = [
        Change(ChangeKind.REMOVE_ENTRY, "p.py", Span(5, 18, 5, 23), key="email",
               inner=Span(5, 9, 5, 16)),
        Change(ChangeKind.REMOVE_ENTRY, "p.py", Span(7, 12, 7, 17), key="verify"),
        Change(ChangeKind.ADD_ARGUMENT, "p.py", Span(1, 1, 8, 2), '"eu"', key="residency"),
    ]  # fmt: skip
    # ADD_ARGUMENT overlaps the others: made on its own, the layout is that of the call.
    assert apply_changes(source, changes[:2]) == (
        "track(\n    user.pk,\n    {\n        'plan': plan,  # kept\n    },\n)\n"
    )
    assert apply_changes(source, changes[2:]) == source.replace(
        "    verify=False,\n", '    verify=False,\n    residency="eu",\n'
    )


# A run served from the cache reports fixes without libcst: the edits are cached by the
# fix and the content of its file, and made again when that content changes.
_EDITS_OF_A_RUN = """\
import json, sys
from mixlint.cli import main
try:
    main(["check", sys.argv[1], "--format", "json", "--exit-zero", "--jobs", "1"],
         standalone_mode=False)
except SystemExit:
    pass
print("libcst imported:", "libcst" in sys.modules, file=sys.stderr)
"""


def _edits_of_a_run(root: Path) -> tuple[list[object], str]:
    done = subprocess.run(
        [sys.executable, "-c", _EDITS_OF_A_RUN, str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(done.stdout)
    edits = [(f["rule"], f["fix"]["edits"]) for f in report["findings"] if f.get("fix")]
    return edits, done.stderr.strip()


def test_planned_edits_are_cached_by_the_content_of_their_file(tmp_path: Path) -> None:
    root = write(tmp_path / "checkout", {"views.py": crlf(VIEWS)})
    first, imported = _edits_of_a_run(root)
    assert imported == "libcst imported: True"
    assert first and all(edits for _, edits in first)
    again, imported = _edits_of_a_run(root)
    assert (again, imported) == (first, "libcst imported: False")
    views = root / "views.py"
    views.write_bytes(b"# moved down one line\r\n" + views.read_bytes())
    moved, imported = _edits_of_a_run(root)
    assert imported == "libcst imported: True"
    assert [rule for rule, _ in moved] == [rule for rule, _ in first]
    for (_, before), (_, after) in zip(first, moved, strict=True):
        assert [e["start_line"] + 1 for e in before] == [e["start_line"] for e in after]
