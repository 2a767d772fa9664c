"""The edits reports show for a fix are the edits of the whole fixed file, at the price
of the fix.

A report makes each finding's fix on its own and works its edits out from the
statements the fix rewrites (``mixlint.fix.regions``) and the lines around them
(``mixlint.fix.linediff``). They must be what comparing the whole file before and after
``--fix`` gives (``text_edits`` of the code ``fixed_code`` makes), byte for byte: on every
fix of every rule's INVALID examples in the layouts files come in, and on a module whose
fixes land in every kind of block.
"""

from __future__ import annotations

import difflib
import random
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mixlint.checks import all_rules
from mixlint.config import Config
from mixlint.engine import check
from mixlint.fix.codemod import Fixer
from mixlint.fix.edits import plan_edits, text_edits
from mixlint.fix.files import changes_in, fixed_code, lines_of
from mixlint.fix.linediff import LineDiff, Stretch
from mixlint.model import Edit, Finding
from mixlint.run import analyse
from tests.helpers import run, write_project
from tests.opt_in import LONG
from tests.test_fix_examples import project_config

REPO = Path(__file__).resolve().parent.parent


def _layouts(example: str) -> Iterator[tuple[str, str]]:
    code = textwrap.dedent(example).lstrip("\n")
    yield "plain", code
    yield "crlf", code.replace("\n", "\r\n")
    yield "lone-cr", code.replace("\n", "\r")
    yield "no-final-line-break", code.rstrip("\n")
    yield "docstring-and-future", '"""Analytics."""\nfrom __future__ import annotations\n\n' + code
    yield "shebang-and-licence", "#!/usr/bin/env python\n# Copyright (c) 2024 Example.\n\n" + code
    yield (
        "long",
        (
            "".join(f"# generated line {i}\n" for i in range(60))
            + code
            + "".join(f"\nSETTING_{i} = {i}\n" for i in range(40))
        ),
    )
    yield "in-a-class", "class Handlers:\n" + textwrap.indent(code, "    ")
    yield "tabs", code.replace("    ", "\t")


LAYOUTS = [name for name, _ in _layouts("")]


def _whole(root: Path, finding: Finding, fixers: dict[str, Fixer]) -> tuple[Edit, ...]:
    """The finding's edits from its whole file, fixed as ``--fix`` fixes it."""
    assert finding.fix is not None
    edits: list[Edit] = []
    for path in dict.fromkeys(change.path for change in finding.fix.changes):
        before = (root / path).read_bytes().decode("utf-8")
        fixer = fixers.setdefault(path, Fixer(before))
        after = fixed_code(fixer, changes_in(finding, path), path)
        if after is None:
            return ()
        edits += text_edits(path, before, after)
    return tuple(edits)


def _planned_and_whole(root: Path, config: Config) -> list[tuple[Finding, tuple[Edit, ...]]]:
    result = check(analyse([root], config), config)
    plan_edits(root, result.findings, result.lines)
    fixable = [f for f in result.findings if f.fix is not None and f.suppressed is None]
    fixers: dict[str, Fixer] = {}
    return [(finding, _whole(root, finding, fixers)) for finding in fixable]


@pytest.mark.parametrize("layout", LAYOUTS if LONG else ["crlf", "lone-cr", "in-a-class"])
def test_edits_of_every_rule_example_are_those_of_the_whole_file(
    tmp_path: Path, layout: str
) -> None:
    for rule in all_rules():
        for index, example in enumerate(rule.invalid if rule.autofix else ()):
            code = dict(_layouts(example))[layout]
            (tmp_path / f"{rule.id.lower()}_{index}.py").write_bytes(code.encode("utf-8"))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'examples'\n", encoding="utf-8")
    compared = _planned_and_whole(tmp_path, project_config())
    assert len(compared) >= 140
    for finding, whole in compared:
        assert finding.fix is not None
        assert finding.fix.edits == whole, (finding.rule_id, finding.path, finding.span)
    assert sum(1 for finding, _ in compared if finding.fix and finding.fix.edits) >= 140


