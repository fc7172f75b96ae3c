"""Policy reading edges: principal ARNs AWS refuses, problems in dropped values, JSON pointers."""

from __future__ import annotations

import pytest

from trustsim import _pointer
from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.parsing import parse_policy


def _codes(principal: str) -> list[tuple[str, str]]:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": principal},
                    "Action": "sts:AssumeRole",
                },
            }
        )
    return [(p.code, p.message) for p in caught.value.problems]


def test_a_group_arn_is_not_a_principal() -> None:
    """AWS: "You cannot identify a user group as a principal in a policy" (IAM JSON policy
    elements: Principal, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html)."""
    [(code, message)] = _codes("arn:aws:iam::111122223333:group/admins")
    assert code == "GROUP_PRINCIPAL"
    assert (
        message
        == '"arn:aws:iam::111122223333:group/admins" is an IAM group; groups are not principals'
    )


@pytest.mark.parametrize("partition", ["azure", "AWS", "aws-"])
def test_a_principal_arn_outside_the_aws_partitions_is_malformed(partition: str) -> None:
    """Partitions are ``aws``, ``aws-cn``, ``aws-us-gov``… (docs/semantics.md §2.5)."""
    [(code, message)] = _codes(f"arn:{partition}:iam::111122223333:root")
    assert code == "MALFORMED_PRINCIPAL"
    assert f'"{partition}" is not an AWS partition' in message


def test_a_duplicate_key_inside_a_value_that_a_later_duplicate_replaced_is_still_reported() -> None:
    """The first ``Statement`` is dropped by every JSON reader, but its own duplicate ``Effect``
    is a second ambiguity: both are reported, in the order they appear in the text."""
    text = (
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Effect": "Deny"}], '
        '"Statement": {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, '
        '"Action": "sts:AssumeRole"}}'
    )
    with pytest.raises(InvalidPolicy) as caught:
        load_policy(text)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("DUPLICATE_KEY", "/Statement/0/Effect"),
        ("DUPLICATE_KEY", "/Statement"),
    ]


def test_a_json_pointer_starts_with_a_slash_and_round_trips_escapes() -> None:
    """RFC 6901 §3: a non-empty pointer is a sequence of ``/``-prefixed, ``~0``/``~1``-escaped
    reference tokens."""
    pointer = _pointer.join("", "Condition", "StringLike", "aws:RequestTag/team~x")
    assert pointer == "/Condition/StringLike/aws:RequestTag~1team~0x"
    assert _pointer.split(pointer) == ("Condition", "StringLike", "aws:RequestTag/team~x")
    with pytest.raises(ValueError, match="a JSON pointer starts with '/'"):
        _pointer.split("Statement/0")


@pytest.mark.parametrize(
    "resource", ["oidc-provider/token.actions.githubusercontent.com", "policy/ci"]
)
def test_an_iam_arn_of_something_other_than_root_user_or_role_is_no_aws_principal(
    resource: str,
) -> None:
    """An identity provider is trusted under ``"Federated"``, never ``"AWS"``; a policy is not a
    principal at all (IAM JSON policy elements: Principal)."""
    [(code, message)] = _codes(f"arn:aws:iam::111122223333:{resource}")
    assert code == "MALFORMED_PRINCIPAL"
    kind = resource.split("/", maxsplit=1)[0]
    assert f"an IAM {kind} is not a principal (expected root, user/… or role/…)" in message


@pytest.mark.parametrize(
    ("arn", "kind"),
    [
        ("arn:aws:iam::111122223333:role/ci/deploy role", "role"),
        ("arn:aws:iam::111122223333:user/" + "a" * 65, "user"),
    ],
)
def test_a_user_or_role_arn_with_a_name_iam_never_issues_is_malformed(arn: str, kind: str) -> None:
    """IAM names are at most 64 characters of ``[\\w+=,.@-]`` (IAM quotas and the CreateRole /
    CreateUser API reference), so no principal has such an ARN."""
    [(code, message)] = _codes(arn)
    assert code == "MALFORMED_PRINCIPAL"
    assert message == f'"{arn}": not a valid IAM {kind} name or path'
