"""Caller and role values: the shapes AWS produces are accepted, others refused (docs/semantics.md §3.1)."""

from __future__ import annotations

import datetime as dt

import pytest

from trustsim.callers import (
    AccountRoot,
    IamUser,
    InvalidCaller,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.errors import TrustsimError
from trustsim.model import Policy

EMPTY = Policy(())
ORG = "o-a1b2c3d4e5"


# --- IAM users (§3.1: arn:<p>:iam::<acct>:user/<path><name>) ---------------------------------


@pytest.mark.parametrize(
    ("arn", "account", "path", "name", "partition"),
    [
        ("arn:aws:iam::111122223333:user/alice", "111122223333", "/", "alice", "aws"),
        ("arn:aws:iam::111122223333:user/eng/alice", "111122223333", "/eng/", "alice", "aws"),
        (
            "arn:aws-us-gov:iam::222233334444:user/a/b/bob",
            "222233334444",
            "/a/b/",
            "bob",
            "aws-us-gov",
        ),
        (
            "arn:aws:iam::111122223333:user/svc+deploy=x,y.z@w-1",
            "111122223333",
            "/",
            "svc+deploy=x,y.z@w-1",
            "aws",
        ),
    ],
)
def test_iam_user_accepts_user_arns_and_splits_them(
    arn: str, account: str, path: str, name: str, partition: str
) -> None:
    user = IamUser(arn)
    assert (user.account_id, user.path, user.name, user.partition) == (
        account,
        path,
        name,
        partition,
    )


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:iam::1111:user/alice",  # account not 12 digits
        "arn:aws:iam::111122223333:role/alice",  # a role, not a user
        "arn:aws:sts::111122223333:assumed-role/R/s",  # a session
        "arn:aws:iam::111122223333:root",
        "arn:aws:iam::111122223333:user/",  # no name
        "arn:aws:iam::111122223333:user/al ice",  # space in the name
        "arn:aws:iam::111122223333:user/eng/alice/",  # trailing slash: no name
        "alice",
        "arn:aws:iam:us-east-1:111122223333:user/alice",  # IAM ARNs have no Region
    ],
)
def test_iam_user_refuses_anything_but_a_user_arn(arn: str) -> None:
    with pytest.raises(InvalidCaller, match=r"IamUser\.arn: .* is not an IAM user ARN"):
        IamUser(arn)


def test_invalid_caller_is_a_trustsim_value_error() -> None:
    with pytest.raises(ValueError, match="IamUser"):
        IamUser("nope")
    assert issubclass(InvalidCaller, TrustsimError)


def test_user_tag_keys_differing_only_in_case_are_refused() -> None:
    # Tag keys are case-insensitive in IAM [DOC TAGS]; two spellings cannot coexist.
    with pytest.raises(InvalidCaller, match="differ only in case"):
        IamUser("arn:aws:iam::111122223333:user/alice", tags={"Team": "a", "team": "b"})
    assert IamUser(
        "arn:aws:iam::111122223333:user/alice", tags={"Team": "a", "Dept": "b"}
    ).tags == {
        "Team": "a",
        "Dept": "b",
    }


def test_user_unique_id_must_be_a_user_id() -> None:
    # §3.1: AIDA is the user prefix, AROA the role prefix.
    assert IamUser("arn:aws:iam::111122223333:user/a", unique_id="AIDAEXAMPLE1").unique_id
    with pytest.raises(InvalidCaller, match="AIDA"):
        IamUser("arn:aws:iam::111122223333:user/a", unique_id="AROAEXAMPLE1")


# --- role sessions (§3.1, §3.4: the role ARN keeps its path; the session ARN has none) --------


def test_role_session_arn_has_no_path_but_role_arn_keeps_it() -> None:
    session = RoleSession("arn:aws:iam::111122223333:role/ci/deploy/Deployer", "run-42")
    assert session.session_arn == "arn:aws:sts::111122223333:assumed-role/Deployer/run-42"
    assert session.role_arn.endswith("role/ci/deploy/Deployer")
    assert (session.account_id, session.role_name, session.partition) == (
        "111122223333",
        "Deployer",
        "aws",
    )


@pytest.mark.parametrize(
    "role_arn",
    [
        "arn:aws:sts::111122223333:assumed-role/Deployer/run-42",  # the session ARN, not the role
        "arn:aws:iam::111122223333:user/Deployer",
        "arn:aws:iam::11112222333:role/Deployer",
    ],
)
def test_role_session_needs_the_role_arn(role_arn: str) -> None:
    with pytest.raises(InvalidCaller, match=r"RoleSession\.role_arn"):
        RoleSession(role_arn, "run-42")


