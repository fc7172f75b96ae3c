"""One Hypothesis strategy per kind of caller, for :mod:`trustsim.strategies` (public there).

IAM users, role sessions, account roots, anonymous callers, AWS services, GitHub Actions
runs and other web identities, SAML identities: each generates values that pass the
caller's own checks and shrinks towards the simplest one of its kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from hypothesis import strategies as st

from trustsim._value_strategies import (
    REGIONS,
    SERVICES,
    account_ids,
    examples_first,
    iam_names,
    iam_paths,
    org_ids,
    org_memberships,
    tag_dicts,
)
from trustsim.callers import (
    AccountRoot,
    Anonymous,
    IamUser,
    OrgMembership,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.identities import (
    CognitoIdentity,
    EksServiceAccount,
    GitHubActions,
    GoogleIdentity,
    OidcIdentity,
)

__all__ = [
    "account_roots",
    "anonymous_callers",
    "github_runs",
    "iam_users",
    "kind_strategies",
    "role_sessions",
    "saml_identities",
    "service_principals",
    "web_identities",
]


def _org_or_none(org: st.SearchStrategy[str] | None) -> st.SearchStrategy[OrgMembership | None]:
    return st.none() | org_memberships(org_id=org)


def iam_users(
    *,
    account_id: st.SearchStrategy[str] | None = None,
    org_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[IamUser]:
    """IAM users, with tags and organisation membership sometimes; no policies.

    Shrinks towards ``IamUser("arn:aws:iam::111122223333:user/alice")``.
    """
    return st.builds(
        lambda account, path, name, tags, org, mfa: IamUser(
            f"arn:aws:iam::{account}:user{path}{name}", tags=tags, org=org, mfa_authenticated=mfa
        ),
        account_id if account_id is not None else account_ids(),
        iam_paths(),
        iam_names(),
        tag_dicts(),
        _org_or_none(org_id),
        st.sampled_from([None, True, False]),
    )


def role_sessions(
    *,
    account_id: st.SearchStrategy[str] | None = None,
    org_id: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[RoleSession]:
    """Sessions of IAM roles (callers of a chained ``AssumeRole``), no policies.

    Shrinks towards ``RoleSession("arn:aws:iam::111122223333:role/alice", "trustsim")``.
    """

    @st.composite
    def build(draw: st.DrawFn) -> RoleSession:
        account = draw(account_id if account_id is not None else account_ids())
        role_arn = f"arn:aws:iam::{account}:role{draw(iam_paths())}{draw(iam_names())}"
        session_tags = draw(tag_dicts())
        transitive = (
            draw(st.lists(st.sampled_from(sorted(session_tags)), unique=True))
            if session_tags
            else []
        )
        return RoleSession(
            role_arn,
            draw(
                examples_first(
                    ("trustsim", "run-42"),
                    st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,32}", fullmatch=True),
                )
            ),
            role_tags=draw(tag_dicts()),
            session_tags=session_tags,
            transitive_tag_keys=cast("Any", transitive),
            source_identity=draw(st.none() | st.sampled_from(["alice", "build-bot"])),
            org=draw(_org_or_none(org_id)),
            mfa_authenticated=draw(st.sampled_from([None, True, False])),
        )

    return build()


def account_roots(
    *, account_id: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[AccountRoot]:
    """Root users of accounts (AWS never lets them assume a role). Shrinks towards ``111122223333``."""
    return st.builds(AccountRoot, account_id if account_id is not None else account_ids())


def anonymous_callers() -> st.SearchStrategy[Anonymous]:
    """The anonymous caller (one value)."""
    return st.just(Anonymous())


def service_principals(
    *,
    source_account: st.SearchStrategy[str | None] | None = None,
    source_org_id: st.SearchStrategy[str | None] | None = None,
) -> st.SearchStrategy[ServicePrincipal]:
    """AWS services, with or without the ``aws:Source*`` keys they pass.

    Shrinks towards ``ServicePrincipal("lambda.amazonaws.com")`` with no source keys.
    """

    @st.composite
    def build(draw: st.DrawFn) -> ServicePrincipal:
        name = draw(st.sampled_from(SERVICES))
        account = draw(source_account if source_account is not None else st.none() | account_ids())
        arn = None
        if account is not None and draw(st.booleans()):
            service = name.split(".", 1)[0]
            arn = f"arn:aws:{service}:us-east-1:{account}:resource/{draw(iam_names())}"
        org = draw(source_org_id if source_org_id is not None else st.none() | org_ids())
        return ServicePrincipal(name, source_account=account, source_arn=arn, source_org_id=org)

    return build()


#: GitHub's numeric IDs (owners, repositories).
_GITHUB_IDS = st.integers(min_value=1, max_value=2**31 - 1)


def _github_owners(owners: Sequence[str], outside: bool) -> st.SearchStrategy[str]:
    if not outside:
        return st.sampled_from(owners) if owners else st.just("acme")
    taken = {owner.lower() for owner in owners}
    # Look-alikes first: they are what an over-broad ``repo:acme*`` lets in (docs/semantics.md §7.2).
    look_alikes = [
        form
        for owner in owners
        for form in (f"{owner}-evil", f"{owner}corp", f"evil-{owner}", f"{owner}2", f"{owner}.io")
    ]
    anyone = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9-]{0,15}", fullmatch=True)
    candidates = (st.sampled_from(look_alikes) | anyone) if look_alikes else anyone
    return candidates.filter(lambda owner: owner.lower() not in taken)


def github_runs(
    *,
    owners: Sequence[str] = (),
    outside: bool = False,
    account_id: str | None = None,
    owner_ids: Mapping[str, int] | None = None,
    enterprise_id: int | None = None,
) -> st.SearchStrategy[WebIdentity]:
    """GitHub Actions runs (OIDC tokens of ``token.actions.githubusercontent.com``).

    ``owners`` are GitHub organisations/users: runs of their repositories, or with
    ``outside=True`` runs of repositories of anyone else — look-alike names first
    (``acme-evil``, ``acmecorp``, ``evil-acme``…). The provider is the role account's IAM
    OIDC provider unless ``account_id`` names another account.

    Every run carries ``repository_owner_id`` and ``repository_id``, as real tokens do (RCPs
    and trust policies fence on them): an owner's ID from ``owner_ids`` when given, else
    drawn; an outsider's never one of ``owner_ids``. ``enterprise_id`` is carried by runs of
    ``owners`` (repositories of that enterprise), never by outsiders.

    Shrinks towards ``GitHubActions("<first owner>/app", branch="main", owner_id=…,
    repository_id=1)`` (``acme/app`` without owners; ``<owner>-evil/app`` with
    ``outside=True``).

    >>> from hypothesis import find
    >>> run = find(github_runs(owners=["acme"], owner_ids={"acme": 5551234}), lambda _: True)
    >>> run.claims["repository_owner_id"], run.claims["repository_id"]
    ('5551234', '1')
    """
    known = {owner.lower(): owner_id for owner, owner_id in (owner_ids or {}).items()}

    @st.composite
    def build(draw: st.DrawFn) -> WebIdentity:
        owner = draw(_github_owners(owners, outside))
        repo = draw(
            examples_first(("app", "infra"), st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True))
        )
        # Every piece is drawn whatever the trigger, so the shortest run is also the first:
        # Hypothesis shrinks towards fewer choices before smaller ones.
        trigger = draw(st.sampled_from(["branch", "pull_request", "environment", "tag"]))
        branch = draw(
            examples_first(("main", "dev"), st.from_regex(r"[a-z0-9/_-]{1,12}", fullmatch=True))
        )
        environment = draw(st.sampled_from(["prod", "staging"]))
        tag = draw(st.sampled_from(["v1.0.0", "release"]))
        by_trigger: dict[str, dict[str, Any]] = {
            "branch": {"branch": branch},
            "pull_request": {"pull_request": True},
            "environment": {"environment": environment},
            "tag": {"tag": tag},
        }
        options = by_trigger[trigger]
        drawn = draw(_GITHUB_IDS.filter(lambda i: i not in known.values()))
        owner_id = known.get(owner.lower(), drawn) if not outside else drawn
        enterprise = None if outside else enterprise_id
        return GitHubActions(
            f"{owner}/{repo}",
            account_id=account_id,
            owner_id=owner_id,
            repository_id=draw(_GITHUB_IDS),
            enterprise_id=enterprise,
            **options,
        )

    return build()


def _eks(account: st.SearchStrategy[str] | None) -> st.SearchStrategy[WebIdentity]:
    return st.builds(
        lambda ns, sa, cluster, region, acct: EksServiceAccount(
            ns, sa, cluster_id=cluster, region=region, account_id=acct
        ),
        st.sampled_from(["default", "payments", "kube-system"]),
        st.sampled_from(["api", "worker"]),
        st.sampled_from(["EXAMPLED539D4633E53DE1B71EXAMPLE"])
        | st.from_regex(r"[A-F0-9]{32}", fullmatch=True),
        st.sampled_from(REGIONS),
        st.none() if account is None else account,
    )


def _cognito() -> st.SearchStrategy[WebIdentity]:
    guid = st.uuids().map(str)
    return st.builds(
        lambda region, pool, identity, authenticated: CognitoIdentity(
            f"{region}:{pool}",
            f"{region}:{identity}",
            authenticated=authenticated,
            login_providers=["graph.facebook.com"] if authenticated else [],
        ),
        st.sampled_from(REGIONS),
        guid,
        guid,
        st.booleans(),
    )


def _google() -> st.SearchStrategy[WebIdentity]:
    return st.builds(
        lambda sub, client: GoogleIdentity(sub, audience=f"{client}.apps.googleusercontent.com"),
        st.from_regex(r"[0-9]{1,21}", fullmatch=True),
        st.sampled_from(["123-example"])
        | st.from_regex(r"[0-9]{3,12}-[a-z0-9]{4,12}", fullmatch=True),
    )


def _generic_oidc(account: st.SearchStrategy[str] | None) -> st.SearchStrategy[WebIdentity]:
    return st.builds(
        lambda host, sub, acct: OidcIdentity(
            f"https://{host}", sub=sub, audience="sts.amazonaws.com", account_id=acct
        ),
        st.sampled_from(["auth.example.com", "gitlab.com", "app.terraform.io"]),
        iam_names(),
        st.none() if account is None else account,
    )


def web_identities() -> st.SearchStrategy[WebIdentity]:
    """OIDC callers of every issuer trustsim knows: GitHub, EKS, Cognito, Google, any other.

    Shrinks towards a GitHub run of ``acme/app`` on ``main``.
    """
    return st.one_of(github_runs(), _eks(None), _cognito(), _google(), _generic_oidc(None))


def saml_identities(
    *, account_id: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[SamlIdentity]:
    """SAML callers of an IAM SAML provider, with a subject and sometimes an issuer.

    Shrinks towards ``SamlIdentity("arn:aws:iam::111122223333:saml-provider/Corp",
    {"saml:sub": "alice"})``.
    """
    return st.builds(
        lambda account, provider, sub, issuer: SamlIdentity(
            f"arn:aws:iam::{account}:saml-provider/{provider}",
            {"saml:sub": sub} | ({"saml:iss": issuer} if issuer else {}),
        ),
        account_id if account_id is not None else account_ids(),
        st.sampled_from(["Corp", "Okta"]),
        iam_names(),
        st.none() | st.just("https://idp.example.com/saml"),
    )


def kind_strategies(
    account: st.SearchStrategy[str] | None,
    org: st.SearchStrategy[str] | None,
    owners: Sequence[str],
    outside: bool,
) -> dict[str, st.SearchStrategy[Any]]:
    return {
        "iam_user": iam_users(account_id=account, org_id=org),
        "role_session": role_sessions(account_id=account, org_id=org),
        "account_root": account_roots(account_id=account),
        "anonymous": anonymous_callers(),
        "service": service_principals(
            source_account=account if outside and account is not None else None,
            source_org_id=(st.none() | org) if outside and org is not None else None,
        ),
        "github": github_runs(owners=owners, outside=outside),
        "eks": _eks(account),
        "cognito": _cognito(),
        "google": _google(),
        "oidc": _generic_oidc(account),
        "saml": saml_identities(account_id=account),
    }
