"""Strict JSON reading: positions, duplicate keys, encodings, URL-encoded documents."""

from __future__ import annotations

import urllib.parse
from decimal import Decimal
from pathlib import Path

import pytest

from trustsim.errors import InvalidPolicy, Position
from trustsim.loaders import load_policy
from trustsim.loaders.json_text import decode_text, read_json

TRUST = (
    '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, '
    '"Action": "sts:AssumeRole"}}'
)


def test_positions_are_recorded_for_every_value_by_pointer() -> None:
    doc = read_json('{\n  "a": [1, {"b/c": true}],\n  "d": null\n}')
    assert doc.positions == {
        "": Position(1, 1),
        "/a": Position(2, 8),
        "/a/0": Position(2, 9),
        "/a/1": Position(2, 12),
        "/a/1/b~1c": Position(2, 20),
        "/d": Position(3, 8),
    }
    assert doc.value == {"a": [1, {"b/c": True}], "d": None}


def test_duplicate_keys_are_reported_with_the_later_value_position() -> None:
    # docs/semantics.md §7.12: a last-one-wins reader silently drops one condition block.
    doc = read_json('{"C": {"StringLike": {"k": "a"},\n "StringLike": {"k": "b"}}}')
    [problem] = doc.problems
    assert (problem.code, problem.pointer) == ("DUPLICATE_KEY", "/C/StringLike")
    assert "first at line 1, column 8" in problem.message
    assert doc.positions["/C/StringLike"] == Position(2, 16)
    assert "/C/StringLike/k" in doc.positions


def test_distinct_keys_are_not_duplicates() -> None:
    assert read_json('{"a": 1, "A": 2}').problems == ()


def test_numbers_keep_their_written_text() -> None:
    doc = read_json("[10, 1.50, 1e3, -0.0]")
    assert doc.value == [10, Decimal("1.50"), Decimal("1e3"), Decimal("-0.0")]
    assert str(doc.value[1]) == "1.50"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ('{"a": [1,]}', Position(1, 10), "expected a value, found ']'"),
        ('{"a": 1', Position(1, 8), "expected '}', found the end of the text"),
        ('{"a": 1} x', Position(1, 10), "unexpected text after the end of the document"),
        ("{'a': 1}", Position(1, 2), "expected a member name in double quotes"),
        ('{"a": NaN}', Position(1, 7), "expected a value, found 'N'"),
        ('{"a": "x\ny"}', Position(1, 9), "invalid control character at"),
    ],
)
def test_syntax_errors_name_their_position(text: str, position: Position, reason: str) -> None:
    with pytest.raises(InvalidPolicy) as caught:
        read_json(text)
    [problem] = caught.value.problems
    assert problem.code == "JSON_SYNTAX"
    assert reason in problem.message
    assert caught.value.position_of("") == position
    assert problem.aws_says == "MalformedPolicyDocument: This policy contains invalid Json"


def test_deep_nesting_is_a_syntax_error_not_a_crash() -> None:
    with pytest.raises(InvalidPolicy, match="nested too deeply"):
        read_json("[" * 1000 + "]" * 1000)


def test_bytes_are_utf8_with_an_optional_bom() -> None:
    assert decode_text("\ufeff{}".encode()) == "{}"
    assert decode_text('{"é": 1}'.encode()) == '{"é": 1}'
    assert decode_text("\ufeff{}") == "{}"


def test_non_utf8_bytes_are_refused() -> None:
    with pytest.raises(InvalidPolicy) as caught:
        decode_text(b'{"a": "\xff"}')
    assert [p.code for p in caught.value.problems] == ["INVALID_ENCODING"]


def test_url_encoded_documents_from_the_raw_iam_api_are_decoded() -> None:
    # docs/loaders.md: the IAM Query API returns documents URL-encoded (RFC 3986).
    encoded = urllib.parse.quote(TRUST, safe="")
    assert encoded.startswith("%7B")
    assert decode_text(encoded) == TRUST
    assert load_policy(encoded) == load_policy(TRUST)
    assert decode_text('{"a": "%7B"}') == '{"a": "%7B"}'  # plain JSON is left alone


def test_load_policy_accepts_text_bytes_paths_and_dicts(tmp_path: Path) -> None:
    path = tmp_path / "trust.json"
    path.write_text(TRUST, encoding="utf-8")
    from_text = load_policy(TRUST)
    assert load_policy(TRUST.encode()) == from_text
    assert load_policy(path) == from_text
    assert load_policy(str(path)) == from_text
    assert load_policy({"Statement": from_text.to_dict()["Statement"]}) == from_text
    assert load_policy(path).origin == str(path)
    assert from_text.origin == "<string>"


def test_load_policy_reports_duplicates_together_with_other_problems() -> None:
    text = (
        '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111122223333"},'
        ' "Action": "sts:AssumeRole", "Resource": "*",'
        ' "Condition": {"StringEquals": {"sts:ExternalId": "a"}, "StringEquals": {"sts:ExternalId": "b"}}}}'
    )
    with pytest.raises(InvalidPolicy) as caught:
        load_policy(text)
    assert [(p.code, p.pointer) for p in caught.value.problems] == [
        ("PROHIBITED_RESOURCE", "/Statement/Resource"),
        ("DUPLICATE_KEY", "/Statement/Condition/StringEquals"),
    ]


def test_a_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_policy(tmp_path / "absent.json")
