"""request_from_sts builds, for any valid boto3 arguments, the request build_request builds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import trustsim as ts
from trustsim.sts import request_from_sts

pytestmark = pytest.mark.property

ROLE = ts.Role(
    "arn:aws:iam::111122223333:role/vendor",
    ts.parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": "444455556666"},
                "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                "Condition": {"StringEquals": {"sts:ExternalId": "customer-42"}},
            }
        }
    ),
)
BOT = ts.IamUser(
    "arn:aws:iam::444455556666:user/bot",
    policies=[
        ts.parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
            },
            kind=ts.model.PolicyKind.IDENTITY,
        )
    ],
)
KEYS = st.from_regex(r"[A-Za-z0-9_.:/=+@-]{1,12}", fullmatch=True).filter(
    lambda k: not k.lower().startswith("aws:")
)
VALUES = st.from_regex(r"[A-Za-z0-9_.:/=+@ -]{0,12}", fullmatch=True)


@st.composite
def calls(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """boto3 arguments and the build_request options they mean."""
    tags = draw(
        st.dictionaries(KEYS, VALUES, max_size=5).filter(
            lambda d: len({k.lower() for k in d}) == len(d)
        )
    )
    params: dict[str, Any] = {
        "RoleSessionName": draw(st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,16}", fullmatch=True))
    }
    options: dict[str, Any] = {
        "action": "sts:AssumeRole",
        "session_name": params["RoleSessionName"],
    }
    if tags:
        params["Tags"] = [{"Key": k, "Value": v} for k, v in tags.items()]
        options["tags"] = tags
        transitive = draw(st.lists(st.sampled_from(sorted(tags)), unique=True))
        if transitive:
            params["TransitiveTagKeys"] = transitive
            options["transitive_tag_keys"] = transitive
    external = draw(st.sampled_from([None, "customer-42", "customer-43"]))
    if external is not None:
        params["ExternalId"] = external
        options["external_id"] = external
    if draw(st.booleans()):
        params["SourceIdentity"] = options["source_identity"] = "alice"
    if draw(st.booleans()):
        params["SerialNumber"] = "arn:aws:iam::444455556666:mfa/bot"
        params["TokenCode"] = "123456"
        options["mfa"] = True
    return params, options


def _context(request: ts.requests.AssumeRoleRequest) -> dict[str, tuple[str, ...]]:
    clock = {"aws:currenttime", "aws:epochtime"}
    return {k: v for k, v in request.context.items() if k.lower() not in clock}


@given(calls())
def test_boto3_arguments_mean_the_options_they_name(
    call: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    params, options = call
    ours = request_from_sts(BOT, "AssumeRole", role=ROLE, RoleArn=ROLE.arn, **params)
    theirs = ts.build_request(BOT, ROLE, **options)
    assert _context(ours) == _context(theirs)
    assert ours.companion_actions == theirs.companion_actions
    assert ts.decide(ours) is ts.decide(theirs)
    assert ts.decide(ours) is (
        ts.Decision.ALLOW
        if params.get("ExternalId") == "customer-42"
        else ts.Decision.IMPLICIT_DENY
    )
