"""How modules are found, and the imports of project modules that cannot be.

First the finder alone, on the paths of realistic layouts: namespace packages,
relative imports from a file's folder, the roots (project root, packaging folders,
``src``, the folder above a top-level package, a script's own folder) nearest first,
a regular module winning over a namespace folder, the SDK's name. Then the report of
unresolved imports as users meet it: the text report's last line, ``--statistics``,
the inventory (JSON and Markdown), the same with and without the prefilter, and no
word at all when every import resolves.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mixlint.cli import main
from mixlint.config import Config
from mixlint.modules import Module, ModuleFinder
from mixlint.run import Options, analyse
from tests.helpers import write_project

MONOREPO = [
    "services/api/pyproject.toml",  # not a .py file: a packaging marker, see MARKED
    "services/api/app/__init__.py",
    "services/api/app/config.py",
    "services/api/app/middleware/audit.py",
    "services/worker/setup.py",
    "services/worker/app/__init__.py",
    "services/worker/app/config.py",
    "libs/tracking/src/tracking/__init__.py",
    "libs/tracking/src/tracking/client.py",
    "libs/tracking/pyproject.toml",
    "backend/mixpanel/mix.py",
    "backend/api/auth.py",
    "docker/healthcheck.py",
    "scripts/mixpanel.py",
    "scripts/report.py",
    "scripts/helpers.py",
    "analytics/mixpanel.py",
    "analytics/events.py",
    "__init__.py",
]
MARKED = {"services/api", "libs/tracking"}


@pytest.fixture(scope="module")
def finder() -> ModuleFinder:
    return ModuleFinder(MONOREPO, MARKED.__contains__, external={"mixpanel"})


@pytest.mark.parametrize(
    ("importer", "dotted", "found"),
    [
        # the repository root's __init__.py is no obstacle; backend/mixpanel/ is a namespace
        ("backend/api/auth.py", "backend.mixpanel.mix", ("backend/mixpanel/mix.py", ())),
        (
            "backend/api/auth.py",
            "backend.mixpanel.mix.track",
            ("backend/mixpanel/mix.py", ("track",)),
        ),
        # relative imports from the file's folder, packages or not
        (
            "services/api/app/middleware/audit.py",
            "..config.client",
            ("services/api/app/config.py", ("client",)),
        ),
        ("backend/api/auth.py", "..mixpanel.mix", ("backend/mixpanel/mix.py", ())),
        ("backend/api/auth.py", "...outside", ("__init__.py", ("outside",))),
        ("backend/api/auth.py", "....outside", (None, ())),
        # the nearest root wins: each service's `app` is its own
        ("services/api/app/middleware/audit.py", "app.config", ("services/api/app/config.py", ())),
        ("services/worker/app/config.py", "app.config", ("services/worker/app/config.py", ())),
        # a src/ folder under a packaging root serves the whole repository
        ("backend/api/auth.py", "tracking.client", ("libs/tracking/src/tracking/client.py", ())),
        # a script imports its siblings; the SDK's own name is never one of them
        ("scripts/report.py", "helpers", ("scripts/helpers.py", ())),
        ("analytics/events.py", "mixpanel", (None, ())),
        # a project folder named like an installed package is a namespace package at most
        ("backend/api/auth.py", "docker", ("docker", ())),
        # third-party modules are not the project's
        ("backend/api/auth.py", "requests", (None, ())),
    ],
)
def test_imports_name_the_files_python_would_import(
    finder: ModuleFinder,
    importer: str,
    dotted: str,
    found: tuple[str | None, tuple[str, ...]],
) -> None:
    module, attrs = finder.cut(importer, dotted)
    assert (module.path if module is not None else None, attrs) == found


def test_a_module_named_like_the_sdk_shadows_it_only_beside_its_importers() -> None:
    finder = ModuleFinder(
        ["mixpanel.py", "report.py", "web/views.py", "web/mixpanel.py"],
        lambda folder: False,
        external={"mixpanel"},
    )
    # in the project root: Python puts it first on the path (scripts fixture)
    assert finder.find("report.py", "mixpanel") == Module("mixpanel.py")
    # the file itself imports the SDK, not itself
    assert finder.find("mixpanel.py", "mixpanel") is None
    # a namespace package's mixpanel.py is no sibling of the files beside it
    assert finder.find("web/views.py", "mixpanel") == Module("mixpanel.py")
    assert finder.find("web/mixpanel.py", "mixpanel") == Module("mixpanel.py")


def test_a_regular_module_wins_over_a_namespace_folder() -> None:
    finder = ModuleFinder(
        ["shared/utils.py", "tools/shared/x.py", "tools/run.py", "pyproject-less/a.py"],
        lambda folder: folder == "tools",
        external=(),
    )
    # tools/ is the nearest root of tools/run.py, but tools/shared/ is only a folder there
    assert finder.find("tools/run.py", "shared.utils") == Module("shared/utils.py")
    assert finder.find("tools/run.py", "shared") == Module("tools/shared", namespace=True)


@pytest.mark.parametrize(
    ("importer", "module", "names", "missing"),
    [
        ("backend/api/auth.py", "backend.mixpanel.gone", None, "backend.mixpanel.gone"),
        ("backend/api/auth.py", "backend.mixpanel", ("mix", "gone"), "backend.mixpanel.gone"),
        ("services/api/app/middleware/audit.py", "..settings", ("DEBUG",), "..settings"),
        ("services/api/app/middleware/audit.py", "app.gone", ("x",), "app.gone"),
        # a regular package's names may be attributes of its __init__: not checked
        ("services/api/app/middleware/audit.py", "app", ("anything",), None),
        # an installed package that happens to share a project folder's name, or the
        # namespace package it shares with the project (``cognite.client``)
        ("backend/api/auth.py", "docker", ("errors",), None),
        ("backend/api/auth.py", "docker.errors", None, None),
        ("docker/healthcheck.py", "docker.errors", None, None),
        ("backend/api/auth.py", "requests.adapters", None, None),
        ("backend/api/auth.py", "backend.mixpanel.mix", ("track_to_mp",), None),
    ],
)
def test_what_an_import_of_the_project_misses(
    finder: ModuleFinder,
    importer: str,
    module: str,
    names: tuple[str, ...] | None,
    missing: str | None,
) -> None:
    assert finder.missing(importer, module, names) == missing


# -- the report ------------------------------------------------------------------------

BROKEN = {
    "app/config.py": """
        import os

        from mixpanel import Consumer, Mixpanel

        client = Mixpanel(
            os.environ["MIXPANEL_TOKEN"], consumer=Consumer(api_host="api-eu.mixpanel.com")
        )
    """,
    "app/middleware/audit.py": """
        from ..config import client
        from ..consent import analytics_allowed


        def audit(request, response):
            if analytics_allowed(request):
                client.track(request.state.user_id, "API Call", {"status": response.status_code})
    """,
    "app/services/billing.py": """
        def invoice_total(order):
            return sum(line.amount for line in order.lines)
    """,
    "app/routes/orders.py": """
        import requests

        from app.services.tracking import track_order


        def place(request, order):
            requests.post("https://payments.example.com/charge", json={"id": order.id}, timeout=5)
            track_order(request.state.user_id, order)
    """,
}


def cli(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code in (0, 1), result.output
    return result.stdout


def test_unresolved_imports_are_never_silent(tmp_path: Path) -> None:
    root = write_project(tmp_path / "svc", BROKEN)
    text = cli("check", str(root), "--no-cache")
    assert text.splitlines()[-1] == (
        "2 imports of project modules in 2 files could not be resolved: what they import is "
        "not followed, and tracking calls through it may be missed (--statistics lists them)."
    )
    statistics = cli("check", str(root), "--no-cache", "--statistics")
    assert (
        "Unresolved imports of project modules:\n"
        "  app/middleware/audit.py:2: ..consent\n"
        "  app/routes/orders.py:3: app.services.tracking\n"
    ) in statistics
    inventory = json.loads(cli("inventory", str(root), "--no-cache", "--format", "json"))
    assert inventory["unresolved_imports"] == [
        {"path": "app/middleware/audit.py", "line": 2, "module": "..consent"},
        {"path": "app/routes/orders.py", "line": 3, "module": "app.services.tracking"},
    ]
    markdown = cli("inventory", str(root), "--no-cache", "--format", "markdown")
    assert markdown.endswith(
        "## Not followed\n\n"
        "2 imports of project modules could not be resolved, so tracking calls through them "
        "may be missing from this list:\n\n"
        "- `app/middleware/audit.py:2`: `..consent`\n"
        "- `app/routes/orders.py:3`: `app.services.tracking`\n"
    )


def test_the_same_with_and_without_the_prefilter(tmp_path: Path) -> None:
    """app/routes/orders.py names nothing of Mixpanel and imports nothing that resolves
    to a relevant module: the prefilter leaves it unparsed, its import is reported all
    the same."""
    root = write_project(tmp_path / "svc", BROKEN)
    filtered = analyse([root], Config(), Options(prefilter=True))
    full = analyse([root], Config(), Options(prefilter=False))
    assert "app/routes/orders.py" not in filtered.modules
    assert filtered.unresolved == full.unresolved
    assert [(u.path, u.line, u.module) for u in full.unresolved] == [
        ("app/middleware/audit.py", 2, "..consent"),
        ("app/routes/orders.py", 3, "app.services.tracking"),
    ]


def test_no_word_when_every_import_resolves(tmp_path: Path) -> None:
    project = dict(BROKEN)
    project["app/consent.py"] = """
        def analytics_allowed(request):
            return request.state.analytics_consent
    """
    project["app/services/tracking.py"] = """
        from app.config import client


        def track_order(user_id, order):
            client.track(user_id, "Order Placed", {"order_id": order.id})
    """
    root = write_project(tmp_path / "svc", project)
    text = cli("check", str(root), "--no-cache")
    assert "could not be resolved" not in text
    assert "Unresolved" not in cli("check", str(root), "--no-cache", "--statistics")
    inventory = json.loads(cli("inventory", str(root), "--no-cache", "--format", "json"))
    assert inventory["unresolved_imports"] == []
    # and the calls behind the imports that now resolve are found
    assert [(c["path"], c["line"], c["kind"]) for c in inventory["calls"]] == [
        ("app/middleware/audit.py", 7, "sdk"),
        ("app/routes/orders.py", 8, "wrapper"),
        ("app/services/tracking.py", 5, "sdk"),
    ]
