"""Callers refuse shapes AWS never produces, and are decided the same however they are built.

Each refusal is an ``InvalidCaller`` naming the field and the value (fail closed: a caller
trustsim cannot read never reaches a decision).
"""

from __future__ import annotations

import pytest

from trustsim.callers import IamUser, InvalidCaller, Role, RoleSession, WebIdentity
from trustsim.decision import Decision
from trustsim.model import Policy
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role

A = "111111111111"
B = "222222222222"
ROLE_ARN = f"arn:aws:iam::{A}:role/Target"
GITHUB = "token.actions.githubusercontent.com"

IDENTITY = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE_ARN}],
    },
    kind="identity",
)
TRUSTS_B = Role(
    ROLE_ARN,
    parse_policy(
        {"Statement": [{"Effect": "Allow", "Principal": {"AWS": B}, "Action": "sts:AssumeRole"}]}
    ),
)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: IamUser(f"arn:aws:iam::{A}:user/a", tags={"team": 3}),  # type: ignore[dict-item]
            "IamUser.tags: tag keys and values must be text (str), got str: 'team' = int: 3",
        ),
        (
            lambda: IamUser(f"arn:aws:iam::{A}:user/a", tags={"": "blue"}),
            "IamUser.tags: tag keys must be non-empty text",
        ),
        (
            lambda: Role(ROLE_ARN, Policy(()), tags={1: "blue"}),  # type: ignore[dict-item]
            "Role.tags: tag keys and values must be text (str), got int: 1 = str: 'blue'",
        ),
        (
            lambda: RoleSession(f"arn:aws:iam::{A}:role/r", "s1", session_tags={"t": None}),  # type: ignore[dict-item]
            "RoleSession.session_tags: tag keys and values must be text (str), "
            "got str: 't' = NoneType: None",
        ),
    ],
)
def test_tags_must_be_text_keys_and_text_values(build: object, message: str) -> None:
    """IAM tag keys are 1-128 characters and values 0-256 characters of text [DOC TAGS].

    A key or value that is not text is a wrong type (TypeError, issue 17); an empty key is a
    wrong value (InvalidCaller)."""
    with pytest.raises((InvalidCaller, TypeError)) as raised:
        build()  # type: ignore[operator]
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"amr": [["mfa"]]}, "claim 'amr': an array claim holds texts, not a nested list"),
        ({"aud": ["a", ("b",)]}, "claim 'aud': an array claim holds texts, not a nested tuple"),
        ({1: "x"}, "a claim name must be non-empty text, got 1"),
        ({"": "x"}, "a claim name must be non-empty text, got ''"),
    ],
)
def test_web_identity_claims_are_named_texts_or_flat_lists(
    claims: dict[object, object], message: str
) -> None:
    """§6.4: OIDC claims map to condition keys ``<provider>:<claim>``; a claim must have a name
    and an array claim (``amr``, ``aud``) holds scalars, never nested arrays."""
    with pytest.raises(InvalidCaller) as raised:
        WebIdentity(GITHUB, claims)
    assert str(raised.value) == message


def test_a_web_identity_provider_must_be_text() -> None:
    with pytest.raises(
        TypeError, match=r"^WebIdentity\.provider: expected text \(str\), got int: 42$"
    ):
        WebIdentity(42)  # type: ignore[arg-type]


def test_a_role_unique_id_is_a_role_id() -> None:
    """§3.6: role unique IDs start with ``AROA``; a user ID (``AIDA…``) is refused."""
    assert Role(ROLE_ARN, Policy(()), unique_id="AROAEXAMPLEID1234567").unique_id == (
        "AROAEXAMPLEID1234567"
    )
    with pytest.raises(InvalidCaller, match=r"^Role\.unique_id: 'AIDAEXAMPLE' is not a role ID"):
        Role(ROLE_ARN, Policy(()), unique_id="AIDAEXAMPLE")


def test_one_identity_policy_reads_as_a_list_of_one_and_decides_alike() -> None:
    """A single policy may be passed where a list is expected; §4.4 cross-account: the
    identity policy must allow, whichever way it was given."""
    single = IamUser(f"arn:aws:iam::{B}:user/ci", policies=IDENTITY)
    listed = IamUser(f"arn:aws:iam::{B}:user/ci", policies=[IDENTITY])
    assert single.policies == (IDENTITY,)
    assert single == listed
    assert assume_role(single, TRUSTS_B).decision is Decision.ALLOW
    assert assume_role(listed, TRUSTS_B).decision is Decision.ALLOW
    nothing = IamUser(f"arn:aws:iam::{B}:user/ci", policies=None)
    assert nothing.policies == ()
    assert assume_role(nothing, TRUSTS_B).decision is Decision.IMPLICIT_DENY