# Fixes in every kind of block: branches of if/elif/else, try/except/else/finally, a
# decorated method, a nested function, module-level code at the end of a file without a
# final line break; suppressions on their own line, at the end of a block and of a line.
ACCOUNTS = '''\
"""Account events (tracked when the user agreed to analytics)."""
import logging
from functools import wraps

from mixpanel import Mixpanel

log = logging.getLogger(__name__)
mp = Mixpanel("PROJECT_TOKEN")


def audited(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        mp.track(str(request.user.pk), "Audited", {"view": view.__name__})
        return response

    return wrapper


class AccountViews:
    @audited
    def signup(self, request, user, plan):
        if plan == "trial":
            mp.track(str(user.pk), "Trial Started", {"email": user.email})
        elif plan == "team":
            props = {"seats": plan.seats}
            props["phone"] = user.phone
            mp.track(str(user.pk), "Team Created", props)
        else:
            # mixlint: ignore[MX999]
            mp.people_set(str(user.pk), {"$name": user.get_full_name()})

    def close(self, request, user):
        try:
            mp.people_delete(str(user.pk))
        except ConnectionError:
            log.warning("Mixpanel unreachable")  # noqa: MX201
        else:
            mp.track(str(user.pk), "Account Closed", {"ip": request.META["REMOTE_ADDR"]})
        finally:
            log.info("closed %s", user.pk)
            # mixlint: ignore[MX101]


mp.track("system", "Module Loaded", {"contact": "ops@example.com"})'''


def test_edits_in_every_kind_of_block_are_those_of_the_whole_file(tmp_path: Path) -> None:
    for name, code in [("accounts.py", ACCOUNTS), ("accounts_crlf.py", ACCOUNTS)]:
        if name.endswith("crlf.py"):
            code = code.replace("\n", "\r\n")
        (tmp_path / name).write_bytes(code.encode("utf-8"))
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'accounts'\n", encoding="utf-8")
    compared = _planned_and_whole(tmp_path, project_config())
    rules = sorted({finding.rule_id for finding, _ in compared})
    assert rules == ["MX002", "MX101", "MX102", "MX201", "MX301", "MX402"]
    for finding, whole in compared:
        assert finding.fix is not None
        assert whole and finding.fix.edits == whole, (finding.rule_id, finding.span)


def test_a_fix_in_a_long_file_rewrites_its_own_statements(tmp_path: Path) -> None:
    """What a fix costs follows what it changes: in a file of 5,000 comment lines, the
    MX101 fix rewrites the line of its call, and the MX402 fix the import and the client
    after it."""
    source = (
        "from mixpanel import Mixpanel\n\n"
        'mp = Mixpanel("PROJECT_TOKEN")\n\n'
        + "".join(f"# generated line {i}\n" for i in range(5000))
        + "\ndef signup(user, consent):\n"
        "    if consent:\n"
        '        mp.track(user.id, "Signed Up", {"email": user.email})\n'
    )
    root = write_project(tmp_path, {"app.py": source})
    found = {f.rule_id: f for f in run(root).findings if f.fix is not None}
    fixer = Fixer(source)
    track = '        mp.track(user.id, "Signed Up", {"email": user.email})\n'
    assert [
        (source[region.start : region.end], region.text)
        for region in fixer.regions(changes_in(found["MX101"], "app.py"))
    ] == [(track, '        mp.track(user.id, "Signed Up", {})\n')]
    assert [
        (source[region.start : region.end], region.text)
        for region in fixer.regions(changes_in(found["MX402"], "app.py"))
    ] == [
        (
            'from mixpanel import Mixpanel\n\nmp = Mixpanel("PROJECT_TOKEN")\n',
            "from mixpanel import Consumer, Mixpanel\n\n"
            'mp = Mixpanel("PROJECT_TOKEN", consumer=Consumer(api_host="api-eu.mixpanel.com"))\n',
        )
    ]


@pytest.mark.parametrize("seed", range(8 if LONG else 2))
def test_line_diff_is_sequence_matchers(seed: int) -> None:
    """``LineDiff`` against ``difflib.SequenceMatcher`` on stretches of mixlint's own source
    rewritten at random, with lines of the same file (blank lines next to blank lines,
    closing brackets, repeated statements: where a diff has choices to make)."""
    sources = sorted((REPO / "mixlint").rglob("*.py"))
    draw = random.Random(seed)
    for _ in range(500):
        old = lines_of(draw.choice(sources).read_text(encoding="utf-8"))
        stretches: list[Stretch] = []
        start = draw.randrange(len(old) + 1)
        while start <= len(old) and len(stretches) < 3:
            end = min(len(old), start + draw.choice([0, 0, 1, 2, 3]))
            lines = draw.choices(old, k=draw.choice([0, 1, 1, 2, 3])) or ["\n"]
            if draw.random() < 0.3:
                lines = ["\n", *old[start:end]]
            stretches.append(Stretch(start, end, lines))
            start = end + draw.choice([1, 1, 2, 3, 5, 40])
        new: list[str] = []
        done = 0
        for stretch in stretches:
            new += [*old[done : stretch.start], *stretch.lines]
            done = stretch.end
        new += old[done:]
        diff = LineDiff(old, stretches)
        assert [diff.new(index) for index in range(len(new))] == new
        expected = difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        assert diff.opcodes() == expected, stretches
