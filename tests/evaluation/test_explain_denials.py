"""Explanations of denied calls: how each failing condition clause is told, and the views.

Built from ``assume_role(...).explain()`` (the public API); the texts asserted are what a
person reads when a call is denied.
"""

from __future__ import annotations

import pickle

import attrs
import pytest

from trustsim.callers import IamUser, Role
from trustsim.decision import Decision, StatementRef
from trustsim.explain import ActionRecord, ClauseRecord, Explanation, PolicyRecord, StatementRecord
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role

A = "111111111111"
B = "222222222222"
ROLE_ARN = f"arn:aws:iam::{A}:role/Vendor"

VENDOR_ROLE = Role(
    ROLE_ARN,
    parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Vendor",
                    "Effect": "Allow",
                    "Principal": {"AWS": B},
                    "Action": ["sts:AssumeRole", "sts:TagSession"],
                    "Condition": {
                        "StringEquals": {
                            "sts:ExternalId": ["alpha-1", "beta-2"],
                            "aws:RequestTag/env": "prod",
                        },
                        "NumericLessThan": {"aws:RequestTag/level": "5"},
                        "ForAllValues:StringEquals": {"aws:TagKeys": ["env"]},
                    },
                }
            ],
        }
    ),
)
BOT = IamUser(
    f"arn:aws:iam::{B}:user/bot",
    policies=parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": "sts:*", "Resource": "*"}],
        },
        kind="identity",
    ),
)


def denied_explanation() -> Explanation:
    outcome = assume_role(BOT, VENDOR_ROLE, tags={"level": "high", "team": "x"})
    assert outcome.decision is Decision.IMPLICIT_DENY
    return outcome.explain()


def test_each_failing_clause_says_what_was_expected_and_what_the_request_carried() -> None:
    """§5.1/§5.3/§5.12: a clause lists every accepted value, says "nothing" for an absent key
    (which fails a positive operator), and shows a multi-valued key as a list."""
    lines = denied_explanation().to_text().splitlines()
    assert lines[4] == "  actions: sts:AssumeRole ImplicitDeny, sts:TagSession ImplicitDeny"
    assert lines[5:8] == [
        "closest Allow statements:",
        '  trust policy statement 0 (Sid "Vendor") [Allow] — does not apply',
        f"    ✓ principal: IAM user arn:aws:iam::{B}:user/bot matched as account",
    ]
    assert lines[8] == (
        '    ✗ StringEquals sts:ExternalId expected one of "alpha-1", "beta-2", '
        "got nothing (the key is absent)"
    )
    assert lines[9] == (
        '    ✗ StringEquals aws:RequestTag/env expected "prod", got nothing (the key is absent)'
    )
    assert lines[11] == (
        '    ✗ ForAllValues:StringEquals aws:TagKeys expected "env", got ["level", "team"]'
    )


def test_a_clause_resting_on_an_unreadable_request_value_carries_its_diagnostic() -> None:
    """reading 9: a request value that is no number makes a Numeric clause not match, and
    the explanation says why next to the clause and among the diagnostics."""
    explanation = denied_explanation()
    clause_line = explanation.to_text().splitlines()[10]
    assert clause_line.startswith(
        '    ✗ NumericLessThan aws:RequestTag/level expected "5", got "high" '
        "(UNREADABLE_REQUEST_VALUE: NumericLessThan aws:RequestTag/level: request value 'high' "
        "cannot be read as a number"
    )
    assert len(explanation.errors) == 1
    assert explanation.errors[0].startswith("UNREADABLE_REQUEST_VALUE: ")
    (failing,) = explanation.failures
    numeric = failing.to_dict()["condition"][2]
    assert numeric["request_values"] == ["high"]
    assert numeric["diagnostic"].startswith("UNREADABLE_REQUEST_VALUE")


def test_a_pretty_printed_explanation_is_its_text_and_its_repr_inside_a_cycle() -> None:
    """IPython shows the same text as ``print``; a cycle falls back to the one-line repr."""
    explanation = denied_explanation()
    written: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            written.append(value)

    explanation._repr_pretty_(Printer(), False)
    explanation._repr_pretty_(Printer(), True)
    assert written == [explanation.to_text(), repr(explanation)]
    assert written[1] == (
        f"<Explanation ImplicitDeny (trust) for IAM user arn:aws:iam::{B}:user/bot on {ROLE_ARN}>"
    )


