"""The GitHub Action (action.yml): its schema, and its own steps run locally.

``run_action`` plays the runner for a composite action: it reads action.yml,
evaluates each step's ``if:``, substitutes the ``${{ }}`` expressions the
action uses (``inputs.X``, ``github.action_path``, ``steps.ID.outputs.X``) in
``env:`` and ``with:``, and runs the ``run:`` scripts with bash as GitHub does
(``bash --noprofile --norc -eo pipefail``), each with its own
``$GITHUB_OUTPUT``, in a copy of the example app as the workspace. ``uses:``
steps are not run: setup-python is replaced by the interpreter running the
tests, and the SARIF upload is only recorded (with its inputs) so that the
tests can check when it would happen.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
EXAMPLE_APP = REPO / "examples" / "shop"
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
DOCS = REPO / "README.md"

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
CONTEXT_REF = re.compile(r"\b(?:inputs|github|steps)(?:\.[A-Za-z_][\w-]*)+")
STATUS_FUNCTIONS = ("always()", "success()", "failure()", "cancelled()")


def scalar(value: object) -> str:
    """A YAML scalar as GitHub reads it: booleans are ``true``/``false``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def load_action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text(encoding="utf-8"))
    return data


# --------------------------------------------------------------------------- the fake runner


@dataclass
class ActionRun:
    status: int  # the job's exit status: that of the first failing step, else 0
    stdout: str
    stderr: str
    outputs: dict[str, str]  # the action's outputs (its `outputs:` evaluated)
    output_file: str  # every step's $GITHUB_OUTPUT, concatenated
    summary: str  # $GITHUB_STEP_SUMMARY
    workspace: Path
    ran: list[str] = field(default_factory=list)  # names of the steps that ran, in order
    uploads: list[dict[str, str]] = field(default_factory=list)  # `with:` of upload steps run


