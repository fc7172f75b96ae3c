"""The fast path and the recorded path decide alike (DESIGN.md §1 principle 3, issue 5).

``decide`` and ``evaluate`` decide through the memoised, decision-only hot path; ``replay`` runs the full
evaluation (reasons, references, diagnostics) and ``Outcome.explain()`` the same with a
recorder. On every generated case — policies, callers, caller-side policies, SCP and RCP
levels, companion actions — all three must give the same decision, and the lazily filled
fields of a fast outcome must be those of the full evaluation.
"""

from __future__ import annotations

from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.test_evaluation_property import (
    action_for,
    build_caller,
    caller_policies,
    full_context,
    scenarios,
)
from tests.support import corpus
from trustsim.callers import OrgMembership, Role
from trustsim.context import RequestContext
from trustsim.decision import Outcome
from trustsim.evaluation import decide, evaluate, evaluate_action, replay
from trustsim.inventory import RCP_FULL_AWS_ACCESS
from trustsim.model import Effect, Policy, PolicyKind
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property


def _request(scenario: dict[str, Any], rcps: list[list[Any]]) -> AssumeRoleRequest:
    kind = scenario["caller"][0]
    org = (
        OrgMembership("o-abc1234567", rcps=tuple(tuple(level) for level in rcps)) if rcps else None
    )
    return AssumeRoleRequest(
        build_caller(scenario),
        Role(scenario["role"], scenario["trust"], org=org),
        action_for(kind),
        RequestContext.of(full_context(scenario)),
        scenario["companions"],
    )


def _same(fast: Outcome, full: Outcome) -> None:
    assert fast.decision is full.decision
    assert (fast.determined_by, fast.errors, fast.side, fast.reason, fast.actions) == (
        full.determined_by,
        full.errors,
        full.side,
        full.reason,
        full.actions,
    )


def _deny_only(policy: Policy) -> Policy:
    return attrs.evolve(
        policy,
        statements=tuple(attrs.evolve(s, effect=Effect.DENY) for s in policy.statements),
    )


#: RCP levels: customer RCPs can only deny (RCP syntax; an Allow is refused), next to the
#: RCPFullAWSAccess AWS keeps on every level.
rcp_levels = st.lists(
    st.lists(
        st.just(RCP_FULL_AWS_ACCESS) | caller_policies(PolicyKind.RCP).map(_deny_only),
        min_size=1,
        max_size=2,
    ),
    max_size=2,
)


@settings(max_examples=300)
@given(scenarios(), rcp_levels)
def test_fast_full_and_recorded_paths_agree(scenario: dict[str, Any], rcps: list[Any]) -> None:
    request = _request(scenario, rcps)
    fast = evaluate(request)
    full = replay(request, fast.actions, None)
    _same(fast, full)
    assert fast.explain().decision is fast.decision
    # The same request again: the memoised statement selection answers as the first scan did.
    assert evaluate(request).decision is fast.decision
    assert decide(request) is fast.decision


@given(scenarios(), rcp_levels)
def test_one_action_alone_agrees_too(scenario: dict[str, Any], rcps: list[Any]) -> None:
    request = _request(scenario, rcps)
    fast = evaluate_action(request)
    _same(fast, replay(request, (request.action,), None))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_benchmark_corpus_decides_alike_on_both_paths(seed: int) -> None:
    for case in corpus.generate(60, seed):
        request = corpus.make_request(case, corpus.make_role(case))
        fast = evaluate(request)
        _same(fast, replay(request, fast.actions, None))
        assert fast.explain().decision is fast.decision, case["name"]
        assert decide(request) is fast.decision, case["name"]


def test_fast_outcomes_compare_hash_and_evolve_like_outcomes() -> None:
    case = corpus.generate(1, 5)[0]
    request = corpus.make_request(case, corpus.make_role(case))
    first, second = evaluate(request), evaluate(request)
    assert first == second
    assert hash(first) == hash(second)
    import attrs  # noqa: PLC0415

    changed = attrs.evolve(first, reason="changed")
    assert changed.reason == "changed"
    assert changed.decision is first.decision
    assert changed != first
