"""build_request: the request context AWS derives per caller kind, STS's refusals, companions (§6, §4.11)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import trustsim.evaluation
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
from trustsim.errors import InvalidContext, InvalidRequest
from trustsim.identities import CognitoIdentity, GitHubActions
from trustsim.model import Effect, Policy, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.requests import (
    ASSUME_ROLE,
    ASSUME_ROLE_WITH_SAML,
    ASSUME_ROLE_WITH_WEB_IDENTITY,
    DEFAULT_SESSION_NAME,
    SET_CONTEXT,
    SET_SOURCE_IDENTITY,
    TAG_SESSION,
    AssumeRoleRequest,
    ProvidedContext,
    assume_role,
    build_request,
    check_action,
)

UTC = dt.timezone.utc
AT = dt.datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
ORG = "o-a1b2c3d4e5"
ORG_PATH = f"{ORG}/r-ab12/ou-ab12-11111111/"
ROLE = Role(
    "arn:aws:iam::111111111111:role/path/Target", Policy(()), tags={"env": "prod", "Team": "a"}
)
USER = IamUser("arn:aws:iam::222222222222:user/eng/alice", tags={"team": "platform"})
SESSION = RoleSession("arn:aws:iam::222222222222:role/ci/Builder", "build-1")
SAML = SamlIdentity("arn:aws:iam::111111111111:saml-provider/CorpIdP", {"saml:sub": "jdoe"})

PRINCIPAL_KEYS = (
    "aws:PrincipalArn",
    "aws:PrincipalAccount",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalType",
    "aws:userid",
    "aws:username",
    "aws:MultiFactorAuthPresent",
    "aws:MultiFactorAuthAge",
    "aws:TokenIssueTime",
    "aws:SourceIdentity",
)


def ctx(caller: Any, role: Role = ROLE, **options: Any) -> RequestContext:
    options.setdefault("at", AT)
    return build_request(caller, role, **options).context


def single(context: RequestContext, key: str) -> str:
    values = context[key]
    assert len(values) == 1
    assert not context.is_multivalued(key)
    return values[0]


# --- the action (§3.8, §4.9: the API follows the caller kind) -------------------------------


@pytest.mark.parametrize(
    ("caller", "action"),
    [
        (USER, ASSUME_ROLE),
        (SESSION, ASSUME_ROLE),
        (AccountRoot("222222222222"), ASSUME_ROLE),
        (Anonymous(), ASSUME_ROLE),
        (ServicePrincipal("lambda.amazonaws.com"), ASSUME_ROLE),
        (GitHubActions("acme/app", branch="main"), ASSUME_ROLE_WITH_WEB_IDENTITY),
        (SAML, ASSUME_ROLE_WITH_SAML),
    ],
)
def test_the_action_defaults_from_the_caller_kind(caller: Any, action: str) -> None:
    assert build_request(caller, ROLE, at=AT).action == action


def test_an_assume_action_of_another_caller_kind_is_refused() -> None:
    with pytest.raises(
        InvalidRequest, match="assumes a role with sts:AssumeRole, not sts:AssumeRoleWithSAML"
    ):
        build_request(USER, ROLE, action=ASSUME_ROLE_WITH_SAML)
    with pytest.raises(InvalidRequest, match="service:Action"):
        build_request(USER, ROLE, action="AssumeRole")
    assert build_request(USER, ROLE, action=ASSUME_ROLE).action == ASSUME_ROLE


def test_a_companion_action_is_decided_alone_with_the_same_context() -> None:
    whole = build_request(USER, ROLE, tags={"k": "v"}, at=AT)
    alone = build_request(USER, ROLE, tags={"k": "v"}, at=AT, action=TAG_SESSION)
    assert alone.action == TAG_SESSION
    assert alone.companion_actions == ()
    assert alone.context == whole.context


# --- IAM users (§6.1) ------------------------------------------------------------------------


def test_user_principal_keys() -> None:
    context = ctx(USER)
    assert single(context, "aws:PrincipalArn") == "arn:aws:iam::222222222222:user/eng/alice"
    assert single(context, "aws:PrincipalAccount") == "222222222222"
    assert single(context, "aws:PrincipalType") == "User"
    assert single(context, "aws:PrincipalIsAWSService") == "false"
    assert single(context, "aws:username") == "alice"  # the name without its path
    assert single(context, "aws:PrincipalTag/team") == "platform"


def test_user_keys_aws_documents_as_absent_are_absent() -> None:
    # §6.1: long-term keys carry no MFA keys and no token issue time; a user has no source
    # identity, service name or federated provider; no org keys outside an organization.
    context = ctx(USER)
    for key in (
        "aws:MultiFactorAuthPresent",
        "aws:MultiFactorAuthAge",
        "aws:TokenIssueTime",
        "aws:SourceIdentity",
        "aws:PrincipalServiceName",
        "aws:FederatedProvider",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:userid",  # unknown unique ID: never made up
        "sts:ExternalId",
        "sts:SourceIdentity",
        "aws:SourceIp",
        "aws:TagKeys",
        "sts:TransitiveTagKeys",
    ):
        assert key not in context, key


def test_user_unique_id_is_aws_userid() -> None:
    user = IamUser("arn:aws:iam::222222222222:user/alice", unique_id="AIDAEXAMPLE0000000001")
    assert single(ctx(user), "aws:userid") == "AIDAEXAMPLE0000000001"


def test_org_membership_gives_org_id_and_multivalued_org_paths() -> None:
    user = IamUser("arn:aws:iam::222222222222:user/alice", org=OrgMembership(ORG, paths=[ORG_PATH]))
    context = ctx(user)
    assert single(context, "aws:PrincipalOrgID") == ORG
    assert context["aws:PrincipalOrgPaths"] == (ORG_PATH,)
    assert context.is_multivalued("aws:PrincipalOrgPaths")
    no_paths = ctx(IamUser("arn:aws:iam::222222222222:user/alice", org=OrgMembership(ORG)))
    assert "aws:PrincipalOrgPaths" not in no_paths


@pytest.mark.parametrize(
    ("field", "option", "present", "age"),
    [
        (None, None, None, None),  # plain access keys: absent
        (None, True, "true", "0"),  # MFA code passed with AssumeRole
        (True, None, "true", "0"),
        (False, None, "false", None),  # credentials that carry the flag without MFA
        (True, False, "false", None),  # the call's option wins
    ],
)
def test_user_mfa_keys(
    field: bool | None, option: bool | None, present: str | None, age: str | None
) -> None:
    # §6.1 [DOC GLOBAL, STS-API]: absent with long-term keys, true when MFA is passed.
    user = IamUser("arn:aws:iam::222222222222:user/alice", mfa_authenticated=field)
    context = ctx(user, mfa=option)
    assert context.get_values("aws:MultiFactorAuthPresent") == (
        None if present is None else (present,)
    )
    assert context.get_values("aws:MultiFactorAuthAge") == (None if age is None else (age,))


# --- role sessions (§6.1, §4.12) -------------------------------------------------------------


def test_session_principal_arn_is_the_role_arn_with_path() -> None:
    context = ctx(SESSION)
    assert single(context, "aws:PrincipalArn") == "arn:aws:iam::222222222222:role/ci/Builder"
    assert single(context, "aws:PrincipalAccount") == "222222222222"
    assert single(context, "aws:PrincipalType") == "AssumedRole"
    assert single(context, "aws:PrincipalIsAWSService") == "false"
    for key in ("aws:username", "aws:userid", "aws:SourceIdentity", "aws:FederatedProvider"):
        assert key not in context, key


def test_session_userid_is_role_id_colon_session_name() -> None:
    session = RoleSession(
        "arn:aws:iam::222222222222:role/R", "build-1", role_unique_id="AROAEXAMPLE00001"
    )
    assert single(ctx(session), "aws:userid") == "AROAEXAMPLE00001:build-1"


def test_session_tags_override_role_tags_case_insensitively() -> None:
    # §6.1 [DOC TAGS]: role tags + session tags; a session tag replaces a role tag of the
    # same key compared case-insensitively.
    session = RoleSession(
        "arn:aws:iam::222222222222:role/R",
        "s1",
        role_tags={"Team": "role-team", "Dept": "eng"},
        session_tags={"team": "session-team"},
    )
    context = ctx(session)
    assert single(context, "aws:PrincipalTag/Team") == "session-team"
    assert context.original_key("aws:PrincipalTag/team") == "aws:PrincipalTag/team"
    assert single(context, "aws:PrincipalTag/Dept") == "eng"


def test_session_token_issue_time_and_mfa() -> None:
    # Temporary credentials always carry aws:MultiFactorAuthPresent and aws:TokenIssueTime.
    plain = ctx(SESSION)
    assert single(plain, "aws:MultiFactorAuthPresent") == "false"
    assert "aws:MultiFactorAuthAge" not in plain
    assert (
        single(plain, "aws:TokenIssueTime") == "2026-03-04T05:06:07Z"
    )  # defaults to the call time
    issued = AT - dt.timedelta(minutes=10)
    with_mfa = RoleSession(
        "arn:aws:iam::222222222222:role/R", "s1", mfa_authenticated=True, issued_at=issued
    )
    context = ctx(with_mfa)
    assert single(context, "aws:MultiFactorAuthPresent") == "true"
    assert single(context, "aws:MultiFactorAuthAge") == "600"
    assert single(context, "aws:TokenIssueTime") == "2026-03-04T04:56:07Z"
    assert single(ctx(SESSION, mfa=True), "aws:MultiFactorAuthAge") == "0"


def test_chained_source_identity_is_carried_and_needs_set_source_identity() -> None:
    # §4.12 [DOC SRCID]: it persists into the chained session; reading 11: the next trust
    # policy must allow sts:SetSourceIdentity again.
    session = RoleSession("arn:aws:iam::222222222222:role/R", "s1", source_identity="Diego")
    request = build_request(session, ROLE, at=AT)
    assert single(request.context, "aws:SourceIdentity") == "Diego"
    assert single(request.context, "sts:SourceIdentity") == "Diego"
    assert request.companion_actions == (SET_SOURCE_IDENTITY,)
    assert build_request(SESSION, ROLE, at=AT).companion_actions == ()


def test_federation_born_session_carries_its_provider_and_keys() -> None:
    session = RoleSession(
        "arn:aws:iam::222222222222:role/R",
        "s1",
        federated_provider="arn:aws:iam::222222222222:saml-provider/Corp",
        carried_keys={"saml:sub": "jdoe"},
    )
    context = ctx(session)
    assert (
        single(context, "aws:FederatedProvider") == "arn:aws:iam::222222222222:saml-provider/Corp"
    )
    assert single(context, "saml:sub") == "jdoe"


# --- transitive tags (§4.12) -----------------------------------------------------------------

CHAINED = RoleSession(
    "arn:aws:iam::222222222222:role/R",
    "s1",
    session_tags={"ENV": "dev", "cost": "42"},
    transitive_tag_keys=["ENV"],
)


def test_incoming_transitive_tags_leave_the_roles_resource_tags_alone() -> None:
    """aws:ResourceTag is the tags attached to the role. The IAM guide's chaining section has
    inherited transitive tags override the role's tags in the new session's *principal* tags;
    no source says they replace aws:ResourceTag when the trust policy is read (issue 17: the
    former test asserted that unsourced override, which let a transitive ``env=dev`` slip past
    a trust Deny on the role's own ``env=prod``)."""
    context = ctx(CHAINED)
    assert single(context, "aws:ResourceTag/env") == "prod"
    assert single(context, "iam:ResourceTag/env") == "prod"
    assert context.original_key("aws:resourcetag/env") == "aws:ResourceTag/env"
    assert single(context, "aws:ResourceTag/Team") == "a"
    assert "aws:ResourceTag/cost" not in context


def test_incoming_transitive_tags_are_principal_tags_not_request_tags() -> None:
    request = build_request(CHAINED, ROLE, at=AT)
    assert single(request.context, "aws:PrincipalTag/ENV") == "dev"
    assert "aws:TagKeys" not in request.context
    assert "aws:RequestTag/ENV" not in request.context
    # They become session tags of the new session: the call needs sts:TagSession (§9 #16).
    assert request.companion_actions == ("sts:TagSession",)


def test_a_passed_tag_colliding_with_an_inherited_transitive_tag_fails() -> None:
    with pytest.raises(InvalidRequest, match="collides with the transitive tag 'ENV'"):
        build_request(CHAINED, ROLE, tags={"env": "prod"})
    # A key of a non-transitive session tag is free to pass again.
    assert single(ctx(CHAINED, tags={"cost": "7"}), "aws:RequestTag/cost") == "7"


def test_without_transitive_tags_resource_tags_are_the_roles() -> None:
    context = ctx(USER)
    assert single(context, "aws:ResourceTag/env") == "prod"
    assert single(context, "aws:ResourceTag/Team") == "a"


# --- root, anonymous, services (§3.9, reading 10) -------------------------------------------


def test_root_still_produces_a_request() -> None:
    context = ctx(AccountRoot("222222222222"))
    assert single(context, "aws:PrincipalArn") == "arn:aws:iam::222222222222:root"
    assert single(context, "aws:PrincipalType") == "Account"
    assert single(context, "aws:userid") == "222222222222"
    assert "aws:username" not in context
    assert "aws:MultiFactorAuthPresent" not in context


def test_anonymous_has_no_principal_keys_but_request_keys() -> None:
    context = ctx(Anonymous())
    for key in (*PRINCIPAL_KEYS, "aws:PrincipalIsAWSService"):
        assert key not in context, key
    assert single(context, "aws:SecureTransport") == "true"


def test_service_caller_keys_follow_decision_10() -> None:
    service = ServicePrincipal(
        "config.amazonaws.com",
        source_account="333333333333",
        source_arn="arn:aws:config:us-east-1:333333333333:config-rule/r",
        source_org_id=ORG,
        source_org_paths=[ORG_PATH],
    )
    context = ctx(service)
    assert single(context, "aws:PrincipalIsAWSService") == "true"
    assert single(context, "aws:PrincipalServiceName") == "config.amazonaws.com"
    assert single(context, "aws:SourceAccount") == "333333333333"
    assert single(context, "aws:SourceArn") == "arn:aws:config:us-east-1:333333333333:config-rule/r"
    assert single(context, "aws:SourceOrgID") == ORG
    assert context["aws:SourceOrgPaths"] == (ORG_PATH,)
    assert context.is_multivalued("aws:SourceOrgPaths")
    for key in PRINCIPAL_KEYS:
        assert key not in context, key


def test_service_source_keys_are_absent_unless_the_service_sends_them() -> None:
    context = ctx(ServicePrincipal("lambda.amazonaws.com"))
    for key in ("aws:SourceAccount", "aws:SourceArn", "aws:SourceOrgID", "aws:SourceOrgPaths"):
        assert key not in context, key


# --- web identities (§6.4, §3.8) -------------------------------------------------------------


def test_web_identity_provider_resolves_to_the_role_account() -> None:
    request = build_request(GitHubActions("acme/app", branch="main"), ROLE, at=AT)
    arn = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    assert isinstance(request.caller, WebIdentity)
    assert request.caller.provider == arn
    assert single(request.context, "aws:FederatedProvider") == arn


def test_web_identity_has_claim_keys_and_no_principal_keys() -> None:
    context = ctx(GitHubActions("acme/app", pull_request=True))
    assert (
        single(context, "token.actions.githubusercontent.com:sub") == "repo:acme/app:pull_request"
    )
    assert single(context, "token.actions.githubusercontent.com:aud") == "sts.amazonaws.com"
    assert "token.actions.githubusercontent.com:event_name" not in context
    for key in (*PRINCIPAL_KEYS, "aws:PrincipalIsAWSService", "aws:PrincipalTag/team"):
        assert key not in context, key
    assert single(context, "sts:RoleSessionName") == DEFAULT_SESSION_NAME


def test_cognito_amr_is_multivalued_in_the_context() -> None:
    identity = CognitoIdentity(
        "us-east-2:11111111-2222-3333-4444-555555555555",
        "us-east-2:aaaaaaaa-2222-3333-4444-555555555555",
    )
    context = ctx(identity)
    assert context["cognito-identity.amazonaws.com:amr"] == ("authenticated",)
    assert context.is_multivalued("cognito-identity.amazonaws.com:amr")
    assert single(context, "aws:FederatedProvider") == "cognito-identity.amazonaws.com"


def test_saml_identity_keys() -> None:
    context = ctx(SAML)
    assert single(context, "saml:sub") == "jdoe"
    assert single(context, "saml:doc") == "111111111111/CorpIdP"
    assert single(context, "saml:aud") == "https://signin.aws.amazon.com/saml"
    for key in (*PRINCIPAL_KEYS, "aws:PrincipalIsAWSService", "aws:FederatedProvider"):
        assert key not in context, key


# --- request and sts keys (§6.2, §6.3) -------------------------------------------------------


def test_time_keys_come_from_at_in_utc() -> None:
    later = dt.datetime(2026, 3, 4, 7, 6, 7, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    context = ctx(USER, at=later)
    assert single(context, "aws:CurrentTime") == "2026-03-04T05:06:07Z"
    assert single(context, "aws:EpochTime") == str(int(AT.timestamp()))


def test_time_defaults_to_now() -> None:
    before = int(dt.datetime.now(UTC).timestamp())
    context = build_request(USER, ROLE).context
    after = int(dt.datetime.now(UTC).timestamp())
    assert before - 1 <= int(single(context, "aws:EpochTime")) <= after


def test_request_keys_always_present() -> None:
    context = ctx(USER)
    assert single(context, "aws:SecureTransport") == "true"
    assert single(context, "aws:ResourceAccount") == "111111111111"
    assert single(context, "sts:RoleSessionName") == "trustsim"
    assert single(ctx(USER, session_name="alice"), "sts:RoleSessionName") == "alice"


def test_source_ip_only_when_given() -> None:
    assert "aws:SourceIp" not in ctx(USER)
    assert single(ctx(USER, source_ip="203.0.113.7"), "aws:SourceIp") == "203.0.113.7"
    assert single(ctx(USER, source_ip="2001:db8::1"), "aws:SourceIp") == "2001:db8::1"


def test_tags_give_request_tags_multivalued_tag_keys_and_tag_session() -> None:
    request = build_request(
        USER, ROLE, at=AT, tags={"Project": "blue", "Dept": "eng"}, transitive_tag_keys=["project"]
    )
    context = request.context
    assert single(context, "aws:RequestTag/Project") == "blue"
    assert single(context, "aws:RequestTag/dept") == "eng"
    assert context["aws:TagKeys"] == ("Project", "Dept")
    assert context.is_multivalued("aws:TagKeys")
    assert context["sts:TransitiveTagKeys"] == ("project",)
    assert context.is_multivalued("sts:TransitiveTagKeys")
    assert request.companion_actions == (TAG_SESSION,)


def test_no_tags_no_tag_session() -> None:
    assert build_request(USER, ROLE, at=AT).companion_actions == ()
    assert build_request(USER, ROLE, at=AT, tags={}).companion_actions == ()
    assert "aws:TagKeys" not in ctx(USER, tags={})


def test_external_id_and_source_identity_keys() -> None:
    request = build_request(
        USER, ROLE, at=AT, external_id="tenant:acme/prod", source_identity="alice"
    )
    assert single(request.context, "sts:ExternalId") == "tenant:acme/prod"
    assert single(request.context, "sts:SourceIdentity") == "alice"
    assert "aws:SourceIdentity" not in request.context  # a user's own calls carry none
    assert request.companion_actions == (SET_SOURCE_IDENTITY,)


def test_provided_contexts_give_providers_and_context_keys_and_set_context() -> None:
    provider = "arn:aws:iam::aws:contextProvider/IdentityCenter"
    request = build_request(
        ServicePrincipal("access-grants.s3.amazonaws.com"),
        ROLE,
        at=AT,
        provided_contexts=[ProvidedContext(provider, {"identitystore:UserId": "u-1"})],
    )
    assert request.context["sts:RequestContextProviders"] == (provider,)
    assert request.context.is_multivalued("sts:RequestContextProviders")
    assert single(request.context, "sts:RequestContext/identitystore:UserId") == "u-1"
    assert request.companion_actions == (SET_CONTEXT,)
    bare = build_request(USER, ROLE, at=AT, provided_contexts=[provider])
    assert bare.context["sts:RequestContextProviders"] == (provider,)


def test_companions_come_in_order() -> None:
    request = build_request(
        USER,
        ROLE,
        at=AT,
        tags={"k": "v"},
        source_identity="alice",
        provided_contexts=["arn:aws:iam::aws:contextProvider/IdentityCenter"],
    )
    assert request.companion_actions == (TAG_SESSION, SET_SOURCE_IDENTITY, SET_CONTEXT)


# --- explicit context (§8: overrides and extends last) ---------------------------------------


def test_explicit_context_overrides_any_case_and_extends() -> None:
    context = ctx(
        USER, context={"AWS:principalarn": "arn:aws:iam::222222222222:user/bob", "x:y": ["1"]}
    )
    assert single(context, "aws:PrincipalArn") == "arn:aws:iam::222222222222:user/bob"
    assert context["x:y"] == ("1",)
    assert context.is_multivalued("x:y")
    assert single(context, "aws:username") == "alice"  # other derived keys stay


def test_explicit_context_may_be_a_request_context() -> None:
    context = ctx(USER, context=RequestContext.of({"aws:SourceIp": "198.51.100.1"}))
    assert single(context, "aws:SourceIp") == "198.51.100.1"


def test_explicit_context_with_case_duplicates_is_refused() -> None:
    with pytest.raises(InvalidContext, match="differ only in case"):
        build_request(USER, ROLE, context={"sts:ExternalId": "a", "STS:ExternalId": "b"})


@pytest.mark.parametrize(
    ("extra", "companions"),
    [
        ({"aws:RequestTag/Project": "blue"}, (TAG_SESSION,)),
        ({"aws:TagKeys": ["Project"]}, (TAG_SESSION,)),
        ({"aws:TagKeys": []}, (TAG_SESSION,)),
        ({"sts:TransitiveTagKeys": ["Project"]}, (TAG_SESSION,)),
        ({"STS:SourceIdentity": "alice"}, (SET_SOURCE_IDENTITY,)),
        (
            {"sts:RequestContextProviders": ["arn:aws:iam::aws:contextProvider/IdentityCenter"]},
            (SET_CONTEXT,),
        ),
        ({"sts:RequestContext/identitystore:UserId": "u-1"}, (SET_CONTEXT,)),
        ({"aws:SourceIdentity": "alice"}, ()),  # a user's session carries none to pass on
        ({"aws:PrincipalTag/team": "x", "sts:ExternalId": "abc"}, ()),
    ],
)
def test_explicit_context_keys_exercise_companions(
    extra: dict[str, Any], companions: tuple[str, ...]
) -> None:
    # conformance README: a context showing tags / a source identity passed needs the companion.
    assert build_request(USER, ROLE, at=AT, context=extra).companion_actions == companions


def test_explicit_aws_source_identity_on_a_role_session_chains_it() -> None:
    # Decision 11: a chained session carrying a source identity sets it again.
    request = build_request(SESSION, ROLE, at=AT, context={"aws:SourceIdentity": "Diego"})
    assert request.companion_actions == (SET_SOURCE_IDENTITY,)


# --- what STS refuses (InvalidRequest) -------------------------------------------------------


@pytest.mark.parametrize("value", ["ab", "x" * 1224, "tenant:acme/prod", "a_b+c=d,e.f@g-h"])
def test_external_id_accepted(value: str) -> None:
    # §6.3: 2-1224 characters of [\w+=,.@:/-].
    assert single(ctx(USER, external_id=value), "sts:ExternalId") == value


@pytest.mark.parametrize("value", ["a", "x" * 1225, "has space", "semi;colon", "ünicode"])
def test_external_id_refused(value: str) -> None:
    with pytest.raises(InvalidRequest, match="ExternalId"):
        build_request(USER, ROLE, external_id=value)


@pytest.mark.parametrize("caller", [GitHubActions("acme/app", branch="main"), SAML])
def test_external_id_exists_only_for_assume_role(caller: Any) -> None:
    # docs/semantics.md §7.7: web identity (and SAML) calls cannot carry an ExternalId.
    with pytest.raises(InvalidRequest, match="no ExternalId parameter"):
        build_request(caller, ROLE, external_id="abc")


@pytest.mark.parametrize("value", ["ab", "x" * 64, "user@example.com"])
def test_session_name_accepted(value: str) -> None:
    assert single(ctx(USER, session_name=value), "sts:RoleSessionName") == value


@pytest.mark.parametrize("value", ["a", "x" * 65, "a b", "a:b", "a/b"])
def test_session_name_refused(value: str) -> None:
    # §6.3 [DOC STS-API]: 2-64 characters of [\w+=,.@-].
    with pytest.raises(InvalidRequest, match="RoleSessionName"):
        build_request(USER, ROLE, session_name=value)


@pytest.mark.parametrize("value", ["ab", "x" * 64, "jdoe@example.com"])
def test_source_identity_accepted(value: str) -> None:
    assert single(ctx(USER, source_identity=value), "sts:SourceIdentity") == value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("a", "2-64"),
        ("x" * 65, "2-64"),
        ("aws:alice", "reserved"),
        ("AWS:alice", "reserved"),
        ("a b", "2-64"),
    ],
)
def test_source_identity_refused(value: str, message: str) -> None:
    # §6.3: 2-64 characters, [\w+=,.@-], not starting with "aws:".
    with pytest.raises(InvalidRequest, match=message):
        build_request(USER, ROLE, source_identity=value)


