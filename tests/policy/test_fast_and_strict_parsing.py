"""The quick path of ``load_policy`` is the strict path, faster (issue 22).

``load_policy(text)`` reads with the standard library and builds statements directly; only a
problem sends it to the position-keeping reader and cattrs' detailed structuring. Here every
generated text — valid documents and documents broken in random places, with duplicate keys,
exponents, escapes and odd types — is parsed both ways: the same policy, or the same error
(class, problems, first problem, positions of every problem, rendered text).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support.strategies_policies import trust_policies
from trustsim._structure import structure_policy
from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import canonical_bound, quick_value, read_json
from trustsim.model import PolicyKind, canonical_chars
from trustsim.parsing import clear_parse_caches, parse_document


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


def _strict(text: str) -> object:
    """What the position-keeping path alone makes of ``text``: a policy, or the error's facts."""
    try:
        read = read_json(text)
        return parse_document(
            read.value,
            kind=PolicyKind.TRUST,
            origin="<string>",
            text=read.text,
            positions=read.positions,
            problems=read.problems,
        )
    except InvalidPolicy as error:
        return _facts(error)


def _facts(error: InvalidPolicy) -> object:
    return (
        type(error),
        error.problems,
        error.first,
        {p.pointer: error.position_of(p.pointer) for p in error.problems},
        str(error),
    )


@given(documents(), st.sampled_from(["", " ", "\n  "]), st.booleans())
def test_the_quick_path_gives_what_the_strict_path_gives(
    document: Any, indent: str, ensure_ascii: bool
) -> None:
    text = write(document, indent, ensure_ascii)
    clear_parse_caches()
    try:
        found: object = load_policy(text)
    except InvalidPolicy as error:
        found = _facts(error)
    assert found == _strict(text)
    if not isinstance(found, tuple):
        assert found.origin == "<string>"  # type: ignore[attr-defined]


@given(documents(), st.sampled_from(["", " "]), st.booleans())
def test_the_size_bound_holds_for_every_quick_read_of_the_right_shape(
    document: Any, indent: str, ensure_ascii: bool
) -> None:
    text = write(document, indent, ensure_ascii)
    read, value = quick_value(text)
    if not read:
        return
    draft = structure_policy(value, kind=PolicyKind.TRUST, from_json=True)
    if draft.policy is not None and not draft.problems and not draft.skip:
        assert canonical_chars(draft.policy) <= canonical_bound(text)
        assert canonical_chars(draft.policy) <= canonical_bound(text.encode())
