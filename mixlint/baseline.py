"""Fingerprints and the baseline file.

A baseline records today's findings so that CI fails only on new ones. Line
numbers move with every edit above a finding, so a fingerprint is built from
what the finding is about instead: the rule, the file, the normalised text of
its source lines and of its span, and which occurrence of that same text it is.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from mixlint.atomic import write_atomic
from mixlint.config import ConfigError, display_path
from mixlint.literals import mask_line
from mixlint.model import Finding

BASELINE_VERSION = 1
FINGERPRINT_LENGTH = 24  # hex digits of sha256: 96 bits, ample for one project


def fingerprint(finding: Finding, lines: Sequence[str], *, occurrence: int = 0) -> str:
    """A fingerprint that survives lines moving but tells different findings apart.

    ``occurrence`` is the finding's index among findings with the same rule,
    path and source text, in file order (``assign_fingerprints`` counts it).
    """
    return _digest((finding.rule_id, finding.path, *_context(finding, lines)), occurrence)


def assign_fingerprints(
    findings: Iterable[Finding], lines_by_path: Mapping[str, Sequence[str]]
) -> None:
    """Set ``fingerprint`` on every finding, numbering identical ones in file order."""
    seen: Counter[tuple[str, str, str, str]] = Counter()
    ordered = sorted(
        findings,
        key=lambda f: (*f.sort_key(), f.span.end_line, f.span.end_col, f.message),
    )
    for finding in ordered:
        lines = lines_by_path.get(finding.path, ())
        key = (finding.rule_id, finding.path, *_context(finding, lines))
        finding.fingerprint = _digest(key, seen[key])
        seen[key] += 1


def _digest(key: tuple[str, str, str, str], occurrence: int) -> str:
    parts = (*key, str(occurrence))
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:FINGERPRINT_LENGTH]


def _context(finding: Finding, lines: Sequence[str]) -> tuple[str, str]:
    """The normalised text of the finding's lines, and of its span."""
    span = finding.span
    first, last = max(span.start_line, 1), max(span.end_line, span.start_line)
    selected = [line.rstrip("\r\n") for line in lines[first - 1 : last]]
    if not selected:
        return "", ""
    context = "\n".join(_normalise(line) for line in selected)
    if len(selected) == 1:
        under = selected[0][max(span.start_col - 1, 0) : max(span.end_col - 1, 0)]
    else:
        pieces = [selected[0][max(span.start_col - 1, 0) :], *selected[1:-1]]
        pieces.append(selected[-1][: max(span.end_col - 1, 0)])
        under = "\n".join(pieces)
    return context, _normalise(under)


def _normalise(text: str) -> str:
    # Re-indenting or re-wrapping whitespace is not a new finding.
    return " ".join(text.split())


def write_baseline(path: Path, findings: Iterable[Finding]) -> None:
    """Record findings (those not suppressed inline) in a baseline file, atomically.

    Fingerprints must have been assigned. Raises ``ConfigError`` when the file
    cannot be written.
    """
    entries: dict[str, dict[str, str]] = {}
    for finding in findings:
        if finding.suppressed == "inline":
            continue
        if not finding.fingerprint:
            raise ValueError(f"finding without a fingerprint: {finding.rule_id} {finding.path}")
        entries.setdefault(
            finding.fingerprint,
            {
                "rule": finding.rule_id,
                "path": finding.path,
                "fingerprint": finding.fingerprint,
                # The file is committed: never a personal-data literal in it.
                "message": mask_line(finding.message),
            },
        )
    document = {
        "version": BASELINE_VERSION,
        "tool": "mixlint",
        "findings": sorted(
            entries.values(), key=lambda e: (e["path"], e["rule"], e["fingerprint"])
        ),
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    try:
        write_atomic(Path(path), text)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ConfigError(f"baseline '{display_path(path)}': cannot write: {reason}") from None


def load_baseline(path: Path) -> set[str]:
    """The fingerprints recorded in a baseline file.

    Raises ``ConfigError`` with a one-line message when the file is missing,
    unreadable or not a mixlint baseline.
    """
    where = f"baseline '{display_path(path)}'"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{where}: file not found (create it with "
            f"'mixlint check --write-baseline {display_path(path)}')"
        ) from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: not valid UTF-8") from None
    except OSError as error:
        raise ConfigError(f"{where}: cannot read: {error.strerror or error}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{where}: not valid JSON (line {error.lineno})") from None

    if (
        not isinstance(document, dict)
        or document.get("tool") != "mixlint"
        or not isinstance(document.get("findings"), list)
    ):
        raise ConfigError(
            f'{where}: not a mixlint baseline (expected a JSON object with "tool": "mixlint" '
            'and a "findings" list)'
        )
    if document.get("version") != BASELINE_VERSION:
        raise ConfigError(
            f"{where}: unsupported version {document.get('version')!r} "
            f"(expected {BASELINE_VERSION})"
        )
    fingerprints: set[str] = set()
    for index, entry in enumerate(document["findings"]):
        value = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(value, str) or not value:
            raise ConfigError(
                f"{where}: findings[{index}]: expected an object with a 'fingerprint' string"
            )
        fingerprints.add(value)
    return fingerprints


def apply_baseline(findings: Iterable[Finding], fingerprints: set[str]) -> None:
    """Mark findings recorded in the baseline, unless already suppressed inline."""
    for finding in findings:
        if finding.suppressed is None and finding.fingerprint in fingerprints:
            finding.suppressed = "baseline"
