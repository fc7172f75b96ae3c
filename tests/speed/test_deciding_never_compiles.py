"""Deciding never compiles (issue 18): compiling happens when a caller and a role are first
planned (``trustsim.evaluation.plan``: their facts), never on a request's walk from
``evaluate`` / ``decide`` / ``evaluate_action`` to its verdict.

The test plans a few callers and roles, then decides a varied set of requests over them
(other contexts, companion actions, other single actions, request objects and callers built
afresh) while a profiler hook fails on any call of a compiling entry point: policies
(``compiler.compile_policy`` and its statements, its principal index), conditions
(``conditions.compile_condition``, the generated checks' source) and policy variables
(``variables.parse_template``).
"""

from __future__ import annotations

import itertools
import sys
import types
from collections.abc import Iterator
from typing import Any

from trustsim import compiler, conditions, variables
from trustsim.callers import (
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.conditions import source
from trustsim.errors import TrustsimError
from trustsim.evaluation import decide, evaluate, evaluate_action
from trustsim.evaluation.plan import caller_facts, role_facts
from trustsim.model import PolicyKind
from trustsim.parsing import parse_policy
from trustsim.requests import AssumeRoleRequest, build_request

GH = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
ALICE = "arn:aws:iam::111122223333:user/alice"

#: The compiling entry points: none may run while deciding.
COMPILING: tuple[Any, ...] = (
    compiler.compile_policy,
    compiler._compile_statement,
    compiler.PrincipalIndex.of,
    conditions.compile_condition,
    conditions._compile_condition,
    source.generate,
    variables.parse_template,
)


def _code(function: Any) -> types.CodeType:
    while hasattr(function, "__wrapped__"):  # (a cached function: the function it wraps)
        function = function.__wrapped__
    return function.__func__.__code__ if hasattr(function, "__func__") else function.__code__


def _trust() -> Any:
    return parse_policy({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": ALICE},
                "Action": ["sts:AssumeRole", "sts:TagSession", "sts:SetSourceIdentity"],
                "Condition": {
                    "StringEquals": {"sts:ExternalId": "tenant-42"},
                    "StringLike": {"aws:RequestTag/team": "${aws:username}*"},
                },
            },
            {
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "sts:AssumeRole",
                "Condition": {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
            },
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            },
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            },
            {
                "Effect": "Allow",
                "Principal": {"Federated": GH},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}
                },
            },
        ],
    })  # fmt: skip


def _identity(kind: str = "identity") -> Any:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": {
                "Effect": "Allow",
                "Action": ["sts:AssumeRole", "sts:TagSession"],
                "Resource": "arn:aws:iam::*:role/${aws:PrincipalTag/team}*",
            },
        },
        kind=kind,
    )


def _scp() -> Any:
    return parse_policy(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "sts:*",
                    "Resource": "*",
                    "Condition": {"Bool": {"aws:ViaAWSService": "true"}},
                },
            ],
        },
        kind=PolicyKind.SCP,
    )


def _world() -> tuple[list[Any], list[Role]]:
    identity, scp = _identity(), _scp()
    org = OrgMembership("o-abc1234567", scps=[[scp]])
    callers: list[Any] = [
        IamUser(ALICE),
        IamUser("arn:aws:iam::444455556666:user/bob", policies=[identity]),
        IamUser("arn:aws:iam::444455556666:user/carol", policies=[identity], org=org),
        RoleSession(
            "arn:aws:iam::444455556666:role/ci",
            "run",
            policies=[identity],
            permissions_boundary=_identity("permissions-boundary"),
        ),
        ServicePrincipal("lambda.amazonaws.com"),
        WebIdentity(GH),
    ]
    trust = _trust()
    roles = [
        Role("arn:aws:iam::111122223333:role/deploy", trust),
        Role("arn:aws:iam::111122223333:role/team-a", trust, org=org),
    ]
    return callers, roles


_OPTIONS: tuple[dict[str, Any], ...] = (
    {},
    {"external_id": "tenant-42"},
    {"external_id": "tenant-42", "tags": {"team": "alice-x"}},
    {"external_id": "wrong-one", "tags": {"team": "b"}, "source_ip": "10.1.2.3"},
    {"source_identity": "deployer", "source_ip": "192.0.2.7"},
    {"tags": {"team": "z"}, "transitive_tag_keys": ["team"]},
)


def _built(caller: Any, role: Role, options: dict[str, Any]) -> AssumeRoleRequest | None:
    try:
        return build_request(caller, role, **options)
    except TrustsimError:  # an option STS refuses for this caller: not a request
        return None


def _requests(callers: list[Any], roles: list[Role]) -> Iterator[AssumeRoleRequest]:
    for caller, role, options in itertools.product(callers, roles, _OPTIONS):
        request = _built(caller, role, options)
        if request is not None:
            yield request


def test_the_watch_sees_compiling() -> None:
    """The hook is not blind: planning a role built afresh compiles its trust policy."""
    codes = {_code(function) for function in COMPILING}
    entered: list[types.CodeType] = []

    def profile(frame: types.FrameType, event: str, _: object) -> None:
        if event == "call" and frame.f_code in codes:
            entered.append(frame.f_code)

    role = Role("arn:aws:iam::111122223333:role/fresh", _trust())
    sys.setprofile(profile)  # type: ignore[arg-type]
    try:
        role_facts(role)
    finally:
        sys.setprofile(None)
    assert _code(compiler.compile_policy) in entered


def test_once_planned_no_decision_compiles() -> None:
    callers, roles = _world()
    for caller in callers:  # first seen: their facts (compiled policies) are made here
        caller_facts(caller)
    for role in roles:  # first planned: the trust policy and organisation levels compiled
        role_facts(role)
    requests = list(_requests(callers, roles))
    assert len(requests) > 40
    codes = {_code(function): function.__qualname__ for function in COMPILING}
    entered: list[str] = []

    def profile(frame: types.FrameType, event: str, _: object) -> None:
        if event == "call" and frame.f_code in codes:
            entered.append(codes[frame.f_code])

    decisions = []
    sys.setprofile(profile)  # type: ignore[arg-type]
    try:
        for request in requests:
            decisions.append((evaluate(request).decision, decide(request)))
            decisions.append((evaluate_action(request).decision, None))
            # Another request object for the same call, and a single companion action.
            again = AssumeRoleRequest(request.caller, request.role, request.action, request.context)
            decisions.append((decide(again), evaluate(again).decision))
            tag = AssumeRoleRequest(request.caller, request.role, "sts:TagSession", request.context)
            decisions.append((evaluate_action(tag).decision, None))
    finally:
        sys.setprofile(None)
    assert entered == []
    # Both doors agree, and the set is varied: allowed, implicitly and explicitly denied.
    assert all(b is None or a is b for a, b in decisions)
    assert {a.value for a, _ in decisions} == {"Allow", "ImplicitDeny", "ExplicitDeny"}
