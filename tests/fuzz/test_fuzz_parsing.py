"""Fuzzing the front door: whatever comes in, parsing accepts it or refuses it with InvalidPolicy.

Issue 9 (fail closed): arbitrary JSON values, near-valid policies (a valid trust policy with
one random mutation), JSON text with random edits, lone surrogates and deep nesting, and
arbitrary bytes go into :func:`trustsim.parse_policy` and :func:`trustsim.load_policy`. The
only exception allowed out is :class:`~trustsim.errors.InvalidPolicy` (DESIGN.md §1 principle
1: an invalid policy is refused with every problem, never evaluated, never a crash); a policy
that is accepted must survive its canonical round trip.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fuzz._support import (
    ANY_TEXT,
    FUZZ_EXAMPLES,
    JSON_VALUES,
    KINDS,
    assert_round_trips,
    key_paths,
    mutate_at,
    parsed_or_refused,
    paths,
)
from tests.support.strategies_policies import trust_policies
from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.model import Policy, PolicyKind
from trustsim.parsing import parse_policy

pytestmark = pytest.mark.property

FUZZ = settings(max_examples=FUZZ_EXAMPLES)
REGRESSIONS = Path(__file__).resolve().parent.parent / "data" / "fuzz"

STATEMENT_ELEMENTS = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
]


def _outcome(result: Policy | InvalidPolicy) -> tuple[str, Any]:
    if isinstance(result, Policy):
        return "accepted", result.to_dict()
    return "refused", sorted({(p.code, p.pointer) for p in result.problems})


# --- arbitrary values ---------------------------------------------------------------------


@FUZZ
@given(JSON_VALUES, KINDS)
def test_any_json_value_is_parsed_or_refused(value: Any, kind: PolicyKind) -> None:
    result = parsed_or_refused(lambda: parse_policy(value, kind=kind))
    if isinstance(result, Policy):
        assert_round_trips(result)
    else:
        assert isinstance(value, dict) or [p.code for p in result.problems] == ["POLICY_NOT_OBJECT"]


#: Documents shaped like policies whose elements hold anything: the hooks of every element
#: see every JSON type.
POLICY_SHAPED = st.fixed_dictionaries(
    {
        "Statement": JSON_VALUES
        | st.lists(
            st.dictionaries(st.sampled_from(STATEMENT_ELEMENTS) | ANY_TEXT, JSON_VALUES), max_size=3
        )
    },
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17"]) | JSON_VALUES,
        "Id": JSON_VALUES,
    },
)


@FUZZ
@given(POLICY_SHAPED, KINDS)
def test_policy_shaped_values_are_parsed_or_refused(
    document: dict[str, Any], kind: PolicyKind
) -> None:
    result = parsed_or_refused(lambda: parse_policy(document, kind=kind))
    if isinstance(result, Policy):
        assert_round_trips(result)


CONDITION_OPERATORS = st.sampled_from(
    [
        "StringEquals",
        "StringLike",
        "StringNotEqualsIgnoreCase",
        "NumericLessThan",
        "DateGreaterThan",
        "DateEquals",
        "Bool",
        "BinaryEquals",
        "IpAddress",
        "NotIpAddress",
        "ArnLike",
        "Null",
        "ForAllValues:StringLike",
        "ForAnyValue:NumericEquals",
        "DateLessThanIfExists",
        "NullIfExists",
        "ForAnyValue:ForAllValues:StringEquals",
    ]
)


@FUZZ
@given(
    st.dictionaries(
        CONDITION_OPERATORS | ANY_TEXT,
        st.dictionaries(ANY_TEXT, JSON_VALUES, max_size=3) | JSON_VALUES,
        max_size=3,
    ),
    st.sampled_from(["2012-10-17", "2008-10-17", None]),
)
def test_any_condition_block_is_parsed_or_refused(condition: Any, version: str | None) -> None:
    document: dict[str, Any] = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sts:AssumeRole",
            "Condition": condition,
        }
    }
    if version is not None:
        document["Version"] = version
    result = parsed_or_refused(lambda: parse_policy(document))
    if isinstance(result, Policy):
        assert_round_trips(result)


# --- near-valid policies ------------------------------------------------------------------

ODD_CHARACTERS = st.sampled_from(
    [
        "\x00",
        "\x07",
        "\n",
        "\t",
        "\x7f",
        "\u00e9",
        "\u200b",
        "\u202e",
        "\ufeff",
        "\ud800",
        "\udfff",
        "\U0001f600",
        "\\",
        '"',
        "*",
        "?",
        "${",
        "}",
    ]
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> Any:
    """A valid trust policy with exactly one random mutation (issue 9's list)."""
    document = draw(trust_policies())
    mutation = draw(
        st.sampled_from(
            [
                "rename_key",
                "delete_key",
                "change_type",
                "empty",
                "string_to_number",
                "deep_nesting",
                "huge_string",
                "odd_characters",
                "repeat",
            ]
        )
    )
    if mutation in ("rename_key", "delete_key"):
        where, key = draw(st.sampled_from(key_paths(document)))

        def rename(obj: dict[str, Any]) -> dict[str, Any]:
            if mutation == "delete_key":
                return {k: v for k, v in obj.items() if k != key}
            new = draw(
                st.sampled_from([key.lower(), key.upper(), key + "s", key[:-1], " " + key])
                | ANY_TEXT
            )
            return {(new if k == key else k): v for k, v in obj.items()}

        return mutate_at(document, where, rename)
    where = draw(st.sampled_from(paths(document)))
    if mutation == "change_type":
        return mutate_at(document, where, lambda _: draw(JSON_VALUES))
    if mutation == "empty":
        return mutate_at(
            document,
            where,
            lambda v: {} if isinstance(v, dict) else [] if draw(st.booleans()) else "",
        )
    if mutation == "string_to_number":
        number = draw(st.integers() | st.floats(allow_nan=False, allow_infinity=False))
        return mutate_at(document, where, lambda v: number if isinstance(v, str) else v)
    if mutation == "deep_nesting":
        depth = draw(st.integers(1, 600))
        wrap_in_list = draw(st.booleans())

        def nest(value: Any) -> Any:
            for _ in range(depth):
                value = [value] if wrap_in_list else {"Statement": value}
            return value

        return mutate_at(document, where, nest)
    if mutation == "huge_string":
        size = draw(st.sampled_from([1_000, 10_000, 100_000]))
        char = draw(st.sampled_from(["a", "*", "?", "1", "é", "/", ":"]))
        return mutate_at(document, where, lambda _: char * size)
    if mutation == "odd_characters":
        odd = "".join(draw(st.lists(ODD_CHARACTERS, min_size=1, max_size=4)))

        def insert(value: Any) -> Any:
            if not isinstance(value, str):
                return odd
            at = draw(st.integers(0, len(value)))
            return value[:at] + odd + value[at:]

        return mutate_at(document, where, insert)
    count = draw(st.integers(2, 50))
    return mutate_at(document, where, lambda v: [v] * count)


#: JSON text nested deeper than this is refused as ``JSON_SYNTAX`` (loaders/json_text.py).
TEXT_DEPTH_LIMIT = 256


def _depth(value: Any) -> int:
    depth, level = 0, [value]
    while level:
        level = [
            child
            for item in level
            if isinstance(item, dict | list)
            for child in (item.values() if isinstance(item, dict) else item)
        ]
        depth += 1 if level else 0
    return depth


def _json_text(document: Any, ensure_ascii: bool) -> str | None:
    try:
        return json.dumps(document, ensure_ascii=ensure_ascii, allow_nan=False)
    except (TypeError, ValueError):  # Decimal values, infinities: not writable as JSON text
        return None


@FUZZ
@given(mutated_documents(), st.booleans())
def test_near_valid_policies_are_parsed_or_refused_alike_from_values_and_text(
    document: Any, ensure_ascii: bool
) -> None:
    from_value = parsed_or_refused(lambda: parse_policy(document))
    if isinstance(from_value, Policy):
        assert_round_trips(from_value)
    text = _json_text(document, ensure_ascii)
    if text is None:
        return
    # A str is JSON text when it starts like an object, array or string; bytes always are.
    from_bytes = parsed_or_refused(lambda: load_policy(text.encode("utf-8", "surrogatepass")))
    from_text = parsed_or_refused(lambda: load_policy(text)) if text[:1] in '{["' else from_bytes
    if _depth(document) > TEXT_DEPTH_LIMIT:  # the text reader refuses what no policy needs
        assert isinstance(from_text, InvalidPolicy)
        assert [p.code for p in from_text.problems] == ["JSON_SYNTAX"]
        return
    # JSON text cannot tell a high and a low surrogate given as two code points from the pair
    # they spell (json.dumps writes "\\ud800\\udfff", every reader decodes one character):
    # the text's reading is compared with the value the text denotes.
    denoted = json.loads(text)
    if denoted != document:
        from_value = parsed_or_refused(lambda: parse_policy(denoted))
    assert _outcome(from_text) == _outcome(from_value)
    if any("\ud800" <= c <= "\udfff" for c in text):  # a raw lone surrogate is no UTF-8
        assert isinstance(from_bytes, InvalidPolicy)
        assert [p.code for p in from_bytes.problems] == ["INVALID_ENCODING"]
    else:
        assert _outcome(from_bytes) == _outcome(from_value)


# --- JSON text ----------------------------------------------------------------------------


@st.composite
def edited_texts(draw: st.DrawFn) -> str:
    """The JSON text of a valid policy with one random edit: insert, delete, replace, cut."""
    text = json.dumps(draw(trust_policies()), indent=draw(st.sampled_from([None, 2])))
    at = draw(st.integers(0, len(text)))
    edit = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "surrogate"]))
    if edit == "truncate":
        return text[:at]
    if edit == "surrogate":
        return text.replace('"Allow"', '"\\ud800Allow"', 1).replace('"Deny"', '"Deny\\udc00"', 1)
    piece = draw(
        st.text(
            st.sampled_from('{}[],:"\\ \n0123456789.eE+-truefalsnl\x00\u00e9\ud800'),
            min_size=1,
            max_size=3,
        )
    )
    if edit == "insert":
        return text[:at] + piece + text[at:]
    if edit == "delete":
        return text[:at] + text[at + len(piece) :]
    return text[:at] + piece + text[at + len(piece) :]


