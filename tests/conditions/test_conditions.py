"""Compiled Condition blocks: combination, records and diagnostics (docs/semantics.md §5.1 and its readings)."""

from __future__ import annotations

import pytest

import trustsim.operators as operators
from trustsim.conditions import (
    ClauseResult,
    CompiledCondition,
    check_condition,
    clauses_from_json,
    compile_condition,
)
from trustsim.context import RequestContext
from trustsim.errors import InvalidPolicy

GITHUB = {
    "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"},
    "StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/app:ref:refs/heads/main"},
}


def compiled(block: dict[str, object], pointer: str = "/Statement/0") -> CompiledCondition:
    return compile_condition(clauses_from_json(block), expand_variables=True,
                             statement_pointer=pointer)  # fmt: skip


def test_no_clauses_is_always_true() -> None:
    condition = compile_condition((), expand_variables=True)
    assert condition.always_true
    assert condition.matches(RequestContext.of({}))
    assert condition.evaluate(RequestContext.of({})).matched
    assert condition.diagnostics(RequestContext.of({})) == ()


def test_clauses_and_operators_are_anded() -> None:
    """§5.1: all operators AND, all keys under one operator AND."""
    condition = compiled({"StringEquals": {"a": "1", "b": "2"}, "Bool": {"c": "true"}})
    assert condition.matches(RequestContext.of({"a": "1", "b": "2", "c": True}))
    assert not condition.matches(RequestContext.of({"a": "1", "b": "3", "c": True}))
    assert not condition.matches(RequestContext.of({"a": "1", "b": "2", "c": False}))


def test_keys_are_folded_and_include_variable_keys() -> None:
    condition = compiled({"StringEquals": {"aws:RequestTag/Team": "${aws:PrincipalTag/Team}"}})
    assert condition.keys == frozenset({"aws:requesttag/team", "aws:principaltag/team"})


def test_evaluate_records_each_clause() -> None:
    condition = compiled(GITHUB)
    ctx = RequestContext.of({"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                             "token.actions.githubusercontent.com:sub": "repo:acme/app:pull_request"})  # fmt: skip
    result = condition.evaluate(ctx)
    assert result.matched is False
    assert result.clauses == (
        ClauseResult("StringEquals", "token.actions.githubusercontent.com:aud",
                     ("sts.amazonaws.com",), ("sts.amazonaws.com",), True,
                     "/Statement/0/Condition/StringEquals/token.actions.githubusercontent.com:aud"),
        ClauseResult("StringLike", "token.actions.githubusercontent.com:sub",
                     ("repo:acme/app:pull_request",), ("repo:acme/app:ref:refs/heads/main",), False,
                     "/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub"),
    )  # fmt: skip
    assert result.diagnostics == ()
    assert condition.matches(ctx) is False


def test_result_text() -> None:
    result = check_condition(
        {"StringEquals": {"aws:TagKeys": "a"}, "NumericLessThan": {"n": "5"}},
        {"aws:TagKeys": ["a", "b"], "n": "4"},
    )
    assert str(result) == (
        "condition did not match\n"
        "  StringEquals aws:TagKeys: request ['a', 'b'], policy 'a' → no match\n"
        "    UNCERTAIN_SEMANTICS: StringEquals aws:TagKeys: the key carries 2 values and "
        "StringEquals has no ForAllValues:/ForAnyValue: qualifier; trustsim reads this as no "
        "match, positive and negated operators alike (docs/semantics.md, reading 3)\n"
        "  NumericLessThan n: request '4', policy '5' → match"
    )
    assert str(check_condition({}, {})) == "condition matched (no clauses)"


def test_diagnostics_for_a_failed_condition() -> None:
    condition = compiled({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}})
    ctx = RequestContext.of({"aws:CurrentTime": "soon"})
    assert not condition.matches(ctx)
    (diagnostic,) = condition.diagnostics(ctx)
    assert diagnostic.code == "UNREADABLE_REQUEST_VALUE"
    assert diagnostic.pointer == "/Statement/0/Condition/DateGreaterThan/aws:CurrentTime"
    assert "'soon'" in diagnostic.message
    assert (
        condition.diagnostics(RequestContext.of({"aws:CurrentTime": "2025-01-01T00:00:00Z"})) == ()
    )


def test_diagnostics_is_empty_at_once_for_plain_qualified_strings() -> None:
    condition = compiled({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}})
    assert condition.diagnostics(RequestContext.of({"aws:TagKeys": ["x", "y"]})) == ()


def test_for_all_values_negated_missing_key_is_flagged() -> None:
    result = check_condition({"ForAllValues:StringNotLike": {"aws:TagKeys": "x*"}}, {})
    assert result.matched
    assert "docs/semantics.md, reading 2" in result.diagnostics[0].message


