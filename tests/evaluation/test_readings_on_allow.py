"""An outcome that rests on a reading of docs/semantics.md says so, whichever way it went.

docs/fidelity.md promises an ``UNCERTAIN_SEMANTICS`` diagnostic on every outcome resting on
such a reading. Denials always carried it (the clause that failed is reported); these cases
are Allows, where the reading made the clause match (found by the engine coverage work).
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import pytest

import trustsim as ts
from trustsim.evaluation import decide, evaluate

ALICE = ts.IamUser("arn:aws:iam::111111111111:user/alice")


def _role(condition: dict[str, Any]) -> ts.Role:
    return ts.Role(
        "arn:aws:iam::111111111111:role/target",
        ts.parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": ALICE.arn},
                    "Action": "sts:AssumeRole",
                    "Condition": condition,
                },
            }
        ),
    )


@pytest.mark.parametrize(
    ("condition", "options", "decision"),
    [
        # reading 2: ForAllValues over an absent key reads as true, negated operators too
        (
            {"ForAllValues:StringNotEquals": {"aws:TagKeys": ["owner"]}},
            {},
            "docs/semantics.md, reading 2",
        ),
        # reading 9b: a date without a time reads as midnight UTC
        (
            {"DateGreaterThan": {"aws:CurrentTime": "2026-06-01"}},
            {"at": dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)},
            "docs/semantics.md, reading 9b",
        ),
        # reading 9c: an empty string under Null counts as present
        (
            {"Null": {"sts:ExternalId": "false"}},
            {"context": {"sts:ExternalId": ""}},
            "docs/semantics.md, reading 9c",
        ),
    ],
)
def test_an_allow_resting_on_a_reading_carries_the_note(
    condition: dict[str, Any], options: dict[str, Any], decision: str
) -> None:
    outcome = ts.assume_role(ALICE, _role(condition), **options)
    assert outcome.allowed
    assert [(d.code, d.policy) for d in outcome.errors] == [("UNCERTAIN_SEMANTICS", "trust policy")]
    assert decision in outcome.errors[0].message
    explanation = outcome.explain()
    assert explanation.errors == tuple(str(d) for d in outcome.errors)
    assert decision in str(explanation)


def test_a_plain_allow_carries_no_note() -> None:
    outcome = ts.assume_role(ALICE, _role({"StringEquals": {"aws:PrincipalType": "User"}}))
    assert outcome.allowed
    assert outcome.errors == ()


def test_outcomes_are_values_whichever_path_built_them() -> None:
    """An Outcome is a value: the fast path's outcome equals its pickled copy and a plain
    Outcome with the same fields (the request is not part of equality)."""
    request = ts.build_request(ALICE, _role({"StringEquals": {"aws:PrincipalType": "User"}}))
    fast = evaluate(request)
    copied = pickle.loads(pickle.dumps(fast))  # noqa: S301 - our own bytes
    plain = ts.Outcome(
        fast.decision,
        fast.determined_by,
        fast.errors,
        request,
        side=fast.side,
        reason=fast.reason,
        actions=fast.actions,
    )
    assert fast == copied == plain
    assert plain == fast
    assert len({fast, copied, plain}) == 1
    other = evaluate(
        ts.build_request(ts.IamUser("arn:aws:iam::111111111111:user/bob"), request.role)
    )
    assert other != fast
    assert fast != fast.decision  # an Outcome is not its Decision
    assert decide(request) is fast.decision
