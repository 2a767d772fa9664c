"""Module summaries -> the ``ProjectModel``: resolve clients and wrappers, extract calls.

Resolution and extraction see all the summaries at once (each was made on its own
by ``mixlint.parse``). May import the resolver, the extractor and the model, never
the run machinery (``mixlint.run`` calls this).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from mixlint.config import Config
from mixlint.extract import Extractor
from mixlint.model import CallSite, FileProblem, ModuleSummary, ProjectModel
from mixlint.resolve import ProjectIndex
from mixlint.sdk import load_sdk

if TYPE_CHECKING:
    from mixlint.naming import ModuleName


def assemble(
    root: Path,
    relatives: Sequence[str],
    names: dict[str, ModuleName],
    summaries: Sequence[ModuleSummary | FileProblem],
    config: Config,
    *,
    direct_only: bool = False,
) -> ProjectModel:
    """Resolution and extraction over the summaries (of all files, or of those that matter).

    ``direct_only``: the calls classified one by one, without the wrapper fixed point
    (a wrapper's call sites are in ``callers``): what the prefilter's rounds need.
    """
    model = ProjectModel(root=str(root))
    model.files.extend(relatives)
    for result in summaries:
        if isinstance(result, FileProblem):
            model.problems.append(result)
        else:
            model.modules[result.path] = result
    index = ProjectIndex(
        model.modules.values(), {path: name.source_root for path, name in names.items()}, load_sdk()
    )
    extractor = Extractor(index, load_sdk(), config.wrappers)
    if direct_only:
        model.calls = [
            located.call
            for module in index.summaries.values()
            for site in module.calls
            for located in extractor.classify(module, site)
        ]
        model.objects = extractor.objects
        model.callers = extractor.callers
        return model
    calls, objects, callers = extractor.run()
    model.calls = calls
    model.objects = objects
    model.callers = callers
    return model


class _Recording(ProjectIndex):
    """A ``ProjectIndex`` that notes the project files it looks for and does not have."""

    def __init__(
        self,
        summaries: Iterable[ModuleSummary],
        names: Mapping[str, ModuleName],
        locate: Callable[[str, str], str | None],
    ) -> None:
        super().__init__(
            summaries, {path: name.source_root for path, name in names.items()}, load_sdk()
        )
        self.locate = locate
        self.missing: set[str] = set()

    def find_module(self, name: str, importer: ModuleSummary) -> ModuleSummary | None:
        found = super().find_module(name, importer)
        if found is None:
            path = self.locate(name, importer.path)
            if path is not None:
                self.missing.add(path)
        return found


def unread_files(
    summaries: Iterable[ModuleSummary],
    names: Mapping[str, ModuleName],
    config: Config,
    sites: Iterable[tuple[ModuleSummary, CallSite]],
    locate: Callable[[str, str], str | None],
) -> set[str]:
    """The files the extractor would read to classify ``sites`` and does not have (among
    ``summaries``): ``locate`` gives the file of a module the importer would import, if
    the project has one. What the prefilter parses for a call that may reach tracking."""
    index = _Recording(summaries, names, locate)
    extractor = Extractor(index, load_sdk(), config.wrappers)
    for module, site in sites:
        for _ in extractor.classify(module, site):
            pass
    return index.missing
