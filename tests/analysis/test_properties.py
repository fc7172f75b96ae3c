"""Soundness and completeness of the analysis, over generated trust policies and requests.

One property draws two trust policies and four requests, and checks on them every claim
:func:`grants` and :func:`compare` make: each witness and counterexample is decided by
:func:`trustsim.evaluate` as claimed (soundness); a sampled request is allowed exactly when a
Grant covers it, for ``grants(new)`` and for the Grants ``compare`` computes on the joint cells
(completeness); and ``no_new_access is True`` never meets a sampled request ``new`` allows and
``reference`` denies. The example count is the issue's minimum, 2,000, whatever the profile
(``TRUSTSIM_ANALYSIS_EXAMPLES`` lowers it for a quick local pass only).
"""

from __future__ import annotations

import os

import attrs
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.analysis.policies import ROLE_ARN, requests, trust_policies
from trustsim.analysis import compare, grants
from trustsim.callers import Role
from trustsim.evaluation import evaluate

EXAMPLES = int(os.environ.get("TRUSTSIM_ANALYSIS_EXAMPLES", "2000"))


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(trust_policies(), trust_policies(), st.data())
def test_grants_and_compare_are_sound_and_complete(new, reference, data):
    new_role, reference_role = Role(ROLE_ARN, new), Role(ROLE_ARN, reference)
    alone = grants(new_role)
    result = compare(new, reference, role_arn=ROLE_ARN)
    joint = result.new  # the Grants of `new` on the cells of both policies: exact too

    # soundness: every witness is allowed and lies in its own Grant
    for found in (alone, joint):
        for grant in found:
            assert evaluate(grant.witness).allowed, grant
            assert found.covering(grant.witness) is grant
    # soundness: every counterexample is allowed by `new` and denied by `reference`
    for request in result.counterexamples:
        assert evaluate(attrs.evolve(request, role=new_role)).allowed, request
        assert not evaluate(attrs.evolve(request, role=reference_role)).allowed, request
    if result.no_new_access is True:
        assert not result.counterexamples
        assert not result.gaps
    elif result.no_new_access is False:
        assert result.counterexamples
    else:
        assert result.gaps
    event(f"no_new_access={result.no_new_access}; grants(new) complete={alone.complete}")

    # completeness: sampled requests are allowed exactly when covered
    for _ in range(4):
        request = data.draw(requests(new_role))
        allowed = evaluate(request).allowed
        for found in (alone, joint):
            grant = found.covering(request)
            if found.complete:
                assert allowed == (grant is not None), (request, grant)
            elif grant is not None:
                assert allowed, (request, grant)
        if result.no_new_access is True and allowed:
            assert evaluate(attrs.evolve(request, role=reference_role)).allowed, request
