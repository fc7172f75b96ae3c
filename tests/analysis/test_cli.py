"""``trustsim grants`` and ``trustsim diff`` through ``main(argv)``: output, formats, exit codes."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest

from tests.cli.test_check_and_explain import SARIF_SCHEMA, schema_errors
from trustsim.cli import main

REPO = Path(__file__).resolve().parents[2]
EXACT = str(REPO / "examples" / "github-deploy-trust.json")
WIDENED = str(REPO / "examples" / "mistakes" / "github-deploy-trust-widened.json")
VENDOR = str(REPO / "examples" / "cross-account-external-id.json")
GITHUB_GRANT = (
    "web identities of arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com,"
    " sts:AssumeRoleWithWebIdentity: token.actions.githubusercontent.com:aud ="
    ' "sts.amazonaws.com" (one value); token.actions.githubusercontent.com:sub ='
    ' "repo:acme/app:ref:refs/heads/main" (one value)'
)


def _run(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), stdout=out), out.getvalue()


def _write(folder: Path, name: str, statements: list[dict]) -> str:
    path = folder / name
    path.write_text(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    return str(path)


_MFA_AGE = {
    "Effect": "Allow",
    "Principal": {"AWS": "444455556666"},
    "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
}


def test_grants_text_lists_every_grant_and_says_complete() -> None:
    status, text = _run("grants", EXACT)
    assert status == 0
    assert text == (
        "1 grant(s) for arn:aws:iam::111122223333:role/analysed:\n"
        f"  {GITHUB_GRANT}\n"
        "complete: every allowed request is in a grant above\n"
    )


def test_grants_role_arn_names_the_role() -> None:
    status, text = _run("grants", VENDOR, "--role-arn", "arn:aws:iam::111122223333:role/audit")
    assert status == 0
    assert text.splitlines()[:2] == [
        "1 grant(s) for arn:aws:iam::111122223333:role/audit:",
        "  IAM role sessions, sts:AssumeRole: aws:PrincipalArn is"
        " arn:aws:iam::444455556666:role/vendor/AuditCollector; sts:ExternalId ="
        ' "acme-7f3c9a2e-audit" [the caller\'s own policies must allow too]',
    ]


def test_grants_json_carries_each_grant_with_its_witness() -> None:
    status, text = _run("grants", EXACT, "--format", "json")
    assert status == 0
    document = json.loads(text)
    assert document["role"] == "arn:aws:iam::111122223333:role/analysed"
    assert document["complete"] is True
    assert document["gaps"] == []
    [grant] = document["grants"]
    assert grant["action"] == "sts:AssumeRoleWithWebIdentity"
    assert grant["caller_policies_must_allow"] is False
    assert grant["witness"]["context"]["token.actions.githubusercontent.com:sub"] == [
        "repo:acme/app:ref:refs/heads/main"
    ]


def test_grants_of_an_undecided_policy_exit_1_and_name_the_part(tmp_path: Path) -> None:
    status, text = _run("grants", _write(tmp_path, "mfa-age.json", [_MFA_AGE]))
    assert status == 1
    assert "INCOMPLETE: requests outside the grants above may be allowed too, because of:" in text
    assert "/Statement/0 aws:RequestedRegion for IAM users: the analysis does not model" in text


def test_grants_reads_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    data = Path(EXACT).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, text = _run("grants", "-")
    assert status == 0
    assert GITHUB_GRANT in text


def test_grants_of_unreadable_or_invalid_input_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, text = _run("grants", str(tmp_path / "missing.json"))
    assert (status, text) == (2, "")
    assert "trustsim grants:" in capsys.readouterr().err
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'
    )
    status, text = _run("grants", str(bad))
    assert (status, text) == (2, "")
    assert "BARE_STAR_PRINCIPAL" in capsys.readouterr().err


def test_diff_exits_1_with_the_counterexample_when_new_widens() -> None:
    status, text = _run("diff", EXACT, WIDENED)
    assert status == 1
    assert text == (
        "NEW grants access OLD did not (1 counterexample(s)):\n"
        "  sts:AssumeRoleWithWebIdentity by web identity token.actions.githubusercontent.com:"
        ' sts:RoleSessionName = "trustsim"; token.actions.githubusercontent.com:aud ='
        ' "sts.amazonaws.com"; token.actions.githubusercontent.com:sub = "repo:acme"\n'
    )


def test_diff_exits_0_when_new_narrows() -> None:
    status, text = _run("diff", WIDENED, EXACT)
    assert status == 0
    assert text == "no new access: every request NEW allows, OLD allows too (proven)\n"


def test_diff_exits_2_when_undetermined(tmp_path: Path) -> None:
    old = _write(tmp_path, "old.json", [_MFA_AGE])
    status, text = _run("diff", old, old)
    assert status == 2
    assert text.startswith("undetermined:\n  /Statement/0 aws:RequestedRegion for IAM users")


def test_diff_json_says_why_and_lists_the_new_grants() -> None:
    status, text = _run("diff", EXACT, WIDENED, "--format", "json")
    assert status == 1
    document = json.loads(text)
    assert document["no_new_access"] is False
    assert document["reason"] == "the new policy allows 1 kind(s) of request the reference denies"
    [counterexample] = document["counterexamples"]
    assert counterexample["context"]["token.actions.githubusercontent.com:sub"] == ["repo:acme"]
    assert [grant["constraints"][1] for grant in document["new_grants"]] == [
        'token.actions.githubusercontent.com:sub matches "repo:acme*" (one value)'
    ]


def test_diff_sarif_is_valid_and_holds_one_result_per_counterexample() -> None:
    status, text = _run("diff", EXACT, WIDENED, "--format", "sarif")
    assert status == 1
    log = json.loads(text)
    assert schema_errors(log, SARIF_SCHEMA) == []
    [sarif_run] = log["runs"]
    assert [rule["id"] for rule in sarif_run["tool"]["driver"]["rules"]] == ["NEW_ACCESS"]
    [result] = sarif_run["results"]
    assert result["ruleId"] == "NEW_ACCESS"
    assert result["level"] == "error"
    assert result["message"]["text"].endswith(
        'token.actions.githubusercontent.com:sub = "repo:acme"'
    )
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location.endswith("examples/mistakes/github-deploy-trust-widened.json")


def test_diff_sarif_with_no_new_access_is_an_empty_run() -> None:
    status, text = _run("diff", WIDENED, EXACT, "--format", "sarif")
    assert status == 0
    log = json.loads(text)
    assert schema_errors(log, SARIF_SCHEMA) == []
    assert log["runs"][0]["results"] == []
