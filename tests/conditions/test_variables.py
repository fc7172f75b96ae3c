"""Policy variables in condition values (docs/semantics.md §5.14)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.reference_conditions import condition_matches
from trustsim.conditions import check_condition
from trustsim.context import RequestContext
from trustsim.variables import Literal, Unresolved, Variable, parse_template

V2012 = "2012-10-17"


def run(condition: dict[str, Any], context: dict[str, Any], version: str | None = V2012) -> bool:
    got = check_condition(condition, context, version=version).matched
    assert condition_matches(condition, context, version=version) is got, "oracle disagrees"
    return got


def test_parse_template_parts() -> None:
    template = parse_template("x-${aws:PrincipalTag/Team, 'none'}-${?}${$}")
    assert template.parts == (
        "x-",
        Variable("aws:PrincipalTag/Team", "aws:principaltag/team", "none",
                 "${aws:PrincipalTag/Team, 'none'}"),
        "-",
        Literal("?"),
        Literal("$"),
    )  # fmt: skip
    assert template.text == "x-${aws:PrincipalTag/Team, 'none'}-${?}${$}"


@pytest.mark.parametrize("text", ["${", "${}", "${a b}", "${a,'x'", "plain", "$", "${{x}}"])
def test_malformed_references_are_plain_text(text: str) -> None:
    assert not parse_template(text).has_variables


def test_resolution_outcomes() -> None:
    template = parse_template("${aws:TagKeys}")
    _, why = template.resolve(RequestContext.of({"aws:TagKeys": ["a"]}))
    assert why is not None
    assert why[0] is Unresolved.MULTIVALUED
    _, why = template.resolve(RequestContext.of({}))
    assert why is not None
    assert why[0] is Unresolved.ABSENT


CALLER = "arn:aws:iam::111122223333:user/alice"


def test_username_variable_matches_the_caller() -> None:
    """PEERS B20: `${aws:username}` in a condition value is expanded."""
    condition = {"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/${aws:username}"}}
    assert run(condition, {"aws:PrincipalArn": CALLER, "aws:username": "alice"})
    assert not run(condition, {"aws:PrincipalArn": CALLER, "aws:username": "bob"})


def test_variables_only_under_2012_10_17() -> None:
    condition = {"StringEquals": {"k": "${aws:username}"}}
    context = {"k": "alice", "aws:username": "alice"}
    assert run(condition, context, V2012)
    assert not run(condition, context, "2008-10-17")
    assert not run(condition, context, None)
    assert run(condition, {"k": "${aws:username}"}, None)  # literal text without 2012-10-17


def test_variable_key_case_is_ignored() -> None:
    condition = {"StringEquals": {"k": "${AWS:PrincipalTag/TEAM}"}}
    assert run(condition, {"k": "ops", "aws:principaltag/team": "ops"})


def test_missing_variable_without_default() -> None:
    """'Effectively null': positive operators do not match, negated ones do (§5.14)."""
    assert not run({"StringEquals": {"k": "${aws:username}"}}, {"k": ""})
    assert not run({"StringLike": {"k": "*${aws:username}*"}}, {"k": "x"})
    assert run({"StringNotEquals": {"k": "${aws:username}"}}, {"k": "x"})
    assert run({"StringNotLike": {"k": "${aws:username}"}}, {"k": "x"})
    # the other values of the clause still count
    assert run({"StringEquals": {"k": ["${aws:username}", "x"]}}, {"k": "x"})
    assert not run({"StringNotEquals": {"k": ["${aws:username}", "x"]}}, {"k": "x"})


def test_default_value_used_only_when_key_absent() -> None:
    condition = {"StringEquals": {"k": "${aws:PrincipalTag/team, 'company-wide'}"}}
    assert run(condition, {"k": "company-wide"})
    assert not run(condition, {"k": "company-wide", "aws:PrincipalTag/team": "ops"})
    assert run(condition, {"k": "ops", "aws:PrincipalTag/team": "ops"})


def test_special_literals() -> None:
    assert run({"StringLike": {"k": "a${*}"}}, {"k": "a*"})
    assert not run({"StringLike": {"k": "a${*}"}}, {"k": "ab"})
    assert run({"StringLike": {"k": "a${?}"}}, {"k": "a?"})
    assert not run({"StringLike": {"k": "a${?}"}}, {"k": "ab"})
    assert run({"StringEquals": {"k": "${$}{x}"}}, {"k": "${x}"})
    assert run({"StringLike": {"k": "a${*}"}}, {"k": "a${*}"}, None)  # 2008: `*` is a wildcard
    assert run({"StringLike": {"k": "a${*}"}}, {"k": "a${anything}"}, None)


def test_substituted_text_is_never_a_wildcard() -> None:
    """§5.14 [UNCERTAIN], recommendation followed: a `*` in a tag value is literal."""
    condition = {"StringLike": {"k": "team-${aws:PrincipalTag/team}/*"}}
    assert run(condition, {"k": "team-*/x", "aws:PrincipalTag/team": "*"})
    assert not run(condition, {"k": "team-ops/x", "aws:PrincipalTag/team": "*"})
    assert not run(condition, {"k": "team-o/x", "aws:PrincipalTag/team": "?"})


def test_multivalued_key_as_variable_does_not_match_either_way() -> None:
    for operator in ("StringEquals", "StringNotEquals", "StringLike", "StringNotLike"):
        condition = {operator: {"k": "${aws:TagKeys}"}}
        assert not run(condition, {"k": "a", "aws:TagKeys": ["a", "b"]}), operator
        assert not run(condition, {"k": "a", "aws:TagKeys": ["a"]}), operator
    result = check_condition({"StringNotEquals": {"k": "${aws:TagKeys}"}},
                             {"k": "a", "aws:TagKeys": ["b", "c"]})  # fmt: skip
    assert [d.code for d in result.diagnostics] == ["UNCERTAIN_SEMANTICS"]


def test_missing_key_rule_comes_before_variables() -> None:
    assert run({"StringNotEquals": {"k": "${aws:TagKeys}"}}, {"aws:TagKeys": ["a", "b"]})


def test_arn_variables() -> None:
    condition = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}}
    context = {"aws:PrincipalArn": "arn:aws:iam::111122223333:role/x"}
    assert run(condition, {**context, "aws:PrincipalAccount": "111122223333"})
    assert not run(condition, {**context, "aws:PrincipalAccount": "999999999999"})
    assert not run(condition, {**context, "aws:PrincipalAccount": "*"})  # literal
    assert not run(condition, context)  # absent variable


def test_bool_variables() -> None:
    condition = {"Bool": {"k": "${aws:PrincipalTag/mfa-required}"}}
    assert run(condition, {"k": "true", "aws:PrincipalTag/mfa-required": "true"})
    assert not run(condition, {"k": "true", "aws:PrincipalTag/mfa-required": "false"})
    result = check_condition(condition, {"k": "true", "aws:PrincipalTag/mfa-required": "maybe"})
    assert not result.matched
    assert [d.code for d in result.diagnostics] == ["UNREADABLE_REQUEST_VALUE"]


def test_clause_result_shows_substituted_values() -> None:
    result = check_condition({"StringEquals": {"k": ["${aws:username}", "${aws:userid}"]}},
                             {"k": "x", "aws:username": "alice"})  # fmt: skip
    assert result.clauses[0].policy_values == ("alice", "${aws:userid}")
