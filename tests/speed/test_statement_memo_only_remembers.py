"""The memo of statements found valid only remembers (issue 22).

``parse_policy`` on a dict counts the trust policy's size, hashing every statement, and then
looks each statement up among those found valid before. Parsing warm — after the same and
other documents, broken and valid, were parsed — must give exactly what parsing cold gives:
the same policy, or the same problems in the same order with the same first one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.broken_policies import documents, write
from trustsim import _memo
from trustsim.errors import InvalidPolicy
from trustsim.parsing import parse_policy
from trustsim.validation import _CLEAN


def _outcome(document: Any) -> object:
    try:
        policy = parse_policy(document)
    except InvalidPolicy as error:
        return error.problems, error.first
    return policy, [(s.index, s.pointer, s.effect_written) for s in policy.statements]


@given(st.lists(documents(), min_size=1, max_size=4))
def test_parsing_dicts_warm_gives_what_parsing_them_cold_gives(drawn: list[Any]) -> None:
    decoded = [json.loads(write(document, "", ensure_ascii=False)) for document in drawn]
    warm = [_outcome(document) for document in decoded]
    warm_again = [_outcome(document) for document in reversed(decoded)]
    with _memo.fresh_caches():
        cold = [_outcome(document) for document in decoded]
    assert warm == cold
    assert list(reversed(warm_again)) == cold


def test_a_valid_dict_is_remembered_and_a_broken_one_is_not() -> None:
    _memo.clear_caches()
    # A value that is no text: the one-pass reading of usual trust policies
    # (trustsim._usual_trust), which needs no statement memo, leaves it to the general way.
    statement = {
        "Effect": "Allow",
        "Principal": {"AWS": "111122223333"},
        "Action": "sts:AssumeRole",
        "Condition": {"Bool": {"aws:SecureTransport": True}},
    }
    parse_policy({"Statement": [statement]})
    assert len(_CLEAN) == 1
    broken = {**statement, "Action": "s3:GetObject"}
    with pytest.raises(InvalidPolicy) as raised:
        parse_policy({"Statement": [statement, broken]})
    assert [p.pointer for p in raised.value.problems] == ["/Statement/1/Action"]
    assert len(_CLEAN) == 1
