"""Trust policies broken in random places, written as JSON text (issue 22).

``documents()`` draws a valid trust policy (tests.support.strategies_policies) and breaks it:
elements replaced by any JSON value, removed, a member written twice; ``write`` turns it into
text with numbers as written (exponents kept) and repeated members kept.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from tests.support.strategies_policies import trust_policies

__all__ = ["Pairs", "documents", "write"]


class Pairs(list[tuple[str, Any]]):
    """An object written member by member: a key may repeat."""


SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.decimals(allow_nan=False, allow_infinity=False, places=2)
    | st.sampled_from([Decimal("1E+3"), Decimal("2.5e-4")])
    | st.text(max_size=6)
    | st.sampled_from(['a"b', "c\\d", "e\tf", "\x01", "\u2028", " ", "\u00e9"])
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=6,
)
ELEMENTS = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "Condition",
    "Xyz",
]


def write(value: Any, indent: str, ensure_ascii: bool) -> str:
    """JSON text for ``value``: numbers as written (exponents kept), ``Pairs`` member by member."""
    if isinstance(value, Pairs | dict):
        members = value if isinstance(value, Pairs) else list(value.items())
        inner = [
            f"{json.dumps(k, ensure_ascii=ensure_ascii)}:{indent}{write(v, indent, ensure_ascii)}"
            for k, v in members
        ]
        return "{" + f",{indent}".join(inner) + "}"
    if isinstance(value, list):
        return "[" + f",{indent}".join(write(v, indent, ensure_ascii) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=ensure_ascii)


@st.composite
def documents(draw: st.DrawFn) -> Any:
    """A trust policy, maybe broken: elements replaced by any JSON, removed, repeated."""
    document: dict[str, Any] = draw(trust_policies())
    statements = (
        document["Statement"]
        if isinstance(document["Statement"], list)
        else [document["Statement"]]
    )
    for _ in range(draw(st.integers(0, 3))):
        target = draw(st.sampled_from([document, *statements]))
        names = ELEMENTS if target is not document else ["Version", "Id", "Statement", "Xyz"]
        name = draw(st.sampled_from(names))
        if draw(st.booleans()):
            target.pop(name, None)
        else:
            target[name] = draw(JSON)
    current = document.get("Statement")
    written = current if isinstance(current, list) else [current]
    live = [item for item in written if isinstance(item, dict) and item]
    if live and draw(st.booleans()):
        # One member written twice (the standard library would keep the last one silently).
        statement = draw(st.sampled_from(live))
        pairs = Pairs(statement.items())
        pairs.append((draw(st.sampled_from(sorted(statement))), draw(JSON)))
        document["Statement"] = (
            [pairs if item is statement else item for item in written]
            if isinstance(current, list)
            else pairs
        )
    return document
