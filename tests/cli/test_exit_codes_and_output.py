"""``trustsim`` subcommands' less-travelled paths through ``main(argv)``: output and exit codes.

Exit codes (docs/cli.md): 0 all good, 1 a finding / failure / invalid policy, 2 usage error or
unreadable input.
"""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from trustsim.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GITHUB = str(EXAMPLES / "github-deploy-trust.json")
SCENARIOS = str(EXAMPLES / "scenarios.json")
INVENTORY = str(REPO / "tests" / "data" / "loaders" / "authorization-details.json")
ALICE = "arn:aws:iam::123456789012:user/alice"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def write(tmp_path: Path, name: str, document: Any) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return str(path)


def stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


def trust(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- validate: the summary of each kind's elements -------------------------------------------


def test_validate_summarises_an_rcp_star_principal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every statement of a resource control policy has "Principal": "*" (docs/errors.md,
    RCP_PRINCIPAL_NOT_STAR): the summary shows it as trusting *."""
    rcp = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ],
    }
    path = write(tmp_path, "rcp.json", rcp)
    status, out, _ = run(capsys, "validate", "--kind", "rcp", path)
    assert status == 0
    assert out.splitlines() == [
        f"{path}: valid resource control policy (Version 2012-10-17, 1 statement)",
        "  Statement 0: Deny",
        "    trusted: *",
        "    actions: sts:AssumeRole",
        "    resources: *",
        '    when:    StringNotEquals aws:PrincipalOrgID = "o-a1b2c3d4e5"',
    ]


def test_validate_summarises_not_action_and_not_resource(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllButProd",
                "Effect": "Deny",
                "NotAction": ["sts:AssumeRole", "sts:TagSession"],
                "NotResource": "arn:aws:iam::123456789012:role/prod-*",
            }
        ],
    }
    path = write(tmp_path, "identity.json", identity)
    status, out, _ = run(capsys, "validate", "--kind", "identity", path)
    assert status == 0
    assert out.splitlines()[1:] == [
        '  Statement 0 "AllButProd": Deny',
        "    every action except: sts:AssumeRole, sts:TagSession",
        "    every resource except: arn:aws:iam::123456789012:role/prod-*",
    ]


def test_validate_the_same_document_as_the_wrong_kind_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An identity policy is not a trust policy: it has no Principal (docs/errors.md)."""
    document = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}],
    }
    path = write(tmp_path, "identity.json", document)
    assert run(capsys, "validate", "--kind", "identity", path)[0] == 0
    status, out, _ = run(capsys, "validate", "--format", "json", path)
    assert status == 1
    [report] = json.loads(out)["files"]
    assert report["valid"] is False
    assert "MISSING_PRINCIPAL" in {problem["code"] for problem in report["problems"]}


def test_validate_an_unknown_kind_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "validate", "--kind", "resource", GITHUB)
    assert status == 2
    assert "invalid choice: 'resource'" in err


# --- check: scenario files --------------------------------------------------------------------


def test_check_json_reports_an_unreadable_file_and_prints_no_text_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = str(tmp_path / "absent.json")
    status, out, _ = run(capsys, "check", "--format", "json", absent, SCENARIOS)
    assert status == 2
    report = json.loads(out)  # the whole output is one JSON document
    assert report["unreadable"] == [{"file": absent, "error": "No such file or directory"}]
    assert report["failed"] == 0
    assert report["passed"] == len(report["scenarios"]) > 0


def test_check_refuses_a_policy_given_without_callers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status, out, _ = run(capsys, "check", GITHUB)
    assert status == 2
    assert out.splitlines()[0] == (
        f"{GITHUB}: cannot run the scenarios: this is a policy (a JSON object), not scenarios: "
        "name the callers with --caller"
    )
    stdin(monkeypatch, Path(GITHUB).read_bytes())
    status, out, _ = run(capsys, "check", "-")
    assert status == 2
    assert out.startswith("<stdin>: cannot run the scenarios: this is a policy")


def test_check_empty_stdin_is_not_scenarios(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, b"")
    status, out, _ = run(capsys, "check", "-")
    assert status == 2
    assert out.startswith("<stdin>: cannot run the scenarios: ")
    assert out.splitlines()[-1] == "0 scenarios: 0 passed, 0 failed"


# --- check: a table of callers ----------------------------------------------------------------


