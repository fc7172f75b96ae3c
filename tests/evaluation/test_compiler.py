"""Compiled policies: principal match kinds (docs/semantics.md §3.12), actions, resources.

The compile cache is pinned in tests/speed/test_compile_cache.py.
"""

from __future__ import annotations

import pytest

from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.compiler import CallerIdentity, MatchKind, compile_policy
from trustsim.context import RequestContext
from trustsim.model import Effect, Policy, PolicyKind, Principal, Statement

GH = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
SAML = "arn:aws:iam::111111111111:saml-provider/CorpIdP"
ALICE = IamUser("arn:aws:iam::111111111111:user/alice")
ALICE_PATH = IamUser("arn:aws:iam::111111111111:user/eng/alice")
BUILDER = RoleSession("arn:aws:iam::111111111111:role/ci/Builder", "build-1")


def kind(principal: Principal, caller: Caller, role_partition: str = "aws") -> MatchKind:
    policy = Policy((Statement(Effect.ALLOW, principal=principal, action=("sts:AssumeRole",)),))
    statement = compile_policy(policy, label="trust policy").statements[0]
    return statement.principal_kind(CallerIdentity.of(caller), role_partition)


def aws(*values: str) -> Principal:
    return Principal(aws=values)


# --- account principals: ID and root ARN are one thing, scoped to account and partition (§3.2, §3.11)


@pytest.mark.parametrize("value", ["111111111111", "arn:aws:iam::111111111111:root"])
def test_account_principal_matches_users_and_sessions_of_that_account(value: str) -> None:
    assert kind(aws(value), ALICE) is MatchKind.ACCOUNT
    assert kind(aws(value), BUILDER) is MatchKind.ACCOUNT


@pytest.mark.parametrize("value", ["222222222222", "arn:aws:iam::222222222222:root"])
def test_account_principal_does_not_match_another_account(value: str) -> None:
    assert kind(aws(value), ALICE) is MatchKind.NO


def test_root_arn_principal_is_partition_scoped() -> None:
    china_user = IamUser("arn:aws-cn:iam::111111111111:user/alice")
    assert kind(aws("arn:aws:iam::111111111111:root"), china_user) is MatchKind.NO
    assert kind(aws("arn:aws-cn:iam::111111111111:root"), china_user) is MatchKind.ACCOUNT


def test_bare_account_id_is_read_in_the_role_partition() -> None:
    china_user = IamUser("arn:aws-cn:iam::111111111111:user/alice")
    assert kind(aws("111111111111"), china_user, role_partition="aws") is MatchKind.NO
    assert kind(aws("111111111111"), china_user, role_partition="aws-cn") is MatchKind.ACCOUNT


@pytest.mark.parametrize(
    "caller",
    [ServicePrincipal("lambda.amazonaws.com"), WebIdentity(GH), SamlIdentity(SAML)],
    ids=["service", "oidc", "saml"],
)
def test_account_principal_never_matches_services_or_federated_callers(caller: Caller) -> None:
    assert kind(aws("111111111111", "arn:aws:iam::111111111111:root"), caller) is MatchKind.NO


def test_root_and_anonymous_match_nothing() -> None:
    root = AccountRoot("111111111111")
    assert kind(aws("111111111111", root.arn, "*"), root) is MatchKind.NO
    assert kind(aws("*"), Anonymous()) is MatchKind.NO


# --- users: exact ARN with path and case (§3.3, reading 6)


def test_user_arn_matches_exactly_that_user() -> None:
    assert kind(aws(ALICE.arn), ALICE) is MatchKind.DIRECT_USER


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::222222222222:user/alice",  # same name, other account
        "arn:aws:iam::111111111111:user/Alice",  # other case
        "arn:aws:iam::111111111111:user/eng/alice",  # other path
        "arn:aws:iam::111111111111:role/alice",  # a role of the same name
        "arn:aws-cn:iam::111111111111:user/alice",  # other partition
    ],
)
def test_user_arn_does_not_match_lookalikes(value: str) -> None:
    assert kind(aws(value), ALICE) is MatchKind.NO


def test_user_path_must_match_too() -> None:
    assert (
        kind(aws("arn:aws:iam::111111111111:user/eng/alice"), ALICE_PATH) is MatchKind.DIRECT_USER
    )
    assert kind(aws("arn:aws:iam::111111111111:user/alice"), ALICE_PATH) is MatchKind.NO


# --- roles and sessions (§3.4, §3.5)


def test_role_arn_with_path_matches_its_sessions() -> None:
    assert kind(aws("arn:aws:iam::111111111111:role/ci/Builder"), BUILDER) is MatchKind.DIRECT_ROLE


@pytest.mark.parametrize(
    "value",
    [
        "arn:aws:iam::111111111111:role/Builder",  # path missing: the session ARN is never parsed
        "arn:aws:iam::111111111111:role/ci/builder",  # case
        "arn:aws:iam::222222222222:role/ci/Builder",  # other account
        "arn:aws:iam::111111111111:user/ci/Builder",  # a user of that name
    ],
)
def test_role_arn_lookalikes_do_not_match(value: str) -> None:
    assert kind(aws(value), BUILDER) is MatchKind.NO


