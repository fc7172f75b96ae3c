"""Scenario files (docs/scenarios.md): every structural refusal, every caller kind, the reports.

The caller kinds and their fields are the ones docs/scenarios.md lists; a refusal names the
JSON pointer of the offending member so the author can find it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from trustsim.callers import AccountRoot, IamUser, InvalidCaller, RoleSession
from trustsim.errors import InvalidContext
from trustsim.scenarios import MalformedScenario, ScenarioResult, load_scenarios

A = "111122223333"
ROLE_ARN = f"arn:aws:iam::{A}:role/target"
TRUST = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"},
}
ALLOW_ASSUME = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
}
DENY_ASSUME = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Deny", "Action": "sts:AssumeRole", "Resource": "*"},
}
SESSION = {
    "kind": "role_session",
    "arn": f"arn:aws:sts::{A}:assumed-role/ci/run-7",
    "role_arn": f"arn:aws:iam::{A}:role/build/ci",
    "identity_policies": [ALLOW_ASSUME],
}


def scenario(**change: Any) -> dict[str, Any]:
    return {
        "name": "s",
        "role": {"arn": ROLE_ARN, "trust_policy": TRUST},
        "caller": SESSION,
        "action": "sts:AssumeRole",
        "expected": "Allow",
        **change,
    }


def refusal(data: object) -> MalformedScenario:
    with pytest.raises(MalformedScenario) as caught:
        load_scenarios(data)  # type: ignore[arg-type]
    return caught.value


def run(**change: Any) -> ScenarioResult:
    (case,) = load_scenarios([scenario(**change)])
    return case.run()


@pytest.mark.parametrize(
    ("data", "pointer", "reason"),
    [
        (["not an object"], "/0", "the scenario must be an object, got str"),
        ([scenario(caller=["x"])], "/0/caller", "caller must be an object, got list"),
        ([{"name": "n"}], "/0", "missing field(s): role, caller, expected"),
        ([scenario(action="")], "/0/action", "action must be text such as sts:AssumeRole"),
        ([scenario(action=["sts:AssumeRole"])], "/0/action", "action must be text"),
        ([scenario(context={1: "x"})], "/0/context", "context must be an object"),
        (
            [scenario(role={"arn": 5, "trust_policy": TRUST})],
            "/0/role/arn",
            "the role ARN must be text",
        ),
        (
            [scenario(role={"arn": ROLE_ARN, "trust_policy": TRUST, "tags": {"team": 1}})],
            "/0/role/tags",
            "tags must be an object of text values",
        ),
        (
            [scenario(role={"arn": ROLE_ARN, "trust_policy": TRUST, "owner": "me"})],
            "/0/role/owner",
            "unknown field(s) in role: owner",
        ),
        (
            [scenario(caller="anonymous", scps=[[]])],
            "/0/caller",
            "scps need an object caller with org_id",
        ),
        (
            [scenario(caller={"kind": "role_session", "arn": SESSION["arn"]})],
            "/0/caller/role_arn",
            "a role_session caller needs role_arn",
        ),
        (
            [scenario(caller={"kind": "federated_oidc", "arn": "x", "claims": ["sub"]})],
            "/0/caller/claims",
            "claims must be an object",
        ),
        (
            [scenario(caller={"kind": "federated_oidc", "arn": "x", "attributes": {}})],
            "/0/caller/attributes",
            "only a federated_saml caller has attributes",
        ),
        (
            [scenario(caller={"kind": "anonymous", "tags": {}})],
            "/0/caller",
            "a anonymous caller has no tags",
        ),
        (
            [scenario(caller={"kind": "root", "arn": f"arn:aws:iam::{A}:root"}, scps=[[]])],
            "/0/caller",
            "a root caller has no scps",
        ),
        (
            [
                scenario(
                    caller={"kind": "user", "arn": f"arn:aws:iam::{A}:user/u", "session_policy": {}}
                )
            ],
            "/0/caller/session_policy",
            "an IAM user has no session policy",
        ),
        (
            [scenario(caller={**SESSION, "org_paths": ["o-a1b2c3d4e5/r-ab12/"]})],
            "/0/caller/org_paths",
            "org_paths need the caller's org_id",
        ),
        (
            [scenario(caller={**SESSION, "tags": ["team"]})],
            "/0/caller/tags",
            "tags must be an object of text values",
        ),
        (
            [scenario(caller={**SESSION, "identity_policies": ALLOW_ASSUME})],
            "/0/caller/identity_policies",
            "identity_policies is a list",
        ),
        (
            [scenario(caller={**SESSION, "permissions_boundary": 7})],
            "/0/caller/permissions_boundary",
            "a policy is a JSON object or the path of a JSON file",
        ),
        (
            [scenario(caller={**SESSION, "org_id": "o-a1b2c3d4e5"}, scps=[ALLOW_ASSUME])],
            "/0/scps",
            "scps is a list of levels, each a list of policies",
        ),
        (
            [scenario(caller={**SESSION, "org_id": "o-a1b2c3d4e5"}, scps="all")],
            "/0/scps",
            "scps is a list of levels",
        ),
    ],
)
def test_malformed_scenarios_are_refused_at_the_member(
    data: object, pointer: str, reason: str
) -> None:
    error = refusal(data)
    assert error.pointer == pointer
    assert reason in error.reason
    assert error.position is None  # an in-memory value has no lines
    assert str(error).startswith(f"<scenarios>: {pointer or '(document)'}: ")


def test_a_scenario_without_a_name_is_called_by_its_index() -> None:
    error = refusal([scenario(name=None)])
    assert (error.pointer, error.reason) == (
        "/0/name",
        "scenario '#0': name must be non-empty text",
    )


def test_a_refusal_in_a_file_names_the_line_of_the_member(tmp_path: Path) -> None:
    path = tmp_path / "cases.json"
    path.write_text(json.dumps([scenario(action=7)], indent=2), encoding="utf-8")
    with pytest.raises(MalformedScenario) as caught:
        load_scenarios(path, origin="cases")
    assert caught.value.pointer == "/0/action"
    assert caught.value.position is not None
    assert str(caught.value).startswith(f"cases: /0/action (line {caught.value.position}): ")


def test_a_scenario_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('[{"name": "caf\xe9"}]'.encode("latin-1"))
    with pytest.raises(MalformedScenario) as caught:
        load_scenarios(path)
    assert caught.value.origin == str(path)
    assert "UTF-8" in caught.value.reason or "utf-8" in caught.value.reason.lower()


# --------------------------------------------------------------------------- runs


def test_a_role_session_with_every_policy_kind_and_scps_is_decided() -> None:
    """A session's identity policies, boundary, session policy and the SCPs of its account all
    have to allow the call (docs/semantics.md §4): the SCP's Deny wins."""
    caller = {
        **SESSION,
        "permissions_boundary": ALLOW_ASSUME,
        "session_policy": ALLOW_ASSUME,
        "tags": {"team": "ci"},
        "org_id": "o-a1b2c3d4e5",
        "org_paths": ["o-a1b2c3d4e5/r-ab12/"],
    }
    # The path names two levels (the root, the account): the SCPs are given for both. One
    # level for that path is an organisation that cannot exist, refused as an error.
    mismatched = run(caller=caller, scps=[[ALLOW_ASSUME]])
    assert mismatched.decision == "Error"
    assert "has 1 levels but the path" in str(mismatched.error)
    allowed = run(caller=caller, scps=[[ALLOW_ASSUME], [ALLOW_ASSUME]])
    assert (allowed.decision, allowed.passed) == ("Allow", True)
    session = allowed.scenario.caller()
    assert isinstance(session, RoleSession)
    assert session.session_arn == SESSION["arn"]
    assert session.org is not None
    assert session.org.org_id == "o-a1b2c3d4e5"
    denied = run(caller=caller, scps=[[ALLOW_ASSUME], [DENY_ASSUME]], expected="ExplicitDeny")
    assert denied.passed