def test_check_table_names_the_action_a_statement_does_not_allow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An IAM user calls sts:AssumeRole (docs/semantics.md §4): a statement naming the user but
    allowing only sts:TagSession is the closest miss, and the action is why."""
    policy = trust(
        {
            "Sid": "TagOnly",
            "Effect": "Allow",
            "Principal": {"AWS": ALICE},
            "Action": "sts:TagSession",
        }
    )
    path = write(tmp_path, "tag.json", policy)
    status, out, _ = run(capsys, "check", path, "--caller", ALICE, "--caller-allowed")
    assert status == 1
    assert out.splitlines() == [
        f'FAIL {ALICE}: ImplicitDeny — closest: trust policy statement 0 (Sid "TagOnly"): '
        "✗ action: sts:TagSession",
        "1 caller against arn:aws:iam::123456789012:role/trustsim-role: 0 passed, 1 failed",
    ]
    fixed = write(
        tmp_path, "fixed.json", trust({**policy["Statement"][0], "Action": "sts:AssumeRole"})
    )
    status, out, _ = run(capsys, "check", fixed, "--caller", ALICE, "--caller-allowed")
    assert status == 0
    assert out.startswith(f'PASS {ALICE}: Allow — trust policy statement 0 (Sid "TagOnly")')


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--caller", "user:alice"], "'user:alice' is not a caller spec"),
        (
            ["--caller", "anonymous", "--context", "novalue"],
            "--context 'novalue': expected KEY=VALUE",
        ),
        (["--caller", "github:acme@main"], "repo must be 'OWNER/REPO'"),
    ],
)
def test_check_table_usage_errors_exit_2_on_stderr(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    status, out, err = run(capsys, "check", GITHUB, *extra)
    assert status == 2
    assert out == ""
    assert err.startswith("trustsim check: error: ")
    assert message in err


def test_check_table_takes_one_policy_and_not_scenarios(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "check", GITHUB, GITHUB, "--caller", "anonymous")
    assert (status, err) == (2, "trustsim check: error: --caller takes exactly one trust policy\n")
    status, out, _ = run(capsys, "check", SCENARIOS, "--caller", "anonymous")
    assert status == 2
    assert "these are scenarios (a JSON array), not a policy: run them without --caller" in out
    absent = str(tmp_path / "absent.json")
    status, out, _ = run(capsys, "check", absent, "--caller", "anonymous")
    assert (status, out) == (2, f"{absent}: cannot read the file: No such file or directory\n")


# --- explain -----------------------------------------------------------------------------------


def test_explain_reads_the_policy_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(monkeypatch, Path(GITHUB).read_bytes())
    allowed = run(capsys, "explain", "-", "--caller", "github:acme/app@refs/heads/main")
    assert allowed[0] == 0
    assert allowed[1].startswith("Allow")
    stdin(monkeypatch, Path(GITHUB).read_bytes())
    denied = run(capsys, "explain", "-", "--caller", "github:acme/app@pull_request")
    assert denied[0] == 1
    assert denied[1].startswith("ImplicitDeny")


def test_explain_an_invalid_policy_on_stdin_exits_2_with_its_problems(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stdin(
        monkeypatch,
        b'{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}',
    )
    status, out, _ = run(capsys, "explain", "-", "--caller", "anonymous")
    assert status == 2
    assert out.startswith("invalid policy in <stdin>: 1 problem")
    assert "[BARE_STAR_PRINCIPAL]" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--caller", "service:lambda.amazonaws.com", "--caller-allowed"],
            "--identity-policy, --caller-allowed and --org-id are for IAM users and role sessions",
        ),
        (["--caller", ALICE, "--tag", "team"], "--tag 'team': expected KEY=VALUE"),
        (["--caller", ALICE, "--context", "=x"], "--context '=x': expected KEY=VALUE"),
    ],
)
def test_explain_usage_errors_exit_2_on_stderr(
    capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    status, out, err = run(capsys, "explain", GITHUB, *extra)
    assert status == 2
    assert out == ""
    assert err == f"trustsim explain: error: {message}\n"


def test_explain_a_companion_action_is_decided_on_its_own(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """sts:TagSession is authorised on its own (docs/semantics.md §6.2): a statement allowing only
    it allows --action sts:TagSession and denies the AssumeRole call."""
    policy = trust({"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:TagSession"})
    path = write(tmp_path, "tag.json", policy)
    common = ["explain", path, "--caller", ALICE, "--caller-allowed"]
    assert run(capsys, *common, "--action", "sts:TagSession")[0] == 0
    assert run(capsys, *common)[0] == 1


# --- lint ------------------------------------------------------------------------------------


def public(tmp_path: Path) -> str:
    return write(
        tmp_path,
        "public.json",
        trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}),
    )


def test_lint_json_reports_unreadable_invalid_and_linted_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    invalid = tmp_path / "invalid.json"
    invalid.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*",\n "Action": "sts:AssumeRole"}}'
    )
    absent = str(tmp_path / "absent.json")
    linted = public(tmp_path)
    status, out, _ = run(capsys, "lint", "--format", "json", absent, str(invalid), linted)
    assert status == 2  # an unreadable file wins over findings
    unreadable, refused, found = json.loads(out)["files"]
    assert unreadable == {"file": absent, "error": "No such file or directory"}
    assert refused["file"] == str(invalid)
    assert refused["valid"] is False
    assert [(p["code"], p["pointer"], p["line"]) for p in refused["problems"]] == [
        ("BARE_STAR_PRINCIPAL", "/Statement/Principal", 1)
    ]
    assert found["valid"] is True
    assert [f["code"] for f in found["findings"]] == ["ANY_AWS_PRINCIPAL"]
    status, out, _ = run(capsys, "lint", "--format", "json", str(invalid))
    assert status == 1  # a policy AWS would refuse counts as errors


def test_lint_sarif_result_without_a_position_has_no_region(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file that is not UTF-8 text has no line to point at: the SARIF result names the
    file alone, and the problem code becomes a rule of its own (docs/errors.md)."""
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff\xfe{")
    status, out, _ = run(capsys, "lint", "--format", "sarif", str(binary))
    assert status == 1
    run_ = json.loads(out)["runs"][0]
    [result] = run_["results"]
    assert result["ruleId"] == "INVALID_ENCODING"
    assert result["level"] == "error"
    assert result["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": binary.as_posix()}
    }
    [rule] = run_["tool"]["driver"]["rules"]
    assert rule["shortDescription"] == {"text": "AWS refuses the policy (INVALID_ENCODING)"}
    assert rule["properties"]["trustsim-severity"] == "error"


