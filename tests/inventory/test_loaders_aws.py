"""Loaders for AWS API output (docs/loaders.md): get-role, list-roles, authorization details."""

from __future__ import annotations

import json
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.loaders.aws import load_authorization_details, load_role, load_roles
from trustsim.model import PolicyKind

DATA = Path(__file__).parents[1] / "data" / "loaders"
GAAD = DATA / "authorization-details.json"
A = "111122223333"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _role(**extra: object) -> dict[str, object]:
    return {
        "Path": "/",
        "RoleName": "r",
        "RoleId": "AROAEXAMPLEEXAMPLE001",
        "Arn": f"arn:aws:iam::{A}:role/r",
        "AssumeRolePolicyDocument": TRUST,
        **extra,
    }


# --------------------------------------------------------------------------- get-role


def test_get_role_decodes_the_url_encoded_document_of_the_raw_api() -> None:
    """The raw IAM Query API returns policy documents URL-encoded (RFC 3986); boto3 decodes them."""
    role = load_role(DATA / "get-role-encoded.json")
    statement = role.trust_policy.statements[0]
    assert statement.principal is not None
    assert statement.principal.aws == ("arn:aws:iam::444455556666:role/automation",)
    assert statement.condition[0].key == "aws:RequestTag/project"
    assert role.tags == {"owner": "platform"}
    assert role.permissions_boundary_arn == f"arn:aws:iam::{A}:policy/DevBoundary"
    assert role.permissions_boundary is None  # get-role does not carry the policy text
    assert role.identity_known is False
    assert (
        role.trust_policy.origin
        == f"{DATA / 'get-role-encoded.json'}#/Role/AssumeRolePolicyDocument"
    )


@pytest.mark.parametrize("shape", ["response", "role", "text", "bytes"])
def test_get_role_accepts_the_response_the_role_object_text_and_bytes(shape: str) -> None:
    response = {"Role": _role()}
    source: object = {
        "response": response,
        "role": response["Role"],
        "text": json.dumps(response),
        "bytes": json.dumps(response).encode(),
    }[shape]
    role = load_role(source)  # type: ignore[arg-type]
    assert role.arn == f"arn:aws:iam::{A}:role/r"
    assert role.unique_id == "AROAEXAMPLEEXAMPLE001"
    assert role.to_role().trust_policy == role.trust_policy


def test_get_role_refusal_points_into_the_response() -> None:
    bad = {"Role": _role(AssumeRolePolicyDocument={**TRUST, "Statement": [
        {**TRUST["Statement"][0], "Resource": "*"}]})}  # type: ignore[dict-item]  # fmt: skip
    with pytest.raises(InvalidPolicy) as caught:
        load_role(json.dumps(bad, indent=2), origin="role.json")
    problem = caught.value.problems[0]
    assert problem.code == "PROHIBITED_RESOURCE"
    assert problem.pointer == "/Role/AssumeRolePolicyDocument/Statement/0/Resource"
    assert caught.value.origin == "role.json"
    assert caught.value.position_of(problem.pointer) is not None
    assert "line " in str(caught.value)


def test_an_encoded_document_that_is_not_json_is_refused_at_its_pointer() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        load_role({"Role": _role(AssumeRolePolicyDocument=urllib.parse.quote('{"Statement": ['))})
    assert [p.code for p in caught.value.problems] == ["JSON_SYNTAX"]
    assert caught.value.problems[0].pointer == "/Role/AssumeRolePolicyDocument"


def test_a_role_without_a_trust_policy_or_with_a_bad_arn_is_a_precise_error() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        load_roles(
            [
                _role(Arn="arn:aws:iam::1234:role/r"),
                {"RoleName": "x", "Arn": f"arn:aws:iam::{A}:role/x"},
            ]
        )
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("INVALID_AWS_RESPONSE", "/0/Arn"),
        ("INVALID_AWS_RESPONSE", "/1"),
    ]


# --------------------------------------------------------------------------- list-roles