def test_a_user_caller_with_a_boundary_that_denies_is_denied() -> None:
    caller = {
        "kind": "user",
        "arn": f"arn:aws:iam::{A}:user/alice",
        "identity_policies": [ALLOW_ASSUME],
        "permissions_boundary": DENY_ASSUME,
    }
    result = run(caller=caller, expected="ExplicitDeny")
    assert result.passed
    assert isinstance(result.scenario.caller(), IamUser)


def test_a_root_caller_is_the_account_root() -> None:
    result = run(
        caller={"kind": "root", "arn": f"arn:aws-cn:iam::{A}:root"}, expected="ImplicitDeny"
    )
    assert result.scenario.caller() == AccountRoot(A, partition="aws-cn")
    assert result.passed  # the trust policy names the aws partition's account, not aws-cn's


@pytest.mark.parametrize(
    ("caller", "message"),
    [
        ({"kind": "root", "arn": f"arn:aws:iam::{A}:user/root"}, "is not an account root ARN"),
        ({"kind": "root", "arn": "root"}, "is not an account root ARN"),
        ({"kind": "root", "arn": f"arn:aws:sts::{A}:root"}, "is not an account root ARN"),
        ({**SESSION, "arn": "run-7"}, "is not an assumed-role ARN"),
        (
            {**SESSION, "arn": f"arn:aws:sts::{A}:assumed-role/other/run-7"},
            f"is not a session of role arn:aws:iam::{A}:role/build/ci",
        ),
    ],
)
def test_a_caller_arn_aws_never_issues_is_an_error_result(caller: object, message: str) -> None:
    result = run(caller=caller)
    assert (result.decision, result.passed) == ("Error", False)
    assert isinstance(result.error, InvalidCaller)
    assert message in str(result.error)
    assert result.report().splitlines()[1] == str(result.error)


