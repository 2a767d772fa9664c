"""Module summaries -> the ``ProjectModel``: resolve clients and wrappers, extract calls.

Resolution and extraction see all the summaries at once (each was made on its own
by ``mixlint.parse``). May import the resolver, the extractor and the model, never
the run machinery (``mixlint.run`` calls this).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from pathlib import Path

from mixlint.config import Config
from mixlint.extract import Extractor
from mixlint.model import CallSite, FileProblem, ModuleSummary, ProjectModel
from mixlint.modules import ModuleFinder
from mixlint.resolve import ProjectIndex
from mixlint.sdk import load_sdk


def assemble(
    root: Path,
    relatives: Sequence[str],
    finder: ModuleFinder,
    summaries: Sequence[ModuleSummary | FileProblem],
    config: Config,
    *,
    direct_only: bool = False,
) -> ProjectModel:
    """Resolution and extraction over the summaries (of all files, or of those that matter).

    ``direct_only``: the calls classified one by one, without the wrapper fixed point
    (a wrapper's call sites are in ``callers``): what the prefilter's rounds need.
    """
    model = ProjectModel(root=str(root), finder=finder)
    model.files.extend(relatives)
    for result in summaries:
        if isinstance(result, FileProblem):
            model.problems.append(result)
        else:
            model.modules[result.path] = result
    index = ProjectIndex(model.modules.values(), finder, load_sdk())
    extractor = Extractor(index, load_sdk(), config.wrappers, config.is_test_code)
    if direct_only:
        direct = [
            located
            for module in index.summaries.values()
            for site in module.calls
            for located in extractor.classify(module, site)
        ]
        model.calls = [located.call for located in direct]
        # The functions that put on a queue a tracking call drains are its callers.
        for _ in extractor.queued(direct, {}):
            pass
        extractor.queue_callers()
        model.objects = extractor.objects
        model.callers = extractor.callers
        return model
    calls, objects, callers = extractor.run()
    model.calls = calls
    model.objects = objects
    model.callers = callers
    model.runners = extractor.runners
    return model


class _Looked(dict[str, ModuleSummary]):
    """Summaries by path that note the project files asked for and absent."""

    def __init__(self, summaries: Iterable[ModuleSummary], files: AbstractSet[str]) -> None:
        super().__init__((summary.path, summary) for summary in summaries)
        self.files = files
        self.missing: set[str] = set()

    def get(self, path: str, default: ModuleSummary | None = None) -> ModuleSummary | None:  # type: ignore[override]
        found = super().get(path)
        if found is None:
            if path in self.files:
                self.missing.add(path)
            return default
        return found


def unread_files(
    summaries: Iterable[ModuleSummary],
    finder: ModuleFinder,
    config: Config,
    sites: Iterable[tuple[ModuleSummary, CallSite]],
) -> set[str]:
    """The project files the extractor would look into to classify ``sites`` and does
    not have (among ``summaries``): what the prefilter parses for a call that may reach
    tracking."""
    index = ProjectIndex(summaries, finder, load_sdk())
    looked = index.summaries = _Looked(index.summaries.values(), finder.files)
    extractor = Extractor(index, load_sdk(), config.wrappers, config.is_test_code)
    for module, site in sites:
        for _ in extractor.classify(module, site):
            pass
    return looked.missing
