"""Fail closed, measured: metamorphic properties of the decision (issue 9, DESIGN.md §1.4).

A simulator that errs on the permissive side lets users ship roles they believe are locked
down, so these properties pin the direction of every uncertainty:

* a clause that cannot be evaluated (a request value that is no date, number, IP address,
  boolean, base64 text or ARN; several values under an operator without a set qualifier) never
  makes an Allow statement apply (docs/semantics.md readings 3 and 9: the clause does not match,
  positive and negated operators alike), and never makes a Deny statement stop applying
  without a diagnostic on the outcome naming that clause ("fail closed and say so");
* adding any Deny statement, to any policy, never turns a denied request into an allowed one
  (an explicit deny overrides every allow, docs/semantics.md §4.1);
* removing a condition clause from a Deny statement never turns a denied request into an
  allowed one (the clauses of a block are ANDed, §5.1: fewer clauses match more requests);
* adding a condition clause to an Allow statement never turns a denied request into an
  allowed one (for the same reason, the other way round).

Each property runs at least 2,000 examples under the ci profile, over the generated policies,
callers and contexts of tests/property/test_evaluation_property.py (trust, identity, boundary,
session and SCP sides).
"""

from __future__ import annotations

import os
from typing import Any

import attrs
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from tests.property.test_evaluation_property import (
    CONDITIONS,
    build_caller,
    caller_statements,
    full_context,
    numbered,
    scenarios,
    trust_statements,
)
from trustsim.callers import Role
from trustsim.context import RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import evaluate
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    Principal,
    Statement,
    parse_operator_name,
)
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property

#: Each fail-closed property runs at least 2,000 examples in CI (issue 9).
FAIL_CLOSED_EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 200
PROPERTY = settings(max_examples=FAIL_CLOSED_EXAMPLES)

ACTION_FOR = {"oidc": "sts:AssumeRoleWithWebIdentity", "saml": "sts:AssumeRoleWithSAML"}


def decide(scenario: dict[str, Any], extra_context: dict[str, Any] | None = None) -> Outcome:
    """The outcome of the scenario's request, with ``extra_context`` added to its context."""
    kind = scenario["caller"][0]
    context = {**full_context(scenario), **(extra_context or {})}
    request = AssumeRoleRequest(
        build_caller(scenario),
        Role(scenario["role"], scenario["trust"]),
        ACTION_FOR.get(kind, "sts:AssumeRole"),
        RequestContext.of(context),
        scenario["companions"],
    )
    return evaluate(request)


# --- where a statement goes -----------------------------------------------------------------

#: The policies of a scenario a statement can be added to or changed in: trust, each identity
#: policy, the boundary, the session policy, each SCP.
Place = tuple[str, int, int]  # (slot, index in the slot's list, level for SCPs)


def places(scenario: dict[str, Any]) -> list[Place]:
    found: list[Place] = [("trust", 0, 0)]
    found += [("identity", i, 0) for i in range(len(scenario["identity"]))]
    if scenario["boundary"] is not None:
        found.append(("boundary", 0, 0))
    if scenario["session"] is not None:
        found.append(("session", 0, 0))
    for level, policies in enumerate(scenario["scps"]):
        found += [("scps", i, level) for i in range(len(policies))]
    return found


def policy_at(scenario: dict[str, Any], place: Place) -> Policy:
    slot, index, level = place
    if slot in ("trust", "boundary", "session"):
        policy: Policy = scenario[slot]
        return policy
    if slot == "identity":
        identity: Policy = scenario["identity"][index]
        return identity
    scp: Policy = scenario["scps"][level][index]
    return scp


def with_policy(scenario: dict[str, Any], place: Place, policy: Policy) -> dict[str, Any]:
    """A copy of ``scenario`` with the policy at ``place`` replaced."""
    slot, index, level = place
    changed = dict(scenario)
    if slot in ("trust", "boundary", "session"):
        changed[slot] = policy
    elif slot == "identity":
        changed["identity"] = [
            *scenario["identity"][:index],
            policy,
            *scenario["identity"][index + 1 :],
        ]
    else:
        levels = [list(policies) for policies in scenario["scps"]]
        levels[level][index] = policy
        changed["scps"] = levels
    return changed


