"""``trustsim validate``: summaries, problems, JSON output and exit codes (0 / 1 / 2)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from trustsim.cli import main

REPO = Path(__file__).resolve().parents[2]
#: The bundled trust policies (examples/scenarios.json is a scenario file, not a policy).
EXAMPLES = sorted(p for p in (REPO / "examples").glob("*.json") if p.name != "scenarios.json")


def run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    status = main(list(argv), stdout=out)
    return status, out.getvalue()


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_every_bundled_example_is_valid(path: Path) -> None:
    status, text = run("validate", str(path))
    assert status == 0
    assert text.startswith(f"{path}: valid trust policy (Version 2012-10-17, 1 statement)")


def test_examples_cover_the_documented_scenarios() -> None:
    assert {p.name for p in EXAMPLES} >= {
        "github-deploy-trust.json",
        "cross-account-external-id.json",
        "lambda-source-account.json",
        "saml-okta.json",
        "org-root.json",
    }


def test_the_summary_names_effect_principals_actions_and_conditions() -> None:
    status, text = run("validate", str(REPO / "examples" / "github-deploy-trust.json"))
    assert status == 0
    assert text.splitlines()[1:] == [
        '  Statement 0 "GitHubActionsDeployFromMain": Allow',
        "    trusted: Federated arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        "    actions: sts:AssumeRoleWithWebIdentity",
        '    when:    StringEquals token.actions.githubusercontent.com:aud = "sts.amazonaws.com"',
        '    and:     StringEquals token.actions.githubusercontent.com:sub = "repo:acme/app:ref:refs/heads/main"',
    ]


def invalid_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.json"
    path.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*",\n "Action": "sts:AssumeRole"}}',
        encoding="utf-8",
    )
    return path


def test_an_invalid_policy_prints_every_problem_and_exits_1(tmp_path: Path) -> None:
    path = invalid_file(tmp_path)
    status, text = run("validate", str(REPO / "examples" / "org-root.json"), str(path))
    assert status == 1
    assert f"invalid policy in {path}: 1 problem" in text
    assert "/Statement/Principal (line 1:48):" in text
    assert "[BARE_STAR_PRINCIPAL]" in text
    assert "org-root.json: valid trust policy" in text


def test_an_unreadable_file_exits_2(tmp_path: Path) -> None:
    status, text = run("validate", str(invalid_file(tmp_path)), str(tmp_path / "absent.json"))
    assert status == 2
    assert f"{tmp_path / 'absent.json'}: cannot read the file: No such file or directory" in text


@pytest.mark.parametrize(
    "argv", [[], ["validate"], ["validate", "x.json", "--kind", "nope"], ["frobnicate"]]
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    assert "usage: trustsim" in capsys.readouterr().err


def test_kind_selects_the_rules(tmp_path: Path) -> None:
    path = tmp_path / "identity.json"
    path.write_text(
        '{"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}}'
    )
    assert run("validate", "--kind", "identity", str(path))[0] == 0
    status, text = run("validate", str(path))
    assert status == 1
    assert "[MISSING_PRINCIPAL]" in text
    assert "[PROHIBITED_RESOURCE]" in text


def test_json_output_is_machine_readable(tmp_path: Path) -> None:
    bad = invalid_file(tmp_path)
    good = REPO / "examples" / "lambda-source-account.json"
    status, text = run("validate", "--format", "json", str(good), str(bad))
    assert status == 1
    report = json.loads(text)
    assert report["files"][0]["valid"] is True
    assert report["files"][0]["policy"] == json.loads(good.read_text())
    assert report["files"][1] == {
        "file": str(bad),
        "valid": False,
        "aws_says": 'MalformedPolicyDocument: AssumeRolepolicy contained an invalid principal: "STAR":"*".',
        "problems": [
            {
                "code": "BARE_STAR_PRINCIPAL",
                "pointer": "/Statement/Principal",
                "message": 'a role trust policy cannot use "Principal": "*"; write {"AWS": "*"} '
                "(with conditions) to trust every AWS principal",
                "aws_says": 'MalformedPolicyDocument: AssumeRolepolicy contained an invalid principal: "STAR":"*".',
                "line": 1,
                "column": 48,
            }
        ],
    }


def test_python_dash_m_trustsim_reads_stdin() -> None:
    document = (REPO / "examples" / "saml-okta.json").read_bytes()
    result = subprocess.run(
        [sys.executable, "-m", "trustsim", "validate", "-"],
        input=document,
        capture_output=True,
        check=False,
        cwd=REPO,
    )
    assert result.returncode == 0
    assert result.stdout.decode().startswith("<stdin>: valid trust policy")
