"""Operator cases mutation testing showed unpinned: several ARN patterns, IP problem wording.

docs/semantics.md §5.1: the values of one clause are ORed — a request value matches the clause when
it matches *any* policy value, including the second or the last one; §5.10: ARN operators
compare the six colon-separated parts, each with wildcards.
"""

from __future__ import annotations

import pytest

from trustsim.conditions import check_condition
from trustsim.model import ConditionClause, parse_operator_name
from trustsim.operators import policy_value_problems

ROLES = ["arn:aws:iam::111122223333:role/a-*", "arn:aws:iam::*:role/b-*", "arn:aws:s3:::bucket"]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("ArnLike", "arn:aws:iam::111122223333:role/a-1", True),  # the first value
        ("ArnLike", "arn:aws:iam::444455556666:role/b-2", True),  # the second value
        ("ArnLike", "arn:aws:s3:::bucket", True),  # the last value
        ("ArnLike", "arn:aws:iam::444455556666:role/a-1", False),  # none of them
        ("ArnNotLike", "arn:aws:iam::444455556666:role/b-2", False),
        ("ArnNotLike", "arn:aws:iam::444455556666:role/c", True),
        ("ArnEquals", "arn:aws:s3:::bucket", True),
        ("ArnNotEquals", "arn:aws:s3:::bucket", False),
    ],
)
def test_every_value_of_an_arn_clause_counts(operator: str, value: str, expected: bool) -> None:
    result = check_condition({operator: {"aws:SourceArn": ROLES}}, {"aws:SourceArn": value})
    assert result.matched is expected


@pytest.mark.parametrize("count", [1, 2, 3])
def test_arn_clauses_of_one_two_and_three_values_read_the_request_alike(count: int) -> None:
    values = ROLES[:count]
    for value in values:
        assert check_condition(
            {"ArnLike": {"aws:SourceArn": values}}, {"aws:SourceArn": value}
        ).matched
    unreadable = check_condition({"ArnLike": {"aws:SourceArn": values}}, {"aws:SourceArn": "a b c"})
    assert not unreadable.matched
    assert [d.code for d in unreadable.diagnostics] == ["UNREADABLE_REQUEST_VALUE"]


def test_an_unreadable_ip_policy_value_is_named_in_the_problem() -> None:
    operator = parse_operator_name("IpAddress")
    assert operator is not None
    clause = ConditionClause(operator, "aws:SourceIp", ("10.0.0.0/8", "10.0.0.300"))
    pointer = "/Statement/0/Condition/IpAddress/aws:SourceIp"
    (problem,) = policy_value_problems(clause, pointer, expand_variables=True)
    assert problem.code == "INVALID_IP_VALUE"
    assert problem.pointer == pointer + "/1"
    assert problem.message == (
        "IpAddress value '10.0.0.300': not an IPv4 or IPv6 address or CIDR block"
    )


@pytest.mark.parametrize(
    ("operator", "values", "expected"),
    [
        ("ForAllValues:IpAddress", ["10.1.1.1", "10.2.2.2"], True),
        ("ForAllValues:IpAddress", ["10.1.1.1", "192.168.0.1"], False),  # one outside
        ("ForAnyValue:IpAddress", ["192.168.0.1", "10.1.1.1"], True),
        ("ForAnyValue:IpAddress", ["192.168.0.1", "172.16.0.1"], False),  # none inside
        ("ForAllValues:NotIpAddress", ["192.168.0.1", "172.16.0.1"], True),
        ("ForAllValues:NotIpAddress", ["192.168.0.1", "10.1.1.1"], False),
    ],
)
def test_set_qualifiers_over_ip_addresses(operator: str, values: list[str], expected: bool) -> None:
    """§5.12: ForAllValues needs every request value to satisfy the operator, ForAnyValue one."""
    result = check_condition({operator: {"x:ips": "10.0.0.0/8"}}, {"x:ips": values})
    assert result.matched is expected


