"""Web and SAML identities the way real issuers shape them, and the condition keys AWS makes of them.

The constructors build :class:`~trustsim.callers.WebIdentity` values whose claims are the ones
users most often get wrong in trust policies: GitHub's ``sub`` forms (branch, tag, environment,
pull request, ID-based), EKS service-account subjects, Cognito's multi-valued ``amr``, Google's
``aud``/``oaud`` swap (docs/semantics.md §6.4, docs/semantics.md §7.1–§7.5).

>>> run = GitHubActions("acme/app", branch="main")
>>> run.claims["sub"], run.claims["aud"]
('repo:acme/app:ref:refs/heads/main', 'sts.amazonaws.com')
>>> run.provider          # resolved to the role's account when the request is built
'token.actions.githubusercontent.com'

:func:`oidc_condition_keys` and :func:`saml_condition_keys` turn a token or an assertion into
the condition keys AWS puts in the request context: only the claims AWS maps, each under
``<issuer host/path>:<claim>``; a custom claim AWS does not map is absent.

>>> sorted(oidc_condition_keys(GitHubActions("acme/app", pull_request=True)).items())
[('token.actions.githubusercontent.com:aud', 'sts.amazonaws.com'),
 ('token.actions.githubusercontent.com:repository', 'acme/app'),
 ('token.actions.githubusercontent.com:sub', 'repo:acme/app:pull_request')]
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence

from trustsim._inputs import checked
from trustsim._memo import cached
from trustsim.callers import (
    BUILTIN_WEB_IDENTITY_PROVIDERS,
    ClaimValue,
    InvalidCaller,
    SamlIdentity,
    WebIdentity,
    account_of,
)

__all__ = [
    "GITHUB_ISSUER",
    "CognitoIdentity",
    "EksServiceAccount",
    "GitHubActions",
    "GoogleIdentity",
    "OidcIdentity",
    "condition_claims_for",
    "oidc_condition_keys",
    "saml_condition_keys",
]

#: The issuer of GitHub Actions OIDC tokens on github.com.
GITHUB_ISSUER = "token.actions.githubusercontent.com"
_GOOGLE = "accounts.google.com"
_COGNITO = "cognito-identity.amazonaws.com"
_DEFAULT_AUDIENCE = "sts.amazonaws.com"
#: What a SAML assertion's Recipient is when it targets the AWS sign-in endpoint.
_SAML_SIGNIN = "https://signin.aws.amazon.com/saml"

# Claims AWS turns into condition keys for any IAM OIDC provider [DOC STSKEYS §OIDC].
_GENERIC_CLAIMS = frozenset({"aud", "sub", "amr", "azp", "email", "oaud"})
# GitHub Actions' extra keys; event_name, workflow_ref, repository_owner… are not keys
# [DOC STSKEYS GitHub tab; docs/semantics.md §6.4; docs/semantics.md §7.2].
_GITHUB_CLAIMS = _GENERIC_CLAIMS | {
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
}
# The built-in providers have their own fixed key sets [DOC STSKEYS; SAR-STS].
_BUILTIN_CLAIMS: Mapping[str, frozenset[str]] = {
    _COGNITO: frozenset({"aud", "sub", "amr"}),
    _GOOGLE: frozenset({"aud", "oaud", "sub"}),
    "graph.facebook.com": frozenset({"app_id", "id"}),
    "www.amazon.com": frozenset({"app_id", "user_id"}),
}
# Array claims AWS always treats as multi-valued, even when the token has one value.
_MULTIVALUED_CLAIMS = frozenset({"amr"})

_GITHUB_NAME = re.compile(r"[A-Za-z0-9_.-]+")
_K8S_NAME = re.compile(r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?")
_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]")
_EKS_ID = re.compile(r"[A-Z0-9]+")
_COGNITO_ID = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]:[0-9a-f-]+")


def _is_github(issuer: str) -> bool:
    return issuer == GITHUB_ISSUER or issuer.startswith(GITHUB_ISSUER + "/")


def condition_claims_for(issuer: str) -> frozenset[str]:
    """The claims AWS turns into condition keys for tokens of ``issuer`` (docs/semantics.md §6.4).

    >>> sorted(condition_claims_for("cognito-identity.amazonaws.com"))
    ['amr', 'aud', 'sub']
    >>> "scope" in condition_claims_for("auth.example.com")
    False
    """
    if issuer in _BUILTIN_CLAIMS:
        return _BUILTIN_CLAIMS[issuer]
    if _is_github(issuer):
        return _GITHUB_CLAIMS
    return _GENERIC_CLAIMS


def oidc_condition_keys(identity: WebIdentity) -> dict[str, ClaimValue]:
    """The condition keys AWS derives from a web identity's token (docs/semantics.md §6.4).

    Keys are ``<issuer>:<claim>`` for the claims AWS maps for that issuer; a tuple value makes
    a multi-valued key. Google's rule applies: ``accounts.google.com:aud`` is the token's
    ``azp`` when it has one, else its ``aud``, and ``accounts.google.com:oaud`` is its ``aud``.

    >>> keys = oidc_condition_keys(GoogleIdentity("1098", audience="sts.amazonaws.com",
    ...                                          authorized_party="1098"))
    >>> keys["accounts.google.com:aud"], keys["accounts.google.com:oaud"]
    ('1098', 'sts.amazonaws.com')
    """
    issuer = identity.issuer
    claims = dict(identity.claims)
    if issuer == _GOOGLE:
        token_audience = claims.pop("aud", None)
        authorized_party = claims.get("azp")
        audience = authorized_party if authorized_party is not None else token_audience
        if audience is not None:
            claims["aud"] = audience
        if token_audience is not None:
            claims["oaud"] = token_audience
    mapped = identity.condition_claims
    if mapped is None:
        mapped = condition_claims_for(issuer)
    keys: dict[str, ClaimValue] = {}
    for name, value in claims.items():
        if name not in mapped:
            continue
        if name in _MULTIVALUED_CLAIMS and isinstance(value, str):
            keys[f"{issuer}:{name}"] = (value,)
        else:
            keys[f"{issuer}:{name}"] = value
    return keys


def saml_condition_keys(identity: SamlIdentity) -> dict[str, ClaimValue]:
    """The ``saml:*`` condition keys AWS derives from an assertion (docs/semantics.md §6.5).

    ``saml:doc`` is ``<account>/<provider name>``; ``saml:namequalifier``, unless given, is
    computed as AWS documents it (base64 of the SHA-1 of ``saml:iss`` + account + ``/`` +
    provider name) when ``saml:iss`` is known; ``saml:aud`` defaults to the AWS sign-in
    endpoint, the only Recipient STS accepts besides its regional variants.

    >>> keys = saml_condition_keys(SamlIdentity(
    ...     "arn:aws:iam::123456789012:saml-provider/MySAMLIdP",
    ...     {"saml:iss": "https://example.com/saml"}))
    >>> keys["saml:doc"], keys["saml:aud"]
    ('123456789012/MySAMLIdP', 'https://signin.aws.amazon.com/saml')
    >>> keys["saml:namequalifier"] == base64.b64encode(hashlib.sha1(
    ...     b"https://example.com/saml123456789012/MySAMLIdP").digest()).decode()
    True
    """
    keys: dict[str, ClaimValue] = {"saml:aud": _SAML_SIGNIN}
    keys.update(identity.attributes)
    keys["saml:doc"] = identity.doc
    issuer = identity.attributes.get("saml:iss")
    if "saml:namequalifier" not in keys and isinstance(issuer, str):
        text = f"{issuer}{identity.account_id}/{identity.provider_name}"
        digest = hashlib.sha1(text.encode(), usedforsecurity=False).digest()
        keys["saml:namequalifier"] = base64.b64encode(digest).decode()
    return keys


def _provider(issuer: str, account_id: str | None, partition: str, provider_arn: str | None) -> str:
    if provider_arn is not None:
        return provider_arn
    if account_id is not None:
        partition, account = account_of(account_id, partition, "account_id")
        return f"arn:{partition}:iam::{account}:oidc-provider/{issuer}"
    return issuer


def _audience(audience: str | Sequence[str]) -> ClaimValue:
    return audience if isinstance(audience, str) else tuple(audience)


@checked
def GitHubActions(  # noqa: N802 - reads as the caller it builds, like a class
    repo: str,
    *,
    branch: str | None = None,
    tag: str | None = None,
    ref: str | None = None,
    environment: str | None = None,
    pull_request: bool | int = False,
    owner_id: str | int | None = None,
    repository_id: str | int | None = None,
    immutable_subject: bool = False,
    subject: str | None = None,
    actor: str | None = None,
    actor_id: str | int | None = None,
    workflow: str | None = None,
    job_workflow_ref: str | None = None,
    enterprise_id: str | int | None = None,
    audience: str | Sequence[str] = _DEFAULT_AUDIENCE,
    account_id: str | None = None,
    partition: str = "aws",
    provider_arn: str | None = None,
    issuer: str = GITHUB_ISSUER,
    extra_claims: Mapping[str, ClaimValue] | None = None,
) -> WebIdentity:
    """A GitHub Actions job's OIDC token, with ``sub`` built exactly as GitHub builds it.

    The default subject is ``repo:OWNER/REPO:`` followed by, in GitHub's order of precedence:
    ``environment:NAME`` when the job uses an environment, else ``pull_request`` for a
    pull-request run, else ``ref:<ref>`` (``refs/heads/BRANCH`` or ``refs/tags/TAG``). With
    ``immutable_subject`` the owner and repository carry their numeric IDs
    (``repo:OWNER@OWNER_ID/REPO@REPO_ID:…``; github/docs PR 45221). ``subject`` replaces the
    whole ``sub`` for repositories with a customised template.

    The provider is the IAM OIDC provider of ``token.actions.githubusercontent.com`` in
    ``account_id`` (or ``provider_arn``); without either, in the role's account. Claims you do
    not give (``actor``, ``workflow``, IDs…) are left out of the token, so a trust policy that
    tests them denies (fail closed) until you give them. Real tokens always carry
    ``repository_owner_id`` and ``repository_id`` (``enterprise_id`` for an enterprise's
    repositories): a statement testing one you did not give gets a ``CLAIM_NOT_GIVEN`` note on
    the outcome (an ``…IfExists`` or negated condition decides differently without it).

    >>> GitHubActions("acme/app", tag="v1.2.0").claims["sub"]
    'repo:acme/app:ref:refs/tags/v1.2.0'
    >>> GitHubActions("acme/app", branch="refs/heads/main").claims["sub"]  # one spelling
    'repo:acme/app:ref:refs/heads/main'
    >>> GitHubActions("acme/app", branch="main", environment="prod").claims["sub"]
    'repo:acme/app:environment:prod'
    >>> GitHubActions("acme/app", branch="main", immutable_subject=True,
    ...               owner_id=123456, repository_id=456789).claims["sub"]
    'repo:acme@123456/app@456789:ref:refs/heads/main'
    >>> GitHubActions("acme/app", branch="main", account_id="111122223333").provider
    'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com'
    """
    owner, name = _repo_parts(repo)
    if (branch is not None) + (tag is not None) + (ref is not None) > 1:
        raise InvalidCaller("GitHubActions: give at most one of branch=, tag= and ref=")
    pr_number = pull_request if type(pull_request) is int else None
    if branch is not None:
        ref = f"refs/heads/{_short_ref('branch', branch, 'refs/heads/', 'refs/tags/')}"
    elif tag is not None:
        ref = f"refs/tags/{_short_ref('tag', tag, 'refs/tags/', 'refs/heads/')}"
    elif ref is not None and not str(ref).startswith("refs/"):
        raise InvalidCaller(
            f"GitHubActions: ref must be a full git ref (refs/heads/main, refs/tags/v1, "
            f"refs/pull/7/merge), got {ref!r}; for a branch name use branch="
        )
    elif ref is None and pr_number is not None:
        ref = f"refs/pull/{pr_number}/merge"
    if ref is None and environment is None and not pull_request:
        raise InvalidCaller(
            "GitHubActions: say what runs: branch=, tag=, ref=, environment= or pull_request=True"
        )
    if immutable_subject and (owner_id is None or repository_id is None):
        raise InvalidCaller("GitHubActions: immutable_subject needs owner_id= and repository_id=")

    if environment is not None:
        context = f"environment:{environment}"
    elif pull_request:
        context = "pull_request"
    else:
        context = f"ref:{ref}"
    owner_part, name_part = (
        (f"{owner}@{owner_id}", f"{name}@{repository_id}") if immutable_subject else (owner, name)
    )
    prefix = f"repo:{owner_part}/{name_part}"

    claims: dict[str, object] = {
        "iss": f"https://{issuer}",
        "aud": _audience(audience),
        "sub": subject if subject is not None else f"{prefix}:{context}",
        "repository": repo,
        "repository_owner": owner,
        "ref": ref,
        "ref_type": _ref_type(ref),
        "environment": environment,
        "event_name": "pull_request" if pull_request else None,
        "repository_id": repository_id,
        "repository_owner_id": owner_id,
        "actor": actor,
        "actor_id": actor_id,
        "workflow": workflow,
        "job_workflow_ref": job_workflow_ref,
        "enterprise_id": enterprise_id,
    }
    if extra_claims:
        claims.update(extra_claims)
    present = {key: value for key, value in claims.items() if value is not None}
    return WebIdentity(_provider(issuer, account_id, partition, provider_arn), present)


def _short_ref(option: str, value: object, own: str, other: str) -> str:
    """A branch or tag name, given bare (``main``) or as its full ref (``refs/heads/main``).

    >>> _short_ref("branch", "refs/heads/main", "refs/heads/", "refs/tags/")
    'main'
    """
    if not isinstance(value, str) or not value:
        raise InvalidCaller(f"GitHubActions: {option} must be a non-empty name, got {value!r}")
    if value.startswith(other):
        raise InvalidCaller(
            f"GitHubActions: {option}={value!r} names a "
            f"{'tag' if other == 'refs/tags/' else 'branch'}, not a {option}"
        )
    return value.removeprefix(own)


@cached(1024)  # a suite builds runs of the same few repositories
def _repo_parts(repo: object) -> tuple[str, str]:
    owner, slash, name = repo.partition("/") if isinstance(repo, str) else ("", "", "")
    if not slash or not _GITHUB_NAME.fullmatch(owner) or not _GITHUB_NAME.fullmatch(name):
        raise InvalidCaller(f"GitHubActions: repo must be 'OWNER/REPO', got {repo!r}")
    return owner, name


def _ref_type(ref: str | None) -> str | None:
    if ref is None:
        return None
    if ref.startswith("refs/heads/"):
        return "branch"
    if ref.startswith("refs/tags/"):
        return "tag"
    return None


@checked
def EksServiceAccount(  # noqa: N802 - reads as the caller it builds, like a class
    namespace: str,
    service_account: str,
    *,
    cluster_id: str,
    region: str,
    audience: str | Sequence[str] = _DEFAULT_AUDIENCE,
    account_id: str | None = None,
    partition: str = "aws",
    provider_arn: str | None = None,
) -> WebIdentity:
    """A pod's projected service-account token on EKS (IAM roles for service accounts).

    The issuer is ``oidc.eks.<region>.amazonaws.com/id/<cluster_id>`` (``.com.cn`` in China),
    ``sub`` is ``system:serviceaccount:<namespace>:<service account>`` and ``aud``
    ``sts.amazonaws.com`` (docs/semantics.md §7.5).

    >>> pod = EksServiceAccount("payments", "api", cluster_id="EXAMPLED539D4633E53DE1B71EXAMPLE",
    ...                         region="us-east-1")
    >>> pod.provider
    'oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
    >>> pod.claims["sub"]
    'system:serviceaccount:payments:api'
    """
    for label, value in (("namespace", namespace), ("service_account", service_account)):
        if not _K8S_NAME.fullmatch(value) or len(value) > 253:
            raise InvalidCaller(f"EksServiceAccount: {label} {value!r} is not a Kubernetes name")
    if not _REGION.fullmatch(region):
        raise InvalidCaller(f"EksServiceAccount: {region!r} is not an AWS Region code")
    if not _EKS_ID.fullmatch(cluster_id):
        raise InvalidCaller(
            f"EksServiceAccount: cluster_id {cluster_id!r} is not the ID of an EKS OIDC issuer"
        )
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    issuer = f"oidc.eks.{region}.{suffix}/id/{cluster_id}"
    claims = {
        "iss": f"https://{issuer}",
        "aud": _audience(audience),
        "sub": f"system:serviceaccount:{namespace}:{service_account}",
    }
    return WebIdentity(_provider(issuer, account_id, partition, provider_arn), claims)


@checked
def CognitoIdentity(  # noqa: N802 - reads as the caller it builds, like a class
    identity_pool_id: str,
    identity_id: str,
    *,
    authenticated: bool = True,
    login_providers: Iterable[str] = (),
) -> WebIdentity:
    """An Amazon Cognito identity-pool identity (the built-in ``cognito-identity.amazonaws.com``).

    ``aud`` is the identity pool ID, ``sub`` the identity ID, and ``amr`` — always
    multi-valued — is ``unauthenticated`` for guests, or ``authenticated`` followed by the
    login providers used (docs/semantics.md §6.4; docs/semantics.md §7.4).

    >>> guest = CognitoIdentity("us-east-2:11111111-2222-3333-4444-555555555555",
    ...                         "us-east-2:aaaaaaaa-2222-3333-4444-555555555555",
    ...                         authenticated=False)
    >>> guest.claims["amr"]
    ('unauthenticated',)
    >>> CognitoIdentity("us-east-2:11111111-2222-3333-4444-555555555555",
    ...                 "us-east-2:aaaaaaaa-2222-3333-4444-555555555555",
    ...                 login_providers=["graph.facebook.com"]).claims["amr"]
    ('authenticated', 'graph.facebook.com')
    """
    for label, value in (("identity_pool_id", identity_pool_id), ("identity_id", identity_id)):
        if not _COGNITO_ID.fullmatch(value):
            raise InvalidCaller(
                f"CognitoIdentity: {label} {value!r} is not of the form <region>:<guid>"
            )
    providers = tuple(login_providers)
    if not authenticated and providers:
        raise InvalidCaller("CognitoIdentity: an unauthenticated identity has no login providers")
    amr = ("authenticated", *providers) if authenticated else ("unauthenticated",)
    claims = {"aud": identity_pool_id, "sub": identity_id, "amr": amr}
    return WebIdentity(_COGNITO, claims)


@checked
def GoogleIdentity(  # noqa: N802 - reads as the caller it builds, like a class
    sub: str,
    *,
    audience: str,
    authorized_party: str | None = None,
    email: str | None = None,
    account_id: str | None = None,
    partition: str = "aws",
) -> WebIdentity:
    """A Google ID token (the built-in ``accounts.google.com``, or an IAM OIDC provider for it).

    ``audience`` is the token's ``aud`` and ``authorized_party`` its ``azp``. AWS swaps them in
    the condition keys: ``accounts.google.com:aud`` is ``azp`` when present (else ``aud``) and
    ``accounts.google.com:oaud`` is ``aud`` (docs/semantics.md §6.4) — see
    :func:`oidc_condition_keys`.

    >>> GoogleIdentity("10987", audience="123-example.apps.googleusercontent.com").provider
    'accounts.google.com'
    """
    claims = {
        "iss": "https://accounts.google.com",
        "sub": sub,
        "aud": audience,
        "azp": authorized_party,
        "email": email,
    }
    provider = _GOOGLE if account_id is None else _provider(_GOOGLE, account_id, partition, None)
    return WebIdentity(provider, {key: value for key, value in claims.items() if value is not None})


@checked
def OidcIdentity(  # noqa: N802 - reads as the caller it builds, like a class
    issuer: str,
    *,
    sub: str,
    audience: str | Sequence[str],
    claims: Mapping[str, ClaimValue] | None = None,
    condition_claims: Iterable[str] | None = None,
    account_id: str | None = None,
    partition: str = "aws",
    provider_arn: str | None = None,
) -> WebIdentity:
    """A token from any OIDC issuer registered as an IAM OIDC provider.

    ``issuer`` is the issuer URL (the scheme is dropped, as IAM does). ``condition_claims``
    names the claims AWS turns into condition keys when the issuer has more than the generic
    set (``aud``, ``sub``, ``amr``, ``azp``, ``email``, ``oaud``), as some SaaS issuers do.

    >>> gitlab = OidcIdentity("https://gitlab.com", sub="project_path:acme/app:ref_type:branch:ref:main",
    ...                       audience="https://gitlab.com", claims={"project_id": "42"},
    ...                       condition_claims={"aud", "sub", "project_id"})
    >>> sorted(oidc_condition_keys(gitlab))
    ['gitlab.com:aud', 'gitlab.com:project_id', 'gitlab.com:sub']
    """
    host = issuer.split("://", 1)[1] if "://" in issuer else issuer
    host = host.rstrip("/")
    if host in BUILTIN_WEB_IDENTITY_PROVIDERS and account_id is None and provider_arn is None:
        provider = host
    else:
        provider = _provider(host, account_id, partition, provider_arn)
    all_claims: dict[str, ClaimValue] = {"iss": f"https://{host}", "sub": sub}
    all_claims["aud"] = _audience(audience)
    all_claims.update(claims or {})
    return WebIdentity(provider, all_claims, condition_claims=condition_claims)
