"""The usual role trust policy, read and checked in one pass (issue 22).

Most trust policies are alike: a ``Version``, one or a few statements of ``Sid``,
``Effect``, ``Principal`` (``AWS``, ``Service`` or ``Federated``, each text or a list of
texts), ``Action`` and maybe ``Condition`` (operators over keys whose values are texts).
:func:`usual_trust_policy` reads such a text with the standard library's plain reader, builds
the policy and applies the rules of a role trust policy to it in one walk — the same reading
and the same rules as ``trustsim._structure`` and :mod:`trustsim.validation`, without the
detours those take to report a problem. It never reports one: for anything else (another
element, another type, a value a rule refuses or has not yet accepted, a duplicate key) it
returns ``None``, and the loader parses the text the general way, which finds the problem
and where it is, or accepts the document. So it decides nothing the general way would not:
``tests/policy/test_usual_trust_policies_parse_as_the_general_way.py`` holds the two to the
same policy on valid and broken documents. :func:`usual_trust_document` does the same for a
document that came decoded (``parse_policy``, documents inside API output).

Duplicate keys. The plain reader keeps the last of two equal keys (``json.loads``); the
general way reads with a hook that refuses them. Here, in a text with no backslash every
``"`` opens or closes a string (a quote inside a string must be escaped), so the text holds
``text.count('"') // 2`` strings, keys included. The walk counts every string it reads in
the decoded value (each key, each text value), and it reads every value of a document it
accepts. A key written twice leaves one key and one value in the decoded object: at least
one string (the dropped key) fewer than the text holds. So the counts agree exactly when no
object repeats a key, and a text with a backslash goes the general way.

>>> policy = usual_trust_policy(
...     '{"Version": "2012-10-17", "Statement": {"Effect": "Allow", '
...     '"Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}}', "<string>")
>>> policy.statements[0].principal.aws, policy.statements[0].pointer
(('111122223333',), '/Statement')
>>> usual_trust_policy('{"Statement": {"Effect": "Allow", "Effect": "Allow", '
...                    '"Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}}',
...                    "<string>") is None
True
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from trustsim._fast_new import builder
from trustsim._principal_rules import PLAIN_PRINCIPALS, principal_reason
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
    canonical_chars,
    parse_operator_name,
)
from trustsim.validation import (
    FAMILY_NAMES,
    READ_AS_TEXT,
    TRUST_POLICY_MAX_CHARS,
    clause_values_valid,
    required_claim,
    trust_action_valid,
)

__all__ = ["usual_trust_document", "usual_trust_policy"]

#: The standard library's reader with no hook: ``(value, end)`` for a JSON value at an index.
#: (``JSONDecoder.__init__`` sets it: the C scanner, as ``json.loads`` uses; typeshed omits it.)
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_WHITESPACE = " \t\n\r"
_POLICY_NAMES = frozenset({"Version", "Id", "Statement"})
_VERSIONS = frozenset({"2012-10-17", "2008-10-17"})
_ELEMENTS = frozenset({"Sid", "Effect", "Principal", "Action", "Condition"})
_PRINCIPAL_NAMES = frozenset({"AWS", "Service", "Federated"})
_EFFECTS = {effect.value: effect for effect in Effect}
_PLAIN = PLAIN_PRINCIPALS
# The model's values, built straight into their slots (trustsim._fast_new).
_new_policy = builder(Policy)
_new_statement = builder(Statement)
_new_principal = builder(Principal)
_new_clause = builder(ConditionClause)
_POINTERS = tuple(f"/Statement/{index}" for index in range(64))
#: The longest text whose canonical form is surely within IAM's size quota, uncounted
#: (``trustsim.loaders.json_text.canonical_bound``: ``2 * len(text) + 2`` characters at most);
#: a longer one is counted (``canonical_chars``), as validation counts it.
_LONGEST = (TRUST_POLICY_MAX_CHARS - 2) // 2


class _Other(Exception):
    """Not the usual document: parse it the general way."""


def usual_trust_policy(text: str, origin: str) -> Policy | None:
    """The trust policy ``text`` holds when it is a usual one IAM accepts; else ``None``.

    ``None`` says nothing about the document: the general way decides (see the module).
    """
    if "\\" in text:
        return None
    try:
        raw, end = _SCAN(text, 0)
    except (StopIteration, ValueError, RecursionError):
        return None
    if (end != len(text) and text[end:].strip(_WHITESPACE)) or type(raw) is not dict:
        return None
    try:
        policy = _policy(raw, text.count('"'), origin)
    except _Other:
        return None
    if len(text) > _LONGEST and canonical_chars(policy) > TRUST_POLICY_MAX_CHARS:
        return None  # POLICY_TOO_LARGE (a shorter text is surely within the quota)
    return policy


def usual_trust_document(raw: object, origin: str | None) -> Policy | None:
    """The trust policy of a decoded document when it is a usual one IAM accepts; else ``None``.

    For a ``dict`` (decoded JSON, or built in code): no key can repeat, so nothing is
    counted but its size (no text bounds it). ``None`` says nothing about the document.

    >>> usual_trust_document({"Statement": {"Effect": "Allow", "Principal": {"Service":
    ...     "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}}, None).statements[0].effect
    <Effect.ALLOW: 'Allow'>
    """
    if type(raw) is not dict:
        return None
    try:
        policy = _policy(raw, None, origin)
    except _Other:
        return None
    if canonical_chars(policy) > TRUST_POLICY_MAX_CHARS:
        return None  # POLICY_TOO_LARGE
    return policy


def _policy(raw: dict[str, Any], quotes: int | None, origin: str | None) -> Policy:
    """The policy; ``quotes`` is the text's count of ``"`` (``None``: no text, no key twice)."""
    if not _POLICY_NAMES.issuperset(raw):
        raise _Other
    strings = len(raw)  # the keys
    version = raw.get("Version")
    if version is not None:
        if type(version) is not str or version not in _VERSIONS:
            raise _Other
        strings += 1
    elif "Version" in raw:
        raise _Other
    policy_id = raw.get("Id")
    if policy_id is not None:
        if type(policy_id) is not str:
            raise _Other
        strings += 1
    elif "Id" in raw:
        raise _Other
    found = raw.get("Statement")
    single = type(found) is dict
    if single:
        items = [found]
    elif type(found) is list and 0 < len(found) <= len(_POINTERS):
        items = found
    else:
        raise _Other
    expands = version == "2012-10-17"
    statements: list[Statement] = []
    sids: set[str] = set()
    for index, item in enumerate(items):
        if type(item) is not dict:
            raise _Other
        pointer = "/Statement" if single else _POINTERS[index]
        statement, count = _statement(item, index, pointer, expands)
        sid = statement.sid
        if sid:
            if sid in sids:
                raise _Other  # DUPLICATE_SID
            sids.add(sid)
        statements.append(statement)
        strings += count
    if quotes is not None and 2 * strings != quotes:
        raise _Other  # a key written twice (see the module)
    return _new_policy(tuple(statements), version, policy_id, PolicyKind.TRUST, origin)


def _texts(value: object) -> tuple[str, ...]:
    if type(value) is str:
        return (value,)
    if type(value) is list:
        for item in value:
            if type(item) is not str:
                raise _Other
        return tuple(value)
    raise _Other


def _statement(
    raw: dict[str, Any], index: int, pointer: str, expands: bool
) -> tuple[Statement, int]:
    if not _ELEMENTS.issuperset(raw):
        raise _Other
    effect_text = raw.get("Effect")
    effect = _EFFECTS.get(effect_text) if type(effect_text) is str else None
    sid = raw.get("Sid")
    if effect is None or (sid is None and "Sid" in raw) or not (sid is None or type(sid) is str):
        raise _Other
    principal, strings, federated = _principal(raw.get("Principal"))
    strings += len(raw) + (2 if sid is not None else 1)  # the keys, Effect's and Sid's texts
    actions = _texts(raw.get("Action"))
    if not actions:
        raise _Other  # MISSING_ACTION
    for action in actions:
        if action not in FAMILY_NAMES and not trust_action_valid(action):
            raise _Other
    strings += len(actions)
    clauses: tuple[ConditionClause, ...] = ()
    if "Condition" in raw:
        clauses, count = _clauses(raw["Condition"], expands)
        strings += count
    if federated and effect is Effect.ALLOW:
        keys = {clause.key.lower() for clause in clauses}
        for provider in federated:
            claim = required_claim(provider)
            if claim is not None and claim not in keys:
                raise _Other  # OIDC_CLAIM_CONDITION_REQUIRED
    statement = _new_statement(
        effect, sid, principal, None, actions, None, None, None, clauses, index, pointer, None
    )
    return statement, strings


def _principal(value: object) -> tuple[Principal, int, tuple[str, ...]]:
    if type(value) is not dict or not _PRINCIPAL_NAMES.issuperset(value):
        raise _Other  # "*", CanonicalUser, no Principal… (or its shape is wrong)
    strings = len(value)
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    for name, written in value.items():
        values = (written,) if type(written) is str else _texts(written)
        plain = _PLAIN[name]
        for item in values:
            if not plain(item) and principal_reason(name, item) is not None:
                raise _Other
        strings += len(values)
        if name == "AWS":
            aws = values
        elif name == "Service":
            service = values
        else:
            federated = values
    if not (aws or service or federated):
        raise _Other  # EMPTY_PRINCIPAL
    return _new_principal(aws, service, federated, (), False), strings, federated


def _clauses(value: object, expands: bool) -> tuple[tuple[ConditionClause, ...], int]:
    if type(value) is not dict:
        raise _Other
    strings = len(value)
    clauses: list[ConditionClause] = []
    for name, block in value.items():
        operator = parse_operator_name(name) if type(name) is str else None
        if operator is None or type(block) is not dict:
            raise _Other
        strings += len(block)
        text = operator.base in READ_AS_TEXT
        for key, raw in block.items():
            if type(key) is not str or not key:
                raise _Other  # EMPTY_CONDITION_KEY (or a key no JSON has)
            if type(raw) is str:
                clause = _new_clause(operator, key, (raw,), False)
                strings += 1
            else:
                values = _texts(raw)
                clause = _new_clause(operator, key, values, True)
                strings += len(values)
            if not (text or clause_values_valid(clause, expands)):
                raise _Other
            clauses.append(clause)
    return tuple(clauses), strings