class Runner:
    def __init__(self, inputs: dict[str, str], workspace: Path, temp: Path) -> None:
        self.inputs = inputs
        self.workspace = workspace
        self.temp = temp
        self.steps: dict[str, dict[str, str]] = {}  # step id -> outputs
        self.failed = False

    def lookup(self, reference: str) -> str:
        parts = reference.split(".")
        if parts[0] == "inputs":
            return self.inputs[parts[1]]
        if parts == ["github", "action_path"]:
            return str(REPO)
        if parts[0] == "steps" and parts[2] == "outputs":
            # An unknown step or output is the empty string, as on GitHub.
            return self.steps.get(parts[1], {}).get(parts[3], "")
        raise AssertionError(f"the fake runner does not know the context {reference!r}")

    def substitute(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            expression = match.group(1)
            assert CONTEXT_REF.fullmatch(expression), f"unsupported expression {expression!r}"
            return self.lookup(expression)

        return EXPRESSION.sub(value, text)

    def condition(self, text: str | None) -> bool:
        """A step's ``if:``: ``&&``, ``||``, ``!``, ``==``, ``!=``, strings, status
        functions and the contexts above; without a status function GitHub
        requires ``success()`` as well."""
        if text is None:
            return not self.failed
        expression = EXPRESSION.sub(lambda m: m.group(1), str(text)).strip()
        if not any(function in expression for function in STATUS_FUNCTIONS):
            expression = f"success() && ({expression})"
        python = CONTEXT_REF.sub(lambda m: repr(self.lookup(m.group(0))), expression)
        python = python.replace("always()", "True").replace("cancelled()", "False")
        python = python.replace("success()", repr(not self.failed))
        python = python.replace("failure()", repr(self.failed))
        python = re.sub(r"!(?!=)", " not ", python)
        python = python.replace("&&", " and ").replace("||", " or ")
        result = eval(python, {"__builtins__": {}})  # only the tokens above are left
        return bool(result)


def run_action(inputs: dict[str, str], tmp_path: Path) -> ActionRun:
    action = load_action()
    given = {name: scalar(spec.get("default")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(given)
    assert not unknown, f"action.yml has no inputs {unknown}"
    given.update(inputs)

    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLE_APP, workspace)  # never write into the repository
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    summary_file = temp / "step-summary.md"
    summary_file.touch()
    runner = Runner(given, workspace, temp)
    base_env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "RUNNER_", "INPUT_", "MIXLINT_"))
    }
    base_env.update(
        CI="true",
        GITHUB_ACTIONS="true",
        GITHUB_ACTION_PATH=str(REPO),
        GITHUB_WORKSPACE=str(workspace),
        GITHUB_STEP_SUMMARY=str(summary_file),
        RUNNER_TEMP=str(temp),
    )

    result = ActionRun(0, "", "", {}, "", "", workspace)
    for number, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {number}")
        step_id = step.get("id")
        if not runner.condition(step.get("if")):
            continue
        if "uses" in step:
            uses = step["uses"]
            with_ = {key: runner.substitute(scalar(v)) for key, v in step.get("with", {}).items()}
            if uses.startswith("actions/setup-python@"):
                # The tests' interpreter stands in for the one setup-python installs.
                assert with_.get("update-environment") == "false"
                runner.steps[step_id] = {"python-path": sys.executable}
            elif uses.startswith("github/codeql-action/upload-sarif@"):
                result.uploads.append(with_)
            else:
                raise AssertionError(f"the fake runner does not know the action {uses}")
            result.ran.append(name)
            continue

        script = step["run"]
        assert "${{" not in script, f"step {name!r}: expressions belong in env:, not in run:"
        assert step.get("shell") == "bash"
        if "pip install" in script:
            # The install step needs the network (PyPI) and would install the
            # package again; the test environment already has it installed.
            # Only this step is skipped; every other run: step runs as written.
            result.ran.append(name)
            continue

        output_file = temp / f"output-{number}"
        output_file.touch()
        env = dict(base_env, GITHUB_OUTPUT=str(output_file))
        env.update({key: runner.substitute(scalar(v)) for key, v in step.get("env", {}).items()})
        script_file = temp / f"step-{number}.sh"
        script_file.write_text(script, encoding="utf-8")
        process = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script_file)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        result.ran.append(name)
        result.stdout += process.stdout
        result.stderr += process.stderr
        written = output_file.read_text(encoding="utf-8")
        result.output_file += written
        if step_id is not None:
            runner.steps[step_id] = parse_outputs(written)
        if process.returncode != 0:
            runner.failed = True
            result.status = result.status or process.returncode

    result.outputs = {
        name: runner.substitute(spec["value"]) for name, spec in action["outputs"].items()
    }
    result.summary = summary_file.read_text(encoding="utf-8")
    return result


