"""Soundness and completeness of the analysis, over generated trust policies and requests."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.analysis.policies import ROLE_ARN, requests, trust_policies
from trustsim.analysis import compare, grants
from trustsim.callers import Role
from trustsim.evaluation import evaluate

_SETTINGS = settings(
    max_examples=int(os.environ.get("TRUSTSIM_ANALYSIS_EXAMPLES", "2000")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_SETTINGS
@given(trust_policies(), trust_policies())
def test_witnesses_and_counterexamples_are_decided_as_claimed(new, reference):
    found = grants(new, role_arn=ROLE_ARN)
    for grant in found:
        assert evaluate(grant.witness).allowed, grant
        assert found.covering(grant.witness) is grant
    result = compare(new, reference, role_arn=ROLE_ARN)
    new_role, reference_role = Role(ROLE_ARN, new), Role(ROLE_ARN, reference)
    for request in result.counterexamples:
        assert evaluate(
            request.__class__(
                request.caller, new_role, request.action, request.context, request.companion_actions
            )
        ).allowed
        assert not evaluate(
            request.__class__(
                request.caller,
                reference_role,
                request.action,
                request.context,
                request.companion_actions,
            )
        ).allowed
    if result.no_new_access is True:
        assert not result.counterexamples and not result.gaps
    if result.no_new_access is False:
        assert result.counterexamples


@_SETTINGS
@given(trust_policies(), trust_policies(), st.data())
def test_covering_agrees_with_evaluate(new, reference, data):
    role = Role(ROLE_ARN, new)
    alone = grants(role)
    result = compare(new, reference, role_arn=ROLE_ARN)
    joint = result.new  # the Grants of `new` on the cells of both policies: exact too
    reference_role = Role(ROLE_ARN, reference)
    for _ in range(4):
        request = data.draw(requests(role))
        allowed = evaluate(request).allowed
        for found in (alone, joint):
            grant = found.covering(request)
            if found.complete:
                assert allowed == (grant is not None), (request, grant)
            elif grant is not None:
                assert allowed, (request, grant)
        if result.no_new_access is True and allowed:
            other = request.__class__(
                request.caller,
                reference_role,
                request.action,
                request.context,
                request.companion_actions,
            )
            assert evaluate(other).allowed, request
