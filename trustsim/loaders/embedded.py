"""Policy documents inside AWS API output, each distinct one parsed once (issue 22).

An account dump repeats its documents: many roles share one trust policy, users the same
inline policy. A document decoded from JSON text is remembered by its content and its kind
— :func:`content_key`, ``repr`` of the decoded value — and each later copy gets the policy
parsed the first time, with its own ``origin``. Only documents parsed with no problem are
remembered; a refused one is parsed again, to the same problems.

>>> from trustsim.loaders.json_text import quick_value
>>> text = '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
>>> text += '"Action": "sts:AssumeRole"}}'
>>> first = parsed(quick_value(text)[1], PolicyKind.TRUST, "a.json#/0", from_json=True)
>>> again = parsed(quick_value(text)[1], PolicyKind.TRUST, "a.json#/1", from_json=True)
>>> again == first, again.statements is first.statements, again.origin
(True, True, 'a.json#/1')
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from trustsim._memo import SWITCH, remember
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import document_memo, parse_document

__all__ = ["content_key", "parsed"]

_LIMIT = 1 << 12
#: Documents parsed with no problem, by what parsing reads: the decoded content and the kind.
#: Forgotten by ``trustsim.parsing.clear_parse_caches`` with every parsed document.
_PARSED: dict[tuple[str, PolicyKind], Policy] = document_memo("loaders: embedded documents", _LIMIT)


def content_key(value: object) -> str:
    """A text naming a value decoded from JSON exactly: two values get the same one only if equal.

    The JSON readers (``trustsim.loaders.json_text``) decode to ``dict``, ``list``, ``str``,
    ``int``, ``Decimal``, ``True``, ``False`` and ``None`` only, each of whose ``repr`` is
    one text that no other value of those types writes: strings are quoted and escaped, a
    ``Decimal`` keeps its digits (``Decimal('1.50')``, not ``1.5``), ``True`` is not ``1``,
    keys keep their order. (``==`` would not do: ``1 == True`` and ``Decimal('1.5') ==
    Decimal('1.50')``, which a policy may read differently.) It is written in C, faster than
    ``json.dumps``. Not for values built in code, whose types may write anything.

    >>> from decimal import Decimal
    >>> [content_key(v) for v in ({"n": 1}, {"n": True}, {"n": Decimal("1.50")}, {"n": "1"})]
    ["{'n': 1}", "{'n': True}", "{'n': Decimal('1.50')}", "{'n': '1'}"]
    """
    return repr(value)


def parsed(raw: Mapping[str, object], kind: PolicyKind, origin: str, *, from_json: bool) -> Policy:
    """``raw`` parsed as ``kind``, with ``origin``; remembered when it was decoded from JSON text.

    ``from_json`` says ``raw`` was decoded by the JSON readers (so :func:`content_key` names
    it); a mapping built in code is parsed every time.

    Raises:
        InvalidPolicy: with every problem, each pointer relative to the document.
    """
    key = (content_key(raw), kind) if from_json and not SWITCH.fresh else None
    known = None if key is None else _PARSED.get(key)
    if known is None:
        policy = parse_document(
            dict(raw), kind=kind, origin=origin, from_json=from_json, by_content=False
        )
        return policy if key is None else remember(_PARSED, key, policy, _LIMIT)
    return known if known.origin == origin else attrs.evolve(known, origin=origin)