@pytest.mark.parametrize(
    ("text", "readable"),
    [
        ("2026-01-01T10:59:59Z", True),
        ("2026-01-01T10:60:00Z", False),  # minute 60 does not exist
        ("2026-01-01T10:00:60Z", False),  # nor does second 60 (IAM has no leap seconds)
        ("2026-01-01T24:00:00Z", False),
        ("2026-01-01T10:00:00+23:59", True),
        ("2026-01-01T10:00:00+24:00", False),
        ("2026-01-01T10:00:00+01:60", False),
    ],
)
def test_clock_fields_out_of_range_are_no_date(text: str, readable: bool) -> None:
    policy = {"DateGreaterThan": {"aws:CurrentTime": "2000-01-01T00:00:00Z"}}
    result = check_condition(policy, {"aws:CurrentTime": text})
    assert result.matched is readable
    codes = [diagnostic.code for diagnostic in result.diagnostics]
    assert codes == ([] if readable else ["UNREADABLE_REQUEST_VALUE"])


@pytest.mark.parametrize(
    ("operator", "value", "code", "message"),
    [
        (
            "Bool",
            "yes",
            "INVALID_BOOL_VALUE",
            'Bool value \'yes\': not a boolean ("true" or "false")',
        ),
        (
            "NumericLessThan",
            "ten",
            "INVALID_NUMERIC_VALUE",
            "NumericLessThan value 'ten': not an integer or decimal number",
        ),
        (
            "BinaryEquals",
            "***",
            "INVALID_BINARY_VALUE",
            "BinaryEquals value '***': not base64 text",
        ),
    ],
)
def test_unreadable_policy_values_are_named_in_the_problem(
    operator: str, value: str, code: str, message: str
) -> None:
    parsed = parse_operator_name(operator)
    assert parsed is not None
    clause = ConditionClause(parsed, "x:k", (value,), value_is_list=False)
    (problem,) = policy_value_problems(clause, "/Statement/0/Condition", expand_variables=True)
    assert (problem.code, problem.pointer, problem.message) == (
        code,
        "/Statement/0/Condition",
        message,
    )


def test_a_literal_star_from_a_variable_is_a_whole_arn_part_to_match_exactly() -> None:
    """§5.14: ``${*}`` is a literal ``*``; as a whole ARN part it matches only ``*``."""
    condition = {"ArnLike": {"aws:SourceArn": "arn:aws:iam::${*}:role/x"}}
    assert not check_condition(
        condition, {"aws:SourceArn": "arn:aws:iam::111122223333:role/x"}
    ).matched
    assert check_condition(condition, {"aws:SourceArn": "arn:aws:iam::*:role/x"}).matched


def test_arn_parts_split_on_the_first_five_colons() -> None:
    """§5.10: the resource part keeps its own colons (CloudWatch Logs ARNs have several)."""
    pattern = "arn:aws:logs:*:111122223333:log-group:app:*"
    value = "arn:aws:logs:us-east-1:111122223333:log-group:app:log-stream:s1"
    for patterns in ([pattern], [pattern, "arn:aws:s3:::bucket"]):
        condition = {"ArnLike": {"aws:SourceArn": patterns}}
        assert check_condition(condition, {"aws:SourceArn": value}).matched


@pytest.mark.parametrize(
    ("zoned", "utc"),
    [
        ("2026-01-01T10:00:00+00:30", "2026-01-01T09:30:00Z"),
        ("2026-01-01T10:00:00-01:45", "2026-01-01T11:45:00Z"),
        ("2026-01-01T10:00:00+0530", "2026-01-01T04:30:00Z"),
    ],
)
def test_zone_offsets_count_minutes(zoned: str, utc: str) -> None:
    assert check_condition(
        {"DateEquals": {"aws:CurrentTime": zoned}}, {"aws:CurrentTime": utc}
    ).matched


@pytest.mark.parametrize(
    ("operator", "value", "message"),
    [
        (
            "DateEquals",
            "soon",
            "DateEquals value 'soon': not an ISO 8601 date (YYYY-MM-DDThh:mm:ssZ…) or epoch seconds",
        ),
        (
            "ArnLike",
            "arn:aws:iam",
            "ArnLike value 'arn:aws:iam': not an ARN pattern of six parts "
            "(arn:partition:service:region:account:resource)",
        ),
        (
            "NumericEquals",
            "${aws:username}",
            "NumericEquals value '${aws:username}': policy variables are expanded only in "
            "String, Arn and Bool values",
        ),
    ],
)
def test_policy_value_problem_messages(operator: str, value: str, message: str) -> None:
    parsed = parse_operator_name(operator)
    assert parsed is not None
    clause = ConditionClause(parsed, "x:k", (value,), value_is_list=False)
    (problem,) = policy_value_problems(clause, "/Statement/0/Condition", expand_variables=True)
    assert problem.message == message