def renumbered(policy: Policy, statements: list[Statement]) -> Policy:
    return numbered(statements, policy.kind)


def statement_for(place: Place, trust: Statement, other: Statement) -> Statement:
    """``trust`` for the trust policy (it needs a Principal), ``other`` for the caller's side."""
    return trust if place[0] == "trust" else other


def bait(scenario: dict[str, Any], place: Place) -> Statement:
    """A statement that matches the scenario's request on its own: it names the caller (trust)
    or allows every action on every resource (caller side). With it the interesting cases —
    where ignoring an unevaluable clause *would* flip the decision — are common.
    """
    if place[0] != "trust":
        return Statement(Effect.ALLOW, action=("*",), resource=("*",))
    kind, arn, _ = scenario["caller"]
    principal = {
        "service": Principal(service=(arn,)),
        "oidc": Principal(federated=(arn,)),
        "saml": Principal(federated=(arn,)),
    }.get(kind, Principal(aws=(arn,)))
    return Statement(Effect.ALLOW, principal=principal, action=("*",))


# --- clauses that cannot be evaluated -------------------------------------------------------

#: operator family → (a valid policy value, request values that cannot be read as that type).
UNREADABLE: dict[str, tuple[str, list[str]]] = {
    "Date": ("2020-01-01T00:00:00Z", ["soon", "2026-13-01", "", "2026-01-01T25:00:00Z", "1e9"]),
    "Numeric": ("10", ["ten", "1e3", " 1", "", "0x10", "1,5"]),
    "Bool": ("true", ["yes", "", "1", "TRUE "]),
    "Binary": ("QUJD", ["not base64!", "QUJ", "Q"]),
    "Ip": ("10.0.0.0/8", ["10.0.0.300", "host", "", "10.0.0.0/8", "::g"]),
    "Arn": ("arn:aws:iam::*:role/*", ["not-an-arn", "arn:aws:s3", "", "arn:aws:iam::1"]),
}
OPERATORS_BY_FAMILY: dict[str, list[str]] = {
    "Date": ["DateEquals", "DateNotEquals", "DateLessThan", "DateGreaterThanEquals"],
    "Numeric": ["NumericEquals", "NumericNotEquals", "NumericLessThanEquals", "NumericGreaterThan"],
    "Bool": ["Bool"],
    "Binary": ["BinaryEquals"],
    "Ip": ["IpAddress", "NotIpAddress"],
    "Arn": ["ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"],
}
#: The key unreadable values are put under: no generated policy tests it otherwise.
UNREADABLE_KEY = "test:Unreadable"


@st.composite
def unevaluable_clauses(draw: st.DrawFn) -> tuple[ConditionClause, Any]:
    """A clause and a request value for its key that make it impossible to evaluate.

    Either the value cannot be read as the operator's type (alone, or among readable values
    under a set qualifier), or several values meet an operator without a set qualifier.
    """
    if draw(st.booleans()):
        family = draw(st.sampled_from(sorted(UNREADABLE)))
        policy_value, bad_values = UNREADABLE[family]
        base = draw(st.sampled_from(OPERATORS_BY_FAMILY[family]))
        qualifier = draw(st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]))
        suffix = draw(st.sampled_from(["", "IfExists"]))
        bad = draw(st.sampled_from(bad_values))
        if qualifier:
            readable = draw(st.lists(st.just(policy_value.split("/")[0]), max_size=2))
            value: Any = [*readable, bad] if draw(st.booleans()) else [bad, *readable]
        else:
            value = bad
        name = f"{qualifier}{base}{suffix}"
        values = (policy_value,)
    else:  # several values, no qualifier: reading 3 (no match, positive and negated alike)
        name = draw(
            st.sampled_from(
                [
                    "StringEquals",
                    "StringNotEquals",
                    "StringLike",
                    "StringNotLikeIfExists",
                    "ArnNotLike",
                ]
            )
        )
        values = ("arn:aws:iam::*:role/*",) if "Arn" in name else ("x*",)
        value = draw(
            st.lists(st.sampled_from(["x1", "y", "arn:aws:iam::1:role/r"]), min_size=2, max_size=3)
        )
    operator = parse_operator_name(name)
    assert operator is not None, name
    return ConditionClause(operator, UNREADABLE_KEY, values), value


