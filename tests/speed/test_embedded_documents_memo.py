"""Documents inside an account dump, each distinct one parsed once (issue 22).

``trustsim.loaders.embedded`` remembers a document decoded from JSON text by ``repr`` of the
decoded value and its kind. The key must name the content exactly (a number is not its text,
``true`` is not ``1``), a mapping built in code is never remembered (its types may write
anything), and a dump loads to the same details and the same errors with every cache fresh.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.broken_policies import documents, write
from trustsim import _memo
from trustsim.errors import InvalidPolicy
from trustsim.loaders import embedded, load_authorization_details
from trustsim.loaders.json_text import quick_value
from trustsim.model import PolicyKind

A = "111122223333"
TRUST = {
    "Statement": {
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{A}:root"},
        "Action": "sts:AssumeRole",
    }
}


def _role(index: int, trust: Any) -> dict[str, Any]:
    return {
        "RoleName": f"r{index}",
        "Path": "/",
        "Arn": f"arn:aws:iam::{A}:role/r{index}",
        "AssumeRolePolicyDocument": trust,
    }


def _loaded(text: str) -> object:
    try:
        details = load_authorization_details(text, origin="gaad.json")
    except InvalidPolicy as error:
        return (error.problems, error.first, dict(error.positions), str(error))
    return [
        (role, role.trust_policy.origin, [p.origin for p in role.policies])
        for role in details.roles
    ]


def test_roles_sharing_a_trust_policy_share_its_statements_each_with_its_own_origin() -> None:
    _memo.clear_caches()
    text = json.dumps({"RoleDetailList": [_role(0, TRUST), _role(1, TRUST)]})
    first, second = load_authorization_details(text, origin="gaad.json").roles
    assert first.trust_policy == second.trust_policy
    assert first.trust_policy.statements is second.trust_policy.statements
    assert [first.trust_policy.origin, second.trust_policy.origin] == [
        "gaad.json#/RoleDetailList/0/AssumeRolePolicyDocument",
        "gaad.json#/RoleDetailList/1/AssumeRolePolicyDocument",
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [(1, True), (0, False), (1, "1"), (Decimal("1.5"), Decimal("1.50")), (None, "null")],
)
def test_the_key_tells_apart_values_python_finds_equal_or_json_writes_alike(
    one: object, other: object
) -> None:
    def document(value: object) -> dict[str, Any]:
        return {"Statement": {"Effect": "Allow", "Condition": {"Bool": {"k": value}}}}

    assert embedded.content_key(document(one)) != embedded.content_key(document(other))


def test_a_condition_value_read_as_another_type_is_parsed_as_that_type() -> None:
    _memo.clear_caches()
    values = ["3600", 3600, Decimal("3600.0")]
    roles = []
    for index, value in enumerate(values):
        trust = json.loads(json.dumps(TRUST))
        trust["Statement"]["Condition"] = {"NumericLessThan": {"aws:MultiFactorAuthAge": value}}
        roles.append(_role(index, trust))
    text = write({"RoleDetailList": roles}, " ", False)
    found = [
        role.trust_policy.statements[0].condition[0].values
        for role in load_authorization_details(text).roles
    ]
    assert found == [("3600",), ("3600",), ("3600.0",)]


def test_the_same_content_as_another_kind_is_checked_by_that_kinds_rules() -> None:
    _memo.clear_caches()
    value = quick_value(json.dumps(TRUST))[1]
    assert isinstance(value, dict)
    embedded.parsed(value, PolicyKind.TRUST, "a", from_json=True)
    with pytest.raises(InvalidPolicy) as raised:
        embedded.parsed(value, PolicyKind.IDENTITY, "a", from_json=True)
    assert {p.code for p in raised.value.problems} == {"PROHIBITED_PRINCIPAL", "MISSING_RESOURCE"}


def test_a_mapping_built_in_code_is_parsed_every_time_not_remembered() -> None:
    _memo.clear_caches()
    load_authorization_details({"RoleDetailList": [_role(0, TRUST), _role(1, TRUST)]})
    assert _memo.sizes()["loaders: embedded documents"][0] == 0
    load_authorization_details(json.dumps({"RoleDetailList": [_role(0, TRUST)]}))
    assert _memo.sizes()["loaders: embedded documents"][0] == 1


def test_a_refused_document_is_not_remembered_and_is_refused_again() -> None:
    _memo.clear_caches()
    broken = {"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}
    text = json.dumps({"RoleDetailList": [_role(0, broken), _role(1, broken)]})
    for _ in range(2):
        with pytest.raises(InvalidPolicy) as raised:
            load_authorization_details(text)
        assert [p.pointer for p in raised.value.problems] == [
            f"/RoleDetailList/{index}/AssumeRolePolicyDocument/Statement/Principal"
            for index in (0, 1)
        ]
    assert _memo.sizes()["loaders: embedded documents"][0] == 0


@given(st.lists(documents(), min_size=1, max_size=4), st.integers(0, 3))
def test_a_dump_loads_the_same_with_warm_or_fresh_caches(trusts: list[Any], repeats: int) -> None:
    roles = [_role(index, trust) for index, trust in enumerate(trusts * (1 + repeats))]
    text = write({"RoleDetailList": roles}, "\n", False)
    warm = (_loaded(text), _loaded(text))
    with _memo.fresh_caches():
        fresh = _loaded(text)
    assert warm == (fresh, fresh)
