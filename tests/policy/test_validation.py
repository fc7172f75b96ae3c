"""What AWS refuses beyond shape, per policy kind — every rule on both sides.

Sources are cited per test (keys of docs/semantics.md §1).
"""

from __future__ import annotations

from typing import Any

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.model import (
    ConditionClause,
    ConditionOperator,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
)
from trustsim.parsing import parse_policy
from trustsim.validation import suggest, unknown_operator_problem, validate_policy

ALICE = "arn:aws:iam::111111111111:user/alice"
GITHUB = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"


def trust(**members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": ALICE},
        "Action": "sts:AssumeRole",
    }
    base.update(members)
    return {
        "Version": "2012-10-17",
        "Statement": [{k: v for k, v in base.items() if v is not None}],
    }


def identity(**members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"}
    base.update(members)
    return {
        "Version": "2012-10-17",
        "Statement": [{k: v for k, v in base.items() if v is not None}],
    }


def refused(document: dict[str, Any], kind: PolicyKind = PolicyKind.TRUST) -> list[tuple[str, str]]:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document, kind=kind)
    return [(p.code, p.pointer) for p in caught.value.problems]


def accepted(document: dict[str, Any], kind: PolicyKind = PolicyKind.TRUST) -> Policy:
    return parse_policy(document, kind=kind)


# --- Action / NotAction (docs/semantics.md §2.3–2.4; MOTO-TESTS, TF-32872, reading 5) -------


@pytest.mark.parametrize(
    "action",
    [
        "sts:AssumeRole",
        "sts:assumerole",
        "STS:AssumeRoleWithSAML",
        "sts:AssumeRoleWithWebIdentity",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:SetContext",
        "sts:*",
        "*",
        "sts:Assume*",
    ],
)
def test_assume_role_family_actions_are_accepted_in_trust_policies(action: str) -> None:
    accepted(trust(Action=action))


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("s3:GetObject", "ACTION_NOT_ALLOWED_IN_TRUST_POLICY"),
        ("sts:TagSessions", "ACTION_NOT_ALLOWED_IN_TRUST_POLICY"),
        ("sts:Get*", "ACTION_NOT_ALLOWED_IN_TRUST_POLICY"),
        ("AssumeRole", "INVALID_ACTION"),
        ("sts:Assume:Role", "INVALID_ACTION"),
        ("st s:AssumeRole", "INVALID_ACTION"),
        ("", "INVALID_ACTION"),
    ],
)
def test_other_actions_are_refused_in_trust_policies(action: str, code: str) -> None:
    assert refused(trust(Action=["sts:AssumeRole", action])) == [(code, "/Statement/0/Action/1")]


def test_the_typo_suggestion_names_the_family_member() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(trust(Action="sts:TagSessions"))
    assert 'did you mean "sts:TagSession"' in caught.value.problems[0].message


