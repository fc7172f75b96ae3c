"""The role lint asks about an outsider keeps every statement that may apply to it
(trustsim.lint.narrowing, issue 22): on generated trust policies and requests, the narrowed
role's decision (allow, implicit or explicit deny) is the whole role's."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from trustsim.callers import IamUser, Role, RoleSession, ServicePrincipal, WebIdentity
from trustsim.errors import InvalidPolicy
from trustsim.evaluation import decide
from trustsim.lint.narrowing import Narrowing
from trustsim.parsing import parse_policy
from trustsim.requests import build_request

ROLE_ARN = "arn:aws:iam::111122223333:role/deploy"
GH = "token.actions.githubusercontent.com"
GH_PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{GH}"
OIDC = "oidc.example.com"
OIDC_PROVIDER = f"arn:aws:iam::111122223333:oidc-provider/{OIDC}"
AT = dt.datetime(2026, 12, 7, 12, 0, 0, tzinfo=dt.timezone.utc)
ACCOUNTS = ("111122223333", "444455556666", "777788889999")

_PRINCIPALS = [
    {"AWS": "*"},
    *({"AWS": f"arn:aws:iam::{account}:root"} for account in ACCOUNTS),
    {"AWS": "444455556666"},
    {"AWS": "arn:aws:iam::444455556666:user/bot"},
    {"AWS": "arn:aws:iam::444455556666:role/ci"},
    {"AWS": ["*", "arn:aws:iam::444455556666:user/bot"]},
    {"Service": "glue.amazonaws.com"},
    {"Federated": GH_PROVIDER},
    {"Federated": OIDC_PROVIDER},
]
_OPERATORS = [
    "StringEquals",
    "StringLike",
    "StringEqualsIgnoreCase",
    "StringNotEquals",
    "StringNotLike",
    "StringLikeIfExists",
    "StringEqualsIfExists",
    "ForAnyValue:StringLike",
    "ForAllValues:StringEquals",
]
_KEYS = [
    f"{GH}:sub",
    f"{GH}:aud",
    f"{OIDC}:sub",
    "sts:ExternalId",
    "aws:PrincipalTag/team",
    "aws:RequestTag/team",
    "aws:username",
    "aws:PrincipalAccount",
]
_VALUES = [
    "repo:acme/*",
    "repo:acme/app:ref:refs/heads/main",
    "REPO:Acme/*",
    "repo:acme?app:*",
    "repo:*",
    "*",
    "${aws:username}",
    "team-${aws:username}",
    "blue",
    "Blue",
    "b?ue",
    "x-1",
    "sts.amazonaws.com",
    "444455556666",
    "user-1",
]
_SUBS = [
    "repo:acme/app:ref:refs/heads/main",
    "repo:Acme/app:ref:refs/heads/main",
    "repo:acme-evil/app:ref:refs/heads/main",
    "repo:acmexapp:pull_request",
    "user-1",
    "bot",
]

_CLAUSE = st.tuples(
    st.sampled_from(_OPERATORS),
    st.sampled_from(_KEYS),
    st.lists(st.sampled_from(_VALUES), min_size=1, max_size=2, unique=True),
)


@st.composite
def _statement(draw: st.DrawFn) -> dict[str, Any]:
    condition: dict[str, dict[str, list[str]]] = {}
    for operator, key, values in draw(st.lists(_CLAUSE, max_size=3)):
        condition.setdefault(operator, {})[key] = values
    principal = draw(st.sampled_from(_PRINCIPALS))
    if principal == {"Federated": GH_PROVIDER}:  # IAM wants a GitHub role to test sub
        condition.setdefault("StringLike", {})[f"{GH}:sub"] = draw(
            st.sampled_from([["repo:acme/*"], ["repo:acme*"], ["repo:*"], ["*"]])
        )
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "Principal": principal,
        "Action": [
            "sts:AssumeRole",
            "sts:AssumeRoleWithWebIdentity",
            "sts:TagSession",
        ],
    }
    if condition:
        statement["Condition"] = condition
    return statement


_ALLOW_ALL = parse_policy(
    {
        "Version": "2012-10-17",
        "Statement": {"Effect": "Allow", "Action": "sts:*", "Resource": "*"},
    },
    kind="identity",
)


@st.composite
def _request_options(draw: st.DrawFn) -> tuple[Any, dict[str, Any]]:
    kind = draw(st.integers(0, 4))
    account = draw(st.sampled_from(ACCOUNTS))
    tags = draw(st.sampled_from([{}, {"team": "blue"}, {"team": "Blue"}, {"team": "team-bot"}]))
    caller: Any
    if kind == 0:
        name = draw(st.sampled_from(["bot", "user-1", "outsider"]))
        caller = IamUser(f"arn:aws:iam::{account}:user/{name}", policies=(_ALLOW_ALL,), tags=tags)
    elif kind == 1:
        caller = RoleSession(
            f"arn:aws:iam::{account}:role/ci", "s1", policies=(_ALLOW_ALL,), role_tags=tags
        )
    elif kind == 2:
        caller = ServicePrincipal("glue.amazonaws.com")
    else:
        provider = GH_PROVIDER if kind == 3 else OIDC_PROVIDER
        claims = {"sub": draw(st.sampled_from(_SUBS))}
        if draw(st.booleans()):
            claims["aud"] = draw(st.sampled_from(["sts.amazonaws.com", "other"]))
        caller = WebIdentity(provider, claims)
    options: dict[str, Any] = {}
    if kind in (0, 1) and draw(st.booleans()):
        options["external_id"] = draw(st.sampled_from(["x-1", "X-1", "other"]))
    if draw(st.booleans()):
        options["tags"] = {"team": draw(st.sampled_from(["blue", "red", "team-bot"]))}
    return caller, options


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    statements=st.lists(_statement(), min_size=1, max_size=12),
    requests=st.lists(_request_options(), min_size=1, max_size=6),
)
def test_the_narrowed_role_decides_every_request_as_the_whole_role(
    statements: list[dict[str, Any]], requests: list[tuple[Any, dict[str, Any]]]
) -> None:
    try:
        trust = parse_policy({"Version": "2012-10-17", "Statement": statements})
    except InvalidPolicy:
        assume(False)  # a combination IAM refuses
    role = Role(ROLE_ARN, trust)
    narrowed = Narrowing.of(role)
    for caller, options in requests:
        request = build_request(caller, role, at=AT, **options)
        kept = narrowed.role_for(request)
        assert decide(attrs.evolve(request, role=kept)) is decide(request), (caller, options)


def test_the_narrowed_role_leaves_out_what_cannot_apply() -> None:
    """Not vacuous: another repository's statement, another account's and a statement whose
    ExternalId the caller does not pass are left out; the {"AWS": "*"} one is kept."""
    statements = [
        {
            "Effect": "Allow",
            "Principal": {"Federated": GH_PROVIDER},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {f"{GH}:aud": "sts.amazonaws.com"},
                "StringLike": {f"{GH}:sub": f"repo:{owner}/*"},
            },
        }
        for owner in ("acme", "other")
    ] + [
        {
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
            "Action": "sts:AssumeRole",
            "Condition": {"StringEquals": {"sts:ExternalId": "x-1"}},
        },
        {"Effect": "Allow", "Principal": {"AWS": "777788889999"}, "Action": "sts:AssumeRole"},
        {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"},
    ]
    role = Role(ROLE_ARN, parse_policy({"Version": "2012-10-17", "Statement": statements}))
    narrowed = Narrowing.of(role)

    def kept(caller: Any, **options: Any) -> list[int]:
        request = build_request(caller, role, at=AT, **options)
        return [statement.index for statement in narrowed.role_for(request).trust_policy.statements]

    github = WebIdentity(GH_PROVIDER, {"sub": "repo:acme/app:x", "aud": "sts.amazonaws.com"})
    assert kept(github) == [0]
    user = IamUser("arn:aws:iam::444455556666:user/u", policies=(_ALLOW_ALL,))
    assert kept(user) == [4]
    assert kept(user, external_id="x-1") == [2, 4]
    assert kept(IamUser("arn:aws:iam::777788889999:user/u")) == [3, 4]


@pytest.mark.parametrize(
    ("value", "kept"), [("*", 1), ("${aws:username}", 1), ("?lue", 1), ("b*", 0), ("blue", 0)]
)
def test_a_value_that_may_start_with_anything_keeps_its_statement(value: str, kept: int) -> None:
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "444455556666"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringLike": {"aws:PrincipalTag/team": value}},
    }
    role = Role(ROLE_ARN, parse_policy({"Version": "2012-10-17", "Statement": statement}))
    user = IamUser("arn:aws:iam::444455556666:user/u", tags={"team": "red"})
    request = build_request(user, role, at=AT)
    assert len(Narrowing.of(role).role_for(request).trust_policy.statements) == kept
