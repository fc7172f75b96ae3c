"""The size IAM's quota counts: a trust policy's characters besides whitespace (issue 22).

``canonical_chars`` adds the count up statement by statement and remembers each statement's
share; it must always be the count of the whole canonical text.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.support.strategies_policies import trust_policies
from trustsim.model import (
    ConditionClause,
    Effect,
    Policy,
    Principal,
    Statement,
    canonical_chars,
    parse_operator_name,
    to_json,
)
from trustsim.parsing import parse_policy

TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8)
NUMBERS = st.integers(-(10**30), 10**30) | st.decimals(
    allow_nan=False, allow_infinity=False, places=3
).map(lambda number: Decimal(str(number)))


def _counted(document: dict[str, Any]) -> tuple[int, int]:
    policy = parse_policy(document, kind="scp")
    return canonical_chars(policy), len(re.sub(r"\s", "", to_json(policy, indent=None)))


@given(trust_policies())
def test_the_count_is_the_canonical_texts_count(document: dict[str, Any]) -> None:
    policy = parse_policy(document)
    expected = len(re.sub(r"\s", "", to_json(policy, indent=None)))
    assert canonical_chars(policy) == expected


@given(
    st.lists(
        st.fixed_dictionaries(
            {"Effect": st.just("Allow"), "Action": st.just("*"), "Resource": st.just("*")},
            optional={
                "Sid": st.from_regex(r"[A-Za-z0-9]{1,6}", fullmatch=True),
                "Condition": st.fixed_dictionaries(
                    {
                        "StringEquals": st.dictionaries(
                            st.sampled_from(["aws:a", "aws:b\u2028", "k\t"]),
                            TEXTS | NUMBERS | st.booleans() | st.lists(TEXTS | NUMBERS),
                            min_size=1,
                        )
                    }
                ),
            },
        ),
        min_size=1,
        max_size=3,
        unique_by=lambda statement: statement.get("Sid"),
    ),
    st.none() | TEXTS,
)
def test_numbers_escapes_and_unicode_whitespace_count_as_in_the_text(
    statements: list[dict[str, Any]], policy_id: str | None
) -> None:
    document: dict[str, Any] = {"Version": "2012-10-17", "Statement": statements}
    if policy_id is not None:
        document["Id"] = policy_id
    found, expected = _counted(document)
    assert found == expected


def test_a_one_value_list_and_a_string_count_differently_though_the_statements_are_equal() -> None:
    def document(value: object) -> dict[str, Any]:
        condition = {"StringEquals": {"aws:PrincipalOrgID": value}}
        return {
            "Statement": {"Effect": "Deny", "Action": "*", "Resource": "*", "Condition": condition}
        }

    as_list, as_text = document(["o-a"]), document("o-a")
    assert parse_policy(as_list, kind="scp") == parse_policy(as_text, kind="scp")
    assert _counted(as_list) == (_counted(as_text)[0] + 2, _counted(as_text)[1] + 2)
    assert _counted(as_text) == (_counted(as_text)[1],) * 2


ANY_TEXT = st.text(max_size=6) | st.sampled_from(
    ['a"b', "c\\d", "e\tf", "\x01", "\x7f", " ", "\u3000"]
)
VALUES = st.lists(ANY_TEXT, max_size=3).map(tuple)
PRINCIPALS = st.none() | st.builds(
    Principal,
    aws=VALUES,
    service=VALUES,
    federated=VALUES,
    canonical_user=VALUES,
    star=st.booleans(),
)
OPERATORS = st.sampled_from(["StringEquals", "StringLike", "ForAnyValue:StringLike", "Bool"]).map(
    parse_operator_name
)
CLAUSES = st.builds(
    ConditionClause, OPERATORS, st.sampled_from(["k", "k ", "aws:x"]), VALUES, st.booleans()
)
MODEL_STATEMENTS = st.builds(
    Statement,
    st.sampled_from(Effect),
    sid=st.none() | ANY_TEXT,
    principal=PRINCIPALS,
    not_principal=PRINCIPALS,
    action=st.none() | VALUES,
    not_action=st.none() | VALUES,
    resource=st.none() | VALUES,
    not_resource=st.none() | VALUES,
    condition=st.lists(CLAUSES, max_size=4).map(tuple),
)


@given(
    st.lists(MODEL_STATEMENTS, max_size=3).map(tuple),
    st.none() | st.sampled_from(["2012-10-17", "2008-10-17"]),
    st.none() | ANY_TEXT,
)
def test_any_policy_value_counts_as_its_canonical_text(
    statements: tuple[Statement, ...], version: str | None, policy_id: str | None
) -> None:
    # Any value of the model, valid or not: repeated keys under one operator, empty lists,
    # escapes, DEL, non-ASCII whitespace.
    policy = Policy(statements, version=version, id=policy_id)
    assert canonical_chars(policy) == len(re.sub(r"\s", "", to_json(policy, indent=None)))
