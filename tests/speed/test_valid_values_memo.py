"""Each distinct value is checked once (trustsim._valid_values, issue 22): the memo's keys
state everything a rule reads besides the value, so what was valid in one place is not
taken as valid in another, and clearing it changes no answer."""

from __future__ import annotations

from typing import Any

import pytest

from trustsim._memo import fresh_caches
from trustsim.errors import InvalidPolicy
from trustsim.parsing import clear_parse_caches, parse_policy


def _codes(document: dict[str, Any], kind: str = "trust") -> list[str]:
    try:
        parse_policy(document, kind=kind)
    except InvalidPolicy as error:
        return [problem.code for problem in error.problems]
    return []


def _trust(principal: dict[str, Any], action: str = "sts:AssumeRole") -> dict[str, Any]:
    return {"Statement": {"Effect": "Allow", "Principal": principal, "Action": action}}


def test_an_action_valid_in_an_identity_policy_is_still_refused_in_a_trust_policy() -> None:
    clear_parse_caches()
    identity = {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}
    assert _codes(identity, "identity") == []
    trust = _trust({"AWS": "111122223333"}, "s3:GetObject")
    assert _codes(trust) == ["ACTION_NOT_ALLOWED_IN_TRUST_POLICY"]


def test_a_value_valid_as_one_principal_type_is_still_checked_as_another() -> None:
    clear_parse_caches()
    assert _codes(_trust({"Service": "lambda.amazonaws.com"})) == []
    assert _codes(_trust({"AWS": "lambda.amazonaws.com"})) == ["MALFORMED_PRINCIPAL"]


def test_a_condition_value_valid_for_one_operator_is_still_checked_for_another() -> None:
    clear_parse_caches()

    def condition(operator: str) -> dict[str, Any]:
        document = _trust({"AWS": "111122223333"})
        document["Statement"]["Condition"] = {operator: {"aws:CurrentTime": "tomorrow"}}
        return document

    assert _codes(condition("StringEquals")) == []
    assert _codes(condition("DateGreaterThan")) == ["INVALID_DATE_VALUE"]


@pytest.mark.parametrize(
    "document",
    [
        _trust({"AWS": ["111122223333", "arn:aws:iam::111122223333:group/g"]}),
        _trust(
            {"Federated": "token.actions.githubusercontent.com"}, "sts:AssumeRoleWithWebIdentity"
        ),
        _trust({"AWS": "111122223333"}, "sts:AssumeRole*"),
    ],
)
def test_answers_are_the_same_with_the_memo_warm_and_with_every_cache_fresh(
    document: dict[str, Any],
) -> None:
    warm = (_codes(document), _codes(document))
    with fresh_caches():
        fresh = (_codes(document), _codes(document))
    assert warm == fresh
