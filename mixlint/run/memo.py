"""The memo of whole runs: the same inputs give the findings of the last run again.

``mixlint check`` remembers its findings under a digest of everything they depend
on (every file's content, the configuration, the baseline, mixlint itself, the time
limit); when nothing changed since the last run with the same paths, they are read
back from the cache and nothing is analysed again. A run on some files (a pre-commit
hook) whose changed files are all files the prefilter leaves unparsed, and still
leaves unparsed, takes its findings from the last run on the whole project
(``from_project``).

May import the modules of ``mixlint.run`` below it (``options``, ``summarise``,
``facts``; ``workers`` for its type); ``mixlint.prefilter`` where used.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mixlint.cache import Cache, code_digest
from mixlint.model import FileProblem, Finding, ProjectModel
from mixlint.modules import UnresolvedImport
from mixlint.run.facts import ProjectFacts
from mixlint.run.options import Options, default_cache_dir
from mixlint.run.summarise import read_file

if TYPE_CHECKING:
    from mixlint.config import Config
    from mixlint.discovery import ProjectFiles
    from mixlint.naming import PathNames
    from mixlint.prefilter import Exports
    from mixlint.run.workers import Workers


@dataclass(slots=True)
class Checked:
    """What ``mixlint check`` reports: the model (root, files, problems, requested;
    complete unless the findings came from the cache), findings and source lines."""

    model: ProjectModel
    findings: list[Finding]
    lines: Mapping[str, Sequence[str]]


def _config_digest(config: Config) -> str:
    """The configuration and the baseline's content, as a digest."""

    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
        if isinstance(value, (set, frozenset)):
            return sorted(str(plain(item)) for item in value)
        if isinstance(value, (list, tuple)):
            return [plain(item) for item in value]
        if isinstance(value, (str, int, float, bool)) or value is None:
            return value
        return str(value)

    text = json.dumps(plain(config), sort_keys=True, default=str)
    baseline = ""
    if config.baseline:
        try:
            baseline = hashlib.sha256(Path(config.baseline).read_bytes()).hexdigest()
        except OSError:
            baseline = "missing"
    return hashlib.sha256(f"{text}\0{baseline}".encode()).hexdigest()


