"""The suite's decision properties, answered with every cache off or without the fast path,
agree with the cached fast run.

``trustsim._memo.fresh_caches()`` makes every public call start from empty caches, as in a
fresh process. The differential property's scenarios are decided warm (caches kept across
examples and calls) and cold; both must equal each other and the naive reference. The whole
suite can also run cold: ``TRUSTSIM_FRESH_CACHES=1 pytest tests/property`` (tests/conftest.py).

``trustsim._memo.without_fast_path()`` sends every decision to the full scan
(``trustsim.evaluation.scan``), skipping ``trustsim.evaluation.fast``: the answers, and every
field of the outcomes, must be the same as with it (``TRUSTSIM_NO_FAST_PATH=1`` runs the suite
so).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from tests.property.test_evaluation_property import (
    _with,
    action_for,
    build_caller,
    engine,
    full_context,
    oracle,
    scenarios,
    trust_statements,
)
from trustsim import _memo
from trustsim.callers import IamUser, Role
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import decide, evaluate, evaluate_action
from trustsim.model import Effect, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_warm_and_cold_decisions_agree_with_each_other_and_the_reference(
    scenario: dict[str, Any],
) -> None:
    warm = [engine(scenario), engine(scenario)]
    with _memo.fresh_caches():
        cold = [engine(scenario), engine(scenario)]
    assert warm == cold
    assert warm[0].value == oracle(scenario)


@settings(max_examples=80, deadline=None)
@given(scenarios(), trust_statements())
def test_the_metamorphic_properties_hold_cold(scenario: dict[str, Any], extra: Statement) -> None:
    """Adding a Deny never allows more, adding an Allow never denies more, every call cold;
    and each answer equals the warm one."""
    deny, allow = (
        Statement(effect, principal=extra.principal, action=extra.action, condition=extra.condition)
        for effect in (Effect.DENY, Effect.ALLOW)
    )
    with_deny, with_allow = _with(scenario["trust"], deny), _with(scenario["trust"], allow)
    warm = (engine(scenario), engine(scenario, with_deny), engine(scenario, with_allow))
    with _memo.fresh_caches():
        cold = (engine(scenario), engine(scenario, with_deny), engine(scenario, with_allow))
    before, after_deny, after_allow = cold
    assert cold == warm
    assert (after_deny is Decision.ALLOW) <= (before is Decision.ALLOW)
    assert (before is Decision.ALLOW) <= (after_allow is Decision.ALLOW)


def _request(scenario: dict[str, Any]) -> AssumeRoleRequest:
    return AssumeRoleRequest(
        build_caller(scenario),
        Role(scenario["role"], scenario["trust"]),
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


@settings(max_examples=150, deadline=None)
@given(scenarios())
def test_without_the_fast_path_every_answer_and_outcome_is_the_same(
    scenario: dict[str, Any],
) -> None:
    """evaluate, decide and evaluate_action answer the same by the full scan alone."""
    request = _request(scenario)
    fast = (_fields(evaluate(request)), decide(request), _fields(evaluate_action(request)))
    with _memo.without_fast_path():
        slow = (_fields(evaluate(request)), decide(request), _fields(evaluate_action(request)))
    assert slow == fast
    assert fast[0][0] is fast[1]
    assert fast[1].value == oracle(scenario)


@settings(max_examples=80, deadline=None)
@given(scenarios(), trust_statements())
def test_the_metamorphic_properties_hold_without_the_fast_path(
    scenario: dict[str, Any], extra: Statement
) -> None:
    """Adding a Deny never allows more, adding an Allow never denies more, by the full scan
    alone and cold; and each answer equals the fast one."""
    deny, allow = (
        Statement(effect, principal=extra.principal, action=extra.action, condition=extra.condition)
        for effect in (Effect.DENY, Effect.ALLOW)
    )
    with_deny, with_allow = _with(scenario["trust"], deny), _with(scenario["trust"], allow)
    fast = (engine(scenario), engine(scenario, with_deny), engine(scenario, with_allow))
    with _memo.without_fast_path(), _memo.fresh_caches():
        slow = (engine(scenario), engine(scenario, with_deny), engine(scenario, with_allow))
    before, after_deny, after_allow = slow
    assert slow == fast
    assert (after_deny is Decision.ALLOW) <= (before is Decision.ALLOW)
    assert (before is Decision.ALLOW) <= (after_allow is Decision.ALLOW)


def test_the_fast_path_switch_sends_evaluate_to_the_full_scan() -> None:
    """Off, evaluate answers with a plain Outcome built by the full scan (not a lazy one)."""
    caller_arn = "arn:aws:iam::111122223333:user/alice"
    trust = parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Principal": {"AWS": caller_arn},
                "Action": "sts:AssumeRole",
            },
        }
    )
    request = AssumeRoleRequest(
        IamUser(caller_arn),
        Role("arn:aws:iam::111122223333:role/r", trust),
        "sts:AssumeRole",
        RequestContext.of(),
    )
    switch = _memo.SWITCH
    before = (switch.fresh, switch.slow)  # (the suite may run with a switch on: conftest.py)
    switch.set(fresh=False, slow=False)
    try:
        assert type(evaluate(request)) is not Outcome  # the fast path's lazy outcome
        with _memo.without_fast_path():
            assert type(evaluate(request)) is Outcome
            assert decide(request) is Decision.ALLOW
        assert (switch.on, switch.slow) == (False, False)
        assert type(evaluate(request)) is not Outcome
    finally:
        switch.set(fresh=before[0], slow=before[1])
