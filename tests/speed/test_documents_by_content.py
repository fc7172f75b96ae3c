"""Decoded documents remembered by their content (issue 22): an account dump repeats the same
trust policy across many roles; the second one is not parsed again. The key is the document's
JSON text and its kind; the answer is the same with every cache fresh."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support.broken_policies import documents, write
from trustsim._memo import fresh_caches
from trustsim.errors import InvalidPolicy
from trustsim.loaders.json_text import quick_value
from trustsim.model import PolicyKind
from trustsim.parsing import clear_parse_caches, parse_document

TRUST = {
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
        "Action": "sts:AssumeRole",
    }
}


def _parsed(raw: Any, kind: PolicyKind = PolicyKind.TRUST, origin: str = "a") -> object:
    try:
        policy = parse_document(raw, kind=kind, origin=origin, from_json=True)
    except InvalidPolicy as error:
        return (error.problems, error.first)
    return (policy, policy.origin)


def test_the_same_content_under_another_origin_is_the_same_policy_with_its_own_origin() -> None:
    clear_parse_caches()
    first = parse_document(
        json.loads(json.dumps(TRUST)), kind=PolicyKind.TRUST, origin="a", from_json=True
    )
    second = parse_document(
        json.loads(json.dumps(TRUST)), kind=PolicyKind.TRUST, origin="b", from_json=True
    )
    assert (first, first.origin, second.origin) == (second, "a", "b")


def test_the_same_content_as_another_kind_is_checked_by_that_kinds_rules() -> None:
    clear_parse_caches()
    assert _parsed(TRUST)[1] == "a"
    problems, _ = _parsed(TRUST, PolicyKind.IDENTITY)  # type: ignore[misc]
    assert {p.code for p in problems} == {"PROHIBITED_PRINCIPAL", "MISSING_RESOURCE"}


def test_a_number_kept_as_a_decimal_or_a_different_value_is_not_taken_for_another() -> None:
    clear_parse_caches()

    def with_value(value: object) -> dict[str, Any]:
        document = json.loads(json.dumps(TRUST))
        document["Statement"]["Condition"] = {"NumericLessThan": {"aws:MultiFactorAuthAge": value}}
        return document

    policies = [_parsed(with_value(v))[0] for v in (3600, Decimal("3600.0"), "3600", 3600)]
    values = [p.statements[0].condition[0].values for p in policies]  # type: ignore[attr-defined]
    assert values == [("3600",), ("3600.0",), ("3600",), ("3600",)]


@given(documents(), st.sampled_from(PolicyKind))
def test_remembered_by_content_or_parsed_afresh_the_answer_is_the_same(
    document: Any, kind: PolicyKind
) -> None:
    read, value = quick_value(write(document, " ", False))
    if not read:
        return
    warm = (_parsed(value, kind), _parsed(value, kind, "b"))
    with fresh_caches():
        fresh = (_parsed(value, kind), _parsed(value, kind, "b"))
    assert warm == fresh