def parse_outputs(text: str) -> dict[str, str]:
    """A ``$GITHUB_OUTPUT`` file: ``name=value`` lines and ``name<<DELIMITER`` blocks."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                value.append(inner)
            outputs[name] = "\n".join(value)
        elif "=" in line:
            name, value_text = line.split("=", 1)
            outputs[name] = value_text
    return outputs


def unsuppressed_results(sarif: dict[str, Any]) -> list[dict[str, Any]]:
    return [result for result in sarif["runs"][0]["results"] if not result.get("suppressions")]


def validate_sarif(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)
    validator(schema).validate(data)
    return data


# --------------------------------------------------------------------------- tests


def test_action_yml_matches_the_github_actions_schema() -> None:
    # check-jsonschema's builtin schemas are vendored in the package: no network.
    process = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-actions",
         str(ACTION)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr


def test_action_inputs_outputs_and_step_order() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    defaults = {name: spec.get("default") for name, spec in action["inputs"].items()}
    assert defaults == {
        "paths": ".",
        "config": "",
        "fail-on": "",
        "sarif-file": "mixlint.sarif",
        "upload-sarif": "true",
        "python-version": "3.12",
    }
    assert {"findings", "sarif-file"} <= set(action["outputs"])
    steps = action["runs"]["steps"]
    uses = [step.get("uses", "") for step in steps]
    assert uses[0].startswith("actions/setup-python@v5")
    upload = next(
        i for i, u in enumerate(uses) if u.startswith("github/codeql-action/upload-sarif@v3")
    )
    assert "always()" in steps[upload]["if"]
    assert "inputs.upload-sarif == 'true'" in steps[upload]["if"]
    assert "sarif_file" in steps[upload]["with"]
    # The step that fails the job comes last, after the upload.
    assert upload < len(steps) - 1 and "run" in steps[-1]
    for step in steps:
        assert "${{" not in step.get("run", ""), step.get("name")


def test_action_fails_on_error_findings_after_writing_every_report(tmp_path: Path) -> None:
    run = run_action({"fail-on": "error", "sarif-file": "reports/mixlint.sarif"}, tmp_path)

    sarif_path = run.workspace / "reports" / "mixlint.sarif"
    assert sarif_path.is_file(), run.stderr
    sarif = validate_sarif(sarif_path)
    assert sarif["runs"][0]["results"], "the example app has findings"
    findings = len(unsuppressed_results(sarif))

    assert re.search(rf"^findings={findings}$", run.output_file, re.MULTILINE), run.output_file
    assert re.search(r"^sarif-file=reports/mixlint\.sarif$", run.output_file, re.MULTILINE)
    assert run.outputs["findings"] == str(findings)
    assert run.outputs["sarif-file"] == "reports/mixlint.sarif"
    assert run.outputs["exit-code"] == "1"

    # The job summary is the Markdown report, with a table.
    assert "## mixlint" in run.summary
    assert re.search(r"^\|.*\|\n\|(\s*:?-+:?\s*\|)+$", run.summary, re.MULTILINE), run.summary
    # Annotations for the pull request.
    assert re.search(r"^::error file=", run.stdout, re.MULTILINE), run.stdout
    assert sum(line.startswith("::") for line in run.stdout.splitlines()) >= findings

    # The SARIF is uploaded although the findings fail the job, and before it fails.
    assert run.uploads == [{"sarif_file": "reports/mixlint.sarif", "category": "mixlint"}]
    assert run.ran[-2:] == ["Upload SARIF to code scanning", "Fail on findings"]
    assert run.status == 1


def test_action_passes_with_fail_on_never(tmp_path: Path) -> None:
    run = run_action({"fail-on": "never", "upload-sarif": "false"}, tmp_path)

    sarif = validate_sarif(run.workspace / "mixlint.sarif")
    findings = len(unsuppressed_results(sarif))
    assert findings > 0
    assert run.outputs == {
        "findings": str(findings),
        "sarif-file": "mixlint.sarif",
        "exit-code": "0",
    }
    assert re.search(r"^::error file=", run.stdout, re.MULTILINE)
    assert "|---|" in run.summary
    assert run.uploads == []
    assert run.status == 0


def test_action_inputs_cannot_inject_shell_code(tmp_path: Path) -> None:
    marker = tmp_path / "injected"
    run = run_action({"paths": f"$(touch {marker})", "config": f"`touch {marker}`"}, tmp_path)

    assert not marker.exists()
    # The text is taken as a path (which does not exist): mixlint cannot run.
    assert run.outputs["exit-code"] == "2"
    assert run.status == 2
    assert "mixlint: error:" in run.stderr
    assert run.uploads == []  # no SARIF was written, so nothing is uploaded


def test_docs_workflow_matches_the_github_workflows_schema(tmp_path: Path) -> None:
    workflow = tmp_path / "mixlint.yml"
    workflow.write_text(docs_block("# .github/workflows/mixlint.yml"), encoding="utf-8")
    data = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    assert data["permissions"]["security-events"] == "write"
    assert data["permissions"]["contents"] == "read"
    process = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
         str(workflow)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert process.returncode == 0, process.stdout + process.stderr


def docs_block(first_line: str) -> str:
    """The fenced YAML block of README.md that starts with ``first_line``."""
    for block in re.findall(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.DOTALL):
        if block.startswith(first_line + "\n"):
            return str(block)
    raise AssertionError(f"no YAML block starting with {first_line!r} in {DOCS}")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".", ["."]),
        ("", ["."]),
        ("src tests", ["src", "tests"]),
        ("src\nmy app\n", ["src", "my app"]),
    ],
)
def test_paths_input_is_split_on_whitespace_or_lines(text: str, expected: list[str]) -> None:
    from mixlint.action import split_paths

    assert split_paths(text) == expected
