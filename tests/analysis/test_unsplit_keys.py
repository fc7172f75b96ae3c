"""Requests whose deciding keys the analysis does not split stay out of every Grant.

When statements test two families of session-tag keys (a tag's value and the keys passed),
or read a provided context, the analysis leaves those keys a gap: a Grant decided on one
witness's tags (or contexts) must not claim a request passing others. Found by the soundness
property (tests/analysis/test_properties.py) under the CI profile.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
import pytest

from trustsim.analysis import grants
from trustsim.analysis.cells import CALLER_ALLOWS, WITNESS_TIME
from trustsim.callers import IamUser, OrgMembership, Role, RoleSession
from trustsim.evaluation import evaluate
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, ProvidedContext, build_request

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/target"
AT = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
USER = IamUser(f"arn:aws:iam::{ACCOUNT}:user/ab")


def _role(actions: list[str], condition: dict[str, dict[str, list[str]]]) -> Role:
    statement = {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": actions}
    return Role(ROLE_ARN, parse_policy({"Version": "2012-10-17", "Statement": [
        {**statement, "Condition": condition}]}))  # fmt: skip


def test_a_request_passing_tags_is_in_no_grant_when_two_tag_families_are_tested() -> None:
    role = _role(
        ["sts:AssumeRole", "sts:TagSession"],
        {"Null": {"aws:RequestTag/team": ["true"]}, "StringNotEquals": {"aws:TagKeys": ["ab"]}},
    )
    found = grants(role)
    assert not found.complete
    assert any("session tags" in gap.reason for gap in found.gaps)
    tagged = build_request(USER, role, tags={"team": "blue"}, at=AT)
    assert not evaluate(tagged).allowed
    assert found.covering(tagged) is None
    untagged = build_request(USER, role, at=AT)
    assert evaluate(untagged).allowed
    assert found.covering(untagged) is not None
    for grant in found:
        assert evaluate(grant.witness).allowed
        assert found.covering(grant.witness) is grant


def test_a_request_passing_provided_contexts_is_in_no_grant_when_a_clause_reads_them() -> None:
    # A provided context's entry k sets sts:RequestContext/k. The witness passing contexts
    # passes one without entries (the key absent: the negated clause holds), so a Grant
    # decided on it claimed every request passing contexts, this one too.
    provider = "arn:aws:iam::aws:contextProvider/IdentityCenter"
    role = _role(
        ["sts:AssumeRole", "sts:SetContext"],
        {"StringNotEqualsIfExists": {"sts:RequestContext/k": ["v"]}},
    )
    found = grants(role)
    assert not found.complete
    passing = build_request(
        USER, role, provided_contexts=[ProvidedContext(provider, {"k": "v"})], at=AT
    )
    assert not evaluate(passing).allowed
    assert found.covering(passing) is None
    none_passed = build_request(USER, role, at=AT)
    assert evaluate(none_passed).allowed
    assert found.covering(none_passed) is not None


def test_no_request_passing_contexts_is_claimed_when_a_clause_reads_a_provider_key() -> None:
    # The original shape (a clause on sts:RequestContext/<provider ARN>, a key no context
    # sets): no request passing contexts is allowed, and none is claimed.
    provider = "arn:aws:iam::aws:contextProvider/IdentityCenter"
    role = _role(
        ["sts:AssumeRole", "sts:SetContext"],
        {"StringEquals": {f"sts:RequestContext/{provider}": ["x"]}},
    )
    found = grants(role)
    assert not found.complete
    passing = build_request(
        USER, role, provided_contexts=[ProvidedContext(provider, {"k": "v"})], at=AT
    )
    assert found.covering(passing) is None or evaluate(passing).allowed


# ---------------------------------------------------------------- every other unsplit key
#
# Each shape below tests a key the analysis does not split (a gap), or splits only in part:
# the cells' witnesses fix its value, so a Grant must not claim a request carrying another
# value. Each case names requests the engine denies that a Grant claimed before the fix
# (the witness agreed with the clause on its own value), and one it still covers.

OTHER_ACCOUNT = "444455556666"
OU = "o-abc1234567/r-ab12/ou-ab12-11111111/"
DENY_ALL_NUMERIC = {  # a Deny whose Numeric clause the String languages cannot split
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "sts:AssumeRole",
}


def _user(name: str = "ab", **options: object) -> IamUser:
    return IamUser(f"arn:aws:iam::{ACCOUNT}:user/{name}", policies=[CALLER_ALLOWS], **options)  # type: ignore[arg-type]


def _session(**options: object) -> RoleSession:
    return RoleSession(
        f"arn:aws:iam::{ACCOUNT}:role/ab",
        "caller",
        policies=[CALLER_ALLOWS],
        **options,  # type: ignore[arg-type]
    )


def _trust(
    condition: dict[str, Any] | None,
    *,
    principal: dict[str, Any] | None = None,
    extra: tuple[dict[str, Any], ...] = (),
) -> Role:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal or {"AWS": "*"},
        "Action": "sts:AssumeRole",
    }
    if condition:
        statement["Condition"] = condition
    document = {"Version": "2012-10-17", "Statement": [statement, *extra]}
    return Role(ROLE_ARN, parse_policy(document))


@attrs.frozen
class Shape:
    """A policy testing an unsplit key, requests a Grant claimed wrongly, and one it keeps."""

    name: str
    role: Role
    denied: Callable[[Role], list[AssumeRoleRequest]]
    kept: Callable[[Role], AssumeRoleRequest] | None = None


SHAPES = [
    Shape(
        "a key no slot sets (aws:RequestedRegion, the region option)",
        _trust({"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}),
        lambda role: [build_request(_user(), role, region="eu-west-1", at=AT)],
        lambda role: build_request(_user(), role, at=AT),
    ),
    Shape(
        "the time of the call under a String operator (not probed)",
        _trust({"StringLike": {"aws:CurrentTime": "2026-01-01*"}}),
        lambda role: [build_request(_user(), role, at=AT + dt.timedelta(days=400))],
        lambda role: build_request(_user(), role, at=WITNESS_TIME),
    ),
    Shape(
        "aws:SourceIp under a String operator (not probed)",
        _trust({"StringNotEqualsIfExists": {"aws:SourceIp": "10.0.0.1"}}),
        lambda role: [build_request(_user(), role, source_ip="10.0.0.1", at=AT)],
        lambda role: build_request(_user(), role, at=AT),
    ),
    Shape(
        "a Numeric operator on a String slot's key (sts:ExternalId)",
        _trust(
            None,
            extra=(
                {**DENY_ALL_NUMERIC, "Condition": {"NumericLessThan": {"sts:ExternalId": "50"}}},
            ),
        ),
        lambda role: [build_request(_user(), role, external_id=v, at=AT) for v in ("10", "00")],
    ),
    Shape(
        "a Numeric operator on a String slot's key (sts:RoleSessionName)",
        _trust(
            None,
            extra=(
                {
                    **DENY_ALL_NUMERIC,
                    "Condition": {"NumericLessThan": {"sts:RoleSessionName": "50"}},
                },
            ),
        ),
        lambda role: [build_request(_user(), role, session_name="10", at=AT)],
    ),
    Shape(
        "a policy variable relating two keys (sts:ExternalId and aws:username)",
        _trust({"StringNotEquals": {"sts:ExternalId": "${aws:username}"}}),
        lambda role: [
            build_request(_user(name), role, external_id=name, at=AT) for name in ("ab", "aa", "a1")
        ],
    ),
    Shape(
        "a session's MFA age when the time of the call is tested too",
        _trust(
            {
                "NumericLessThanIfExists": {"aws:MultiFactorAuthAge": "3600"},
                "DateGreaterThan": {"aws:CurrentTime": "2025-01-01T00:00:00Z"},
            }
        ),
        lambda role: [
            build_request(
                _session(mfa_authenticated=True, issued_at=AT - dt.timedelta(hours=2)), role, at=AT
            )
        ],
        lambda role: build_request(_session(), role, at=AT),
    ),
    Shape(
        "aws:PrincipalOrgPaths when aws:PrincipalOrgID is tested too",
        _trust(
            {
                "StringEquals": {"aws:PrincipalOrgID": "o-abc1234567"},
                "StringNotLikeIfExists": {"aws:PrincipalOrgPaths": f"{OU}*"},
            }
        ),
        lambda role: [
            build_request(_user(org=OrgMembership("o-abc1234567", paths=[OU])), role, at=AT)
        ],
        lambda role: build_request(_user(org=OrgMembership("o-abc1234567")), role, at=AT),
    ),
    Shape(
        "aws:userid (no slot: the caller's unique ID is a slot only when a principal names one)",
        _trust({"StringNotEqualsIfExists": {"aws:userid": "AIDAJQABLZS4A3QDU576Q"}}),
        lambda role: [build_request(_user(unique_id="AIDAJQABLZS4A3QDU576Q"), role, at=AT)],
        lambda role: build_request(_user(), role, at=AT),
    ),
    Shape(
        "aws:username (derived from the principal ARN, not split by itself)",
        _trust({"StringNotEquals": {"aws:username": "ab"}}),
        lambda role: [build_request(_user("ab"), role, at=AT)],
    ),
    Shape(
        "aws:FederatedProvider carried by a role session",
        _trust({"StringNotEqualsIfExists": {"aws:FederatedProvider": "accounts.google.com"}}),
        lambda role: [
            build_request(
                _session(carried_keys={"aws:FederatedProvider": "accounts.google.com"}), role, at=AT
            )
        ],
        lambda role: build_request(_session(), role, at=AT),
    ),
]


@pytest.mark.parametrize("shape", SHAPES, ids=lambda shape: shape.name)
def test_a_grant_claims_no_request_carrying_another_value_of_an_unsplit_key(shape: Shape) -> None:
    found = grants(shape.role)
    assert not found.complete  # the gap is still reported
    denied = shape.denied(shape.role)
    assert denied
    for request in denied:
        assert not evaluate(request).allowed, request  # the engine is the truth
        assert found.covering(request) is None, (request, found.covering(request))
    for grant in found:
        assert evaluate(grant.witness).allowed
        assert found.covering(grant.witness) is grant
    if shape.kept is not None:  # a request agreeing with its cell's witness is still claimed
        kept = shape.kept(shape.role)
        assert evaluate(kept).allowed
        assert found.covering(kept) is not None


@pytest.mark.parametrize(
    ("condition", "override"),
    [
        ({"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}),
        (
            {"StringNotEqualsIfExists": {"aws:SourceAccount": OTHER_ACCOUNT}},
            {"aws:SourceAccount": OTHER_ACCOUNT},
        ),
    ],
    ids=["a key fixed for every request", "a key no request of the class carries"],
)
def test_a_grant_claims_no_request_whose_explicit_context_changes_a_key_no_slot_sets(
    condition: dict[str, Any], override: dict[str, Any]
) -> None:
    """Explicit ``context=`` entries lie outside the analysed universe: never claimed wrongly."""
    role = _trust(condition)
    found = grants(role)
    request = build_request(_user(), role, context=override, at=AT)
    assert not evaluate(request).allowed
    assert found.covering(request) is None
    assert found.covering(build_request(_user(), role, at=AT)) is not None


@pytest.mark.parametrize(
    ("role", "override", "kept"),
    [
        (
            _trust(None, principal={"AWS": OTHER_ACCOUNT}),
            {"aws:PrincipalArn": f"arn:aws:iam::{OTHER_ACCOUNT}:user/ab"},
            OTHER_ACCOUNT,
        ),
        (
            _trust({"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}),
            {"aws:PrincipalAccount": OTHER_ACCOUNT},
            ACCOUNT,
        ),
    ],
    ids=["aws:PrincipalArn", "aws:PrincipalAccount"],
)
def test_a_grant_claims_no_request_whose_explicit_context_is_not_its_callers(
    role: Role, override: dict[str, Any], kept: str
) -> None:
    """The principal element reads the caller, the principal slot the context: both must agree."""
    found = grants(role)
    request = build_request(_user(), role, context=override, at=AT)
    assert not evaluate(request).allowed
    assert found.covering(request) is None
    theirs = build_request(
        IamUser(f"arn:aws:iam::{kept}:user/ab", policies=[CALLER_ALLOWS]), role, at=AT
    )
    assert evaluate(theirs).allowed
    assert found.covering(theirs) is not None