def rebuilt(actions: tuple[ActionRecord, ...], reason: str) -> Explanation:
    return Explanation(
        decision=Decision.IMPLICIT_DENY,
        reason=reason,
        side="trust",
        caller="a caller",
        role=ROLE_ARN,
        actions=actions,
        errors=(),
    )


def action_record(
    *, side: str = "trust", decision: Decision = Decision.IMPLICIT_DENY, reason: str | None = None
) -> ActionRecord:
    (record,) = [a for a in denied_explanation().actions if a.action == "sts:AssumeRole"]
    return ActionRecord(
        record.action,
        decision,
        side,
        record.reason if reason is None else reason,
        record.determined_by,
        record.policies,
    )


def test_an_explanation_rebuilt_from_records_finds_its_deciding_action_by_decision_and_side() -> (
    None
):
    """An Explanation is plain data: rebuilt with a reworded reason, the closest misses are
    still those of the action with the same decision and deciding side."""
    explanation = rebuilt((action_record(),), "reworded")
    assert [str(s.ref) for s in explanation.failures] == ['trust policy statement 0 (Sid "Vendor")']


def test_an_explanation_rebuilt_from_records_of_another_side_lists_only_that_side_s_misses() -> (
    None
):
    """The closest misses are the Allow statements of the deciding action's own side."""
    explanation = rebuilt((action_record(side="identity"),), "reworded")
    assert explanation.failures == ()


def test_an_explanation_rebuilt_without_a_matching_decision_falls_back_to_its_first_action() -> (
    None
):
    explanation = rebuilt(
        (action_record(decision=Decision.EXPLICIT_DENY, reason="another reason"),), "reworded"
    )
    assert [str(s.ref) for s in explanation.failures] == ['trust policy statement 0 (Sid "Vendor")']


def test_an_explanation_without_action_records_has_no_closest_misses() -> None:
    explanation = rebuilt((), "nothing recorded")
    assert explanation.failures == ()
    assert explanation.to_text().splitlines() == [
        "ImplicitDeny: nothing recorded",
        "  caller: a caller",
        f"  role: {ROLE_ARN}",
        "  decided by: trust",
    ]


def test_a_statement_record_of_a_caller_side_policy_shows_its_resource_and_no_principal() -> None:
    """Caller-side statements have no Principal element (§2.3); their Resource is shown."""
    record = StatementRecord(
        ref=StatementRef("identity policy 1", 0, None, "/Statement/0"),
        side="identity",
        effect="Allow",
        principal=None,
        principal_detail="",
        action_matched=True,
        actions="sts:AssumeRole",
        resource_matched=False,
        resources=f"arn:aws:iam::{A}:role/Other",
        clauses=(),
        applies=False,
    )
    assert record.lines(only_failures=True) == [
        "identity policy 1 statement 0 [Allow] — does not apply",
        f"  ✗ resource: arn:aws:iam::{A}:role/Other",
    ]
    assert (
        PolicyRecord("identity policy 1", "identity", (record,)).to_dict()["statements"][0][
            "principal"
        ]
        is None
    )


def every_record(explanation: Explanation) -> list[object]:
    records: list[object] = []
    for action in explanation.actions:
        records.append(action)
        for policy in action.policies:
            records.append(policy)
            for statement in policy.statements:
                records.append(statement)
                records.extend(statement.clauses)
    return records


def test_explanation_records_are_immutable_values() -> None:
    """Explanations are values: replaying the same outcome gives equal records (equal hashes),
    they cannot be changed, they pickle, and they print with their field names."""
    outcome = assume_role(BOT, VENDOR_ROLE, tags={"level": "high", "team": "x"})
    first, again = every_record(outcome.explain()), every_record(outcome.explain())
    assert len(first) > 4
    assert first == again
    assert [hash(record) for record in first] == [hash(record) for record in again]
    assert first[0] != first[1]  # an action record is no policy record
    for record in first:
        assert pickle.loads(pickle.dumps(record)) == record  # noqa: S301 - our own data
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            record.side = "changed"  # type: ignore[attr-defined]
    clause = next(record for record in first if isinstance(record, ClauseRecord))
    assert repr(clause).startswith(
        "ClauseRecord(operator='StringEquals', key='sts:ExternalId', request_values=None, "
        "policy_values=('alpha-1', 'beta-2'), matched=False, "
        "pointer='/Statement/0/Condition/StringEquals/sts:ExternalId', diagnostic=None)"
    )
    assert (clause.operator, clause.key, clause.matched, clause.diagnostic) == (
        "StringEquals",
        "sts:ExternalId",
        False,
        None,
    )