def test_list_roles_merges_pages_and_keeps_each_pointer() -> None:
    roles = load_roles(DATA / "list-roles-pages.json")
    assert [r.arn.rsplit("/", 1)[1] for r in roles] == ["r1", "r2"]
    assert roles[1].trust_policy.origin is not None
    assert roles[1].trust_policy.origin.endswith("#/1/Roles/0/AssumeRolePolicyDocument")


def test_list_roles_accepts_one_response_and_a_bare_list() -> None:
    assert len(load_roles({"Roles": [_role()]})) == 1
    assert len(load_roles([_role(), _role(Arn=f"arn:aws:iam::{A}:role/s")])) == 2


# --------------------------------------------------------------------------- authorization details


def test_gaad_roles_have_trust_inline_managed_policies_and_tags() -> None:
    details = load_authorization_details(GAAD)
    roles = {r.arn.rsplit("/", 1)[1]: r for r in details.roles}
    assert set(roles) == {"deploy", "vendor-audit", "audit", "lambda-exec"}
    deploy = roles["deploy"]
    assert deploy.tags == {"env": "prod"}
    assert deploy.unique_id == "AROADEPLOYEXAMPLE0001"
    assert [s.sid for s in deploy.trust_policy.statements] == ["Deployers", "GitHubMain"]
    # PowerUserAccess is an AWS managed policy the dump does not hold: reported, not invented.
    assert deploy.unresolved_policy_arns == ("arn:aws:iam::aws:policy/PowerUserAccess",)
    assert deploy.policies == ()
    audit = roles["audit"]
    assert len(audit.policies) == 1
    assert audit.policies[0].kind is PolicyKind.IDENTITY
    assert audit.policies[0].origin is not None
    assert audit.policies[0].origin.endswith("#/RoleDetailList/2/RolePolicyList/0/PolicyDocument")


def test_gaad_keeps_a_deleted_principals_unique_id_in_the_trust_policy() -> None:
    """When a trusted principal is deleted, IAM rewrites its ARN to its unique ID (AIDA…)."""
    details = load_authorization_details(GAAD)
    audit = next(r for r in details.roles if r.arn.endswith(":role/audit"))
    principal = audit.trust_policy.statements[0].principal
    assert principal is not None
    assert principal.aws == ("AIDAJQABLZS4A3QDU576Q",)


def test_gaad_users_get_their_own_and_their_groups_policies() -> None:
    details = load_authorization_details(GAAD)
    users = {u.arn.rsplit("/", 1)[1]: u for u in details.users}
    alice, bob = users["alice"], users["bob"]
    assert alice.groups == (f"arn:aws:iam::{A}:group/deployers",)
    # the group's inline policy; its AWS managed ReadOnlyAccess is not in the dump
    assert [p.statements[0].sid for p in alice.policies] == ["AssumeDeploy"]
    assert alice.unresolved_policy_arns == ("arn:aws:iam::aws:policy/ReadOnlyAccess",)
    assert alice.tags == {"team": "platform"}
    assert alice.unique_id == "AIDAALICEEXAMPLE00001"
    # bob: inline, then the default version (v2) of the attached managed policy
    assert len(bob.policies) == 2
    assert bob.policies[1].statements[0].resource == (f"arn:aws:iam::{A}:role/audit",)
    assert bob.permissions_boundary is not None
    assert bob.permissions_boundary.kind is PolicyKind.PERMISSIONS_BOUNDARY
    caller = bob.to_user()
    assert caller.permissions_boundary == bob.permissions_boundary
    assert caller.policies == bob.policies


def test_gaad_only_the_default_version_of_a_managed_policy_is_in_force() -> None:
    details = load_authorization_details(GAAD)
    policy = details.managed_policies[f"arn:aws:iam::{A}:policy/AssumeAudit"]
    assert policy.statements[0].resource == (f"arn:aws:iam::{A}:role/audit",)  # v2, not v1's "*"


