"""The compiled evaluator against the naive reference, and metamorphic properties (DESIGN.md §5)."""

from __future__ import annotations

import os
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support import reference
from trustsim.callers import (
    Caller,
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import RequestContext
from trustsim.decision import Decision
from trustsim.evaluation import evaluate
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
    parse_operator_name,
)
from trustsim.requests import AssumeRoleRequest

pytestmark = pytest.mark.property

A, B = "111111111111", "222222222222"
ROLES = [f"arn:aws:iam::{A}:role/TargetRole", f"arn:aws:iam::{A}:role/deploy/Deployer"]
GH = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"
SAML = f"arn:aws:iam::{A}:saml-provider/CorpIdP"
CALLERS: list[tuple[str, str, str | None]] = [  # (kind, arn or name, role_arn)
    ("user", f"arn:aws:iam::{A}:user/alice", None),
    ("user", f"arn:aws:iam::{B}:user/bob", None),
    (
        "role_session",
        f"arn:aws:sts::{A}:assumed-role/Builder/b1",
        f"arn:aws:iam::{A}:role/ci/Builder",
    ),
    ("role_session", f"arn:aws:sts::{B}:assumed-role/Builder/b1", f"arn:aws:iam::{B}:role/Builder"),
    ("service", "lambda.amazonaws.com", None),
    ("oidc", GH, None),
    ("saml", SAML, None),
]
AWS_VALUES = [
    "*",
    A,
    B,
    f"arn:aws:iam::{A}:root",
    f"arn:aws:iam::{B}:root",
    f"arn:aws:iam::{A}:user/alice",
    f"arn:aws:iam::{B}:user/bob",
    f"arn:aws:iam::{A}:role/ci/Builder",
    f"arn:aws:iam::{A}:role/Builder",
    f"arn:aws:iam::{B}:role/Builder",
    f"arn:aws:sts::{A}:assumed-role/Builder/b1",
]
ACTIONS = [
    "sts:AssumeRole",
    "sts:TagSession",
    "sts:AssumeRole*",
    "sts:*",
    "sts:assumerolewithwebidentity",
    "*",
]
RESOURCES = ["*", ROLES[0], "arn:aws:iam::*:role/deploy/*", f"arn:aws:iam::{A}:role/Other"]
CONDITIONS = [
    ("StringEquals", "sts:ExternalId", ("x1",)),
    ("StringLike", "aws:PrincipalTag/team", ("plat*",)),
    ("ArnLike", "aws:PrincipalArn", (f"arn:aws:iam::{A}:*",)),
    ("StringEqualsIfExists", "sts:ExternalId", ("x2",)),
    ("ForAllValues:StringEquals", "aws:TagKeys", ("Project",)),
    ("Null", "sts:ExternalId", ("true",)),
]
CONTEXT_KEYS = {
    "sts:ExternalId": ["x1", "x2"],
    "aws:PrincipalTag/team": ["platform", "data"],
    "aws:TagKeys": [["Project"], ["Project", "Owner"]],
}


@st.composite
def conditions(draw: st.DrawFn) -> tuple[ConditionClause, ...]:
    chosen = draw(
        st.lists(st.sampled_from(CONDITIONS), max_size=2, unique_by=lambda c: (c[0], c[1]))
    )
    out = []
    for name, key, values in chosen:
        operator = parse_operator_name(name)
        assert operator is not None
        out.append(ConditionClause(operator, key, values))
    return tuple(out)


@st.composite
def trust_statements(draw: st.DrawFn) -> Statement:
    kind = draw(st.sampled_from(["aws", "service", "federated"]))
    if kind == "aws":
        principal = Principal(
            aws=tuple(
                draw(st.lists(st.sampled_from(AWS_VALUES), min_size=1, max_size=3, unique=True))
            )
        )
    elif kind == "service":
        principal = Principal(
            service=(draw(st.sampled_from(["lambda.amazonaws.com", "ecs-tasks.amazonaws.com"])),)
        )
    else:
        principal = Principal(federated=(draw(st.sampled_from([GH, SAML, "accounts.google.com"])),))
    return Statement(
        draw(st.sampled_from([Effect.ALLOW, Effect.ALLOW, Effect.DENY])),
        principal=principal,
        action=tuple(draw(st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=2, unique=True))),
        condition=draw(conditions()),
    )


