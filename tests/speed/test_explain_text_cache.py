"""The explanation's per-statement texts are a bounded cache that starts afresh when full.

Cache behaviour (tests/speed/): each explanation still shows its own statement's values.
"""

from __future__ import annotations

import pytest

from trustsim.callers import IamUser, Role
from trustsim.context import RequestContext
from trustsim.evaluation import evaluate
from trustsim.explain import StatementRecord
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest

A = "111122223333"
ROLE = Role(
    f"arn:aws:iam::{A}:role/deploy",
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Tagged",
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{A}:user/alice"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:PrincipalTag/team": "platform"}},
                }
            ],
        }
    ),
)


ALICE = IamUser(f"arn:aws:iam::{A}:user/alice")


def _statement(team: str) -> StatementRecord:
    context = RequestContext.of({"aws:PrincipalTag/team": team})
    explanation = evaluate(AssumeRoleRequest(ALICE, ROLE, "sts:AssumeRole", context)).explain()
    (action,) = explanation.actions
    (policy,) = action.policies
    (statement,) = policy.statements
    return statement


def test_statement_texts_stay_right_when_their_cache_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-statement texts are a bounded cache: when it is full it starts afresh, and each
    explanation still shows its own statement's action and principal values."""
    import trustsim.explain as explain_module  # noqa: PLC0415

    monkeypatch.setattr(explain_module, "_TEXTS_SIZE", 1)
    first = _statement("payments")
    other = Role(
        f"arn:aws:iam::{A}:role/other",
        parse_policy(
            {
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{A}:user/bob"},
                    "NotAction": "sts:TagSession",
                }
            }
        ),
    )
    context = RequestContext.of()
    outcome = evaluate(AssumeRoleRequest(ALICE, other, "sts:AssumeRole", context))
    (second,) = outcome.explain().actions[0].statements()
    assert (first.actions, first.resources) == ("sts:AssumeRole", "")
    assert second.actions == "NotAction sts:TagSession"
    assert second.principal_detail == (
        f"IAM user arn:aws:iam::{A}:user/alice is not among: arn:aws:iam::{A}:user/bob"
    )
    assert len(explain_module._TEXTS) == 1
