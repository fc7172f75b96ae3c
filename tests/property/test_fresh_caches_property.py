"""The suite's decision properties, answered with every cache off, agree with the cached run.

``trustsim._memo.fresh_caches()`` makes every public call start from empty caches, as in a
fresh process. The differential property's scenarios are decided warm (caches kept across
examples and calls) and cold; both must equal each other and the naive reference. The whole
suite can also run cold: ``TRUSTSIM_FRESH_CACHES=1 pytest tests/property`` (tests/conftest.py).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings

from tests.property.test_evaluation_property import (
    _with,
    engine,
    oracle,
    scenarios,
    trust_statements,
)
from trustsim import _memo
from trustsim.decision import Decision
from trustsim.model import Effect, Statement

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
