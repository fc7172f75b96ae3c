"""Hypothesis strategies for trustsim: callers, request options, contexts and trust policies.

Install with the ``hypothesis`` extra (``pip install trustsim[hypothesis]``). Every strategy
generates values trustsim accepts (callers that pass their own checks, options STS would
accept for that caller, policies AWS would accept) and says in its docstring what it
shrinks towards, so a failing property reports the simplest case: one ``Allow`` statement,
one principal, no conditions; an IAM user in account ``111122223333``; no request options.

The strategy to reach for first is :func:`callers_outside`: "no caller outside the
organisation can assume this role" is three lines.

>>> from hypothesis import given, settings
>>> from trustsim.callers import Role
>>> from trustsim.parsing import parse_policy
>>> from trustsim.testing import assert_denied
>>> role = Role("arn:aws:iam::111122223333:role/audit", parse_policy({"Statement": {
...     "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
...     "Action": "sts:AssumeRole"}}))
>>> @settings(max_examples=20, database=None)
... @given(callers_outside(accounts=["111122223333"]))
... def no_outsider(caller):
...     assert_denied(caller, role)
>>> no_outsider()
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast

from hypothesis import strategies as st

from trustsim.callers import (
    AccountRoot,
    Anonymous,
    Caller,
    IamUser,
    OrgMembership,
    Role,
    RoleSession,
    SamlIdentity,
    ServicePrincipal,
    WebIdentity,
)
from trustsim.context import ContextValue, RequestContext
from trustsim.identities import (
    GITHUB_ISSUER,
    CognitoIdentity,
    EksServiceAccount,
    GitHubActions,
    GoogleIdentity,
    OidcIdentity,
)
from trustsim.model import Policy, PolicyKind, Principal, Statement
from trustsim.parsing import parse_policy
from trustsim.testing import RequestOptions

__all__ = [
    "CALLER_KINDS",
    "account_ids",
    "account_roots",
    "anonymous_callers",
    "callers",
    "callers_outside",
    "condition_contexts",
    "github_runs",
    "iam_users",
    "org_ids",
    "org_memberships",
    "principals",
    "request_contexts",
    "request_options",
    "role_sessions",
    "roles",
    "saml_identities",
    "service_principals",
    "trust_policies",
    "trust_policy_documents",
    "trust_statements",
    "web_identities",
]

#: The caller kinds :func:`callers` and :func:`callers_outside` draw from, simplest first.
CALLER_KINDS: tuple[str, ...] = (
    "anonymous",
    "iam_user",
    "role_session",
    "account_root",
    "service",
    "github",
    "eks",
    "cognito",
    "google",
    "oidc",
    "saml",
)

# Account IDs from AWS documentation come first: users' fixtures use them, so an outsider
# strategy that tries them first finds "trusts the wrong example account" mistakes at once.
_EXAMPLE_ACCOUNTS = ("111122223333", "444455556666", "123456789012", "777788889999")
_NAMES = ("alice", "bob", "deploy", "ci", "admin")
_SERVICES = (
    "lambda.amazonaws.com",
    "ec2.amazonaws.com",
    "ecs-tasks.amazonaws.com",
    "states.amazonaws.com",
    "events.amazonaws.com",
)
_REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
_UTC = _dt.timezone.utc


def _one_of_first(
    examples: Sequence[str], fallback: st.SearchStrategy[str]
) -> st.SearchStrategy[str]:
    """The examples (shrinking to the first), then anything ``fallback`` makes."""
    return st.sampled_from(examples) | fallback


def account_ids(*, exclude: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """12-digit account IDs, never one of ``exclude``.

    Shrinks towards ``111122223333`` (documentation accounts first), else the smallest
    allowed ID.

    >>> from hypothesis import find
    >>> find(account_ids(exclude=["111122223333"]), lambda _: True)
    '444455556666'
    """
    excluded = frozenset(exclude)
    ids = _one_of_first(_EXAMPLE_ACCOUNTS, st.from_regex(r"\d{12}", fullmatch=True))
    return ids.filter(lambda account: account not in excluded)


def org_ids(*, exclude: Iterable[str] = ()) -> st.SearchStrategy[str]:
    """AWS Organizations IDs (``o-`` and 10 lowercase letters or digits), never one of ``exclude``.

    Shrinks towards ``o-a1b2c3d4e5``.
    """
    excluded = frozenset(exclude)
    ids = _one_of_first(
        ("o-a1b2c3d4e5", "o-exampleorgid"), st.from_regex(r"o-[a-z0-9]{10}", fullmatch=True)
    )
    return ids.filter(lambda org: org not in excluded)


def org_memberships(
    *, org_id: st.SearchStrategy[str] | None = None
) -> st.SearchStrategy[OrgMembership]:
    """An account's membership of an organisation, with no SCPs or RCPs.

    Shrinks towards ``OrgMembership("o-a1b2c3d4e5")`` with no OU paths.
    """

    @st.composite
    def build(draw: st.DrawFn) -> OrgMembership:
        org = draw(org_id if org_id is not None else org_ids())
        root = f"{org}/r-ab12/"
        paths = draw(st.lists(st.sampled_from([root, f"{root}ou-ab12-11111111/"]), max_size=1))
        # cast: mypy's attrs plugin types a ``converter=tuple`` field as ``Iterable[_T_co]``.
        return OrgMembership(org, paths=cast("Any", paths))

    return build()


def _names() -> st.SearchStrategy[str]:
    return _one_of_first(_NAMES, st.from_regex(r"[A-Za-z0-9_+=,.@-]{1,20}", fullmatch=True))


def _paths() -> st.SearchStrategy[str]:
    return st.sampled_from(["/", "/ci/", "/eng/team/"])


def _tags(max_size: int = 3) -> st.SearchStrategy[dict[str, str]]:
    keys = _one_of_first(
        ("team", "project", "env"),
        st.from_regex(r"[A-Za-z][A-Za-z0-9_.:/=+@-]{0,15}", fullmatch=True),
    )
    values = _one_of_first(
        ("blue", "prod", ""), st.from_regex(r"[A-Za-z0-9 _.:/=+@-]{0,16}", fullmatch=True)
    )
    return st.dictionaries(keys, values, max_size=max_size).filter(
        lambda tags: len({key.lower() for key in tags}) == len(tags)
    )


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
        _paths(),
        _names(),
        _tags(),
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
        role_arn = f"arn:aws:iam::{account}:role{draw(_paths())}{draw(_names())}"
        session_tags = draw(_tags())
        transitive = (
            draw(st.lists(st.sampled_from(sorted(session_tags)), unique=True))
            if session_tags
            else []
        )
        return RoleSession(
            role_arn,
            draw(
                _one_of_first(
                    ("trustsim", "run-42"),
                    st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,32}", fullmatch=True),
                )
            ),
            role_tags=draw(_tags()),
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
        name = draw(st.sampled_from(_SERVICES))
        account = draw(source_account if source_account is not None else st.none() | account_ids())
        arn = None
        if account is not None and draw(st.booleans()):
            service = name.split(".", 1)[0]
            arn = f"arn:aws:{service}:us-east-1:{account}:resource/{draw(_names())}"
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
            _one_of_first(("app", "infra"), st.from_regex(r"[A-Za-z0-9_.-]{1,20}", fullmatch=True))
        )
        # Every piece is drawn whatever the trigger, so the shortest run is also the first:
        # Hypothesis shrinks towards fewer choices before smaller ones.
        trigger = draw(st.sampled_from(["branch", "pull_request", "environment", "tag"]))
        branch = draw(
            _one_of_first(("main", "dev"), st.from_regex(r"[a-z0-9/_-]{1,12}", fullmatch=True))
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
        st.sampled_from(_REGIONS),
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
        st.sampled_from(_REGIONS),
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
        _names(),
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
        _names(),
        st.none() | st.just("https://idp.example.com/saml"),
    )


def _kind_strategies(
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


def _chosen(kinds: Iterable[str] | None) -> list[str]:
    chosen = list(CALLER_KINDS if kinds is None else kinds)
    unknown = sorted(set(chosen) - set(CALLER_KINDS))
    if unknown or not chosen:
        raise ValueError(f"unknown caller kinds {unknown}; choose among {', '.join(CALLER_KINDS)}")
    return [kind for kind in CALLER_KINDS if kind in chosen]


def callers(*, kinds: Iterable[str] | None = None) -> st.SearchStrategy[Caller]:
    """Callers of every kind (or of ``kinds``, names from :data:`CALLER_KINDS`).

    Shrinks towards the simplest caller of the first kind asked for: by default the anonymous
    caller (it has no fields), else e.g. ``IamUser("arn:aws:iam::111122223333:user/alice")``
    with no tags, organisation or MFA.

    >>> from hypothesis import find
    >>> find(callers(), lambda _: True)
    Anonymous()
    >>> find(callers(kinds=["iam_user"]), lambda _: True)
    IamUser('arn:aws:iam::111122223333:user/alice')
    """
    table = _kind_strategies(None, None, (), outside=False)
    return st.one_of([table[kind] for kind in _chosen(kinds)])


def callers_outside(
    *,
    org_id: str | None = None,
    accounts: Iterable[str] = (),
    github_owners: Sequence[str] = (),
    kinds: Iterable[str] | None = None,
) -> st.SearchStrategy[Caller]:
    """Callers from outside an organisation: none of them should be able to assume an inside role.

    Args:
        org_id: the AWS organisation (``o-…``): AWS callers belong to another or to none.
        accounts: the organisation's accounts (the role's at least): AWS callers, SAML
            providers and the accounts services act for are all elsewhere.
        github_owners: the organisation's GitHub owners: GitHub runs come from other owners'
            repositories, look-alike names first (``acme-evil``, ``acmecorp``, ``evil-acme``).
        kinds: the caller kinds to draw (names from :data:`CALLER_KINDS`; default all).

    Every kind of caller is outside by construction: IAM users, role sessions and roots of
    other accounts; anonymous callers; services acting for other accounts; GitHub runs of
    other owners (through the role account's own GitHub OIDC provider, which anyone on GitHub
    can get a token for); Cognito and Google identities of any pool or client; EKS and other
    OIDC tokens of providers in other accounts; SAML assertions of other accounts' providers.

    Shrinks towards the anonymous caller when it is among ``kinds``; within one kind, towards
    the simplest outsider of it (an IAM user ``alice`` of the first documentation account not
    in ``accounts`` and in no organisation; a GitHub run of ``<owner>-evil/app`` on ``main``).

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None)
    ... @given(callers_outside(github_owners=["acme"], kinds=["github"]))
    ... def never_acme(run):
    ...     assert not run.claims["sub"].lower().startswith("repo:acme/")
    >>> never_acme()
    """
    inside = list(accounts)
    account = account_ids(exclude=inside)
    org = org_ids(exclude=[org_id] if org_id else [])
    table = _kind_strategies(account, org, list(github_owners), outside=True)
    return st.one_of([table[kind] for kind in _chosen(kinds)])


def roles(*, account_id: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[Role]:
    """Roles with a generated trust policy (:func:`trust_policies`) and sometimes tags.

    Shrinks towards ``Role("arn:aws:iam::111122223333:role/alice", <one-statement policy>)``.
    """
    return st.builds(
        lambda account, path, name, policy, tags: Role(
            f"arn:aws:iam::{account}:role{path}{name}", policy, tags=tags
        ),
        account_id if account_id is not None else account_ids(),
        _paths(),
        _names(),
        trust_policies(),
        _tags(),
    )


# -- request options and contexts ---------------------------------------------------------


def _datetimes() -> st.SearchStrategy[_dt.datetime]:
    return st.datetimes(
        min_value=_dt.datetime(2020, 1, 1),
        max_value=_dt.datetime(2035, 1, 1),
        timezones=st.just(_UTC),
    ).map(lambda moment: moment.replace(microsecond=0))


def request_options(caller: Caller | None = None) -> st.SearchStrategy[RequestOptions]:
    """Keyword options for :func:`trustsim.requests.assume_role` that STS accepts for ``caller``.

    Without a caller, only options every caller kind may pass. ``ExternalId`` and provided
    contexts come only for ``AssumeRole`` callers, MFA only for IAM users, sessions and roots,
    and session tags never collide with a session's inherited transitive tags; ``region`` is
    sometimes given (``aws:RequestedRegion``).

    Shrinks towards ``{}`` (no options).

    >>> from hypothesis import find
    >>> find(request_options(), lambda _: True)
    {}
    """
    assume_role_caller = isinstance(caller, (IamUser, RoleSession, AccountRoot))
    inherited = (
        {key.lower() for key in caller.transitive_tags}
        if isinstance(caller, RoleSession)
        else set()
    )
    fixed_identity = caller.source_identity if isinstance(caller, RoleSession) else None

    @st.composite
    def build(draw: st.DrawFn) -> RequestOptions:
        options: RequestOptions = {}
        if assume_role_caller and draw(st.booleans()):
            options["external_id"] = draw(
                _one_of_first(
                    ("tenant-42",), st.from_regex(r"[A-Za-z0-9_+=,.@:/-]{2,40}", fullmatch=True)
                )
            )
        if draw(st.booleans()):
            options["session_name"] = draw(
                _one_of_first(
                    ("ci-run",), st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,32}", fullmatch=True)
                )
            )
        tags = {key: value for key, value in draw(_tags()).items() if key.lower() not in inherited}
        if tags:
            options["tags"] = tags
            transitive = draw(st.lists(st.sampled_from(sorted(tags)), unique=True))
            if transitive:
                options["transitive_tag_keys"] = transitive
        if draw(st.booleans()):
            options["source_identity"] = fixed_identity or draw(
                st.sampled_from(["alice", "build-bot"])
            )
        if draw(st.booleans()):
            options["source_ip"] = draw(st.ip_addresses().map(str))
        if draw(st.booleans()):
            options["at"] = draw(_datetimes())
        if assume_role_caller and draw(st.booleans()):
            options["mfa"] = draw(st.booleans())
        if draw(st.booleans()):
            options["region"] = draw(st.sampled_from(_REGIONS))
        return options

    return build()


_CONTEXT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "aws:PrincipalOrgID": org_ids(),
    "aws:SourceAccount": account_ids(),
    "aws:SourceIp": st.ip_addresses().map(str),
    "aws:MultiFactorAuthPresent": st.booleans(),
    "aws:CurrentTime": _datetimes(),
    "aws:PrincipalTag/team": st.sampled_from(["blue", "red"]),
    "aws:RequestTag/project": st.sampled_from(["alpha", "beta"]),
    "aws:TagKeys": st.lists(st.sampled_from(["project", "team"]), min_size=1, unique=True),
    "sts:ExternalId": st.sampled_from(["tenant-42", "other"]),
    "sts:RoleSessionName": _names(),
    "token.actions.githubusercontent.com:sub": st.sampled_from(
        ["repo:acme/app:ref:refs/heads/main", "repo:acme/app:pull_request"]
    ),
}


def condition_contexts(
    *, keys: Iterable[str] | None = None
) -> st.SearchStrategy[dict[str, ContextValue]]:
    """Explicit request-context entries (the ``context=`` option), well-shaped for each key.

    ``keys`` restricts the keys drawn (default: a dozen keys trust policies test, global and
    ``sts:``/OIDC ones). Values have the shape AWS sends: dates, IP addresses, booleans,
    lists for multi-valued keys.

    Shrinks towards ``{}`` (no explicit entry).
    """
    chosen = list(_CONTEXT_VALUES) if keys is None else list(keys)
    unknown = sorted(set(chosen) - set(_CONTEXT_VALUES))
    if unknown:
        raise ValueError(
            f"no value strategy for {unknown}; known keys: {', '.join(_CONTEXT_VALUES)}"
        )
    return st.fixed_dictionaries({}, optional={key: _CONTEXT_VALUES[key] for key in chosen})


def request_contexts() -> st.SearchStrategy[RequestContext]:
    """:class:`~trustsim.context.RequestContext` values built from :func:`condition_contexts`.

    Shrinks towards the empty context.
    """
    return condition_contexts().map(RequestContext.of)


# -- trust policies ---------------------------------------------------------------------


def _aws_principal_values(account: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        acct = draw(account)
        form = draw(st.sampled_from(["account", "root", "user", "role", "star"]))
        path, name = draw(_paths()), draw(_names())
        if form == "account":
            return acct
        if form == "root":
            return f"arn:aws:iam::{acct}:root"
        if form == "star":
            return "*"
        return f"arn:aws:iam::{acct}:{form}{path}{name}"

    return build()


_GITHUB_SUB_CLAUSES = [
    ("StringEquals", f"{GITHUB_ISSUER}:sub", ["repo:acme/app:ref:refs/heads/main"]),
    ("StringLike", f"{GITHUB_ISSUER}:sub", ["repo:acme/app:*"]),
    ("StringEquals", f"{GITHUB_ISSUER}:sub", ["repo:acme/app:environment:prod"]),
]
_OIDC_KEYS = {
    GITHUB_ISSUER: [
        ("StringEquals", f"{GITHUB_ISSUER}:aud", ["sts.amazonaws.com"]),
        ("StringEquals", f"{GITHUB_ISSUER}:repository", ["acme/app"]),
    ],
    "cognito-identity.amazonaws.com": [
        (
            "StringEquals",
            "cognito-identity.amazonaws.com:aud",
            ["us-east-1:11111111-2222-3333-4444-555555555555"],
        ),
        ("ForAnyValue:StringLike", "cognito-identity.amazonaws.com:amr", ["authenticated"]),
    ],
}


def _clause_id(clause: tuple[str, str, list[str]]) -> tuple[str, str]:
    return clause[0], clause[1]


_AWS_CONDITIONS = [
    ("StringEquals", "sts:ExternalId", ["tenant-42"]),
    ("StringEquals", "aws:PrincipalOrgID", ["o-a1b2c3d4e5"]),
    ("StringEquals", "aws:PrincipalTag/team", ["blue"]),
    ("Bool", "aws:MultiFactorAuthPresent", ["true"]),
    ("IpAddress", "aws:SourceIp", ["203.0.113.0/24"]),
    ("DateLessThan", "aws:CurrentTime", ["2030-01-01T00:00:00Z"]),
    ("StringLike", "sts:RoleSessionName", ["ci-*"]),
]
_SERVICE_CONDITIONS = [
    ("StringEquals", "aws:SourceAccount", ["111122223333"]),
    ("ArnLike", "aws:SourceArn", ["arn:aws:lambda:us-east-1:111122223333:function:*"]),
    ("StringEquals", "aws:SourceOrgID", ["o-a1b2c3d4e5"]),
]
_SAML_CONDITIONS = [("StringEquals", "saml:aud", ["https://signin.aws.amazon.com/saml"])]


def _statement_documents(
    account: st.SearchStrategy[str], *, conditions: bool, deny: bool
) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        # Every kind's pieces are drawn whatever the kind, so that the shortest statement is
        # also the first (an account principal): Hypothesis shrinks towards fewer choices first.
        trust = draw(st.sampled_from(["aws", "service", "oidc", "saml"]))
        acct = draw(account)
        aws_values = draw(
            st.lists(_aws_principal_values(account), min_size=1, max_size=3, unique=True)
        )
        services = draw(st.lists(st.sampled_from(_SERVICES), min_size=1, max_size=2, unique=True))
        issuer = draw(st.sampled_from(list(_OIDC_KEYS)))
        is_github = trust == "oidc" and issuer == GITHUB_ISSUER
        saml_name = draw(st.sampled_from(["Corp", "Okta"]))
        menu: list[tuple[str, str, list[str]]]
        if trust == "aws":
            principal: dict[str, Any] = {
                "AWS": aws_values[0] if len(aws_values) == 1 else aws_values
            }
            actions: list[str] = ["sts:AssumeRole"]
            menu = _AWS_CONDITIONS
        elif trust == "service":
            principal = {"Service": services[0] if len(services) == 1 else services}
            actions, menu = ["sts:AssumeRole"], _SERVICE_CONDITIONS
        elif trust == "oidc":
            provider = (
                issuer
                if issuer == "cognito-identity.amazonaws.com"
                else f"arn:aws:iam::{acct}:oidc-provider/{issuer}"
            )
            principal = {"Federated": provider}
            actions, menu = ["sts:AssumeRoleWithWebIdentity"], _OIDC_KEYS[issuer]
        else:
            principal = {"Federated": f"arn:aws:iam::{acct}:saml-provider/{saml_name}"}
            actions, menu = ["sts:AssumeRoleWithSAML"], _SAML_CONDITIONS
        if draw(st.booleans()):
            actions = [*actions, "sts:TagSession"]
        document: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Deny"])) if deny else "Allow",
            "Principal": principal,
            "Action": actions[0] if len(actions) == 1 else actions,
        }
        # A GitHub trust must test the token's ``sub`` or AWS refuses it (docs/semantics.md,
        # reading 8), so one ``sub`` clause is always drawn and used only for GitHub.
        required = [draw(st.sampled_from(_GITHUB_SUB_CLAUSES))] if is_github else []
        optional = draw(
            st.lists(st.sampled_from(menu), max_size=2 if conditions else 0, unique_by=_clause_id)
        )
        block: dict[str, dict[str, Any]] = {}
        for operator, key, values_ in [*required, *optional]:
            block.setdefault(operator, {})[key] = values_[0] if len(values_) == 1 else values_
        if block:
            document["Condition"] = block
        return document

    return build()


def trust_policy_documents(
    *,
    account_id: st.SearchStrategy[str] | None = None,
    max_statements: int = 4,
    conditions: bool = True,
    deny: bool = True,
) -> st.SearchStrategy[dict[str, Any]]:
    """Trust policy documents (decoded JSON) that AWS accepts.

    Statements trust AWS principals (accounts, roots, users, roles, ``*``), services, OIDC
    providers or SAML providers, with the matching action and, when ``conditions``, clauses a
    real policy of that kind uses (``sts:ExternalId``, ``aws:SourceAccount``, GitHub ``sub``…);
    ``deny`` allows ``Deny`` statements. ``Sid`` values, when present, are unique.

    Shrinks towards one ``Allow`` statement, one principal (account ``111122223333``),
    ``sts:AssumeRole``, no conditions, ``Version`` ``2012-10-17``.
    """
    account = account_id if account_id is not None else account_ids()

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        statements = draw(
            st.lists(
                _statement_documents(account, conditions=conditions, deny=deny),
                min_size=1,
                max_size=max_statements,
            )
        )
        if draw(st.booleans()):
            for index, statement in enumerate(statements):
                statement["Sid"] = f"Statement{index}"
        document: dict[str, Any] = {"Version": draw(st.sampled_from(["2012-10-17", "2008-10-17"]))}
        document["Statement"] = statements
        return document

    return build()


def trust_policies(
    *,
    account_id: st.SearchStrategy[str] | None = None,
    max_statements: int = 4,
    conditions: bool = True,
    deny: bool = True,
) -> st.SearchStrategy[Policy]:
    """Parsed trust policies: :func:`trust_policy_documents` through :func:`~trustsim.parsing.parse_policy`.

    Shrinks towards ``{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}``.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None)
    ... @given(trust_policies())
    ... def round_trips(policy):
    ...     assert parse_policy(policy.to_dict()) == policy
    >>> round_trips()
    """
    documents = trust_policy_documents(
        account_id=account_id, max_statements=max_statements, conditions=conditions, deny=deny
    )
    return documents.map(lambda document: parse_policy(document, kind=PolicyKind.TRUST))


def trust_statements() -> st.SearchStrategy[Statement]:
    """Single trust-policy statements (the first statement of a one-statement policy).

    Shrinks towards an ``Allow`` of ``sts:AssumeRole`` to account ``111122223333``.
    """
    return trust_policies(max_statements=1).map(lambda policy: policy.statements[0])


def principals() -> st.SearchStrategy[Principal]:
    """``Principal`` elements of trust statements. Shrinks towards ``{"AWS": "111122223333"}``."""
    return trust_statements().map(lambda statement: statement.principal or Principal(star=True))