@FUZZ
@given(edited_texts())
def test_edited_json_text_is_parsed_or_refused(text: str) -> None:
    # Bytes are always read as JSON text (a str that does not start like a document is a path).
    result = parsed_or_refused(lambda: load_policy(text.encode("utf-8", "surrogatepass")))
    if text.startswith("{"):
        assert _outcome(parsed_or_refused(lambda: load_policy(text))) == _outcome(result) or any(
            "\ud800" <= c <= "\udfff" for c in text
        )
    if isinstance(result, InvalidPolicy) and result.positions.get("") is not None:
        position = result.positions[""]
        assert position.line >= 1
        assert position.column >= 1
    if isinstance(result, Policy):
        assert_round_trips(result)


@FUZZ
@given(st.binary(max_size=300) | st.builds(lambda b: b"{" + b, st.binary(max_size=300)))
def test_any_bytes_are_parsed_or_refused(data: bytes) -> None:
    parsed_or_refused(lambda: load_policy(data))


@FUZZ
@given(st.builds(lambda s: "{" + s, st.text(st.characters(codec=None), max_size=200)), KINDS)
def test_any_text_starting_like_a_document_is_parsed_or_refused(
    text: str, kind: PolicyKind
) -> None:
    parsed_or_refused(lambda: load_policy(text, kind=kind))


