"""Where MX201 is reported: one root cause, one finding.

A CLI whose tracker never checks consent gets one finding, at the SDK call inside the
tracker, with every command that reaches it as a related location (JSON ``related``,
SARIF ``relatedLocations``), and none in its tests. A shop whose views mostly check
consent before calling the tracking helpers gets a finding at the view that does not,
and one inside a helper whose own callers never check.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import jsonschema
from click.testing import CliRunner

from mixlint.cli import main
from mixlint.config import Config
from mixlint.model import Finding
from tests.helpers import findings_of, run, write_project
from tests.test_report_sarif import SARIF_VALIDATE, SCHEMA

WHY = (
    "Mixpanel's SDK has no opt-out of its own, so without the check users who refused "
    "analytics are tracked all the same (GDPR Art. 6/7, ePrivacy Art. 5(3))."
)

# A command-line tool whose every command reports itself through ToolkitCommand.run():
# the tracker skips tests by an environment variable, never by the user's consent.
CLI = {
    "toolkit_cli/__init__.py": "",
    "toolkit_cli/tracker.py": """
        import os
        import platform
        import uuid

        from mixpanel import Consumer, Mixpanel

        _TOKEN = "9afc120ac61d408c81009ea7dd280a38"


        class Tracker:
            def __init__(self, skip_tracking=False):
                self.mp = Mixpanel(_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))
                self.skip_tracking = skip_tracking
                self._distinct_id = None

            def track(self, event_name, properties):
                if self.skip_tracking or "PYTEST_CURRENT_TEST" in os.environ:
                    return False
                properties = {**properties, "os": platform.system()}
                self.mp.track(self.distinct_id(), event_name, properties)
                return True

            def distinct_id(self):
                if self._distinct_id is None:
                    self._distinct_id = str(uuid.uuid4())
                return self._distinct_id
        """,
    "toolkit_cli/commands/__init__.py": "",
    "toolkit_cli/commands/base.py": """
        from toolkit_cli.tracker import Tracker


        class ToolkitCommand:
            def __init__(self, skip_tracking=False):
                self.tracker = Tracker(skip_tracking)

            def run(self, execute, *args):
                result = execute(*args)
                self._track_command(type(self).__name__, result is not None)
                return result

            def _track_command(self, command, succeeded):
                self.tracker.track("Command Executed", {"command": command, "ok": succeeded})
        """,
    "toolkit_cli/commands/build.py": """
        from toolkit_cli.commands.base import ToolkitCommand


        class BuildCommand(ToolkitCommand):
            def build(self, directory):
                return sorted(directory.glob("**/*.yaml"))
        """,
    "toolkit_cli/commands/deploy.py": """
        from toolkit_cli.commands.base import ToolkitCommand


        class DeployCommand(ToolkitCommand):
            def deploy(self, directory, dry_run=False):
                return None if dry_run else directory

            def pull(self, directory):
                return directory
        """,
    "toolkit_cli/app.py": """
        import typer

        from toolkit_cli.commands.build import BuildCommand
        from toolkit_cli.commands.deploy import DeployCommand

        app = typer.Typer()


        @app.command()
        def build(directory: str):
            cmd = BuildCommand()
            cmd.run(cmd.build, directory)


        @app.command()
        def deploy(directory: str, dry_run: bool = False):
            cmd = DeployCommand()
            cmd.run(cmd.deploy, directory, dry_run)


        @app.command()
        def pull(directory: str):
            cmd = DeployCommand()
            cmd.run(cmd.pull, directory)
        """,
    "dev_build.py": """
        from toolkit_cli.commands.build import BuildCommand

        if __name__ == "__main__":
            command = BuildCommand()
            command.run(command.build, "modules")
        """,
    "tests/test_deploy.py": """
        from toolkit_cli.commands.deploy import DeployCommand


        def test_dry_run_deploys_nothing(tmp_path):
            cmd = DeployCommand(skip_tracking=True)
            assert cmd.run(cmd.deploy, tmp_path, True) is None


        def test_pull(tmp_path):
            cmd = DeployCommand(skip_tracking=True)
            assert cmd.run(cmd.pull, tmp_path) == tmp_path
        """,
    "tests_smoke/test_build.py": """
        from toolkit_cli.commands.build import BuildCommand


        def test_build_smoke(tmp_path):
            cmd = BuildCommand()
            assert cmd.run(cmd.build, tmp_path) == []
        """,
    "tests_smoke/conftest.py": """
        import pytest

        from toolkit_cli.tracker import Tracker


        @pytest.fixture(autouse=True)
        def announce():
            Tracker().track("Smoke Run", {"suite": "smoke"})
        """,
}


def located(findings: list[Finding]) -> list[tuple[str, str, int, int]]:
    return [(f.rule_id, f.path, f.span.start_line, f.span.start_col) for f in findings]


def test_a_tracker_no_caller_checks_gets_one_finding_at_the_sdk_call(tmp_path: Path) -> None:
    root = write_project(tmp_path, CLI)
    found = findings_of(run(root))
    assert located(found) == [("MX201", "toolkit_cli/tracker.py", 20, 9)]
    (finding,) = found
    assert finding.message == (
        "`track()` of event event_name in `Tracker.track()` is not guarded by a consent "
        "check, and none of the 4 call sites that reach it (through `ToolkitCommand.run()`) "
        "checks consent: check consent here, once for all of them, rather than at each call "
        f"site. {WHY} Fix: wrap it in `if has_analytics_consent(user):`, return early "
        "without consent, or use a consent decorator"
    )
    # Every command that reaches it, and nothing from the tests.
    run_call = "a call of ToolkitCommand.run() without a consent check"
    assert [(r.path, r.span.start_line, r.span.start_col, r.message) for r in finding.related] == [
        ("dev_build.py", 5, 5, run_call),
        ("toolkit_cli/app.py", 12, 5, run_call),
        ("toolkit_cli/app.py", 18, 5, run_call),
        ("toolkit_cli/app.py", 24, 5, run_call),
    ]


def test_the_call_sites_are_related_locations_in_json_and_sarif(tmp_path: Path) -> None:
    root = write_project(tmp_path, CLI)
    runner = CliRunner()
    done = runner.invoke(main, ["check", str(root), "--no-cache", "--format", "json"])
    (finding,) = json.loads(done.stdout)["findings"]
    assert [(r["path"], r["start_line"]) for r in finding["related"]] == [
        ("dev_build.py", 5),
        ("toolkit_cli/app.py", 12),
        ("toolkit_cli/app.py", 18),
        ("toolkit_cli/app.py", 24),
    ]
    sarif_file = tmp_path / "mixlint.sarif"
    runner.invoke(
        main, ["check", str(root), "--no-cache", "--format", "sarif", "-o", str(sarif_file)]
    )
    log = json.loads(sarif_file.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(SCHEMA)(SCHEMA).validate(log)
    (result,) = log["runs"][0]["results"]
    assert [
        (
            item["id"],
            item["physicalLocation"]["artifactLocation"]["uri"],
            item["physicalLocation"]["region"]["startLine"],
        )
        for item in result["relatedLocations"]
    ] == [
        (1, "dev_build.py", 5),
        (2, "toolkit_cli/app.py", 12),
        (3, "toolkit_cli/app.py", 18),
        (4, "toolkit_cli/app.py", 24),
    ]
    # Locations that say the same are linked once from the message.
    assert result["message"]["text"].endswith(
        "See [a call of ToolkitCommand.run() without a consent check](1) and 3 more like it."
    )
    if SARIF_VALIDATE.exists():  # the shared SARIF multitool, where it is installed
        checked = subprocess.run(
            [str(SARIF_VALIDATE), str(sarif_file)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        assert checked.stdout.strip() == f"{sarif_file}: OK", checked.stdout + checked.stderr


def test_checking_consent_in_the_tracker_clears_every_command(tmp_path: Path) -> None:
    files = dict(CLI)
    files["toolkit_cli/tracker.py"] = files["toolkit_cli/tracker.py"].replace(
        'if self.skip_tracking or "PYTEST_CURRENT_TEST" in os.environ:',
        "if self.skip_tracking or not load_settings().analytics_opt_in:",
    )
    root = write_project(tmp_path, files)
    assert findings_of(run(root)) == []


# A shop whose views check consent before calling the tracking helpers, except two
# places: a view that forgets it (the convention is kept elsewhere), and a helper that
# none of its own callers guards (the check belongs in that helper).
SHOP = {
    "shop/__init__.py": "",
    "shop/analytics.py": """
        from django.conf import settings
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))


        def has_analytics_consent(user):
            return user.is_authenticated and user.profile.analytics_consent


        def send(user, event, properties):
            mp.track(str(user.pk), event, properties)


        def track_order(user, order, event):
            send(user, event, {"order_id": order.number, "total": str(order.total)})


        def track_search(user, query_length):
            send(user, "Searched", {"length": query_length})
        """,
    "orders/__init__.py": "",
    "orders/views.py": """
        from shop.analytics import has_analytics_consent, track_order


        def checkout(request, order):
            order.place()
            if has_analytics_consent(request.user):
                track_order(request.user, order, "Order Placed")


        def pay(request, order):
            order.pay()
            if not has_analytics_consent(request.user):
                return
            track_order(request.user, order, "Order Paid")


        def refund(request, order):
            order.refund()
            track_order(request.user, order, "Order Refunded")
        """,
    "accounts/__init__.py": "",
    "accounts/views.py": """
        from shop.analytics import has_analytics_consent, send


        def login_view(request):
            if has_analytics_consent(request.user):
                send(request.user, "Logged In", {"method": "password"})
        """,
    "search/__init__.py": "",
    "search/views.py": """
        from shop.analytics import track_search


        def search(request):
            query = request.GET.get("q", "")
            track_search(request.user, len(query))


        def suggest(request):
            prefix = request.GET.get("prefix", "")
            track_search(request.user, len(prefix))
        """,
}


def test_a_convention_kept_elsewhere_is_reported_where_it_is_missed(tmp_path: Path) -> None:
    root = write_project(tmp_path, SHOP)
    found = findings_of(run(root, Config(select={"MX201"})))
    assert located(found) == [
        ("MX201", "orders/views.py", 19, 5),  # the one view of track_order without a check
        ("MX201", "shop/analytics.py", 20, 5),  # send() inside track_search: no caller checks
    ]
    refund, search = found
    assert refund.message == (
        'this call reaches `track()` of event "Order Refunded" (via track_order() -> send()) '
        "without a consent check, while other paths to `track_order()` check consent, and it "
        f"is the outermost caller on this path, so the check belongs here. {WHY} Fix: call "
        "it only under `if has_analytics_consent(user):` or return early without consent"
    )
    assert search.message.startswith(
        '`track()` of event "Searched" (via send()) in `track_search()` is not guarded by a '
        "consent check, and none of its 2 call sites checks consent: check consent here, once "
        "for all of them, rather than at each call site."
    )
    assert [(r.path, r.span.start_line, r.message) for r in search.related] == [
        ("search/views.py", 6, "a call of track_search() without a consent check"),
        ("search/views.py", 11, "a call of track_search() without a consent check"),
        ("shop/analytics.py", 12, "the track() call inside send()"),
    ]


def test_guarding_the_helper_clears_its_callers(tmp_path: Path) -> None:
    files = dict(SHOP)
    unguarded = '            send(user, "Searched", {"length": query_length})'
    files["shop/analytics.py"] = files["shop/analytics.py"].replace(
        unguarded, "            if has_analytics_consent(user):\n    " + unguarded
    )
    root = write_project(tmp_path, files)
    assert located(findings_of(run(root, Config(select={"MX201"})))) == [
        ("MX201", "orders/views.py", 19, 5)
    ]


# A Celery task queued by one view, and a signal receiver: both are run by a framework
# that was handed them once, and neither the view nor the registration checks consent.
QUEUED = {
    "shop/__init__.py": "",
    "shop/tasks.py": """
        from celery import shared_task
        from django.conf import settings
        from mixpanel import Consumer, Mixpanel

        mp = Mixpanel(settings.MIXPANEL_TOKEN, consumer=Consumer(api_host="api-eu.mixpanel.com"))


        @shared_task
        def send_event(user_id, event_name, properties):
            mp.track(user_id, event_name, properties)
        """,
    "shop/views.py": """
        from shop.tasks import send_event


        def signup(request):
            send_event.delay(request.user.pk, "Signed Up", {"plan": request.POST["plan"]})
        """,
    "shop/signals.py": """
        from django.db.models.signals import post_save

        from shop.models import Order
        from shop.tasks import mp


        def order_saved(sender, instance, created, **kwargs):
            mp.track(instance.customer_id, "Order Saved", {"created": created})


        post_save.connect(order_saved, sender=Order)
        """,
}


def test_a_function_a_framework_runs_is_reported_inside_it(tmp_path: Path) -> None:
    root = write_project(tmp_path, QUEUED)
    found = findings_of(run(root, Config(select={"MX201"})))
    assert located(found) == [
        ("MX201", "shop/signals.py", 8, 5),
        ("MX201", "shop/tasks.py", 10, 5),
    ]
    saved, queued = found
    assert saved.message == (
        '`track()` of event "Order Saved" in `order_saved()` is not guarded by a consent '
        "check, and `order_saved()` is run by `connect`, and the one place that hands it over "
        f"does not check consent either: check consent here. {WHY} Fix: wrap it in "
        "`if has_analytics_consent(user):`, return early without consent, or use a consent "
        "decorator"
    )
    assert queued.message.startswith(
        "`track()` of event event_name in `send_event()` is not guarded by a consent check, "
        "and `send_event()` is run by `delay`, and the one place that hands it over does not "
        "check consent either: check consent here."
    )
    assert [(r.path, r.span.start_line, r.message) for r in queued.related] == [
        ("shop/views.py", 5, "send_event() handed to delay without a consent check"),
    ]


# An Airflow DAG hands its task function to PythonOperator, with keyword arguments.
DAG = {
    "dags/__init__.py": "",
    "dags/crm_sync.py": """
        import datetime

        import mixpanel
        from airflow import DAG
        from airflow.models import Variable
        from airflow.operators.python import PythonOperator

        mp = mixpanel.Mixpanel(
            Variable.get("mixpanel_token"),
            consumer=mixpanel.Consumer(api_host="api-eu.mixpanel.com"),
        )


        def push_owners(owner_email, **context):
            mp.people_set(context["run_id"], {"owner": owner_email})


        with DAG("crm_sync", start_date=datetime.datetime(2024, 1, 1)) as dag:
            PythonOperator(
                task_id="push_owners",
                python_callable=push_owners,
                op_kwargs={"owner_email": Variable.get("crm_owner_email")},
            )
        """,
}


def test_a_task_airflow_runs_is_a_wrapper_its_operator_calls(tmp_path: Path) -> None:
    root = write_project(tmp_path, DAG)
    found = findings_of(run(root, Config(select={"MX201", "MX102"})))
    assert located(found) == [
        ("MX201", "dags/crm_sync.py", 15, 5),
        ("MX102", "dags/crm_sync.py", 22, 35),  # op_kwargs reach owner_email
    ]
    unguarded, owner = found
    assert owner.message.startswith(
        "profile property 'owner' sends an e-mail address read from "
        'Variable.get("crm_owner_email") (personal data)'
    )
    assert unguarded.message.startswith(
        "`people_set()` in `push_owners()` is not guarded by a consent check, and "
        "`push_owners()` is run by `airflow.operators.python.PythonOperator`, and the one "
        "place that hands it over does not check consent either: check consent here."
    )


def test_a_project_folder_named_like_the_framework_does_not_hide_it(tmp_path: Path) -> None:
    """A monorepo keeps its DAGs in airflow/ (no __init__.py): `from airflow.operators...`
    is still the installed Airflow, as Python prefers a regular package to a namespace."""
    files = {f"airflow/{path}": text for path, text in DAG.items()}
    files["airflow/dags/crm_sync.py"] = files["airflow/dags/crm_sync.py"].replace(
        "from airflow.operators.python import", "from airflow.operators.python_operator import"
    )
    root = write_project(tmp_path, files)
    (unguarded,) = findings_of(run(root, Config(select={"MX201"})))
    assert unguarded.message.startswith(
        "`people_set()` in `push_owners()` is not guarded by a consent check, and "
        "`push_owners()` is run by `airflow.operators.python_operator.PythonOperator`"
    )