def test_source_identity_cannot_change_once_set() -> None:
    # §4.12 [DOC SRCID].
    session = RoleSession("arn:aws:iam::222222222222:role/R", "s1", source_identity="Diego")
    with pytest.raises(InvalidRequest, match="cannot be changed"):
        build_request(session, ROLE, source_identity="Saanvi")
    same = build_request(session, ROLE, at=AT, source_identity="Diego")
    assert single(same.context, "sts:SourceIdentity") == "Diego"


def test_at_most_50_session_tags() -> None:
    fifty = {f"k{i}": "v" for i in range(50)}
    assert len(ctx(USER, tags=fifty)["aws:TagKeys"]) == 50
    with pytest.raises(InvalidRequest, match="at most 50"):
        build_request(USER, ROLE, tags={**fifty, "k50": "v"})


def test_tag_key_and_value_lengths() -> None:
    assert (
        single(ctx(USER, tags={"k" * 128: "v" * 256}), f"aws:RequestTag/{'k' * 128}") == "v" * 256
    )
    assert single(ctx(USER, tags={"k": ""}), "aws:RequestTag/k") == ""
    with pytest.raises(InvalidRequest, match="key"):
        build_request(USER, ROLE, tags={"k" * 129: "v"})
    with pytest.raises(InvalidRequest, match="key"):
        build_request(USER, ROLE, tags={"": "v"})
    with pytest.raises(InvalidRequest, match="value"):
        build_request(USER, ROLE, tags={"k": "v" * 257})


