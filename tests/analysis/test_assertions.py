"""The proven assertions and the analysis' input checks: what they say when they fail."""

from __future__ import annotations

import pytest

from trustsim import assert_grants, assert_no_access_beyond, parse_policy
from trustsim.analysis import compare, grants
from trustsim.callers import InvalidCaller
from trustsim.model import PolicyKind

GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
SUB = "token.actions.githubusercontent.com:sub"


def _trust(statement: dict) -> object:
    return parse_policy({"Version": "2012-10-17", "Statement": statement})


def _github(sub: str) -> object:
    return _trust(
        {
            "Effect": "Allow",
            "Principal": {"Federated": GITHUB},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringLike": {SUB: sub}},
        }
    )


SERVICES = _trust(
    {
        "Effect": "Allow",
        "Principal": {"Service": ["lambda.amazonaws.com", "ec2.amazonaws.com"]},
        "Action": "sts:AssumeRole",
    }
)
MFA_AGE = _trust(
    {
        "Effect": "Allow",
        "Principal": {"AWS": "444455556666"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}},
    }
)
IDENTITY = parse_policy(
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"}},
    kind=PolicyKind.IDENTITY,
)


def test_no_access_beyond_fails_with_the_counterexample_and_its_explanation() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_no_access_beyond(_github("repo:acme*"), _github("repo:acme/*"))
    text = str(failure.value)
    assert text.startswith("the policy allows a request the reference denies: web identity")
    assert 'StringLike token.actions.githubusercontent.com:sub expected "repo:acme*", got' in text


def test_no_access_beyond_passes_on_a_proof_and_returns_it() -> None:
    result = assert_no_access_beyond(_github("repo:acme/app:*"), _github("repo:acme/*"))
    assert result.no_new_access is True
    assert result.counterexamples == ()


def test_no_access_beyond_fails_when_undetermined_naming_the_part() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_no_access_beyond(MFA_AGE, MFA_AGE)
    assert str(failure.value).startswith(
        "cannot prove the policy grants nothing beyond the reference: "
        "/Statement aws:RequestedRegion for IAM users: the analysis does not model the values this key"
    )


def test_compare_says_why_when_undetermined() -> None:
    result = compare(MFA_AGE, SERVICES)
    assert result.no_new_access is None
    assert result.reason.startswith("undetermined: /Statement aws:RequestedRegion for IAM users")


def test_assert_grants_lists_missing_and_unexpected_grants() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_grants(SERVICES, ["AWS services, sts:AssumeRole: service is lambda.amazonaws.com"])
    assert str(failure.value) == (
        "Grants differ from the expected ones:\n"
        "missing:\n"
        "  AWS services, sts:AssumeRole: service is lambda.amazonaws.com\n"
        "unexpected:\n"
        "  AWS services, sts:AssumeRole: service is ec2.amazonaws.com or service is"
        " lambda.amazonaws.com\n"
        "    e.g. service ec2.amazonaws.com"
    )


def test_assert_grants_passes_on_the_exact_lines() -> None:
    found = assert_grants(
        SERVICES,
        [
            "AWS services, sts:AssumeRole: service is ec2.amazonaws.com or service is"
            " lambda.amazonaws.com"
        ],
    )
    assert found.complete
    assert len(found) == 1


def test_assert_grants_fails_on_an_incomplete_answer_even_if_the_lines_agree() -> None:
    with pytest.raises(
        AssertionError, match="the Grants are incomplete: /Statement aws:RequestedRegion"
    ):
        assert_grants(MFA_AGE, [])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: grants(IDENTITY), "role_or_policy: expected a trust policy"),
        (lambda: grants("x"), "role_or_policy: expected a Role or a trust Policy"),
        (lambda: grants(SERVICES, role_arn=3), "role_arn: expected an ARN as text"),
        (lambda: compare(SERVICES, SERVICES, role_arn=b"x"), "role_arn: expected an ARN as text"),
        (lambda: compare(IDENTITY, SERVICES), "new: expected a trust policy"),
        (lambda: compare(SERVICES, IDENTITY), "reference: expected a trust policy"),
        (lambda: grants(SERVICES).covering("request"), "covering: request must be"),
        (lambda: assert_grants(SERVICES, "one line"), "expected must be an iterable"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_parameter(call, message) -> None:
    with pytest.raises(TypeError, match=message):
        call()


def test_a_role_arn_iam_would_not_accept_is_refused() -> None:
    with pytest.raises(InvalidCaller, match="is not an IAM role ARN"):
        grants(SERVICES, role_arn="nope")
