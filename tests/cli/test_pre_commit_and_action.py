"""The pre-commit hooks and the GitHub composite action, run for real (issue 20).

``pre-commit try-repo`` installs this checkout's hooks (.pre-commit-hooks.yaml) into a fresh
environment with pip, as a user's ``pre-commit`` would, and runs them over a temporary git
repository holding the fixture repository (tests/data/ci-repo). The action's script
(action.yml's run steps, scripts/action-lint.sh) runs against the same fixture.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "data" / "ci-repo"
PRE_COMMIT = Path(sys.executable).parent / "pre-commit"
GIT = shutil.which("git")


def _git(*argv: str, cwd: Path) -> None:
    assert GIT is not None
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    subprocess.run([GIT, *argv], cwd=cwd, check=True, env=env, capture_output=True)  # noqa: S603


@pytest.fixture(scope="module")
def hooks_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    work = tmp_path_factory.mktemp("pre-commit")
    repo = work / "repo"
    shutil.copytree(FIXTURE, repo)
    _git("init", "-q", cwd=repo)
    _git("add", "-A", cwd=repo)
    _git("commit", "-qm", "fixture", cwd=repo)
    env = {**os.environ, "PRE_COMMIT_HOME": str(work / "cache"), "PYTHONPATH": ""}
    return subprocess.run(  # noqa: S603 - the pre-commit of this interpreter's environment
        [str(PRE_COMMIT), "try-repo", str(REPO), "--all-files", "--color", "never"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_the_hooks_are_declared() -> None:
    text = (REPO / ".pre-commit-hooks.yaml").read_text("utf-8")
    import yaml  # noqa: PLC0415

    hooks = {hook["id"]: hook for hook in yaml.safe_load(text)}
    assert sorted(hooks) == ["trustsim-lint", "trustsim-validate"]
    assert hooks["trustsim-lint"]["entry"] == "trustsim lint --skip-unknown"
    assert hooks["trustsim-validate"]["entry"] == "trustsim validate --skip-unknown"


def test_pre_commit_try_repo_runs_both_hooks(hooks_run: subprocess.CompletedProcess[str]) -> None:
    out = hooks_run.stdout
    assert hooks_run.returncode == 1, out + hooks_run.stderr  # lint fails on the findings
    lint_part, _, validate_part = out.partition("trustsim validate")
    assert "trustsim lint (IAM role trust policies)" in lint_part
    assert "Failed" in lint_part
    for place in (
        "templates/roles.yaml:16:20: security_warning CROSS_ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID",
        "templates/github.json:23:75: security_warning OIDC_SUB_TOO_BROAD DeployRole",
        "terraform/plan.json:30:135: security_warning ANY_AWS_PRINCIPAL",
        "dumps/gaad.json:19:92: error OIDC_ISSUER_MISMATCH",
    ):
        assert place in lint_part
    assert "package.json: skipped: not a policy, template, plan or account dump" in lint_part
    # validate: every trust policy of the fixture is one IAM would save.
    assert "Passed" in validate_part.splitlines()[0]


def test_the_action_runs_its_script_with_its_inputs() -> None:
    import yaml  # noqa: PLC0415

    action = yaml.safe_load((REPO / "action.yml").read_text("utf-8"))
    assert action["runs"]["using"] == "composite"
    lint_step = action["runs"]["steps"][1]
    assert lint_step["run"] == 'bash "$GITHUB_ACTION_PATH/scripts/action-lint.sh"'
    assert set(lint_step["env"]) == {
        "TRUSTSIM_PATHS",
        "TRUSTSIM_FAIL_ON",
        "TRUSTSIM_SARIF",
        "TRUSTSIM_ARGS",
    }
    assert set(action["inputs"]) == {"paths", "fail-on", "sarif-file", "args", "package"}


@pytest.mark.parametrize(("fail_on", "status"), [("security_warning", 1), ("error", 1)])
def test_the_action_script_writes_sarif_and_exits_with_lint_s_status(
    tmp_path: Path, fail_on: str, status: int
) -> None:
    import jsonschema  # noqa: PLC0415

    repo = tmp_path / "repo"
    shutil.copytree(FIXTURE, repo)
    outputs = tmp_path / "github_output"
    env = {
        **os.environ,
        "GITHUB_OUTPUT": str(outputs),
        "GITHUB_ACTION_PATH": str(REPO),
        "TRUSTSIM_COMMAND": f"{sys.executable} -m trustsim",
        "PYTHONPATH": str(REPO),
        "TRUSTSIM_PATHS": "templates terraform dumps",
        "TRUSTSIM_FAIL_ON": fail_on,
        "TRUSTSIM_SARIF": "out/trustsim.sarif",
        "TRUSTSIM_ARGS": "--no-config",
    }
    (repo / "out").mkdir()
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(  # noqa: S603 - the repository's own script
        [bash, str(REPO / "scripts" / "action-lint.sh")],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == status, result.stderr
    assert "templates/roles.yaml:16:20: security_warning" in result.stdout
    log = json.loads((repo / "out" / "trustsim.sarif").read_text("utf-8"))
    schema = json.loads((REPO / "tests/data/sarif-schema-2.1.0.json").read_text("utf-8"))
    jsonschema.validate(log, schema)
    uris = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert uris == {
        "templates/roles.yaml",
        "templates/github.json",
        "terraform/plan.json",
        "dumps/gaad.json",
    }
    assert outputs.read_text() == "sarif-file=out/trustsim.sarif\n"


def test_the_action_script_exits_2_on_unreadable_input(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "TRUSTSIM_COMMAND": f"{sys.executable} -m trustsim",
        "PYTHONPATH": str(REPO),
        "TRUSTSIM_PATHS": "missing.json",
        "TRUSTSIM_SARIF": str(tmp_path / "x.sarif"),
    }
    env.pop("GITHUB_OUTPUT", None)
    bash = shutil.which("bash")
    assert bash is not None
    result = subprocess.run(  # noqa: S603 - the repository's own script
        [bash, str(REPO / "scripts" / "action-lint.sh")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2
    assert "missing.json: cannot read the file" in result.stdout
