"""Role and caller facts are derived once (issue 5): the plans are kept and shared.

Cache behaviour (tests/speed/): repeated decisions on one role reuse its facts, and equal IAM
callers built afresh share theirs.
"""

from __future__ import annotations

import trustsim as ts
from trustsim.parsing import parse_policy

ACCOUNT = "111122223333"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT}:role/target"


def _trust(principal: object, **extra: object) -> ts.Policy:
    statement = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole", **extra}
    return parse_policy({"Version": "2012-10-17", "Statement": statement})


def test_role_and_caller_facts_are_derived_once() -> None:
    """Repeated decisions on the same role reuse its facts (compiled trust policy, RCP levels),
    and equal IAM callers built afresh share theirs (issue 5: nothing is derived twice)."""
    from trustsim.evaluation import plan  # noqa: PLC0415 - the caches under test

    role = ts.Role(ROLE_ARN, _trust({"AWS": ACCOUNT}))
    assert plan.role_facts(role) is plan.role_facts(role)
    first = plan.caller_facts(ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice"))
    again = plan.caller_facts(ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/alice"))
    other = plan.caller_facts(ts.IamUser(f"arn:aws:iam::{ACCOUNT}:user/bob"))
    assert first is again
    assert other is not first