def test_session_arn_matches_only_that_session() -> None:
    assert BUILDER.session_arn == "arn:aws:sts::111111111111:assumed-role/Builder/build-1"
    assert kind(aws(BUILDER.session_arn), BUILDER) is MatchKind.DIRECT_SESSION
    other = RoleSession("arn:aws:iam::111111111111:role/ci/Builder", "build-2")
    assert kind(aws(BUILDER.session_arn), other) is MatchKind.NO


def test_session_arn_wins_over_role_arn_in_one_statement() -> None:
    principal = aws("arn:aws:iam::111111111111:role/ci/Builder", BUILDER.session_arn)
    assert kind(principal, BUILDER) is MatchKind.DIRECT_SESSION


def test_exact_grant_wins_over_account_and_star() -> None:
    assert kind(aws("111111111111", "*", ALICE.arn), ALICE) is MatchKind.DIRECT_USER
    assert kind(aws("111111111111", "*"), ALICE) is MatchKind.DIRECT_STAR


# --- unique IDs (§3.6)


def test_unique_id_matches_only_a_caller_carrying_it() -> None:
    user = IamUser("arn:aws:iam::111111111111:user/alice", unique_id="AIDAEXAMPLE1")
    session = RoleSession(
        "arn:aws:iam::111111111111:role/ci/Builder", "b1", role_unique_id="AROAEXAMPLE1"
    )
    assert kind(aws("AIDAEXAMPLE1"), user) is MatchKind.DIRECT_USER
    assert kind(aws("AIDAEXAMPLE1"), ALICE) is MatchKind.NO  # caller model has no ID: dangling
    assert kind(aws("AROAEXAMPLE1"), session) is MatchKind.DIRECT_ROLE
    assert kind(aws("AROAEXAMPLE2"), session) is MatchKind.NO


# --- {"AWS": "*"}, services, federated (§3.7–3.9, reading 4)


def test_aws_star_matches_iam_callers_only() -> None:
    assert kind(aws("*"), ALICE) is MatchKind.DIRECT_STAR
    assert kind(aws("*"), BUILDER) is MatchKind.DIRECT_STAR
    assert kind(aws("*"), ServicePrincipal("lambda.amazonaws.com")) is MatchKind.NO
    assert kind(aws("*"), WebIdentity(GH)) is MatchKind.NO
    assert kind(aws("*"), SamlIdentity(SAML)) is MatchKind.NO


def test_service_principal_is_exact() -> None:
    principal = Principal(service=("lambda.amazonaws.com",))
    assert kind(principal, ServicePrincipal("lambda.amazonaws.com")) is MatchKind.SERVICE
    assert kind(principal, ServicePrincipal("ecs-tasks.amazonaws.com")) is MatchKind.NO
    assert kind(principal, ServicePrincipal("lambda.us-east-1.amazonaws.com")) is MatchKind.NO
    assert kind(principal, ALICE) is MatchKind.NO


def test_federated_principal_is_exact_and_only_for_federated_callers() -> None:
    principal = Principal(federated=(GH, SAML))
    assert kind(principal, WebIdentity(GH)) is MatchKind.FEDERATED
    assert kind(principal, SamlIdentity(SAML)) is MatchKind.FEDERATED
    assert kind(principal, WebIdentity("accounts.google.com")) is MatchKind.NO
    assert (
        kind(principal, SamlIdentity("arn:aws:iam::222222222222:saml-provider/CorpIdP"))
        is MatchKind.NO
    )
    assert (
        kind(Principal(federated=("accounts.google.com",)), WebIdentity("accounts.google.com"))
        is MatchKind.FEDERATED
    )


def test_bare_star_principal_of_an_rcp_matches_everyone() -> None:
    assert (
        kind(Principal(star=True), ServicePrincipal("lambda.amazonaws.com"))
        is MatchKind.DIRECT_STAR
    )
    assert kind(Principal(star=True), WebIdentity(GH)) is MatchKind.DIRECT_STAR


# --- actions and resources


def _statement(**fields: object) -> Statement:
    return Statement(Effect.ALLOW, **fields)  # type: ignore[arg-type]


def _first(statement: Statement, kind_: PolicyKind = PolicyKind.IDENTITY) -> object:
    return compile_policy(
        Policy((statement,), version="2012-10-17", kind=kind_), label="p"
    ).statements[0]