@pytest.mark.parametrize("name", ["x", "a" * 65, "has space", "colon:no", "slash/no"])
def test_role_session_name_follows_the_sts_rule(name: str) -> None:
    # RoleSessionName: 2-64 characters of [\w+=,.@-] [DOC STS-API].
    with pytest.raises(InvalidCaller, match="session_name"):
        RoleSession("arn:aws:iam::111122223333:role/R", name)


@pytest.mark.parametrize("name", ["ab", "a" * 64, "user@example.com", "a_b+c=d,e.f-g"])
def test_role_session_name_accepts_every_allowed_character(name: str) -> None:
    assert RoleSession("arn:aws:iam::111122223333:role/R", name).session_name == name


def test_transitive_keys_must_name_session_tags_case_insensitively() -> None:
    # §4.12: transitive keys are a subset of the session's tags; tag keys ignore case.
    session = RoleSession(
        "arn:aws:iam::111122223333:role/R",
        "s1",
        session_tags={"Project": "blue", "Cost": "1"},
        transitive_tag_keys=["project"],
    )
    assert session.transitive_tags == {"Project": "blue"}
    with pytest.raises(InvalidCaller, match="not one of the session tags"):
        RoleSession("arn:aws:iam::111122223333:role/R", "s1", transitive_tag_keys=["project"])


def test_role_session_source_identity_and_issue_time_are_checked() -> None:
    with pytest.raises(InvalidCaller, match="source_identity"):
        RoleSession("arn:aws:iam::111122223333:role/R", "s1", source_identity="a b")
    with pytest.raises(InvalidCaller, match="time zone"):
        RoleSession("arn:aws:iam::111122223333:role/R", "s1", issued_at=dt.datetime(2026, 1, 1))
    with pytest.raises(InvalidCaller, match="AROA"):
        RoleSession("arn:aws:iam::111122223333:role/R", "s1", role_unique_id="AIDAX")
    ok = RoleSession(
        "arn:aws:iam::111122223333:role/R",
        "s1",
        source_identity="Diego",
        issued_at=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        role_unique_id="AROAEXAMPLE",
    )
    assert ok.source_identity == "Diego"


# --- root, services ------------------------------------------------------------------------


def test_account_root_needs_a_12_digit_account() -> None:
    assert (
        AccountRoot("111122223333", partition="aws-cn").arn == "arn:aws-cn:iam::111122223333:root"
    )
    with pytest.raises(InvalidCaller, match="12-digit"):
        AccountRoot("11112222333")


@pytest.mark.parametrize(
    "name", ["lambda.amazonaws.com", "states.us-east-1.amazonaws.com", "ec2.amazonaws.com.cn"]
)
def test_service_principal_names_are_accepted(name: str) -> None:
    assert ServicePrincipal(name).name == name


@pytest.mark.parametrize(
    "name",
    [
        "lambda",
        "arn:aws:iam::111122223333:role/R",
        "Lambda Service",
        "https://lambda.amazonaws.com",
    ],
)
def test_service_principal_refuses_what_is_not_a_service_name(name: str) -> None:
    with pytest.raises(InvalidCaller, match=r"ServicePrincipal\.name"):
        ServicePrincipal(name)


def test_service_source_fields_are_checked() -> None:
    ServicePrincipal(
        "config.amazonaws.com",
        source_account="111122223333",
        source_arn="arn:aws:config:us-east-1:111122223333:config-rule/r",
        source_org_id=ORG,
        source_org_paths=[f"{ORG}/r-ab12/ou-ab12-11111111/"],
    )
    with pytest.raises(InvalidCaller, match="source_account"):
        ServicePrincipal("config.amazonaws.com", source_account="1111")
    with pytest.raises(InvalidCaller, match="source_arn"):
        ServicePrincipal("config.amazonaws.com", source_arn="config-rule/r")
    with pytest.raises(InvalidCaller, match="source_org_id"):
        ServicePrincipal("config.amazonaws.com", source_org_id="org-1")


# --- organizations ---------------------------------------------------------------------------


def test_org_membership_checks_id_and_paths() -> None:
    org = OrgMembership(
        ORG, paths=[f"{ORG}/r-ab12/", f"{ORG}/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"]
    )
    assert len(org.paths) == 2
    with pytest.raises(InvalidCaller, match="organization ID"):
        OrgMembership("o-abc")
    with pytest.raises(InvalidCaller, match="organization path"):
        OrgMembership(ORG, paths=[f"{ORG}/ou-ab12-11111111/"])  # no root
    with pytest.raises(InvalidCaller, match="not a path in organization"):
        OrgMembership(ORG, paths=["o-zzzzzzzzzz/r-ab12/"])


# --- web identities (§3.8: Federated = provider ARN or a built-in) -------------------------


