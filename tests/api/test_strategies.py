"""The public Hypothesis strategies: validity, shrinking, outsiders, and the docs' property."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, find, given, settings
from hypothesis import strategies as st

from trustsim import strategies as ts_st
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import RequestContext
from trustsim.decision import Outcome
from trustsim.identities import GitHubActions
from trustsim.loaders import load_policy
from trustsim.model import Effect, Policy, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import assume_role
from trustsim.testing import assert_denied

pytestmark = pytest.mark.property

QUICK = settings(max_examples=60, database=None, suppress_health_check=[HealthCheck.too_slow])
ORG = "o-abc123xyz0"
HOME = "111122223333"
GITHUB = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"


def github_deploy_role(subject_pattern: str) -> Role:
    """The GitHub deploy role of docs/hypothesis.md, with the ``sub`` pattern under test."""
    return Role(
        "arn:aws:iam::111122223333:role/ci/deploy",
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "GitHubDeploy",
                        "Effect": "Allow",
                        "Principal": {"Federated": GITHUB},
                        "Action": "sts:AssumeRoleWithWebIdentity",
                        "Condition": {
                            "StringEquals": {
                                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                            },
                            "StringLike": {
                                "token.actions.githubusercontent.com:sub": subject_pattern
                            },
                        },
                    },
                    {
                        "Sid": "OrgAdmins",
                        "Effect": "Allow",
                        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORG}},
                    },
                ],
            }
        ),
    )


# -- validity -------------------------------------------------------------------------------


@QUICK
@given(ts_st.trust_policy_documents())
def test_every_generated_document_parses_from_json_text(document: dict[str, object]) -> None:
    policy = load_policy(json.dumps(document))
    assert parse_policy(policy.to_dict()) == policy


@QUICK
@given(ts_st.trust_policies())
def test_every_generated_policy_is_a_trust_policy_with_an_allow_or_deny(policy: Policy) -> None:
    assert policy.statements
    for statement in policy.statements:
        assert statement.principal is not None
        assert statement.effect in (Effect.ALLOW, Effect.DENY)


@QUICK
@given(ts_st.trust_policies(conditions=False, deny=False))
def test_without_conditions_and_denies_only_github_keeps_its_required_sub(policy: Policy) -> None:
    for statement in policy.statements:
        assert statement.effect is Effect.ALLOW
        keys = {clause.key for clause in statement.condition}
        assert keys <= {"token.actions.githubusercontent.com:sub"}


@QUICK
@given(st.data(), ts_st.callers(), ts_st.roles())
def test_every_generated_caller_evaluates_with_generated_options(
    data: st.DataObject, caller: object, role: Role
) -> None:
    options = data.draw(ts_st.request_options(caller))  # type: ignore[arg-type]
    outcome = assume_role(caller, role, **options)  # type: ignore[arg-type]
    assert isinstance(outcome, Outcome)
    assert outcome.explain().decision is outcome.decision


@QUICK
@given(ts_st.callers(), ts_st.roles(), ts_st.condition_contexts())
def test_generated_contexts_are_accepted_by_every_caller(
    caller: object, role: Role, context: dict[str, object]
) -> None:
    outcome = assume_role(caller, role, context=context)  # type: ignore[arg-type]
    for key in context:
        assert key in outcome.request.context


EXPECTED_TYPES = {
    "anonymous": Anonymous,
    "iam_user": IamUser,
    "role_session": RoleSession,
    "account_root": AccountRoot,
    "service": ServicePrincipal,
    "saml": SamlIdentity,
}


@pytest.mark.parametrize("kind", ts_st.CALLER_KINDS)
def test_each_caller_kind_is_generated(kind: str) -> None:
    @settings(max_examples=5, database=None)
    @given(ts_st.callers(kinds=[kind]))
    def check(caller: object) -> None:
        assert isinstance(caller, EXPECTED_TYPES.get(kind, WebIdentity))

    check()


def test_unknown_caller_kinds_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown caller kinds"):
        ts_st.callers(kinds=["robot"])
    with pytest.raises(ValueError, match="no value strategy"):
        ts_st.condition_contexts(keys=["aws:Nope"])


# -- shrinking: each docstring's promise -------------------------------------------------------


def test_trust_policies_shrink_to_one_allow_one_principal_no_condition() -> None:
    minimal = find(ts_st.trust_policies(), lambda _: True, settings=settings(database=None))
    assert minimal == Policy(
        (
            Statement(
                Effect.ALLOW, principal=Principal(aws=("111122223333",)), action=("sts:AssumeRole",)
            ),
        ),
        version="2012-10-17",
    )


def test_policies_with_a_condition_shrink_to_one_statement_with_one_clause() -> None:
    minimal = find(
        ts_st.trust_policies(),
        lambda policy: any(s.condition for s in policy.statements),
        settings=settings(database=None),
    )
    assert len(minimal.statements) == 1
    assert len(minimal.statements[0].condition) == 1
    assert minimal.statements[0].effect is Effect.ALLOW


def test_callers_shrink_to_the_simplest_of_the_first_kind() -> None:
    assert find(ts_st.callers(), lambda _: True) == Anonymous()
    assert find(ts_st.callers(kinds=["iam_user"]), lambda _: True) == IamUser(
        "arn:aws:iam::111122223333:user/alice"
    )
    # Real tokens always carry the owner and repository IDs (RCPs fence on them): so does the
    # simplest run (issue 23).
    assert find(ts_st.callers(kinds=["github"]), lambda _: True) == GitHubActions(
        "acme/app", branch="main", owner_id=1, repository_id=1
    )


def test_options_and_contexts_shrink_to_nothing() -> None:
    assert find(ts_st.request_options(), lambda _: True) == {}
    assert find(ts_st.condition_contexts(), lambda _: True) == {}
    assert find(ts_st.request_contexts(), lambda _: True) == RequestContext.of()


def test_outsiders_shrink_to_the_first_look_alike_github_owner() -> None:
    run = find(ts_st.callers_outside(github_owners=["acme"], kinds=["github"]), lambda _: True)
    assert run.claims["sub"] == "repo:acme-evil/app:ref:refs/heads/main"


# -- callers_outside never yields an insider --------------------------------------------------


@QUICK
@given(ts_st.callers_outside(org_id=ORG, accounts=[HOME, "444455556666"], github_owners=["acme"]))
def test_outsiders_are_outside(caller: object) -> None:
    aws_caller = isinstance(caller, (IamUser, RoleSession, AccountRoot))
    if aws_caller:
        assert caller.account_id not in (HOME, "444455556666")  # type: ignore[union-attr]
        org: OrgMembership | None = caller.org  # type: ignore[union-attr]
        assert org is None or org.org_id != ORG
    if isinstance(caller, ServicePrincipal):
        assert caller.source_account not in (HOME, "444455556666")
        assert caller.source_org_id != ORG
    if isinstance(caller, SamlIdentity):
        assert caller.account_id not in (HOME, "444455556666")
    if isinstance(caller, WebIdentity) and caller.issuer == "token.actions.githubusercontent.com":
        repository = caller.claims["repository"]
        assert isinstance(repository, str)
        assert repository.split("/")[0].lower() != "acme"


# -- the property of docs/hypothesis.md ------------------------------------------------------


def no_outsider_property(role: Role) -> object:
    @settings(max_examples=200, database=None, derandomize=True)
    @given(ts_st.callers_outside(org_id=ORG, accounts=[HOME], github_owners=["acme"]))
    def no_caller_outside_the_organisation_can_assume(caller: object) -> None:
        assert_denied(caller, role)  # type: ignore[arg-type]

    return no_caller_outside_the_organisation_can_assume


def test_the_outsider_property_finds_the_planted_repo_acme_star_mistake() -> None:
    """``repo:acme*`` also matches ``repo:acme-evil/…``: GitHub owners are not AWS accounts.

    docs/semantics.md §7.2: a ``sub`` pattern without the ``/`` after the owner admits every
    repository whose owner *starts with* the name.
    """
    with pytest.raises(AssertionError) as failure:
        no_outsider_property(github_deploy_role("repo:acme*"))()  # type: ignore[operator]
    message = str(failure.value)
    assert 'web identity token.actions.githubusercontent.com sub "repo:acme-evil/app:' in message
    assert "expected a denial, got Allow" in message
    assert 'trust policy statement 0 (Sid "GitHubDeploy") [Allow] — applies' in message


def test_the_outsider_property_passes_once_the_pattern_is_fixed() -> None:
    no_outsider_property(github_deploy_role("repo:acme/*"))()  # type: ignore[operator]


# -- the hypothesis entry point ---------------------------------------------------------------


@pytest.mark.parametrize(
    "kind",
    [
        IamUser,
        RoleSession,
        AccountRoot,
        Anonymous,
        ServicePrincipal,
        WebIdentity,
        SamlIdentity,
        OrgMembership,
        Role,
        Policy,
        Statement,
        Principal,
        RequestContext,
    ],
)
def test_from_type_resolves_every_registered_type(kind: type) -> None:
    @settings(max_examples=5, database=None)
    @given(st.from_type(kind))
    def check(value: object) -> None:
        assert isinstance(value, kind)

    check()


def test_request_options_sometimes_name_the_region_and_it_reaches_the_context() -> None:
    """request_options draws ``region`` too; it becomes aws:RequestedRegion (§6.2)."""
    options = find(ts_st.request_options(), lambda drawn: "region" in drawn)
    assert options["region"] in ("us-east-1", "eu-west-1", "ap-southeast-2")
    from trustsim.requests import build_request  # noqa: PLC0415

    role = Role("arn:aws:iam::111122223333:role/deploy", Policy(()))
    alice = IamUser("arn:aws:iam::111122223333:user/alice")
    context = build_request(alice, role, region=options["region"]).context
    assert context["aws:RequestedRegion"] == (options["region"],)
