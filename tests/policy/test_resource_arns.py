"""IAM's resource-ARN rules for identity-side policies (trustsim._resource_arns).

The refusals and their wording are IAM's recorded CreatePolicy answers (moto's suite; the whole
set is replayed in tests/conformance/test_conformance_moto.py); the acceptances of regional S3 resources with an
account are the forms AWS documents for access points and S3 Batch Operations jobs.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim._resource_arns import IAM_RESOURCE_TYPES, PARTITIONS, resource_problem
from trustsim.errors import InvalidPolicy
from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy

P = "/Statement/0/Resource"


@pytest.mark.parametrize(
    ("resource", "code", "aws_says"),
    [
        ("adf", "INVALID_RESOURCE", 'Resource adf must be in ARN format or "*".'),
        ("", "INVALID_RESOURCE", 'Resource  must be in ARN format or "*".'),
        (
            "a:bsdfdsafsad",
            "INVALID_PARTITION",
            'Partition "bsdfdsafsad" is not valid for resource "arn:bsdfdsafsad:*:*:*:*".',
        ),
        (
            "a:b:cadfsdf",
            "INVALID_PARTITION",
            'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
        ),
        (
            "a:b:c:d:e:f:g:h",
            "INVALID_PARTITION",
            'Partition "b" is not valid for resource "arn:b:c:d:e:f:g:h".',
        ),
        (
            "aws:s3:::example_bucket",
            "INVALID_PARTITION",
            'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
        ),
        (
            "arn:aws",
            "INCOMPLETE_RESOURCE_ARN",
            "Resource vendor must be fully qualified and cannot contain regexes.",
        ),
        (
            "arn:aws:iam:us-east-1::example_bucket",
            "REGION_IN_RESOURCE",
            "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
        ),
        (
            "arn:aws:s3:us-east-1::example_bucket",
            "REGION_IN_RESOURCE",
            "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
        ),
        (
            "arn:aws:iam:::example_bucket",
            "INVALID_IAM_RESOURCE",
            'IAM resource path must either be "*" or start with user/, federated-user/, role/, '
            "group/, instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, "
            "saml-provider/, oidc-provider/, report/, access-report/.",
        ),
        (
            "arn:aws:s3::example_bucket",
            "MALFORMED_RESOURCE_ARN",
            "The policy failed legacy parsing",
        ),
        ("arn:aws::::example_bucket", "MALFORMED_RESOURCE_ARN", "The policy failed legacy parsing"),
        ("arn:aws::fdsasf", "MALFORMED_RESOURCE_ARN", "The policy failed legacy parsing"),
    ],
)
def test_each_rule_answers_with_iams_recorded_wording(
    resource: str, code: str, aws_says: str
) -> None:
    problem = resource_problem(resource, P)
    assert problem is not None
    assert (problem.code, problem.pointer) == (code, P)
    assert problem.aws_says == f"MalformedPolicyDocument: {aws_says}"
    assert resource in problem.message or code == "INVALID_PARTITION"


@pytest.mark.parametrize(
    "resource",
    [
        "*",
        "arn:aws:s3:::example_bucket",
        "arn:aws:iam:::user/example_bucket",
        "arn:aws:s33:::example_bucket",
        "arn:aws:fdsasf",  # a service and nothing more: IAM accepts it
        "arn:aws:cloudwatch:us-east-1::example_bucket",
        "arn:aws:invalid-service:us-east-1::example_bucket",
        "arn:aws:iam::*:user/${aws:username}",
        "arn:aws:rds:region:*:*",
        "arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point",
        "arn:aws:s3:us-east-1:123456789012:job/*",  # S3 Batch Operations: regional, with account
        "arn:aws-cn:iam::123456789012:role/x",
        "arn:*:iam::123456789012:role/x",
        "arn:aws:iam::123456789012:*",
    ],
)
def test_what_iam_accepts_is_accepted(resource: str) -> None:
    assert resource_problem(resource, P) is None


def test_only_the_iam_kinds_read_resource_arns_so() -> None:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "aws:s3:::bucket"}
    for kind in ("identity", "managed", "permissions-boundary", "session"):
        with pytest.raises(InvalidPolicy) as caught:
            parse_policy({"Version": "2012-10-17", "Statement": statement}, kind=kind)
        assert [p.code for p in caught.value.problems] == ["INVALID_PARTITION"]
    # Organizations validates SCPs itself: the shape check alone applies there.
    scp = parse_policy({"Version": "2012-10-17", "Statement": statement}, kind=PolicyKind.SCP)
    assert scp.statements[0].resource == ("aws:s3:::bucket",)


def test_notresource_is_read_like_resource() -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "s3:*", "NotResource": "arn:aws:s3::b"},
    }
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document, kind="identity")
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("MALFORMED_RESOURCE_ARN", "/Statement/NotResource")
    ]


_PART = st.text(st.characters(codec="ascii", exclude_characters=":"), max_size=8)


@given(st.text(max_size=40))
def test_any_text_gets_an_answer_and_no_colon_means_no_arn(resource: str) -> None:
    problem = resource_problem(resource, P)
    if resource != "*" and ":" not in resource:
        assert problem is not None
        assert problem.code == "INVALID_RESOURCE"
    elif problem is not None:
        assert problem.aws_says.startswith("MalformedPolicyDocument: ")


@given(
    st.sampled_from(sorted(PARTITIONS)),
    st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True).filter(lambda s: s not in {"iam", "s3"}),
    _PART,
    st.from_regex(r"\d{12}|\*", fullmatch=True),
    st.text(max_size=20),
)
def test_a_six_part_arn_with_a_service_and_account_is_accepted(
    partition: str, service: str, region: str, account: str, rest: str
) -> None:
    assert resource_problem(f"arn:{partition}:{service}:{region}:{account}:{rest}", P) is None


@given(st.sampled_from(IAM_RESOURCE_TYPES), st.text(max_size=20), st.text(min_size=1, max_size=8))
def test_iam_resources_need_a_type_and_no_region(kind: str, name: str, region: str) -> None:
    assert resource_problem(f"arn:aws:iam::123456789012:{kind}{name}", P) is None
    with_region = resource_problem(f"arn:aws:iam:{region}:123456789012:{kind}{name}", P)
    assert with_region is not None
    assert with_region.code in {"REGION_IN_RESOURCE", "INVALID_IAM_RESOURCE"}
    if ":" not in region:
        assert with_region.code == "REGION_IN_RESOURCE"
