"""Scenario files (trustsim.scenarios): loading, file references, compact callers, refusals, runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trustsim.caller_specs import claims_from_pairs
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    InvalidCaller,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.scenarios import (
    MalformedScenario,
    caller_from_spec,
    load_scenarios,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"

TRUST = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "111122223333"}},
    },
}
ROLE = {"arn": "arn:aws:iam::111122223333:role/fn", "trust_policy": TRUST}


def scenario(**change: Any) -> dict[str, Any]:
    return {
        "name": "lambda",
        "role": ROLE,
        "caller": "service:lambda.amazonaws.com",
        "action": "sts:AssumeRole",
        "context": {"aws:SourceAccount": "111122223333"},
        "expected": "Allow",
        **change,
    }


def write(tmp_path: Path, data: object, name: str = "scenarios.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return path


def test_the_bundled_example_scenarios_all_pass() -> None:
    results = [s.run() for s in load_scenarios(EXAMPLES / "scenarios.json")]
    assert 6 <= len(results) <= 10
    assert all(r.passed for r in results), "\n".join(r.report() for r in results if not r.passed)
    # Both sides are exercised: the examples must not all expect the same decision.
    assert {r.decision for r in results} == {"Allow", "ImplicitDeny"}


def test_a_matching_scenario_passes_and_a_wrong_expectation_fails() -> None:
    passing, failing = load_scenarios(
        [scenario(), scenario(name="other account", context={"aws:SourceAccount": "999988887777"})]
    )
    assert passing.run().passed
    result = failing.run()
    assert (result.decision, result.expected, result.passed) == ("ImplicitDeny", "Allow", False)
    report = result.report()
    assert report.startswith("<scenarios>::other account: expected Allow, got ImplicitDeny\n")
    assert 'StringEquals aws:SourceAccount expected "111122223333", got "999988887777"' in report


def test_a_trust_policy_aws_refuses_gives_invalid_policy() -> None:
    bad = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}
    [case] = load_scenarios(
        [scenario(role={**ROLE, "trust_policy": bad}, expected="InvalidPolicy")]
    )
    result = case.run()
    assert result.passed
    assert result.outcome is None
    assert "BARE_STAR_PRINCIPAL" in str(result.error)


def test_a_trust_policy_may_be_a_file_next_to_the_scenario_file(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    write(tmp_path / "policies", TRUST, "lambda.json")
    path = write(tmp_path, [scenario(role={**ROLE, "trust_policy": "policies/lambda.json"})])
    [case] = load_scenarios(path)
    assert case.run().passed


def test_a_referenced_file_keeps_its_positions_in_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text(
        '{"Statement": {"Effect": "Allow",\n "Principal": "*", "Action": "sts:AssumeRole"}}',
        encoding="utf-8",
    )
    path = write(tmp_path, [scenario(role={**ROLE, "trust_policy": "bad.json"})])
    result = load_scenarios(path)[0].run()
    assert result.decision == "InvalidPolicy"
    assert f"invalid policy in {tmp_path / 'bad.json'}" in str(result.error)
    assert "/Statement/Principal (line 2:15)" in str(result.error)


def test_in_memory_scenarios_resolve_files_against_base_dir() -> None:
    [case] = load_scenarios(
        [scenario(role={**ROLE, "trust_policy": "lambda-source-account.json"})], base_dir=EXAMPLES
    )
    assert case.run().passed


def test_a_missing_policy_file_is_refused_at_load_with_its_place(tmp_path: Path) -> None:
    path = write(tmp_path, [scenario(role={**ROLE, "trust_policy": "absent.json"})])
    with pytest.raises(MalformedScenario) as caught:
        load_scenarios(path)
    error = caught.value
    assert error.pointer == "/0/role/trust_policy"
    assert error.position is not None
    assert str(error) == (
        f"{path}: /0/role/trust_policy (line {error.position}): scenario 'lambda': "
        f"cannot read policy file {str(tmp_path / 'absent.json')!r}: No such file or directory"
    )


@pytest.mark.parametrize(
    ("data", "pointer", "reason"),
    [
        ({"not": "a list"}, "", "a scenario file holds a JSON array of scenarios"),
        ([scenario(extra=1)], "/0/extra", "unknown field(s) in the scenario: extra"),
        ([scenario(expected="Denied")], "/0/expected", "unknown expected value 'Denied'"),
        ([scenario(caller={"kind": "robot"})], "/0/caller/kind", "unknown caller kind 'robot'"),
        ([scenario(caller={"kind": "user"})], "/0/caller/arn", "a user caller needs an arn"),
        ([scenario(role={"arn": "x"})], "/0/role", "role needs arn and trust_policy"),
        ([scenario(context=["k"])], "/0/context", "context must be an object"),
        ([scenario(role={**ROLE, "trust_policy": 3})], "/0/role/trust_policy", "a policy is"),
        ([scenario(name="")], "/0/name", "name must be non-empty text"),
        ([scenario(), scenario()], "/1/name", "duplicate scenario name"),
        (
            [scenario(caller={"kind": "service", "arn": "x.amazonaws.com", "claims": {}})],
            "/0/caller/claims",
            "only a federated_oidc caller has claims",
        ),
        (
            [scenario(caller={"kind": "service", "arn": "s.amazonaws.com", "org_id": "o-x"})],
            "/0/caller",
            "a service caller has no org_id",
        ),
        (
            [scenario(scps=[[]], caller={"kind": "user", "arn": "arn:aws:iam::1:user/a"})],
            "/0/caller",
            "scps need the caller's org_id",
        ),
    ],
)
def test_malformed_scenarios_are_refused_naming_the_place(
    tmp_path: Path, data: object, pointer: str, reason: str
) -> None:
    with pytest.raises(MalformedScenario) as caught:
        load_scenarios(write(tmp_path, data))
    assert caught.value.pointer == pointer
    assert reason in caught.value.reason


def test_a_file_that_is_not_json_is_refused_with_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('[\n  {"name": }\n]', encoding="utf-8")
    with pytest.raises(MalformedScenario, match=r"broken.json: \(document\) \(line 2:12\): "):
        load_scenarios(path)


def test_duplicate_keys_in_a_scenario_file_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "dup.json"
    path.write_text('[{"name": "a", "name": "b"}]', encoding="utf-8")
    with pytest.raises(MalformedScenario) as caught:
        load_scenarios(path)
    assert caught.value.pointer == "/0/name"


def test_a_bad_caller_value_is_an_error_result_not_an_exception() -> None:
    [case] = load_scenarios([scenario(caller={"kind": "user", "arn": "arn:aws:iam::1:user/a"})])
    result = case.run()
    assert (result.decision, result.passed) == ("Error", False)
    assert isinstance(result.error, InvalidCaller)


def test_federated_callers_take_claims_and_attributes() -> None:
    github = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {
                "Federated": "arn:aws:iam::111122223333:oidc-provider/"
                "token.actions.githubusercontent.com"
            },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    "token.actions.githubusercontent.com:sub": "repo:acme/app:environment:prod"
                }
            },
        },
    }
    oidc = {
        "kind": "federated_oidc",
        "arn": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
        "claims": {"sub": "repo:acme/app:environment:prod", "aud": "sts.amazonaws.com"},
    }
    role = {"arn": "arn:aws:iam::111122223333:role/deploy", "trust_policy": github}
    web = "sts:AssumeRoleWithWebIdentity"
    allowed, denied = load_scenarios(
        [
            scenario(name="prod", role=role, caller=oidc, context={}, action=web),
            scenario(
                name="staging",
                role=role,
                caller={**oidc, "claims": {"sub": "repo:acme/app:environment:staging"}},
                context={},
                action=web,
                expected="ImplicitDeny",
            ),
        ]
    )
    assert allowed.run().passed
    assert denied.run().passed
    saml = load_scenarios(
        [
            scenario(
                caller={
                    "kind": "federated_saml",
                    "arn": "arn:aws:iam::111122223333:saml-provider/Okta",
                    "attributes": {"saml:sub": "jdoe"},
                }
            )
        ]
    )[0].caller()
    assert isinstance(saml, SamlIdentity)
    assert saml.attributes == {"saml:sub": "jdoe"}


# The compact caller syntax (docs/cli.md).


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            "arn:aws:iam::111122223333:user/eng/alice",
            IamUser("arn:aws:iam::111122223333:user/eng/alice"),
        ),
        (
            "arn:aws:iam::111122223333:role/ci/Deployer",
            RoleSession("arn:aws:iam::111122223333:role/ci/Deployer", "trustsim-caller"),
        ),
        (
            "arn:aws:iam::111122223333:role/ci/Deployer#run-42",
            RoleSession("arn:aws:iam::111122223333:role/ci/Deployer", "run-42"),
        ),
        (
            "arn:aws:sts::111122223333:assumed-role/Deployer/run-42",
            RoleSession("arn:aws:iam::111122223333:role/Deployer", "run-42"),
        ),
        ("arn:aws:iam::111122223333:root", AccountRoot("111122223333")),
        ("arn:aws-cn:iam::111122223333:root", AccountRoot("111122223333", partition="aws-cn")),
        ("service:lambda.amazonaws.com", ServicePrincipal("lambda.amazonaws.com")),
        ("anonymous", Anonymous()),
        (
            "saml:arn:aws:iam::111122223333:saml-provider/Okta",
            SamlIdentity("arn:aws:iam::111122223333:saml-provider/Okta"),
        ),
        (
            "oidc:arn:aws:iam::111122223333:oidc-provider/auth.example.com",
            WebIdentity("arn:aws:iam::111122223333:oidc-provider/auth.example.com"),
        ),
        ("oidc:https://auth.example.com/", WebIdentity("auth.example.com")),
    ],
)
def test_caller_specs(spec: str, expected: object) -> None:
    assert caller_from_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "subject", "ref"),
    [
        ("github:acme/app@refs/heads/main", "repo:acme/app:ref:refs/heads/main", "refs/heads/main"),
        ("github:acme/app@main", "repo:acme/app:ref:refs/heads/main", "refs/heads/main"),
        (
            "github:acme/app@release/2",
            "repo:acme/app:ref:refs/heads/release/2",
            "refs/heads/release/2",
        ),
        ("github:acme/app@refs/tags/v1", "repo:acme/app:ref:refs/tags/v1", "refs/tags/v1"),
        ("github:acme/app@environment:prod", "repo:acme/app:environment:prod", None),
        ("github:acme/app@pull_request", "repo:acme/app:pull_request", None),
    ],
)
def test_github_specs_build_the_subject_github_sends(
    spec: str, subject: str, ref: str | None
) -> None:
    caller = caller_from_spec(spec)
    assert isinstance(caller, WebIdentity)
    assert caller.provider == "token.actions.githubusercontent.com"
    assert caller.claims["sub"] == subject
    assert caller.claims.get("ref") == ref
    assert caller.claims["aud"] == "sts.amazonaws.com"


def test_claims_go_to_oidc_github_and_saml_callers() -> None:
    oidc = caller_from_spec("oidc:gitlab.com", {"sub": "project_path:acme/app", "aud": "x"})
    assert isinstance(oidc, WebIdentity)
    assert oidc.claims == {"sub": "project_path:acme/app", "aud": "x"}
    github = caller_from_spec("github:acme/app@refs/heads/main", {"actor": "octocat"})
    assert isinstance(github, WebIdentity)
    assert github.claims["actor"] == "octocat"
    saml = caller_from_spec("saml:arn:aws:iam::111122223333:saml-provider/Okta", {"sub": "jdoe"})
    assert isinstance(saml, SamlIdentity)
    assert saml.attributes == {"saml:sub": "jdoe"}


@pytest.mark.parametrize(
    ("spec", "claims", "message"),
    [
        ("bob", None, "'bob' is not a caller spec"),
        ("github:acme/app", None, "say what runs after '@'"),
        ("github:acme/app@", None, "say what runs after '@'"),
        ("arn:aws:s3:::bucket", None, "an ARN caller is an IAM user"),
        ("arn:aws:iam::1:user/alice", None, "is not an IAM user ARN"),
        ("service:lambda.amazonaws.com", {"sub": "x"}, "claims are for oidc:"),
        ("arn:aws:iam::111122223333:role/r#x", None, "is not a role session name"),
    ],
)
def test_bad_caller_specs_are_refused(
    spec: str, claims: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(InvalidCaller, match=message):
        caller_from_spec(spec, claims)


def test_claim_pairs_repeat_into_multi_valued_claims() -> None:
    assert claims_from_pairs(["a=1", "b=x=y", "a=2", "a=3"]) == {"a": ("1", "2", "3"), "b": "x=y"}
    with pytest.raises(InvalidCaller, match="is not NAME=VALUE"):
        claims_from_pairs(["novalue"])


def test_a_string_caller_runs_end_to_end() -> None:
    github = load_scenarios(EXAMPLES / "scenarios.json")[0]
    assert github.data["caller"] == "github:acme/app@refs/heads/main"
    result = github.run()
    assert result.outcome is not None
    assert result.outcome.allowed


# --- one spelling everywhere (issue 21): Deny, annotations, the action the caller implies ----


def _without_action(**change: Any) -> dict[str, Any]:
    data = scenario(**change)
    del data["action"]
    return data


@pytest.mark.parametrize(
    ("caller", "action"),
    [
        ("service:lambda.amazonaws.com", "sts:AssumeRole"),
        ("arn:aws:iam::111122223333:user/alice", "sts:AssumeRole"),
        ("github:acme/app@main", "sts:AssumeRoleWithWebIdentity"),
        ("saml:arn:aws:iam::111122223333:saml-provider/Okta", "sts:AssumeRoleWithSAML"),
        ({"kind": "federated_oidc", "arn": "accounts.google.com"}, "sts:AssumeRoleWithWebIdentity"),
        (
            {"kind": "federated_saml", "arn": "arn:aws:iam::111122223333:saml-provider/Okta"},
            "sts:AssumeRoleWithSAML",
        ),
        (
            {
                "kind": "role_session",
                "arn": "arn:aws:sts::111122223333:assumed-role/r/s1",
                "role_arn": "arn:aws:iam::111122223333:role/r",
            },
            "sts:AssumeRole",
        ),
    ],
)
def test_the_action_is_the_call_the_caller_makes_when_left_out(caller: object, action: str) -> None:
    [loaded] = load_scenarios([_without_action(caller=caller)])
    assert loaded.action == action


def test_an_action_the_caller_cannot_say_is_still_required() -> None:
    with pytest.raises(MalformedScenario, match=r"missing field\(s\): action"):
        load_scenarios([_without_action(caller="bob")])


def test_deny_expects_either_denial_and_nothing_else() -> None:
    allowed, implicit = load_scenarios(
        [
            scenario(name="allowed", expected="Deny"),
            scenario(
                name="implicit", expected="Deny", context={}, caller="service:ec2.amazonaws.com"
            ),
        ]
    )
    assert allowed.run().decision == "Allow"
    assert not allowed.run().passed
    assert implicit.run().decision == "ImplicitDeny"
    assert implicit.run().passed
    explicit_role = {
        **ROLE,
        "trust_policy": {
            "Statement": [
                {
                    "Effect": "Deny",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                },
            ]
        },
    }
    [explicit] = load_scenarios([scenario(role=explicit_role, expected="Deny")])
    assert explicit.run().decision == "ExplicitDeny"
    assert explicit.run().passed


def test_scenarios_carry_notes_ids_and_comments() -> None:
    [loaded] = load_scenarios([scenario(note="why", comment="who", id="S-1", description="d")])
    assert loaded.data["note"] == "why"
    assert loaded.run().passed
    [numbered] = load_scenarios([scenario(id=7)])
    assert numbered.data["id"] == 7
    with pytest.raises(MalformedScenario, match="note must be text"):
        load_scenarios([scenario(note=["x"])])
    with pytest.raises(MalformedScenario, match="unknown field"):
        load_scenarios([scenario(remark="x")])
