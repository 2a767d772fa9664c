"""MX001 parse-error: a file mixlint could not read or parse."""

from __future__ import annotations

from collections.abc import Iterator

from mixlint.checks.base import CheckContext, Rule
from mixlint.model import Finding, Level, ProjectModel


class ParseError(Rule):
    id = "MX001"
    name = "parse-error"
    level = Level.ERROR
    summary = (
        "A Python file that cannot be read or parsed (a syntax error, Python 2 code, an "
        "unknown encoding, NUL bytes, an unreadable or oversized file). The scan goes on "
        "with the other files, but nothing is known about the tracking calls in this one, "
        "so its compliance is unknown and it is reported. A file that names nothing of "
        "Mixpanel (no SDK module, client, wrapper or module leading to one) is not parsed "
        "at all, since it cannot send anything, unless it is named on the command line (as "
        "a pre-commit hook names every changed file) or its text looks like Python 2 or a "
        "merge conflict; `--no-prefilter` parses every file."
    )
    why = (
        "Accountability (GDPR Art. 5(2)) and data protection by design (Art. 25) require "
        "that every place where personal data is sent to Mixpanel can be reviewed. A file "
        "the linter cannot read may hold tracking calls with personal data or without a "
        "consent check (Art. 6/7); a silent skip would turn 'unknown' into 'compliant'."
    )
    fix = (
        "Make the file valid Python 3 (for example `print(x)` instead of `print x`, "
        "`except E as e` instead of `except E, e`), save it as UTF-8 or declare its "
        "encoding (PEP 263), or exclude it in `[tool.mixlint] extend-exclude` when it is "
        "not part of the application (vendored code, templates, fixtures)."
    )
    tags = ("privacy", "gdpr", "coverage")
    security_severity = 4.0
    precision = "very-high"
    invalid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def report(user_id):
    print "tracking", user_id
    mp.track(user_id, "Report Generated")
""",
        """
import os


def export(path, rows):
    if not rows:
        raise ValueError, "nothing to export"
    os.chmod(path, 0644)
""",
        """
def signup(request:
    return render(request, "signup.html")
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def checkout(user, order):
    mp.track(str(user.pk), "Order Completed", {
        "total": str(order.total),
""",
        """
from mixpanel import Mixpanel

<<<<<<< HEAD
mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
=======
mp = Mixpanel(settings.MIXPANEL_TOKEN)
>>>>>>> feature/eu-residency
""",
    )
    valid = (
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def report(user_id, consent):
    print("tracking", user_id)
    if consent:
        mp.track(user_id, "Report Generated")
""",
        """
import os


def export(path, rows):
    if not rows:
        raise ValueError("nothing to export")
    os.chmod(path, 0o644)
""",
        """
match command.split():
    case ["sync", *names]:
        sync(names)
    case _:
        pass
""",
        """
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")


def checkout(user, order, consent):
    if consent:
        mp.track(str(user.pk), "Order Completed", {
            "total": str(order.total),
        })
""",
        """
# -*- coding: latin-1 -*-
from mixpanel import Mixpanel

mp = Mixpanel("3f9a1c7e5b2d48a09c6e1f4b7a2d8c05")
GREETING = "Grüß Gott"
""",
    )

    def check(self, project: ProjectModel, ctx: CheckContext) -> Iterator[Finding]:
        for problem in project.problems:
            yield self.finding(
                problem.path,
                problem.span,
                f"cannot analyse this file: {problem.message}; its compliance is unknown",
            )