def test_tag_characters() -> None:
    # STS tag pattern: letters, spaces, numbers and _.:/=+-@ (Unicode letters included).
    assert single(ctx(USER, tags={"Cost Center": "Zürich/1+2=3@x"}), "aws:RequestTag/Cost Center")
    with pytest.raises(InvalidRequest, match="key"):
        build_request(USER, ROLE, tags={"a*b": "v"})
    with pytest.raises(InvalidRequest, match="value"):
        build_request(USER, ROLE, tags={"k": "a;b"})


def test_tag_keys_differing_only_in_case_are_refused() -> None:
    with pytest.raises(InvalidRequest, match="differ only in case"):
        build_request(USER, ROLE, tags={"Project": "a", "project": "b"})


def test_transitive_keys_must_be_among_the_passed_tags() -> None:
    with pytest.raises(InvalidRequest, match="not one of the session tags"):
        build_request(USER, ROLE, tags={"a": "1"}, transitive_tag_keys=["b"])
    with pytest.raises(InvalidRequest, match="not one of the session tags"):
        build_request(USER, ROLE, transitive_tag_keys=["a"])
    assert ctx(USER, tags={"A": "1"}, transitive_tag_keys=["a"])["sts:TransitiveTagKeys"] == ("a",)


def test_source_ip_must_be_an_ip_address() -> None:
    with pytest.raises(InvalidRequest, match="not an IP address"):
        build_request(USER, ROLE, source_ip="203.0.113.0/24")