def with_condition(statement: Statement, clauses: tuple[ConditionClause, ...]) -> Statement:
    return attrs.evolve(statement, condition=clauses)


def diagnoses(outcome: Outcome, statement_pointer: str) -> bool:
    """Whether the outcome carries a diagnostic about a clause of that statement."""
    prefix = statement_pointer + "/Condition"
    return any(d.pointer.startswith(prefix) for d in outcome.errors)


# --- the properties ---------------------------------------------------------------------------


@PROPERTY
@given(scenarios(), trust_statements(), caller_statements(), unevaluable_clauses(), st.data())
def test_an_unevaluable_clause_never_makes_an_allow_statement_apply(
    scenario: dict[str, Any],
    trust_extra: Statement,
    caller_extra: Statement,
    unevaluable: tuple[ConditionClause, Any],
    data: st.DataObject,
) -> None:
    clause, value = unevaluable
    place = data.draw(st.sampled_from(places(scenario)))
    policy = policy_at(scenario, place)
    extra = statement_for(place, trust_extra, caller_extra)
    if data.draw(st.booleans(), label="bait"):
        extra = bait(scenario, place)
    allow = with_condition(attrs.evolve(extra, effect=Effect.ALLOW), (*extra.condition, clause))
    changed = with_policy(scenario, place, renumbered(policy, [*policy.statements, allow]))
    context = {UNREADABLE_KEY: value}
    # A statement that never applies changes nothing: the decision is the one without it.
    before = decide(scenario, context).decision
    ignored = with_condition(allow, extra.condition)  # what reading the clause as true gives
    if_ignored = decide(
        with_policy(scenario, place, renumbered(policy, [*policy.statements, ignored])), context
    ).decision
    event(f"without the Allow: {before}; with the clause ignored: {if_ignored}")
    assert decide(changed, context).decision is before


@PROPERTY
@given(scenarios(), trust_statements(), caller_statements(), unevaluable_clauses(), st.data())
def test_an_unevaluable_clause_never_silently_stops_a_deny_statement(
    scenario: dict[str, Any],
    trust_extra: Statement,
    caller_extra: Statement,
    unevaluable: tuple[ConditionClause, Any],
    data: st.DataObject,
) -> None:
    clause, value = unevaluable
    place = data.draw(st.sampled_from(places(scenario)))
    policy = policy_at(scenario, place)
    extra = statement_for(place, trust_extra, caller_extra)
    if data.draw(st.booleans(), label="bait"):
        extra = bait(scenario, place)
    at = data.draw(st.integers(0, len(extra.condition)))
    clauses = (*extra.condition[:at], clause, *extra.condition[at:])
    deny = with_condition(attrs.evolve(extra, effect=Effect.DENY), clauses)
    without = with_condition(deny, extra.condition)  # the same Deny, its other clauses only
    context = {UNREADABLE_KEY: value}
    pointer = f"/Statement/{len(policy.statements)}"

    baseline = decide(
        with_policy(scenario, place, renumbered(policy, [*policy.statements, without])), context
    )
    outcome = decide(
        with_policy(scenario, place, renumbered(policy, [*policy.statements, deny])), context
    )
    deny_applied_without = baseline.decision is Decision.EXPLICIT_DENY and any(
        ref.pointer == pointer for ref in baseline.determined_by
    )
    event(f"deny applies without the clause: {deny_applied_without}; with it: {outcome.decision}")
    if deny_applied_without and outcome.decision is not Decision.EXPLICIT_DENY:
        assert diagnoses(outcome, pointer), (
            f"the Deny at {pointer} stopped applying with no diagnostic: {outcome!r}"
        )
    if outcome.decision is Decision.ALLOW:
        # Whatever allowed it, the Deny that did not apply says why.
        assert not deny_applied_without or diagnoses(outcome, pointer)