def test_not_action_is_accepted_and_not_restricted_to_the_family() -> None:
    # reading 5: NotAction is accepted (the linter reports it).
    accepted(trust(Action=None, NotAction="s3:GetObject"))
    assert refused(trust(Action=None, NotAction="GetObject")) == [
        ("INVALID_ACTION", "/Statement/0/NotAction")
    ]


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        ({"Action": None}, [("MISSING_ACTION", "/Statement/0")]),
        ({"Action": []}, [("MISSING_ACTION", "/Statement/0")]),
        ({"NotAction": "sts:TagSession"}, [("ACTION_AND_NOT_ACTION", "/Statement/0")]),
        (
            {"Action": [], "NotAction": ["sts:TagSession"]},
            [("ACTION_AND_NOT_ACTION", "/Statement/0")],
        ),
    ],
)
def test_exactly_one_of_action_and_not_action(
    members: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert refused(trust(**members)) == expected


# --- Resource (PROHIBITED-RESOURCE, AA-CHECKS; MOTO-TESTS for identity policies) --------------


@pytest.mark.parametrize("element", ["Resource", "NotResource"])
def test_resource_elements_are_prohibited_in_trust_policies(element: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(trust(**{element: "*"}))
    [problem] = caught.value.problems
    assert (problem.code, problem.pointer) == ("PROHIBITED_RESOURCE", f"/Statement/0/{element}")
    assert problem.aws_says == f"MalformedPolicyDocument: Has prohibited field {element}"


@pytest.mark.parametrize(
    "kind", [PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION]
)
def test_identity_side_policies_need_resources(kind: PolicyKind) -> None:
    accepted(identity(), kind)
    accepted(identity(Resource=None, NotResource="arn:aws:iam::1:role/x"), kind)
    assert refused(identity(Resource=None), kind) == [("MISSING_RESOURCE", "/Statement/0")]
    assert refused(identity(Resource=[]), kind) == [("MISSING_RESOURCE", "/Statement/0")]
    assert refused(identity(NotResource="*"), kind) == [
        ("RESOURCE_AND_NOT_RESOURCE", "/Statement/0")
    ]
    assert refused(identity(Resource="role/x"), kind) == [
        ("INVALID_RESOURCE", "/Statement/0/Resource")
    ]


def test_scps_do_not_require_resources_but_refuse_principals() -> None:
    accepted(identity(Resource=None), PolicyKind.SCP)
    assert refused(identity(Principal={"AWS": "*"}), PolicyKind.SCP) == [
        ("PROHIBITED_PRINCIPAL", "/Statement/0/Principal")
    ]


# --- Principal / NotPrincipal (DOC PRINCIPAL, NOTPRINCIPAL; CDK-5732, TFIAM-47) ---------------


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": "111122223333"},
        {"AWS": "arn:aws:iam::111122223333:root"},
        {"AWS": "arn:aws:iam::111122223333:user/eng/alice"},
        {"AWS": "arn:aws:iam::111122223333:role/ci/Deployer"},
        {"AWS": "arn:aws:sts::111122223333:assumed-role/Deployer/run-42"},
        {"AWS": "arn:aws:sts::111122223333:federated-user/bob"},
        {"AWS": "arn:aws-cn:iam::111122223333:root"},
        {"AWS": "AROADBQP57FF2AEXAMPLE"},
        {"AWS": "AIDACKCEVSQ6C2EXAMPLE"},
        {"AWS": "*"},
        {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com.cn"]},
        {"Federated": GITHUB},
        {"Federated": "arn:aws:iam::111122223333:saml-provider/Okta"},
        {"Federated": "accounts.google.com"},
        {"Federated": "cognito-identity.amazonaws.com"},
    ],
)
def test_principal_forms_iam_resolves_are_accepted(principal: dict[str, Any]) -> None:
    condition = {
        "StringEquals": {"token.actions.githubusercontent.com:sub": "repo:a/b:ref:refs/heads/main"}
    }
    accepted(trust(Principal=principal, Condition=condition))


@pytest.mark.parametrize(
    ("principal", "code", "pointer"),
    [
        ("*", "BARE_STAR_PRINCIPAL", "/Statement/0/Principal"),
        ({"AWS": []}, "EMPTY_PRINCIPAL", "/Statement/0/Principal"),
        ({}, "EMPTY_PRINCIPAL", "/Statement/0/Principal"),
        ({"Service": "*"}, "SERVICE_WILDCARD", "/Statement/0/Principal/Service"),
        ({"Service": "*.amazonaws.com"}, "WILDCARD_IN_PRINCIPAL", "/Statement/0/Principal/Service"),
        ({"Service": "lambda"}, "MALFORMED_PRINCIPAL", "/Statement/0/Principal/Service"),
        (
            {"AWS": "arn:aws:iam::111111111111:role/*"},
            "WILDCARD_IN_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        (
            {"AWS": "arn:aws:iam::11111111111?:root"},
            "WILDCARD_IN_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        (
            {"AWS": "arn:aws:iam::111111111111:group/admins"},
            "GROUP_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        ({"AWS": "AGPAI2MKNGCFKJEXAMPLE"}, "GROUP_PRINCIPAL", "/Statement/0/Principal/AWS"),
        (
            {"AWS": "arn:aws::iam::111111111111:root"},
            "MALFORMED_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        ({"AWS": "arn:aws:iam::1111:root"}, "MALFORMED_PRINCIPAL", "/Statement/0/Principal/AWS"),
        (
            {"AWS": "arn:aws:iam:us-east-1:111111111111:root"},
            "MALFORMED_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        ({"AWS": "arn:aws:s3:::bucket"}, "MALFORMED_PRINCIPAL", "/Statement/0/Principal/AWS"),
        (
            {"AWS": "arn:aws:iam::111111111111:policy/x"},
            "MALFORMED_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        (
            {"AWS": "arn:aws:sts::111111111111:assumed-role/OnlyRole"},
            "MALFORMED_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        ({"AWS": "Deployer"}, "MALFORMED_PRINCIPAL", "/Statement/0/Principal/AWS"),
        (
            {"AWS": "arn:aws:iam::111111111111:user/${aws:username}"},
            "VARIABLE_IN_PRINCIPAL",
            "/Statement/0/Principal/AWS",
        ),
        (
            {"Federated": "token.actions.githubusercontent.com"},
            "MALFORMED_PRINCIPAL",
            "/Statement/0/Principal/Federated",
        ),
        (
            {"Federated": "arn:aws:iam::111111111111:role/x"},
            "MALFORMED_PRINCIPAL",
            "/Statement/0/Principal/Federated",
        ),
        (
            {"Federated": "arn:aws:iam::111111111111:oidc-provider/*"},
            "WILDCARD_IN_PRINCIPAL",
            "/Statement/0/Principal/Federated",
        ),
        (
            {"CanonicalUser": "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},
            "UNSUPPORTED_PRINCIPAL_TYPE",
            "/Statement/0/Principal/CanonicalUser",
        ),
    ],
)
def test_principals_iam_rejects_are_refused(principal: object, code: str, pointer: str) -> None:
    assert refused(trust(Principal=principal)) == [(code, pointer)]


def test_principal_problems_point_into_lists() -> None:
    document = trust(Principal={"AWS": [ALICE, "arn:aws:iam::111111111111:role/*"]})
    assert refused(document) == [("WILDCARD_IN_PRINCIPAL", "/Statement/0/Principal/AWS/1")]


def test_a_bare_host_as_federated_principal_gets_the_arn_hint() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(trust(Principal={"Federated": "https://token.actions.githubusercontent.com"}))
    assert "oidc-provider/token.actions.githubusercontent.com" in caught.value.problems[0].message


def test_principal_is_required_and_not_principal_refused_in_trust_policies() -> None:
    assert refused(trust(Principal=None)) == [("MISSING_PRINCIPAL", "/Statement/0")]
    assert refused(trust(Principal=None, Effect="Deny", NotPrincipal={"AWS": ALICE})) == [
        ("NOT_PRINCIPAL_IN_TRUST_POLICY", "/Statement/0/NotPrincipal")
    ]


@pytest.mark.parametrize(
    "kind",
    [PolicyKind.IDENTITY, PolicyKind.PERMISSIONS_BOUNDARY, PolicyKind.SESSION, PolicyKind.SCP],
)
@pytest.mark.parametrize("element", ["Principal", "NotPrincipal"])
def test_identity_side_policies_refuse_principals(kind: PolicyKind, element: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(identity(**{element: {"AWS": ALICE}}), kind=kind)
    [problem] = caught.value.problems
    assert (problem.code, problem.pointer) == ("PROHIBITED_PRINCIPAL", f"/Statement/0/{element}")
    if kind is not PolicyKind.SCP:
        assert (
            problem.aws_says
            == "MalformedPolicyDocument: Policy document should not specify a principal."
        )


def test_rcps_need_principal_star_and_refuse_not_principal_and_not_action() -> None:
    # Organizations RCP syntax page: Principal is always "*", no NotPrincipal / NotAction,
    # Version 2012-10-17 required.
    rcp = identity(Effect="Deny", Principal="*", Action="s3:*")
    accepted(rcp, PolicyKind.RCP)
    assert refused(identity(Effect="Deny", Action="s3:*"), PolicyKind.RCP) == [
        ("RCP_PRINCIPAL_NOT_STAR", "/Statement/0")
    ]
    assert refused(
        identity(Effect="Deny", Principal={"AWS": "*"}, Action="s3:*"), PolicyKind.RCP
    ) == [("RCP_PRINCIPAL_NOT_STAR", "/Statement/0/Principal")]
    assert refused(
        identity(Effect="Deny", Principal="*", NotPrincipal={"AWS": ALICE}), PolicyKind.RCP
    ) == [("PROHIBITED_PRINCIPAL", "/Statement/0/NotPrincipal")]
    assert refused(
        identity(Effect="Deny", Principal="*", Action=None, NotAction="s3:*"), PolicyKind.RCP
    ) == [("PROHIBITED_NOT_ACTION", "/Statement/0/NotAction")]
    assert refused({**rcp, "Version": "2008-10-17"}, PolicyKind.RCP) == [
        ("INVALID_VERSION", "/Version")
    ]
    assert refused({"Statement": rcp["Statement"]}, PolicyKind.RCP) == [("INVALID_VERSION", "")]


# --- Sid (DOC SID; MOTO-TESTS) ----------------------------------------------------------------


def test_duplicate_sids_are_refused_but_empty_and_unusual_sids_are_accepted() -> None:
    one = trust(Sid="Same")["Statement"][0]
    assert refused({"Statement": [one, one]}) == [("DUPLICATE_SID", "/Statement/1/Sid")]
    blank = trust(Sid="")["Statement"][0]
    accepted({"Statement": [blank, blank]})
    accepted(trust(Sid="not alphanumeric!"))  # AWS's documented alphabet is only a linter matter
    accepted({"Statement": [trust(Sid="a")["Statement"][0], trust(Sid="A")["Statement"][0]]})


# --- Conditions (MOTO-TESTS, AA-CHECKS, reading 5b) --------------------------------------


@pytest.mark.parametrize(
    ("name", "code", "hint"),
    [
        ("StringEqualz", "UNKNOWN_OPERATOR", "StringEquals"),
        ("stringequals", "UNKNOWN_OPERATOR", "StringEquals"),
        ("StringLikeIfExist", "UNKNOWN_OPERATOR", "StringLikeIfExists"),
        ("NullIfExists", "NULL_IF_EXISTS", None),
        ("ForAnyValue:NullIfExists", "NULL_IF_EXISTS", None),
        ("ForAnyValue::StringEquals", "INVALID_SET_OPERATOR", "ForAnyValue:StringEquals"),
        ("ForAnyValues:StringEquals", "INVALID_SET_OPERATOR", "ForAnyValue:StringEquals"),
        ("ForAllValuesStringEquals", "UNKNOWN_OPERATOR", "ForAllValues:StringEquals"),
    ],
)
def test_unknown_operators_are_refused_with_a_suggestion(
    name: str, code: str, hint: str | None
) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(trust(Condition={name: {"aws:SourceAccount": "111111111111"}}))
    [problem] = caught.value.problems
    assert (problem.code, problem.pointer) == (code, f"/Statement/0/Condition/{name}")
    if hint:
        assert f'(did you mean "{hint}"?)' in problem.message
    assert problem.aws_says == f"MalformedPolicyDocument: Invalid Condition type : {name}"


@pytest.mark.parametrize(
    "name",
    [
        "StringEquals",
        "ForAllValues:StringLikeIfExists",
        "Null",
        "BoolIfExists",
        "ForAnyValue:ArnLike",
        "NumericGreaterThanEquals",
    ],
)
def test_documented_operator_spellings_are_accepted(name: str) -> None:
    value = (
        "true"
        if name in {"Null", "BoolIfExists"}
        else "1"
        if name.startswith("Numeric")
        else "arn:aws:s3:::x"
    )
    accepted(trust(Condition={name: {"aws:SourceArn": value}}))


def test_condition_values_are_checked_by_their_operator() -> None:
    # MOTO-TESTS: an unparsable date fails IAM's legacy parsing (checked by trustsim.operators).
    assert refused(trust(Condition={"DateGreaterThan": {"aws:CurrentTime": "not-a-date"}})) == [
        ("INVALID_DATE_VALUE", "/Statement/0/Condition/DateGreaterThan/aws:CurrentTime")
    ]
    accepted(trust(Condition={"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}}))
    assert refused(trust(Condition={"NumericLessThan": {"a:b": ["1", "x"]}})) == [
        ("INVALID_NUMERIC_VALUE", "/Statement/0/Condition/NumericLessThan/a:b/1")
    ]


def test_json_numbers_in_conditions_are_accepted() -> None:
    # reading 5: accepted, normalised to decimal text (the linter reports them).
    policy = accepted(trust(Condition={"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}))
    assert policy.statements[0].condition[0].values == ("3600",)


# --- GitHub OIDC guardrail (OIDC-CONTROLS; reading 8; docs/semantics.md §7.1) -------------------


def github(condition: dict[str, Any] | None, effect: str = "Allow") -> dict[str, Any]:
    return trust(
        Effect=effect,
        Principal={"Federated": GITHUB},
        Action="sts:AssumeRoleWithWebIdentity",
        Condition=condition,
    )


def test_github_trust_without_any_sub_condition_is_refused() -> None:
    aud = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    assert refused(github(aud)) == [
        ("OIDC_CLAIM_CONDITION_REQUIRED", "/Statement/0/Principal/Federated")
    ]
    assert refused(github(None)) == [
        ("OIDC_CLAIM_CONDITION_REQUIRED", "/Statement/0/Principal/Federated")
    ]


@pytest.mark.parametrize(
    "condition",
    [
        {
            "StringEquals": {
                "token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"
            }
        },
        {
            "StringLike": {"Token.Actions.GitHubUserContent.com:SUB": "repo:acme/*"}
        },  # keys ignore case
        {
            "StringLike": {"token.actions.githubusercontent.com:sub": "*"}
        },  # over-broad: the linter's business
    ],
)
def test_github_trust_with_a_sub_condition_is_accepted(condition: dict[str, Any]) -> None:
    accepted(github(condition))


def test_the_guardrail_applies_to_allow_statements_of_the_shared_issuer_only() -> None:
    accepted(github(None, effect="Deny"))
    enterprise = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com/acme"
    accepted(trust(Principal={"Federated": enterprise}, Action="sts:AssumeRoleWithWebIdentity"))
    accepted(
        trust(
            Principal={"Federated": "arn:aws:iam::111111111111:oidc-provider/gitlab.com"},
            Action="sts:AssumeRoleWithWebIdentity",
        )
    )


# --- validate_policy on hand-built values ----------------------------------------------------


def test_validate_policy_checks_hand_built_policies() -> None:
    bogus = ConditionClause(ConditionOperator("StringEqualz", "StringEqualz"), "a:b", ("c",))
    policy = Policy(
        (
            Statement(
                Effect.ALLOW,
                principal=Principal(aws=(ALICE,)),
                action=("sts:AssumeRole",),
                condition=(bogus,),
            ),
        )
    )
    assert [(p.code, p.pointer) for p in validate_policy(policy)] == [
        ("UNKNOWN_OPERATOR", "/Statement/0/Condition/StringEqualz")
    ]
    good = Policy(
        (Statement(Effect.ALLOW, principal=Principal(aws=(ALICE,)), action=("sts:AssumeRole",)),)
    )
    assert validate_policy(good) == []


def test_suggest_and_unknown_operator_problem() -> None:
    assert suggest("principal", ["Principal"]) == "Principal"
    assert suggest("zzz", ["Principal"]) is None
    assert unknown_operator_problem("Foo", "/x").code == "UNKNOWN_OPERATOR"
