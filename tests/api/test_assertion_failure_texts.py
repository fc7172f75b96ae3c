"""The assertion helpers' failure texts (docs/testing.md): who failed, and how.

Every helper failure starts with one headline naming the caller so that two callers of the
same kind can be told apart (``describe_caller``), then the explanation.
"""

from __future__ import annotations

import pytest

from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.decision import Decision
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role
from trustsim.testing import assert_allowed, assert_denied, describe_caller

A = "111122223333"
SAML = f"arn:aws:iam::{A}:saml-provider/Okta"
ROLE = Role(
    f"arn:aws:iam::{A}:role/ops",
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Okta",
                    "Effect": "Allow",
                    "Principal": {"Federated": SAML},
                    "Action": "sts:AssumeRoleWithSAML",
                },
                {
                    "Sid": "NoContractors",
                    "Effect": "Deny",
                    "Principal": {"Federated": SAML},
                    "Action": "sts:AssumeRoleWithSAML",
                    "Condition": {"StringLike": {"saml:sub": "contractor-*"}},
                },
            ],
        }
    ),
)
EMPLOYEE = SamlIdentity(SAML, {"saml:sub": "jdoe"})
CONTRACTOR = SamlIdentity(SAML, {"saml:sub": "contractor-7"})


@pytest.mark.parametrize(
    ("caller", "described"),
    [
        (
            RoleSession(f"arn:aws:iam::{A}:role/ci/deploy", "run-7"),
            f"session arn:aws:sts::{A}:assumed-role/deploy/run-7 of role arn:aws:iam::{A}:role/ci/deploy",
        ),
        (AccountRoot(A), f"root user of account {A}"),
        (Anonymous(), "an anonymous caller"),
        (
            ServicePrincipal(
                "events.amazonaws.com",
                source_account=A,
                source_arn=f"arn:aws:events:eu-west-1:{A}:rule/nightly",
                source_org_id="o-a1b2c3d4e5",
            ),
            f"service events.amazonaws.com (aws:SourceAccount {A}, aws:SourceArn "
            f"arn:aws:events:eu-west-1:{A}:rule/nightly, aws:SourceOrgID o-a1b2c3d4e5)",
        ),
        (WebIdentity("auth.example.com"), "web identity auth.example.com"),
        (EMPLOYEE, f'SAML identity {SAML} saml:sub "jdoe"'),
        (SamlIdentity(SAML), f"SAML identity {SAML}"),
        (IamUser(f"arn:aws:iam::{A}:user/alice"), f"IAM user arn:aws:iam::{A}:user/alice"),
    ],
)
def test_describe_caller_tells_callers_of_each_kind_apart(caller: object, described: str) -> None:
    assert describe_caller(caller) == described  # type: ignore[arg-type]


def test_a_denial_of_the_wrong_kind_names_both_kinds_and_the_caller() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_denied(CONTRACTOR, ROLE, decision=Decision.IMPLICIT_DENY)
    headline = str(failure.value).splitlines()[0]
    assert headline == (
        f'expected ImplicitDeny, got ExplicitDeny for SAML identity {SAML} saml:sub "contractor-7"'
    )


def test_an_implicit_deny_has_no_deciding_statement_for_a_sid_check() -> None:
    """An implicit deny is decided by no statement (docs/semantics.md §4.13): ``sid=`` fails."""
    stranger = SamlIdentity(f"arn:aws:iam::{A}:saml-provider/Other")
    with pytest.raises(AssertionError) as failure:
        assert_denied(stranger, ROLE, sid="NoContractors")
    headline = str(failure.value).splitlines()[0]
    assert headline == (
        "expected ImplicitDeny by the statement with Sid 'NoContractors', got ImplicitDeny by "
        f"no statement for SAML identity arn:aws:iam::{A}:saml-provider/Other"
    )
    outcome = assert_denied(CONTRACTOR, ROLE, decision="ExplicitDeny", sid="NoContractors")
    assert outcome.decision is Decision.EXPLICIT_DENY


def test_a_denial_asserted_on_an_allow_shows_the_expected_kind() -> None:
    with pytest.raises(AssertionError) as failure:
        assert_denied(assume_role(EMPLOYEE, ROLE), decision="ExplicitDeny")
    assert str(failure.value).startswith(
        f'expected ExplicitDeny, got Allow for SAML identity {SAML} saml:sub "jdoe"\n'
    )
    assert assert_allowed(EMPLOYEE, ROLE, sid="Okta").allowed
