"""Requests whose deciding keys the analysis does not split stay out of every Grant.

When statements test two families of session-tag keys (a tag's value and the keys passed),
or read a provided context, the analysis leaves those keys a gap: a Grant decided on one
witness's tags (or contexts) must not claim a request passing others. Found by the soundness
property (tests/analysis/test_properties.py) under the CI profile.
"""

from __future__ import annotations

import datetime as dt

from trustsim.analysis import grants
from trustsim.callers import IamUser, Role
from trustsim.evaluation import evaluate
from trustsim.parsing import parse_policy
from trustsim.requests import ProvidedContext, build_request

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
