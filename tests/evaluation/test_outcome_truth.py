"""Outcomes say what they are (issue 17, item 5).

``Decision`` compares equal to its name; ``bool(outcome)`` is ``outcome.allowed``; every other
public value that answers a yes/no question (explanations, action records, scenario results)
is true only for the yes.
"""

from __future__ import annotations

import pickle

import pytest

import trustsim as ts
from trustsim.decision import Decision
from trustsim.parsing import parse_policy
from trustsim.scenarios import load_scenarios

A = "111122223333"
ALICE = f"arn:aws:iam::{A}:user/alice"
ROLE = ts.Role(
    f"arn:aws:iam::{A}:role/r",
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "sts:AssumeRole"},
                {
                    "Effect": "Deny",
                    "Principal": {"AWS": f"arn:aws:iam::{A}:user/mallory"},
                    "Action": "sts:AssumeRole",
                },
            ],
        }
    ),
)
OUTCOMES = {
    Decision.ALLOW: lambda: ts.assume_role(ts.IamUser(ALICE), ROLE),
    Decision.IMPLICIT_DENY: lambda: ts.assume_role(ts.IamUser(f"arn:aws:iam::{A}:user/bob"), ROLE),
    Decision.EXPLICIT_DENY: lambda: ts.assume_role(
        ts.IamUser(f"arn:aws:iam::{A}:user/mallory"), ROLE
    ),
}


@pytest.mark.parametrize("decision", list(Decision))
def test_a_decision_equals_its_name_and_no_other(decision: Decision) -> None:
    """On main ``outcome.decision == "Allow"`` was False even when allowed."""
    for other in Decision:
        assert (decision == other.value) is (decision is other)
        assert (decision != other.value) is (decision is not other)
    assert str(decision) == f"{decision}" == decision.value
    assert Decision(decision.value) is decision
    assert pickle.loads(pickle.dumps(decision)) is decision  # noqa: S301 - our own bytes


@pytest.mark.parametrize("decision", list(Decision))
def test_bool_of_an_outcome_is_whether_it_is_allowed(decision: Decision) -> None:
    """On main ``assert ts.assume_role(caller, role)`` passed on every outcome."""
    outcome = OUTCOMES[decision]()
    assert outcome.decision is decision
    assert bool(outcome) is outcome.allowed is (decision is Decision.ALLOW)
    assert (outcome.decision != "Allow") is outcome.denied
    # The same through every view of the same answer.
    explanation = outcome.explain()
    assert bool(explanation) is outcome.allowed
    assert all(
        bool(record) is (record.decision is Decision.ALLOW) for record in explanation.actions
    )
    plain = pickle.loads(pickle.dumps(outcome))  # noqa: S301 - our own bytes
    assert bool(plain) is outcome.allowed


def test_an_assert_on_a_denied_outcome_fails() -> None:
    denied = OUTCOMES[Decision.IMPLICIT_DENY]()
    with pytest.raises(AssertionError):
        assert denied


def test_a_scenario_result_is_true_only_when_it_passed() -> None:
    role = {
        "arn": f"arn:aws:iam::{A}:role/r",
        "trust_policy": {
            "Statement": {"Effect": "Allow", "Principal": {"AWS": A}, "Action": "sts:AssumeRole"}
        },
    }
    passing, failing = load_scenarios(
        [
            {
                "name": "ok",
                "expected": "ImplicitDeny",
                "caller": ALICE,
                "action": "sts:AssumeRole",
                "role": role,
            },
            {
                "name": "bad",
                "expected": "Allow",
                "caller": ALICE,
                "action": "sts:AssumeRole",
                "role": role,
            },
        ]
    )
    assert bool(passing.run()) is passing.run().passed is True
    assert bool(failing.run()) is failing.run().passed is False