def test_lint_sarif_marks_an_unreadable_file_as_a_failed_execution(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = str(tmp_path / "absent.json")
    status, out, _ = run(capsys, "lint", "--format", "sarif", absent)
    assert status == 2
    invocation = json.loads(out)["runs"][0]["invocations"][0]
    assert invocation["executionSuccessful"] is False
    assert invocation["toolExecutionNotifications"] == [
        {"level": "error", "message": {"text": f"{absent}: cannot read: No such file or directory"}}
    ]


def test_lint_ignore_an_unknown_code_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "lint", "--ignore", "ANY_PRINCIPAL", public(tmp_path))
    assert (status, out) == (2, "")
    assert err == "trustsim lint: error: unknown finding code 'ANY_PRINCIPAL'\n"


def test_lint_ignoring_the_only_failing_code_exits_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = public(tmp_path)
    assert run(capsys, "lint", path)[0] == 1
    status, out, _ = run(capsys, "lint", "--ignore", "ANY_AWS_PRINCIPAL", path)
    assert status == 0
    assert out.splitlines() == [f"{path}: no findings"]  # once (issue 20)


def test_lint_counts_findings_of_several_severities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        "two.json",
        trust({"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:*"}),
    )
    status, out, _ = run(capsys, "lint", "--fail-on", "error", path)
    assert status == 0  # a security_warning and a warning, below error
    assert out.splitlines()[-1] == "2 findings (1 security_warning, 1 warning)"


# --- who-can / reach: the command-line side ---------------------------------------------------


def test_who_can_an_unreadable_inventory_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    absent = str(tmp_path / "absent.json")
    status, out, err = run(
        capsys, "who-can", "arn:aws:iam::111122223333:role/vendor-audit", "--inventory", absent
    )
    assert (status, out) == (2, "")
    assert "No such file or directory" in err


def test_reach_a_principal_missing_from_the_inventory_exits_2(
    capsys: pytest.CaptureFixture[str],
) -> None:
    nobody = "arn:aws:iam::111122223333:user/nobody"
    status, out, err = run(capsys, "reach", nobody, "--inventory", INVENTORY)
    assert (status, out) == (2, "")
    assert err == f"trustsim: the inventory has no user or role {nobody}\n"


def test_who_can_writes_to_the_stdout_it_is_given() -> None:
    out = io.StringIO()
    role = "arn:aws:iam::111122223333:role/vendor-audit"
    status = main(["who-can", role, "--inventory", INVENTORY, "--format", "json"], stdout=out)
    assert status == 0
    assert json.loads(out.getvalue())["role"] == role


def test_no_command_is_a_usage_error_and_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        run(
            capsys,
        )[0]
        == 2
    )
    status, out, _ = run(capsys, "lint", "--help")
    assert status == 0
    assert "--fail-on" in out