@PROPERTY
@given(scenarios(), trust_statements(), caller_statements(), st.data())
def test_adding_any_deny_statement_never_turns_a_deny_into_an_allow(
    scenario: dict[str, Any],
    trust_extra: Statement,
    caller_extra: Statement,
    data: st.DataObject,
) -> None:
    place = data.draw(st.sampled_from(places(scenario)))
    policy = policy_at(scenario, place)
    deny = attrs.evolve(statement_for(place, trust_extra, caller_extra), effect=Effect.DENY)
    before = decide(scenario).decision
    after = decide(
        with_policy(scenario, place, renumbered(policy, [*policy.statements, deny]))
    ).decision
    if before is not Decision.ALLOW:
        assert after is not Decision.ALLOW
    if before is Decision.EXPLICIT_DENY:
        assert after is Decision.EXPLICIT_DENY


@st.composite
def scenarios_with_a_conditional_deny(draw: st.DrawFn) -> tuple[dict[str, Any], Place, int]:
    """A scenario with a Deny statement holding at least one clause, somewhere."""
    scenario = draw(scenarios())
    place = draw(st.sampled_from(places(scenario)))
    policy = policy_at(scenario, place)
    extra = statement_for(place, draw(trust_statements()), draw(caller_statements()))
    clauses = extra.condition or (draw(clause_from_table()),)
    deny = with_condition(attrs.evolve(extra, effect=Effect.DENY), clauses)
    statements = list(policy.statements)
    at = draw(st.integers(0, len(statements)))
    statements.insert(at, deny)
    return with_policy(scenario, place, renumbered(policy, statements)), place, at


@st.composite
def clause_from_table(draw: st.DrawFn) -> ConditionClause:
    name, key, values = draw(st.sampled_from(CONDITIONS))
    operator = parse_operator_name(name)
    assert operator is not None
    return ConditionClause(operator, key, values)


@PROPERTY
@given(scenarios_with_a_conditional_deny(), st.data())
def test_removing_a_condition_from_a_deny_never_turns_a_deny_into_an_allow(
    found: tuple[dict[str, Any], Place, int], data: st.DataObject
) -> None:
    scenario, place, index = found
    policy = policy_at(scenario, place)
    deny = policy.statements[index]
    assert deny.effect is Effect.DENY
    assert deny.condition
    drop = data.draw(st.integers(0, len(deny.condition) - 1))
    weaker = with_condition(deny, deny.condition[:drop] + deny.condition[drop + 1 :])
    statements = list(policy.statements)
    statements[index] = weaker
    before = decide(scenario).decision
    after = decide(with_policy(scenario, place, renumbered(policy, statements))).decision
    event(f"before {before}, after removing a clause {after}")
    if before is not Decision.ALLOW:
        assert after is not Decision.ALLOW
    if before is Decision.EXPLICIT_DENY:
        assert after is Decision.EXPLICIT_DENY


@PROPERTY
@given(
    scenarios(), clause_from_table() | unevaluable_clauses().map(lambda pair: pair[0]), st.data()
)
def test_adding_a_condition_to_an_allow_never_turns_a_deny_into_an_allow(
    scenario: dict[str, Any], clause: ConditionClause, data: st.DataObject
) -> None:
    allows = [
        (place, index)
        for place in places(scenario)
        for index, statement in enumerate(policy_at(scenario, place).statements)
        if statement.effect is Effect.ALLOW
        and all(
            (c.operator, c.key.lower()) != (clause.operator, clause.key.lower())
            for c in statement.condition
        )
    ]
    if not allows:
        return
    place, index = data.draw(st.sampled_from(allows))
    policy = policy_at(scenario, place)
    statements = list(policy.statements)
    statements[index] = with_condition(statements[index], (*statements[index].condition, clause))
    context = {UNREADABLE_KEY: data.draw(st.sampled_from(["soon", "10", "true", "x1", "QUJD"]))}
    before = decide(scenario, context).decision
    after = decide(with_policy(scenario, place, renumbered(policy, statements)), context).decision
    event(f"before {before}, after adding a clause {after}")
    if before is not Decision.ALLOW:
        assert after is not Decision.ALLOW