def test_at_needs_a_time_zone() -> None:
    with pytest.raises(InvalidRequest, match="time zone"):
        build_request(USER, ROLE, at=dt.datetime(2026, 1, 1))


@pytest.mark.parametrize(
    "caller",
    [GitHubActions("acme/app", branch="main"), SAML, ServicePrincipal("ec2.amazonaws.com")],
)
def test_mfa_only_for_iam_callers(caller: Any) -> None:
    with pytest.raises(InvalidRequest, match="MFA"):
        build_request(caller, ROLE, mfa=True)
    assert "aws:MultiFactorAuthPresent" in ctx(AccountRoot("222222222222"), mfa=True)


def test_provided_context_rules() -> None:
    provider = "arn:aws:iam::aws:contextProvider/IdentityCenter"
    assert len(ctx(USER, provided_contexts=[provider] * 5)["sts:RequestContextProviders"]) == 5
    with pytest.raises(InvalidRequest, match="at most 5"):
        build_request(USER, ROLE, provided_contexts=[provider] * 6)
    with pytest.raises(InvalidRequest, match="no ProvidedContexts"):
        build_request(SAML, ROLE, provided_contexts=[provider])
    with pytest.raises(InvalidRequest, match="20-2048"):
        build_request(USER, ROLE, provided_contexts=["arn:short"])


