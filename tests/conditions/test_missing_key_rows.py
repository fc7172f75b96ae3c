"""The presence rows of the condition table: what a clause answers when its key is absent.

docs/semantics.md §5.3 (missing key: positive false, negated true, ``…IfExists`` true), §5.11
(``Null``), §5.12 (``ForAnyValue:`` false) and reading 2 (``ForAllValues:`` true, negated
operators included). ``presence`` reads these rows once; the generated block check, a clause
tested alone and the recorded replay must all answer as it says — with the key absent, and
with the key given as ``[]`` (which counts as absent).
"""

from __future__ import annotations

import pytest

from trustsim.conditions import clauses_from_json, compile_condition
from trustsim.conditions.clause import Clause, presence
from trustsim.context import RequestContext
from trustsim.model import parse_operator_name
from trustsim.operators import OPERATORS

#: (operator as written, a policy value it reads, its answer with the key absent)
ROWS = [
    ("StringEquals", "x", False),
    ("StringNotEquals", "x", True),
    ("StringLikeIfExists", "x*", True),
    ("StringNotLikeIfExists", "x*", True),
    ("NumericLessThan", "3", False),
    ("NumericNotEquals", "3", True),
    ("DateGreaterThanIfExists", "2026-01-01", True),
    ("Bool", "true", False),
    ("BoolIfExists", "true", True),
    ("IpAddress", "10.0.0.0/8", False),
    ("NotIpAddress", "10.0.0.0/8", True),
    ("ArnLike", "arn:aws:iam::*:role/x", False),
    ("ArnNotLike", "arn:aws:iam::*:role/x", True),
    ("BinaryEquals", "QUJD", False),
    ("ForAllValues:StringEquals", "x", True),
    ("ForAllValues:StringNotEquals", "x", True),  # reading 2: negated operators included
    ("ForAnyValue:StringEquals", "x", False),
    ("ForAnyValue:StringNotEquals", "x", False),
    ("ForAnyValue:StringEqualsIfExists", "x", True),
    ("StringEquals", "${aws:username}", False),  # a policy variable: decided before binding
    ("StringNotEquals", "${aws:username}", True),
    ("ForAllValues:StringLike", "${aws:username}-*", True),
    ("Null", "true", True),
    ("Null", "false", False),
    ("ForAnyValue:Null", "true", False),
]


@pytest.mark.parametrize(("name", "value", "absent"), ROWS)
def test_every_path_answers_the_presence_row(name: str, value: str, absent: bool) -> None:
    operator = parse_operator_name(name)
    assert operator is not None
    spec = OPERATORS[operator.base]
    wants = frozenset({value == "true"}) if operator.base == "Null" else frozenset()
    assert presence(operator, spec, wants)[0] is absent
    (clause,) = clauses_from_json({name: {"k": value}})
    compiled = compile_condition([clause], expand_variables=True, statement_pointer="/S/0")
    single = Clause(clause, spec, "/S/0/Condition", expand_variables=True)
    for context in (RequestContext.of({}), RequestContext.of({"k": []})):
        assert compiled.matches(context) is absent, (name, dict(context))
        assert compiled.evaluate(context).matched is absent
        assert single.test(context.folded, context) is absent


@pytest.mark.parametrize(("flag", "present"), [("true", False), ("false", True)])
def test_null_answers_by_presence_alone(flag: str, present: bool) -> None:
    """§5.11 and reading 9c: a present key (an empty string included) answers the other way."""
    operator = parse_operator_name("Null")
    assert operator is not None
    assert presence(operator, OPERATORS["Null"], frozenset({flag == "true"})) == (
        not present,
        present,
    )
    compiled = compile_condition(
        clauses_from_json({"Null": {"k": flag}}), expand_variables=True, statement_pointer="/S/0"
    )
    for value in ("v", "", ["a", "b"]):
        assert compiled.matches(RequestContext.of({"k": value})) is present


def test_a_present_key_is_compared_not_taken_as_absent() -> None:
    """IfExists lets only an absent key through: a present value that differs fails."""
    compiled = compile_condition(
        clauses_from_json({"StringEqualsIfExists": {"k": "x"}}),
        expand_variables=True,
        statement_pointer="/S/0",
    )
    assert compiled.matches(RequestContext.of({"k": "x"}))
    assert not compiled.matches(RequestContext.of({"k": "y"}))
    assert not compiled.matches(RequestContext.of({"k": ["x", "x"]}))  # reading 3
