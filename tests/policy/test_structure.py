"""Structuring decoded JSON into the model: shapes, pointers, every problem at once.

Sources: docs/semantics.md §2.1–2.3 and §2.6 (moto's experiments against IAM, DOC STATEMENT, STS-API).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.model import Effect, Principal, parse_operator_name
from trustsim.parsing import parse_policy

ALICE = "arn:aws:iam::111111111111:user/alice"


def statement(**members: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": ALICE},
        "Action": "sts:AssumeRole",
    }
    base.update(members)
    return {k: v for k, v in base.items() if v is not None}


def problems(document: object) -> list[tuple[str, str]]:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document)
    return [(p.code, p.pointer) for p in caught.value.problems]


def test_a_single_statement_object_and_a_list_both_parse() -> None:
    single = parse_policy({"Statement": statement()})
    listed = parse_policy({"Statement": [statement()]})
    assert single == listed
    assert single.statements[0].pointer == "/Statement"
    assert listed.statements[0].pointer == "/Statement/0"


def test_strings_and_lists_become_tuples() -> None:
    policy = parse_policy(
        {
            "Statement": statement(
                Principal={"AWS": [ALICE, "222222222222"], "Service": "a.amazonaws.com"},
                Action=["sts:AssumeRole", "sts:TagSession"],
            )
        }
    )
    [stmt] = policy.statements
    assert stmt.principal == Principal(aws=(ALICE, "222222222222"), service=("a.amazonaws.com",))
    assert stmt.action == ("sts:AssumeRole", "sts:TagSession")
    assert stmt.effect is Effect.ALLOW
    assert policy.version is None
    assert not policy.expands_variables


def test_condition_clauses_keep_document_order_and_value_shape() -> None:
    policy = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": statement(
                Condition={
                    "StringLike": {"aws:PrincipalArn": ["a*", "b*"], "sts:ExternalId": "x"},
                    "ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "t"},
                }
            ),
        }
    )
    clauses = policy.statements[0].condition
    assert [(c.operator.name, c.key, c.values, c.value_is_list) for c in clauses] == [
        ("StringLike", "aws:PrincipalArn", ("a*", "b*"), True),
        ("StringLike", "sts:ExternalId", ("x",), False),
        ("ForAnyValue:StringEqualsIfExists", "aws:TagKeys", ("t",), False),
    ]
    assert clauses[2].operator == parse_operator_name("ForAnyValue:StringEqualsIfExists")


def test_booleans_and_numbers_become_text() -> None:
    # STS-API writes {"Bool": {"aws:MultiFactorAuthPresent": true}}; reading 5 accepts numbers.
    policy = parse_policy(
        {
            "Statement": statement(
                Condition={
                    "Bool": {"aws:MultiFactorAuthPresent": True, "aws:SecureTransport": [False]},
                    "NumericLessThan": {
                        "aws:MultiFactorAuthAge": 3600,
                        "x:y": Decimal("1.50"),
                        "x:z": 0.25,
                    },
                }
            )
        }
    )
    assert [c.values for c in policy.statements[0].condition] == [
        ("true",),
        ("false",),
        ("3600",),
        ("1.50",),
        ("0.25",),
    ]


def test_empty_operator_block_is_accepted_and_means_nothing() -> None:
    assert (
        parse_policy({"Statement": statement(Condition={"StringEquals": {}})})
        .statements[0]
        .condition
        == ()
    )
    assert parse_policy({"Statement": statement(Condition={})}).statements[0].condition == ()


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ([], [("POLICY_NOT_OBJECT", "")]),
        ("{}", [("POLICY_NOT_OBJECT", "")]),
        ({"Version": "2012-10-17"}, [("MISSING_STATEMENT", "")]),
        ({"Statement": []}, [("MISSING_STATEMENT", "/Statement")]),
        ({"Statement": "x"}, [("WRONG_TYPE", "/Statement")]),
        ({"Statement": [statement(), 3]}, [("WRONG_TYPE", "/Statement/1")]),
        ({"Statement": statement(), "Comment": "x"}, [("UNKNOWN_ELEMENT", "/Comment")]),
        ({"Statement": statement(), "Version": "2012-10-18"}, [("INVALID_VERSION", "/Version")]),
        ({"Statement": statement(), "Version": 2012}, [("INVALID_VERSION", "/Version")]),
        ({"Statement": statement(), "Id": 5}, [("WRONG_TYPE", "/Id")]),
        ({"Statement": statement(), "Id": None}, [("WRONG_TYPE", "/Id")]),
        (
            {"Statement": statement(Principals={"AWS": ALICE})},
            [("UNKNOWN_ELEMENT", "/Statement/Principals")],
        ),
        ({"Statement": statement(Effect=None)}, [("MISSING_EFFECT", "/Statement")]),
        # "allow" is read in a trust policy (docs/semantics.md, reading 13; tests/cli/test_ci_files_and_folders.py)
        # and refused in identity-side ones (tests/policy/test_identity_policies.py).
        ({"Statement": statement(Effect="Allow ")}, [("INVALID_EFFECT", "/Statement/Effect")]),
        ({"Statement": statement(Effect="Permit")}, [("INVALID_EFFECT", "/Statement/Effect")]),
        ({"Statement": statement(Effect=True)}, [("INVALID_EFFECT", "/Statement/Effect")]),
        ({"Statement": statement(Sid=1)}, [("WRONG_TYPE", "/Statement/Sid")]),
        ({"Statement": statement(Action=5)}, [("WRONG_TYPE", "/Statement/Action")]),
        (
            {"Statement": statement(Action=["sts:AssumeRole", 5, None])},
            [("WRONG_TYPE", "/Statement/Action/1"), ("WRONG_TYPE", "/Statement/Action/2")],
        ),
        (
            {"Statement": statement(Principal="arn:aws:iam::111111111111:root")},
            [("PRINCIPAL_NOT_OBJECT", "/Statement/Principal")],
        ),
        ({"Statement": statement(Principal=["*"])}, [("WRONG_TYPE", "/Statement/Principal")]),
        (
            {"Statement": statement(Principal={"aws": ALICE})},
            [("UNKNOWN_PRINCIPAL_TYPE", "/Statement/Principal/aws")],
        ),
        (
            {"Statement": statement(Principal={"AWS": 111111111111})},
            [("WRONG_TYPE", "/Statement/Principal/AWS")],
        ),
        (
            {"Statement": statement(Condition=[{"StringEquals": {"a:b": "c"}}])},
            [("CONDITION_NOT_OBJECT", "/Statement/Condition")],
        ),
        (
            {"Statement": statement(Condition={"StringEquals": "x"})},
            [("OPERATOR_VALUE_NOT_OBJECT", "/Statement/Condition/StringEquals")],
        ),
        (
            {"Statement": statement(Condition={"StringEquals": {"a:b": {"c": "d"}}})},
            [("NESTED_CONDITION_VALUE", "/Statement/Condition/StringEquals/a:b")],
        ),
        (
            {"Statement": statement(Condition={"StringEquals": {"a:b": ["x", ["y"]]}})},
            [("NESTED_CONDITION_VALUE", "/Statement/Condition/StringEquals/a:b/1")],
        ),
        (
            {"Statement": statement(Condition={"StringEquals": {"a:b": None}})},
            [("WRONG_TYPE", "/Statement/Condition/StringEquals/a:b")],
        ),
        (
            {"Statement": statement(Condition={"StringEquals": {"": "x"}})},
            [("EMPTY_CONDITION_KEY", "/Statement/Condition/StringEquals/")],
        ),
        (
            {"Statement": statement(Condition={"StringEquals": {"a/b": {}}})},
            [("NESTED_CONDITION_VALUE", "/Statement/Condition/StringEquals/a~1b")],
        ),
    ],
)
def test_shape_problems_carry_code_and_pointer(
    document: object, expected: list[tuple[str, str]]
) -> None:
    assert problems(document) == expected


def test_every_problem_is_reported_at_once_in_document_order() -> None:
    document = {
        "Version": "2012-10-17",
        "Extra": 1,
        "Statement": [
            {
                "Effect": "Permit",  # "allow" is read in a trust policy (reading 13)
                "Principal": {"AWS": ALICE},
                "Action": "s3:GetObject",
                "Resource": "*",
            },
            {
                "Sid": 7,
                "Effect": "Allow",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Condition": {"StringEqualz": {"a:b": "c"}},
            },
        ],
    }
    assert problems(document) == [
        ("UNKNOWN_ELEMENT", "/Extra"),
        ("INVALID_EFFECT", "/Statement/0/Effect"),
        ("ACTION_NOT_ALLOWED_IN_TRUST_POLICY", "/Statement/0/Action"),
        ("PROHIBITED_RESOURCE", "/Statement/0/Resource"),
        ("WRONG_TYPE", "/Statement/1/Sid"),
        ("BARE_STAR_PRINCIPAL", "/Statement/1/Principal"),
        ("UNKNOWN_OPERATOR", "/Statement/1/Condition/StringEqualz"),
    ]


def test_rules_reading_a_refused_element_are_skipped() -> None:
    # A broken Condition must not also produce "no sub condition" for a GitHub trust.
    github = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    document = {
        "Statement": statement(
            Principal={"Federated": github}, Action="sts:AssumeRoleWithWebIdentity", Condition="x"
        )
    }
    assert problems(document) == [("CONDITION_NOT_OBJECT", "/Statement/Condition")]
