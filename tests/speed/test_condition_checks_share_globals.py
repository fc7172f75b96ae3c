"""A compiled condition's values are its check's defaults, not a globals dict of its own (issue 22).

A loop over thousands of requests calls thousands of generated checks; each one's key and
values sit in one small tuple (its defaults) and every check shares one globals mapping, so
a call touches less memory. The checks still answer by the clauses they were made from.
"""

from __future__ import annotations

from trustsim.conditions import clauses_from_json, compile_condition
from trustsim.context import RequestContext


def _check(block: dict[str, dict[str, object]]) -> object:
    compiled = compile_condition(clauses_from_json(block), expand_variables=True)
    return compiled.check


def test_checks_of_one_shape_share_their_code_and_globals_and_keep_their_own_values() -> None:
    first = _check({"StringEquals": {"sts:ExternalId": "a"}})
    second = _check({"StringEquals": {"aws:SourceAccount": "111122223333"}})
    assert first.__code__ is second.__code__  # type: ignore[attr-defined]
    assert first.__globals__ is second.__globals__  # type: ignore[attr-defined]
    assert first.__defaults__ == ("sts:externalid", ("a",))  # type: ignore[attr-defined]
    assert second.__defaults__ == ("aws:sourceaccount", ("111122223333",))  # type: ignore[attr-defined]
    context = RequestContext.of({"sts:ExternalId": "a", "aws:SourceAccount": "444455556666"})
    assert first(context.folded, context) is True  # type: ignore[operator]
    assert second(context.folded, context) is False  # type: ignore[operator]


def test_the_shared_globals_hold_no_policy_value() -> None:
    check = _check({"StringLike": {"token.actions.githubusercontent.com:sub": "repo:acme/*"}})
    assert set(check.__globals__) == {"__builtins__"}  # type: ignore[attr-defined]
