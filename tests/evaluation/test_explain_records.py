"""Explanation records are immutable values, and clause records are made as views read them.

Issue 5 (explain within reach of the hot path) replaced the attrs record classes with plain
classes over one tuple and made the clause-by-clause records lazy. These tests pin what a user
relies on: records cannot be changed, compare and hash by value, pickle, print as before, and
the lazily made clause records are those of a full clause-by-clause evaluation.
"""

from __future__ import annotations

import pickle

import attrs
import pytest

from trustsim.callers import IamUser, Role
from trustsim.conditions import ClauseResult, compile_condition
from trustsim.context import RequestContext
from trustsim.decision import Decision, StatementRef
from trustsim.evaluation import evaluate
from trustsim.explain import ActionRecord, ClauseRecord, PolicyRecord, StatementRecord
from trustsim.explain.records import RecordedStatement
from trustsim.model import ConditionClause, parse_operator_name
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


def recorded_statement(team: str) -> StatementRecord:
    context = RequestContext.of({"aws:PrincipalTag/team": team})
    explanation = evaluate(AssumeRoleRequest(ALICE, ROLE, "sts:AssumeRole", context)).explain()
    (action,) = explanation.actions
    (policy,) = action.policies
    (statement,) = policy.statements
    return statement


def test_records_cannot_be_changed() -> None:
    """An explanation is a value: its records refuse assignment and deletion."""
    statement = recorded_statement("payments")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        statement.applies = True  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del statement.clauses[0].matched


def test_recorded_records_equal_records_built_by_hand_and_hash_alike() -> None:
    """A recorded statement equals the same statement built from its public fields."""
    statement = recorded_statement("payments")
    (clause,) = statement.clauses
    by_hand = StatementRecord(
        ref=StatementRef("trust policy", 0, "Tagged", "/Statement/0"),
        side="trust",
        effect="Allow",
        principal=statement.principal,
        principal_detail=statement.principal_detail,
        action_matched=True,
        actions="sts:AssumeRole",
        resource_matched=None,
        resources="",
        clauses=(
            ClauseRecord(
                "StringEquals",
                "aws:PrincipalTag/team",
                ("payments",),
                ("platform",),
                False,
                clause.pointer,
            ),
        ),
        applies=False,
    )
    assert statement == by_hand
    assert hash(statement) == hash(by_hand)
    assert statement != recorded_statement("platform")
    assert statement != "a string"


def test_records_pickle_and_print_field_by_field() -> None:
    """Records survive pickling, and repr names every field (as attrs classes did)."""
    statement = recorded_statement("payments")
    assert pickle.loads(pickle.dumps(statement)) == statement  # noqa: S301 - our own bytes
    assert repr(statement.clauses[0]) == (
        "ClauseRecord(operator='StringEquals', key='aws:PrincipalTag/team', "
        "request_values=('payments',), policy_values=('platform',), matched=False, "
        f"pointer={statement.clauses[0].pointer!r}, diagnostic=None)"
    )
    policy = PolicyRecord("trust policy", "trust", (statement,))
    action = ActionRecord("sts:AssumeRole", Decision.IMPLICIT_DENY, "trust", "why", (), (policy,))
    assert repr(policy).startswith("PolicyRecord(label='trust policy', side='trust', statements=(")
    assert pickle.loads(pickle.dumps(action)) == action  # noqa: S301 - our own bytes
    assert action.statements() == (statement,)


def test_a_clause_record_of_a_hand_built_result_holds_tuples() -> None:
    """A ClauseResult built with lists still gives a record of tuples (JSON shape unchanged)."""
    result = ClauseResult("StringLike", "aws:PrincipalTag/team", ["a", "b"], ["p*"], False, "/x")  # type: ignore[arg-type]
    record = ClauseRecord.of(result)
    assert (record.operator, record.key, record.matched, record.diagnostic) == (
        "StringLike",
        "aws:PrincipalTag/team",
        False,
        None,
    )
    assert record.request_values == ("a", "b")
    assert record.policy_values == ("p*",)
    assert record.describe() == 'StringLike aws:PrincipalTag/team expected "p*", got ["a", "b"]'