def test_a_context_value_aws_never_sends_is_an_error_result() -> None:
    result = run(context={"aws:SourceAccount": {"nested": "object"}})
    assert result.decision == "Error"
    assert isinstance(result.error, InvalidContext)


def test_reports_of_passing_and_failing_results() -> None:
    passing = run(description="the CI role session may assume the target")
    assert passing.scenario.description == "the CI role session may assume the target"
    assert passing.report() == str(passing) == "PASS s: Allow (expected Allow)"
    failing = run(expected="ImplicitDeny", source="a colleague's bug report")
    assert failing.scenario.description == "a colleague's bug report"
    assert str(failing) == "FAIL s: Allow (expected ImplicitDeny)"
    lines = failing.report().splitlines()
    assert lines[0] == "<scenarios>::s: expected ImplicitDeny, got Allow"
    assert failing.outcome is not None
    assert lines[1:] == failing.outcome.explain().to_text().splitlines()
    assert run().scenario.description is None


def test_a_result_without_outcome_or_error_reports_its_line_only() -> None:
    (case,) = load_scenarios([scenario()])
    result = ScenarioResult(case, "ImplicitDeny")
    assert result.report() == "<scenarios>::s: expected Allow, got ImplicitDeny"


def test_a_companion_action_is_decided_alone() -> None:
    """``sts:TagSession`` is authorized on its own (docs/semantics.md §4.11): a trust policy that
    allows only ``sts:AssumeRole`` does not allow it."""
    result = run(action="sts:TagSession", expected="ImplicitDeny")
    assert result.passed
    assert result.scenario.action == "sts:TagSession"


def test_service_and_anonymous_object_callers() -> None:
    service_trust = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Principal": {"Service": "ec2.amazonaws.com"},
            "Action": "sts:AssumeRole",
        },
    }
    role = {"arn": ROLE_ARN, "trust_policy": service_trust}
    ec2 = run(role=role, caller={"kind": "service", "arn": "ec2.amazonaws.com"})
    anonymous = run(role=role, caller={"kind": "anonymous"}, expected="ImplicitDeny")
    assert (ec2.passed, anonymous.passed) == (True, True)


def test_a_string_caller_that_is_not_an_arn_is_an_error_result() -> None:
    result = run(caller="arn:aws:iam")
    assert result.decision == "Error"
    assert str(result.error) == "'arn:aws:iam' is not an ARN"
