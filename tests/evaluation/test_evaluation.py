"""The AssumeRole decision (docs/semantics.md §4): every row of §4.3 and §4.4, SCPs, RCPs, companions.

Requests are built by hand (AssumeRoleRequest + RequestContext) so that these tests exercise the
decision alone; context derivation has its own tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    InvalidCaller,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import ContextValue, RequestContext
from trustsim.decision import Decision, Outcome
from trustsim.evaluation import evaluate, evaluate_action
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

A = "111111111111"
B = "222222222222"
ROLE_ARN = f"arn:aws:iam::{A}:role/TargetRole"
ALICE_ARN = f"arn:aws:iam::{A}:user/alice"
BOB_ARN = f"arn:aws:iam::{B}:user/bob"
BUILDER_ARN = f"arn:aws:iam::{A}:role/ci/Builder"
GH = f"arn:aws:iam::{A}:oidc-provider/token.actions.githubusercontent.com"
SAML = f"arn:aws:iam::{A}:saml-provider/CorpIdP"
ALLOW, DENY, IMPLICIT = Decision.ALLOW, Decision.EXPLICIT_DENY, Decision.IMPLICIT_DENY


def cond(operator: str, key: str, *values: str) -> ConditionClause:
    parsed = parse_operator_name(operator)
    assert parsed is not None
    return ConditionClause(parsed, key, values)


def stmt(
    effect: Effect = Effect.ALLOW,
    *,
    aws: Sequence[str] = (),
    service: Sequence[str] = (),
    federated: Sequence[str] = (),
    star: bool = False,
    action: Sequence[str] = ("sts:AssumeRole",),
    resource: Sequence[str] | None = None,
    condition: Sequence[ConditionClause] = (),
    sid: str | None = None,
) -> Statement:
    principal = (
        Principal(aws=tuple(aws), service=tuple(service), federated=tuple(federated), star=star)
        if (aws or service or federated or star)
        else None
    )
    return Statement(
        effect,
        sid=sid,
        principal=principal,
        action=tuple(action),
        resource=None if resource is None else tuple(resource),
        condition=tuple(condition),
    )


def policy(*statements: Statement, kind: PolicyKind = PolicyKind.IDENTITY) -> Policy:
    numbered = tuple(
        Statement(**{**_fields(s), "index": i, "pointer": f"/Statement/{i}"})
        for i, s in enumerate(statements)
    )
    return Policy(numbered, version="2012-10-17", kind=kind)


def _fields(s: Statement) -> dict[str, object]:
    return {
        "effect": s.effect,
        "sid": s.sid,
        "principal": s.principal,
        "not_principal": s.not_principal,
        "action": s.action,
        "not_action": s.not_action,
        "resource": s.resource,
        "not_resource": s.not_resource,
        "condition": s.condition,
    }


def trust(*statements: Statement) -> Policy:
    return policy(*statements, kind=PolicyKind.TRUST)


def allows(
    action: str = "sts:AssumeRole", resource: str = "*", *, kind: PolicyKind = PolicyKind.IDENTITY
) -> Policy:
    return policy(stmt(action=(action,), resource=(resource,)), kind=kind)


def only_s3(kind: PolicyKind) -> Policy:
    return policy(stmt(action=("s3:*",), resource=("*",)), kind=kind)


def denies_assume(kind: PolicyKind) -> Policy:
    return policy(
        stmt(action=("*",), resource=("*",)),
        stmt(Effect.DENY, action=("sts:AssumeRole",), resource=("*",), sid="NoAssume"),
        kind=kind,
    )


def decide(
    caller: Caller,
    trust_policy: Policy,
    *,
    role_arn: str = ROLE_ARN,
    action: str | None = None,
    context: Mapping[str, ContextValue] | None = None,
    companions: Sequence[str] = (),
    role_org: OrgMembership | None = None,
    only_action: bool = False,
) -> Outcome:
    if action is None:
        action = {
            WebIdentity: "sts:AssumeRoleWithWebIdentity",
            SamlIdentity: "sts:AssumeRoleWithSAML",
        }.get(type(caller), "sts:AssumeRole")
    request = AssumeRoleRequest(
        caller,
        Role(role_arn, trust_policy, org=role_org),
        action,
        RequestContext.of(context or {}),
        tuple(companions),
    )
    return evaluate_action(request) if only_action else evaluate(request)


def user(arn: str = ALICE_ARN, **kw: object) -> IamUser:
    return IamUser(arn, **kw)  # type: ignore[arg-type]


def session(role_arn: str = BUILDER_ARN, name: str = "build-1", **kw: object) -> RoleSession:
    return RoleSession(role_arn, name, **kw)  # type: ignore[arg-type]


TRUST_ACCOUNT_A = trust(stmt(aws=(A,)))
TRUST_ROOT_A = trust(stmt(aws=(f"arn:aws:iam::{A}:root",)))
TRUST_ALICE = trust(stmt(aws=(ALICE_ARN,)))
TRUST_BUILDER = trust(stmt(aws=(BUILDER_ARN,)))
TRUST_BUILDER_SESSION = trust(stmt(aws=(f"arn:aws:sts::{A}:assumed-role/Builder/build-1",)))
TRUST_STAR = trust(stmt(aws=("*",)))
TRUST_STAR_PRINCIPAL_ARN = trust(
    stmt(aws=("*",), condition=[cond("ArnLike", "aws:PrincipalArn", f"arn:aws:iam::{A}:*")])
)


# --- §4.3 row 1: account principal, same account: a delegation — identity side required


@pytest.mark.parametrize("trust_policy", [TRUST_ACCOUNT_A, TRUST_ROOT_A], ids=["id", "root-arn"])
def test_account_grant_same_account_needs_an_identity_allow(trust_policy: Policy) -> None:
    assert decide(user(), trust_policy).decision is IMPLICIT
    assert decide(user(), trust_policy).side == "identity"
    assert decide(user(policies=allows(resource=ROLE_ARN)), trust_policy).decision is ALLOW


def test_account_grant_identity_allow_must_cover_the_role_arn() -> None:
    other = allows(resource=f"arn:aws:iam::{A}:role/Other")
    assert decide(user(policies=other), TRUST_ACCOUNT_A).decision is IMPLICIT
    assert (
        decide(user(policies=allows(action="sts:TagSession")), TRUST_ACCOUNT_A).decision is IMPLICIT
    )


def test_account_grant_same_account_boundary_and_session_policy_block() -> None:
    boundary = only_s3(PolicyKind.PERMISSIONS_BOUNDARY)
    outcome = decide(user(policies=allows(), permissions_boundary=boundary), TRUST_ACCOUNT_A)
    assert (outcome.decision, outcome.side) == (IMPLICIT, "boundary")
    good = allows(kind=PolicyKind.PERMISSIONS_BOUNDARY)
    assert decide(user(policies=allows(), permissions_boundary=good), TRUST_ACCOUNT_A).allowed
    limited = session(policies=allows(), session_policy=only_s3(PolicyKind.SESSION))
    outcome = decide(limited, TRUST_ACCOUNT_A)
    assert (outcome.decision, outcome.side) == (IMPLICIT, "session")


# --- §4.3 row 2: the user's ARN — no identity policy; boundary does not block (reading 1)


def test_user_arn_grant_same_account_needs_no_identity_policy() -> None:
    outcome = decide(user(), TRUST_ALICE)
    assert outcome.decision is ALLOW
    assert [str(r) for r in outcome.determined_by] == ["trust policy statement 0"]
    assert outcome.errors == ()


def test_user_arn_grant_with_a_boundary_not_allowing_is_allowed_but_flagged_disputed() -> None:
    outcome = decide(
        user(permissions_boundary=only_s3(PolicyKind.PERMISSIONS_BOUNDARY)), TRUST_ALICE
    )
    assert outcome.decision is ALLOW
    assert [d.code for d in outcome.errors] == ["UNCERTAIN_SEMANTICS"]
    assert "docs/semantics.md, reading 1" in outcome.errors[0].message


def test_user_arn_grant_with_an_allowing_boundary_is_not_flagged() -> None:
    outcome = decide(
        user(permissions_boundary=allows(kind=PolicyKind.PERMISSIONS_BOUNDARY)), TRUST_ALICE
    )
    assert (outcome.decision, outcome.errors) == (ALLOW, ())


# --- §4.3 row 3: the caller's role ARN — no identity policy; boundary and session policy block


def test_role_arn_grant_same_account() -> None:
    assert decide(session(), TRUST_BUILDER).decision is ALLOW
    blocked = session(permissions_boundary=only_s3(PolicyKind.PERMISSIONS_BOUNDARY))
    assert (decide(blocked, TRUST_BUILDER).decision, decide(blocked, TRUST_BUILDER).side) == (
        IMPLICIT,
        "boundary",
    )
    limited = session(session_policy=only_s3(PolicyKind.SESSION))
    assert decide(limited, TRUST_BUILDER).side == "session"
    assert decide(session(session_policy=allows(kind=PolicyKind.SESSION)), TRUST_BUILDER).allowed


# --- §4.3 row 4: the exact session ARN — nothing else needed


def test_session_arn_grant_is_not_limited_by_boundary_or_session_policy() -> None:
    caller = session(
        permissions_boundary=only_s3(PolicyKind.PERMISSIONS_BOUNDARY),
        session_policy=only_s3(PolicyKind.SESSION),
    )
    assert decide(caller, TRUST_BUILDER_SESSION).decision is ALLOW


# --- §4.3 rows 5–6: {"AWS": "*"}


def test_aws_star_restricted_by_principal_arn_needs_nothing_else() -> None:
    caller = session(
        permissions_boundary=only_s3(PolicyKind.PERMISSIONS_BOUNDARY),
        session_policy=only_s3(PolicyKind.SESSION),
    )
    ctx = {"aws:PrincipalArn": BUILDER_ARN}
    outcome = decide(caller, TRUST_STAR_PRINCIPAL_ARN, context=ctx)
    assert (outcome.decision, outcome.errors) == (ALLOW, ())


def test_aws_star_without_principal_arn_reads_like_the_callers_row_and_says_so() -> None:
    assert decide(session(), TRUST_STAR).decision is ALLOW
    limited = decide(session(session_policy=only_s3(PolicyKind.SESSION)), TRUST_STAR)
    assert (limited.decision, limited.side) == (IMPLICIT, "session")
    assert [d.code for d in limited.errors] == ["UNCERTAIN_SEMANTICS"]
    assert limited.errors[0].message.startswith("docs/semantics.md §4.3, reading 4b: ")
    as_user = decide(
        user(permissions_boundary=only_s3(PolicyKind.PERMISSIONS_BOUNDARY)), TRUST_STAR
    )
    assert as_user.decision is ALLOW
    assert {d.code for d in as_user.errors} == {"UNCERTAIN_SEMANTICS"}
    assert any("docs/semantics.md, reading 1" in d.message for d in as_user.errors)


# --- §4.4 cross-account: both sides, whatever the trust policy names


@pytest.mark.parametrize(
    "named",
    [B, f"arn:aws:iam::{B}:root", BOB_ARN, "*"],
    ids=["account-id", "root-arn", "user-arn", "aws-star"],
)
def test_cross_account_always_needs_the_identity_side(named: str) -> None:
    trust_policy = trust(stmt(aws=(named,)))
    bob = user(BOB_ARN)
    assert decide(bob, trust_policy).decision is IMPLICIT
    assert decide(bob, trust_policy).side == "identity"
    assert decide(user(BOB_ARN, policies=allows(resource=ROLE_ARN)), trust_policy).decision is ALLOW
    blocked = user(
        BOB_ARN, policies=allows(), permissions_boundary=only_s3(PolicyKind.PERMISSIONS_BOUNDARY)
    )
    assert decide(blocked, trust_policy).side == "boundary"


def test_cross_account_role_and_session_grants_need_the_identity_side() -> None:
    deployer = f"arn:aws:iam::{B}:role/Deployer"
    for named in (deployer, f"arn:aws:sts::{B}:assumed-role/Deployer/run-1"):
        trust_policy = trust(stmt(aws=(named,)))
        assert decide(session(deployer, "run-1"), trust_policy).side == "identity"
        assert decide(session(deployer, "run-1", policies=allows()), trust_policy).allowed
        limited = session(
            deployer, "run-1", policies=allows(), session_policy=only_s3(PolicyKind.SESSION)
        )
        assert decide(limited, trust_policy).side == "session"


def test_identity_allow_alone_never_assumes_a_role() -> None:
    # DOC EVAL: the trust policy must allow; an identity-policy allow alone is not enough (§4.2).
    outcome = decide(user(policies=allows()), trust(stmt(aws=(f"arn:aws:iam::{A}:user/carol",))))
    assert (outcome.decision, outcome.side) == (IMPLICIT, "trust")


def test_self_assumption_needs_an_explicit_grant() -> None:
    role = f"arn:aws:iam::{A}:role/SelfRole"
    assert decide(session(role, "s1"), trust(stmt(aws=(A,))), role_arn=role).decision is IMPLICIT
    assert decide(session(role, "s1"), trust(stmt(aws=(role,))), role_arn=role).decision is ALLOW


def test_a_second_statement_can_grant_with_fewer_requirements() -> None:
    # Any matching Allow whose own requirements are met grants (§4.3): account grant unmet,
    # user grant met.
    both = trust(stmt(aws=(A,)), stmt(aws=(ALICE_ARN,)))
    outcome = decide(user(), both)
    assert outcome.decision is ALLOW
    assert [r.index for r in outcome.determined_by] == [1]


# --- explicit deny wins everywhere (§4.1 step 1)


@pytest.mark.parametrize("grant", [TRUST_ALICE, TRUST_ACCOUNT_A], ids=["direct", "account"])
def test_explicit_deny_in_identity_boundary_trust_wins(grant: Policy) -> None:
    deny_identity = user(policies=denies_assume(PolicyKind.IDENTITY))
    assert (decide(deny_identity, grant).decision, decide(deny_identity, grant).side) == (
        DENY,
        "identity",
    )
    deny_boundary = user(
        policies=allows(), permissions_boundary=denies_assume(PolicyKind.PERMISSIONS_BOUNDARY)
    )
    assert (decide(deny_boundary, grant).decision, decide(deny_boundary, grant).side) == (
        DENY,
        "boundary",
    )
    deny_trust = trust(*grant.statements, stmt(Effect.DENY, aws=(ALICE_ARN,)))
    outcome = decide(user(policies=allows()), deny_trust)
    assert (outcome.decision, outcome.side) == (DENY, "trust")
    assert [r.index for r in outcome.determined_by] == [1]


def test_explicit_deny_in_a_session_policy_wins_even_over_a_session_arn_grant() -> None:
    caller = session(session_policy=denies_assume(PolicyKind.SESSION))
    outcome = decide(caller, TRUST_BUILDER_SESSION)
    assert (outcome.decision, outcome.side) == (DENY, "session")
    assert [str(r) for r in outcome.determined_by] == [
        'session policy statement 1 (Sid "NoAssume")'
    ]


def test_deny_statement_with_unmet_condition_does_not_deny() -> None:
    guarded = trust(
        stmt(aws=(ALICE_ARN,)),
        stmt(
            Effect.DENY,
            aws=(ALICE_ARN,),
            condition=[cond("Bool", "aws:MultiFactorAuthPresent", "false")],
        ),
    )
    assert decide(user(), guarded, context={"aws:MultiFactorAuthPresent": "true"}).allowed
    assert decide(user(), guarded, context={"aws:MultiFactorAuthPresent": "false"}).decision is DENY


# --- SCPs: caller side, each level must allow, deny at any level (§4.5)


def org(*levels: Sequence[Policy], management: bool = False, rcps: bool = False) -> OrgMembership:
    lv = tuple(tuple(level) for level in levels)
    if rcps:
        return OrgMembership("o-abc1234567", rcps=lv, management_account=management)
    return OrgMembership("o-abc1234567", scps=lv, management_account=management)


FULL = allows(action="*", kind=PolicyKind.SCP)


def test_scp_every_level_must_allow() -> None:
    s3_only = only_s3(PolicyKind.SCP)
    ok = user(BOB_ARN, policies=allows(), org=org([FULL], [FULL], [FULL]))
    assert decide(ok, TRUST_STAR).decision is ALLOW
    gap = user(BOB_ARN, policies=allows(), org=org([FULL], [s3_only], [FULL]))
    outcome = decide(gap, TRUST_STAR)
    assert (outcome.decision, outcome.side) == (IMPLICIT, "scp")
    assert "first OU level" in outcome.reason  # the second of three levels is the first OU


def test_scp_allow_at_a_level_may_come_from_any_policy_of_that_level() -> None:
    caller = user(BOB_ARN, policies=allows(), org=org([FULL], [only_s3(PolicyKind.SCP), FULL]))
    assert decide(caller, TRUST_STAR).allowed


def test_scp_resource_is_the_role_arn() -> None:
    scoped = allows(resource="arn:aws:iam::*:role/approved/*", kind=PolicyKind.SCP)
    caller = user(BOB_ARN, policies=allows(), org=org([FULL], [scoped]))
    assert decide(caller, TRUST_STAR).side == "scp"
    assert decide(caller, TRUST_STAR, role_arn=f"arn:aws:iam::{A}:role/approved/R").allowed


def test_scp_deny_is_explicit_and_scps_limit_even_direct_grants() -> None:
    caller = user(org=org([FULL, denies_assume(PolicyKind.SCP)]))
    outcome = decide(caller, TRUST_ALICE)
    assert (outcome.decision, outcome.side) == (DENY, "scp")
    # One level given without a path: neither "root" nor "account", the only level.
    assert outcome.determined_by[0].policy == "SCP only level, policy 1"


def test_scps_do_not_apply_to_the_management_account() -> None:
    caller = user(
        BOB_ARN, policies=allows(), org=org([denies_assume(PolicyKind.SCP)], management=True)
    )
    assert decide(caller, TRUST_STAR).allowed


def test_scps_do_not_apply_to_service_linked_role_sessions() -> None:
    slr = f"arn:aws:iam::{A}:role/aws-service-role/ops.amazonaws.com/AWSServiceRoleForOps"
    caller = session(slr, "s1", org=org([only_s3(PolicyKind.SCP)]))
    assert decide(caller, trust(stmt(aws=(slr,)))).allowed


# --- RCPs: role side, every caller, deny-only (§4.6, reading 12)
#
# Organizations user guide, RCP evaluation: RCPFullAWSAccess is attached to the root, every OU
# and every account and cannot be detached, so every level lets everything through; only Deny
# statements restrict. RCP syntax: a customer RCP may not allow.

RCP_FULL = policy(stmt(star=True, action=("*",), resource=("*",)), kind=PolicyKind.RCP)
RCP_DENY_OUTSIDE_ORG = policy(
    stmt(star=True, action=("*",), resource=("*",)),
    stmt(
        Effect.DENY,
        star=True,
        action=("sts:AssumeRole*",),
        resource=("*",),
        condition=[
            cond("StringNotEqualsIfExists", "aws:PrincipalOrgID", "o-abc1234567"),
            cond("BoolIfExists", "aws:PrincipalIsAWSService", "false"),
        ],
    ),
    kind=PolicyKind.RCP,
)


ONLY_S3_DENY = policy(
    stmt(Effect.DENY, star=True, action=("s3:*",), resource=("*",)), kind=PolicyKind.RCP
)


def test_an_rcp_level_needs_no_allow_only_denies_bite() -> None:
    # A level whose only RCP denies something else, and an empty level: nothing denies.
    for levels in ([[ONLY_S3_DENY]], [[RCP_FULL], [ONLY_S3_DENY], []], [[], []]):
        outcome = decide(user(), TRUST_ALICE, role_org=org(*levels, rcps=True))
        assert outcome.allowed, (levels, outcome.reason)
        assert outcome.side == "trust"
    deny = org([RCP_FULL], [denies_assume_rcp()], rcps=True)
    outcome = decide(user(), TRUST_ALICE, role_org=deny)
    assert (outcome.decision, outcome.side) == (DENY, "rcp")
    assert outcome.determined_by[0].policy == "RCP account level, policy 0"


def denies_assume_rcp() -> Policy:
    return policy(
        stmt(Effect.DENY, star=True, action=("sts:AssumeRole",), resource=("*",)),
        kind=PolicyKind.RCP,
    )


def test_a_customer_rcp_may_not_allow() -> None:
    # "The effect of Allow is only supported for the RCPFullAWSAccess policy" (RCP syntax).
    with pytest.raises(InvalidCaller, match="only supported for the RCPFullAWSAccess policy"):
        org([RCP_FULL], [only_s3(PolicyKind.RCP)], rcps=True)
    assert org([RCP_FULL], [RCP_FULL], rcps=True).rcps[1] == (RCP_FULL,)


def test_rcp_deny_reaches_principals_outside_the_organisation() -> None:
    rcp_org = org([RCP_DENY_OUTSIDE_ORG], rcps=True)
    bob = user(BOB_ARN, policies=allows())
    outcome = decide(bob, TRUST_STAR, role_org=rcp_org)
    assert (outcome.decision, outcome.side) == (DENY, "rcp")
    inside = decide(
        bob, TRUST_STAR, role_org=rcp_org, context={"aws:PrincipalOrgID": "o-abc1234567"}
    )
    assert inside.allowed


def test_rcps_apply_to_federated_callers_and_say_it_is_a_reading() -> None:
    web_deny = policy(
        stmt(Effect.DENY, star=True, action=("sts:AssumeRoleWithWebIdentity",), resource=("*",)),
        kind=PolicyKind.RCP,
    )
    outcome = decide(
        WebIdentity(GH),
        trust(stmt(federated=(GH,), action=("sts:AssumeRoleWithWebIdentity",))),
        role_org=org([web_deny], rcps=True),
    )
    assert (outcome.decision, outcome.side) == (DENY, "rcp")
    assert any("docs/semantics.md, reading 12" in d.message for d in outcome.errors)


def test_rcps_do_not_apply_to_the_management_account() -> None:
    rcp_org = org([denies_assume_rcp()], rcps=True, management=True)
    assert decide(user(), TRUST_ALICE, role_org=rcp_org).allowed
    assert decide(user(), TRUST_ALICE, role_org=org([denies_assume_rcp()], rcps=True)).denied


# --- root and anonymous (§3.9)


@pytest.mark.parametrize("caller", [AccountRoot(A), Anonymous()], ids=["root", "anonymous"])
def test_root_and_anonymous_never_assume_a_role(caller: Caller) -> None:
    everyone = trust(stmt(aws=("*", A, f"arn:aws:iam::{A}:root")))
    outcome = decide(caller, everyone)
    assert (outcome.decision, outcome.side, outcome.determined_by) == (IMPLICIT, "caller", ())
    assert "root" in outcome.reason or "anonymous" in outcome.reason


# --- web identity, SAML, services: trust (+ RCPs) only (§4.9, §4.10)


def test_web_identity_is_decided_by_the_trust_policy_alone() -> None:
    gh = trust(
        stmt(
            federated=(GH,),
            action=("sts:AssumeRoleWithWebIdentity",),
            condition=[
                cond(
                    "StringEquals",
                    "token.actions.githubusercontent.com:sub",
                    "repo:acme/app:ref:refs/heads/main",
                )
            ],
        )
    )
    good = {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"}
    assert decide(WebIdentity(GH), gh, context=good).allowed
    bad = {"token.actions.githubusercontent.com:sub": "repo:acme/app:pull_request"}
    assert decide(WebIdentity(GH), gh, context=bad).decision is IMPLICIT
    assert decide(WebIdentity(GH), gh, context=good, action="sts:AssumeRole").decision is IMPLICIT


def test_saml_and_services_are_matched_through_their_own_principal_types() -> None:
    saml = trust(stmt(federated=(SAML,), action=("sts:AssumeRoleWithSAML",)))
    assert decide(SamlIdentity(SAML), saml).allowed
    assert decide(SamlIdentity(f"arn:aws:iam::{A}:saml-provider/Other"), saml).decision is IMPLICIT
    lam = trust(stmt(service=("lambda.amazonaws.com",)))
    assert decide(ServicePrincipal("lambda.amazonaws.com"), lam).allowed
    assert decide(ServicePrincipal("ecs-tasks.amazonaws.com"), lam).decision is IMPLICIT


def test_aws_star_does_not_admit_services_and_says_so() -> None:
    outcome = decide(ServicePrincipal("lambda.amazonaws.com"), TRUST_STAR)
    assert outcome.decision is IMPLICIT
    assert [d.code for d in outcome.errors] == ["UNCERTAIN_SEMANTICS"]
    assert "docs/semantics.md, reading 4" in outcome.errors[0].message


# --- companion actions (§4.11)

TAGS = {"aws:RequestTag/Project": "blue", "aws:TagKeys": ["Project"]}


def test_companion_actions_must_each_be_allowed() -> None:
    assume_only = TRUST_ALICE
    outcome = decide(user(), assume_only, context=TAGS, companions=["sts:TagSession"])
    assert (outcome.decision, outcome.side) == (IMPLICIT, "trust")
    assert "sts:TagSession" in outcome.reason
    assert outcome.actions == ("sts:AssumeRole", "sts:TagSession")
    both = trust(stmt(aws=(ALICE_ARN,), action=("sts:AssumeRole", "sts:TagSession")))
    allowed = decide(user(), both, context=TAGS, companions=["sts:TagSession"])
    assert allowed.decision is ALLOW


def test_companion_condition_sees_the_tags() -> None:
    policy_ = trust(
        stmt(aws=(ALICE_ARN,)),
        stmt(
            aws=(ALICE_ARN,),
            action=("sts:TagSession",),
            condition=[cond("ForAllValues:StringEquals", "aws:TagKeys", "Project")],
        ),
    )
    assert decide(user(), policy_, context=TAGS, companions=["sts:TagSession"]).allowed
    other = {"aws:RequestTag/Owner": "x", "aws:TagKeys": ["Owner"]}
    assert (
        decide(user(), policy_, context=other, companions=["sts:TagSession"]).decision is IMPLICIT
    )


def test_an_explicit_deny_of_a_companion_denies_the_call() -> None:
    policy_ = trust(
        stmt(aws=(ALICE_ARN,), action=("sts:AssumeRole", "sts:SetSourceIdentity")),
        stmt(Effect.DENY, aws=(ALICE_ARN,), action=("sts:SetSourceIdentity",)),
    )
    outcome = decide(
        user(),
        policy_,
        context={"sts:SourceIdentity": "alice"},
        companions=["sts:SetSourceIdentity"],
    )
    assert outcome.decision is DENY
    assert decide(
        user(), policy_
    ).allowed  # no source identity passed: the companion is not exercised


def test_companion_needs_the_identity_side_when_the_assume_action_does() -> None:
    both = trust(stmt(aws=(B,), action=("sts:AssumeRole", "sts:TagSession")))
    bob = user(BOB_ARN, policies=allows())
    outcome = decide(bob, both, context=TAGS, companions=["sts:TagSession"])
    assert (outcome.decision, outcome.side) == (IMPLICIT, "identity")
    bob2 = user(
        BOB_ARN, policies=policy(stmt(action=("sts:AssumeRole", "sts:TagSession"), resource=("*",)))
    )
    assert decide(bob2, both, context=TAGS, companions=["sts:TagSession"]).allowed


def test_evaluate_action_decides_one_action_alone() -> None:
    tag_only = trust(stmt(aws=(ALICE_ARN,), action=("sts:TagSession",)))
    outcome = decide(user(), tag_only, action="sts:TagSession", context=TAGS, only_action=True)
    assert (outcome.decision, outcome.actions) == (ALLOW, ("sts:TagSession",))
    assert (
        decide(user(), tag_only, companions=["sts:TagSession"], only_action=True).decision
        is IMPLICIT
    )


# --- role chaining (§4.12): the trust must name the session's role, account or session


def test_chained_session_matches_through_its_role_not_the_original_user() -> None:
    by_user = trust(stmt(aws=(ALICE_ARN,)))
    assert decide(session(), by_user).decision is IMPLICIT


# --- diagnostics: unreadable values fail closed and are reported


def test_unreadable_request_value_fails_closed_with_a_diagnostic() -> None:
    dated = trust(
        stmt(
            aws=(ALICE_ARN,),
            condition=[cond("DateLessThan", "aws:CurrentTime", "2030-01-01T00:00:00Z")],
        )
    )
    outcome = decide(user(), dated, context={"aws:CurrentTime": "not a date"})
    assert outcome.decision is IMPLICIT
    assert outcome.errors, "the unreadable value must be reported"
    assert all(d.policy == "trust policy" for d in outcome.errors)


def test_unreadable_value_in_a_deny_does_not_widen_silently() -> None:
    guarded = trust(
        stmt(aws=(ALICE_ARN,)),
        stmt(
            Effect.DENY,
            aws=(ALICE_ARN,),
            condition=[cond("NumericGreaterThan", "sts:DurationSeconds", "3600")],
        ),
    )
    outcome = decide(user(), guarded, context={"sts:DurationSeconds": "lots"})
    assert outcome.errors, "a Deny that could not be evaluated must leave a diagnostic"


def test_outcome_equality_ignores_the_request() -> None:
    first = decide(user(), TRUST_ALICE)
    second = decide(user(), TRUST_ALICE, context={"aws:SourceIp": "10.0.0.1"})
    assert first == second
