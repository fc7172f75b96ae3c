"""RCPs as AWS applies them, as properties over generated requests (docs/organizations.md).

RCPFullAWSAccess is on every level and cannot be detached, and customer RCPs can only deny
(Organizations user guide, RCP evaluation and RCP syntax). So:

* how the RCPs are spread over levels does not matter, nor does RCPFullAWSAccess being listed;
* RCPs only ever add an explicit deny: with them, a decision is the one without them, or an
  explicit deny decided on the RCP side;
* a service-linked role's trust policy is not subject to RCPs: they change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.property.test_compiled_vs_explain_property import rcp_levels
from tests.property.test_evaluation_property import (
    action_for,
    build_caller,
    full_context,
    scenarios,
)
from trustsim.callers import OrgMembership, Role
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import evaluate
from trustsim.inventory import RCP_FULL_AWS_ACCESS
from trustsim.model import Policy
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property

ORG = "o-abc1234567"


def _outcome(
    scenario: dict[str, Any], levels: list[list[Policy]] | None, role_arn: str | None = None
) -> Outcome:
    kind = scenario["caller"][0]
    org = None if levels is None else OrgMembership(ORG, rcps=[tuple(level) for level in levels])
    role = Role(role_arn or scenario["role"], scenario["trust"], org=org)
    request = AssumeRoleRequest(
        build_caller(scenario),
        role,
        action_for(kind),
        RequestContext.of(full_context(scenario)),
        scenario["companions"],
    )
    return evaluate(request)


@settings(max_examples=150)
@given(scenarios(), rcp_levels, st.randoms(use_true_random=False))
def test_rcp_levels_do_not_matter_only_their_denies(
    scenario: dict[str, Any], levels: list[list[Policy]], rng: Any
) -> None:
    spread = _outcome(scenario, levels)
    customer = [p for level in levels for p in level if p is not RCP_FULL_AWS_ACCESS]
    one_level = _outcome(scenario, [customer] if customer else [[]])
    shuffled = [list(level) for level in levels]
    rng.shuffle(shuffled)
    with_full = [[RCP_FULL_AWS_ACCESS, *level] for level in shuffled] + [[]]
    assert spread.decision is one_level.decision
    assert spread.decision is _outcome(scenario, with_full).decision


@settings(max_examples=150)
@given(scenarios(), rcp_levels)
def test_rcps_only_ever_add_an_explicit_deny(
    scenario: dict[str, Any], levels: list[list[Policy]]
) -> None:
    without = _outcome(scenario, None)
    with_rcps = _outcome(scenario, levels)
    if with_rcps.decision is not without.decision:
        assert with_rcps.decision is Decision.EXPLICIT_DENY
        assert with_rcps.side == "rcp"


@settings(max_examples=100)
@given(scenarios(), rcp_levels)
def test_a_service_linked_role_is_not_subject_to_rcps(
    scenario: dict[str, Any], levels: list[list[Policy]]
) -> None:
    slr = "arn:aws:iam::111111111111:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps"
    assert _outcome(scenario, levels, slr).decision is _outcome(scenario, None, slr).decision
