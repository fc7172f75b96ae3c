"""The fast path's memos never carry an answer from one request to another (issue 5).

Facts are cached per caller and role object (and, for services and federated callers, per
name), and statement selection per (caller, action, role). Each test below would fail if a
memo were keyed too coarsely.
"""

from __future__ import annotations

from trustsim.callers import IamUser, OrgMembership, Role, ServicePrincipal, WebIdentity
from trustsim.context import RequestContext
from trustsim.decision import Decision
from trustsim.evaluation import evaluate
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement
from trustsim.requests import AssumeRoleRequest

A = "111111111111"
ARN = f"arn:aws:iam::{A}:role/target"
GH = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"


def _trust(principal: Principal, action: str = "sts:AssumeRole") -> Policy:
    return Policy((Statement(Effect.ALLOW, principal=principal, action=(action,)),))


def _deny_all_rcp() -> Policy:
    return Policy(
        (
            Statement(Effect.ALLOW, action=("*",), resource=("*",)),
            Statement(Effect.DENY, action=("sts:*",), resource=("*",)),
        ),
        kind=PolicyKind.RCP,
    )


def _decide(caller: object, role: Role, action: str = "sts:AssumeRole") -> Decision:
    request = AssumeRoleRequest(caller, role, action, RequestContext.of())  # type: ignore[arg-type]
    return evaluate(request).decision


def test_roles_with_one_arn_but_different_rcps_are_decided_apart() -> None:
    # RCPs belong to the role's organisation (docs/semantics.md §4.6): a second Role value with the
    # same ARN and a denying RCP must not reuse the first one's caller-side selection.
    web = WebIdentity(GH)
    action = "sts:AssumeRoleWithWebIdentity"
    trust = _trust(Principal(federated=(GH,)), action)
    plain = Role(ARN, trust, org=OrgMembership("o-abc1234567", rcps=[[Policy((Statement(
        Effect.ALLOW, action=("*",), resource=("*",)),), kind=PolicyKind.RCP)]]))  # fmt: skip
    guarded = Role(ARN, trust, org=OrgMembership("o-abc1234567", rcps=[[_deny_all_rcp()]]))
    assert _decide(web, plain, action) is Decision.ALLOW
    assert _decide(web, guarded, action) is Decision.EXPLICIT_DENY
    assert _decide(WebIdentity(GH), plain, action) is Decision.ALLOW


def test_roles_with_one_arn_but_different_trust_policies_are_decided_apart() -> None:
    service = ServicePrincipal("lambda.amazonaws.com")
    trusting = Role(ARN, _trust(Principal(service=("lambda.amazonaws.com",))))
    other = Role(ARN, _trust(Principal(service=("ecs-tasks.amazonaws.com",))))
    assert _decide(service, trusting) is Decision.ALLOW
    assert _decide(service, other) is Decision.IMPLICIT_DENY
    assert _decide(ServicePrincipal("lambda.amazonaws.com"), trusting) is Decision.ALLOW


def test_users_with_one_arn_but_different_identity_policies_are_decided_apart() -> None:
    # Cross-account: the caller's identity policy must allow too (docs/semantics.md §4.4).
    user_arn = "arn:aws:iam::222222222222:user/alice"
    role = Role(ARN, _trust(Principal(aws=("222222222222",))))
    allow = Policy(
        (Statement(Effect.ALLOW, action=("sts:AssumeRole",), resource=("*",)),),
        kind=PolicyKind.IDENTITY,
    )
    assert _decide(IamUser(user_arn, policies=[allow]), role) is Decision.ALLOW
    assert _decide(IamUser(user_arn), role) is Decision.IMPLICIT_DENY
    assert _decide(IamUser(user_arn, policies=[allow]), role) is Decision.ALLOW


def test_fresh_users_share_facts_only_over_the_same_policy_objects() -> None:
    user_arn = "arn:aws:iam::222222222222:user/alice"
    role = Role(ARN, _trust(Principal(aws=("222222222222",))))

    def identity(effect: Effect, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
        return Policy((Statement(effect, action=("sts:AssumeRole",), resource=("*",)),), kind=kind)

    allow, deny = identity(Effect.ALLOW), identity(Effect.DENY)
    deny_boundary = identity(Effect.DENY, PolicyKind.PERMISSIONS_BOUNDARY)
    assert _decide(IamUser(user_arn, policies=[allow]), role) is Decision.ALLOW
    assert _decide(IamUser(user_arn, policies=[deny]), role) is Decision.EXPLICIT_DENY
    assert _decide(IamUser(user_arn, policies=[allow]), role) is Decision.ALLOW
    assert _decide(
        IamUser(user_arn, policies=[allow], permissions_boundary=deny_boundary), role
    ) is (Decision.EXPLICIT_DENY)
