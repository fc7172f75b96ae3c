"""The explanation's per-statement texts are a bounded cache that starts afresh when full.

Cache behaviour (tests/speed/): each explanation still shows its own statement's values.
"""

from __future__ import annotations

import pytest

from tests.evaluation.test_explain_records import ALICE, A, recorded_statement
from trustsim.callers import Role
from trustsim.context import RequestContext
from trustsim.evaluation import evaluate
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest


def test_statement_texts_stay_right_when_their_cache_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The per-statement texts are a bounded cache: when it is full it starts afresh, and each
    explanation still shows its own statement's action and principal values."""
    import trustsim.evaluation.explaining as explain_module  # noqa: PLC0415

    monkeypatch.setattr(explain_module, "_TEXTS_SIZE", 1)
    first = recorded_statement("payments")
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
