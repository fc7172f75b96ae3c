"""Parse fast, report exactly (issue 22).

The loaders read JSON with the standard library first and build statements directly; the
position-keeping reader and cattrs' detailed structuring run only when there is a problem to
point at. These tests hold the fast reading to the strict one: the same value or a refusal,
the same statements, the same errors with the same positions.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.strategies_policies import statements, trust_policies
from trustsim._structure import _CONVERTER, quick_statement
from trustsim.errors import InvalidPolicy, Position
from trustsim.loaders import load_authorization_details, load_policy
from trustsim.loaders.json_text import _nesting, quick_value, read_json
from trustsim.model import Statement

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.decimals(allow_nan=False, allow_infinity=False).map(str).map(Decimal)
    | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


def _strict(text: str) -> tuple[bool, object]:
    try:
        document = read_json(text)
    except InvalidPolicy:
        return False, None
    return not document.problems, document.value if not document.problems else None


@given(json_values)
def test_the_quick_reading_is_the_strict_reading_of_json(value: object) -> None:
    text = json.dumps(value, default=str)
    quick = quick_value(text)
    assert quick == _strict(text)


@given(st.text(alphabet='{}[]":,01 .eE-+aNItrufl\\', max_size=30))
def test_the_quick_reading_accepts_only_what_the_strict_reader_accepts(text: str) -> None:
    read, value = quick_value(text)
    strict_read, strict_value = _strict(text)
    # Numbers written with an exponent are left to the strict reader (canonical_bound).
    assert read == (strict_read and not _exponents(text))
    assert repr(value) == repr(strict_value if read else None)


def _exponents(text: str) -> list[str]:
    """The numbers of ``text`` written with an exponent (``text`` read strictly)."""
    found: list[str] = []
    try:
        json.loads(text, parse_float=lambda n: found.append(n) if "e" in n.lower() else None)
    except ValueError:
        return []
    return found


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1, "a": 2}',
        '{"a": {"b": 1, "b": 1}}',
        '{"a": NaN}',
        '{"a": Infinity}',
        '{"a": -Infinity}',
        '{"a": 1} x',
        "",
        "[" * 257 + "1" + "]" * 257,
        "[" * 256 + "[1]" + "]" * 256,
        "[" * 5000 + "]" * 5000,
        '{"n": ' + "9" * 4400 + "}",
        '{"a": 1e5}',
        '{"a": [2.5E-3]}',
    ],
)
def test_what_the_quick_reading_leaves_to_the_strict_reader(text: str) -> None:
    if text.startswith('{"n"'):
        # A very long integer is JSON: both readings keep it exactly, as a Decimal.
        assert quick_value(text) == (True, {"n": Decimal("9" * 4400)})
        assert read_json(text).value == {"n": Decimal("9" * 4400)}
        return
    assert quick_value(text) == (False, None)


def test_the_deepest_nesting_the_strict_reader_allows_is_read_quickly() -> None:
    text = "[" * 256 + "[]" + "]" * 256
    assert quick_value(text) == _strict(text) == (True, json.loads(text))


def _converted(raw: dict[str, Any], index: int, pointer: str) -> Statement | None:
    try:
        statement = _CONVERTER.structure(raw, Statement)
    except Exception:  # any refusal: the quick path must refuse too
        return None
    return attrs.evolve(statement, index=index, pointer=pointer)


shapes = st.dictionaries(
    st.sampled_from(["Sid", "Effect", "Principal", "NotPrincipal", "Action", "Resource", "Xyz"]),
    st.none()
    | st.just("*")
    | st.just("Allow")
    | st.just("allow")
    | st.lists(st.sampled_from(["a", 1]), max_size=2)
    | st.dictionaries(st.sampled_from(["AWS", "Service", "Foo"]), st.just("x") | st.just([1])),
    max_size=5,
)


@given(statements(sid=None) | statements(sid="S1") | shapes)
def test_a_statement_built_directly_is_the_one_the_converter_builds(raw: dict[str, Any]) -> None:
    quick = quick_statement(raw, 2, "/Statement/2")
    converted = _converted(raw, 2, "/Statement/2")
    if quick is not None:
        assert converted is not None
        assert (quick, quick.index, quick.pointer) == (converted, 2, "/Statement/2")


@given(trust_policies())
def test_loading_text_is_parsing_the_dict(document: dict[str, Any]) -> None:
    text = json.dumps(document, indent=1)
    try:
        expected: object = load_policy(document)
    except InvalidPolicy as error:
        expected = error.problems
    try:
        found: object = load_policy(text)
    except InvalidPolicy as error:
        assert error.positions  # noqa: PT017 - the error points into the text
        found = error.problems
    assert found == expected


def test_an_error_found_after_a_quick_read_keeps_its_line_and_column() -> None:
    text = (
        '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"},\n'
        '  "Action": "sts:AssumeRole", "Resource": "*"}}'
    )
    assert quick_value(text)[0]
    with pytest.raises(InvalidPolicy) as raised:
        load_policy(text)
    assert raised.value.position_of("/Statement/Resource") == Position(2, 43)
    assert '2 |   "Action"' in str(raised.value)


def test_an_account_dump_read_quickly_still_points_into_the_file() -> None:
    role = {
        "RoleName": "r",
        "Path": "/",
        "Arn": "arn:aws:iam::111122223333:role/r",
        "AssumeRolePolicyDocument": {
            "Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}
        },
    }
    text = json.dumps({"RoleDetailList": [role]}, indent=2)
    assert quick_value(text)[0]
    with pytest.raises(InvalidPolicy) as raised:
        load_authorization_details(text, origin="gaad.json")
    pointer = "/RoleDetailList/0/AssumeRolePolicyDocument/Statement/Principal"
    assert [p.pointer for p in raised.value.problems] == [pointer]
    [line] = [n for n, row in enumerate(text.splitlines(), 1) if '"Principal": "*"' in row]
    column = text.splitlines()[line - 1].index('"*"') + 1
    assert raised.value.position_of(pointer) == Position(line, column)


def _containers(value: object) -> int:
    """How many containers nest in ``value`` (an empty list is one), iteratively."""
    deepest, level = 0, [value]
    while level:
        level = [v for v in level if isinstance(v, (dict, list))]
        deepest += bool(level)
        level = [c for v in level for c in (v.values() if isinstance(v, dict) else v)]
    return deepest


bracket_strings = st.text(alphabet='[]{}"\\ab:,', max_size=4)


@st.composite
def nested_texts(draw: st.DrawFn) -> str:
    """JSON of 250-260 nested containers (the strict reader's limit is 256) beside siblings
    whose strings hold brackets, quotes and backslashes — past the 256 brackets below which
    the quick reading does not look at the nesting at all."""
    inner: object = draw(st.sampled_from([[], {}, [1], {"k": None}]) | bracket_strings)
    for _ in range(draw(st.integers(250, 260))):
        if draw(st.booleans()):
            inner = [inner, *draw(st.lists(bracket_strings, max_size=1))]
        else:
            inner = {draw(bracket_strings): inner}
    siblings = draw(st.lists(st.lists(bracket_strings, max_size=2), min_size=300, max_size=300))
    return json.dumps({"deep": inner, "wide": siblings}, indent=draw(st.sampled_from([None, 1])))


@given(nested_texts())
def test_deep_documents_are_read_quickly_only_when_the_strict_reader_reads_them(
    text: str,
) -> None:
    assert quick_value(text) == _strict(text)


def _strings(value: object) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@given(nested_texts() | json_values.map(lambda value: json.dumps(value, default=str)))
def test_the_nesting_told_from_the_text_is_the_nesting_of_the_value(text: str) -> None:
    value = json.loads(text)
    told = _nesting(text)
    assert told is None or told == _containers(value)
    brackets = any(set(s) & set("[]{}") for s in _strings(value))
    if told is None and "\\" not in text and not brackets:
        assert _containers(value) > 256  # only deep texts are left to the walk