@FUZZ
@given(st.lists(st.sampled_from(["[", "]", "{", "}", '"a":', ",", "1", '"x"', " "]), max_size=300))
def test_bracket_soup_is_parsed_or_refused(pieces: list[str]) -> None:
    parsed_or_refused(lambda: load_policy("".join(pieces).encode()))


NESTING_DEPTHS = [1, 255, 256, 257, 1_000, 5_000, 100_000]


@pytest.mark.parametrize("depth", NESTING_DEPTHS)
@pytest.mark.parametrize("opener", ["[", '{"a":'])
def test_nesting_of_any_depth_is_refused_without_recursion_error(depth: int, opener: str) -> None:
    closer = "]" if opener == "[" else "}"
    text = '{"Statement":' + opener * depth + "1" + closer * depth + "}"
    result = parsed_or_refused(lambda: load_policy(text))
    assert isinstance(result, InvalidPolicy)
    codes = {p.code for p in result.problems}
    assert ("JSON_SYNTAX" in codes) is (depth >= TEXT_DEPTH_LIMIT)


@pytest.mark.parametrize("depth", NESTING_DEPTHS)
def test_decoded_nesting_of_any_depth_is_refused_without_recursion_error(depth: int) -> None:
    value: Any = "sts:AssumeRole"
    for _ in range(depth):
        value = [value]
    document = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": value}}
    result = parsed_or_refused(lambda: parse_policy(document))
    assert isinstance(result, InvalidPolicy)


