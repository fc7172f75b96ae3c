"""Explanation records of statements whose resource holds policy variables, and memo bounds.

A resource with a variable (``${aws:username}``) is matched per request, so its result cannot
come from the context-free scan: the record must show the request's result whether the
statement could apply (its action matched) or not.
"""

from __future__ import annotations

from typing import Any

import attrs

import trustsim as ts
from trustsim.evaluation import decide, evaluate
from trustsim.explain import Explanation, StatementRecord
from trustsim.parsing import parse_policy

HOME, PARTNER = "111122223333", "444455556666"
ROLE_ARN = f"arn:aws:iam::{HOME}:role/target"


def _identity() -> ts.Policy:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "OwnRole", "Effect": "Allow", "Action": "sts:AssumeRole",
                 "Resource": f"arn:aws:iam::{HOME}:role/${{aws:username}}"},
                {"Sid": "OwnBucket", "Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": "arn:aws:s3:::${aws:username}/*"},
            ],
        },
        kind="identity",
    )  # fmt: skip


def _records(user_name: str) -> tuple[ts.Outcome, dict[str, StatementRecord]]:
    role = ts.Role(ROLE_ARN, parse_policy({
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole"},
    }))  # fmt: skip
    user = ts.IamUser(f"arn:aws:iam::{PARTNER}:user/{user_name}", policies=[_identity()])
    outcome = ts.assume_role(user, role)
    [action] = outcome.explain().actions
    by_sid = {
        record.ref.sid: record
        for policy in action.policies
        if policy.label == "identity policy 0"
        for record in policy.statements
    }
    return outcome, by_sid  # type: ignore[return-value]


def test_a_resource_with_a_variable_is_shown_as_the_request_matched_it() -> None:
    outcome, records = _records("target")  # ${aws:username} = target: role/target
    assert outcome.allowed
    own_role, own_bucket = records["OwnRole"], records["OwnBucket"]
    assert (own_role.action_matched, own_role.resource_matched, own_role.applies) == (
        True, True, True
    )  # fmt: skip
    # The action does not match, so the statement cannot apply; its resource is still shown
    # as matched against this request (bucket "target/*" is not the role).
    assert (own_bucket.action_matched, own_bucket.resource_matched, own_bucket.applies) == (
        False, False, False
    )  # fmt: skip


def test_a_resource_with_a_variable_that_does_not_match_is_shown_so() -> None:
    outcome, records = _records("someone")  # role/someone is not role/target
    assert (outcome.decision, outcome.side) == (ts.Decision.IMPLICIT_DENY, "identity")
    own_role = records["OwnRole"]
    assert (own_role.action_matched, own_role.resource_matched, own_role.applies) == (
        True, False, False
    )  # fmt: skip
    assert own_role.to_dict()["resource"] == {
        "matched": False,
        "detail": f"arn:aws:iam::{HOME}:role/${{aws:username}}",
    }


def test_many_sets_of_applying_statements_stay_correct_past_the_memo_bound() -> None:
    """The decision table is memoised per set of statements that applied, 64 sets per scan;
    past that the memo starts afresh. Seven conditional Allows give 128 sets: every outcome
    must still be the one a fresh evaluation gives."""
    statements: list[dict[str, Any]] = [
        {"Sid": f"Tag{i}", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole",
         "Condition": {"StringEquals": {f"acme:flag{i}": "yes"}}}
        for i in range(7)
    ]  # fmt: skip
    document = {"Version": "2012-10-17", "Statement": statements}
    role = ts.Role(ROLE_ARN, parse_policy(document))
    ec2 = ts.ServicePrincipal("ec2.amazonaws.com")
    for bits in range(128):
        keys = {f"acme:flag{i}": "yes" if bits >> i & 1 else "no" for i in range(7)}
        outcome = evaluate(ts.build_request(ec2, role, context=keys))
        fresh_role = ts.Role(ROLE_ARN, parse_policy(document))
        fresh = evaluate(ts.build_request(ec2, fresh_role, context=keys))
        assert outcome == fresh, bits
        assert outcome.allowed is (bits != 0)
        first = next((i for i in range(7) if bits >> i & 1), None)
        if first is not None:
            assert outcome.determined_by[0].sid == f"Tag{first}"


def test_a_request_decided_repeatedly_keeps_its_answer() -> None:
    """A request is kept by identity from its second decision on; the third is read off it."""
    role = ts.Role(ROLE_ARN, parse_policy({
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Principal": {"AWS": PARTNER}, "Action": "sts:AssumeRole"},
    }))  # fmt: skip
    request = ts.build_request(ts.IamUser(f"arn:aws:iam::{PARTNER}:user/bob"), role)
    answers = [decide(request) for _ in range(3)] + [evaluate(request).decision for _ in range(3)]
    assert answers == [ts.Decision.IMPLICIT_DENY] * 6  # cross-account: bob has no identity policy


def test_explain_sets_every_field_of_the_explanation() -> None:
    """explain() fills Explanation's slots one by one: a field it forgot would be unset."""
    role = ts.Role("arn:aws:iam::111122223333:role/r", parse_policy(_TRUST_FOR_FIELDS))
    explanation = ts.assume_role(ts.IamUser("arn:aws:iam::111122223333:user/bob"), role).explain()
    values = {field.name: getattr(explanation, field.name) for field in attrs.fields(Explanation)}
    assert Explanation(**values) == explanation
    assert values["decision"] is ts.Decision.IMPLICIT_DENY
    assert values["role"] == "arn:aws:iam::111122223333:role/r"


_TRUST_FOR_FIELDS = {
    "Version": "2012-10-17",
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"},
        "Action": "sts:AssumeRole",
    },
}
