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

from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import strategies as st

from trustsim import _value_strategies as values
from trustsim._caller_strategies import (
    account_roots,
    anonymous_callers,
    github_runs,
    iam_users,
    kind_strategies,
    role_sessions,
    saml_identities,
    service_principals,
    web_identities,
)
from trustsim._policy_strategies import (
    principals,
    trust_policies,
    trust_policy_documents,
    trust_statements,
)
from trustsim._value_strategies import account_ids, org_ids, org_memberships
from trustsim.callers import (
    AccountRoot,
    Caller,
    IamUser,
    Role,
    RoleSession,
)
from trustsim.context import ContextValue, RequestContext
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
    table = kind_strategies(None, None, (), outside=False)
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
    table = kind_strategies(account, org, list(github_owners), outside=True)
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
        values.iam_paths(),
        values.iam_names(),
        trust_policies(),
        values.tag_dicts(),
    )


# -- request options and contexts ---------------------------------------------------------


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
                values.examples_first(
                    ("tenant-42",), st.from_regex(r"[A-Za-z0-9_+=,.@:/-]{2,40}", fullmatch=True)
                )
            )
        if draw(st.booleans()):
            options["session_name"] = draw(
                values.examples_first(
                    ("ci-run",), st.from_regex(r"[A-Za-z0-9_+=,.@-]{2,32}", fullmatch=True)
                )
            )
        tags = {
            key: value
            for key, value in draw(values.tag_dicts()).items()
            if key.lower() not in inherited
        }
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
            options["at"] = draw(values.request_times())
        if assume_role_caller and draw(st.booleans()):
            options["mfa"] = draw(st.booleans())
        if draw(st.booleans()):
            options["region"] = draw(st.sampled_from(values.REGIONS))
        return options

    return build()


_CONTEXT_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "aws:PrincipalOrgID": org_ids(),
    "aws:SourceAccount": account_ids(),
    "aws:SourceIp": st.ip_addresses().map(str),
    "aws:MultiFactorAuthPresent": st.booleans(),
    "aws:CurrentTime": values.request_times(),
    "aws:PrincipalTag/team": st.sampled_from(["blue", "red"]),
    "aws:RequestTag/project": st.sampled_from(["alpha", "beta"]),
    "aws:TagKeys": st.lists(st.sampled_from(["project", "team"]), min_size=1, unique=True),
    "sts:ExternalId": st.sampled_from(["tenant-42", "other"]),
    "sts:RoleSessionName": values.iam_names(),
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