@st.composite
def caller_statements(draw: st.DrawFn) -> Statement:
    negate = draw(st.booleans())
    actions = tuple(
        draw(st.lists(st.sampled_from([*ACTIONS, "s3:*"]), min_size=1, max_size=2, unique=True))
    )
    return Statement(
        draw(st.sampled_from([Effect.ALLOW, Effect.ALLOW, Effect.ALLOW, Effect.DENY])),
        action=None if negate else actions,
        not_action=actions if negate else None,
        resource=(draw(st.sampled_from(RESOURCES)),),
        condition=draw(conditions()),
    )


def numbered(statements: list[Statement], kind: PolicyKind) -> Policy:
    return Policy(
        tuple(
            Statement(
                s.effect,
                principal=s.principal,
                action=s.action,
                not_action=s.not_action,
                resource=s.resource,
                condition=s.condition,
                index=i,
                pointer=f"/Statement/{i}",
            )
            for i, s in enumerate(statements)
        ),
        version="2012-10-17",
        kind=kind,
    )


def caller_policies(kind: PolicyKind, min_size: int = 0) -> st.SearchStrategy[Policy]:
    return st.lists(caller_statements(), min_size=max(1, min_size), max_size=3).map(
        lambda s: numbered(s, kind)
    )


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    kind, arn, role_arn = draw(st.sampled_from(CALLERS))
    return {
        "trust": numbered(
            draw(st.lists(trust_statements(), min_size=1, max_size=4)), PolicyKind.TRUST
        ),
        "caller": (kind, arn, role_arn),
        "identity": draw(st.lists(caller_policies(PolicyKind.IDENTITY), max_size=2)),
        "boundary": draw(st.none() | caller_policies(PolicyKind.PERMISSIONS_BOUNDARY)),
        "session": draw(st.none() | caller_policies(PolicyKind.SESSION))
        if kind == "role_session"
        else None,
        "scps": draw(
            st.lists(st.lists(caller_policies(PolicyKind.SCP), min_size=1, max_size=2), max_size=2)
        ),
        "role": draw(st.sampled_from(ROLES)),
        "companions": draw(st.sampled_from([(), ("sts:TagSession",)])),
        "context": {
            k: draw(st.sampled_from(v)) for k, v in CONTEXT_KEYS.items() if draw(st.booleans())
        },
    }


def to_json(policy: Policy) -> dict[str, Any]:
    def principal(p: Principal) -> dict[str, list[str]]:
        out = {"AWS": list(p.aws), "Service": list(p.service), "Federated": list(p.federated)}
        return {k: v for k, v in out.items() if v}

    statements = []
    for s in policy.statements:
        raw: dict[str, Any] = {"Effect": s.effect.value}
        if s.principal is not None:
            raw["Principal"] = "*" if s.principal.star else principal(s.principal)
        if s.action is not None:
            raw["Action"] = list(s.action)
        if s.not_action is not None:
            raw["NotAction"] = list(s.not_action)
        if s.resource is not None:
            raw["Resource"] = list(s.resource)
        if s.condition:
            block: dict[str, dict[str, list[str]]] = {}
            for c in s.condition:
                block.setdefault(c.operator.name, {})[c.key] = list(c.values)
            raw["Condition"] = block
        statements.append(raw)
    return {"Version": policy.version, "Statement": statements}


def build_caller(scenario: dict[str, Any]) -> Caller:
    kind, arn, role_arn = scenario["caller"]
    org = (
        OrgMembership("o-abc1234567", scps=tuple(tuple(lv) for lv in scenario["scps"]))
        if scenario["scps"]
        else None
    )
    if kind == "user":
        return IamUser(
            arn, policies=scenario["identity"], permissions_boundary=scenario["boundary"], org=org
        )
    if kind == "role_session":
        return RoleSession(
            role_arn,
            arn.rsplit("/", 1)[-1],
            policies=scenario["identity"],
            permissions_boundary=scenario["boundary"],
            session_policy=scenario["session"],
            org=org,
        )
    if kind == "service":
        return ServicePrincipal(arn)
    if kind == "oidc":
        return WebIdentity(arn)
    return SamlIdentity(arn)


