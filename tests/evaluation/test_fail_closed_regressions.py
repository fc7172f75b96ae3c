"""Regressions found by the fuzz tests (issue 9): each input once let an exception escape."""

import datetime as dt

import pytest

import trustsim as ts
from trustsim.context import RequestContext

PLUS14 = dt.timezone(dt.timedelta(hours=14))
USER = ts.IamUser("arn:aws:iam::111122223333:user/a")
ROLE = ts.Role(
    "arn:aws:iam::111122223333:role/r",
    ts.parse_policy(
        {
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": USER.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}},
            }
        }
    ),
)


def test_context_set_of_mixed_scalars_is_read_as_sorted_texts():  # was: TypeError from sorted()
    # Each item becomes the text AWS would send (1 -> "1"), as for a list; the set is then sorted.
    assert RequestContext.of({"k": {"a", 1}})["k"] == ("1", "a")


def test_context_datetime_at_the_edge_of_the_calendar():  # was: OverflowError
    with pytest.raises(ts.InvalidContext, match="outside the calendar"):
        RequestContext.of({"k": dt.datetime(1, 1, 1, tzinfo=PLUS14)})


def test_context_datetime_before_year_1000_is_iso_8601():  # was: '5-01-01T00:00:00Z'
    ctx = RequestContext.of({"k": dt.datetime(5, 1, 1, tzinfo=dt.timezone.utc)})
    assert ctx["k"] == ("0005-01-01T00:00:00Z",)


def test_build_request_at_the_edge_of_the_calendar():  # was: OverflowError
    with pytest.raises(ts.InvalidRequest, match="outside the calendar"):
        ts.build_request(USER, ROLE, at=dt.datetime(1, 1, 1, tzinfo=PLUS14))


def test_a_4301_digit_epoch_request_value_is_unreadable():  # was: ValueError from int()
    outcome = ts.assume_role(USER, ROLE, context={"aws:CurrentTime": "1" * 4301})
    assert outcome.decision is ts.Decision.IMPLICIT_DENY
    assert [d.code for d in outcome.errors] == ["UNREADABLE_REQUEST_VALUE"]


def test_a_non_document_string_with_nul_is_an_oserror_or_invalid_policy():  # was: ValueError (embedded null byte)
    with pytest.raises((OSError, ts.InvalidPolicy)):
        ts.load_policy("x\x00")


def test_deeply_nested_claims_are_refused():  # was: RecursionError
    value = "a"
    for _ in range(3000):
        value = [value]
    with pytest.raises(ts.InvalidCaller):
        ts.WebIdentity("auth.example.com", {"x": value})


def test_nested_claim_lists_are_refused_not_stringified():  # was: stored as ("('a',)",)
    with pytest.raises(ts.InvalidCaller):
        ts.WebIdentity("auth.example.com", {"x": [["a"]]})


def test_a_hand_built_trust_allow_without_principal_grants_nothing():  # was: Allow for everyone
    """A trust policy statement must name a Principal; IAM refuses the document otherwise
    (MISSING_PRINCIPAL, docs/semantics.md §2). A hand-built one used to read as {"AWS": "*"}."""
    everyone = ts.Statement(ts.Effect.ALLOW, action=("sts:AssumeRole",))
    guard = ts.Statement(
        ts.Effect.DENY, action=("sts:AssumeRole",), index=1, pointer="/Statement/1"
    )
    role = ts.Role(
        "arn:aws:iam::111122223333:role/target", ts.Policy((everyone,), version="2012-10-17")
    )
    same_account = ts.IamUser("arn:aws:iam::111122223333:user/alice")
    outcome = ts.assume_role(same_account, role)
    assert outcome.decision is ts.Decision.IMPLICIT_DENY
    assert [(d.code, d.pointer, d.policy) for d in outcome.errors] == [
        ("INVALID_POLICY", "/Statement/0", "trust policy")
    ]
    assert "MISSING_PRINCIPAL" in str(outcome.explain())
    # A principal-less Deny still applies to everyone (the conservative reading).
    denying = ts.Role(role.arn, ts.Policy((guard,), version="2012-10-17"))
    assert ts.assume_role(same_account, denying).decision is ts.Decision.EXPLICIT_DENY