# --- regression cases found by the fuzzers ------------------------------------------------


def test_an_integer_of_more_than_4300_digits_is_read_exactly() -> None:
    """Python's int() refuses > 4,300 digits (ValueError escaped load_policy); kept as text."""
    digits = "7" * 5000
    # An identity policy: a trust policy this long is over IAM's 4,096 characters (issue 20).
    policy = load_policy(
        '{"Statement": {"Effect": "Allow", "Resource": "*", '
        '"Action": "s3:GetObject", "Condition": {"NumericEquals": {"a:n": ' + digits + "}}}}",
        kind="identity",
    )
    assert policy.statements[0].condition[0].values == (digits,)
    with pytest.raises(InvalidPolicy) as refused:
        load_policy('{"Statement": ' + digits + "}")
    assert [(p.code, p.pointer) for p in refused.value.problems] == [("WRONG_TYPE", "/Statement")]


def test_a_decimal_too_large_for_a_float_is_a_number() -> None:
    """math.isfinite(Decimal) overflows to a float; 1E+400 is a finite JSON number."""
    document = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sts:AssumeRole",
            "Condition": {"NumericLessThan": {"a:n": Decimal("1E+400")}},
        }
    }
    assert parse_policy(document).statements[0].condition[0].values == ("1" + "0" * 400,)
    document["Statement"]["Condition"]["NumericLessThan"]["a:n"] = Decimal("Infinity")
    with pytest.raises(InvalidPolicy) as refused:
        parse_policy(document)
    assert [p.code for p in refused.value.problems] == ["WRONG_TYPE"]


@pytest.mark.parametrize(
    ("document", "pointer"),
    [
        ({1: "x"}, ""),
        ({"Statement": {"Effect": "Allow", None: "x"}}, "/Statement"),
        ({"Statement": {"Effect": "Allow", "Principal": {("AWS",): "*"}}}, "/Statement/Principal"),
        (
            {"Statement": [{"Condition": {"StringEquals": {7: "a"}}}]},
            "/Statement/0/Condition/StringEquals",
        ),
    ],
)
def test_object_keys_that_are_not_strings_are_refused(document: Any, pointer: str) -> None:
    """A dict with a non-string key is no JSON document (AttributeError escaped before)."""
    with pytest.raises(InvalidPolicy) as refused:
        parse_policy(document)
    assert [(p.code, p.pointer) for p in refused.value.problems] == [("WRONG_TYPE", pointer)]


def _regression_files() -> list[Path]:
    return sorted(REGRESSIONS.glob("*.json")) + sorted(REGRESSIONS.glob("*.bin"))


@pytest.mark.parametrize("path", _regression_files(), ids=lambda p: p.name)
def test_regression_inputs_are_parsed_or_refused(path: Path) -> None:
    """Inputs a fuzzer once crashed on (fuzz/README.md), replayed as bytes and as text."""
    data = path.read_bytes()
    parsed_or_refused(lambda: load_policy(data))
    parsed_or_refused(lambda: load_policy(path))
