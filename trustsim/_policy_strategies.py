"""Trust policies AWS accepts, for :mod:`trustsim.strategies` (public there).

Statements of every principal kind with the conditions real trust policies use (GitHub
``sub`` claims, ``ExternalId``, source accounts, SAML audiences), shrinking towards one
``Allow`` statement with one principal and no condition.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypedDict

from hypothesis import strategies as st

from trustsim._value_strategies import SERVICES, account_ids, iam_names, iam_paths
from trustsim.identities import (
    GITHUB_ISSUER,
)
from trustsim.model import Policy, PolicyKind, Principal, Statement
from trustsim.parsing import parse_policy

if TYPE_CHECKING:  # typing.Unpack is Python 3.11's; only the type checker reads this
    from typing_extensions import Unpack

__all__ = [
    "TrustPolicyOptions",
    "principals",
    "trust_policies",
    "trust_policy_documents",
    "trust_statements",
]


def _aws_principal_values(account: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    @st.composite
    def build(draw: st.DrawFn) -> str:
        acct = draw(account)
        form = draw(st.sampled_from(["account", "root", "user", "role", "star"]))
        path, name = draw(iam_paths()), draw(iam_names())
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
        services = draw(st.lists(st.sampled_from(SERVICES), min_size=1, max_size=2, unique=True))
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


class TrustPolicyOptions(TypedDict, total=False):
    """The keyword options of :func:`trust_policy_documents`, which :func:`trust_policies` passes on."""

    account_id: st.SearchStrategy[str] | None
    max_statements: int
    conditions: bool
    deny: bool


def trust_policies(**options: Unpack[TrustPolicyOptions]) -> st.SearchStrategy[Policy]:
    """Parsed trust policies: :func:`trust_policy_documents` through :func:`~trustsim.parsing.parse_policy`.

    Takes the options of :func:`trust_policy_documents` (:class:`TrustPolicyOptions`).
    Shrinks towards ``{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
    "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}]}``.

    >>> from hypothesis import given, settings
    >>> @settings(max_examples=10, database=None)
    ... @given(trust_policies())
    ... def round_trips(policy):
    ...     assert parse_policy(policy.to_dict()) == policy
    >>> round_trips()
    """
    documents = trust_policy_documents(**options)
    return documents.map(lambda document: parse_policy(document, kind=PolicyKind.TRUST))


def trust_statements() -> st.SearchStrategy[Statement]:
    """Single trust-policy statements (the first statement of a one-statement policy).

    Shrinks towards an ``Allow`` of ``sts:AssumeRole`` to account ``111122223333``.
    """
    return trust_policies(max_statements=1).map(lambda policy: policy.statements[0])


def principals() -> st.SearchStrategy[Principal]:
    """``Principal`` elements of trust statements. Shrinks towards ``{"AWS": "111122223333"}``."""
    return trust_statements().map(lambda statement: statement.principal or Principal(star=True))
