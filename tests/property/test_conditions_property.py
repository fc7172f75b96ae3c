"""Compiled conditions agree with the naive oracle; key case and value order never matter."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.support.reference_conditions import condition_matches
from trustsim.conditions import check_condition, clauses_from_json, compile_condition
from trustsim.context import RequestContext
from trustsim.model import BASE_OPERATORS

pytestmark = pytest.mark.property

POLICY_VALUES = {
    "String": ["a", "b", "a*", "?b", "", "${k2}", "${*}", "x${k1, 'd'}", "${aws:TagKeys}"],
    "Numeric": ["1", "2.5", "-3", "10", "01.50"],
    "Date": ["2020-01-01", "2021-06-01T12:00:00Z", "1600000000", "2020-01-01T01:00:00+01:00"],
    "Bool": ["true", "false", "True", "${k2}"],
    "Binary": ["QQ==", "Qg=="],
    "Ip": ["10.0.0.0/8", "10.1.0.0/16", "::/0", "2001:db8::/32", "192.168.0.1"],
    "Arn": ["arn:aws:iam::1:role/*", "arn:aws:iam::*:role/a", "arn:aws:iam::${k2}:role/a",
            "arn:*:iam::1:*"],
    "Null": ["true", "false"],
}  # fmt: skip
REQUEST_VALUES = [
    "a", "b", "ab", "", "a*", "1", "2.5", "1.50", "x", "10.1.2.3", "10.2.0.1", "2001:db8::1",
    "arn:aws:iam::1:role/a", "arn:aws:iam::2:role/a", "true", "false", "TRUE", "QQ==", "2020-01-01",
    "1600000000", "2021-06-01T12:00:00Z", "xd",
]  # fmt: skip
KEYS = ["k1", "k2", "aws:TagKeys", "aws:RequestTag/Team"]


def family(base: str) -> str:
    for prefix in ("String", "Numeric", "Date", "Bool", "Binary", "Arn", "Null"):
        if base.startswith(prefix):
            return prefix
    return "Ip"


@st.composite
def operator_names(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(sorted(BASE_OPERATORS)))
    qualifier = draw(st.sampled_from(["", "ForAllValues:", "ForAnyValue:"]))
    if_exists = base != "Null" and draw(st.booleans())
    return f"{qualifier}{base}{'IfExists' if if_exists else ''}"


@st.composite
def conditions(draw: st.DrawFn) -> tuple[dict[str, dict[str, Any]], str | None]:
    """A Condition block and its policy Version (Bool/Arn variables only under 2012-10-17)."""
    version = draw(st.sampled_from(["2012-10-17", None]))
    block: dict[str, dict[str, Any]] = {}
    for name in draw(st.lists(operator_names(), min_size=1, max_size=3, unique=True)):
        base = name.split(":")[-1].removesuffix("IfExists")
        pool = POLICY_VALUES[family(base)]
        if version is None and family(base) in ("Bool", "Arn"):
            pool = [value for value in pool if "${" not in value]
        keys = draw(st.lists(st.sampled_from(KEYS), min_size=1, max_size=2, unique=True))
        block[name] = {
            key: draw(st.one_of(st.sampled_from(pool), st.lists(st.sampled_from(pool), max_size=3)))
            for key in keys
        }
    return block, version


contexts = st.dictionaries(
    st.sampled_from(KEYS),
    st.one_of(
        st.sampled_from(REQUEST_VALUES), st.lists(st.sampled_from(REQUEST_VALUES), max_size=3)
    ),
)


def swap_case(text: str, pattern: list[bool]) -> str:
    return "".join(
        c.upper() if pattern[i % len(pattern)] else c.lower() for i, c in enumerate(text)
    )


@settings(max_examples=1000)
@given(conditions(), contexts)
def test_agrees_with_oracle(
    case: tuple[dict[str, Any], str | None], context: dict[str, Any]
) -> None:
    block, version = case
    expected = condition_matches(block, context, version=version)
    compiled = compile_condition(clauses_from_json(block), expand_variables=version == "2012-10-17")
    ctx = RequestContext.of(context)
    assert compiled.matches(ctx) is expected
    assert compiled.evaluate(ctx).matched is expected  # the recorded replay agrees


@settings(max_examples=1000)
@given(conditions(), contexts, st.lists(st.booleans(), min_size=1, max_size=5),
       st.lists(st.booleans(), min_size=1, max_size=5))  # fmt: skip
def test_key_case_never_matters(case: tuple[dict[str, Any], str | None], context: dict[str, Any],
                                policy_case: list[bool], context_case: list[bool]) -> None:  # fmt: skip
    block, version = case
    expected = check_condition(block, context, version=version).matched
    recased_block = {op: {swap_case(k, policy_case): v for k, v in keys.items()}
                     for op, keys in block.items()}  # fmt: skip
    recased_context = {swap_case(k, context_case): v for k, v in context.items()}
    assert check_condition(recased_block, recased_context, version=version).matched is expected


@settings(max_examples=1000)
@given(conditions(), contexts, st.randoms(use_true_random=False))
def test_value_order_never_matters(case: tuple[dict[str, Any], str | None],
                                   context: dict[str, Any], random: Any) -> None:  # fmt: skip
    block, version = case
    expected = check_condition(block, context, version=version).matched

    def shuffled(value: Any) -> Any:
        if isinstance(value, list):
            value = list(value)
            random.shuffle(value)
        return value

    reordered_block = {op: {k: shuffled(v) for k, v in keys.items()} for op, keys in block.items()}
    reordered_context = {k: shuffled(v) for k, v in context.items()}
    assert check_condition(reordered_block, reordered_context, version=version).matched is expected


@settings(max_examples=1000)
@given(conditions(), contexts)
def test_quick_diagnostics_are_those_of_the_full_evaluation(
    case: tuple[dict[str, Any], str | None], context: dict[str, Any]
) -> None:
    """The reason path's ``diagnostics`` skips clauses that cannot note anything (plain text
    clauses with one value, typed clauses with one readable value): it must find exactly what
    evaluating every clause with its record finds, in the same order."""
    block, version = case
    compiled = compile_condition(clauses_from_json(block), expand_variables=version == "2012-10-17")
    ctx = RequestContext.of(context)
    assert compiled.diagnostics(ctx) == compiled.evaluate(ctx).diagnostics
