"""Branches of parsing and serialisation the other suites left uncovered, asserted for meaning."""

from __future__ import annotations

from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy


def test_an_rcp_keeps_principal_star_through_its_canonical_form() -> None:
    """RCPs must say ``"Principal": "*"`` (docs/semantics.md §4.6); the canonical form keeps the star."""
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Deny",
                "Principal": "*",
                "Action": "sts:AssumeRole",
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
            }
        ],
    }
    policy = parse_policy(document, kind=PolicyKind.RCP)
    assert policy.statements[0].principal is not None
    assert policy.statements[0].principal.star
    assert policy.to_dict() == document
    assert parse_policy(policy.to_dict(), kind=PolicyKind.RCP) == policy
