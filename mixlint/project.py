"""Module summaries -> the ``ProjectModel``: resolve clients and wrappers, extract calls.

Resolution and extraction see all the summaries at once (each was made on its own
by ``mixlint.parse``). May import the resolver, the extractor and the model, never
the run machinery (``mixlint.run`` calls this).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from mixlint.config import Config
from mixlint.extract import Extractor
from mixlint.model import FileProblem, ModuleSummary, ProjectModel
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
    model.runners = extractor.runners
    return model
