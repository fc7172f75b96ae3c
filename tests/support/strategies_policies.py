"""Hypothesis strategies for valid role trust policies (documents AWS would accept).

Shrinks toward one Allow statement trusting one account, one action, no condition.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

ACCOUNTS = st.from_regex(r"[0-9]{12}", fullmatch=True)
NAMES = st.from_regex(r"[A-Za-z0-9+=,.@_-]{1,20}", fullmatch=True)
PATHS = st.lists(st.from_regex(r"[a-z0-9]{1,8}", fullmatch=True), max_size=2).map(
    lambda parts: "/" + "".join(f"{p}/" for p in parts)
)


@st.composite
def aws_principals(draw: st.DrawFn) -> str:
    account = draw(ACCOUNTS)
    form = draw(st.sampled_from(["id", "root", "user", "role", "session", "star"]))
    if form == "id":
        return account
    if form == "root":
        return f"arn:aws:iam::{account}:root"
    if form == "star":
        return "*"
    if form == "session":
        return f"arn:aws:sts::{account}:assumed-role/{draw(NAMES)}/{draw(NAMES)}"
    return f"arn:aws:iam::{account}:{form}{draw(PATHS)}{draw(NAMES)}"


SERVICES = st.sampled_from(["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com"])


@st.composite
def federated_principals(draw: st.DrawFn) -> str:
    account = draw(ACCOUNTS)
    return draw(
        st.sampled_from(
            [
                f"arn:aws:iam::{account}:saml-provider/Okta",
                f"arn:aws:iam::{account}:oidc-provider/oidc.example.com",
                "accounts.google.com",
                "cognito-identity.amazonaws.com",
            ]
        )
    )


def one_or_many(values: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    return values | st.lists(values, min_size=1, max_size=3)


@st.composite
def principals(draw: st.DrawFn) -> dict[str, Any]:
    kinds = draw(st.sets(st.sampled_from(["AWS", "Service", "Federated"]), min_size=1))
    strategies = {"AWS": aws_principals(), "Service": SERVICES, "Federated": federated_principals()}
    return {kind: draw(one_or_many(strategies[kind])) for kind in sorted(kinds)}


ACTIONS = st.sampled_from(
    [
        "sts:AssumeRole",
        "sts:AssumeRoleWithWebIdentity",
        "sts:AssumeRoleWithSAML",
        "sts:TagSession",
        "sts:SetSourceIdentity",
        "sts:assumerole",
        "sts:*",
        "*",
    ]
)
SCALARS = (
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=12) | st.booleans()
)
CONDITION_KEYS = st.sampled_from(
    ["aws:SourceAccount", "sts:ExternalId", "aws:PrincipalOrgID", "aws:RequestTag/team", "saml:aud"]
)
STRING_OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringLike",
        "StringNotEquals",
        "ForAnyValue:StringLike",
        "ForAllValues:StringEqualsIfExists",
        "StringEqualsIgnoreCase",
    ]
)


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    operators = draw(st.lists(STRING_OPERATORS, min_size=1, max_size=3, unique=True))
    return {
        operator: draw(
            st.dictionaries(
                CONDITION_KEYS, SCALARS | st.lists(SCALARS, max_size=3), min_size=1, max_size=3
            )
        )
        for operator in operators
    }


@st.composite
def statements(draw: st.DrawFn, sid: str | None) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if sid is not None:
        statement["Sid"] = sid
    statement["Effect"] = draw(st.sampled_from(["Allow", "Deny"]))
    statement["Principal"] = draw(principals())
    element = draw(st.sampled_from(["Action", "NotAction"]))
    statement[element] = draw(one_or_many(ACTIONS))
    if draw(st.booleans()):
        statement["Condition"] = draw(conditions())
    return statement


@st.composite
def trust_policies(draw: st.DrawFn) -> dict[str, Any]:
    """A trust policy document (as decoded JSON) that AWS accepts."""
    count = draw(st.integers(min_value=1, max_value=4))
    sids = draw(
        st.lists(
            st.from_regex(r"[A-Za-z0-9]{1,10}", fullmatch=True),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    use_sids = draw(st.booleans())
    items = [draw(statements(sids[i] if use_sids else None)) for i in range(count)]
    document: dict[str, Any] = {}
    version = draw(st.sampled_from(["2012-10-17", "2008-10-17", None]))
    if version is not None:
        document["Version"] = version
    if draw(st.booleans()):
        document["Id"] = draw(NAMES)
    document["Statement"] = items[0] if count == 1 and draw(st.booleans()) else items
    return document
