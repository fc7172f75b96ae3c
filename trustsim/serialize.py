"""Policies back to JSON, in one canonical form.

Canonical means: elements in the order AWS documents them (``Version``, ``Id``,
``Statement``; ``Sid``, ``Effect``, ``Principal``, ``Action``, ``Resource``, ``Condition``),
``Statement`` always a list, a one-value element written as a string and several as a list,
condition values in the shape the document used. ``parse_policy(to_dict(p), kind=p.kind)``
gives back a policy equal to ``p``.
"""

from __future__ import annotations

import json
from typing import Any

from trustsim.model import ConditionClause, Policy, Principal, Statement

__all__ = ["to_dict", "to_json"]


def to_dict(policy: Policy) -> dict[str, Any]:
    """The policy as a JSON-ready ``dict``.

    >>> from trustsim.parsing import parse_policy
    >>> policy = parse_policy({"Statement": {"Action": ["sts:AssumeRole"], "Effect": "Allow",
    ...                                      "Principal": {"AWS": "111122223333"}}})
    >>> to_dict(policy)
    {'Statement': [{'Effect': 'Allow', 'Principal': {'AWS': '111122223333'}, 'Action': 'sts:AssumeRole'}]}
    """
    document: dict[str, Any] = {}
    if policy.version is not None:
        document["Version"] = policy.version
    if policy.id is not None:
        document["Id"] = policy.id
    document["Statement"] = [_statement(statement) for statement in policy.statements]
    return document


def to_json(policy: Policy, *, indent: int | None = 2) -> str:
    """The canonical JSON text of ``policy`` (``indent=None`` for one line).

    >>> from trustsim.parsing import parse_policy
    >>> print(to_json(parse_policy({"Statement": {"Effect": "Allow", "Action": "sts:AssumeRole",
    ...                             "Principal": {"Service": "lambda.amazonaws.com"}}}), indent=None))
    {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    """
    return json.dumps(to_dict(policy), indent=indent, ensure_ascii=False)


def _one_or_many(values: tuple[str, ...]) -> str | list[str]:
    return values[0] if len(values) == 1 else list(values)


def _principal(principal: Principal) -> str | dict[str, Any]:
    if principal.star:
        return "*"
    members = (
        ("AWS", principal.aws),
        ("Service", principal.service),
        ("Federated", principal.federated),
        ("CanonicalUser", principal.canonical_user),
    )
    return {name: _one_or_many(values) for name, values in members if values}


def _condition(clauses: tuple[ConditionClause, ...]) -> dict[str, dict[str, Any]]:
    block: dict[str, dict[str, Any]] = {}
    for clause in clauses:
        values: str | list[str] = (
            list(clause.values)
            if clause.value_is_list or len(clause.values) != 1
            else clause.values[0]
        )
        block.setdefault(clause.operator.name, {})[clause.key] = values
    return block


def _statement(statement: Statement) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if statement.sid is not None:
        result["Sid"] = statement.sid
    result["Effect"] = statement.effect.value
    for name, principal in (
        ("Principal", statement.principal),
        ("NotPrincipal", statement.not_principal),
    ):
        if principal is not None:
            result[name] = _principal(principal)
    for name, values in (
        ("Action", statement.action),
        ("NotAction", statement.not_action),
        ("Resource", statement.resource),
        ("NotResource", statement.not_resource),
    ):
        if values is not None:
            result[name] = _one_or_many(values)
    if statement.condition:
        result["Condition"] = _condition(statement.condition)
    return result