def action_for(kind: str) -> str:
    return {"oidc": "sts:AssumeRoleWithWebIdentity", "saml": "sts:AssumeRoleWithSAML"}.get(
        kind, "sts:AssumeRole"
    )


def full_context(scenario: dict[str, Any]) -> dict[str, Any]:
    kind, arn, role_arn = scenario["caller"]
    context = dict(scenario["context"])
    if kind in ("user", "role_session"):
        context["aws:PrincipalArn"] = role_arn or arn
    return context


def engine(
    scenario: dict[str, Any], trust: Policy | None = None, context: dict[str, Any] | None = None
) -> Decision:
    kind = scenario["caller"][0]
    request = AssumeRoleRequest(
        build_caller(scenario),
        Role(scenario["role"], trust or scenario["trust"]),
        action_for(kind),
        RequestContext.of(full_context(scenario) if context is None else context),
        scenario["companions"],
    )
    return evaluate(request).decision


def oracle(scenario: dict[str, Any]) -> str:
    kind, arn, role_arn = scenario["caller"]
    caller = {
        "kind": kind,
        "arn": arn,
        "role_arn": role_arn,
        "name": arn,
        "identity": [to_json(p) for p in scenario["identity"]],
        "boundary": None if scenario["boundary"] is None else to_json(scenario["boundary"]),
        "session_policy": None if scenario["session"] is None else to_json(scenario["session"]),
        "scps": [[to_json(p) for p in level] for level in scenario["scps"]],
    }
    actions = [action_for(kind), *scenario["companions"]]
    return reference.decide(
        to_json(scenario["trust"]), caller, scenario["role"], actions, full_context(scenario)
    )


#: The differential property runs at least 2,000 examples in CI (issue 4, "Done when").
DIFFERENTIAL_EXAMPLES = 2000 if os.environ.get("HYPOTHESIS_PROFILE") == "ci" else 200


@settings(max_examples=DIFFERENTIAL_EXAMPLES)
@given(scenarios())
def test_engine_agrees_with_the_reference(scenario: dict[str, Any]) -> None:
    assert engine(scenario).value == oracle(scenario)


def _with(policy: Policy, statement: Statement) -> Policy:
    return numbered([*policy.statements, statement], policy.kind)


@given(scenarios(), trust_statements())
def test_adding_a_deny_never_turns_a_deny_into_an_allow(
    scenario: dict[str, Any], extra: Statement
) -> None:
    before = engine(scenario)
    deny = Statement(
        Effect.DENY, principal=extra.principal, action=extra.action, condition=extra.condition
    )
    after = engine(scenario, trust=_with(scenario["trust"], deny))
    if before is not Decision.ALLOW:
        assert after is not Decision.ALLOW
    if after is Decision.ALLOW:
        assert before is Decision.ALLOW


@given(scenarios(), trust_statements())
def test_adding_an_allow_never_turns_an_allow_into_a_deny(
    scenario: dict[str, Any], extra: Statement
) -> None:
    before = engine(scenario)
    allow = Statement(
        Effect.ALLOW, principal=extra.principal, action=extra.action, condition=extra.condition
    )
    after = engine(scenario, trust=_with(scenario["trust"], allow))
    if before is Decision.ALLOW:
        assert after is Decision.ALLOW


@given(scenarios(), st.randoms(use_true_random=False))
def test_statement_order_never_matters(scenario: dict[str, Any], rnd: random.Random) -> None:
    statements = list(scenario["trust"].statements)
    rnd.shuffle(statements)
    assert engine(scenario, trust=numbered(statements, PolicyKind.TRUST)) is engine(scenario)


def _swap_case(text: str) -> str:
    return text.swapcase()


@given(scenarios())
def test_condition_key_case_never_matters(scenario: dict[str, Any]) -> None:
    swapped = numbered(
        [
            Statement(
                s.effect,
                principal=s.principal,
                action=s.action,
                condition=tuple(
                    ConditionClause(c.operator, _swap_case(c.key), c.values) for c in s.condition
                ),
            )
            for s in scenario["trust"].statements
        ],
        PolicyKind.TRUST,
    )
    context = {k.upper(): v for k, v in full_context(scenario).items()}
    assert engine(scenario, trust=swapped) is engine(scenario)
    assert engine(scenario, context=context) is engine(scenario)
