"""Condition operators, one table per family (docs/semantics.md §5, readings 2, 3, 9, 9b, 9c).

Every row is checked twice: against trustsim (``check_condition``) and against the naive oracle
of tests/support/reference_conditions.py, so a row that is wrong in one of them fails.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.reference_conditions import condition_matches
from trustsim.conditions import check_condition
from trustsim.errors import InvalidPolicy
from trustsim.model import BASE_OPERATORS, ConditionClause, parse_operator_name
from trustsim.operators import OPERATORS, Family, parse_date, parse_number, policy_value_problems

ABSENT = object()
KEY = "k"


def run(operator: str, policy: Any, request: Any, *, key: str = KEY, ctx_key: str = KEY) -> bool:
    condition = {operator: {key: policy}}
    context = {} if request is ABSENT else {ctx_key: request}
    got = check_condition(condition, context).matched
    assert condition_matches(condition, context) is got, "oracle disagrees"
    return got


def table(rows: list[tuple[str, Any, Any, bool]]) -> Any:
    return pytest.mark.parametrize(
        ("operator", "policy", "given", "expected"),
        rows,
        ids=[f"{r[0]}|{r[1]!r}|{'absent' if r[2] is ABSENT else repr(r[2])}" for r in rows],
    )


def test_registry_covers_exactly_the_base_operators() -> None:
    assert frozenset(OPERATORS) == BASE_OPERATORS


def test_negated_operators_are_the_documented_ones() -> None:
    """§5.1: these combine their values as NOR and are true on a missing key (§5.3)."""
    assert {name for name, spec in OPERATORS.items() if spec.negated} == {
        "StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "NumericNotEquals",
        "DateNotEquals", "NotIpAddress", "ArnNotEquals", "ArnNotLike",
    }  # fmt: skip


def test_variables_allowed_only_in_string_arn_bool() -> None:
    """§5.14: variables in String, Arn and Bool values only."""
    allowed = {spec.family for spec in OPERATORS.values() if spec.allows_variables}
    assert allowed == {Family.STRING, Family.ARN, Family.BOOL}


# --- strings (§5.4) ----------------------------------------------------------------------------
@table([
    ("StringEquals", "abc", "abc", True),
    ("StringEquals", "abc", "ABC", False),
    ("StringEquals", "a*", "abc", False),  # `*` is literal outside Like
    ("StringEquals", "a*", "a*", True),
    ("StringEquals", ["x", "abc"], "abc", True),  # OR over values
    ("StringEquals", "abc", ABSENT, False),
    ("StringEquals", "", "", True),
    ("StringNotEquals", "abc", "abc", False),
    ("StringNotEquals", "abc", "abd", True),
    ("StringNotEquals", ["x", "abc"], "abc", False),  # NOR over values
    ("StringNotEquals", ["x", "y"], "abc", True),
    ("StringNotEquals", "abc", ABSENT, True),  # negated: true on a missing key (PEERS B15)
    ("StringEqualsIgnoreCase", "ABC", "abc", True),
    ("StringEqualsIgnoreCase", "STRASSE", "straße", True),  # casefold
    ("StringEqualsIgnoreCase", "abc", "abd", False),
    ("StringEqualsIgnoreCase", "abc", ABSENT, False),
    ("StringNotEqualsIgnoreCase", "ABC", "abc", False),
    ("StringNotEqualsIgnoreCase", "ABC", "abd", True),
    ("StringNotEqualsIgnoreCase", "ABC", ABSENT, True),
    ("StringLike", "repo:acme/*", "repo:acme/app:ref:x", True),
    ("StringLike", "repo:acme/*", "repo:other/app", False),
    ("StringLike", "a?c", "abc", True),
    ("StringLike", "a[b]c", "abc", False),
    ("StringLike", ["x*", "a*"], "abc", True),
    ("StringLike", "a*", ABSENT, False),
    ("StringNotLike", "a*", "abc", False),
    ("StringNotLike", "a*", "xbc", True),
    ("StringNotLike", ["x*", "a*"], "abc", False),
    ("StringNotLike", "a*", ABSENT, True),  # PEERS B17
    # IfExists: true when absent, the base operator otherwise (also negated, §5.3)
    ("StringEqualsIfExists", "abc", ABSENT, True),
    ("StringEqualsIfExists", "abc", "abd", False),
    ("StringEqualsIfExists", "abc", "abc", True),
    ("StringNotEqualsIfExists", "abc", ABSENT, True),
    ("StringNotEqualsIfExists", "abc", "abc", False),
    ("StringNotEqualsIfExists", "abc", "abd", True),
    ("StringLikeIfExists", "a*", "b", False),
    ("StringNotLikeIfExists", "a*", "abc", False),
])  # fmt: skip
def test_strings(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


# --- numbers (§5.5) ----------------------------------------------------------------------------
@table([
    ("NumericEquals", "10", "10", True),
    ("NumericEquals", "10", "10.0", True),  # compared as numbers, not text
    ("NumericEquals", "0.3", "0.30", True),
    ("NumericEquals", "10", "11", False),
    ("NumericEquals", ["1", "10"], "10", True),
    ("NumericEquals", "10", ABSENT, False),
    ("NumericNotEquals", "10", "10", False),
    ("NumericNotEquals", "10", "11", True),
    ("NumericNotEquals", ["10", "11"], "11", False),
    ("NumericNotEquals", "10", ABSENT, True),
    ("NumericLessThan", "10", "9.99", True),
    ("NumericLessThan", "10", "10", False),
    ("NumericLessThan", ["5", "10"], "7", True),  # OR: 7 < 10
    ("NumericLessThan", "3600", "99999999999999999999999", False),  # no overflow
    ("NumericLessThanEquals", "10", "10", True),
    ("NumericLessThanEquals", "10", "10.5", False),
    ("NumericGreaterThan", "10", "10.01", True),
    ("NumericGreaterThan", "10", "-11", False),
    ("NumericGreaterThanEquals", "-1.5", "-1.5", True),
    ("NumericGreaterThanEquals", "-1.5", "-2", False),
    ("NumericGreaterThanEquals", "1", ABSENT, False),
    ("NumericLessThanIfExists", "10", ABSENT, True),
    ("NumericLessThanIfExists", "10", "11", False),
    # unreadable request values: no match, positive and negated alike (reading 9)
    ("NumericEquals", "10", "ten", False),
    ("NumericNotEquals", "10", "ten", False),
    ("NumericLessThan", "10", "1e1", False),
    ("NumericNotEquals", "10", "", False),
    ("NumericNotEqualsIfExists", "10", "NaN", False),
])  # fmt: skip
def test_numbers(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


def test_numbers_are_exact_decimals() -> None:
    assert parse_number("0.1") + parse_number("0.2") == parse_number("0.3")  # type: ignore[operator]
    assert run("NumericEquals", "0.3", "0.300000000000000000000001") is False


# --- dates (§5.6, reading 9b) ------------------------------------------------------------------
@table([
    ("DateGreaterThan", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z", True),
    ("DateGreaterThan", "2024-01-01T00:00:00Z", "2023-12-31T23:59:59Z", False),
    ("DateEquals", "2026-01-01T12:00:00Z", "2026-01-01T14:00:00+02:00", True),  # instants
    ("DateEquals", "2026-01-01T12:00:00Z", "2026-01-01T12:00:00.5Z", False),
    ("DateNotEquals", "2026-01-01T12:00:00Z", "2026-01-01T12:00:01Z", True),
    ("DateNotEquals", "2026-01-01T12:00:00Z", "2026-01-01T12:00:00Z", False),
    ("DateNotEquals", "2026-01-01T12:00:00Z", ABSENT, True),
    ("DateLessThan", "2030-01-01T00:00:00Z", "2025-06-01T00:00:00Z", True),
    ("DateLessThan", "2030-01-01T00:00:00Z", ABSENT, False),
    ("DateLessThanIfExists", "2030-01-01T00:00:00Z", ABSENT, True),
    ("DateLessThanEquals", "2030-01-01", "2030-01-01T00:00:00Z", True),  # date-only = midnight UTC
    ("DateLessThan", "2030-01-01", "2030-01-01T00:00:00Z", False),
    ("DateGreaterThanEquals", "2030", "2030-01-01T00:00:00Z", True),
    ("DateGreaterThanEquals", "2030-02", "2030-01-31T23:59:59Z", False),
    # epoch *seconds* on either side (PEERS B25, B25b)
    ("DateGreaterThan", "2024-01-01T00:00:00Z", "1735689600", True),
    ("DateLessThan", "1893456000", "2025-01-01T00:00:00Z", True),
    ("DateEquals", "1735689600", "2025-01-01T00:00:00Z", True),
    # IAM's tolerated forms (§5.6): lower-case t, one-digit hour, hour-only offset
    ("DateEquals", "2016-12-13t2:00:00+23", "2016-12-12T03:00:00Z", True),
    # unreadable request values: no match, negated too (reading 9)
    ("DateGreaterThan", "2024-01-01T00:00:00Z", "tomorrow", False),
    ("DateNotEquals", "2024-01-01T00:00:00Z", "tomorrow", False),
    ("DateNotEquals", "2024-01-01T00:00:00Z", "2024-13-01", False),
])  # fmt: skip
def test_dates(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


@pytest.mark.parametrize(
    ("text", "readable"),
    [
        ("2026", True), ("2026-01", True), ("2026-01-01", True), ("2026-01-01T10:00Z", True),
        ("2026-01-01T10:00:00.123456789Z", True), ("2026-01-01T10:00:00-05:30", True),
        ("2016-12-13t2:00:00.593194+23", True), ("2016-12-01T", True), ("-292275054", True),
        ("9223372036854775807", True),
        ("2016-12-13T02:00:00+1", False), ("2016-12-13T02:00:00.1234567890Z", False),
        ("234-13", False), ("9223372036854775808", False), ("2026-02-30", False),
        ("2026-01-01T24:00:00Z", False), ("now", False), ("", False), ("2026-01-01 10:00Z", False),
    ],
)  # fmt: skip
def test_date_grammar(text: str, readable: bool) -> None:
    assert (parse_date(text) is not None) is readable


def test_date_only_reading_is_flagged() -> None:
    result = check_condition({"DateLessThan": {"aws:CurrentTime": "2030-01-01"}},
                             {"aws:CurrentTime": "2029-12-31T23:00:00Z"})  # fmt: skip
    assert result.matched
    assert [d.code for d in result.diagnostics] == ["UNCERTAIN_SEMANTICS"]
    assert "9b" in result.diagnostics[0].message


# --- Bool, BinaryEquals (§5.7, §5.8) ------------------------------------------------------------
@table([
    ("Bool", "true", "true", True),
    ("Bool", True, "true", True),  # JSON boolean in the policy
    ("Bool", "true", True, True),
    ("Bool", "true", "false", False),
    ("Bool", "false", "false", True),
    ("Bool", "True", "true", True),  # value case ignored (§5.2 [UNCERTAIN], peers agree)
    ("Bool", "true", ABSENT, False),  # PEERS B6: MFA absent for long-term keys
    ("Bool", "false", ABSENT, False),
    ("BoolIfExists", "false", ABSENT, True),
    ("BoolIfExists", "false", "true", False),
    ("Bool", "true", "yes", False),  # unreadable
    ("Bool", ["true", "false"], "false", True),
    ("BinaryEquals", "QUJD", "QUJD", True),
    ("BinaryEquals", "QUJD", "QUJE", False),
    ("BinaryEquals", "QUJD", ABSENT, False),
    ("BinaryEquals", "QUJD", "not base64!", False),
    ("BinaryEqualsIfExists", "QUJD", ABSENT, True),
])  # fmt: skip
def test_bool_and_binary(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


# --- IP addresses (§5.9) ------------------------------------------------------------------------
@table([
    ("IpAddress", "203.0.113.0/24", "203.0.113.7", True),
    ("IpAddress", "203.0.113.0/24", "203.0.114.7", False),
    ("IpAddress", "203.0.113.7", "203.0.113.7", True),  # bare address = /32
    ("IpAddress", "203.0.113.7", "203.0.113.8", False),
    ("IpAddress", "203.0.113.9/24", "203.0.113.200", True),  # host bits ignored
    ("IpAddress", ["10.0.0.0/8", "203.0.113.0/24"], "10.1.2.3", True),
    ("IpAddress", "2001:DB8::/32", "2001:db8:0:0::1", True),  # numeric, hex case irrelevant
    ("IpAddress", "2001:db8::1", "2001:db8::2", False),  # bare IPv6 = /128
    ("IpAddress", "0.0.0.0/0", "2001:db8::1", False),  # v4 range never holds a v6 address
    ("IpAddress", "::/0", "10.0.0.1", False),
    ("IpAddress", "10.0.0.0/8", ABSENT, False),  # VPC endpoint calls carry no aws:SourceIp
    ("NotIpAddress", "10.0.0.0/8", "10.1.2.3", False),
    ("NotIpAddress", "10.0.0.0/8", "11.1.2.3", True),
    ("NotIpAddress", ["10.0.0.0/8", "11.0.0.0/8"], "11.1.2.3", False),
    ("NotIpAddress", "10.0.0.0/8", ABSENT, True),
    ("NotIpAddress", "10.0.0.0/8", "not-an-ip", False),  # reading 9
    ("IpAddress", "10.0.0.0/8", "10.0.0.0/8", False),  # a request carries an address
    ("IpAddressIfExists", "10.0.0.0/8", ABSENT, True),
    ("NotIpAddressIfExists", "10.0.0.0/8", "10.0.0.1", False),
])  # fmt: skip
def test_ip_addresses(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


# --- ARNs (§5.10) -------------------------------------------------------------------------------
DOC_ARN = "arn:aws:someservice:us-east-2:999999999999:store/abc:111122223333:finance/document.txt"


@table([
    ("ArnLike", "arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/a/b", True),
    ("ArnLike", "arn:aws:iam::*:role/deploy", "arn:aws:iam::111122223333:role/deploy", True),
    ("ArnLike", "arn:aws:iam::111122223333:role/a", "arn:aws:iam::111122223333:role/a/b", False),
    ("ArnLike", "arn:aws:someservice:*:111122223333:finance/*", DOC_ARN, False),  # documented
    ("StringLike", "arn:aws:someservice:*:111122223333:finance/*", DOC_ARN, True),  # contrast
    ("ArnLike", "arn:aws:s3:::bucket/*:x", "arn:aws:s3:::bucket/a:b:x", True),  # resource colons
    ("ArnLike", "arn:aws:iam::1111?:role/x", "arn:aws:iam::11112:role/x", True),
    ("ArnLike", "arn:*:iam::1:role/x", "arn:aws:iam::1:role/x", True),
    ("ArnLike", "arn:aws:iam::1:role/X", "arn:aws:iam::1:role/x", False),  # case-sensitive
    ("ArnEquals", "arn:aws:iam::*:role/x", "arn:aws:iam::1:role/x", True),  # = ArnLike
    ("ArnLike", "arn:aws:iam::1:role/x", ABSENT, False),
    ("ArnLike", "arn:aws:iam::1:role/x", "not-an-arn", False),
    ("ArnNotLike", "arn:aws:iam::1:role/x", "arn:aws:iam::1:role/y", True),
    ("ArnNotLike", "arn:aws:iam::1:role/*", "arn:aws:iam::1:role/y", False),
    ("ArnNotLike", "arn:aws:iam::1:role/x", ABSENT, True),
    ("ArnNotLike", "arn:aws:iam::1:role/x", "not-an-arn", False),  # reading 9 (PEERS B28)
    ("ArnNotEquals", "arn:aws:iam::1:role/x", "arn:aws:iam::1:role/x", False),
    ("ArnNotEquals", "arn:aws:iam::1:role/x", "arn:aws:iam::2:role/x", True),
    ("ArnLikeIfExists", "arn:aws:iam::1:role/x", ABSENT, True),
])  # fmt: skip
def test_arns(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


# --- Null (§5.11, reading 9c) ------------------------------------------------------------------
@table([
    ("Null", "true", ABSENT, True),
    ("Null", "true", "x", False),
    ("Null", "false", ABSENT, False),
    ("Null", "false", "x", True),
    ("Null", True, ABSENT, True),
    ("Null", "false", "", True),  # an empty string is present (reading 9c)
    ("Null", "true", "", False),
    ("Null", "false", ["a", "b"], True),  # presence only: several values do not matter
    ("Null", "true", [], True),  # an empty list carries no value
    ("Null", ["true", "false"], "x", True),
    ("ForAllValues:Null", "false", ABSENT, True),  # reading 2
    ("ForAnyValue:Null", "true", ABSENT, False),
    ("ForAnyValue:Null", "false", ["a"], True),
])  # fmt: skip
def test_null(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


def test_null_empty_string_reading_is_flagged() -> None:
    result = check_condition({"Null": {"k": "false"}}, {"k": ""})
    assert result.matched
    assert "9c" in result.diagnostics[0].message


# --- set qualifiers (§5.12, decisions 2 and 3) --------------------------------------------------
@table([
    # ForAllValues: missing / empty → true; every value must satisfy
    ("ForAllValues:StringEquals", ["a", "b"], ABSENT, True),
    ("ForAllValues:StringEquals", ["a", "b"], [], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["b", "a"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False),
    ("ForAllValues:StringEquals", ["a", "b"], "a", True),  # single-valued key: one-element set
    ("ForAllValues:StringEquals", ["a", "b"], "c", False),
    ("ForAllValues:StringNotEquals", ["x"], ABSENT, True),  # reading 2 (negated included)
    ("ForAllValues:StringNotLike", ["x*"], ABSENT, True),
    ("ForAllValues:StringNotEquals", ["x"], ["a", "b"], True),
    ("ForAllValues:StringNotEquals", ["x"], ["a", "x"], False),
    ("ForAllValues:StringLike", ["team-*"], ["team-a", "team-b"], True),
    ("ForAllValues:StringLike", ["team-*"], ["team-a", "ops"], False),
    ("ForAllValues:NumericLessThan", "10", ["1", "2"], True),
    ("ForAllValues:NumericLessThan", "10", ["1", "x"], False),  # unreadable member
    ("ForAllValues:NumericNotEquals", "10", ABSENT, True),
    ("ForAllValues:DateNotEquals", "2020-01-01", ABSENT, True),
    ("ForAllValues:Bool", "true", ["true", "true"], True),
    ("ForAllValues:Bool", "true", ["true", "false"], False),
    ("ForAllValues:IpAddress", "10.0.0.0/8", ["10.0.0.1", "10.9.9.9"], True),
    ("ForAllValues:NotIpAddress", "10.0.0.0/8", ABSENT, True),
    ("ForAllValues:ArnNotLike", "arn:aws:iam::1:role/x", ABSENT, True),
    ("ForAllValues:StringEqualsIfExists", "a", ABSENT, True),
    # ForAnyValue: missing / empty → false; one satisfying value suffices
    ("ForAnyValue:StringEquals", ["a", "b"], ABSENT, False),
    ("ForAnyValue:StringEquals", ["a", "b"], [], False),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "b"], True),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "d"], False),
    ("ForAnyValue:StringEquals", ["a", "b"], "a", True),  # single value: like the base operator
    ("ForAnyValue:StringNotEquals", ["a", "b"], ["a", "c"], True),  # one value equals none
    ("ForAnyValue:StringNotEquals", ["a", "b"], ["a", "b"], False),
    ("ForAnyValue:StringNotEquals", ["a"], ABSENT, False),
    ("ForAnyValue:StringLike", ["o-abc/*/ou-1/*"], ["o-abc/r-1/ou-1/", "o-x/"], True),
    ("ForAnyValue:NumericGreaterThan", "10", ["1", "20"], True),
    ("ForAnyValue:NumericGreaterThan", "10", ["20", "x"], False),  # unreadable member
    ("ForAnyValue:StringEqualsIfExists", "a", ABSENT, True),  # IfExists wins on a missing key
    ("ForAnyValue:StringEqualsIfExists", "a", ["b"], False),
    # no qualifier, several values: no match, positive and negated alike (reading 3)
    ("StringEquals", "a", ["a", "b"], False),
    ("StringEquals", ["a", "b"], ["a", "b"], False),
    ("StringNotEquals", "x", ["a", "b"], False),
    ("StringLike", "*", ["a", "b"], False),
    ("StringEqualsIfExists", "a", ["a", "b"], False),
    ("StringNotEqualsIfExists", "x", ["a", "b"], False),
    # a multi-valued key that carries one value is read as that value
    ("StringEquals", "a", ["a"], True),
    ("StringNotEquals", "a", ["b"], True),
    # an empty list carries no value: read as absent
    ("StringEquals", "a", [], False),
    ("StringNotEquals", "a", [], True),
])  # fmt: skip
def test_set_qualifiers(operator: str, policy: Any, given: Any, expected: bool) -> None:
    assert run(operator, policy, given) is expected


# --- key case (§5.2) ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("policy_key", "context_key"),
    [
        ("aws:SourceIp", "AWS:sourceip"),
        ("aws:RequestTag/CostCenter", "aws:requesttag/costcenter"),  # tag-key part too
        ("aws:PrincipalTag/Team", "AWS:PRINCIPALTAG/TEAM"),
        ("token.actions.githubusercontent.com:sub", "Token.Actions.GithubUserContent.com:SUB"),
        ("SAML:aud", "saml:AUD"),
    ],
)
def test_key_case_never_matters(policy_key: str, context_key: str) -> None:
    assert run("StringEquals", "v", "v", key=policy_key, ctx_key=context_key)
    assert not run("StringEquals", "v", "V", key=policy_key, ctx_key=context_key)  # values do
    assert run("StringNotEquals", "v", "w", key=policy_key, ctx_key=context_key)
    assert not run("StringNotEquals", "v", "v", key=policy_key, ctx_key=context_key)


# --- policy values are read at compile time (§5.13) ---------------------------------------------
@pytest.mark.parametrize(
    ("operator", "value", "code"),
    [
        ("DateGreaterThan", "yesterday", "INVALID_DATE_VALUE"),
        ("DateEquals", "2016-12-13T02:00:00+1", "INVALID_DATE_VALUE"),
        ("NumericLessThan", "ten", "INVALID_NUMERIC_VALUE"),
        ("NumericLessThan", "1e3", "INVALID_NUMERIC_VALUE"),
        ("IpAddress", "10.0.0.0/33", "INVALID_IP_VALUE"),
        ("NotIpAddress", "300.0.0.1", "INVALID_IP_VALUE"),
        ("ArnLike", "arn:aws:iam::1", "INVALID_ARN_VALUE"),
        ("ArnNotEquals", "*", "INVALID_ARN_VALUE"),
        ("Bool", "yes", "INVALID_BOOL_VALUE"),
        ("BinaryEquals", "not base64!", "INVALID_BINARY_VALUE"),
        ("Null", "maybe", "INVALID_NULL_VALUE"),
        ("NumericEquals", "${aws:EpochTime}", "VARIABLE_NOT_ALLOWED"),
        ("DateLessThan", "${aws:CurrentTime}", "VARIABLE_NOT_ALLOWED"),
        ("IpAddress", "${aws:SourceIp}", "VARIABLE_NOT_ALLOWED"),
    ],
)
def test_unreadable_policy_values_are_problems(operator: str, value: str, code: str) -> None:
    clause = ConditionClause(parse_operator_name(operator), "k", (value,), value_is_list=False)
    problems = policy_value_problems(clause, "/Statement/0/Condition/X/k", expand_variables=True)
    assert [(p.code, p.pointer) for p in problems] == [(code, "/Statement/0/Condition/X/k")]
    with pytest.raises(InvalidPolicy):
        check_condition({operator: {"k": value}}, {})


def test_problem_pointer_names_the_value_in_a_list() -> None:
    clause = ConditionClause(parse_operator_name("IpAddress"), "aws:SourceIp", ("10.0.0.0/8", "x"))
    problems = policy_value_problems(clause, "/Statement/1/Condition/IpAddress/aws:SourceIp~1x",
                                     expand_variables=False)  # fmt: skip
    assert [p.pointer for p in problems] == ["/Statement/1/Condition/IpAddress/aws:SourceIp~1x/1"]


def test_date_problem_carries_aws_wording() -> None:
    clause = ConditionClause(parse_operator_name("DateLessThan"), "aws:CurrentTime", ("x",), False)
    (problem,) = policy_value_problems(clause, "/p", expand_variables=False)
    assert problem.aws_says == "MalformedPolicyDocument: The policy failed legacy parsing"


@pytest.mark.parametrize(
    ("operator", "value"),
    [
        ("StringEquals", "${aws:username}"),
        ("ArnLike", "arn:aws:iam::${aws:PrincipalAccount}:role/*"),
        ("Bool", "${aws:PrincipalTag/mfa}"),
        ("NumericEquals", "5"),
        ("DateEquals", "1735689600"),
    ],
)
def test_readable_policy_values_have_no_problems(operator: str, value: str) -> None:
    clause = ConditionClause(parse_operator_name(operator), "k", (value,))
    assert policy_value_problems(clause, "/p", expand_variables=True) == []


def test_variables_are_plain_text_without_2012_version() -> None:
    """Without variables, `${…}` in a Numeric value is just an unreadable number."""
    clause = ConditionClause(parse_operator_name("NumericEquals"), "k", ("${aws:x}",))
    assert [p.code for p in policy_value_problems(clause, "/p", expand_variables=False)] == [
        "INVALID_NUMERIC_VALUE"
    ]


@pytest.mark.parametrize(
    ("operator", "request_value"),
    [
        ("NumericEquals", "x"), ("NumericNotEquals", "x"), ("DateEquals", "x"),
        ("DateNotEquals", "x"), ("Bool", "x"), ("BinaryEquals", "!"), ("IpAddress", "x"),
        ("NotIpAddress", "x"), ("ArnLike", "x"), ("ArnNotLike", "x"),
    ],
)  # fmt: skip
def test_unreadable_request_values_leave_a_diagnostic(operator: str, request_value: str) -> None:
    policy = {"Numeric": "1", "Date": "2020", "Bool": "true", "Binary": "QQ==",
              "IpAddress": "10.0.0.0/8", "NotIpAddress": "10.0.0.0/8",
              "Arn": "arn:aws:iam::1:role/x"}  # fmt: skip
    value = next(v for prefix, v in policy.items() if operator.startswith(prefix))
    result = check_condition({operator: {"k": value}}, {"k": request_value})
    assert result.matched is False
    assert [d.code for d in result.diagnostics] == ["UNREADABLE_REQUEST_VALUE"]
    assert result.diagnostics[0].pointer == f"/Condition/{operator}/k"
