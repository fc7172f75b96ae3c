"""Every trust policy of the conformance cases, analysed: sound always, complete where it says so.

The conformance folder (tests/data/conformance) holds trust policies written from AWS's
documented behaviour, not for the analysis, so they exercise it on policies it was not shaped
by. For each case whose policy IAM accepts:

* every Grant's witness is allowed by :func:`trustsim.evaluate` and lies in its own Grant;
* when the Grants are complete and the case's own request (no explicit context and an
  ``AssumeRole*`` call, so a request of the analysed universe) is allowed, a Grant covers it;
* the number of complete answers does not fall below the count recorded in docs/analysis.md.
"""

from __future__ import annotations

import pytest

from tests.conformance import case_files, load_cases
from tests.conftest import conformance_dir
from trustsim.analysis import grants
from trustsim.errors import InvalidPolicy
from trustsim.evaluation import evaluate

CASES = [case for path in case_files(conformance_dir()) for case in load_cases(path)]

#: Complete answers recorded in docs/analysis.md (of the policies IAM accepts).
COMPLETE_AT_LEAST = 123


def _role(case):
    try:
        return case.role()
    except InvalidPolicy:
        return None  # IAM refuses the policy: nothing to analyse (the case tests the refusal)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_grants_of_a_conformance_policy_are_sound(case):
    role = _role(case)
    if role is None:
        with pytest.raises(InvalidPolicy):
            case.role()
        return
    found = grants(role)
    for grant in found:
        assert evaluate(grant.witness).allowed, grant
        assert found.covering(grant.witness) is grant, grant
    if not found.complete:
        assert found.gaps
        return
    outcome = case.run().outcome
    # a request deciding a companion action alone (sts:TagSession…) is not a call the
    # analysis answers for: its universe is the AssumeRole* calls
    in_universe = (
        not case.data.get("context")
        and "request" not in case.data
        and outcome is not None
        and outcome.request.action.startswith("sts:AssumeRole")
    )
    if outcome is not None and outcome.allowed and in_universe:
        assert found.covering(outcome.request) is not None, (case.name, outcome.request)


def test_complete_answers_on_the_conformance_policies():
    roles = [role for role in map(_role, CASES) if role is not None]
    complete = [role for role in roles if grants(role).complete]
    print(f"conformance: {len(complete)} of {len(roles)} trust policies analysed completely")
    assert len(roles) >= 120
    assert len(complete) >= COMPLETE_AT_LEAST, (len(complete), len(roles))
