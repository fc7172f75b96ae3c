"""The fast path only remembers the rules' answers; it never decides (issue 18).

``trustsim.evaluation.fast`` keeps, per call (caller, role, actions), the checks of the
statements whose applying varies, and the decision the rules (``trustsim.evaluation.scan``
and ``trustsim.evaluation.rules``) gave for each set of statements that applied. Until the
rules have answered for a set, it declines (``None``). These tests pin that: it declines
when cold, it hands back exactly what the rules answered, and the decision properties of
tests/property decided with it switched off (``trustsim._memo.without_fast_path``) give the
same outcomes, field for field.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from tests.property.test_evaluation_property import (
    _with,
    action_for,
    build_caller,
    full_context,
    oracle,
    scenarios,
    trust_statements,
)
from trustsim import _memo
from trustsim.callers import IamUser, Role
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import decide, evaluate, evaluate_action, fast
from trustsim.evaluation.rules import call_actions
from trustsim.evaluation.scan import replay_actions
from trustsim.model import Effect, Policy, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property


def _request(scenario: dict[str, Any], trust: Policy | None = None) -> AssumeRoleRequest:
    return AssumeRoleRequest(
        build_caller(scenario),
        Role(scenario["role"], scenario["trust"] if trust is None else trust),
        action_for(scenario["caller"][0]),
        RequestContext.of(full_context(scenario)),
        scenario["companions"],
    )


def _fields(outcome: Outcome) -> tuple[object, ...]:
    return (
        outcome.decision,
        outcome.determined_by,
        outcome.errors,
        outcome.side,
        outcome.reason,
        outcome.actions,
    )


def _answers(request: AssumeRoleRequest) -> tuple[object, ...]:
    """Every door's answer on ``request``, each asked twice (the second from the memo)."""
    return tuple(
        answer
        for _ in range(2)
        for answer in (
            _fields(evaluate(request)),
            decide(request),
            _fields(evaluate_action(request)),
        )
    )


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_with_the_fast_path_off_every_outcome_is_the_same(scenario: dict[str, Any]) -> None:
    request = _request(scenario)
    with _memo.without_fast_path(), _memo.fresh_caches():
        slow = _answers(request)
    warm = _answers(request)
    assert warm == slow
    assert warm[1] is warm[0][0]  # type: ignore[index]
    assert warm[1].value == oracle(scenario)  # type: ignore[attr-defined]


@settings(max_examples=80, deadline=None)
@given(scenarios(), trust_statements())
def test_the_metamorphic_properties_hold_with_the_fast_path_off(
    scenario: dict[str, Any], extra: Statement
) -> None:
    """Adding a Deny never allows more, adding an Allow never denies more, with the fast path
    off and on; both ways give the same outcomes."""
    deny, allow = (
        Statement(effect, principal=extra.principal, action=extra.action, condition=extra.condition)
        for effect in (Effect.DENY, Effect.ALLOW)
    )
    trusts = (scenario["trust"], _with(scenario["trust"], deny), _with(scenario["trust"], allow))
    requests = [_request(scenario, trust) for trust in trusts]
    with _memo.without_fast_path():
        slow = [_fields(evaluate(request)) for request in requests]
    fast_path = [_fields(evaluate(request)) for request in requests]
    assert fast_path == slow
    before, after_deny, after_allow = (fields[0] for fields in slow)
    assert (after_deny is Decision.ALLOW) <= (before is Decision.ALLOW)
    assert (before is Decision.ALLOW) <= (after_allow is Decision.ALLOW)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_the_fast_path_declines_until_the_rules_answer_then_repeats_them(
    scenario: dict[str, Any],
) -> None:
    request = _request(scenario)
    actions = call_actions(request)
    _memo.clear_caches()
    assert fast.known_call(request) is None
    assert fast.known(request, (request.action,)) is None
    rules = replay_actions(request, actions, None)[0]
    one = replay_actions(request, (request.action,), None)[0]
    # The doors ask the rules on a miss and hand their answer to the memo.
    assert evaluate(request).decision is rules
    assert fast.known_call(request) is rules
    assert evaluate_action(request).decision is one
    assert fast.known(request, (request.action,)) is one
    assert decide(request) is rules


def test_a_remembered_answer_is_keyed_by_which_statements_applied() -> None:
    """Two requests of one call whose conditions differ get the rules' answer for each."""
    alice = IamUser("arn:aws:iam::111122223333:user/alice")
    role = Role(
        "arn:aws:iam::111122223333:role/r",
        parse_policy({
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": alice.arn},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": "right-one"}},
            }
        }),
    )  # fmt: skip

    def request(external_id: str) -> AssumeRoleRequest:
        context = RequestContext.of({"sts:ExternalId": external_id})
        return AssumeRoleRequest(alice, role, "sts:AssumeRole", context)

    _memo.clear_caches()
    right, wrong = request("right-one"), request("wrong-one")
    assert evaluate(right).allowed
    assert fast.known_call(wrong) is None  # not this set of statements: decline
    assert not evaluate(wrong).allowed
    assert fast.known_call(right) is Decision.ALLOW
    assert fast.known_call(wrong) is Decision.IMPLICIT_DENY