_ALLOWED = "abcXYZ019_+=,.@-"


@given(st.text(alphabet=_ALLOWED + ":/ ;*é", max_size=70))
def test_session_name_rule_matches_a_naive_reading(name: str) -> None:
    ok = 2 <= len(name) <= 64 and all(char in _ALLOWED for char in name)
    try:
        build_request(USER, ROLE, at=AT, session_name=name)
    except InvalidRequest:
        assert not ok
    else:
        assert ok


# --- assume_role / check_action wiring -------------------------------------------------------


def test_assume_role_evaluates_the_whole_call(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[AssumeRoleRequest] = []
    monkeypatch.setattr(
        trustsim.evaluation, "evaluate", lambda request: seen.append(request) or "outcome"
    )
    assert assume_role(USER, ROLE, at=AT, tags={"k": "v"}) == "outcome"
    assert seen[0].action == ASSUME_ROLE
    assert seen[0].companion_actions == (TAG_SESSION,)


def test_check_action_decides_one_action_without_companions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[AssumeRoleRequest] = []
    monkeypatch.setattr(
        trustsim.evaluation, "evaluate_action", lambda request: seen.append(request) or "one"
    )
    assert check_action(USER, ROLE, ASSUME_ROLE, at=AT, tags={"k": "v"}) == "one"
    assert seen[0].action == ASSUME_ROLE
    assert seen[0].companion_actions == ()
    assert check_action(USER, ROLE, TAG_SESSION, context={"aws:TagKeys": ["k"]}) == "one"
    assert seen[1].action == TAG_SESSION
    assert seen[1].context["aws:TagKeys"] == ("k",)


def test_assume_role_end_to_end_with_a_tag_session_companion() -> None:
    # §4.11 [DOC TAGS]: passing tags needs sts:TagSession in the trust policy too.
    trust = Policy(
        (
            Statement(
                Effect.ALLOW,
                principal=Principal(aws=("arn:aws:iam::111111111111:user/alice",)),
                action=("sts:AssumeRole",),
            ),
        )
    )
    role = Role("arn:aws:iam::111111111111:role/Target", trust)
    alice = IamUser("arn:aws:iam::111111111111:user/alice")
    assert assume_role(alice, role, at=AT).allowed
    assert not assume_role(alice, role, at=AT, tags={"k": "v"}).allowed
    assert check_action(alice, role, ASSUME_ROLE, at=AT, tags={"k": "v"}).allowed


_EXTERNAL_ALLOWED = _ALLOWED + ":/"


@given(st.text(alphabet=_EXTERNAL_ALLOWED + " ;*é", max_size=40))
def test_external_id_rule_matches_a_naive_reading(value: str) -> None:
    # §6.3: 2-1,224 characters of [\w+=,.@:/-] (ASCII word characters, as in the STS API).
    ok = 2 <= len(value) <= 1224 and all(char in _EXTERNAL_ALLOWED for char in value)
    try:
        build_request(USER, ROLE, at=AT, external_id=value)
    except InvalidRequest:
        assert not ok
    else:
        assert ok


# --- aws:RequestedRegion and aws:ViaAWSService (§6.2) -------------------------------------------


@pytest.mark.parametrize(
    "caller",
    [USER, SESSION, SAML, ServicePrincipal("lambda.amazonaws.com"), GitHubActions("a/b", tag="v1")],
)
def test_via_aws_service_is_false_for_every_direct_call(caller: Any) -> None:
    """§6.2: aws:ViaAWSService is always present; trustsim models the caller's own call."""
    assert single(ctx(caller), "aws:ViaAWSService") == "false"


def test_requested_region_is_the_region_given_and_absent_otherwise() -> None:
    """§6.2: aws:RequestedRegion is the endpoint's Region. Calls to the global endpoint may be
    served in several Regions, so trustsim leaves it absent unless told (absent denies more)."""
    assert "aws:RequestedRegion" not in ctx(USER)
    regional = build_request(USER, ROLE, region="eu-west-1", at=AT).context
    assert single(regional, "aws:RequestedRegion") == "eu-west-1"
    gov = build_request(USER, ROLE, region="us-gov-west-1", at=AT).context
    assert single(gov, "aws:RequestedRegion") == "us-gov-west-1"


@pytest.mark.parametrize(
    "region", ["EU-WEST-1", "eu-west", "europe", "eu_west_1", "", "eu-west-1 "]
)
def test_a_malformed_region_is_refused(region: str) -> None:
    with pytest.raises(InvalidRequest, match="region"):
        build_request(USER, ROLE, region=region)


def test_a_region_restricted_trust_policy_follows_the_region_given() -> None:
    role = Role(
        "arn:aws:iam::222222222222:role/Target",
        parse_policy(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": USER.arn}, "Action": ASSUME_ROLE},
                    {
                        "Effect": "Deny",
                        "Principal": {"AWS": "*"},
                        "Action": ASSUME_ROLE,
                        "Condition": {"StringNotEquals": {"aws:RequestedRegion": "eu-west-1"}},
                    },
                ],
            }
        ),
    )
    assert assume_role(USER, role, region="eu-west-1", at=AT).allowed
    assert assume_role(USER, role, region="us-east-1", at=AT).decision.value == "ExplicitDeny"
    # Region unknown: the negated condition matches an absent key, so the guard denies.
    assert assume_role(USER, role, at=AT).decision.value == "ExplicitDeny"


@pytest.mark.parametrize("stranger", [object(), "arn:aws:iam::111111111111:user/alice", None])
def test_a_caller_that_is_not_a_caller_is_refused_at_once(stranger: Any) -> None:
    """A plain ARN string is the commonest slip: say so when the request is built."""
    with pytest.raises(TypeError, match=r"^not a caller: .*expected one of IamUser, RoleSession"):
        build_request(stranger, ROLE)
    with pytest.raises(TypeError, match=r"^not a caller"):
        assume_role(stranger, ROLE)


def test_a_role_that_is_not_a_role_is_refused_at_once() -> None:
    with pytest.raises(TypeError, match=r"^not a role: 'arn:aws:iam::111111111111:role/x'"):
        build_request(USER, "arn:aws:iam::111111111111:role/x")  # type: ignore[arg-type]