@pytest.mark.parametrize(
    ("provider", "issuer", "resolved"),
    [
        (
            "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
            "token.actions.githubusercontent.com",
            True,
        ),
        (
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
            "oidc.eks.us-east-1.amazonaws.com/id/ABC",
            True,
        ),
        ("cognito-identity.amazonaws.com", "cognito-identity.amazonaws.com", True),
        ("accounts.google.com", "accounts.google.com", True),
        ("graph.facebook.com", "graph.facebook.com", True),
        ("www.amazon.com", "www.amazon.com", True),
        ("token.actions.githubusercontent.com", "token.actions.githubusercontent.com", False),
    ],
)
def test_web_identity_provider_forms(provider: str, issuer: str, resolved: bool) -> None:
    identity = WebIdentity(provider)
    assert identity.issuer == issuer
    assert identity.is_resolved is resolved


def test_a_bare_issuer_resolves_to_the_iam_provider_in_the_given_account() -> None:
    identity = WebIdentity("auth.example.com/tenant", {"sub": "x"})
    resolved = identity.resolved_for("444455556666", "aws-cn")
    assert resolved.provider == "arn:aws-cn:iam::444455556666:oidc-provider/auth.example.com/tenant"
    assert resolved.claims == {"sub": "x"}
    builtin = WebIdentity("cognito-identity.amazonaws.com")
    assert builtin.resolved_for("444455556666") is builtin  # built-ins have no IAM provider


@pytest.mark.parametrize(
    ("provider", "message"),
    [
        ("https://token.actions.githubusercontent.com", "has a scheme"),
        ("arn:aws:iam::111122223333:saml-provider/Corp", "OIDC provider ARN"),
        ("arn:aws:iam::111:oidc-provider/x.example.com", "OIDC provider ARN"),
        ("not a provider", "issuer"),
    ],
)
def test_web_identity_refuses_other_providers(provider: str, message: str) -> None:
    with pytest.raises(InvalidCaller, match=message):
        WebIdentity(provider)


def test_claims_are_normalised_to_text_or_tuples() -> None:
    identity = WebIdentity(
        "accounts.google.com", {"aud": ["a", "b"], "email_verified": True, "n": 5, "sub": "x"}
    )
    assert identity.claims == {"aud": ("a", "b"), "email_verified": "true", "n": "5", "sub": "x"}
    with pytest.raises(InvalidCaller, match="claim 'x'"):
        WebIdentity("accounts.google.com", {"x": {"nested": 1}})


# --- SAML identities (§6.5) ------------------------------------------------------------------

CORP = "arn:aws:iam::111122223333:saml-provider/CorpIdP"


def test_saml_keys_take_the_documented_spelling_and_multi_valued_ones_become_tuples() -> None:
    identity = SamlIdentity(
        CORP,
        {
            "SAML:AUD": "https://signin.aws.amazon.com/saml",
            "saml:givenname": "Jo",
            "saml:sub": "jdoe",
        },
    )
    assert identity.attributes == {
        "saml:aud": "https://signin.aws.amazon.com/saml",
        "saml:givenName": ("Jo",),
        "saml:sub": "jdoe",
    }


def test_saml_single_valued_keys_refuse_several_values() -> None:
    assert SamlIdentity(CORP, {"saml:sub": ["jdoe"]}).attributes == {"saml:sub": "jdoe"}
    with pytest.raises(InvalidCaller, match="single-valued"):
        SamlIdentity(CORP, {"saml:sub": ["a", "b"]})


def test_saml_refuses_undocumented_keys_and_a_given_doc() -> None:
    with pytest.raises(InvalidCaller, match="not a SAML condition key AWS documents"):
        SamlIdentity(CORP, {"saml:department": "x"})
    with pytest.raises(InvalidCaller, match="saml:doc is derived"):
        SamlIdentity(CORP, {"saml:doc": "111122223333/CorpIdP"})
    with pytest.raises(InvalidCaller, match="given twice"):
        SamlIdentity(CORP, {"saml:sub": "a", "SAML:sub": "b"})


def test_saml_provider_must_be_a_saml_provider_arn() -> None:
    identity = SamlIdentity(CORP)
    assert (identity.account_id, identity.provider_name, identity.doc) == (
        "111122223333",
        "CorpIdP",
        "111122223333/CorpIdP",
    )
    with pytest.raises(InvalidCaller, match="SAML provider ARN"):
        SamlIdentity("arn:aws:iam::111122223333:oidc-provider/x.example.com")


# --- roles ----------------------------------------------------------------------------------


def test_role_splits_its_arn_and_checks_its_tags() -> None:
    role = Role(
        "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin", EMPTY
    )
    assert role.path == "/aws-reserved/sso.amazonaws.com/"
    assert role.name == "AWSReservedSSO_Admin"
    with pytest.raises(InvalidCaller, match=r"Role\.arn"):
        Role("arn:aws:iam::111122223333:user/alice", EMPTY)
    with pytest.raises(InvalidCaller, match="differ only in case"):
        Role("arn:aws:iam::111122223333:role/R", EMPTY, tags={"Env": "a", "ENV": "b"})
