"""``trustsim check`` and ``trustsim explain`` through ``main(argv)``: exact output, exit codes."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from trustsim.callers import Role
from trustsim.cli import main
from trustsim.cli.check import _expectation
from trustsim.loaders import load_policy
from trustsim.requests import assume_role
from trustsim.scenarios import caller_from_spec

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GITHUB = str(EXAMPLES / "github-deploy-trust.json")
VENDOR = str(EXAMPLES / "cross-account-external-id.json")
LAMBDA = str(EXAMPLES / "lambda-source-account.json")
#: The account explain puts the role in by default: the policy's identity provider's, else 123456789012.
ROLE_ACCOUNT = {GITHUB: "111122223333", LAMBDA: "123456789012", VENDOR: "123456789012"}
PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --- check ---------------------------------------------------------------------------------


def test_the_quick_start_command_passes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)
    status, out, _ = run(capsys, "check", "examples/scenarios.json")
    assert status == 0
    assert out.splitlines() == [
        "PASS examples/scenarios.json::github-main-may-deploy: Allow (expected Allow)",
        "PASS examples/scenarios.json::github-pull-request-may-not-deploy: "
        "ImplicitDeny (expected ImplicitDeny)",
        "PASS examples/scenarios.json::github-lookalike-org-may-not-deploy: "
        "ImplicitDeny (expected ImplicitDeny)",
        "PASS examples/scenarios.json::vendor-with-the-right-external-id: Allow (expected Allow)",
        "PASS examples/scenarios.json::vendor-with-another-customers-external-id: "
        "ImplicitDeny (expected ImplicitDeny)",
        "PASS examples/scenarios.json::lambda-for-our-account: Allow (expected Allow)",
        "PASS examples/scenarios.json::lambda-for-another-account: "
        "ImplicitDeny (expected ImplicitDeny)",
        "PASS examples/scenarios.json::okta-user-signs-in-with-session-tags: "
        "Allow (expected Allow)",
        "PASS examples/scenarios.json::org-member-from-shared-services: Allow (expected Allow)",
        "PASS examples/scenarios.json::shared-services-after-leaving-the-org: "
        "ImplicitDeny (expected ImplicitDeny)",
        "10 scenarios: 10 passed, 0 failed",
    ]


def failing_file(tmp_path: Path) -> Path:
    # A scenario file names policies relative to itself, inside its folder (docs/security.md).
    for policy in (GITHUB, LAMBDA):
        (tmp_path / Path(policy).name).write_bytes(Path(policy).read_bytes())
    scenarios = [
        {
            "name": "pr-should-deploy",
            "role": {
                "arn": "arn:aws:iam::111122223333:role/deploy",
                "trust_policy": Path(GITHUB).name,
            },
            "caller": "github:acme/app@pull_request",
            "action": "sts:AssumeRoleWithWebIdentity",
            "expected": "Allow",
        },
        {
            "name": "main-deploys",
            "role": {
                "arn": "arn:aws:iam::111122223333:role/deploy",
                "trust_policy": Path(GITHUB).name,
            },
            "caller": "github:acme/app@refs/heads/main",
            "action": "sts:AssumeRoleWithWebIdentity",
            "expected": "Allow",
        },
        {
            "name": "bad-session",
            "role": {
                "arn": "arn:aws:iam::111122223333:role/deploy",
                "trust_policy": Path(LAMBDA).name,
            },
            "caller": "arn:aws:iam::777788889999:role/x#y",
            "action": "sts:AssumeRole",
            "expected": "ImplicitDeny",
        },
    ]
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(scenarios), encoding="utf-8")
    return path


def test_a_failing_scenario_prints_why_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = failing_file(tmp_path)
    status, out, _ = run(capsys, "check", str(path))
    assert status == 1
    explanation = assume_role(
        caller_from_spec("github:acme/app@pull_request"),
        Role("arn:aws:iam::111122223333:role/deploy", load_policy(Path(GITHUB))),
    ).explain()
    # The statements that decided (none for an implicit deny), then every closest miss.
    detail = [*explanation.to_text("determining").splitlines(), "closest Allow statements:"]
    for statement in explanation.failures:
        detail += ["  " + line for line in statement.lines(only_failures=True)]
    assert out.splitlines() == [
        f"FAIL {path}::pr-should-deploy: ImplicitDeny (expected Allow)",
        *("    " + line for line in detail),
        f"PASS {path}::main-deploys: Allow (expected Allow)",
        f"FAIL {path}::bad-session: Error (expected ImplicitDeny)",
        "    RoleSession.session_name: 'y' is not a role session name "
        "(2-64 characters of letters, digits and _+=,.@-)",
        "3 scenarios: 1 passed, 2 failed",
    ]
    assert "    ✗ StringEquals token.actions.githubusercontent.com:sub expected " in out
    assert out.count("closest Allow statements:") == 1


def test_check_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = failing_file(tmp_path)
    status, out, _ = run(capsys, "check", "--format", "json", str(path))
    assert status == 1
    report = json.loads(out)
    assert (report["passed"], report["failed"], report["unreadable"]) == (1, 2, [])
    first, second, third = report["scenarios"]
    assert {k: first[k] for k in ("file", "name", "expected", "decision", "passed", "error")} == {
        "file": str(path),
        "name": "pr-should-deploy",
        "expected": "Allow",
        "decision": "ImplicitDeny",
        "passed": False,
        "error": None,
    }
    assert first["explanation"]["failures"][0]["sid"] == "GitHubActionsDeployFromMain"
    assert second["passed"] is True
    assert second["explanation"]["determining"][0]["sid"] == "GitHubActionsDeployFromMain"
    assert third["explanation"] is None
    assert "'y' is not a role session name" in third["error"]


def test_an_unreadable_or_malformed_file_exits_2_and_the_others_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    malformed = tmp_path / "malformed.json"
    malformed.write_text('[{"name": "x"}]', encoding="utf-8")
    absent = tmp_path / "absent.json"
    good = str(EXAMPLES / "scenarios.json")
    status, out, _ = run(capsys, "check", str(absent), str(malformed), good)
    assert status == 2
    lines = out.splitlines()
    assert lines[0] == f"{absent}: cannot run the scenarios: No such file or directory"
    assert lines[1] == (
        f"{malformed}: cannot run the scenarios: {malformed}: /0 (line 1:2): "
        "scenario 'x': missing field(s): role, caller, expected"
    )
    assert lines[-1] == "10 scenarios: 10 passed, 0 failed"


def test_check_reads_stdin_relative_to_the_working_directory(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES)
    data = (EXAMPLES / "scenarios.json").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, _ = run(capsys, "check", "-")
    assert status == 0
    assert out.splitlines()[0] == "PASS <stdin>::github-main-may-deploy: Allow (expected Allow)"


# --- explain -------------------------------------------------------------------------------


def library_text(policy: str, caller: str, view: str = "summary", **options: object) -> str:
    """What the library says for the same question (the CLI must print exactly this)."""
    trust = load_policy(Path(policy))
    role = Role(f"arn:aws:iam::{ROLE_ACCOUNT[policy]}:role/trustsim-role", trust)
    outcome = assume_role(caller_from_spec(caller), role, **options)  # type: ignore[arg-type]
    return outcome.explain().to_text(view) + "\n"


def test_explain_an_allowed_caller_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "explain",
        LAMBDA,
        "--caller",
        "service:lambda.amazonaws.com",
        "--context",
        "aws:SourceAccount=111122223333",
    )
    assert status == 0
    context = {"aws:SourceAccount": "111122223333"}
    assert out == library_text(LAMBDA, "service:lambda.amazonaws.com", context=context)
    assert out.startswith('Allow: sts:AssumeRole is allowed: trust policy statement 0 (Sid "Lambda')
    assert "  role: arn:aws:iam::123456789012:role/trustsim-role\n" in out
    assert '    ✓ StringEquals aws:SourceAccount expected "111122223333", got "111122223333"' in out


def test_explain_a_denied_caller_exits_1_naming_the_failing_clause(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, "explain", GITHUB, "--caller", "github:acme/app@environment:prod")
    assert status == 1
    assert out == library_text(GITHUB, "github:acme/app@environment:prod")
    lines = out.splitlines()
    # The role defaults to the account of the policy's OIDC provider, so the bare GitHub
    # issuer resolves to the provider the policy names.
    assert lines[2] == "  role: arn:aws:iam::111122223333:role/trustsim-role"
    assert lines[-1] == (
        "    ✗ StringEquals token.actions.githubusercontent.com:sub expected "
        '"repo:acme/app:ref:refs/heads/main", got "repo:acme/app:environment:prod"'
    )


def test_a_cross_account_caller_needs_its_own_allow(capsys: pytest.CaptureFixture[str]) -> None:
    caller = "arn:aws:iam::444455556666:role/vendor/AuditCollector#run-1"
    argv = ["explain", VENDOR, "--caller", caller, "--external-id", "acme-7f3c9a2e-audit"]
    status, out, _ = run(capsys, *argv)
    assert status == 1
    assert out.splitlines()[3] == "  decided by: identity"
    status, out, _ = run(capsys, *argv, "--caller-allowed")
    assert status == 0
    assert out.startswith("Allow: ")
    status, out, _ = run(
        capsys, *argv[:-1], "wrong-id-0000", "--caller-allowed", "--view", "failures"
    )
    assert status == 1
    assert out.splitlines()[-1] == (
        '    ✗ StringEquals sts:ExternalId expected "acme-7f3c9a2e-audit", got "wrong-id-0000"'
    )


def test_identity_policy_files_and_org_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    identity = tmp_path / "identity.json"
    identity.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
            }
        ),
        encoding="utf-8",
    )
    base = [
        "explain",
        str(EXAMPLES / "org-root.json"),
        "--caller",
        "arn:aws:iam::777788889999:user/carol",
        "--identity-policy",
        str(identity),
    ]
    assert run(capsys, *base, "--org-id", "o-a1b2c3d4e5")[0] == 0
    assert run(capsys, *base, "--org-id", "o-zzzzzzzzzz")[0] == 1
    assert run(capsys, *base)[0] == 1


def test_tags_source_identity_and_action(capsys: pytest.CaptureFixture[str]) -> None:
    saml = str(EXAMPLES / "saml-okta.json")
    caller = ["--caller", "saml:arn:aws:iam::111122223333:saml-provider/Okta"]
    status, out, _ = run(capsys, "explain", saml, *caller, "--tag", "team=blue", "--claim", "sub=j")
    assert status == 0
    assert "  actions: sts:AssumeRoleWithSAML Allow, sts:TagSession Allow" in out.splitlines()
    # The policy does not allow sts:SetSourceIdentity, so passing a source identity denies.
    status, out, _ = run(capsys, "explain", saml, *caller, "--source-identity", "jdoe")
    assert status == 1
    status, out, _ = run(capsys, "explain", saml, *caller, "--action", "sts:TagSession")
    assert status == 0


def test_explain_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "explain", GITHUB, "--caller", "github:acme/app@refs/heads/main", "--format", "json"
    )
    assert status == 0
    report = json.loads(out)
    assert report["decision"] == "Allow"
    assert report["role"] == "arn:aws:iam::111122223333:role/trustsim-role"
    assert report["determining"][0]["sid"] == "GitHubActionsDeployFromMain"


def test_oidc_claims_and_multi_valued_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = tmp_path / "cognito.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"Federated": "cognito-identity.amazonaws.com"},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:abc"},
                        "ForAnyValue:StringLike": {
                            "cognito-identity.amazonaws.com:amr": "authenticated"
                        },
                    },
                },
            }
        ),
        encoding="utf-8",
    )
    caller = ["--caller", "oidc:cognito-identity.amazonaws.com", "--claim", "aud=us-east-1:abc"]
    assert run(capsys, "explain", str(policy), *caller, "--claim", "amr=authenticated")[0] == 0
    assert run(capsys, "explain", str(policy), *caller, "--claim", "amr=unauthenticated")[0] == 1
    # --context overrides what the claims derive; a repeated key is multi-valued.
    key = "--context"
    amr = "cognito-identity.amazonaws.com:amr"
    both = [key, f"{amr}=unauthenticated", key, f"{amr}=authenticated"]
    assert run(capsys, "explain", str(policy), *caller, *both)[0] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--caller", "bob"], "trustsim explain: error: 'bob' is not a caller spec"),
        (["--caller", "anonymous", "--context", "novalue"], "--context 'novalue': expected KEY"),
        (
            ["--caller", "service:lambda.amazonaws.com", "--caller-allowed"],
            "--identity-policy, --caller-allowed and --org-id are for IAM users",
        ),
        (
            ["--caller", "arn:aws:iam::444455556666:user/a", "--external-id", "x"],
            "ExternalId",
        ),
    ],
)
def test_explain_usage_errors_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = run(capsys, "explain", VENDOR, *argv)
    assert status == 2
    assert out == ""
    assert message in err


def test_explain_an_invalid_or_missing_policy_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'
    )
    status, out, _ = run(capsys, "explain", str(bad), "--caller", "anonymous")
    assert status == 2
    assert out.startswith(f"invalid policy in {bad}: 1 problem\n")
    status, out, _ = run(capsys, "explain", str(tmp_path / "none.json"), "--caller", "anonymous")
    assert status == 2
    assert out == f"{tmp_path / 'none.json'}: cannot read the file: No such file or directory\n"


def test_explain_requires_a_caller(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "explain", VENDOR)
    assert status == 2
    assert "the following arguments are required: --caller" in err


# --- lint ----------------------------------------------------------------------------------


def write_policy(tmp_path: Path, name: str, document: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


def public_policy(condition: dict[str, object] | None = None) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"AWS": "*"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    return {"Version": "2012-10-17", "Statement": [statement]}


def test_lint_clean_examples_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "lint", GITHUB, LAMBDA)
    assert status == 0
    assert out.splitlines() == [
        f"{GITHUB}: no findings",
        f"{LAMBDA}: no findings",
        "no findings in 2 files",
    ]


def test_lint_text_output_and_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path, "public.json", public_policy())
    status, out, _ = run(capsys, "lint", str(path))
    assert status == 1
    assert out.splitlines() == [
        f"{path}:7:16: security_warning ANY_AWS_PRINCIPAL /Statement/0/Principal/AWS",
        '  {"AWS": "*"} with no condition an outsider cannot meet: any IAM user or role of any '
        "AWS account, whose own policy allows it, can assume this role",
        "  fix: name the trusted principals, or narrow with a key outsiders cannot choose: "
        "aws:PrincipalOrgID, aws:PrincipalAccount, or aws:PrincipalArn with your account",
        "  witness: IAM user arn:aws:iam::999999999999:user/trustsim-outsider of an unrelated "
        "account (999999999999)",
        "1 finding (1 security_warning)",
    ]


@pytest.mark.parametrize(
    ("fail_on", "status"),
    [("error", 0), ("security_warning", 0), ("warning", 1), ("suggestion", 1)],
)
def test_fail_on_sets_the_threshold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fail_on: str, status: int
) -> None:
    # A warning (sts:*) only: below the default threshold.
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:*",
            "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
        },
    }
    path = write_policy(tmp_path, "w.json", document)
    assert run(capsys, "lint", "--fail-on", fail_on, str(path))[0] == status


def test_lint_narrowed_wildcard_principal_is_clean(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrowed = public_policy({"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}})
    path = write_policy(tmp_path, "org.json", narrowed)
    assert run(capsys, "lint", "--fail-on", "suggestion", str(path))[0] == 0


def test_lint_role_arn(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "444455556666"},
            "Action": "sts:AssumeRole",
        },
    }
    path = write_policy(tmp_path, "root.json", document)
    # The role's account unknown: a suggestion (issue 20), below the default threshold.
    status, out, _ = run(capsys, "lint", str(path))
    assert (status, "suggestion ACCOUNT_ROOT_WITHOUT_EXTERNAL_ID" in out) == (0, True)
    other = "arn:aws:iam::111122223333:role/Ops"
    assert run(capsys, "lint", "--role-arn", other, str(path))[0] == 1
    own = "arn:aws:iam::444455556666:role/Ops"
    assert run(capsys, "lint", "--role-arn", own, str(path))[0] == 0
    status, _, err = run(capsys, "lint", "--role-arn", "nonsense", str(path))
    assert status == 2
    assert "trustsim lint: error: Role.arn: 'nonsense' is not an IAM role ARN" in err


def test_lint_invalid_and_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'
    )
    status, out, _ = run(capsys, "lint", str(bad))
    assert status == 1
    assert out.startswith(f"invalid policy in {bad}: 1 problem\n")
    assert out.splitlines()[-1] == "1 finding (1 error)"
    status, out, _ = run(capsys, "lint", str(bad), str(tmp_path / "none.json"))
    assert status == 2
    assert f"{tmp_path / 'none.json'}: cannot read the file: No such file or directory" in out


def test_lint_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path, "public.json", public_policy())
    status, out, _ = run(capsys, "lint", "--format", "json", str(path), LAMBDA)
    assert status == 1
    report = json.loads(out)
    first, second = report["files"]
    assert report["schema_version"] == 1
    assert second == {
        "file": LAMBDA,
        "kind": "policy",
        "valid": True,
        "roles": [""],
        "notes": [],
        "findings": [],
    }
    [finding] = first["findings"]
    assert {k: finding[k] for k in ("code", "severity", "pointer", "line", "column")} == {
        "code": "ANY_AWS_PRINCIPAL",
        "severity": "security_warning",
        "pointer": "/Statement/0/Principal/AWS",
        "line": 7,
        "column": 16,
    }
    # The witness caller is its (short) repr: its ARN and what it carries.
    assert finding["witness"]["caller"] == (
        "IamUser('arn:aws:iam::999999999999:user/trustsim-outsider', 1 policy)"
    )


def test_lint_reads_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = json.dumps(public_policy()).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, _ = run(capsys, "lint", "-")
    assert status == 1
    assert out.startswith("<stdin>:1:")


def test_lint_sarif_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path, "public.json", public_policy())
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'
    )
    status, out, _ = run(capsys, "lint", "--format", "sarif", str(path), str(bad))
    assert status == 1
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    [sarif_run] = log["runs"]
    driver = sarif_run["tool"]["driver"]
    assert driver["name"] == "trustsim"
    assert [rule["id"] for rule in driver["rules"]] == ["ANY_AWS_PRINCIPAL", "BARE_STAR_PRINCIPAL"]
    assert driver["rules"][0]["properties"]["security-severity"] == "9.0"
    assert driver["rules"][0]["defaultConfiguration"] == {"level": "error"}
    finding, problem = sarif_run["results"]
    assert finding["ruleId"] == "ANY_AWS_PRINCIPAL"
    assert finding["ruleIndex"] == 0
    assert finding["locations"][0]["physicalLocation"] == {
        "artifactLocation": {"uri": path.as_posix()},
        "region": {"startLine": 7, "startColumn": 16},
    }
    assert finding["properties"]["witness"]["action"] == "sts:AssumeRole"
    assert len(finding["partialFingerprints"]["trustsimFinding/v1"]) == 32
    assert problem["ruleId"] == "BARE_STAR_PRINCIPAL"
    assert problem["level"] == "error"
    assert problem["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 1,
        "startColumn": 48,
    }
    assert sarif_run["invocations"] == [
        {"executionSuccessful": True, "toolExecutionNotifications": []}
    ]


def test_lint_sarif_with_no_findings_is_an_empty_run(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "lint", "--format", "sarif", LAMBDA)
    assert status == 0
    [sarif_run] = json.loads(out)["runs"]
    assert sarif_run["results"] == []
    assert sarif_run["tool"]["driver"]["rules"] == []


# --- SARIF 2.1.0 schema --------------------------------------------------------------------

#: The OASIS SARIF 2.1.0 schema (errata 01), as published at
#: https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json
SARIF_SCHEMA = json.loads((REPO / "tests" / "data" / "sarif-schema-2.1.0.json").read_text("utf-8"))

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}


def _type_ok(instance: object, wanted: str | list[str]) -> bool:
    names = [wanted] if isinstance(wanted, str) else wanted
    return any(
        isinstance(instance, _JSON_TYPES[name])
        and not (isinstance(instance, bool) and name in ("integer", "number"))
        for name in names
    )


def schema_errors(instance: object, schema: dict[str, Any], path: str = "$") -> list[str]:
    """The draft-04 keywords the SARIF schema uses, checked the way jsonschema checks them."""
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/definitions/")
        return schema_errors(instance, SARIF_SCHEMA["definitions"][name], path)
    errors: list[str] = []
    if "type" in schema and not _type_ok(instance, schema["type"]):
        return [f"{path}: not of type {schema['type']}"]
    if "enum" in schema and instance not in schema["enum"]:
        errors.append(f"{path}: {instance!r} not in {schema['enum']}")
    if isinstance(instance, dict):
        errors += [
            f"{path}: missing {key}" for key in schema.get("required", ()) if key not in instance
        ]
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties", True)
        for key, value in instance.items():
            if key in properties:
                errors += schema_errors(value, properties[key], f"{path}.{key}")
            elif extra is False:
                errors.append(f"{path}: unexpected property {key}")
            elif isinstance(extra, dict):
                errors += schema_errors(value, extra, f"{path}.{key}")
    if isinstance(instance, list):
        if isinstance(schema.get("items"), dict):
            for index, item in enumerate(instance):
                errors += schema_errors(item, schema["items"], f"{path}[{index}]")
        if len(instance) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        texts = [json.dumps(item, sort_keys=True) for item in instance]
        if schema.get("uniqueItems") and len(set(texts)) != len(texts):
            errors.append(f"{path}: items are not unique")
    if _type_ok(instance, "number"):
        assert isinstance(instance, (int, float))
        if "minimum" in schema and instance < schema["minimum"]:
            errors.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and instance > schema["maximum"]:
            errors.append(f"{path}: above {schema['maximum']}")
    if (
        isinstance(instance, str)
        and "pattern" in schema
        and not re.search(schema["pattern"], instance)
    ):
        errors.append(f"{path}: does not match {schema['pattern']}")
    if "anyOf" in schema and all(schema_errors(instance, s, path) for s in schema["anyOf"]):
        errors.append(f"{path}: matches none of anyOf")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not schema_errors(instance, s, path)]
        if len(matching) != 1:
            errors.append(f"{path}: matches {len(matching)} of oneOf")
    return errors


def test_the_schema_check_is_not_vacuous() -> None:
    good = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": []}]}
    assert schema_errors(good, SARIF_SCHEMA) == []
    assert schema_errors({"runs": []}, SARIF_SCHEMA) == ["$: missing version"]
    bad_level = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "x"}},
                "results": [{"message": {"text": "m"}, "level": "severe"}],
            }
        ],
    }
    assert schema_errors(bad_level, SARIF_SCHEMA) == [
        "$.runs[0].results[0].level: 'severe' not in ['none', 'note', 'warning', 'error']"
    ]


def test_lint_sarif_validates_against_the_sarif_schema(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    public = write_policy(tmp_path, "public.json", public_policy())
    wildcard = write_policy(
        tmp_path,
        "gh.json",
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"Federated": PROVIDER},
                "Action": "sts:*",
                "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:a*"}},
            }
        },
    )
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}'
    )
    argv = ["lint", "--format", "sarif", str(public), str(wildcard), str(bad), str(tmp_path / "no")]
    status, out, _ = run(capsys, *argv)
    assert status == 2
    log = json.loads(out)
    assert schema_errors(log, SARIF_SCHEMA) == []
    assert len(log["runs"][0]["results"]) >= 5
    assert log["runs"][0]["invocations"][0]["executionSuccessful"] is False


def test_lint_ignore(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_policy(tmp_path, "public.json", public_policy())
    status, out, _ = run(capsys, "lint", "--ignore", "ANY_AWS_PRINCIPAL", str(path))
    assert (status, out) == (0, f"{path}: no findings\n")  # once (issue 20)
    status, _, err = run(capsys, "lint", "--ignore", "NOPE", str(path))
    assert status == 2
    assert "trustsim lint: error: unknown finding code 'NOPE'" in err


# --- check: a table of callers against one role --------------------------------------------

MAIN = "github:acme/app@refs/heads/main"
PR = "github:acme/app@pull_request"
SUB_MISS = (
    'closest: trust policy statement 0 (Sid "GitHubActionsDeployFromMain"): ✗ StringEquals '
    'token.actions.githubusercontent.com:sub expected "repo:acme/app:ref:refs/heads/main", '
    'got "repo:acme/app:pull_request"'
)
MAIN_ALLOWED = 'trust policy statement 0 (Sid "GitHubActionsDeployFromMain")'
GITHUB_ROLE = "arn:aws:iam::111122223333:role/trustsim-role"


def test_check_table_with_expectations_that_hold(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(
        capsys, "check", GITHUB, "--caller", f"{MAIN}=allow", "--caller", f"{PR}=deny"
    )
    assert (status, err) == (0, "")
    assert out.splitlines() == [
        f"PASS {MAIN}: Allow (expected allow) — {MAIN_ALLOWED}",
        f"PASS {PR}: ImplicitDeny (expected deny) — {SUB_MISS}",
        f"2 callers against {GITHUB_ROLE}: 2 passed, 0 failed",
    ]


def test_check_table_with_an_expectation_that_fails(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "check", GITHUB, "--caller", f"{PR}=allow")
    assert status == 1
    assert out.splitlines() == [
        f"FAIL {PR}: ImplicitDeny (expected allow) — {SUB_MISS}",
        f"1 caller against {GITHUB_ROLE}: 0 passed, 1 failed",
    ]
    status, out, _ = run(capsys, "check", GITHUB, "--caller", f"{MAIN}=deny")
    assert status == 1
    assert out.splitlines()[0] == f"FAIL {MAIN}: Allow (expected deny) — {MAIN_ALLOWED}"


def test_check_table_without_expectations_wants_every_caller_allowed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(capsys, "check", GITHUB, "--caller", MAIN)[0] == 0
    status, out, _ = run(capsys, "check", GITHUB, "--caller", MAIN, "--caller", PR)
    assert status == 1
    assert out.splitlines() == [
        f"PASS {MAIN}: Allow — {MAIN_ALLOWED}",
        f"FAIL {PR}: ImplicitDeny — {SUB_MISS}",
        f"2 callers against {GITHUB_ROLE}: 1 passed, 1 failed",
    ]


def test_check_table_names_a_principal_miss_and_an_explicit_deny(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Team",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "sts:AssumeRole",
            },
            {
                "Sid": "NotIntern",
                "Effect": "Deny",
                "Principal": {"AWS": "arn:aws:iam::111122223333:user/intern"},
                "Action": "sts:AssumeRole",
            },
        ],
    }
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(policy), encoding="utf-8")
    status, out, _ = run(
        capsys,
        "check",
        str(path),
        "--role-arn",
        "arn:aws:iam::111122223333:role/ops",
        "--caller-allowed",
        "--caller",
        "arn:aws:iam::111122223333:user/alice=allow",
        "--caller",
        "arn:aws:iam::111122223333:user/intern=deny",
        "--caller",
        "arn:aws:iam::444455556666:user/mallory=deny",
    )
    assert status == 0
    assert out.splitlines() == [
        "PASS arn:aws:iam::111122223333:user/alice: Allow (expected allow) — trust policy "
        'statement 0 (Sid "Team")',
        "PASS arn:aws:iam::111122223333:user/intern: ExplicitDeny (expected deny) — trust policy "
        'statement 1 (Sid "NotIntern")',
        "PASS arn:aws:iam::444455556666:user/mallory: ImplicitDeny (expected deny) — closest: "
        'trust policy statement 0 (Sid "Team"): ✗ principal: IAM user '
        "arn:aws:iam::444455556666:user/mallory is not among: arn:aws:iam::111122223333:root",
        "3 callers against arn:aws:iam::111122223333:role/ops: 3 passed, 0 failed",
    ]


def test_check_table_agrees_with_the_library(capsys: pytest.CaptureFixture[str]) -> None:
    """Each row's decision is assume_role's for the same caller and role."""
    trust = load_policy(Path(GITHUB))
    role = Role(GITHUB_ROLE, trust)
    for spec in (MAIN, PR, "github:acme/app@environment:prod", "service:lambda.amazonaws.com"):
        outcome = assume_role(caller_from_spec(spec), role)
        status, out, _ = run(capsys, "check", GITHUB, "--caller", spec)
        assert out.startswith(f"{'PASS' if outcome.allowed else 'FAIL'} {spec}: {outcome.decision}")
        assert status == (0 if outcome.allowed else 1)


def test_check_table_json(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys, "check", GITHUB, "--format", "json", "--caller", f"{PR}=deny", "--caller", MAIN
    )
    assert status == 0
    report = json.loads(out)
    assert report["policy"] == GITHUB
    assert report["role"] == GITHUB_ROLE
    assert (report["passed"], report["failed"]) == (2, 0)
    rows = [
        {key: row[key] for key in ("caller", "expected", "decision", "allowed", "passed", "why")}
        for row in report["callers"]
    ]
    assert rows == [
        {
            "caller": PR,
            "expected": "deny",
            "decision": "ImplicitDeny",
            "allowed": False,
            "passed": True,
            "why": SUB_MISS,
        },
        {
            "caller": MAIN,
            "expected": None,
            "decision": "Allow",
            "allowed": True,
            "passed": True,
            "why": MAIN_ALLOWED,
        },
    ]
    assert report["callers"][1]["explanation"]["decision"] == "Allow"


def test_check_table_reads_the_policy_from_stdin(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data = Path(GITHUB).read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    status, out, _ = run(capsys, "check", "-", "--caller", MAIN)
    assert status == 0
    assert out.splitlines()[-1] == f"1 caller against {GITHUB_ROLE}: 1 passed, 0 failed"


def test_check_tells_scenarios_from_a_policy_by_content(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    scenarios = str(EXAMPLES / "scenarios.json")
    status, out, _ = run(capsys, "check", scenarios, "--caller", MAIN)
    assert status == 2
    assert out == (
        f"{scenarios}: these are scenarios (a JSON array), not a policy: run them without "
        "--caller\n"
    )
    status, out, _ = run(capsys, "check", GITHUB)
    assert status == 2
    assert out.splitlines() == [
        f"{GITHUB}: cannot run the scenarios: this is a policy (a JSON object), not scenarios: "
        "name the callers with --caller",
        "0 scenarios: 0 passed, 0 failed",
    ]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(Path(GITHUB).read_bytes())))
    status, out, _ = run(capsys, "check", "-")
    assert status == 2
    assert out.startswith("<stdin>: cannot run the scenarios: this is a policy")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--caller", "nonsense"], "trustsim check: error: "),
        (
            [VENDOR, "--caller", MAIN],
            "trustsim check: error: --caller takes exactly one trust policy",
        ),
    ],
)
def test_check_table_usage_errors(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "check", GITHUB, *argv)
    assert status == 2
    assert out == ""
    assert err.startswith(message)


def test_check_table_unreadable_or_invalid_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = str(tmp_path / "missing.json")
    status, out, _ = run(capsys, "check", missing, "--caller", MAIN)
    assert (status, out) == (2, f"{missing}: cannot read the file: No such file or directory\n")
    invalid = tmp_path / "invalid.json"
    invalid.write_text('{"Version": "2012-10-17", "Statement": []}', encoding="utf-8")
    status, out, _ = run(capsys, "check", str(invalid), "--caller", MAIN)
    assert status == 2
    assert "MISSING_STATEMENT" in out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"{MAIN}=allow", (MAIN, "allow")),
        (f"{MAIN}=DENY", (MAIN, "deny")),
        (MAIN, (MAIN, None)),
        ("oidc:gitlab.com=maybe", ("oidc:gitlab.com=maybe", None)),
    ],
)
def test_caller_expectation_suffix(text: str, expected: tuple[str, str | None]) -> None:
    assert _expectation(text) == expected


def test_lint_role_arn_reaches_the_name_only_principal_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::111122223333:role/Deployer"},
            "Action": "sts:AssumeRole",
        },
    }
    path = tmp_path / "trust.json"
    path.write_text(json.dumps(policy), encoding="utf-8")
    role = "arn:aws:iam::111122223333:role/ci/Deployer"
    argv = ["lint", str(path), "--fail-on", "warning", "--format", "json"]
    status, out, _ = run(capsys, *argv, "--role-arn", role)
    assert status == 1
    assert "PRINCIPAL_NAME_ONLY_MATCH" in out
    assert run(capsys, *argv)[0] == 0


ORG = str(EXAMPLES / "org-root.json")
ORG_STATEMENT = 'trust policy statement 0 (Sid "DelegateToSharedServicesInOrg")'
DEFAULT_ROLE = "arn:aws:iam::123456789012:role/trustsim-role"


def test_check_table_org_id_and_the_identity_side(capsys: pytest.CaptureFixture[str]) -> None:
    """A caller of another account also needs its own allow (docs/semantics.md §4.4)."""
    ops = "arn:aws:iam::777788889999:user/ops"
    status, out, _ = run(capsys, "check", ORG, "--org-id", "o-a1b2c3d4e5", "--caller", ops)
    assert status == 1
    assert out.splitlines()[0] == (
        f"FAIL {ops}: ImplicitDeny — the caller's identity policies do not allow "
        f"sts:AssumeRole on {DEFAULT_ROLE}, and they must (cross-account: the caller's account "
        f"must allow too; trust granted by {ORG_STATEMENT}) (hint: the caller's own account must "
        "allow the call too: --caller-allowed gives it an identity policy allowing sts:*, so "
        "that the trust policy alone decides)"
    )
    argv = ["check", ORG, "--caller-allowed", "--caller", ops]
    status, out, _ = run(capsys, *argv, "--org-id", "o-a1b2c3d4e5")
    assert (status, out.splitlines()[0]) == (0, f"PASS {ops}: Allow — {ORG_STATEMENT}")
    status, out, _ = run(capsys, *argv, "--org-id", "o-zzzzzzzzzz")
    assert status == 1
    assert out.splitlines()[0] == (
        f"FAIL {ops}: ImplicitDeny — closest: {ORG_STATEMENT}: ✗ StringEquals aws:PrincipalOrgID "
        'expected "o-a1b2c3d4e5", got "o-zzzzzzzzzz"'
    )


def test_check_table_context_for_service_callers(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(
        capsys,
        "check",
        LAMBDA,
        "--context",
        "aws:SourceAccount=111122223333",
        "--caller",
        "service:lambda.amazonaws.com",
        "--caller",
        "service:sns.amazonaws.com=deny",
    )
    assert status == 0
    assert out.splitlines() == [
        'PASS service:lambda.amazonaws.com: Allow — trust policy statement 0 (Sid "LambdaInvoke")',
        "PASS service:sns.amazonaws.com: ImplicitDeny (expected deny) — closest: trust policy "
        'statement 0 (Sid "LambdaInvoke"): ✗ principal: AWS service sns.amazonaws.com is not '
        "among: Service:lambda.amazonaws.com",
        f"2 callers against {DEFAULT_ROLE}: 2 passed, 0 failed",
    ]
    status, out, _ = run(capsys, "check", LAMBDA, "--caller", "service:lambda.amazonaws.com")
    assert status == 1
    assert out.splitlines()[0].endswith(
        '✗ StringEquals aws:SourceAccount expected "111122223333", got nothing (the key is absent)'
    )


def test_explain_region_becomes_aws_requested_region(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    policy = tmp_path / "eu-only.json"
    policy.write_text(
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
                },
            }
        )
    )
    caller = ["--caller", "service:lambda.amazonaws.com"]
    status, out, _ = run(capsys, "explain", str(policy), *caller, "--region", "eu-west-1")
    assert status == 0, out
    status, out, _ = run(capsys, "explain", str(policy), *caller, "--region", "us-east-1")
    assert status == 1
    assert 'aws:RequestedRegion expected "eu-west-1", got "us-east-1"' in out
