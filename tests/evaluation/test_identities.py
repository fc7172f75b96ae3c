"""OIDC and SAML identities: claims built as the issuers build them, keys as AWS maps them (§6.4, §6.5)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from trustsim.callers import InvalidCaller, SamlIdentity, WebIdentity
from trustsim.identities import (
    GITHUB_ISSUER,
    CognitoIdentity,
    EksServiceAccount,
    GitHubActions,
    GoogleIdentity,
    OidcIdentity,
    condition_claims_for,
    oidc_condition_keys,
    saml_condition_keys,
)

GH = GITHUB_ISSUER
POOL = "us-east-2:11111111-2222-3333-4444-555555555555"
IDENTITY = "us-east-2:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


# --- GitHub Actions: the sub forms, exact (GitHub OIDC docs; docs/semantics.md §7.2) --------------


@pytest.mark.parametrize(
    ("kwargs", "sub"),
    [
        ({"branch": "main"}, "repo:acme/app:ref:refs/heads/main"),
        ({"branch": "feature/x-1"}, "repo:acme/app:ref:refs/heads/feature/x-1"),
        ({"tag": "v1.2.0"}, "repo:acme/app:ref:refs/tags/v1.2.0"),
        ({"ref": "refs/heads/main"}, "repo:acme/app:ref:refs/heads/main"),
        ({"environment": "prod"}, "repo:acme/app:environment:prod"),
        # A job that uses an environment gets the environment form, whatever its branch.
        ({"branch": "main", "environment": "prod"}, "repo:acme/app:environment:prod"),
        ({"pull_request": True}, "repo:acme/app:pull_request"),
        ({"pull_request": 17}, "repo:acme/app:pull_request"),
        # The environment form wins over the pull-request form too.
        ({"pull_request": True, "environment": "preview"}, "repo:acme/app:environment:preview"),
    ],
)
def test_github_subject_forms(kwargs: dict[str, object], sub: str) -> None:
    assert GitHubActions("acme/app", **kwargs).claims["sub"] == sub  # type: ignore[arg-type]


def test_github_immutable_subject_appends_ids_with_at_signs() -> None:
    # github/docs PR 45221: repo:OWNER@OWNER_ID/REPO@REPO_ID:... (docs/semantics.md §7.2).
    run = GitHubActions(
        "octocat/my-repo",
        branch="main",
        immutable_subject=True,
        owner_id=123456,
        repository_id="456789",
    )
    assert run.claims["sub"] == "repo:octocat@123456/my-repo@456789:ref:refs/heads/main"
    env = GitHubActions(
        "octocat/my-repo", environment="prod", immutable_subject=True, owner_id=1, repository_id=2
    )
    assert env.claims["sub"] == "repo:octocat@1/my-repo@2:environment:prod"
    # Without the flag the IDs are claims, not part of the subject.
    plain = GitHubActions("octocat/my-repo", branch="main", owner_id=1, repository_id=2)
    assert plain.claims["sub"] == "repo:octocat/my-repo:ref:refs/heads/main"
    assert (plain.claims["repository_owner_id"], plain.claims["repository_id"]) == ("1", "2")


def test_github_immutable_subject_needs_both_ids() -> None:
    with pytest.raises(InvalidCaller, match="owner_id= and repository_id="):
        GitHubActions("acme/app", branch="main", immutable_subject=True, owner_id=1)


def test_github_custom_subject_replaces_the_default() -> None:
    run = GitHubActions("acme/app", branch="main", subject="repo:acme/app:workflow:deploy")
    assert run.claims["sub"] == "repo:acme/app:workflow:deploy"


def test_github_ref_claims() -> None:
    branch = GitHubActions("acme/app", branch="main")
    assert (branch.claims["ref"], branch.claims["ref_type"]) == ("refs/heads/main", "branch")
    tag = GitHubActions("acme/app", tag="v1")
    assert (tag.claims["ref"], tag.claims["ref_type"]) == ("refs/tags/v1", "tag")
    pr = GitHubActions("acme/app", pull_request=17)
    assert pr.claims["ref"] == "refs/pull/17/merge"
    assert "ref_type" not in pr.claims
    assert pr.claims["event_name"] == "pull_request"
    env_only = GitHubActions("acme/app", environment="prod")
    assert "ref" not in env_only.claims
    assert env_only.claims["environment"] == "prod"


def test_github_claims_not_given_are_left_out() -> None:
    run = GitHubActions("acme/app", branch="main")
    for absent in (
        "actor",
        "actor_id",
        "workflow",
        "job_workflow_ref",
        "repository_id",
        "environment",
    ):
        assert absent not in run.claims
    full = GitHubActions(
        "acme/app",
        branch="main",
        actor="octocat",
        actor_id=9,
        workflow="CI",
        job_workflow_ref="acme/app/.github/workflows/ci.yml@refs/heads/main",
        enterprise_id=5,
    )
    assert full.claims["actor"] == "octocat"
    assert full.claims["actor_id"] == "9"
    assert full.claims["job_workflow_ref"] == "acme/app/.github/workflows/ci.yml@refs/heads/main"


def test_github_audience_defaults_to_sts_and_may_be_a_list() -> None:
    assert GitHubActions("acme/app", branch="main").claims["aud"] == "sts.amazonaws.com"
    run = GitHubActions("acme/app", branch="main", audience=["sts.amazonaws.com", "other"])
    assert run.claims["aud"] == ("sts.amazonaws.com", "other")


def test_github_provider_is_the_iam_provider_in_the_given_or_role_account() -> None:
    assert GitHubActions("acme/app", branch="main").provider == GH  # resolved per role later
    assert (
        GitHubActions(
            "acme/app", branch="main", account_id="111122223333", partition="aws-us-gov"
        ).provider
        == f"arn:aws-us-gov:iam::111122223333:oidc-provider/{GH}"
    )
    arn = "arn:aws:iam::999988887777:oidc-provider/token.actions.githubusercontent.com"
    assert GitHubActions("acme/app", branch="main", provider_arn=arn).provider == arn
    with pytest.raises(InvalidCaller, match="12-digit"):
        GitHubActions("acme/app", branch="main", account_id="123")


@pytest.mark.parametrize("repo", ["acme", "acme/app/x", "/app", "acme/", "ac me/app"])
def test_github_repo_must_be_owner_slash_repo(repo: str) -> None:
    with pytest.raises(InvalidCaller, match="OWNER/REPO"):
        GitHubActions(repo, branch="main")


def test_github_needs_exactly_what_runs() -> None:
    with pytest.raises(InvalidCaller, match="say what runs"):
        GitHubActions("acme/app")
    with pytest.raises(InvalidCaller, match="at most one"):
        GitHubActions("acme/app", branch="main", tag="v1")


def test_github_condition_keys_include_the_github_extras_only() -> None:
    # §6.4: GitHub adds actor, actor_id, enterprise_id, environment, job_workflow_ref, ref,
    # repository, repository_id, repository_owner_id, workflow; event_name, ref_type,
    # repository_owner and iss are not condition keys.
    run = GitHubActions(
        "acme/app",
        branch="main",
        environment="prod",
        owner_id=1,
        repository_id=2,
        actor="octocat",
        actor_id=3,
        workflow="CI",
        job_workflow_ref="acme/app/.github/workflows/ci.yml@refs/heads/main",
        enterprise_id=4,
        extra_claims={"runner_environment": "github-hosted"},
    )
    keys = oidc_condition_keys(run)
    assert set(keys) == {
        f"{GH}:{claim}"
        for claim in (
            "aud",
            "sub",
            "actor",
            "actor_id",
            "enterprise_id",
            "environment",
            "job_workflow_ref",
            "ref",
            "repository",
            "repository_id",
            "repository_owner_id",
            "workflow",
        )
    }
    assert keys[f"{GH}:sub"] == "repo:acme/app:environment:prod"
    assert keys[f"{GH}:repository_owner_id"] == "1"


def test_github_enterprise_issuer_path_keeps_the_github_keys() -> None:
    issuer = f"{GH}/acme-enterprise"
    run = GitHubActions("acme/app", branch="main", issuer=issuer, workflow="CI")
    keys = oidc_condition_keys(run)
    assert keys[f"{issuer}:sub"] == "repo:acme/app:ref:refs/heads/main"
    assert keys[f"{issuer}:workflow"] == "CI"


# --- generic issuers (§6.4: custom claims are absent) ----------------------------------------


def test_generic_issuer_maps_only_the_documented_claims() -> None:
    identity = OidcIdentity(
        "https://auth.example.com/",
        sub="svc",
        audience="trustsim",
        claims={
            "email": "svc@example.com",
            "scope": "admin",
            "workflow": "CI",
            "azp": "c1",
            "oaud": "o",
        },
    )
    assert identity.provider == "auth.example.com"
    assert oidc_condition_keys(identity) == {
        "auth.example.com:sub": "svc",
        "auth.example.com:aud": "trustsim",
        "auth.example.com:email": "svc@example.com",
        "auth.example.com:azp": "c1",
        "auth.example.com:oaud": "o",
    }


def test_generic_issuer_condition_claims_override() -> None:
    identity = OidcIdentity(
        "gitlab.com",
        sub="project_path:acme/app:ref_type:branch:ref:main",
        audience="https://gitlab.com",
        claims={"project_id": "42", "namespace_path": "acme"},
        condition_claims={"sub", "project_id"},
        account_id="111122223333",
    )
    assert identity.provider == "arn:aws:iam::111122223333:oidc-provider/gitlab.com"
    assert oidc_condition_keys(identity) == {
        "gitlab.com:sub": "project_path:acme/app:ref_type:branch:ref:main",
        "gitlab.com:project_id": "42",
    }


def test_an_array_audience_is_a_multivalued_key_and_amr_always_is() -> None:
    # §6.4: claim keys are single-valued unless the token carries an array; amr is an array.
    identity = WebIdentity("auth.example.com", {"aud": ["a", "b"], "amr": "pwd", "sub": "x"})
    keys = oidc_condition_keys(identity)
    assert keys["auth.example.com:aud"] == ("a", "b")
    assert keys["auth.example.com:amr"] == ("pwd",)
    assert keys["auth.example.com:sub"] == "x"


def test_issuer_claim_sets() -> None:
    assert condition_claims_for("graph.facebook.com") == {"app_id", "id"}
    assert condition_claims_for("www.amazon.com") == {"app_id", "user_id"}
    assert "workflow" in condition_claims_for(GH)
    assert "workflow" not in condition_claims_for("auth.example.com")
    assert "workflow" not in condition_claims_for(
        "token.actions.githubusercontent.com.evil.example"
    )


# --- EKS (docs/semantics.md §7.5) -----------------------------------------------------------------


def test_eks_service_account_subject_audience_and_issuer() -> None:
    pod = EksServiceAccount(
        "kube-system", "assumer", cluster_id="EXAMPLED539D4633E53DE1B71EXAMPLE", region="us-east-1"
    )
    issuer = "oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    assert pod.provider == issuer
    assert oidc_condition_keys(pod) == {
        f"{issuer}:aud": "sts.amazonaws.com",
        f"{issuer}:sub": "system:serviceaccount:kube-system:assumer",
    }
    resolved = pod.resolved_for("111122223333")
    assert resolved.provider == f"arn:aws:iam::111122223333:oidc-provider/{issuer}"


def test_eks_in_china_uses_the_cn_suffix() -> None:
    pod = EksServiceAccount(
        "ns",
        "sa",
        cluster_id="ABC123",
        region="cn-north-1",
        partition="aws-cn",
        account_id="111122223333",
    )
    assert (
        pod.provider
        == "arn:aws-cn:iam::111122223333:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/ABC123"
    )


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        (("Kube_System", "sa"), {"cluster_id": "ABC", "region": "us-east-1"}, "namespace"),
        (("ns", "sa*"), {"cluster_id": "ABC", "region": "us-east-1"}, "service_account"),
        (("ns", "sa"), {"cluster_id": "abc", "region": "us-east-1"}, "cluster_id"),
        (("ns", "sa"), {"cluster_id": "ABC", "region": "useast1"}, "Region"),
    ],
)
def test_eks_refuses_malformed_parts(
    args: tuple[str, str], kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(InvalidCaller, match=message):
        EksServiceAccount(*args, **kwargs)


# --- Cognito (docs/semantics.md §7.4: aud = pool, sub = identity, amr multi-valued) ---------------


def test_cognito_authenticated_identity() -> None:
    identity = CognitoIdentity(POOL, IDENTITY, login_providers=["graph.facebook.com"])
    assert identity.provider == "cognito-identity.amazonaws.com"
    assert oidc_condition_keys(identity) == {
        "cognito-identity.amazonaws.com:aud": POOL,
        "cognito-identity.amazonaws.com:sub": IDENTITY,
        "cognito-identity.amazonaws.com:amr": ("authenticated", "graph.facebook.com"),
    }


def test_cognito_guest_identity_is_unauthenticated() -> None:
    keys = oidc_condition_keys(CognitoIdentity(POOL, IDENTITY, authenticated=False))
    assert keys["cognito-identity.amazonaws.com:amr"] == ("unauthenticated",)
    with pytest.raises(InvalidCaller, match="no login providers"):
        CognitoIdentity(
            POOL, IDENTITY, authenticated=False, login_providers=["accounts.google.com"]
        )


def test_cognito_ids_must_be_region_and_guid() -> None:
    with pytest.raises(InvalidCaller, match="identity_pool_id"):
        CognitoIdentity("11111111-2222-3333-4444-555555555555", IDENTITY)
    with pytest.raises(InvalidCaller, match="identity_id"):
        CognitoIdentity(POOL, "abc")


# --- Google (§6.4: aud = azp if set else aud; oaud = aud) ------------------------------------


def test_google_aud_is_azp_when_present() -> None:
    token = GoogleIdentity("10987", audience="sts.amazonaws.com", authorized_party="1122")
    assert oidc_condition_keys(token) == {
        "accounts.google.com:aud": "1122",
        "accounts.google.com:oaud": "sts.amazonaws.com",
        "accounts.google.com:sub": "10987",
    }


def test_google_aud_is_the_token_aud_without_azp() -> None:
    token = GoogleIdentity(
        "10987", audience="123-example.apps.googleusercontent.com", email="a@example.com"
    )
    assert oidc_condition_keys(token) == {
        "accounts.google.com:aud": "123-example.apps.googleusercontent.com",
        "accounts.google.com:oaud": "123-example.apps.googleusercontent.com",
        "accounts.google.com:sub": "10987",
    }


def test_google_may_be_registered_as_an_iam_provider() -> None:
    token = GoogleIdentity("1", audience="x", account_id="111122223333")
    assert token.provider == "arn:aws:iam::111122223333:oidc-provider/accounts.google.com"
    assert "accounts.google.com:aud" in oidc_condition_keys(token)


# --- SAML (§6.5) -----------------------------------------------------------------------------

PROVIDER = "arn:aws:iam::123456789012:saml-provider/MySAMLIdP"


def test_saml_doc_and_default_audience() -> None:
    keys = saml_condition_keys(SamlIdentity(PROVIDER, {"saml:sub": "jdoe"}))
    assert keys == {
        "saml:aud": "https://signin.aws.amazon.com/saml",
        "saml:sub": "jdoe",
        "saml:doc": "123456789012/MySAMLIdP",
    }


def test_saml_given_audience_is_kept() -> None:
    aud = "https://us-east-1.signin.aws.amazon.com/saml"
    assert saml_condition_keys(SamlIdentity(PROVIDER, {"saml:aud": aud}))["saml:aud"] == aud


def test_saml_namequalifier_is_computed_from_issuer_account_and_provider_name() -> None:
    # [DOC STSKEYS §SAML]: BASE64(SHA1(saml:iss + account ID + "/" + provider name)).
    keys = saml_condition_keys(SamlIdentity(PROVIDER, {"saml:iss": "https://example.com/saml"}))
    expected = base64.b64encode(
        hashlib.sha1(
            b"https://example.com/saml" + b"123456789012" + b"/MySAMLIdP", usedforsecurity=False
        ).digest()
    ).decode()
    assert keys["saml:namequalifier"] == expected
    given = saml_condition_keys(
        SamlIdentity(PROVIDER, {"saml:iss": "https://example.com/saml", "saml:namequalifier": "Q"})
    )
    assert given["saml:namequalifier"] == "Q"
    assert "saml:namequalifier" not in saml_condition_keys(SamlIdentity(PROVIDER))


def test_saml_multivalued_attributes_stay_tuples() -> None:
    keys = saml_condition_keys(
        SamlIdentity(PROVIDER, {"saml:edupersonaffiliation": ["faculty", "staff"]})
    )
    assert keys["saml:edupersonaffiliation"] == ("faculty", "staff")


# --- one spelling of a git ref (issue 21) ---------------------------------------------------


@pytest.mark.parametrize(
    ("short", "full"),
    [
        ({"branch": "main"}, {"branch": "refs/heads/main"}),
        ({"branch": "main"}, {"ref": "refs/heads/main"}),
        ({"branch": "release/2"}, {"branch": "refs/heads/release/2"}),
        ({"tag": "v1.2.0"}, {"tag": "refs/tags/v1.2.0"}),
        ({"tag": "v1.2.0"}, {"ref": "refs/tags/v1.2.0"}),
    ],
)
def test_a_branch_or_tag_given_as_its_full_ref_is_the_same_caller(
    short: dict[str, str], full: dict[str, str]
) -> None:
    assert GitHubActions("acme/app", **short) == GitHubActions("acme/app", **full)
    assert "refs/heads/refs/" not in str(GitHubActions("acme/app", **full).claims["sub"])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"branch": "refs/tags/v1"}, "names a tag, not a branch"),
        ({"tag": "refs/heads/main"}, "names a branch, not a tag"),
        ({"ref": "main"}, "ref must be a full git ref"),
        ({"branch": ""}, "branch must be a non-empty name"),
    ],
)
def test_a_ref_of_the_wrong_kind_is_refused(options: dict[str, str], message: str) -> None:
    with pytest.raises(InvalidCaller, match=message):
        GitHubActions("acme/app", **options)