def test_decision_3_is_flagged_for_negated_operators_too() -> None:
    result = check_condition({"StringNotEquals": {"aws:TagKeys": "x"}}, {"aws:TagKeys": ["a", "b"]})
    assert not result.matched
    assert [d.code for d in result.diagnostics] == ["UNCERTAIN_SEMANTICS"]


def test_policy_problems_raise_invalid_policy_with_pointers() -> None:
    with pytest.raises(InvalidPolicy) as raised:
        compiled({"DateLessThan": {"aws:CurrentTime": "later"}, "IpAddress": {"aws:SourceIp": "x"}})
    assert [(p.code, p.pointer) for p in raised.value.problems] == [
        ("INVALID_DATE_VALUE", "/Statement/0/Condition/DateLessThan/aws:CurrentTime"),
        ("INVALID_IP_VALUE", "/Statement/0/Condition/IpAddress/aws:SourceIp"),
    ]


def test_clauses_from_json_refuses_unknown_operators_and_bad_shapes() -> None:
    with pytest.raises(InvalidPolicy) as raised:
        clauses_from_json({"StringEqualz": {"k": "v"}, "Bool": "true",
                           "StringEquals": {"k": {"nested": 1}}})  # fmt: skip
    assert [p.code for p in raised.value.problems] == [
        "UNKNOWN_OPERATOR", "INVALID_CONDITION_BLOCK", "INVALID_CONDITION_VALUE",
    ]  # fmt: skip


def test_json_values_become_text() -> None:
    (clause,) = clauses_from_json({"NumericEquals": {"k": [1, 2.5, True]}})
    assert clause.values == ("1", "2.5", "true")
    assert clause.value_is_list


def test_check_condition_accepts_clauses_and_contexts() -> None:
    clauses = clauses_from_json({"StringEquals": {"k": "v"}})
    assert check_condition(clauses, RequestContext.of({"K": "v"})).matched


@pytest.mark.parametrize(
    ("block", "context", "expected"),
    [
        # PEERS B1: ExternalId required but not sent → no match
        ({"StringEquals": {"sts:ExternalId": "secret"}}, {}, False),
        # PEERS B8: StringNotEquals with the listed value → no match
        ({"StringNotEquals": {"sts:ExternalId": "xyz"}}, {"sts:ExternalId": "xyz"}, False),
        # PEERS B6: MFA required, absent → no match
        ({"Bool": {"aws:MultiFactorAuthPresent": "true"}}, {}, False),
        # PEERS B42: ForAllValues with the key absent → match
        ({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}, {}, True),
        # PEERS B21/B36: no qualifier on several values → no match (reading 3)
        ({"StringEquals": {"aws:TagKeys": "a"}}, {"aws:TagKeys": ["a", "b"]}, False),
        # PEERS B25: epoch seconds, not milliseconds
        ({"DateGreaterThan": {"aws:EpochTime": "2024-01-01T00:00:00Z"}},
         {"aws:EpochTime": "1735689600"}, True),
        # PEERS B26: GitHub sub with a wildcard
        ({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:org/*"}},
         {"token.actions.githubusercontent.com:sub": "repo:org/app:ref:refs/heads/main"}, True),
        # PEERS B30/B34: Null
        ({"Null": {"k": "false"}}, {}, False),
        ({"Null": {"k": "true"}}, {}, True),
    ],
)  # fmt: skip
def test_peer_bugs_are_not_repeated(block: dict[str, object], context: dict[str, object],
                                    expected: bool) -> None:  # fmt: skip
    ctx = RequestContext.of(context)  # type: ignore[arg-type]
    condition = compiled(block)
    assert condition.matches(ctx) is expected
    assert condition.evaluate(ctx).matched is expected


def test_hot_path_does_not_fold_or_parse_policy_values(monkeypatch: pytest.MonkeyPatch) -> None:
    """DESIGN.md §1.2: the policy side is read once; matches() only looks up and compares."""
    condition = compiled({"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"},
                          "StringLike": {"K": "a*"}, "IpAddress": {"ip": "10.0.0.0/8"}})  # fmt: skip
    ctx = RequestContext.of(
        {"aws:CurrentTime": "2026-01-01T00:00:00Z", "k": "ab", "ip": "10.0.0.1"}
    )

    def forbidden(*args: object, **kwargs: object) -> object:
        raise AssertionError("compiled at evaluation time")

    monkeypatch.setattr(operators, "_prepare_date", forbidden)
    monkeypatch.setattr(operators, "_prepare_ip", forbidden)
    monkeypatch.setattr(operators, "compile_segments", forbidden)
    assert condition.matches(ctx)
