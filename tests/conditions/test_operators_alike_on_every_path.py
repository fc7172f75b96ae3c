"""Condition operators decided alike on the fast path (``decide``), the full path (``evaluate``)
and the explanation, with the diagnostics of docs/semantics.md readings; federated callers' keys.

The caller is an IAM user of the role's account named by its ARN in the trust policy, so the
trust policy alone decides (§4.3 row "user ARN") and each test isolates one condition rule.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import pytest

from trustsim.callers import IamUser, Role, SamlIdentity, WebIdentity
from trustsim.context import RequestContext
from trustsim.decision import Decision
from trustsim.errors import InvalidContext
from trustsim.evaluation import decide, evaluate
from trustsim.identities import OidcIdentity, oidc_condition_keys
from trustsim.operators import OPERATORS
from trustsim.parsing import parse_policy
from trustsim.requests import build_request

A = "111111111111"
ALICE_ARN = f"arn:aws:iam::{A}:user/alice"
ROLE_ARN = f"arn:aws:iam::{A}:role/Target"
ALICE = IamUser(ALICE_ARN)
ALLOW, IMPLICIT = Decision.ALLOW, Decision.IMPLICIT_DENY


def role_with(condition: dict[str, Any], principal: dict[str, Any] | None = None) -> Role:
    return Role(
        ROLE_ARN,
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": principal or {"AWS": ALICE_ARN},
                        "Action": [
                            "sts:AssumeRole",
                            "sts:AssumeRoleWithSAML",
                            "sts:AssumeRoleWithWebIdentity",
                            "sts:TagSession",
                        ],
                        "Condition": condition,
                    }
                ],
            }
        ),
    )


def decided(role: Role, caller: Any = ALICE, **options: Any) -> tuple[Decision, list[str]]:
    """The decision, checked to agree on every path, and the diagnostic codes."""
    request = build_request(caller, role, **options)
    outcome = evaluate(request)
    explanation = outcome.explain()
    assert decide(request) is outcome.decision is explanation.decision
    return outcome.decision, [error.code for error in outcome.errors]


# --- IfExists (§5.3) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("external_id", "expected"),
    [(None, ALLOW), ("ticket-42", ALLOW), ("guessed", IMPLICIT)],
)
def test_if_exists_matches_an_absent_key_and_tests_a_present_one(
    external_id: str | None, expected: Decision
) -> None:
    """§5.3 [DOC OPS]: ``…IfExists`` is true when the key is absent, else the operator decides."""
    role = role_with({"StringLikeIfExists": {"sts:ExternalId": "ticket-*"}})
    assert decided(role, external_id=external_id) == (expected, [])


def test_a_negated_if_exists_operator_on_a_present_key_is_the_plain_negation() -> None:
    role = role_with({"StringNotEqualsIfExists": {"sts:ExternalId": "forbidden"}})
    assert decided(role, external_id="forbidden") == (IMPLICIT, [])
    assert decided(role, external_id="allowed") == (ALLOW, [])
    assert decided(role) == (ALLOW, [])


# --- Null (§5.11, reading 9c) ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("flag", "external_id", "expected"),
    [
        ("true", None, ALLOW),
        ("true", "ticket-42", IMPLICIT),
        ("false", None, IMPLICIT),
        ("false", "ticket-42", ALLOW),
    ],
)
def test_null_tests_only_whether_the_key_is_present(
    flag: str, external_id: str | None, expected: Decision
) -> None:
    """§5.11: ``Null: true`` holds when the key is absent, ``false`` when present."""
    role = role_with({"Null": {"sts:ExternalId": flag}})
    assert decided(role, external_id=external_id) == (expected, [])


def test_null_counts_an_empty_string_as_present() -> None:
    """reading 9c: an empty string under Null counts as present."""
    role = role_with({"Null": {"sts:ExternalId": "false"}})
    assert decided(role, context={"sts:ExternalId": ""})[0] is ALLOW
    absent = role_with({"Null": {"sts:ExternalId": "true"}})
    assert decided(absent, context={"sts:ExternalId": ""})[0] is IMPLICIT


def test_null_has_no_value_matcher_it_is_decided_by_presence_alone() -> None:
    """§5.11: Null compares no values; asking its operator spec for a value matcher is a
    programming error, not a silent match."""
    with pytest.raises(NotImplementedError, match="key presence"):
        OPERATORS["Null"].build([True])


# --- set qualifiers (§5.12, §9 decisions 2 and 3) --------------------------------------------------


@pytest.mark.parametrize(
    ("tags", "expected", "codes"),
    [
        (None, ALLOW, []),
        ({"team": "blue"}, ALLOW, []),
        ({"team": "blue", "env": "prod"}, ALLOW, []),
        ({"team": "blue", "owner": "x"}, IMPLICIT, []),
    ],
)
def test_for_all_values_holds_when_every_tag_key_is_allowed_and_when_there_is_none(
    tags: dict[str, str] | None, expected: Decision, codes: list[str]
) -> None:
    """§5.12 [DOC MULTI]: ForAllValues is true for an absent key and when every value
    matches one policy value."""
    role = role_with({"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "env"]}})
    assert decided(role, tags=tags) == (expected, codes)


def test_a_negated_for_all_values_on_an_absent_key_is_true() -> None:
    """reading 2: ForAllValues with a missing key is true even for a negated operator."""
    role = role_with({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}})
    assert decided(role)[0] is ALLOW
    assert decided(role, tags={"team": "blue"}) == (ALLOW, [])
    assert decided(role, tags={"owner": "x"}) == (IMPLICIT, [])


def test_for_any_value_needs_one_matching_value_and_fails_on_an_absent_key() -> None:
    """§5.12: ForAnyValue is false for an absent key."""
    role = role_with({"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}})
    assert decided(role) == (IMPLICIT, [])
    assert decided(role, tags={"team": "blue", "x": "y"}) == (ALLOW, [])


def test_a_multi_valued_key_under_an_operator_without_qualifier_does_not_match() -> None:
    """reading 3: several values and no ForAllValues/ForAnyValue: no match, noted."""
    role = role_with({"StringEquals": {"aws:TagKeys": "team"}})
    assert decided(role, tags={"team": "blue"}) == (ALLOW, [])
    assert decided(role, tags={"team": "blue", "env": "prod"}) == (
        IMPLICIT,
        ["UNCERTAIN_SEMANTICS"],
    )


# --- typed operators on request values (§5.5, §5.6, reading 9, 9b) ----------------------------

AT = _dt.datetime(2026, 6, 1, 12, tzinfo=_dt.timezone.utc)


@pytest.mark.parametrize(
    ("tag", "expected", "codes"),
    [("3", ALLOW, []), ("7", IMPLICIT, []), ("high", IMPLICIT, ["UNREADABLE_REQUEST_VALUE"])],
)
def test_a_numeric_clause_reads_the_request_value_as_a_number(
    tag: str, expected: Decision, codes: list[str]
) -> None:
    """§5.5 and reading 9: a request value that is no number fails the clause, noted."""
    role = role_with({"NumericLessThan": {"aws:RequestTag/level": "5"}})
    assert decided(role, tags={"level": tag}) == (expected, codes)


def test_a_date_only_policy_value_is_midnight_utc_and_noted() -> None:
    """§5.6 and reading 9b: ``2026-06-01`` is read as 2026-06-01T00:00:00Z."""
    role = role_with({"DateGreaterThan": {"aws:CurrentTime": "2026-06-01"}})
    assert decided(role, at=AT)[0] is ALLOW
    assert decided(role, at=AT - _dt.timedelta(days=1)) == (IMPLICIT, ["UNCERTAIN_SEMANTICS"])


# --- request context values (§6) -------------------------------------------------------------------


def test_a_context_time_with_no_utc_reading_is_refused() -> None:
    """§6.2: AWS sends times in UTC; a datetime that cannot be moved to UTC is no value."""
    late = _dt.datetime(9999, 12, 31, 23, tzinfo=_dt.timezone(_dt.timedelta(hours=-5)))
    with pytest.raises(InvalidContext, match="outside the calendar once moved to UTC"):
        RequestContext.of({"aws:CurrentTime": late})
    assert RequestContext.of({"aws:CurrentTime": late.replace(tzinfo=_dt.timezone.utc)})[
        "aws:currenttime"
    ] == ("9999-12-31T23:00:00Z",)


# --- federated callers (§3.8, §4.9, §6.4, §6.5) -----------------------------------------------------

POOL = "us-east-2:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-2:aaaaaaaa-2222-3333-4444-555555555555"
COGNITO = "cognito-identity.amazonaws.com"


@pytest.mark.parametrize("issuer", [f"https://{COGNITO}", f"https://{COGNITO}/", COGNITO])
def test_a_generic_oidc_token_from_a_built_in_provider_is_that_provider(issuer: str) -> None:
    """§3.8: Cognito identity pools are a built-in provider named without an ARN
    (``"Federated": "cognito-identity.amazonaws.com"``); its ``amr`` is multi-valued (§6.4)."""
    token = OidcIdentity(
        issuer, sub=IDENTITY, audience=POOL, claims={"amr": ("authenticated", "graph.facebook.com")}
    )
    assert token.provider == COGNITO
    role = role_with(
        {
            "StringEquals": {f"{COGNITO}:aud": POOL},
            "ForAnyValue:StringLike": {f"{COGNITO}:amr": "authenticated"},
        },
        principal={"Federated": COGNITO},
    )
    assert decided(role, token) == (ALLOW, [])
    guest = OidcIdentity(issuer, sub=IDENTITY, audience=POOL, claims={"amr": "unauthenticated"})
    assert decided(role, guest) == (IMPLICIT, [])


def test_a_google_token_without_an_audience_carries_no_audience_keys() -> None:
    """§6.4: ``accounts.google.com:aud`` is ``azp`` or else ``aud``; a token with neither
    carries no ``aud``/``oaud`` key, so a condition on it fails (§5.3)."""
    token = WebIdentity("accounts.google.com", {"sub": "1098"})
    assert oidc_condition_keys(token) == {"accounts.google.com:sub": "1098"}
    role = role_with(
        {"StringEquals": {"accounts.google.com:aud": "1098"}},
        principal={"Federated": "accounts.google.com"},
    )
    assert decided(role, token) == (IMPLICIT, [])


def test_a_saml_assertion_is_decided_on_its_audience_with_if_exists_on_a_missing_attribute() -> (
    None
):
    """§6.5: ``saml:aud`` is the assertion's recipient URL; §5.3 IfExists on an attribute the
    assertion does not carry holds."""
    okta = f"arn:aws:iam::{A}:saml-provider/Okta"
    role = role_with(
        {
            "StringEquals": {"saml:aud": "https://signin.aws.amazon.com/saml"},
            "StringEqualsIfExists": {"saml:edupersonaffiliation": "staff"},
        },
        principal={"Federated": okta},
    )
    signed_in = SamlIdentity(okta, {"saml:aud": "https://signin.aws.amazon.com/saml"})
    assert decided(role, signed_in) == (ALLOW, [])
    elsewhere = SamlIdentity(okta, {"saml:aud": "https://example.com/saml"})
    assert decided(role, elsewhere) == (IMPLICIT, [])


# --- policy variables in condition values (§5.14) ---------------------------------------------------

TAGGED_ALICE = IamUser(ALICE_ARN, tags={"team": "blue", "flag": "maybe"})


@pytest.mark.parametrize(
    ("condition", "options", "expected", "codes"),
    [
        (
            {"StringEquals": {"sts:ExternalId": "${aws:PrincipalTag/team}"}},
            {"external_id": "blue"},
            ALLOW,
            [],
        ),
        (
            {"StringEquals": {"sts:ExternalId": "${aws:PrincipalTag/team}"}},
            {"external_id": "red"},
            IMPLICIT,
            [],
        ),
        (
            {"StringEquals": {"sts:ExternalId": "${aws:TagKeys}"}},
            {"external_id": "team", "tags": {"team": "x", "env": "y"}},
            IMPLICIT,
            ["UNCERTAIN_SEMANTICS"],
        ),
        (
            {"Bool": {"aws:SecureTransport": "${aws:PrincipalTag/flag}"}},
            {},
            IMPLICIT,
            ["UNREADABLE_REQUEST_VALUE"],
        ),
        (
            {"StringEquals": {"aws:TagKeys": "${aws:PrincipalTag/team}"}},
            {"tags": {"blue": "1", "red": "2"}},
            IMPLICIT,
            ["UNCERTAIN_SEMANTICS"],
        ),
    ],
)
def test_policy_variables_in_condition_values_are_filled_per_request(
    condition: dict[str, Any], options: dict[str, Any], expected: Decision, codes: list[str]
) -> None:
    """§5.14 [DOC VARS]: ``${aws:PrincipalTag/team}`` takes the caller's tag; a variable naming
    a multi-valued key cannot be filled (no match, noted); a Bool value that is no boolean once
    filled is unreadable (reading 9); a multi-valued request key under an operator without
    qualifier is reading 3 whatever the policy value."""
    assert decided(role_with(condition), TAGGED_ALICE, **options) == (expected, codes)
