"""Turning a decoded policy document into a :class:`~trustsim.model.Policy`, strictly.

:func:`parse_policy` structures the document (``trustsim._structure``), applies the rules
AWS enforces for its :class:`~trustsim.model.PolicyKind` (:mod:`trustsim.validation`), and
either returns the policy or raises :class:`~trustsim.errors.InvalidPolicy` listing every
problem, in document order; its ``first`` problem is the one AWS would report (AWS's check
order, :func:`trustsim.validation.aws_check_order`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from trustsim import _pointer
from trustsim._memo import SWITCH, memo
from trustsim._memo import remember as keep
from trustsim._structure import structure_policy
from trustsim._usual_trust import usual_trust_document
from trustsim.errors import InvalidPolicy, Position, Problem
from trustsim.model import Policy, PolicyKind, clear_size_cache
from trustsim.validation import (
    aws_check_order,
    clear_validation_cache,
    validate_policy,
    worded_for,
)

__all__ = ["clear_parse_caches", "document_memo", "parse_policy"]

# Policies parsed from JSON text, by what parsing reads: the text and the kind (named by its
# value: hashing an Enum member runs Python code, hashing its text does not). A policy is
# frozen; the caller's origin is set on a copy. Only valid documents are remembered.
_DOCUMENTS_LIMIT = 1 << 12
_DOCUMENTS: dict[tuple[str | bytes, str], Policy] = memo("parsing: documents", _DOCUMENTS_LIMIT)


def remembered(text: str | bytes, kind: PolicyKind, origin: str | None) -> Policy | None:
    """The policy parsed from ``text`` as ``kind`` before, with ``origin``; else ``None``."""
    if SWITCH.fresh:  # the test switch (trustsim._memo): every parse starts cold
        return None
    policy = _DOCUMENTS.get((text, kind._value_))
    if policy is None:
        return None
    return policy if policy.origin == origin else attrs.evolve(policy, origin=origin)


def remember(text: str | bytes, policy: Policy) -> None:
    """Keep ``policy``, parsed from ``text`` with no problem, for :func:`remembered`."""
    keep(_DOCUMENTS, (text, policy.kind._value_), policy, _DOCUMENTS_LIMIT)


#: The other memos of parsed documents (the loaders' documents inside API output, by
#: content): made by :func:`document_memo`, emptied by :func:`clear_parse_caches`.
_MORE_DOCUMENTS: list[dict[Any, Policy]] = []


def document_memo(name: str, bound: int) -> dict[Any, Policy]:
    """A new registered memo of parsed documents (trustsim._memo), forgotten with the others.

    A loader that remembers documents by its own key makes its memo here, so that
    :func:`clear_parse_caches` forgets every parsed document.
    """
    table: dict[Any, Policy] = memo(name, bound)
    _MORE_DOCUMENTS.append(table)
    return table


def clear_parse_caches() -> None:
    """Forget what parsing remembers, to measure cold parsing.

    Every parsed document (by its text, by its content, inside API output: the loaders'
    memo made by :func:`document_memo`), and every statement, value and statement size
    found valid. Parsing gives the same answers with or without them.

    >>> clear_parse_caches()
    """
    _DOCUMENTS.clear()
    for table in _MORE_DOCUMENTS:
        table.clear()
    clear_validation_cache()
    clear_size_cache()


def parse_policy(
    obj: object, *, kind: PolicyKind | str = PolicyKind.TRUST, origin: str | None = None
) -> Policy:
    """Parse an already-decoded JSON policy document (a ``dict``).

    ``kind`` says which role the document plays (a role trust policy by default); AWS
    accepts different shapes for each. Use :func:`trustsim.loaders.load_policy` for text,
    bytes or files (errors then show line and column).

    >>> policy = parse_policy({
    ...     "Version": "2012-10-17",
    ...     "Statement": {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
    ...                   "Action": "sts:AssumeRole"}})
    >>> policy.statements[0].principal.service
    ('lambda.amazonaws.com',)
    >>> parse_policy({"Statement": [{"Effect": "Allow", "Principal": "*",
    ...                              "Action": "sts:AssumeRole", "Resource": "*"}]})
    Traceback (most recent call last):
    ...
    trustsim.errors.InvalidPolicy: invalid policy: 2 problems
    /Statement/0/Principal: a role trust policy cannot use "Principal": "*"; ...
      AWS says: MalformedPolicyDocument: AssumeRolepolicy contained an invalid principal: "STAR":"*".
    /Statement/0/Resource: a role trust policy cannot have a Resource element: ...
      AWS says: MalformedPolicyDocument: Has prohibited field Resource

    Raises:
        InvalidPolicy: with every problem found, each with its code and JSON pointer.
    """
    return parse_document(obj, kind=PolicyKind(kind), origin=origin)


def parse_document(
    raw: object,
    *,
    kind: PolicyKind,
    origin: str | None = None,
    text: str | None = None,
    positions: Mapping[str, Position] | None = None,
    problems: Iterable[Problem] = (),
    from_json: bool = False,
    size_bound: int | None = None,
    by_content: bool = True,
) -> Policy:
    """:func:`parse_policy` with what a loader knows: the text, positions, early problems.

    ``from_json`` says ``raw`` was decoded from JSON text (its keys are all strings);
    ``size_bound`` is :func:`trustsim.loaders.json_text.canonical_bound` of that text, which
    spares counting the canonical text when the document's shape is right. A decoded
    document with no early problem is remembered by its content (:func:`_content`) unless
    ``by_content`` is false (a loader that remembers it by its own text).
    """
    content = (
        _content(raw) if from_json and by_content and not problems and positions is None else None
    )
    if content is not None:
        known = remembered(content, kind, origin)
        if known is not None:
            return known
    # The usual trust policy in one pass (a loader's text has had its own: size_bound).
    usual = (
        usual_trust_document(raw, origin)
        if kind is PolicyKind.TRUST and size_bound is None and positions is None and not problems
        else None
    )
    policy = (
        _parse(
            raw,
            kind=kind,
            origin=origin,
            text=text,
            positions=positions,
            problems=problems,
            from_json=from_json,
            size_bound=size_bound,
        )
        if usual is None
        else usual
    )
    if content is not None:
        remember(content, policy)
    return policy


def _content(raw: object) -> str | None:
    """JSON text for a decoded document, naming its content exactly; ``None`` if there is none.

    ``json.dumps`` writes each string, integer, boolean, null, list and object of decoded
    JSON one way, and two such values differently, so the text is a key for the document
    (the parsing memo keeps texts). A ``Decimal`` (a number with a fraction or exponent as the
    strict reader keeps it), a NaN, or anything else is not written: ``None``, no memo.

    >>> _content({"Statement": {"Effect": "Allow", "Action": ["a"]}})
    '{"Statement": {"Effect": "Allow", "Action": ["a"]}}'
    >>> from decimal import Decimal
    >>> _content({"n": Decimal("1.50")}) is None
    True
    """
    try:
        return json.dumps(raw, ensure_ascii=False, allow_nan=False, default=_not_json)
    except (TypeError, ValueError, RecursionError):
        return None


def _not_json(value: object) -> object:
    raise TypeError(type(value).__name__)


def _parse(
    raw: object,
    *,
    kind: PolicyKind,
    origin: str | None,
    text: str | None,
    positions: Mapping[str, Position] | None,
    problems: Iterable[Problem],
    from_json: bool,
    size_bound: int | None,
) -> Policy:
    draft = structure_policy(raw, kind=kind, origin=origin, from_json=from_json)
    found = [*problems, *draft.problems]
    if draft.policy is not None:
        # The bound holds for a document read as written: no shape problem, nothing refused.
        at_most = None if found or draft.skip else size_bound
        found += validate_policy(draft.policy, skip=draft.skip, size_at_most=at_most)
    if found:
        ordered = _in_document_order(raw, [_fit(raw, worded_for(p, kind)) for p in found])
        raise InvalidPolicy(
            ordered,
            first=min(ordered, key=aws_check_order),
            origin=origin,
            text=text,
            positions=positions,
        )
    assert draft.policy is not None  # noqa: S101 (no problem means a statement was read)
    return draft.policy


def _fit(raw: object, problem: Problem) -> Problem:
    """Point at a value as the document wrote it.

    The rules see string-or-list values as tuples and point at ``…/Action/0``; when the
    document wrote a single string there, the pointer is ``…/Action``.
    """
    tokens = _pointer.split(problem.pointer)
    node = raw
    for depth, token in enumerate(tokens):
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        elif not isinstance(node, dict | list) and tokens[depth:] == ("0",):
            return Problem(
                problem.code,
                _pointer.join("", *tokens[:depth]),
                problem.message,
                problem.aws_says,
                problem.severity,
            )
        else:
            break
    return problem


def _in_document_order(raw: object, problems: list[Problem]) -> list[Problem]:
    # Each object's key order, computed once (a scan per problem was quadratic in the keys).
    orders: dict[int, dict[str, int]] = {}

    def rank(problem: Problem) -> tuple[int, ...]:
        # The place of each step of the pointer among its siblings: tuples compare in
        # pre-order (a parent before its children, siblings in document order). Walking only
        # the problems' paths keeps deeply nested documents cheap (issue 9).
        place: list[int] = []
        node = raw
        for token in _pointer.split(problem.pointer):
            if isinstance(node, dict) and token in node:
                order = orders.get(id(node))
                if order is None:
                    order = orders[id(node)] = {key: i for i, key in enumerate(node)}
                place.append(order[token])
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                place.append(int(token))
                node = node[int(token)]
            else:
                break
        return tuple(place)

    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=rank)
