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
        assert "identity policy 0 statement 0" in [str(r) for r in with_identity.determined_by]


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


def _policy(effect: str, action: str = "sts:AssumeRole", kind: str = "identity") -> ts.Policy:
    statement = {"Effect": effect, "Action": action, "Resource": "*"}
    return parse_policy({"Version": "2012-10-17", "Statement": statement}, kind=kind)


def _caller_side_variants() -> list[dict[str, Any]]:
    """Callers with one ARN (so one trust-policy memo) and different caller-side policies:
    the decision table's memo for them is keyed by which statements applied in which policy,
    so no variant may get another's answer."""
    allow, deny = _policy("Allow"), _policy("Deny")
    other = _policy("Allow", "s3:GetObject")
    full, none = _policy("Allow", "*", "scp"), _policy("Allow", "s3:*", "scp")
    bound, bound_other = (
        _policy("Allow", kind="permissions-boundary"),
        _policy("Allow", "s3:GetObject", "permissions-boundary"),
    )
    org = "o-abcdefghij"
    return [
        {"policies": [allow]},
        {"policies": [other]},
        {"policies": [allow, deny]},
        {"policies": [allow], "permissions_boundary": bound},
        {"policies": [allow], "permissions_boundary": bound_other},
        {"policies": [allow], "org": ts.OrgMembership(org, scps=[[full]])},
        {"policies": [allow], "org": ts.OrgMembership(org, scps=[[full], [none]])},
        # The same SCPs as the one before, in one level: the scans are the same, the levels
        # tell them apart.
        {"policies": [allow], "org": ts.OrgMembership(org, scps=[[full, none]])},
        {"policies": [allow], "org": ts.OrgMembership(org, scps=[[full], [none], [full]])},
        {"policies": [allow], "org": ts.OrgMembership(org, scps=[[none], [full]])},
    ]


def test_callers_with_one_arn_and_different_caller_side_policies_are_not_confused() -> None:
    role = ts.Role(ROLE_ARN, parse_policy(TRUST))
    variants = _caller_side_variants()
    arn = f"arn:aws:iam::{PARTNER}:user/alice"
    callers = [ts.IamUser(arn, **fields) for fields in variants]
    options = {"external_id": "tenant-42", "mfa": True}
    seen = set()
    for order in (range(len(callers)), reversed(range(len(callers)))):
        for index in order:
            outcome = ts.assume_role(callers[index], role, **options)
            fresh_role = ts.Role(ROLE_ARN, parse_policy(TRUST))
            fresh = ts.assume_role(
                ts.IamUser(arn, **_caller_side_variants()[index]), fresh_role, **options
            )
            assert outcome == fresh, variants[index]
            assert outcome.explain() == fresh.explain(), variants[index]
            assert outcome.explain().to_text("all") == fresh.explain().to_text("all")
            seen.add((outcome.decision, outcome.side, outcome.reason))
    sides = {(decision, side) for decision, side, _ in seen}
    # Every answer the memo could mix up is reached: allowed; explicitly denied by the
    # identity side; denied for the identity side, the boundary, and an SCP gap at each level.
    assert {(ts.Decision.ALLOW, "trust"), (ts.Decision.EXPLICIT_DENY, "identity")} <= sides
    assert {(ts.Decision.IMPLICIT_DENY, side) for side in ("identity", "boundary", "scp")} <= sides
    gaps = {reason.split(" level")[0] for _, side, reason in seen if side == "scp"}
    # (the second of three levels is the first OU)
    assert gaps == {"no SCP at the root", "no SCP at the first OU", "no SCP at the account"}
    # The two SCPs in one level: the level allows (one of its policies does).
    (one_level,) = [i for i, v in enumerate(variants) if "org" in v and v["org"].scps[0][1:]]
    assert ts.assume_role(callers[one_level], role, **options).allowed
