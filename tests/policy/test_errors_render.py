"""Rendered InvalidPolicy messages, compared whole (STYLE.md example 1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from trustsim.errors import InvalidPolicy
from trustsim.loaders import load_policy
from trustsim.parsing import parse_policy


def rendered(source: object, origin: str | None = None) -> str:
    load = load_policy if isinstance(source, str) else parse_policy
    with pytest.raises(InvalidPolicy) as caught:
        load(source, origin=origin)  # type: ignore[operator]
    return str(caught.value)


def test_text_input_shows_line_column_excerpt_and_marker() -> None:
    text = """{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {"AWS": "arn:aws:iam::111111111111:role/*"},
      "Action": "sts:AssumeRole",
      "Resource": "*"
    }
  ]
}"""
    assert rendered(text, origin="deploy-trust.json") == (
        "invalid policy in deploy-trust.json: 2 problems\n"
        '/Statement/0/Principal/AWS (line 6:28): "arn:aws:iam::111111111111:role/*": a wildcard cannot '
        'match part of a principal name or ARN; use {"AWS": "*"} with an aws:PrincipalArn condition '
        "instead [WILDCARD_IN_PRINCIPAL]\n"
        '   6 |       "Principal": {"AWS": "arn:aws:iam::111111111111:role/*"},\n'
        "                                  ^\n"
        '  AWS says: MalformedPolicyDocument: Invalid principal in policy: "AWS":"arn:aws:iam::111111111111:role/*"\n'
        "/Statement/0/Resource (line 8:19): a role trust policy cannot have a Resource element: the "
        "resource is the role itself [PROHIBITED_RESOURCE]\n"
        '   8 |       "Resource": "*"\n'
        "                         ^\n"
        "  AWS says: MalformedPolicyDocument: Has prohibited field Resource"
    )


def test_dict_input_renders_pointers_without_positions() -> None:
    document = {
        "Statement": {
            "Effect": "allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"StringEqualz": {"aws:username": "x"}},
        }
    }
    # The text leads with the problem AWS reports (its syntax check, which refuses the unknown
    # operator, comes before legacy parsing, which refuses "allow"); the rest follow in
    # document order. An identity policy: a trust policy reads "allow" (docs/semantics.md,
    # reading 13).
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document, kind="identity")
    assert str(caught.value) == (
        "invalid policy: 2 problems\n"
        '/Statement/Condition/StringEqualz: unknown condition operator "StringEqualz" '
        '(did you mean "StringEquals"?) [UNKNOWN_OPERATOR]\n'
        "  AWS says: MalformedPolicyDocument: Syntax errors in policy.\n"
        '/Statement/Effect: Effect must be spelled exactly "Allow", not "allow" [INVALID_EFFECT]\n'
        "  AWS says: MalformedPolicyDocument: The policy failed legacy parsing"
    )


def test_syntax_errors_point_at_the_character() -> None:
    assert rendered('{"Statement": [\n  {"Effect": "Allow",}\n]}', origin="p.json") == (
        "invalid policy in p.json: 1 problem\n"
        "(document) (line 2:22): the document is not valid JSON: expected a member name in double "
        "quotes [JSON_SYNTAX]\n"
        '   2 |   {"Effect": "Allow",}\n'
        "                            ^\n"
        "  AWS says: MalformedPolicyDocument: This policy contains invalid Json"
    )


def test_duplicate_keys_render_at_the_repeated_value() -> None:
    text = (
        '{"Statement": {"Effect": "Allow", "Principal": {"AWS": "111111111111"},\n'
        ' "Action": "sts:AssumeRole",\n'
        ' "Action": "sts:TagSession"}}'
    )
    assert rendered(text) == (
        "invalid policy in <string>: 1 problem\n"
        "/Statement/Action (line 3:12): the key 'Action' appears more than once in this object "
        "(first at line 2, column 2); a JSON reader keeps only the last one and silently drops the "
        "others [DUPLICATE_KEY]\n"
        '   3 |  "Action": "sts:TagSession"}}\n'
        "                  ^"
    )


def test_missing_elements_render_at_the_statement() -> None:
    text = '{"Statement": [\n  {"Effect": "Allow", "Action": "sts:AssumeRole"}\n]}'
    assert rendered(text) == (
        "invalid policy in <string>: 1 problem\n"
        "/Statement/0 (line 2:3): a statement of a role trust policy must have a Principal "
        "[MISSING_PRINCIPAL]\n"
        '   2 |   {"Effect": "Allow", "Action": "sts:AssumeRole"}\n'
        "         ^\n"
        "  AWS says: MalformedPolicyDocument"
    )


def test_every_problem_code_is_catalogued_in_docs_errors_md() -> None:
    root = Path(__file__).resolve().parents[2]
    sources = [
        "trustsim/validation.py",
        "trustsim/_structure.py",
        "trustsim/loaders/json_text.py",
        "trustsim/operators.py",
        "trustsim/_resource_arns.py",
    ]
    pattern = re.compile(r'"([A-Z]{2,}(?:_[A-Z]+)+)"')
    codes = {code for path in sources for code in pattern.findall((root / path).read_text())}
    codes -= {"ASSUME_ROLE_FAMILY", "IAM_KINDS"}
    codes |= {"MISSING_EFFECT"}  # built as f"MISSING_{member}" from cattrs' missing-field error
    catalogue = (root / "docs" / "errors.md").read_text()
    assert sorted(code for code in codes if f"`{code}`" not in catalogue) == []