def test_gaad_pages_merge_and_accounts_are_listed() -> None:
    data = json.loads(GAAD.read_text())
    first = {**data, "RoleDetailList": data["RoleDetailList"][:2], "IsTruncated": True}
    second = {"RoleDetailList": data["RoleDetailList"][2:], "IsTruncated": False}
    merged = load_authorization_details(first, second)
    assert [r.arn for r in merged.roles] == [r.arn for r in load_authorization_details(GAAD).roles]
    assert merged.account_ids == frozenset({A})


def test_gaad_refusal_lists_every_problem_with_pointer_line_and_column() -> None:
    path = DATA / "authorization-details-invalid.json"
    with pytest.raises(InvalidPolicy) as caught:
        load_authorization_details(path)
    error = caught.value
    assert [(p.code, p.pointer) for p in error.problems] == [
        ("INVALID_EFFECT", "/RoleDetailList/0/AssumeRolePolicyDocument/Statement/1/Effect"),
        ("PROHIBITED_RESOURCE", "/RoleDetailList/2/AssumeRolePolicyDocument/Statement/0/Resource"),
    ]
    assert error.origin == str(path)
    position = error.position_of(error.problems[1].pointer)
    assert position is not None
    line = path.read_text().splitlines()[position.line - 1]
    assert line[position.column - 1 :].startswith('"*"')


def test_gaad_duplicate_keys_anywhere_are_refused() -> None:
    text = GAAD.read_text().replace('"Sid": "Deployers",', '"Sid": "Deployers", "Sid": "Again",', 1)
    with pytest.raises(InvalidPolicy) as caught:
        load_authorization_details(text)
    assert [p.code for p in caught.value.problems] == ["DUPLICATE_KEY"]


def test_gaad_user_in_an_unlisted_group_is_an_error() -> None:
    data = json.loads(GAAD.read_text())
    data["GroupDetailList"] = []
    with pytest.raises(InvalidPolicy) as caught:
        load_authorization_details(data)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("INVALID_AWS_RESPONSE", "/UserDetailList/0/GroupList/0")
    ]


def test_gaad_customer_managed_policies_are_read_as_createpolicy_saved_them() -> None:
    """Customer managed policies get PolicyKind.MANAGED (CreatePolicy's Version rule),
    inline ones PolicyKind.IDENTITY, AWS managed ones (account "aws") PolicyKind.IDENTITY."""
    details = load_authorization_details(GAAD)
    managed = details.managed_policies[f"arn:aws:iam::{A}:policy/AssumeAudit"]
    assert managed.kind is PolicyKind.MANAGED
    bob = next(u for u in details.users if u.arn.endswith(":user/bob"))
    assert [p.kind for p in bob.policies] == [PolicyKind.IDENTITY, PolicyKind.MANAGED]


def _without_version(dump: dict[str, Any], arn: str) -> dict[str, Any]:
    for policy in dump["Policies"]:
        if policy["Arn"] == arn:
            for version in policy["PolicyVersionList"]:
                version["Document"].pop("Version", None)
    return dump


def test_gaad_customer_managed_policy_without_version_refused_aws_managed_kept() -> None:
    customer = f"arn:aws:iam::{A}:policy/AssumeAudit"
    with pytest.raises(InvalidPolicy) as caught:
        load_authorization_details(_without_version(json.loads(GAAD.read_text()), customer))
    assert [p.code for p in caught.value.problems] == ["INVALID_VERSION"]
    assert caught.value.problems[0].aws_says.endswith("must be version 2012-10-17 or greater.")
    dump = json.loads(GAAD.read_text())
    aws_owned = "arn:aws:iam::aws:policy/AssumeAudit"
    for policy in dump["Policies"]:
        if policy["Arn"] == customer:
            policy["Arn"] = aws_owned
    details = load_authorization_details(_without_version(dump, aws_owned))
    assert details.managed_policies[aws_owned].kind is PolicyKind.IDENTITY
    assert details.managed_policies[aws_owned].version is None