class Memo:
    """The findings of the last ``check_project`` of one project with one set of paths."""

    def __init__(
        self,
        cache: Cache,
        project: ProjectFiles,
        config: Config,
        options: Options,
        paths: PathNames,
        facts: ProjectFacts,
    ) -> None:
        self.cache = cache
        self.project = project
        self.paths = paths
        self.facts = facts
        self.options = options
        root = project.root
        self.requested = sorted(paths.relative(path) for path in project.requested)
        self.whole = "." in self.requested or "" in self.requested
        self.name = hashlib.sha256(
            json.dumps([str(root), self.requested, options.prefilter]).encode(
                "utf-8", "surrogatepass"
            )
        ).hexdigest()[:24]
        static = hashlib.sha256()
        for part in (
            code_digest(),
            _config_digest(config),
            repr(options.timeout),
            repr(sys.version_info[:2]),
            repr(sorted((str(p), m) for p, m in project.problems)),
        ):
            static.update(part.encode("utf-8", "surrogatepass"))
            static.update(b"\0")
        self.static = static.hexdigest()
        digest = hashlib.sha256(self.static.encode())
        digest.update(json.dumps(self.requested).encode("utf-8", "surrogatepass"))
        for relative in facts.order:
            digest.update(relative.encode("utf-8", "surrogatepass"))
            digest.update(b"\0")
            digest.update(facts.shas.get(relative, "unreadable").encode())
        self.digest = digest.hexdigest()

    @classmethod
    def open(
        cls,
        project: ProjectFiles,
        config: Config,
        options: Options,
        workers: Workers,
        paths: PathNames,
    ) -> Memo | None:
        """The memo of this run's paths (reading what the prefilter needs from every
        file, for its key); None without a usable cache."""
        if not options.cache:
            return None
        cache = Cache.open(options.cache_dir or default_cache_dir(project.root), config)
        if cache is None:
            return None
        workers.cache = cache
        order: list[str] = []
        by_relative: dict[str, Path] = {}
        for path in project.files:
            relative = paths.relative(path)
            if relative not in by_relative:
                by_relative[relative] = path
                order.append(relative)
        facts = ProjectFacts.compute(
            project.root, order, by_relative, cache, config, options, workers.get
        )
        return cls(cache, project, config, options, paths, facts)

    def load(self) -> Checked | None:
        return self._checked(self.cache.load_value(f"result-{self.name}", self.digest))

    def store(self, checked: Checked) -> None:
        self.cache.store_value(f"result-{self.name}", self.digest, self._value(checked))

    def _value(self, checked: Checked) -> tuple[Any, ...]:
        model = checked.model
        shown = {finding.path for finding in checked.findings}
        lines = {path: tuple(checked.lines[path]) for path in shown if path in checked.lines}
        return (
            list(model.files),
            set(model.requested or ()),
            list(model.problems),
            list(checked.findings),
            lines,
            list(model.unresolved),
        )

    # -- a run on some files, from the findings of the last run on the whole project

    def _project_name(self) -> str:
        material = json.dumps([str(self.project.root), self.options.prefilter])
        digest = hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()
        return f"project-{digest[:24]}"

    def store_project(
        self, checked: Checked, selection: set[str] | None, exports: Exports | None
    ) -> None:
        """After a prefiltered run on the whole project: its findings, the content of
        every file, what was parsed and what that exports."""
        if selection is None or exports is None:
            return
        record = (
            self.facts.order,
            dict(self.facts.shas),
            frozenset(selection),
            exports,
            self._value(checked),
        )
        self.cache.store_value(self._project_name(), self.static, record)

    def from_project(self) -> Checked | None:
        """The findings of the last run on the whole project, for the paths of this run,
        when what changed since cannot change them: every changed file is one the
        prefilter left unparsed and still leaves unparsed (it names nothing that
        matters and imports nothing relevant), and the files are the same."""
        if not self.options.prefilter:
            return None
        record = self.cache.load_value(self._project_name(), self.static)
        if not (isinstance(record, tuple) and len(record) == 5):
            return None
        order, shas, selection, exports, value = record
        from mixlint.prefilter import Exports

        if (
            order != self.facts.order
            or not isinstance(shas, dict)
            or not isinstance(selection, frozenset)
            or not isinstance(exports, Exports)
        ):
            return None
        changed = [r for r in order if shas.get(r) != self.facts.shas.get(r)]
        if any(r in selection or r not in self.facts.facts for r in changed):
            return None
        if changed and not self._still_unparsed(changed, exports):
            return None
        named = {self.paths.relative(path) for path in self.project.requested if path.is_file()}
        if any(not _compiles_file(self.facts.paths[r]) for r in named - selection):
            return None
        whole = self._checked(value)
        if whole is None or any(item.path in changed for item in whole.model.unresolved):
            return None
        model = whole.model
        model.requested = set(self.requested)
        findings = [finding for finding in whole.findings if model.in_scope(finding.path)]
        lines = {f.path: whole.lines[f.path] for f in findings if f.path in whole.lines}
        return Checked(model, findings, lines)

    def _still_unparsed(self, changed: list[str], exports: Exports) -> bool:
        """Whether the changed files still name nothing that matters, import nothing
        relevant, and import nothing of the project that cannot be resolved."""
        from mixlint.modules import ModuleFinder
        from mixlint.prefilter import named_mixpanel
        from mixlint.sdk import load_sdk

        finder = ModuleFinder.of_project(
            self.project.root, self.facts.order, load_sdk().first_names
        )
        for relative in changed:
            facts = self.facts.facts[relative]
            if facts.flags or named_mixpanel(relative):
                return False
            if facts.imports and exports.reaches(finder, relative, facts.imports):
                return False
            if any(
                finder.missing(relative, "." * level + module, names)
                for level, module, names in facts.imports
            ):
                return False
        return True

    def _checked(self, value: Any) -> Checked | None:
        if not (isinstance(value, tuple) and len(value) == 6):
            return None
        files, requested, problems, findings, lines, unresolved = value
        if not (
            isinstance(files, list)
            and isinstance(findings, list)
            and all(isinstance(finding, Finding) for finding in findings)
            and isinstance(problems, list)
            and all(isinstance(problem, FileProblem) for problem in problems)
            and isinstance(lines, dict)
            and isinstance(requested, set)
            and isinstance(unresolved, list)
            and all(isinstance(item, UnresolvedImport) for item in unresolved)
        ):
            return None
        model = ProjectModel(
            root=str(self.project.root),
            files=files,
            problems=problems,
            requested=requested,
            unresolved=unresolved,
        )
        return Checked(model, findings, lines)


def _compiles_file(path: Path) -> bool:
    from mixlint.prefilter import compiles

    try:
        return compiles(read_file(str(path)))
    except OSError:
        return False
