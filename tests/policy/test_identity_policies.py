"""Identity-side policies as IAM reads them (issue 25): the managed Version rule, dates with a
bare year, AWS's wording per kind, the problem AWS reports first, and the explanation note of a
clause whose policy variable the request does not carry."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trustsim.conditions import check_condition
from trustsim.errors import InvalidPolicy, Problem
from trustsim.loaders import load_policy
from trustsim.operators import parse_date
from trustsim.parsing import parse_policy
from trustsim.validation import aws_check_order

SYNTAX = "MalformedPolicyDocument: Syntax errors in policy."
VERSION = "MalformedPolicyDocument: Policy document must be version 2012-10-17 or greater."
IAM_KINDS = ("identity", "managed", "permissions-boundary", "session")


def _document(version: str | None = "2012-10-17", **statement: Any) -> dict[str, Any]:
    body = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", **statement}
    document: dict[str, Any] = {"Statement": body}
    if version is not None:
        document["Version"] = version
    return document


def _refusal(document: object, kind: str) -> InvalidPolicy:
    with pytest.raises(InvalidPolicy) as caught:
        parse_policy(document, kind=kind)
    return caught.value


# --- Version ---------------------------------------------------------------------------------


@pytest.mark.parametrize("version", [None, "2008-10-17"])
def test_a_managed_policy_needs_version_2012_an_inline_one_does_not(version: str | None) -> None:
    error = _refusal(_document(version), "managed")
    assert [(p.code, p.pointer, p.aws_says) for p in error.problems] == [
        ("INVALID_VERSION", "/Version" if version else "", VERSION)
    ]
    for kind in ("identity", "permissions-boundary", "session"):
        assert parse_policy(_document(version), kind=kind).version == version


def test_a_refused_version_is_one_syntax_problem_not_two() -> None:
    error = _refusal(_document("2013-10-17"), "managed")
    assert [(p.code, p.aws_says) for p in error.problems] == [("INVALID_VERSION", SYNTAX)]


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "same_as"),
    [
        ("2019T", "2019-01-01"),
        ("01T", "0001-01-01"),
        ("2019-07T", "2019-07-01"),
        ("2019-07-01T", "2019-07-01"),
        ("2019t", "2019-01-01"),
        ("234-12", "0234-12-01"),
    ],
)
def test_a_year_or_month_followed_by_t_is_read_as_iam_reads_it(text: str, same_as: str) -> None:
    assert parse_date(text) == parse_date(same_as) is not None
    parse_policy(
        _document(Condition={"DateGreaterThan": {"aws:CurrentTime": text}}), kind="managed"
    )


@pytest.mark.parametrize("text", ["0T", "234-13", "2019-13T", "T", "2019TT", "12345T"])
def test_what_is_still_no_date(text: str) -> None:
    assert parse_date(text) is None
    error = _refusal(_document(Condition={"DateGreaterThan": {"aws:CurrentTime": text}}), "managed")
    assert error.aws_says == "MalformedPolicyDocument: The policy failed legacy parsing"


@given(st.integers(min_value=1, max_value=9999))
def test_year_then_t_is_the_first_instant_of_that_year(year: int) -> None:
    instant = parse_date(f"{year}T")
    assert instant is not None
    assert instant.date_only
    assert instant == parse_date(f"{year:04d}-01-01T00:00:00Z")


def test_bare_digits_keep_their_reading() -> None:
    assert parse_date("2019") == parse_date("2019-01-01")  # four digits: a year
    assert parse_date("01") == parse_date("1")  # any other count: epoch seconds
    assert parse_date("01").seconds == 1  # type: ignore[union-attr]


# --- wording per kind ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operator", ["x", "StringEqualz", "ForAnyValue::StringEquals", "NullIfExists"]
)
def test_unknown_operators_are_syntax_errors_for_identity_side_kinds(operator: str) -> None:
    document = _document(Condition={operator: {"aws:PrincipalTag/team": "a"}})
    for kind in IAM_KINDS:
        assert _refusal(document, kind).aws_says == SYNTAX
    trust = {
        "Statement": {
            "Effect": "Allow",
            "Principal": {"AWS": "111122223333"},
            "Action": "sts:AssumeRole",
            "Condition": {operator: {"k": "a"}},
        }
    }
    assert _refusal(trust, "trust").aws_says == (
        f"MalformedPolicyDocument: Invalid Condition type : {operator}"
    )


def test_text_that_is_no_json_is_a_syntax_error_for_identity_side_kinds() -> None:
    for kind in IAM_KINDS:
        with pytest.raises(InvalidPolicy) as caught:
            load_policy(b"This is not a json document", kind=kind)
        assert caught.value.aws_says == SYNTAX
    with pytest.raises(InvalidPolicy) as caught:
        load_policy(b"This is not a json document", kind="trust")
    assert caught.value.aws_says == "MalformedPolicyDocument: This policy contains invalid Json"


def test_an_unknown_operator_with_no_keys_is_dropped_in_identity_side_kinds() -> None:
    document = _document(
        Condition={"x": {}, "StringEquals": {"aws:PrincipalTag/team": "a"}, "y": {}}
    )
    for kind in IAM_KINDS:
        policy = parse_policy(document, kind=kind)
        clauses = policy.statements[0].condition
        # the real clause is kept: dropping the empty blocks loses no restriction
        assert [(c.operator.name, c.key) for c in clauses] == [
            ("StringEquals", "aws:PrincipalTag/team")
        ]


def test_an_unknown_operator_with_keys_is_not_dropped() -> None:
    document = _document(Condition={"x": {"k": []}})
    for kind in IAM_KINDS:
        assert [p.code for p in _refusal(document, kind).problems] == ["UNKNOWN_OPERATOR"]


# --- the first problem -----------------------------------------------------------------------


def test_problems_keep_document_order_and_first_follows_aws() -> None:
    document = {
        "Statement": [
            {"Effect": "Allow", "Action": "s3:Get:Object", "Resource": "arn:aws:s3:::b"},
            {"Sid": "a", "Effect": "allow", "Action": "s3:GetObject", "Resource": "*"},
        ]
    }
    error = _refusal(document, "managed")
    assert [p.code for p in error.problems] == [
        "INVALID_VERSION",
        "INVALID_ACTION",
        "INVALID_EFFECT",
    ]
    assert error.first is not None
    assert error.first.code == "INVALID_VERSION"
    assert error.aws_says == VERSION
    inline = _refusal(document, "identity")
    assert [p.code for p in inline.problems] == ["INVALID_ACTION", "INVALID_EFFECT"]
    assert inline.aws_says == "MalformedPolicyDocument: The policy failed legacy parsing"
    text = str(inline).splitlines()
    assert text[0] == "invalid policy: 2 problems"
    assert text[1].startswith("/Statement/1/Effect: ")  # AWS's answer leads
    assert text[3].startswith("/Statement/0/Action: ")


@pytest.mark.parametrize(
    ("statements", "first"),
    [
        # duplicate Sid before missing actions (moto's recorded answer)
        (
            [
                {"Sid": "s", "Effect": "Allow", "Action": "s3:Get", "Resource": "*"},
                {"Sid": "s", "Effect": "Allow"},
            ],
            "DUPLICATE_SID",
        ),
        # a resource ARN before an action prefix
        ([{"Effect": "Allow", "Action": "s:3:Get", "Resource": "nope"}], "INVALID_RESOURCE"),
        # an action prefix before a missing resource
        ([{"Effect": "Allow", "Action": "nope"}], "INVALID_ACTION"),
        # legacy parsing of a resource before missing actions
        ([{"Effect": "Allow", "Resource": "arn:aws:s3::b"}], "MALFORMED_RESOURCE_ARN"),
        # a condition the syntax check refuses before everything else
        (
            [{"Effect": "Allow", "Resource": "*", "Condition": {"DateGreaterThan": {"a": {}}}}],
            "NESTED_CONDITION_VALUE",
        ),
    ],
)
def test_the_first_problem_is_the_earliest_check(
    statements: list[dict[str, Any]], first: str
) -> None:
    error = _refusal({"Version": "2012-10-17", "Statement": statements}, "managed")
    assert error.first is not None
    assert error.first.code == first
    assert str(error).splitlines()[1].endswith(f"[{first}]")


def test_first_must_be_one_of_the_problems() -> None:
    problem = Problem("MISSING_STATEMENT", "", "no Statement", SYNTAX)
    other = Problem("WRONG_TYPE", "/Id", "Id must be a string", SYNTAX)
    assert InvalidPolicy([problem]).first is problem
    assert InvalidPolicy([]).first is None
    assert InvalidPolicy([]).aws_says == ""
    with pytest.raises(ValueError, match="first must be one of the problems"):
        InvalidPolicy([problem], first=other)


# --- the explanation note of an absent policy variable ---------------------------------------


def test_a_negated_operator_matched_through_an_absent_variable_says_why() -> None:
    result = check_condition(
        {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
        {"aws:PrincipalTag/team": "payments"},
    )
    (clause,) = result.clauses
    assert clause.matched
    assert clause.policy_values == ("${aws:username}",)
    assert "'${aws:username}' (aws:username is absent) matches nothing" in clause.note
    assert clause.note.endswith("StringNotEquals holds because no policy value matches the request")
    assert "note: " in str(result)


def test_a_positive_operator_says_it_cannot_match_through_the_absent_value() -> None:
    result = check_condition(
        {"StringEquals": {"aws:PrincipalTag/team": ["${aws:username}", "x"]}},
        {"aws:PrincipalTag/team": "payments"},
    )
    (clause,) = result.clauses
    assert not clause.matched
    assert clause.note.endswith("StringEquals cannot match through it")


def test_no_note_when_every_variable_has_a_value_or_none_is_used() -> None:
    filled = check_condition(
        {"StringNotEquals": {"aws:PrincipalTag/team": "${aws:username}"}},
        {"aws:PrincipalTag/team": "payments", "aws:username": "bob"},
    )
    plain = check_condition(
        {"StringNotEquals": {"aws:PrincipalTag/team": "x"}}, {"aws:PrincipalTag/team": "y"}
    )
    assert filled.clauses[0].note == plain.clauses[0].note == ""


def test_an_equal_copy_of_a_problem_as_first_is_shown_once() -> None:
    a = Problem("INVALID_ACTION", "/Statement/0/Action", "bad action", "x")
    b = Problem("INVALID_EFFECT", "/Statement/1/Effect", "bad effect", "y")
    error = InvalidPolicy([a, b], first=Problem(b.code, b.pointer, b.message, b.aws_says))
    assert error.first is b
    assert str(error).count("bad effect") == 1
    assert str(error).splitlines()[1].startswith("/Statement/1/Effect")


_STATEMENTS = [
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:Get:Object", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject"},
    {"Effect": "Allow", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "aws:s3:::b"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3::b"},
    {"Sid": "same", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"x": {"k": "v"}}},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"x": {}}},
]


@given(
    st.lists(st.sampled_from(_STATEMENTS), min_size=1, max_size=5),
    st.sampled_from([None, "2008-10-17", "2012-10-17"]),
    st.sampled_from(IAM_KINDS),
)
def test_first_is_the_earliest_check_and_the_list_keeps_document_order(
    statements: list[dict[str, Any]], version: str | None, kind: str
) -> None:

    document: dict[str, Any] = {"Statement": statements}
    if version:
        document["Version"] = version
    error = _outcome(document, kind)
    if error is None:
        good = {0, 7, 9}  # valid statements (9: its empty unknown operator block is dropped)
        assert all(_STATEMENTS.index(s) in good for s in statements)
        assert kind != "managed" or version == "2012-10-17"
        assert sum(s.get("Sid") == "same" for s in statements) <= 1
        return
    assert error.first is not None
    ranks = [aws_check_order(problem) for problem in error.problems]
    assert aws_check_order(error.first) == min(ranks)
    assert error.first is error.problems[ranks.index(min(ranks))]  # ties: document order
    indexes = [p.pointer.split("/")[2] for p in error.problems if p.pointer.count("/") >= 2]
    assert indexes == sorted(indexes, key=int)
    assert str(error).splitlines()[1].endswith(f"[{error.first.code}]")


def _outcome(document: object, kind: str) -> InvalidPolicy | None:
    try:
        parse_policy(document, kind=kind)
    except InvalidPolicy as error:
        return error
    return None