def test_the_lazy_clause_records_are_the_clause_by_clause_result() -> None:
    """A replayed statement's clause records, made when first read, answer like ``evaluate``:
    same verdict, clauses, diagnostic, text, hash and pickle (a multi-valued key under a
    single-valued operator is the reading 3 diagnostic)."""
    operator = parse_operator_name("StringEquals")
    assert operator is not None
    compiled = compile_condition(
        [ConditionClause(operator, "aws:PrincipalTag/team", ("platform",))],
        expand_variables=True,
        statement_pointer="/Statement/0",
    )
    context = RequestContext.of({"aws:PrincipalTag/team": ["platform", "payments"]})
    full = compiled.evaluate(context)
    fields = recorded_statement("payments")._f
    lazy = RecordedStatement(fields, compiled, context)
    eager = StatementRecord(
        *fields[:9], clauses=tuple(ClauseRecord.of(c) for c in full.clauses), applies=fields[9]
    )
    assert [c.matched for c in lazy.clauses] == [False]
    assert lazy == eager
    assert eager == lazy
    assert lazy.__eq__("no match") is NotImplemented
    assert hash(lazy) == hash(eager)
    assert (repr(lazy), str(lazy)) == (repr(eager), str(eager))
    assert [c.diagnostic for c in lazy.clauses] == [str(full.diagnostics[0])]
    assert "UNCERTAIN_SEMANTICS" in str(lazy.clauses[0].diagnostic)
    assert pickle.loads(pickle.dumps(lazy)) == eager  # noqa: S301 - our own bytes
    assert type(pickle.loads(pickle.dumps(lazy))) is StatementRecord  # noqa: S301
    empty = compile_condition([], expand_variables=True, statement_pointer="/Statement/0")
    assert RecordedStatement(fields, empty, context).clauses == ()
    assert empty.evaluate(context).matched is True


def test_an_allowed_call_is_determined_by_its_grant_and_a_denied_one_by_nothing() -> None:
    """The determining view lists the grant for an Allow, and nothing for an implicit deny."""
    assert [str(s.ref) for s in _explained("platform").determining] == [
        'trust policy statement 0 (Sid "Tagged")'
    ]
    assert _explained("payments").determining == ()


def _explained(team: str):  # type: ignore[no-untyped-def]
    context = RequestContext.of({"aws:PrincipalTag/team": team})
    return evaluate(AssumeRoleRequest(ALICE, ROLE, "sts:AssumeRole", context)).explain()


def test_a_clause_record_of_a_result_shares_it() -> None:
    """A clause record of an evaluated clause reads the result's own values."""
    result = ClauseResult("Bool", "aws:SecureTransport", ("false",), ("true",), False, "/c")
    record = ClauseRecord.of(result)
    assert record.to_dict() == {
        "operator": "Bool",
        "key": "aws:SecureTransport",
        "policy_values": ["true"],
        "request_values": ["false"],
        "matched": False,
        "pointer": "/c",
        "diagnostic": None,
    }
    assert record.request_values is result.request_values


def test_the_reason_path_reports_a_multi_valued_policy_variable() -> None:
    """§5.14: a policy variable naming a multi-valued key makes its clause not match, and the
    outcome (filled by the replay without a recorder) says so, as the explanation does."""
    role = Role(
        f"arn:aws:iam::{A}:role/teams",
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": {
                    "Effect": "Allow",
                    "Principal": {"AWS": f"arn:aws:iam::{A}:user/alice"},
                    "Action": "sts:AssumeRole",
                    "Condition": {
                        "StringLike": {"aws:PrincipalTag/team": "${aws:PrincipalTag/dept}-*"}
                    },
                },
            }
        ),
    )
    context = RequestContext.of(
        {"aws:PrincipalTag/team": "eng-web", "aws:PrincipalTag/dept": ["eng", "ops"]}
    )
    outcome = evaluate(AssumeRoleRequest(ALICE, role, "sts:AssumeRole", context))
    assert outcome.decision is Decision.IMPLICIT_DENY
    (error,) = outcome.errors
    assert error.code == "UNCERTAIN_SEMANTICS"
    assert "carries several values" in error.message
    assert outcome.explain().errors == (str(error),)
