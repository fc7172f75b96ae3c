"""Every statement record of an explanation says what a direct check of that statement says.

The explain path checks in full only the statements whose principal and action matched (the
rest cannot apply), memoises the request-independent fields of each record per caller, role
and action, and builds the records of a policy when a view first reads them. Whatever the
shortcuts, each record must hold what checking its statement directly against the request
gives: the principal match, the action and resource results, every clause's result, and
whether the statement applies. Records must also compare, hash and pickle like records built
at once.
"""

from __future__ import annotations

import pickle
from typing import Any

import pytest
from hypothesis import given, settings

from tests.property.test_compiled_vs_explain_property import _request, rcp_levels
from tests.property.test_evaluation_property import scenarios
from tests.support import corpus
from trustsim.compiler import CompiledStatement, MatchKind
from trustsim.decision import Outcome
from trustsim.evaluation import evaluate
from trustsim.evaluation.plan import plan_of
from trustsim.explain import PolicyRecord, StatementRecord
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property


def _statements(request: AssumeRoleRequest) -> dict[tuple[str, int], CompiledStatement]:
    """Every compiled statement the evaluation can consult, by (policy label, index)."""
    plan = plan_of(request)
    policies = [plan.trust, *plan.identity, *(p for p in (plan.boundary, plan.session) if p)]
    policies += [p for level in (*plan.scps, *plan.rcps) for p in level]
    return {(s.ref.policy, s.ref.index): s for p in policies for s in p.statements}


def _check_directly(
    record: StatementRecord, statement: CompiledStatement, request: AssumeRoleRequest, action: str
) -> None:
    plan = plan_of(request)
    context = request.context
    kind = statement.principal_kind(plan.who, plan.role_partition)
    has_principal = statement.principal is not None or statement.not_principal is not None
    assert record.principal is (kind if has_principal else None)
    assert record.action_matched is statement.action.matches(action, action.casefold()), action
    if statement.resource is None:
        assert record.resource_matched is None
    else:
        assert record.resource_matched is statement.resource.matches(plan.role_arn, context)
    full = statement.condition.evaluate(context)
    assert [c.matched for c in record.clauses] == [c.matched for c in full.clauses]
    assert [c.request_values for c in record.clauses] == [c.request_values for c in full.clauses]
    applies = (
        kind is not MatchKind.NO
        and record.action_matched
        and record.resource_matched is not False
        and full.matched
    )
    assert record.applies is applies


def _check_outcome(outcome: Outcome) -> None:
    request = outcome.request
    statements = _statements(request)
    explanation = outcome.explain()
    for action_record in explanation.actions:
        for policy in action_record.policies:
            eager = PolicyRecord(policy.label, policy.side, tuple(policy.statements))
            assert policy == eager
            assert hash(policy) == hash(eager)
            assert pickle.loads(pickle.dumps(policy)) == eager  # noqa: S301 - our own bytes
            assert len(policy.statements) == len(
                [key for key in statements if key[0] == policy.label]
            )
            for record in policy.statements:
                statement = statements[record.ref.policy, record.ref.index]
                _check_directly(record, statement, request, action_record.action)
    # A second explanation of the same outcome reads the memoised fields: the same records.
    assert outcome.explain() == explanation


@settings(max_examples=200)
@given(scenarios(), rcp_levels)
def test_each_record_says_what_a_direct_check_of_its_statement_says(
    scenario: dict[str, Any], rcps: list[Any]
) -> None:
    _check_outcome(evaluate(_request(scenario, rcps)))


@pytest.mark.parametrize("seed", [4, 9])
def test_the_benchmark_corpus_records_are_those_of_a_direct_check(seed: int) -> None:
    for case in corpus.generate(80, seed):
        _check_outcome(evaluate(corpus.make_request(case, corpus.make_role(case))))