@pytest.mark.parametrize(
    ("written", "action", "expected"),
    [
        ("sts:AssumeRole", "sts:AssumeRole", True),
        (
            "STS:assumerole",
            "sts:AssumeRole",
            True,
        ),  # action names are case-insensitive (DOC ACTION)
        ("sts:AssumeRole*", "sts:AssumeRoleWithSAML", True),
        ("sts:Assume?ole", "sts:AssumeRole", True),
        ("sts:*", "sts:TagSession", True),
        ("*", "sts:TagSession", True),
        ("sts:AssumeRole", "sts:AssumeRoleWithSAML", False),
        ("sts:TagSession", "sts:AssumeRole", False),
        ("s3:*", "sts:AssumeRole", False),
    ],
)
def test_action_matching(written: str, action: str, expected: bool) -> None:
    statement = _first(_statement(action=(written,), resource=("*",)))
    assert statement.action.matches(action, action.casefold()) is expected  # type: ignore[attr-defined]


def test_not_action_matches_everything_else() -> None:
    statement = _first(_statement(not_action=("sts:TagSession",), resource=("*",)))
    assert statement.action.matches("sts:AssumeRole", "sts:assumerole")  # type: ignore[attr-defined]
    assert not statement.action.matches("sts:TagSession", "sts:tagsession")  # type: ignore[attr-defined]


ROLE = "arn:aws:iam::111111111111:role/deploy/Deployer"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (ROLE, True),
        ("*", True),
        ("arn:aws:iam::111111111111:role/deploy/*", True),
        ("arn:aws:iam::*:role/deploy/Deployer", True),
        ("arn:aws:iam::111111111111:role/Deployer", False),  # path matters
        ("arn:aws:iam::111111111111:role/deploy/deployer", False),  # resources are case-sensitive
        ("arn:aws:iam::111111111111:role/approved/*", False),
    ],
)
def test_resource_matches_the_role_arn(written: str, expected: bool) -> None:
    statement = _first(_statement(action=("sts:AssumeRole",), resource=(written,)))
    assert statement.resource_matches(ROLE, RequestContext.of()) is expected  # type: ignore[attr-defined]


def test_not_resource_excludes_the_role() -> None:
    statement = _first(
        _statement(action=("sts:AssumeRole",), not_resource=("arn:aws:iam::*:role/deploy/*",))
    )
    assert not statement.resource_matches(ROLE, RequestContext.of())  # type: ignore[attr-defined]
    assert statement.resource_matches("arn:aws:iam::1:role/x", RequestContext.of())  # type: ignore[attr-defined]


def test_policy_variables_in_resources_are_resolved_from_the_context() -> None:
    # DOC VARS: variables in Resource are replaced by the request's values; absent → no match.
    statement = _first(
        _statement(
            action=("sts:AssumeRole",),
            resource=("arn:aws:iam::111111111111:role/${aws:username}-*",),
        )
    )
    arn = "arn:aws:iam::111111111111:role/alice-deploy"
    assert statement.resource_matches(arn, RequestContext.of({"aws:username": "alice"}))  # type: ignore[attr-defined]
    assert not statement.resource_matches(arn, RequestContext.of({"aws:username": "bob"}))  # type: ignore[attr-defined]
    assert not statement.resource_matches(arn, RequestContext.of())  # type: ignore[attr-defined]


def test_substituted_text_is_literal_in_a_resource() -> None:
    statement = _first(
        _statement(
            action=("sts:AssumeRole",), resource=("arn:aws:iam::1:role/${aws:PrincipalTag/team}",)
        )
    )
    ctx = RequestContext.of({"aws:PrincipalTag/team": "*"})
    assert not statement.resource_matches("arn:aws:iam::1:role/anything", ctx)  # type: ignore[attr-defined]
    assert statement.resource_matches("arn:aws:iam::1:role/*", ctx)  # type: ignore[attr-defined]


def test_variables_are_text_without_version_2012() -> None:
    policy = Policy(
        (
            _statement(
                action=("sts:AssumeRole",), resource=("arn:aws:iam::1:role/${aws:username}",)
            ),
        ),
        version=None,
        kind=PolicyKind.IDENTITY,
    )
    statement = compile_policy(policy, label="p").statements[0]
    ctx = RequestContext.of({"aws:username": "alice"})
    assert statement.resource_matches("arn:aws:iam::1:role/${aws:username}", ctx)
    assert not statement.resource_matches("arn:aws:iam::1:role/alice", ctx)


# --- statement refs


def test_every_statement_carries_its_ref() -> None:
    policy = Policy(
        (
            Statement(
                Effect.ALLOW,
                sid="A",
                action=("sts:AssumeRole",),
                resource=("*",),
                index=0,
                pointer="/Statement/0",
            ),
            Statement(
                Effect.DENY,
                action=("sts:AssumeRole",),
                resource=("*",),
                index=1,
                pointer="/Statement/1",
            ),
        ),
        kind=PolicyKind.IDENTITY,
    )
    compiled = compile_policy(policy, label="identity policy 1")
    assert [str(s.ref) for s in compiled.statements] == [
        'identity policy 1 statement 0 (Sid "A")',
        "identity policy 1 statement 1",
    ]
    assert [s.ref.pointer for s in compiled.denies] == ["/Statement/1"]
