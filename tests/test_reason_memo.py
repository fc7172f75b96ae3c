"""The reason and explain paths memoise per (caller, role, action); the memo must be invisible.

What the reason path keeps between calls (the statements a caller can match, the records'
request-independent fields, the decision table's answer for each set of statements that
applied) must never leak from one request into another: every outcome and explanation equals
the one a fresh evaluation (new policy, caller and role objects, so empty memos) gives.
"""

from __future__ import annotations

import itertools
from typing import Any

import trustsim as ts
from trustsim.parsing import parse_policy

HOME, PARTNER = "111122223333", "444455556666"
ROLE_ARN = f"arn:aws:iam::{HOME}:role/target"
TRUST: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "NoMfaNoEntry",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "sts:AssumeRole",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        {
            "Sid": "Partner",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "tenant-42"}},
        },
        {
            "Sid": "PartnerAlice",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PARTNER}:user/alice"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringLike": {"sts:ExternalId": "tenant-*"}},
        },
        {"Sid": "Other", "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
         "Action": "sts:AssumeRole"},
    ],
}  # fmt: skip
IDENTITY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN},
}
OPTIONS: list[dict[str, Any]] = [
    {"external_id": "tenant-42", "mfa": True},
    {"external_id": "tenant-7", "mfa": True},
    {"external_id": "tenant-42", "mfa": False},
    {"mfa": True},
    {"external_id": "other", "mfa": True},
]


def _alice(*, with_policy: bool, identity: ts.Policy | None = None) -> ts.IamUser:
    policies = [identity or parse_policy(IDENTITY, kind="identity")] if with_policy else []
    return ts.IamUser(f"arn:aws:iam::{PARTNER}:user/alice", policies=policies)


def _fresh(with_policy: bool, options: dict[str, Any]) -> ts.Outcome:
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    return ts.assume_role(_alice(with_policy=with_policy), role, **options)


def test_outcomes_and_explanations_equal_a_fresh_evaluation_in_any_order() -> None:
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    identity = parse_policy(IDENTITY, kind="identity")
    callers = {flag: _alice(with_policy=flag, identity=identity) for flag in (False, True)}
    cases = list(itertools.product((False, True), range(len(OPTIONS))))
    decisions = set()
    for order in (cases, cases[::-1], cases[1::2] + cases[::2]):
        for with_policy, index in order:
            options = OPTIONS[index]
            outcome = ts.assume_role(callers[with_policy], role, **options)
            fresh = _fresh(with_policy, options)
            assert outcome == fresh, (with_policy, options)
            assert outcome.explain() == fresh.explain(), (with_policy, options)
            assert outcome.explain().to_text("all") == fresh.explain().to_text("all")
            decisions.add((outcome.decision, outcome.side))
    # The cases reach every kind of answer the memo could confuse.
    assert {
        (ts.Decision.ALLOW, "trust"),
        (ts.Decision.EXPLICIT_DENY, "trust"),
        (ts.Decision.IMPLICIT_DENY, "trust"),
        (ts.Decision.IMPLICIT_DENY, "identity"),
    } <= decisions


def test_the_same_caller_identity_with_and_without_identity_policies_is_not_confused() -> None:
    """Two callers with one ARN share the trust policy's memo; only the one without
    caller-side policies may use the trust-alone decision table (cross-account, the other's
    identity policies must allow too)."""
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    plain = _alice(with_policy=False)
    allowed = _alice(with_policy=True)
    options = {"external_id": "tenant-42", "mfa": True}
    for _ in range(2):
        without = ts.assume_role(plain, role, **options)
        with_identity = ts.assume_role(allowed, role, **options)
        assert (without.decision, without.side) == (ts.Decision.IMPLICIT_DENY, "identity")
        assert with_identity.allowed
        assert "identity policy 1 statement 0" in [str(r) for r in with_identity.determined_by]


def test_a_request_built_and_decided_once_is_not_kept_alive() -> None:
    """assume_role builds a request per call; the evaluator's caches must not hold it (a CI
    run over thousands of roles would otherwise keep thousands of requests in memory)."""
    import gc  # noqa: PLC0415
    import weakref  # noqa: PLC0415

    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    outcome = ts.assume_role(_alice(with_policy=True), role, external_id="tenant-42", mfa=True)
    assert outcome.allowed
    request = weakref.ref(outcome.request)
    del outcome
    gc.collect()
    assert request() is None
